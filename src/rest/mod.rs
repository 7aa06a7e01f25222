//! The Connect REST API, HTTP only: one axum router ([`routes::router`]) over the
//! [`Herder`](crate::herder::Herder) trait, the mapping of herder errors to status codes
//! ([`error`]), authentication in front of it ([`auth`]) and the logger-level endpoints
//! ([`loggers`]). The control plane behind it is in `crate::herder`.

pub mod auth;
pub mod entities;
pub mod error;
pub mod loggers;
pub mod routes;
