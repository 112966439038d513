//! Telegram's answers: `{"ok":true,"result"}` and `{"ok":false,"error_code","description",
//! "parameters"?}`, with the HTTP status equal to `error_code`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// A Telegram error answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TgError {
    /// HTTP status and `error_code`.
    pub code: u16,
    /// The exact `description`.
    pub description: String,
    /// `parameters.retry_after` (and the `Retry-After` header) of a 429.
    pub retry_after: Option<u32>,
}

impl TgError {
    fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 400 `Bad Request: {what}`.
    pub fn bad(what: impl std::fmt::Display) -> Self {
        Self::new(400, format!("Bad Request: {what}"))
    }

    /// 401 `Unauthorized` (unknown token).
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized")
    }

    /// 401 `Unauthorized: invalid token specified` (malformed token).
    pub fn invalid_token() -> Self {
        Self::new(401, "Unauthorized: invalid token specified")
    }

    /// 403 `Forbidden: {what}`.
    pub fn forbidden(what: &str) -> Self {
        Self::new(403, format!("Forbidden: {what}"))
    }

    /// 404 `Not Found` (a path without `/bot`, an unknown file).
    pub fn not_found() -> Self {
        Self::new(404, "Not Found")
    }

    /// 404 `Not Found: method not found`.
    pub fn no_method() -> Self {
        Self::new(404, "Not Found: method not found")
    }

    /// 409 `Conflict: {what}`.
    pub fn conflict(what: &str) -> Self {
        Self::new(409, format!("Conflict: {what}"))
    }

    /// 413 `Request Entity Too Large`.
    pub fn too_large() -> Self {
        Self::new(413, "Request Entity Too Large")
    }

    /// 429 `Too Many Requests: retry after {secs}`.
    pub fn flood(secs: u32) -> Self {
        Self {
            retry_after: Some(secs),
            ..Self::new(429, format!("Too Many Requests: retry after {secs}"))
        }
    }

    /// 500 `Internal Server Error` (injected 5xx).
    pub fn internal() -> Self {
        Self::new(500, "Internal Server Error")
    }

    /// 502 `Bad Gateway` (injected timeout, after the hang).
    pub fn bad_gateway() -> Self {
        Self::new(502, "Bad Gateway")
    }
}

impl IntoResponse for TgError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        let mut body =
            json!({"ok": false, "error_code": self.code, "description": self.description});
        if let Some(secs) = self.retry_after {
            body["parameters"] = json!({"retry_after": secs});
            return (
                status,
                [(header::RETRY_AFTER, secs.to_string())],
                Json(body),
            )
                .into_response();
        }
        (status, Json(body)).into_response()
    }
}

/// A successful answer: `result` and an optional `description`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TgOk {
    /// The method's result.
    pub result: Value,
    /// Set by `setWebhook`/`deleteWebhook`.
    pub description: Option<&'static str>,
}

impl From<Value> for TgOk {
    fn from(result: Value) -> Self {
        Self {
            result,
            description: None,
        }
    }
}

impl IntoResponse for TgOk {
    fn into_response(self) -> Response {
        let mut body = json!({"ok": true, "result": self.result});
        if let Some(d) = self.description {
            body["description"] = json!(d);
        }
        (StatusCode::OK, Json(body)).into_response()
    }
}
