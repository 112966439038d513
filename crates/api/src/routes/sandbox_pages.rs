//! Sandbox Messenger and Instagram channels: their page registered with the mounted emulator
//! (webhooks signed back to `/webhooks/meta/{channel_id}`), and simulated users writing,
//! tapping and reacting through `POST /v1/channels/{id}/sandbox/inbound`.

use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use switchboard_core::channel::{Channel, ChannelSettings};
use switchboard_emulator::{Emulator, PageConfig, PagePlatform};

use super::sandbox::{mounted, not_a_sandbox, user_action, Injected};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The emulator's page of a sandbox Messenger or Instagram channel, its webhooks sent to
/// `{local_url}/webhooks/meta/{channel_id}`; `None` for other channels.
fn page_of(local_url: &str, channel: &Channel) -> Option<PageConfig> {
    let (page_id, platform, access_token, app_secret) = match &channel.settings {
        ChannelSettings::Messenger(s) if s.sandbox => (
            &s.page_id,
            PagePlatform::Messenger,
            &s.page_access_token,
            &s.app_secret,
        ),
        ChannelSettings::Instagram(s) if s.sandbox => (
            &s.ig_account_id,
            PagePlatform::Instagram,
            &s.access_token,
            &s.app_secret,
        ),
        _ => return None,
    };
    Some(PageConfig {
        page_id: page_id.clone(),
        platform,
        access_token: access_token.clone(),
        app_secret: app_secret.clone(),
        webhook_url: Some(meta_webhook_url(local_url, channel)),
        app_id: "sandbox".into(),
        echoes: false,
    })
}

/// `{base}/webhooks/meta/{channel_id}`.
pub fn meta_webhook_url(base: &str, channel: &Channel) -> String {
    format!(
        "{}/webhooks/meta/{}",
        base.trim_end_matches('/'),
        channel.id
    )
}

/// Registers a sandbox Messenger or Instagram channel's page with the emulator; returns
/// whether the channel was one.
pub fn register_page(sandbox: &Emulator, local_url: &str, channel: &Channel) -> bool {
    let Some(page) = page_of(local_url, channel) else {
        return false;
    };
    if let Err(e) = sandbox.add_page(page) {
        tracing::warn!(channel_id = %channel.id, error = %e, "registering the sandbox page failed");
    }
    true
}

/// A simulated user of a sandbox Messenger or Instagram channel acts. `from` is the user's
/// PSID or IGSID (digits); then one of: `{"text": …}` (or a Cloud-shaped text
/// `{"type":"text","text":{"body":…}}`), `attachments`, `quick_reply: {payload}` with the
/// tapped title as `text`, `reply_to: {mid}`; `{"postback": {title, payload}}` (a tapped
/// button); `{"reaction": {mid, emoji?, action?}}`. The answer's `upstream_id` is the event's
/// `mid`.
pub async fn page_inbound(
    state: &AppState,
    channel: &Channel,
    message: Value,
) -> ApiResult<(StatusCode, Json<Injected>)> {
    let Some(page) = page_of(&state.settings.local_url, channel) else {
        return Err(not_a_sandbox());
    };
    let sandbox = mounted(state)?;
    let (from, mut message) = user_action(message)?;
    let user = match from {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
    .filter(|u| !u.is_empty() && u.len() <= 32 && u.bytes().all(|b| b.is_ascii_digit()))
    .ok_or_else(|| ApiError::invalid("from: give the simulated user's page-scoped id (digits)"))?;
    let Some(object) = message.as_object_mut() else {
        return Err(ApiError::invalid("the body must be one object"));
    };
    // The page is registered again first: a restarted emulator remembers nothing.
    sandbox
        .add_page(page.clone())
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let answer = if let Some(postback) = object.remove("postback") {
        sandbox
            .page_user_postback(&page.page_id, &user, postback)
            .await
    } else if let Some(reaction) = object.remove("reaction") {
        sandbox
            .page_user_reacts(&page.page_id, &user, reaction)
            .await
    } else {
        sandbox
            .page_user_writes(&page.page_id, &user, message)
            .await
    }
    .map_err(|e| ApiError::invalid(e.to_string()))?;
    let upstream_id = answer["mid"].as_str().unwrap_or_default().to_string();
    Ok((StatusCode::ACCEPTED, Json(Injected { upstream_id })))
}
