//! Bot settings on the native bot: general info, actions, active days and hours, and the
//! webhook. Each answers the platform's update result `{acknowledged, modifiedCount,
//! upsertedId, upsertedCount, matchedCount}`. With `session_id` (and its `access_token`) a
//! change applies to that instance; without, to every instance of the key, as the
//! platform's samples send it.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{json, Map, Value};
use switchboard_core::time::now_millis;
use switchboard_service::wabot::{self, UpdateCount};
use switchboard_service::webhooks::wabot as hook;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{answer, instance, key, param, request_fields, respond, WabotAnswer, WabotError};
use crate::access::CanManage;
use crate::auth::{KeyPrincipal, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// The settings routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_general))
        .routes(routes!(update_actions))
        .routes(routes!(update_active_days))
        .routes(routes!(update_active_hours))
        .routes(routes!(set_webhook))
}

type Body = Result<Bytes, BytesRejection>;

/// The fields of the instance's credentials, left out of a settings patch.
const CREDENTIALS: [&str; 2] = ["session_id", "access_token"];

const UPDATED: &str = "Whatsapp settings updated successfully!";

fn update_result(count: UpdateCount) -> Value {
    json!({"acknowledged": true, "modifiedCount": count.modified, "upsertedId": null,
        "upsertedCount": 0, "matchedCount": count.matched})
}

/// The instances a change applies to: the one `session_id` names (its token checked), or
/// every instance of the key.
async fn targets(
    state: &AppState,
    key: &KeyPrincipal,
    body: &Map<String, Value>,
    query: &Map<String, Value>,
) -> Result<Vec<switchboard_core::id::ChannelId>, ApiError> {
    if param(body, query, "session_id").is_some() {
        let (channel, _) = instance(state, key, body, query).await?;
        return Ok(vec![channel.id]);
    }
    Ok(state
        .store()
        .list_wabot_instances(key.account_id)
        .await
        .map_err(|e| ApiError::internal("listing instances", e))?
        .into_iter()
        .map(|i| i.channel_id)
        .filter(|id| key.channel_id.is_none_or(|only| only == *id))
        .collect())
}

/// The body's fields without the credentials, each allowed by `allowed`.
fn settings_fields(
    body: &Map<String, Value>,
    allowed: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (k, v) in body {
        if CREDENTIALS.contains(&k.as_str()) {
            continue;
        }
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::invalid(format!(
                "{k}: is not a field of this update; use {}",
                allowed.join(", ")
            )));
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

/// Applies `patch` (native bot settings) to the request's instances.
async fn update(
    state: &AppState,
    principal: Result<Principal, ApiError>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    patch: impl FnOnce(Map<String, Value>) -> Result<Value, ApiError>,
) -> Result<Response, ApiError> {
    let key = key::<CanManage>(principal)?;
    let (body, query) = request_fields(uri, headers, body)?;
    let patch = patch(body.clone())?;
    let ids = targets(state, &key, &body, &query).await?;
    let count = wabot::update_settings(
        state.store().as_ref(),
        key.account_id,
        &ids,
        &patch,
        now_millis(),
    )
    .await?;
    Ok(answer(UPDATED, update_result(count)))
}

/// `bot_name`, `bot_timezone` (an IANA name or an offset such as `+1`), `bot_lang`, and
/// `default_msg`: a text sets the default message (spintax `{Hi|Hello}` and `[name]`
/// allowed); `true`/`false` turns sending it on or off (`actions.send_default_msg`).
#[utoipa::path(put, path = "/compat/wabot/whatsapp/updateGeneral", tag = "compat-wabot",
    request_body(content = Object, description = "`bot_name`, `bot_timezone`, `bot_lang`, `default_msg` (text or boolean); optional `session_id` + `access_token`"),
    params(("session_id" = Option<String>, Query, description = "One instance (else every instance of the key)"),
           ("access_token" = Option<String>, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "`data{acknowledged, modifiedCount, upsertedId, upsertedCount, matchedCount}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn update_general(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        update(&state, principal, &uri, &headers, body, |body| {
            let mut fields = settings_fields(
                &body,
                &["bot_name", "bot_timezone", "bot_lang", "default_msg"],
            )?;
            if let Some(Value::Bool(on)) = fields.get("default_msg").cloned() {
                fields.remove("default_msg");
                fields.insert("actions".into(), json!({"send_default_msg": on}));
            }
            Ok(Value::Object(fields))
        })
        .await,
    )
}

