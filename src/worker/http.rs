//! The worker's health port: `/healthz` (the process serves), `/readyz` (lease held,
//! connectors listed) and `/metrics` (Prometheus text, see [`super::metrics`]).

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::Readiness;
use super::metrics::WorkerMetrics;

/// The content type of the Prometheus text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The routes of the worker's health port.
pub fn router(readiness: Readiness, metrics: WorkerMetrics) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(move || {
                let ready = readiness.is_ready();
                async move {
                    if ready {
                        (StatusCode::OK, "ok")
                    } else {
                        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let encoded = metrics.encode();
                async move {
                    match encoded {
                        Ok(text) => {
                            ([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], text).into_response()
                        }
                        Err(_) => (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "cannot encode the metrics",
                        )
                            .into_response(),
                    }
                }
            }),
        )
}
