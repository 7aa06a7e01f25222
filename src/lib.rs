//! Tributary: Apache Kafka Connect rebuilt in Rust, with a Kubernetes operator.
//!
//! The folders follow responsibilities: `data` (the Connect data model and converters),
//! `runtime` (worker, task loops, offsets, config), `connectors`, `transforms`, `rest`
//! (one router over the `Herder` trait), `api` (custom resources), `controller`, `worker`
//! and `cli`.

pub mod api;
pub mod cli;
pub mod connectors;
pub mod controller;
pub mod data;
pub mod error;
#[cfg(test)]
mod fixtures;
pub mod herder;
pub mod rest;
pub mod runtime;
pub mod telemetry;
pub mod transforms;
pub mod worker;

pub use error::{Error, Result};
