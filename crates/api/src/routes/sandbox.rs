//! `POST /v1/channels/{id}/sandbox/inbound`: a simulated customer writes to a sandbox channel.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use switchboard_core::channel::ChannelKind as Kind;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{CanSend, ScopedChannel};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Registers a sandbox channel's number with the mounted emulator, its webhooks wired back to
/// this server at `local_url` (an address the server itself can reach).
pub fn register_channel(
    sandbox: &switchboard_emulator::Emulator,
    local_url: &str,
    channel: &switchboard_core::channel::Channel,
) {
    if let switchboard_core::channel::ChannelSettings::Telegram(t) = &channel.settings {
        if t.sandbox {
            register_bot(sandbox, local_url, channel, t);
        }
        return;
    }
    if super::sandbox_pages::register_page(sandbox, local_url, channel) {
        return;
    }
    let (Kind::Sandbox, Some(s)) = (channel.kind, channel.settings.cloud()) else {
        return;
    };
    sandbox.add_phone_number(switchboard_emulator::PhoneNumberConfig {
        phone_number_id: s.phone_number_id.clone(),
        waba_id: s.waba_id.clone(),
        display_phone_number: switchboard_core::channel::sandbox_display_number(&s.phone_number_id),
        access_token: s.access_token.clone(),
        app_secret: s.app_secret.clone(),
        webhook_url: Some(format!(
            "{}/webhooks/cloud/{}",
            local_url.trim_end_matches('/'),
            channel.id
        )),
        verified_name: channel.name.clone(),
    });
}

/// Registers a sandbox telegram channel's bot with the emulator; with `inbound: "webhook"`
/// its webhook is set at once to this server (`setWebhook` is called too when the channel is
/// created or changed, but a restarted emulator remembers nothing).
fn register_bot(
    sandbox: &switchboard_emulator::Emulator,
    local_url: &str,
    channel: &switchboard_core::channel::Channel,
    t: &switchboard_core::channel::TelegramSettings,
) {
    let webhook = t.inbound == switchboard_core::channel::TelegramInbound::Webhook;
    let bot = switchboard_emulator::BotConfig {
        token: t.bot_token.clone(),
        username: format!(
            "sandbox_{}_bot",
            t.bot_token.split(':').next().unwrap_or("")
        ),
        first_name: channel.name.clone(),
        webhook_url: webhook.then(|| telegram_webhook_url(local_url, channel.id)),
        secret_token: webhook.then(|| t.webhook_secret.clone()),
    };
    if let Err(e) = sandbox.add_bot(bot) {
        tracing::warn!(channel_id = %channel.id, error = %e, "registering the sandbox bot failed");
    }
}

/// `{base}/webhooks/telegram/{channel_id}`.
pub fn telegram_webhook_url(base: &str, channel: switchboard_core::id::ChannelId) -> String {
    format!("{}/webhooks/telegram/{channel}", base.trim_end_matches('/'))
}

/// The refusal of a simulated user on a channel that is not a sandbox channel.
pub(super) fn not_a_sandbox() -> ApiError {
    ApiError::BadRequest {
        code: "not_a_sandbox_channel",
        message: "simulated users exist only on sandbox channels (\"sandbox\": true)".into(),
    }
}

/// The emulator mounted by this server, or 503 when the sandbox is disabled.
pub(super) fn mounted(state: &AppState) -> ApiResult<&switchboard_emulator::Emulator> {
    state
        .sandbox
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the sandbox is disabled on this server".into()))
}

/// A simulated user's action split into its `from` and the rest; a Cloud-shaped text
/// (`{"type":"text","text":{"body"}}`) becomes the emulator's `{"text": body}`.
pub(super) fn user_action(mut message: Value) -> ApiResult<(Option<Value>, Value)> {
    let Some(object) = message.as_object_mut() else {
        return Err(ApiError::invalid(
            "the body must be one object: {\"from\": <user id>, \"text\": …}",
        ));
    };
    let from = object.remove("from");
    if object.get("type").and_then(Value::as_str) == Some("text") {
        object.remove("type");
        if let Some(body) = object.remove("text").and_then(|t| t.get("body").cloned()) {
            object.insert("text".into(), body);
        }
    }
    Ok((from, message))
}

