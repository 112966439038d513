//! The native API's error type and its one JSON shape:
//! `{"error":{"code":"…","message":"…","request_id":"req_…"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use switchboard_service::ServiceError;
use utoipa::ToSchema;

use crate::request_id::current_request_id;

/// An error answered by the native API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or unknown or revoked ones (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the needed permission (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such resource in the caller's account (404).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed or a field is invalid (400).
    #[error("{message}")]
    BadRequest {
        /// Stable machine-readable code.
        code: &'static str,
        /// What to fix.
        message: String,
    },
    /// The request clashes with existing state (409).
    #[error("{0}")]
    Conflict(String),
    /// The resource is in a state that does not allow this (409, with its own code).
    #[error("{message}")]
    WrongState {
        /// Stable machine-readable code, e.g. `not_cancelable`.
        code: &'static str,
        /// What state it is in and what can be done instead.
        message: String,
    },
    /// The body is larger than allowed (413).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not JSON (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The route exists but not for this method (405).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A debit larger than the account's credit balance (402 `insufficient_credits`).
    #[error("{0}")]
    InsufficientCredits(String),
    /// A dependency is down (503).
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected; logged with context, answered opaquely (500).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error object.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `unauthorized`, `not_found`, `invalid_parameter`.
    pub code: String,
    /// Human explanation saying what to fix.
    pub message: String,
    /// The request id, also in the `x-request-id` header.
    pub request_id: String,
}

impl ApiError {
    /// A 400 `invalid_parameter` error.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code: "invalid_parameter",
            message: message.into(),
        }
    }

    /// Status code and stable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::WrongState { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::InsufficientCredits(_) => {
                (StatusCode::PAYMENT_REQUIRED, "insufficient_credits")
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = current_request_id();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(request_id = %request_id, error = %detail, "internal error");
                "an unexpected error occurred; quote the request_id when reporting it".to_string()
            }
            ApiError::Unavailable(detail) => {
                tracing::warn!(request_id = %request_id, error = %detail, "unavailable");
                detail.clone()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                request_id,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            ServiceError::Invalid { field, message } => ApiError::BadRequest {
                code: "invalid_parameter",
                message: if message.contains(&field) {
                    message
                } else {
                    format!("{field}: {message}")
                },
            },
            ServiceError::Conflict(message) => ApiError::Conflict(message),
            ServiceError::Upstream {
                permanent: true,
                message,
            } => ApiError::BadRequest {
                code: "upstream_rejected",
                message,
            },
            ServiceError::Upstream { message, .. } => ApiError::Unavailable(message),
            ServiceError::Store(e) => ApiError::Internal(format!("store: {e}")),
        }
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
