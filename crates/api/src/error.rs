//! The native API's error type and its one JSON shape:
//! `{"error":{"code":"…","message":"…","request_id":"req_…"}}`.
//!
//! Store, service and media errors convert into [`ApiError`] with `?`; [`Context`] names what
//! was being done when an unexpected error happened. Unexpected errors are logged once, in
//! [`opaque_internal`], with that context and the request id, and answered as an opaque 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use switchboard_core::template_def::media_rules::MediaRuleReason;
use switchboard_service::media::MediaError;
use switchboard_service::ServiceError;
use switchboard_store::StoreError;
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
    /// A request refused with its own status and code (e.g. `media_too_large`, 413).
    #[error("{message}")]
    Refused {
        /// HTTP status.
        status: StatusCode,
        /// Stable machine-readable code.
        code: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Too many requests or streams for the key (429, with `Retry-After`).
    #[error("{message}")]
    TooManyRequests {
        /// Stable machine-readable code: `rate_limited` or `too_many_streams`.
        code: &'static str,
        /// Which limit was reached and what to do.
        message: String,
        /// Seconds to wait before retrying (the `Retry-After` header).
        retry_after_secs: u64,
    },
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

    /// An unexpected error while `doing` something (a 500 whose detail is only logged).
    pub fn internal(doing: impl std::fmt::Display, error: impl std::fmt::Display) -> Self {
        ApiError::Internal(format!("{doing}: {error}"))
    }

    /// The same error, an unexpected one saying it happened while `doing` something.
    pub fn in_context(self, doing: impl std::fmt::Display) -> Self {
        match self {
            ApiError::Internal(detail) => ApiError::Internal(format!("{doing}: {detail}")),
            other => other,
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
            ApiError::Refused { status, code, .. } => (*status, code),
            ApiError::TooManyRequests { code, .. } => (StatusCode::TOO_MANY_REQUESTS, code),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = current_request_id();
        let message = match &self {
            ApiError::Internal(detail) => opaque_internal(detail, "request_id"),
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
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

/// Logs an unexpected error (once, with its context and the request id) and returns the
/// opaque message answered instead, which asks to quote the id named `id_field`.
pub fn opaque_internal(detail: &str, id_field: &str) -> String {
    tracing::error!(request_id = %current_request_id(), error = %detail, "internal error");
    format!("an unexpected error occurred; quote the {id_field} when reporting it")
}

/// Names what was being done when an unexpected error happened:
/// `store.get_channel(…).await.context("reading a channel")?`.
pub trait Context<T> {
    /// Converts the error into an [`ApiError`]; an unexpected one says it happened while
    /// `doing` this.
    fn context(self, doing: &str) -> ApiResult<T>;
}

impl<T, E: Into<ApiError>> Context<T> for Result<T, E> {
    fn context(self, doing: &str) -> ApiResult<T> {
        self.map_err(|e| e.into().in_context(doing))
    }
}

/// Marks any error as unexpected (an I/O failure, a failed task):
/// `tokio::fs::create_dir_all(dir).await.unexpected("creating the spool folder")?`.
pub trait Unexpected<T> {
    /// An [`ApiError::Internal`] saying it happened while `doing` this.
    fn unexpected(self, doing: &str) -> ApiResult<T>;
}

impl<T, E: std::fmt::Display> Unexpected<T> for Result<T, E> {
    fn unexpected(self, doing: &str) -> ApiResult<T> {
        self.map_err(|e| ApiError::internal(doing, e))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        let refused = |status, code, message| ApiError::Refused {
            status,
            code,
            message,
        };
        match e {
            MediaError::Rule(rule) => {
                let (status, code) = match rule.reason {
                    MediaRuleReason::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "media_too_large"),
                    MediaRuleReason::UnsupportedType => {
                        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "media_type_not_allowed")
                    }
                    MediaRuleReason::UnrecognizedType => (
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "media_type_unrecognized",
                    ),
                    MediaRuleReason::Empty => (StatusCode::BAD_REQUEST, "media_empty"),
                };
                refused(status, code, rule.message)
            }
            MediaError::Mismatch(m) => refused(StatusCode::BAD_REQUEST, "media_type_mismatch", m),
            MediaError::UrlRefused(m) => refused(StatusCode::BAD_REQUEST, "url_not_allowed", m),
            MediaError::Fetch(m) => refused(StatusCode::BAD_REQUEST, "url_fetch_failed", m),
            MediaError::Source(m) => refused(StatusCode::BAD_REQUEST, "unreadable_body", m),
            MediaError::Invalid(m) => ApiError::invalid(m),
            MediaError::NotFound => ApiError::NotFound("media not found".into()),
            MediaError::Storage(m) => ApiError::Internal(m),
            MediaError::Store(e) => ApiError::internal("store", e),
        }
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
            ServiceError::Unprocessable { code, message } => ApiError::Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code,
                message,
            },
            ServiceError::Store(e) => ApiError::internal("store", e),
        }
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