/// The sandbox routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inject_inbound))
}

/// The injected message's upstream id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Injected {
    /// The `wamid.…` the simulated customer's message carries.
    pub upstream_id: String,
}

/// Makes a simulated customer send one message to a sandbox channel. The body is one message
/// as in Meta's inbound webhook (`from`, `type`, the kind's object, optional `profile.name`),
/// e.g. `{"from":"15551230000","type":"text","text":{"body":"hi"}}`. It arrives through the
/// real webhook path, opens the 24-hour window and shows up in the message list. On a sandbox
/// telegram channel `from` is the user id and the rest the emulator's user message
/// (`{"from":5550001,"text":"hi"}`, `photo`, `document`, `location`, `contact`, …); the
/// answer's `upstream_id` is `{chat_id}:{message_id}`. On a sandbox messenger or instagram
/// channel `from` is the user's PSID or IGSID and the rest `{"text"}`, `attachments`,
/// `quick_reply: {payload}` (a tapped quick reply, `text` its title), `{"postback": {title,
/// payload}}` or `{"reaction": {mid, emoji}}`; the answer's `upstream_id` is the `mid`.
#[utoipa::path(post, path = "/v1/channels/{id}/sandbox/inbound", tag = "sandbox",
    params(("id" = String, Path, description = "Sandbox channel id (`ch_…`)")),
    request_body(content = Object, description = "One inbound message as in Meta's webhook"),
    security(("bearer" = [])),
    responses((status = 202, body = Injected), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn inject_inbound(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanSend>,
    ApiJson(message): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Injected>)> {
    if let switchboard_core::channel::ChannelSettings::Telegram(t) = &channel.settings {
        return telegram_inbound(&state, t, message).await;
    }
    if matches!(channel.kind, Kind::Messenger | Kind::Instagram) {
        return super::sandbox_pages::page_inbound(&state, &channel, message).await;
    }
    let (Kind::Sandbox, Some(cloud)) = (channel.kind, channel.settings.cloud()) else {
        return Err(ApiError::BadRequest {
            code: "not_a_sandbox_channel",
            message: "simulated customers exist only on sandbox channels".into(),
        });
    };
    let sandbox = state
        .sandbox
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the sandbox is disabled on this server".into()))?;
    if !message.is_object() {
        return Err(ApiError::invalid(
            "the body must be one message object: {\"from\",\"type\",…}",
        ));
    }
    let upstream_id = sandbox
        .inject_inbound(&cloud.phone_number_id, message)
        .await
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok((StatusCode::ACCEPTED, Json(Injected { upstream_id })))
}

/// A simulated Telegram user writes to a sandbox bot. `from` is the user id (an integer);
/// the rest is the emulator's user message (`text`, `photo`, `document`, `location`,
/// `contact`, `first_name`, `reply_to_message_id`, …), or a Cloud-shaped text message
/// `{"from","type":"text","text":{"body"}}`, which becomes `{"text": body}`.
async fn telegram_inbound(
    state: &AppState,
    t: &switchboard_core::channel::TelegramSettings,
    message: Value,
) -> ApiResult<(StatusCode, Json<Injected>)> {
    if !t.sandbox {
        return Err(not_a_sandbox());
    }
    let sandbox = mounted(state)?;
    let (from, message) = user_action(message)?;
    let user = match from {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| ApiError::invalid("from: give the simulated user's id, a positive integer"))?;
    let bot = t
        .bot_token
        .split(':')
        .next()
        .and_then(|b| b.parse::<i64>().ok())
        .ok_or_else(|| ApiError::invalid("the channel's bot token has no bot id"))?;
    let answer = sandbox
        .telegram_user_writes(bot, user, message)
        .await
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let upstream_id = format!(
        "{}:{}",
        answer["chat"]["id"].as_i64().unwrap_or(user),
        answer["message_id"].as_i64().unwrap_or_default()
    );
    Ok((StatusCode::ACCEPTED, Json(Injected { upstream_id })))
}
