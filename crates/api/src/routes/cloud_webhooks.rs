//! Meta's webhooks for a cloud (or sandbox) channel: `GET /webhooks/cloud/{channel_id}`
//! answers the verification handshake; `POST` checks `X-Hub-Signature-256` over the raw body
//! in constant time before anything is parsed or stored.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use switchboard_core::channel::{Channel, CloudSettings};
use switchboard_core::cloud_webhook::{verify, WebhookPayload};
use switchboard_core::id::ChannelMarker;
use switchboard_core::time::now_millis;
use switchboard_service::channels;
use switchboard_service::media::inbound::{record_with_media, InboundParts};

use crate::error::{ApiError, ApiResult, Context};
use crate::extract::path_id;
use crate::state::AppState;

/// Largest webhook body Meta sends.
pub const WEBHOOK_BODY_LIMIT: usize = 3 * 1024 * 1024;

/// The inbound webhook routes (not in the OpenAPI document: Meta calls them, not clients).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/cloud/{channel_id}",
            get(verify_subscription).post(receive),
        )
        .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
}

/// The query of Meta's subscription handshake (`GET ?hub.mode=subscribe&…`).
#[derive(Debug, Deserialize)]
pub(super) struct Handshake {
    #[serde(rename = "hub.mode")]
    pub(super) mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    pub(super) verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    pub(super) challenge: Option<String>,
}

impl Handshake {
    /// The challenge to echo when the mode is `subscribe` and the token is `verify_token`
    /// (compared in constant time); else the 403 Meta's dashboard shows.
    pub(super) fn answer(self, verify_token: &str) -> ApiResult<Response> {
        let token_ok = !verify_token.is_empty()
            && self
                .verify_token
                .as_deref()
                .is_some_and(|t| bool::from(t.as_bytes().ct_eq(verify_token.as_bytes())));
        match (self.mode.as_deref(), token_ok, self.challenge) {
            (Some("subscribe"), true, Some(challenge)) => Ok(challenge.into_response()),
            _ => Err(ApiError::Forbidden(
                "verification failed: hub.mode must be subscribe and hub.verify_token the channel's verify_token".into(),
            )),
        }
    }
}

/// The raw body of an upstream's webhook, or the error for one too large or unreadable.
pub(super) fn webhook_body(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("webhook bodies are limited to 3 MB".into())
        } else {
            ApiError::BadRequest {
                code: "unreadable_body",
                message: e.body_text(),
            }
        }
    })
}

/// The channel `id` of an upstream's webhook URL, when the route `serves` it; else 404
/// saying which channels the route is for (`what`, e.g. `telegram channels`).
pub(super) async fn webhook_channel(
    state: &AppState,
    id: &str,
    what: &str,
    serves: fn(&Channel) -> bool,
) -> ApiResult<Channel> {
    let id = path_id::<ChannelMarker>(id, "channel")?;
    let channel = channels::find(state.store().as_ref(), id).await?;
    if !serves(&channel) {
        return Err(ApiError::NotFound(format!(
            "channel {id} is a {} channel: this webhook URL serves {what}",
            channel.kind.as_str()
        )));
    }
    Ok(channel)
}

/// The WhatsApp Cloud channel `id` (cloud or sandbox) and its Cloud settings.
async fn channel(state: &AppState, id: &str) -> ApiResult<(Channel, CloudSettings)> {
    let channel = webhook_channel(state, id, "WhatsApp Cloud channels (cloud, sandbox)", |c| {
        c.settings.cloud().is_some()
    })
    .await?;
    match channel.settings.cloud().cloned() {
        Some(cloud) => Ok((channel, cloud)),
        None => Err(ApiError::NotFound(format!(
            "channel {} is not a WhatsApp Cloud channel",
            channel.id
        ))),
    }
}

async fn verify_subscription(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(hs): Query<Handshake>,
) -> ApiResult<Response> {
    let (_, cloud) = channel(&state, &id).await?;
    hs.answer(&cloud.verify_token)
}

async fn receive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (channel, cloud) = channel(&state, &id).await?;
    let body = webhook_body(body)?;
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !verify(&cloud.app_secret, &body, signature) {
        return Err(ApiError::Unauthorized(
            "missing or invalid X-Hub-Signature-256 for this channel's app secret".into(),
        ));
    }
    let payload: WebhookPayload =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
            code: "invalid_webhook",
            message: format!("the body is not a WhatsApp webhook payload: {e}"),
        })?;
    let summary = record_with_media(
        &InboundParts::from(&state.gateway),
        &channel,
        payload,
        now_millis(),
    )
    .await
    .context("recording a webhook")?;
    if summary.templates > 0 {
        state.gateway.templates.invalidate(channel.id);
    }
    Ok((
        StatusCode::OK,
        Json(json!({
            "messages": summary.messages,
            "duplicates": summary.duplicates,
            "statuses": summary.statuses,
            "pending_statuses": summary.pending_statuses,
            "templates": summary.templates,
        })),
    )
        .into_response())
}