/// The switches: `send_default_msg`, `reply_group_msgs`, `reply_unread_msgs`, `reply_msgs`,
/// `multi_device`, `send_webhook` (booleans).
#[utoipa::path(put, path = "/compat/wabot/whatsapp/updateActions", tag = "compat-wabot",
    request_body(content = Object, description = "`send_default_msg`, `reply_group_msgs`, `reply_unread_msgs`, `reply_msgs`, `multi_device`, `send_webhook`; optional `session_id` + `access_token`"),
    params(("session_id" = Option<String>, Query, description = "One instance (else every instance of the key)"),
           ("access_token" = Option<String>, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The update result"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn update_actions(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        update(&state, principal, &uri, &headers, body, |body| {
            let fields = settings_fields(
                &body,
                &[
                    "send_default_msg",
                    "reply_group_msgs",
                    "reply_unread_msgs",
                    "reply_msgs",
                    "multi_device",
                    "send_webhook",
                ],
            )?;
            Ok(json!({ "actions": fields }))
        })
        .await,
    )
}

/// The days the bot answers on: `monday` … `sunday` (booleans).
#[utoipa::path(put, path = "/compat/wabot/whatsapp/updateActiveDays", tag = "compat-wabot",
    request_body(content = Object, description = "`monday` … `sunday`; optional `session_id` + `access_token`"),
    params(("session_id" = Option<String>, Query, description = "One instance (else every instance of the key)"),
           ("access_token" = Option<String>, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The update result"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn update_active_days(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        update(&state, principal, &uri, &headers, body, |body| {
            let fields = settings_fields(
                &body,
                &[
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                ],
            )?;
            Ok(json!({ "active_days": fields }))
        })
        .await,
    )
}

/// The hours the bot answers in, in its time zone: `from` and `to` as `HH:MM` (`5:00` too),
/// or both `always`.
#[utoipa::path(put, path = "/compat/wabot/whatsapp/updateActiveHours", tag = "compat-wabot",
    request_body(content = Object, description = "`from`, `to`; optional `session_id` + `access_token`"),
    params(("session_id" = Option<String>, Query, description = "One instance (else every instance of the key)"),
           ("access_token" = Option<String>, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The update result"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn update_active_hours(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        update(&state, principal, &uri, &headers, body, |body| {
            let fields = settings_fields(&body, &["from", "to"])?;
            Ok(json!({ "active_hours": fields }))
        })
        .await,
    )
}

/// Points the instance's webhook at `webhook_url` for `events` (`onMessage`: customers'
/// messages; `onAnyMessage`: every message, the ones sent from the instance too; default
/// `onMessage`), and turns the bot's `actions.send_webhook` on. `requestConfig` is accepted
/// and ignored (deliveries are signed Standard Webhooks POSTs with retries).
#[utoipa::path(put, path = "/compat/wabot/whatsapp/setWebhook", tag = "compat-wabot",
    request_body(content = Object, description = "`session_id`, `access_token`, `webhook_url`, `events[]`, `requestConfig`"),
    params(("session_id" = Option<String>, Query, description = "The instance (or in the body)"),
           ("access_token" = Option<String>, Query, description = "Its token (or in the body)")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "`Webhook set successfully!`; the update result with `webhook_url` and `events`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn set_webhook(
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
            let url = param(&body, &query, "webhook_url").ok_or_else(|| {
                ApiError::invalid("webhook_url: is required; give the URL that receives the events")
            })?;
            let events: Vec<String> = match body.get("events") {
                None | Some(Value::Null) => vec![hook::ON_MESSAGE.to_string()],
                Some(Value::Array(list)) if !list.is_empty() => list
                    .iter()
                    .map(|e| {
                        e.as_str().map(str::to_string).ok_or_else(|| {
                            ApiError::invalid(
                                "events: every item must be onMessage or onAnyMessage",
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => {
                    return Err(ApiError::invalid(
                        "events: give a list such as [\"onMessage\", \"onAnyMessage\"]",
                    ))
                }
            };
            let filters = hook::filters(&events).map_err(ApiError::invalid)?;
            let store = state.store().as_ref();
            hook::set_webhook(store, &channel, url.clone(), filters).await?;
            let count = wabot::update_settings(
                store,
                key.account_id,
                &[channel.id],
                &json!({"actions": {"send_webhook": true}}),
                now_millis(),
            )
            .await?;
            let mut data = update_result(UpdateCount {
                matched: 1,
                modified: count.modified.max(1),
            });
            data["webhook_url"] = json!(url);
            data["events"] = json!(events);
            Ok(answer("Webhook set successfully!", data))
        }
        .await,
    )
}
