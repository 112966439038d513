//! `/v1/channels`: an account's upstream identities of every kind. Secrets are masked in
//! every answer except the creation answer's `verify_token`. WhatsApp Cloud channels
//! (`cloud`, `sandbox`) take their settings as top-level fields; `telegram`, `messenger`,
//! `instagram` and `web` take theirs under `settings` (see [`ChannelSettingsBody`](super::channel_settings::ChannelSettingsBody)).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::channel::{
    mask_secret, sandbox_display_number, Channel, ChannelKind as Kind, ChannelSettings,
};

use switchboard_core::time::to_rfc3339;
use switchboard_service::channels::{self, ChannelPatch, NewChannel, SettingsInput};
use switchboard_service::templates::sync::sync_channel;
use switchboard_service::templates::TemplateParts;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::channel_settings::{present, settings_view, ChannelSettingsBody, ChannelSettingsView};
use super::PageQuery;
use crate::access::{AccountWide, Auth, CanManage, CanRead, ScopedChannelId};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// Body of `POST /v1/channels`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// Display name, 1–100 characters.
    pub name: String,
    /// `sandbox` (WhatsApp on the built-in emulator), `cloud` (Meta's WhatsApp Cloud API),
    /// `telegram`, `messenger`, `instagram` or `web` (WhatsApp Web). A kind this build cannot run
    /// (a real `web` channel without the `whatsapp-web` feature, a sandbox one with the sandbox
    /// off) is validated and then refused with 422 `channel_kind_unavailable`.
    #[schema(example = "cloud")]
    pub kind: String,
    /// For telegram, messenger, instagram and web: talk to the built-in emulator instead of
    /// the platform (credentials left out of `settings` are generated).
    pub sandbox: Option<bool>,
    /// Settings of a telegram, messenger, instagram or web channel (cloud and sandbox
    /// channels take theirs at the top level).
    pub settings: Option<ChannelSettingsBody>,
    /// Meta's phone number id (cloud).
    pub phone_number_id: Option<String>,
    /// WhatsApp Business Account id (cloud).
    pub waba_id: Option<String>,
    /// Graph API access token (cloud). Secret.
    pub access_token: Option<String>,
    /// App secret that signs Meta's webhooks (cloud). Secret.
    pub app_secret: Option<String>,
    /// Token for Meta's webhook verification handshake; generated when absent.
    pub verify_token: Option<String>,
    /// Graph API base URL (default `https://graph.facebook.com`).
    pub base_url: Option<String>,
    /// Graph API version (default `v23.0`).
    pub api_version: Option<String>,
    /// Time zone of the channel's statistics (days and months): an IANA name such as
    /// `Europe/Berlin` or an offset such as `+05:30` (default `UTC`).
    #[schema(example = "Europe/Berlin")]
    pub timezone: Option<String>,
}

/// Body of `PATCH /v1/channels/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannel {
    /// New display name.
    pub name: Option<String>,
    /// New access token (cloud).
    pub access_token: Option<String>,
    /// New app secret (cloud).
    pub app_secret: Option<String>,
    /// New verification token.
    pub verify_token: Option<String>,
    /// New base URL; `null` resets to Meta's (cloud).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub base_url: Option<Option<String>>,
    /// New API version.
    pub api_version: Option<String>,
    /// New statistics time zone (IANA name or offset).
    pub timezone: Option<String>,
    /// Changes to the settings of a telegram, messenger, instagram or web channel.
    pub settings: Option<ChannelSettingsBody>,
}

/// A channel, with secrets masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    /// `ch_…`
    pub id: String,
    /// Display name.
    pub name: String,
    /// `sandbox`, `cloud`, `telegram`, `messenger`, `instagram` or `web`.
    pub kind: String,
    /// Cloud, sandbox: Meta's phone number id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// Sandbox, cloud: the channel's WhatsApp number (international, without +): the
    /// sandbox's, or the one the upstream reported when the channel was created or its
    /// templates last synced (absent until then); the `from` of the compatibility dialects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_phone_number: Option<String>,
    /// Cloud, sandbox: WhatsApp Business Account id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waba_id: Option<String>,
    /// Cloud, sandbox: masked access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Cloud, sandbox: masked app secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_secret: Option<String>,
    /// Cloud, sandbox: masked verification token (in full only in the creation answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_token: Option<String>,
    /// Cloud, sandbox: Graph API base URL, or null for the default.
    pub base_url: Option<String>,
    /// Cloud, sandbox: Graph API version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Telegram, messenger, instagram, web: the kind's settings, secrets masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<ChannelSettingsView>,
    /// Time zone of the channel's statistics.
    pub timezone: String,
    /// Callback URL to configure upstream (Meta's dashboard; Switchboard registers Telegram's
    /// itself); absent for web sessions, which need none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// A page of channels.
