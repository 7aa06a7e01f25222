//! The Connect REST API: one axum router ([`routes::router`]) over the [`Herder`] trait,
//! with two backends: [`standalone::StandaloneHerder`] and, for Kubernetes,
//! [`kubernetes::KubernetesHerder`]; [`auth`] adds authentication in front of it.

pub mod auth;
pub mod entities;
pub mod error;
pub mod herder;
pub mod kubernetes;
pub mod loggers;
pub mod plugins;
pub mod routes;
mod sink_offsets;
mod source_offsets;
pub mod standalone;

pub use herder::{Herder, HerderError, HerderResult};
