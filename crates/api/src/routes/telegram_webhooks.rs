//! Telegram's webhook for a telegram channel: `POST /webhooks/telegram/{channel_id}` checks
//! `X-Telegram-Bot-Api-Secret-Token` against the channel's `webhook_secret` in constant time
//! before anything is parsed or stored, then records the one `Update` of the body.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use switchboard_core::channel::ChannelSettings;
use switchboard_core::time::now_millis;
use switchboard_service::media::inbound::InboundParts;

use super::cloud_webhooks::{webhook_channel, WEBHOOK_BODY_LIMIT};
use crate::error::{ApiError, ApiResult, Context};
use crate::state::AppState;

/// The Telegram webhook route (not in the OpenAPI document: Telegram calls it, not clients).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/telegram/{channel_id}", post(receive))
        .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
}

async fn receive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let channel = webhook_channel(&state, &id, "telegram channels", |c| {
        matches!(c.settings, ChannelSettings::Telegram(_))
    })
    .await?;
    let ChannelSettings::Telegram(settings) = &channel.settings else {
        return Err(ApiError::NotFound(format!(
            "channel {id} is not a telegram channel"
        )));
    };
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .map(|v| v.as_bytes())
        .unwrap_or(b"");
    let expected = settings.webhook_secret.as_bytes();
    if expected.is_empty() || !bool::from(given.ct_eq(expected)) {
        return Err(ApiError::Unauthorized(
            "missing or invalid X-Telegram-Bot-Api-Secret-Token for this channel's webhook secret"
                .into(),
        ));
    }
    let body = body.map_err(|e| ApiError::BadRequest {
        code: "unreadable_body",
        message: e.body_text(),
    })?;
    let update: Value = serde_json::from_slice(&body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::BadRequest {
            code: "invalid_webhook",
            message: "the body is not a Telegram Update object".into(),
        })?;
    let summary = switchboard_service::telegram::record_update(
        &InboundParts::from(&state.gateway),
        &channel,
        &update,
        now_millis(),
    )
    .await
    .context("recording a Telegram update")?;
    Ok(Json(json!({
        "messages": summary.messages,
        "duplicates": summary.duplicates,
        "skipped": summary.skipped,
    })))
}