pub type ChannelList = List<ChannelView>;

/// A channel's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelStatus {
    /// `ch_…`
    pub id: String,
    /// `sandbox`, `cloud`, `telegram`, `messenger`, `instagram` or `web`.
    pub kind: String,
    /// `active` (created, reconfigured, or the upstream accepted the last send) or `error`
    /// (the upstream refused the channel's credentials or configuration on the last send:
    /// HTTP 401/403 or Meta's 0, 3, 10, 190, 200–299, 131031; a later accepted send or a
    /// change of `access_token`, `app_secret`, `base_url` or `api_version` makes it `active`).
    #[schema(example = "active")]
    pub status: String,
    /// Why it last changed: `created`, `reconfigured`, `upstream_error` or `upstream_ok`.
    pub reason: Option<String>,
    /// For `error`: the upstream error (`code`, `message`, `http_status`, `details`, `class`).
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
    /// When the status last changed (RFC 3339).
    pub since: String,
}

/// The webhook URL a channel's upstream posts to, by kind.
fn webhook_url(state: &AppState, channel: &Channel) -> Option<String> {
    let path = match channel.kind {
        Kind::Cloud | Kind::Sandbox => "cloud",
        Kind::Telegram => "telegram",
        Kind::Messenger | Kind::Instagram => "meta",
        Kind::Web => return None,
    };
    Some(format!(
        "{}/webhooks/{path}/{}",
        state.settings.public_url.trim_end_matches('/'),
        channel.id
    ))
}

/// A channel as the API shows it, secrets masked; the verification token in full only when
/// `reveal_verify_token` (the creation answer, the console's "channel added" page).
pub fn view(state: &AppState, channel: Channel, reveal_verify_token: bool) -> ChannelView {
    let webhook_url = webhook_url(state, &channel);
    let display_phone_number = match (channel.kind, channel.settings.cloud()) {
        (Kind::Sandbox, Some(s)) => Some(sandbox_display_number(&s.phone_number_id)),
        (_, Some(s)) => s.display_phone_number.clone(),
        _ => None,
    };
    let mut view = ChannelView {
        display_phone_number,
        webhook_url,
        id: channel.id.to_string(),
        name: channel.name,
        kind: channel.kind.as_str().to_string(),
        phone_number_id: None,
        waba_id: None,
        access_token: None,
        app_secret: None,
        verify_token: None,
        base_url: None,
        api_version: None,
        settings: None,
        timezone: channel.timezone,
        created_at: to_rfc3339(channel.created_at),
        updated_at: to_rfc3339(channel.updated_at),
    };
    match channel.settings {
        ChannelSettings::Cloud(s) => {
            view.phone_number_id = Some(s.phone_number_id);
            view.waba_id = Some(s.waba_id);
            view.access_token = Some(mask_secret(&s.access_token));
            view.app_secret = Some(mask_secret(&s.app_secret));
            view.verify_token = Some(if reveal_verify_token {
                s.verify_token
            } else {
                mask_secret(&s.verify_token)
            });
            view.base_url = s.base_url;
            view.api_version = Some(s.api_version);
        }
        other => view.settings = Some(settings_view(other, reveal_verify_token)),
    }
    view
}

/// The channels routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_channel, list_channels))
        .routes(routes!(get_channel, update_channel, delete_channel))
        .routes(routes!(channel_status))
}

/// Creates a channel (account-wide `manage` key).
#[utoipa::path(post, path = "/v1/channels", tag = "channels", request_body = CreateChannel,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ChannelView),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody),
        (status = 422, description = "`channel_kind_unavailable`: the kind is valid but this build cannot run it (a real web channel without the `whatsapp-web` feature, a sandbox web channel with the sandbox off); `public_url_required`: a telegram channel receiving by webhook needs `public_url` configured", body = crate::error::ErrorBody),
    ))]
