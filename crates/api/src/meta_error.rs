//! Errors of the Cloud-API-shaped endpoints (send, mark as read), in Meta's envelope:
//! `{"error":{message,type,code,error_data{messaging_product,details},fbtrace_id}}`, where
//! `fbtrace_id` is our request id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_core::message::{MessageError, MetaErrorBody};

use crate::error::{opaque_internal, ApiError};
use crate::request_id::current_request_id;

/// An error answered in Meta's shape.
#[derive(Debug)]
pub struct MetaApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Meta's code.
    pub code: u32,
    /// Meta's short title.
    pub title: String,
    /// What is wrong and how to fix it.
    pub details: String,
    /// Meta's `error_subcode`, where the upstream gives one (Messenger and Instagram).
    pub subcode: Option<u32>,
}

impl MetaApiError {
    /// A 400 with Meta's `code`.
    pub fn bad_request(code: u32, title: &str, details: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            title: title.to_string(),
            details: details.into(),
            subcode: None,
        }
    }
}

impl From<MessageError> for MetaApiError {
    fn from(e: MessageError) -> Self {
        Self::bad_request(e.code, &e.message, e.details)
    }
}

/// Authentication, permission and routing errors keep their status but take Meta's shape,
/// with the codes Meta uses (190 bad token, 10 permission, 100 unknown object).
impl From<ApiError> for MetaApiError {
    fn from(e: ApiError) -> Self {
        let (status, _) = e.status_and_code();
        let (code, title) = match &e {
            ApiError::Unauthorized(_) => (190, "Invalid OAuth access token"),
            ApiError::Forbidden(_) => (10, "Permission denied"),
            ApiError::NotFound(_) => (100, "Invalid parameter"),
            ApiError::TooManyRequests { .. } => (80007, "Rate limit issues"),
            ApiError::Internal(_) | ApiError::Unavailable(_) => (1, "An unknown error occurred"),
            _ => (100, "Invalid parameter"),
        };
        let details = match &e {
            ApiError::Internal(detail) => opaque_internal(detail, "fbtrace_id"),
            other => other.to_string(),
        };
        Self {
            status,
            code,
            title: title.to_string(),
            details,
            subcode: None,
        }
    }
}

impl IntoResponse for MetaApiError {
    fn into_response(self) -> Response {
        let mut body =
            MetaErrorBody::new(self.code, &self.title, self.details, current_request_id());
        body.error.error_subcode = self.subcode;
        (self.status, Json(body)).into_response()
    }
}
