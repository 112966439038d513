//! What every 1msg send shares: the body read into fields, `quotedMsgId` resolved, the
//! translated message sent through the native send (its validation, window, idempotency,
//! outbox), and the answer `{sent, id, message, description}` or the dialect's error.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};
use switchboard_core::channel::Channel;
use switchboard_core::message::IdempotencyKey;
use switchboard_core::onemsg_send::{
    dialect_details, quoted_msg_id, translate, FieldError, SendMethod,
};
use switchboard_core::time::now_millis;
use switchboard_service::onemsg_send::quoted_upstream_id;
use switchboard_service::send::{request_hash, send, SendError, SendParts};

use super::super::{body_fields, from_api_error, recipient, SentAnswer};
use crate::error::ApiError;
use crate::state::AppState;

/// A 400 `invalid_parameter` naming what to fix.
pub(super) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(message)
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        invalid(e.to_string())
    }
}

/// The request body, or why it could not be read.
pub(super) fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the request body is larger than allowed".into())
        } else {
            ApiError::BadRequest {
                code: "unreadable_body",
                message: format!("the request body could not be read: {e}"),
            }
        }
    })
}

/// The body's fields (JSON or form-encoded).
pub(super) fn fields_of(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    body_fields(headers, body).map_err(|message| ApiError::BadRequest {
        code: "invalid_body",
        message,
    })
}

/// The recipient's WhatsApp id.
pub(super) fn recipient_of(fields: &Map<String, Value>) -> Result<String, ApiError> {
    recipient(fields).map_err(invalid)
}

/// `quotedMsgId`, as the upstream id to quote.
pub(super) async fn quoted(
    state: &AppState,
    channel: &Channel,
    fields: &Map<String, Value>,
) -> Result<Option<String>, ApiError> {
    match quoted_msg_id(fields)? {
        None => Ok(None),
        Some(id) => Ok(Some(
            quoted_upstream_id(state.store().as_ref(), channel, &id).await?,
        )),
    }
}

/// The `Idempotency-Key` header with the hash of what identifies the request.
pub(super) fn idempotency(
    headers: &HeaderMap,
    hash: impl FnOnce() -> String,
) -> Result<Option<(IdempotencyKey, String)>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let key = v
                .to_str()
                .ok()
                .and_then(IdempotencyKey::parse)
                .ok_or_else(|| invalid("Idempotency-Key must be 1–255 visible ASCII characters"))?;
            Ok(Some((key, hash())))
        }
    }
}

fn send_error(method: SendMethod, e: SendError) -> ApiError {
    let refused = |code, message| ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message,
    };
    match e {
        SendError::Invalid(e) => {
            // Template checks word their details without the path: it is put in front.
            let details = if e.path.is_empty() || e.details.starts_with(&e.path) {
                e.details
            } else {
                format!("{}: {}", e.path, e.details)
            };
            invalid(dialect_details(method, &details))
        }
        SendError::WindowClosed { address, .. } => refused(
            "window_closed",
            format!("{address}@c.us has not written to you in the last 24 hours: only a template reaches them until they write again; use sendTemplate"),
        ),
        e @ SendError::Unsupported { .. } => refused("unsupported_message_kind", e.to_string()),
        e @ SendError::Schedule(_) => invalid(e.to_string()),
        SendError::KeyReused => refused(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request; use a new key for a new message".into(),
        ),
        SendError::Store(e) => ApiError::internal("storing a message", e),
    }
}

/// A message accepted by the native send: the answer, and whether it replays an earlier one
/// (the same `Idempotency-Key`).
pub(super) struct Accepted {
    /// The answer.
    pub answer: SentAnswer,
    /// Whether nothing was sent now.
    pub replayed: bool,
}

impl IntoResponse for Accepted {
    fn into_response(self) -> Response {
        let mut response = Json(self.answer).into_response();
        if self.replayed {
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}

/// Sends the Cloud API `message` on `channel`.
pub(super) async fn deliver(
    state: &AppState,
    channel: &Channel,
    method: SendMethod,
    message: &Value,
    idempotency: Option<(IdempotencyKey, String)>,
) -> Result<Accepted, ApiError> {
    let answer = send(
        &SendParts::from(&state.gateway),
        channel,
        message,
        idempotency,
        now_millis(),
    )
    .await
    .map_err(|e| send_error(method, e))?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Ok(Accepted {
        answer: SentAnswer {
            sent: true,
            id: text(&answer.body["messages"][0]["id"]),
            message: format!(
                "Sent to {}@c.us",
                text(&answer.body["contacts"][0]["wa_id"])
            ),
            description: "Message has been sent to the provider".into(),
        },
        replayed: answer.replayed,
    })
}

async fn try_send(
    state: &AppState,
    channel: &Channel,
    method: SendMethod,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Accepted, ApiError> {
    let body = read_body(body)?;
    let fields = fields_of(headers, &body)?;
    let to = recipient_of(&fields)?;
    let quoted = quoted(state, channel, &fields).await?;
    let message = translate(method, &fields, &to, quoted.as_deref())?;
    let idempotency = idempotency(headers, || request_hash(&body))?;
    deliver(state, channel, method, &message, idempotency).await
}

/// Sends the message `method` makes of the body's fields; answers in the dialect's shape.
pub(super) async fn send_fields(
    state: &AppState,
    channel: &Channel,
    method: SendMethod,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match try_send(state, channel, method, headers, body).await {
        Ok(accepted) => accepted.into_response(),
        Err(e) => from_api_error(e, true),
    }
}
