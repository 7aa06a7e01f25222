//! Tributary: Apache Kafka Connect rebuilt in Rust, with a Kubernetes operator.
//!
//! The folders follow responsibilities: `data` (the Connect data model and converters),
//! `runtime` (worker, task loops, offsets, config), `connectors`, `plugin_host` (Java connector plugins in a supervised JVM), `transforms`, `herder`
//! (the control plane: the `Herder` trait, its shared base and two backends), `rest`
//! (HTTP only: one router over the `Herder` trait), `api` (custom resources and their
//! behaviour), `controller`, `worker` and `cli`. See `docs/architecture.md`.
//!
//! There is no crate-wide error type: each module returns its own typed error (a caller
//! can act on its variants), and `anyhow` lives only in `cli`.

pub mod api;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod controller;
pub mod data;
#[cfg(test)]
mod fixtures;
pub mod herder;
pub mod java;
pub mod plugin_host;
pub mod rest;
pub mod runtime;
pub mod telemetry;
pub mod transforms;
pub mod worker;
