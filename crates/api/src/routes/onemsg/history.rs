//! The 1msg history methods: `messages` and `readMessage`, `checkAcks`, and the webhook
//! (`webhook`, `settings`).

mod acks;
mod messages;
mod settings;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;

use super::{body_fields, fail};
use crate::state::AppState;

/// The history routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(messages::router())
        .merge(acks::router())
        .merge(settings::router())
}

/// A body's fields (JSON or form-encoded); an unreadable or oversized body, or one of another
/// shape, is a 4xx in the dialect's error shape.
pub(super) fn read_fields(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Map<String, Value>, Box<Response>> {
    let body = body.map_err(|e| {
        Box::new(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than allowed",
            )
        } else {
            fail(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                format!("the request body could not be read: {e}"),
            )
        })
    })?;
    body_fields(headers, &body)
        .map_err(|m| Box::new(fail(StatusCode::BAD_REQUEST, "invalid_body", m)))
}
