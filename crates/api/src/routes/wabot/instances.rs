//! Instances: create, init (start pairing, set the webhook), the QR code (image or base64
//! text), instance info, list, logout, delete.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};
use switchboard_core::time::now_millis;
use switchboard_service::wabot;
use switchboard_service::web::control;
use switchboard_service::webhooks::wabot as hook;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    answer, instance, instance_object, key, param, request_fields, respond, WabotAnswer, WabotError,
};
use crate::access::{AccountWide, CanManage, CanRead};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// The instance routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_instance))
        .routes(routes!(init_instance))
        .routes(routes!(scan))
        .routes(routes!(instance_info))
        .routes(routes!(list_instances))
        .routes(routes!(logout_instance))
        .routes(routes!(delete_instance))
}

type Body = Result<Bytes, BytesRejection>;

/// Creates an instance: a WhatsApp Web channel (kind `web`) with the platform's default bot
/// settings (the bot on, `{Hi|Hello} [name] your message has no keyword here.`, time zone
/// `Africa/Harare`, every day, always) and an instance `access_token`. The body may be `{}`;
/// Switchboard's `"sandbox": true` pairs it with the emulator's fake phone instead of
/// WhatsApp. Needs an account-wide key with manage permission.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/createNewWhatsapp", tag = "compat-wabot",
    request_body(content = Object, description = "`{}`; Switchboard's `sandbox` (boolean) drives it with the emulator's fake phone"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WabotAnswer, description = "`Whatsapp created successfully!`; `data` is the instance: `settings{bot_name, status, bot_timezone, bot_lang, default_msg, actions, active_days, active_hours, access_token}`, `_id`, `user_id`, `session_id` (both the channel id), `createdAt`, `updatedAt`, `__v`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 403, body = WabotError),
    ))]
async fn create_instance(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let key = key::<AccountWide<CanManage>>(principal)?;
            let (body, _) = request_fields(&uri, &headers, body)?;
            let sandbox = match body.get("sandbox") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
                Some(other) => {
                    return Err(ApiError::invalid(format!(
                        "sandbox: must be true or false, got {other}"
                    )))
                }
            };
            let created = wabot::create(
                state.store().as_ref(),
                &state.gateway.upstream,
                &state.gateway.web,
                key.account_id,
                sandbox,
                now_millis(),
            )
            .await?;
            Ok(answer(
                "Whatsapp created successfully!",
                instance_object(&created),
            ))
        }
        .await,
    )
}

/// Starts the instance's session (pairing: QR codes follow, see `scan`). `config.webhookUrl`
/// with `config.setWebhook` (default true) points the instance's webhook there for
/// `onMessage`; `config.multiDevice` is kept in the bot's `actions.multi_device`.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/init", tag = "compat-wabot",
    request_body(content = Object, description = "`session_id`, `access_token`, `config{multiDevice, setWebhook, webhookUrl}`"),
    params(("session_id" = Option<String>, Query, description = "The instance (or in the body)"),
           ("access_token" = Option<String>, Query, description = "The instance token (or in the body)")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WabotAnswer, description = "`Instance initialized successfully`; `data{session_id, instance_key, state, webhookUrl}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
    ))]
async fn init_instance(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let key = key::<CanManage>(principal)?;
            let (body, query) = request_fields(&uri, &headers, body)?;
            let (channel, _) = instance(&state, &key, &body, &query).await?;
            let store = state.store().as_ref();
            let config = body.get("config").cloned().unwrap_or(Value::Null);
            if !config.is_null() && !config.is_object() {
                return Err(ApiError::invalid(
                    "config: must be an object {multiDevice, setWebhook, webhookUrl}",
                ));
            }
            if let Some(multi) = config.get("multiDevice").and_then(Value::as_bool) {
                wabot::update_settings(
                    store,
                    key.account_id,
                    &[channel.id],
                    &json!({"actions": {"multi_device": multi}}),
                    now_millis(),
                )
                .await?;
            }
            let wants_hook = config
                .get("setWebhook")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let url = config
                .get("webhookUrl")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|u| !u.is_empty());
            let webhook = match (wants_hook, url) {
                (true, Some(url)) => Some(
                    hook::set_webhook(
                        store,
                        &channel,
                        url.to_string(),
                        vec![hook::ON_MESSAGE_FILTER.to_string()],
                    )
                    .await?
                    .url,
                ),
                _ => hook::webhook(store, &channel).await?.map(|w| w.url),
            };
            let session = control::start(store, &state.gateway.web, &channel).await?;
            Ok(answer(
                "Instance initialized successfully",
                json!({"session_id": channel.id.to_string(), "instance_key": channel.id.to_string(),
                    "state": session.state.as_str(), "webhookUrl": webhook}),
            ))
        }
        .await,
    )
}

/// The pairing session's QR code: a PNG image, or with `format=base64text` the image as a
/// `data:image/png;base64,…` text. 409 `session_state` while there is no QR code (not
/// initialized, still connecting, or already connected).
#[utoipa::path(get, path = "/compat/wabot/whatsapp/scan", tag = "compat-wabot",
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "The instance token"),
           ("format" = Option<String>, Query, description = "`base64text` for the image as base64 text")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The QR code (`image/png`, or `text/plain` with `format=base64text`)"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 409, body = WabotError, description = "`session_state`: no QR code now"),
    ))]
