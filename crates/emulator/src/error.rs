//! Errors: the emulator's own, and Meta-shaped Graph API error answers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use switchboard_core::message::{MessageError, MetaErrorBody};

/// Why an emulator operation (not an HTTP answer) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmulatorError {
    /// No phone number with that id is registered.
    #[error("unknown phone number id {0}")]
    UnknownPhoneNumber(String),
    /// The injected message is malformed.
    #[error("invalid inbound message: {0}")]
    InvalidMessage(String),
    /// A bot or page configuration is unusable (a token without a bot id, an empty page id).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// No Telegram bot with that id is registered.
    #[error("unknown bot id {0}")]
    UnknownBot(i64),
    /// No Messenger page or Instagram account with that id is registered.
    #[error("unknown page id {0}")]
    UnknownPage(String),
    /// The media store is full.
    #[error("media store full: {0}")]
    MediaStoreFull(String),
}

/// A Graph API error answer: HTTP status plus Meta's `{"error":{…}}` envelope.
#[derive(Debug, Clone)]
pub struct GraphError {
    /// HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: Value,
}

impl GraphError {
    /// Meta's envelope for `code` with `title` and `details`.
    pub fn new(status: StatusCode, code: u32, title: &str, details: impl Into<String>) -> Self {
        let env = MetaErrorBody::new(code, title, details, crate::ids::trace_id());
        let body = serde_json::to_value(env).unwrap_or(Value::Null);
        Self { status, body }
    }

    /// Sets a field of the inner `error` object (e.g. `is_transient`, `error_subcode`, `type`).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        if let Some(obj) = self.body.get_mut("error").and_then(Value::as_object_mut) {
            obj.insert(key.to_string(), value.into());
        }
        self
    }

    /// 400 code 100 `Invalid parameter`.
    pub fn invalid(details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 100, "Invalid parameter", details)
    }

    /// 401 code 190: missing or unknown access token.
    pub fn bad_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token",
            "Invalid OAuth access token - Cannot parse access token",
        )
        .with(
            "message",
            "Invalid OAuth access token - Cannot parse access token",
        )
    }

    /// 400 code 100 GraphMethodException: the object does not exist or the token cannot see it.
    pub fn unknown_object(method: &str, id: &str) -> Self {
        let msg = format!(
            "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due \
             to missing permissions, or does not support this operation. Please read the Graph \
             API documentation at https://developers.facebook.com/docs/graph-api",
            method.to_ascii_lowercase()
        );
        Self::new(
            StatusCode::BAD_REQUEST,
            100,
            "Invalid parameter",
            msg.clone(),
        )
        .with("message", msg)
        .with("type", "GraphMethodException")
        .with("error_subcode", 33)
    }

    /// 400 code 2500: a path the Graph API does not know.
    pub fn unknown_path(path: &str) -> Self {
        let msg = format!("Unknown path components: {path}");
        Self::new(
            StatusCode::BAD_REQUEST,
            2500,
            "Unknown path components",
            msg.clone(),
        )
        .with("message", msg)
    }

    /// 500 code 2, transient.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            "Service temporarily unavailable",
            "An unexpected error occurred. Please retry your request later.",
        )
        .with("is_transient", true)
        .with("type", "OAuthException")
    }

    /// 504 code 2 after a simulated hang.
    pub fn timeout() -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            2,
            "Service temporarily unavailable",
            "The request timed out.",
        )
        .with("is_transient", true)
    }
}

impl From<&MessageError> for GraphError {
    fn from(e: &MessageError) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            e.code,
            &e.message,
            e.details.clone(),
        )
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
