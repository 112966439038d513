//! `POST webhook` and `GET`/`POST settings`: the channel's 1msg webhook, a native webhook
//! subscription with the `1msg` payload format limited to the channel (visible and
//! changeable in `/v1/subscriptions` too).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_core::subscription::Subscription;
use switchboard_service::webhooks::guard::check_url;
use switchboard_service::webhooks::onemsg::{delivers_acks, set_webhook, webhook, WebhookSettings};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{fail, from_api_error, OneMsgChannel, OneMsgError};
use crate::access::{CanManage, CanRead};
use crate::routes::onemsg::read_fields;
use crate::state::AppState;

/// The routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_webhook_route))
        .routes(routes!(get_settings, post_settings))
}

/// The channel's settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsAnswer {
    /// Where messages and acks are POSTed, or null.
    pub webhook_url: Option<String>,
    /// Whether acks (statuses) are POSTed too (default true).
    pub ack_notifications_on: bool,
}

fn answer(s: Option<&Subscription>) -> Response {
    Json(SettingsAnswer {
        webhook_url: s.map(|s| s.url.clone()),
        ack_notifications_on: s.is_none_or(delivers_acks),
    })
    .into_response()
}

fn bad(message: impl Into<String>) -> Response {
    fail(StatusCode::BAD_REQUEST, "invalid_body", message)
}

/// The changes a body asks for: `webhookUrl` (a URL, or null or "" to remove it) and
/// `ackNotificationsOn`; other fields are refused (only these are served).
fn read_settings(
    state: &AppState,
    fields: &Map<String, Value>,
    url_required: bool,
) -> Result<WebhookSettings, String> {
    let mut change = WebhookSettings::default();
    for (name, value) in fields {
        match (name.as_str(), value) {
            ("token", _) => {}
            ("webhookUrl", Value::Null) => change.url = Some(None),
            ("webhookUrl", Value::String(s)) if s.trim().is_empty() => change.url = Some(None),
            ("webhookUrl", Value::String(s)) => {
                let url = check_url(s.trim(), state.settings.allow_private_targets)
                    .map_err(|m| format!("webhookUrl: {m}"))?;
                change.url = Some(Some(url.to_string()));
            }
            ("webhookUrl", other) => {
                return Err(format!(
                    "webhookUrl: must be an http or https URL (or null to remove it), got {other}"
                ))
            }
            ("ackNotificationsOn", Value::Bool(b)) => change.acks = Some(*b),
            ("ackNotificationsOn", Value::String(s)) if s == "true" || s == "1" => {
                change.acks = Some(true)
            }
            ("ackNotificationsOn", Value::String(s)) if s == "false" || s == "0" => {
                change.acks = Some(false)
            }
            ("ackNotificationsOn", other) => {
                return Err(format!(
                    "ackNotificationsOn: must be true or false, got {other}"
                ))
            }
            (other, _) => {
                return Err(format!(
                    "{other}: not a setting of this server; the settings are webhookUrl and ackNotificationsOn"
                ))
            }
        }
    }
    if url_required && change.url.is_none() {
        return Err("webhookUrl: give the http or https URL to POST messages and acks to".into());
    }
    Ok(change)
}

async fn apply(
    state: &AppState,
    channel: &OneMsgChannel<CanManage>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    url_required: bool,
) -> Response {
    let fields = match read_fields(headers, body) {
        Ok(f) => f,
        Err(answer) => return *answer,
    };
    let change = match read_settings(state, &fields, url_required) {
        Ok(c) => c,
        Err(m) => return bad(m),
    };
    match set_webhook(state.store().as_ref(), channel.channel(), change).await {
        Ok(s) => answer(s.as_ref()),
        Err(e) => from_api_error(e.into(), false),
    }
}

/// Sets the URL that receives the channel's messages (`{"messages": […]}`) and acks
/// (`{"ack": […]}`); see the README for their fields.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/webhook", operation_id = "onemsg_set_webhook", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key (manage permission)")),
    request_body(content = Object, description = "`{\"webhookUrl\": \"https://…\"}` (null or \"\" removes it)"),
    responses(
        (status = 200, body = SettingsAnswer),
        (status = 400, body = OneMsgError, description = "No or a bad `webhookUrl` (`invalid_body`)"),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn set_webhook_route(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanManage>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    apply(&state, &channel, &headers, body, true).await
}

/// The channel's settings: `webhookUrl` and `ackNotificationsOn`.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/settings", operation_id = "onemsg_get_settings", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key")),
    responses(
        (status = 200, body = SettingsAnswer),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn get_settings(State(state): State<AppState>, channel: OneMsgChannel<CanRead>) -> Response {
    match webhook(state.store().as_ref(), channel.channel()).await {
        Ok(s) => answer(s.as_ref()),
        Err(e) => from_api_error(e.into(), false),
    }
}

/// Changes the channel's settings: `webhookUrl` (null or "" removes the webhook) and
/// `ackNotificationsOn`; other settings are refused with 400.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/settings", operation_id = "onemsg_set_settings", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key (manage permission)")),
    request_body(content = Object, description = "`{\"webhookUrl\": \"https://…\" | null, \"ackNotificationsOn\": true}`"),
    responses(
        (status = 200, body = SettingsAnswer),
        (status = 400, body = OneMsgError, description = "A bad or unknown setting (`invalid_body`)"),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn post_settings(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanManage>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    apply(&state, &channel, &headers, body, false).await
}