async fn create_channel(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    ApiJson(body): ApiJson<CreateChannel>,
) -> ApiResult<(StatusCode, Json<ChannelView>)> {
    let kind = Kind::parse(&body.kind).ok_or_else(|| {
        ApiError::invalid(format!(
            "kind: `{}` is not a channel kind: use sandbox, cloud, telegram, messenger, instagram or web",
            body.kind
        ))
    })?;
    let input = NewChannel {
        name: body.name,
        kind: Some(kind),
        sandbox: body.sandbox,
        settings: body.settings.map(SettingsInput::from),
        phone_number_id: body.phone_number_id,
        waba_id: body.waba_id,
        access_token: body.access_token,
        app_secret: body.app_secret,
        verify_token: body.verify_token,
        base_url: body.base_url,
        api_version: body.api_version,
        timezone: body.timezone,
    };
    let channel = create_connected(&state, key.account_id, input).await?;
    Ok((StatusCode::CREATED, Json(view(&state, channel, true))))
}

/// Creates a channel as `POST /v1/channels` does (the console's add forms too), then connects
/// it: the sandbox learns a sandbox channel, a telegram bot is pointed at this server, and the
/// upstream's templates are synced in the background. A telegram bot receiving by webhook
/// needs `public_url` (asked once its settings are valid, so a bad field is named first).
pub async fn create_connected(
    state: &AppState,
    account: switchboard_core::id::AccountId,
    input: NewChannel,
) -> ApiResult<switchboard_core::channel::Channel> {
    let webhook_bot = input.kind == Some(Kind::Telegram)
        && input.sandbox != Some(true)
        && input.settings.as_ref().is_some_and(|s| {
            let valid = channels::kinds::build(Kind::Telegram, false, s.clone()).is_ok();
            valid && s.inbound.as_deref().map(str::trim) != Some("polling")
        });
    if webhook_bot && !state.settings.public_url_configured {
        return Err(public_url_required());
    }
    let channel = channels::create(
        state.store().as_ref(),
        &state.gateway.upstream,
        &state.gateway.web,
        account,
        input,
    )
    .await?;
    if let Some(sandbox) = &state.sandbox {
        super::sandbox::register_channel(sandbox, &state.settings.local_url, &channel);
    }
    connect_telegram(state, &channel).await;
    // Learn the upstream's existing templates now, in the background, so the first template
    // send does not wait for a sync (a failure is retried by the sync worker and on demand).
    let (parts, new_channel) = (TemplateParts::from(&state.gateway), channel.clone());
    tokio::spawn(async move {
        if let Err(e) = sync_channel(&parts, &new_channel).await {
            tracing::debug!(channel_id = %new_channel.id, error = %e, "initial template sync failed");
        }
    });
    Ok(channel)
}

/// The refusal of a telegram webhook bot on a server without a configured public URL.
fn public_url_required() -> ApiError {
    ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "public_url_required",
        message: "a telegram channel with inbound \"webhook\" needs this server's public HTTPS URL for setWebhook: set public_url (SWITCHBOARD_PUBLIC_URL), or use settings.inbound \"polling\"".into(),
    }
}

/// Points a telegram channel's updates at this server (`setWebhook` with the public URL of
/// its webhook route, or the local one for a sandbox bot; `deleteWebhook` for polling). A
/// refusal leaves the channel in `error` with the upstream's answer, shown in its view.
async fn connect_telegram(state: &AppState, channel: &switchboard_core::channel::Channel) {
    let switchboard_core::channel::ChannelSettings::Telegram(t) = &channel.settings else {
        return;
    };
    let base = if t.sandbox {
        &state.settings.local_url
    } else {
        &state.settings.public_url
    };
    let url = super::sandbox::telegram_webhook_url(base, channel.id);
    if let Err(e) = switchboard_service::telegram::connect_inbound(
        state.store().as_ref(),
        &state.gateway.upstream,
        channel,
        &url,
    )
    .await
    {
        tracing::warn!(channel_id = %channel.id, error = %e, "pointing the Telegram bot at this server failed");
    }
}