async fn scan(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let key = key::<CanRead>(principal)?;
            let (body, query) = request_fields(&uri, &headers, body)?;
            let (channel, _) = instance(&state, &key, &body, &query).await?;
            let as_text = match param(&body, &query, "format").as_deref() {
                None | Some("image") | Some("png") => false,
                Some("base64text") | Some("base64") => true,
                Some(other) => {
                    return Err(ApiError::invalid(format!(
                        "format: `{other}` is not a format; use base64text, or leave it out for the image"
                    )))
                }
            };
            let qr = control::qr(state.store().as_ref(), &channel).await?;
            let image = crate::qr_image::png(&qr.code)
                .map_err(|e| ApiError::internal("drawing a QR code", e))?;
            if as_text {
                let text = format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(image)
                );
                return Ok((
                    [(CONTENT_TYPE, "text/plain; charset=utf-8"), (CACHE_CONTROL, "no-store")],
                    text,
                )
                    .into_response());
            }
            Ok(([(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, "no-store")], image).into_response())
        }
        .await,
    )
}

/// The instance's connection: `phone_connected` (the session works), `user.id` (the linked
/// device, `2349040613521:8@s.whatsapp.net`) and `user.name`, and its webhook URL.
#[utoipa::path(get, path = "/compat/wabot/whatsapp/instance", tag = "compat-wabot",
    params(("session_id" = Option<String>, Query, description = "The instance (or in the body)"),
           ("access_token" = Option<String>, Query, description = "The instance token (or in the body)"),
           ("format" = Option<String>, Query, description = "Accepted and ignored")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WabotAnswer, description = "`Status checked successfully`; `data{error, message, instance_data{instance_key, phone_connected, webhookUrl, user{id, name}}}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
    ))]
async fn instance_info(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let key = key::<CanRead>(principal)?;
            let (body, query) = request_fields(&uri, &headers, body)?;
            let (channel, record) = instance(&state, &key, &body, &query).await?;
            let i = wabot::describe(state.store().as_ref(), channel, record).await?;
            let connected =
                i.session.state == switchboard_core::channel::web_session::SessionState::Working;
            let user = i
                .session
                .paired_as
                .as_ref()
                .map(|p| json!({"id": p.jid, "name": p.push_name}));
            Ok(answer(
                "Status checked successfully",
                json!({"error": false, "message": "Instance fetched successfully",
                "instance_data": {
                    "instance_key": i.channel.id.to_string(),
                    "phone_connected": connected,
                    "session_state": i.session.state.as_str(),
                    "webhookUrl": i.webhook.as_ref().map(|w| w.url.clone()),
                    "user": user,
                }}),
            ))
        }
        .await,
    )
}

/// Every instance of the key's account (only its channel's for a key limited to one).
#[utoipa::path(get, path = "/compat/wabot/whatsapp", tag = "compat-wabot",
    security(("bearer" = [])),
    responses(
        (status = 200, body = WabotAnswer, description = "`Whatsapp fetched successfully!`; `data` is the list of instances, each with `settings` (`bot_number` once paired, `access_token`), `_id`, `session_id`, `createdAt`, `updatedAt`"),
        (status = 401, body = WabotError),
    ))]
async fn list_instances(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
) -> Response {
    respond(
        async {
            let key = key::<CanRead>(principal)?;
            let all = wabot::list(state.store().as_ref(), key.account_id, key.channel_id).await?;
            Ok(answer(
                "Whatsapp fetched successfully!",
                Value::Array(all.iter().map(instance_object).collect()),
            ))
        }
        .await,
    )
}

/// Logs the instance's session out: the phone unlinks the device, its keys are deleted,
/// and `init` pairs it again. The path names the instance; `access_token` proves it.
#[utoipa::path(get, path = "/compat/wabot/whatsapp/instance/logout/{id}", tag = "compat-wabot",
    params(("id" = String, Path, description = "The instance (`_id`, the same as `session_id`)"),
           ("session_id" = Option<String>, Query, description = "The instance, again (optional)"),
           ("access_token" = String, Query, description = "The instance token")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WabotAnswer, description = "`Instance logged out successfully`; `data{session_id, state}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 409, body = WabotError, description = "`session_on_other_node`"),
    ))]
async fn logout_instance(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let key = key::<CanManage>(principal)?;
            let (body, mut query) = request_fields(&uri, &headers, body)?;
            if let Some(named) = param(&body, &query, "session_id") {
                if named != id {
                    return Err(ApiError::invalid(format!(
                        "session_id: `{named}` is not the instance of the path (`{id}`); leave it out or give the same"
                    )));
                }
            }
            query.insert("session_id".into(), Value::String(id));
            let (channel, _) = instance(&state, &key, &body, &query).await?;
            let s = control::logout(state.store().as_ref(), &state.gateway.web, &channel).await?;
            Ok(answer(
                "Instance logged out successfully",
                json!({"session_id": channel.id.to_string(), "state": s.state.as_str()}),
            ))
        }
        .await,
    )
}

/// Deletes the instance: its session is logged out, then its channel (with its bot,
/// webhook and token) is deleted.
#[utoipa::path(delete, path = "/compat/wabot/whatsapp/{id}", tag = "compat-wabot",
    params(("id" = String, Path, description = "The instance (`_id`)")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WabotAnswer, description = "`Whatsapp deleted successfully!`; `data{acknowledged, deletedCount}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 409, body = WabotError, description = "`session_on_other_node`"),
    ))]
async fn delete_instance(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
) -> Response {
    respond(
        async {
            let key = key::<CanManage>(principal)?;
            let store = state.store().as_ref();
            let (channel, _) = wabot::by_id(store, key.account_id, key.channel_id, &id).await?;
            control::logout(store, &state.gateway.web, &channel).await?;
            switchboard_service::channels::delete(store, key.account_id, channel.id).await?;
            state.gateway.upstream.forget(channel.id);
            Ok(answer(
                "Whatsapp deleted successfully!",
                json!({"acknowledged": true, "deletedCount": 1}),
            ))
        }
        .await,
    )
}
