//! Meta's webhooks for a Messenger or Instagram channel: `GET /webhooks/meta/{channel_id}`
//! answers the subscription handshake with the channel's `verify_token`; `POST` checks
//! `X-Hub-Signature-256` over the raw body with the channel's `app_secret`, in constant time,
//! before anything is parsed or stored, then records the body's messages, taps, reactions and
//! receipts.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_core::channel::Channel;
use switchboard_core::cloud_webhook::{verify, SIGNATURE_HEADER};
use switchboard_core::time::now_millis;
use switchboard_service::media::inbound::InboundParts;
use switchboard_service::messenger::{page_webhook, record_webhook, PageInboundError};

use super::cloud_webhooks::{webhook_body, webhook_channel, Handshake, WEBHOOK_BODY_LIMIT};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The Messenger and Instagram webhook routes (not in the OpenAPI document: Meta calls them,
/// not clients).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/meta/{channel_id}",
            get(verify_subscription).post(receive),
        )
        .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
}

/// The Messenger or Instagram channel `id`.
async fn channel(state: &AppState, id: &str) -> ApiResult<Channel> {
    webhook_channel(state, id, "messenger and instagram channels", |c| {
        page_webhook(c).is_some()
    })
    .await
}

async fn verify_subscription(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(hs): Query<Handshake>,
) -> ApiResult<Response> {
    let channel = channel(&state, &id).await?;
    let verify_token = page_webhook(&channel).map_or("", |h| h.verify_token);
    hs.answer(verify_token)
}

async fn receive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let channel = channel(&state, &id).await?;
    let body = webhook_body(body)?;
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let secret = page_webhook(&channel).map_or("", |h| h.app_secret);
    if secret.is_empty() || !verify(secret, &body, signature) {
        return Err(ApiError::Unauthorized(
            "missing or invalid X-Hub-Signature-256 for this channel's app secret".into(),
        ));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
        code: "invalid_webhook",
        message: format!("the body is not JSON: {e}"),
    })?;
    let summary = record_webhook(
        &InboundParts::from(&state.gateway),
        &channel,
        &value,
        now_millis(),
    )
    .await
    .map_err(|e| match e {
        PageInboundError::Invalid(message) => ApiError::BadRequest {
            code: "invalid_webhook",
            message,
        },
        PageInboundError::Store(e) => ApiError::internal("recording a Messenger webhook", e),
    })?;
    Ok(Json(json!({
        "messages": summary.messages,
        "duplicates": summary.duplicates,
        "statuses": summary.statuses,
        "pending_statuses": summary.pending_statuses,
        "skipped": summary.skipped,
    })))
}