/// Lists the channels the key can see.
#[utoipa::path(get, path = "/v1/channels", tag = "channels", params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<ChannelView>), (status = 401, body = crate::error::ErrorBody)))]
async fn list_channels(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<ChannelList>> {
    let page = channels::list(
        state.store().as_ref(),
        key.account_id,
        key.channel_id,
        &page.into(),
    )
    .await?;
    Ok(Json(ChannelList {
        data: page
            .items
            .into_iter()
            .map(|c| view(&state, c, false))
            .collect(),
        next: page.next,
    }))
}

/// Reads a channel.
#[utoipa::path(get, path = "/v1/channels/{id}", tag = "channels",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = ChannelView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_channel(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
) -> ApiResult<Json<ChannelView>> {
    let channel = channels::get(state.store().as_ref(), key.account_id, id).await?;
    Ok(Json(view(&state, channel, false)))
}

/// Changes a channel's name or upstream settings (`manage` key).
#[utoipa::path(patch, path = "/v1/channels/{id}", tag = "channels", request_body = UpdateChannel,
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = ChannelView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, description = "`public_url_required`: a telegram channel switched to inbound webhook needs `public_url` configured", body = crate::error::ErrorBody)))]
async fn update_channel(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
    ApiJson(body): ApiJson<UpdateChannel>,
) -> ApiResult<Json<ChannelView>> {
    let to_webhook = body
        .settings
        .as_ref()
        .and_then(|s| s.inbound.as_deref())
        .map(str::trim)
        == Some("webhook");
    if to_webhook && !state.settings.public_url_configured {
        let current = channels::get(state.store().as_ref(), key.account_id, id).await?;
        if matches!(&current.settings, switchboard_core::channel::ChannelSettings::Telegram(t) if !t.sandbox)
        {
            return Err(public_url_required());
        }
    }
    let patch = ChannelPatch {
        name: body.name,
        access_token: body.access_token,
        app_secret: body.app_secret,
        verify_token: body.verify_token,
        base_url: body.base_url,
        api_version: body.api_version,
        timezone: body.timezone,
        settings: body.settings.map(SettingsInput::from),
    };
    let reconfigures = patch.settings.is_some();
    let channel = channels::update(state.store().as_ref(), key.account_id, id, patch).await?;
    if reconfigures {
        if let Some(sandbox) = &state.sandbox {
            super::sandbox::register_channel(sandbox, &state.settings.local_url, &channel);
        }
        connect_telegram(&state, &channel).await;
    }
    let channel = channels::get(state.store().as_ref(), key.account_id, id).await?;
    Ok(Json(view(&state, channel, false)))
}

/// Deletes a channel and the keys limited to it (`manage` key). A `web` channel's session is
/// logged out first (409 `session_on_other_node` when another node runs it).
#[utoipa::path(delete, path = "/v1/channels/{id}", tag = "channels",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_channel(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
) -> ApiResult<StatusCode> {
    let channel = channels::get(state.store().as_ref(), key.account_id, id).await?;
    if channel.kind == Kind::Web {
        // A WhatsApp Web session is logged out first: the phone unlinks the device.
        switchboard_service::web::control::logout(
            state.store().as_ref(),
            &state.gateway.web,
            &channel,
        )
        .await?;
    }
    channels::delete(state.store().as_ref(), key.account_id, id).await?;
    state.gateway.upstream.forget(id);
    Ok(StatusCode::NO_CONTENT)
}

/// A channel's status: `active` or `error` after the upstream refused its credentials or
/// configuration (see `ChannelStatus`); each change is a `channel.status` event.
#[utoipa::path(get, path = "/v1/channels/{id}/status", tag = "channels",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = ChannelStatus), (status = 404, body = crate::error::ErrorBody)))]
async fn channel_status(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
) -> ApiResult<Json<ChannelStatus>> {
    let channel = channels::get(state.store().as_ref(), key.account_id, id).await?;
    let since = if channel.state.since > 0 {
        channel.state.since
    } else {
        channel.created_at
    };
    Ok(Json(ChannelStatus {
        id: channel.id.to_string(),
        kind: channel.kind.as_str().to_string(),
        status: channel.state.status.as_str().to_string(),
        reason: channel.state.reason,
        error: channel.state.error,
        since: to_rfc3339(since),
    }))
}
