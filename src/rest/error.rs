//! Herder errors to HTTP responses with Connect's body `{"error_code":..,"message":..}`
//! (Apache's `ConnectExceptionMapper`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::entities::ErrorMessage;
use crate::herder::HerderError;

/// An error answer of the REST API.
#[derive(Debug)]
pub struct RestError {
    pub status: StatusCode,
    pub message: String,
}

impl RestError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        RestError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

impl From<HerderError> for RestError {
    fn from(e: HerderError) -> Self {
        let status = match e {
            HerderError::NotFound(_) => StatusCode::NOT_FOUND,
            HerderError::Conflict(_) => StatusCode::CONFLICT,
            HerderError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HerderError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        RestError::new(status, e.to_string())
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let body = ErrorMessage {
            error_code: self.status.as_u16(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}
