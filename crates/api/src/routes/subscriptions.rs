//! `/v1/subscriptions` and `/v1/deliveries`: webhook subscriptions (account-wide `manage` key),
//! their deliveries and attempts, manual retries and replays.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::event::ALL_TYPES;
use switchboard_core::id::{ChannelMarker, DeliveryMarker, SubscriptionId, SubscriptionMarker};
use switchboard_core::subscription::{Attempt, Delivery, PayloadFormat, Subscription};
use switchboard_core::time::{now_millis, parse_rfc3339, to_rfc3339};
use switchboard_service::webhooks::guard::check_url;
use switchboard_service::webhooks::subscriptions::{self, NewSubscription, SubscriptionPatch};
use switchboard_service::webhooks::WebhookParts;
use switchboard_store::messages::ReplayFrom;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::PageQuery;
use crate::access::{AccountWide, Auth, CanManage};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiJson, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// Event-type prefixes a wildcard may name.
const PREFIXES: &[&str] = &[
    "message",
    "channel",
    "template",
    "broadcast",
    "subscription",
    "contact",
    "bot",
];
/// Longest overlap of a secret rotation.
const MAX_OVERLAP_SECS: u64 = 7 * 86_400;

/// The subscription routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_subscription, list_subscriptions))
        .routes(routes!(
            get_subscription,
            update_subscription,
            delete_subscription
        ))
        .routes(routes!(rotate_secret))
        .routes(routes!(replay))
        .routes(routes!(send_test_event))
        .routes(routes!(list_deliveries))
        .routes(routes!(get_delivery))
        .routes(routes!(retry_delivery))
}

/// Body of `POST /v1/subscriptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSubscription {
    /// Where events are POSTed (http or https).
    pub url: String,
    /// Event filter: exact names (`message.delivered`), wildcards (`message.*`) or `*` (default).
    pub events: Option<Vec<String>>,
    /// `switchboard` (default), `meta` (Meta's webhook payload), `sendbuttons` (the Send
    /// Buttons service's flat payload), `1msg` (the 1msg service's payload) or `wabot` (the WhatsApp
    /// Web bot platform's payload; see the README).
    pub format: Option<String>,
    /// Only this channel's events (`ch_…`).
    pub channel_id: Option<String>,
    /// A note for humans.
    pub description: Option<String>,
    /// Default true.
    pub enabled: Option<bool>,
}

/// Body of `PATCH /v1/subscriptions/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSubscription {
    /// New URL.
    pub url: Option<String>,
    /// New event filter.
    pub events: Option<Vec<String>>,
    /// New payload format.
    pub format: Option<String>,
    /// Enable or disable (enabling clears an automatic disable).
    pub enabled: Option<bool>,
    /// New note.
    pub description: Option<String>,
}

/// A subscription (its secret only in the creation and rotation answers).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// `sub_…`
    pub id: String,
    /// Target URL.
    pub url: String,
    /// Event filter.
    pub events: Vec<String>,
    /// `switchboard`, `meta`, `sendbuttons`, `1msg` or `wabot`.
    pub format: String,
    /// Only this channel, or null for the whole account.
    pub channel_id: Option<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// A note.
    pub description: Option<String>,
    /// Failing without a success since (RFC 3339), or null.
    pub failing_since: Option<String>,
    /// Why it was disabled automatically.
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs (RFC 3339), after a rotation.
    pub previous_secret_expires_at: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// The signing secret (`whsec_…`): only in the creation and rotation answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A page of subscriptions.
pub type SubscriptionList = List<SubscriptionView>;

/// Body of a secret rotation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// How long the old secret keeps signing beside the new one (default 86400, at most 7 days).
    pub overlap_seconds: Option<u64>,
}

/// Body of a replay: give `since` or `after_event_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    /// Re-send events created at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Re-send events after this event (`evt_…`).
    pub after_event_id: Option<String>,
    /// At most this many (default 1000, at most 10000).
    pub limit: Option<u32>,
}

/// What a replay queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    /// Deliveries created.
    pub created: u64,
}

/// One delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// `dlv_…`
    pub id: String,
    /// `sub_…`
    pub subscription_id: String,
    /// `evt_…` (also the `webhook-id` header)
    pub event_id: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: u32,
    /// Next attempt (RFC 3339) while pending.
    pub next_attempt_at: Option<String>,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Error or start of the answer of the last attempt.
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// When it was delivered or given up.
    pub finished_at: Option<String>,
}

/// One attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When (RFC 3339).
    pub attempted_at: String,
    /// HTTP status, if the endpoint answered.
    pub status_code: Option<u16>,
    /// Duration in milliseconds.
    pub latency_ms: u64,
    /// The first 1 KB of the answer.
    pub response: Option<String>,
    /// Transport error, if any.
    pub error: Option<String>,
}

/// A delivery with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDetail {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryView,
    /// Every attempt, oldest first.
    pub attempts_log: Vec<AttemptView>,
}

/// A page of deliveries.
pub type DeliveryList = List<DeliveryView>;

fn view(s: &Subscription, secret: Option<String>) -> SubscriptionView {
    SubscriptionView {
        id: s.id.to_string(),
        url: s.url.clone(),
        events: s.events.clone(),
        format: s.format.as_str().to_string(),
        channel_id: s.channel_id.map(|c| c.to_string()),
        enabled: s.enabled,
        description: s.description.clone(),
        failing_since: s.failing_since.map(to_rfc3339),
        disabled_reason: s.disabled_reason.clone(),
        previous_secret_expires_at: s
            .previous_expires_at
            .filter(|t| *t > now_millis())
            .map(to_rfc3339),
        created_at: to_rfc3339(s.created_at),
        updated_at: to_rfc3339(s.updated_at),
        secret,
    }
}

fn delivery_view(d: &Delivery) -> DeliveryView {
    DeliveryView {
        id: d.id.to_string(),
        subscription_id: d.subscription_id.to_string(),
        event_id: d.event_id.clone(),
        state: d.state.as_str().to_string(),
        attempts: d.attempts,
        next_attempt_at: (d.state == switchboard_core::subscription::DeliveryState::Pending)
            .then(|| to_rfc3339(d.next_attempt_at)),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        created_at: to_rfc3339(d.created_at),
        finished_at: d.finished_at.map(to_rfc3339),
    }
}

fn attempt_view(a: Attempt) -> AttemptView {
    AttemptView {
        attempted_at: to_rfc3339(a.attempted_at),
        status_code: a.status_code,
        latency_ms: a.latency_ms,
        response: a.response,
        error: a.error,
    }
}

/// Checks an event filter: `*`, known event types, or wildcards over known prefixes.
pub fn check_filter(events: &[String]) -> ApiResult<Vec<String>> {
    if events.is_empty() {
        return Err(ApiError::invalid(
            "events: give at least one event type, a wildcard such as message.*, or *",
        ));
    }
    for e in events {
        let ok = e == "*"
            || ALL_TYPES.contains(&e.as_str())
            || e.strip_suffix(".*").is_some_and(|p| PREFIXES.contains(&p));
        if !ok {
            return Err(ApiError::invalid(format!(
                "events: `{e}` is not an event type; use *, a wildcard such as message.*, or one of: {}",
                ALL_TYPES.join(", ")
            )));
        }
    }
    Ok(events.to_vec())
}

fn format(text: Option<&str>) -> ApiResult<Option<PayloadFormat>> {
    text.map(|f| {
        PayloadFormat::parse(f).ok_or_else(|| {
            ApiError::invalid(format!(
                "format: `{f}` is not a payload format: use switchboard, meta, sendbuttons, 1msg or wabot"
            ))
        })
    })
    .transpose()
}

fn subscription_id(id: &str) -> ApiResult<SubscriptionId> {
    path_id::<SubscriptionMarker>(id, "subscription")
}

fn url(state: &AppState, url: &str) -> ApiResult<String> {
    check_url(url, state.settings.allow_private_targets)
        .map(|u| u.to_string())
        .map_err(|m| ApiError::invalid(format!("url: {m}")))
}

/// Creates a subscription; its signing secret is in this answer (and rotation answers) only.
#[utoipa::path(post, path = "/v1/subscriptions", tag = "webhooks", request_body = CreateSubscription,
    security(("bearer" = [])),
    responses((status = 201, body = SubscriptionView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
async fn create_subscription(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    ApiJson(body): ApiJson<CreateSubscription>,
) -> ApiResult<(StatusCode, Json<SubscriptionView>)> {
    let url = url(&state, &body.url)?;
    let events = check_filter(&body.events.unwrap_or_else(|| vec!["*".into()]))?;
    let channel = match body.channel_id {
        None => None,
        Some(text) => {
            let id = path_id::<ChannelMarker>(&text, "channel").map_err(|_| {
                ApiError::invalid(format!(
                    "channel_id: `{text}` is not a channel of this account"
                ))
            })?;
            Some((id, text))
        }
    };
    let new = NewSubscription {
        url,
        events,
        format: format(body.format.as_deref())?.unwrap_or(PayloadFormat::Switchboard),
        channel,
        enabled: body.enabled.unwrap_or(true),
        description: body.description,
    };
    let s = subscriptions::create(state.store().as_ref(), key.account_id, new).await?;
    Ok((StatusCode::CREATED, Json(view(&s, Some(s.secret.clone())))))
}

/// Lists the account's subscriptions.
#[utoipa::path(get, path = "/v1/subscriptions", tag = "webhooks", params(PageQuery),
    security(("bearer" = [])), responses((status = 200, body = List<SubscriptionView>)))]
async fn list_subscriptions(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<SubscriptionList>> {
    let page = subscriptions::list(state.store().as_ref(), key.account_id, &page.into()).await?;
    Ok(Json(SubscriptionList {
        data: page.items.iter().map(|s| view(s, None)).collect(),
        next: page.next,
    }))
}

/// Reads a subscription.
#[utoipa::path(get, path = "/v1/subscriptions/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "`sub_…`")), security(("bearer" = [])),
    responses((status = 200, body = SubscriptionView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_subscription(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
) -> ApiResult<Json<SubscriptionView>> {
    let s = subscriptions::get(
        state.store().as_ref(),
        key.account_id,
        subscription_id(&id)?,
    )
    .await?;
    Ok(Json(view(&s, None)))
}

/// Changes a subscription; enabling it clears an automatic disable.
#[utoipa::path(patch, path = "/v1/subscriptions/{id}", tag = "webhooks", request_body = UpdateSubscription,
    params(("id" = String, Path, description = "`sub_…`")), security(("bearer" = [])),
    responses((status = 200, body = SubscriptionView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn update_subscription(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateSubscription>,
) -> ApiResult<Json<SubscriptionView>> {
    let id = subscription_id(&id)?;
    let patch = SubscriptionPatch {
        url: body.url.map(|u| url(&state, &u)).transpose()?,
        events: body.events.map(|e| check_filter(&e)).transpose()?,
        format: format(body.format.as_deref())?,
        enabled: body.enabled,
        description: body.description,
    };
    let s = subscriptions::update(state.store().as_ref(), key.account_id, id, patch).await?;
    Ok(Json(view(&s, None)))
}

/// Deletes a subscription and its deliveries.
#[utoipa::path(delete, path = "/v1/subscriptions/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "`sub_…`")), security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_subscription(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    subscriptions::delete(
        state.store().as_ref(),
        key.account_id,
        subscription_id(&id)?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rotates the signing secret: the answer carries the new secret; the old one keeps signing
/// beside it (a second `v1,` signature) for the overlap.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/rotate-secret", tag = "webhooks", request_body = RotateSecret,
    params(("id" = String, Path, description = "`sub_…`")), security(("bearer" = [])),
    responses((status = 200, body = SubscriptionView), (status = 404, body = crate::error::ErrorBody)))]
async fn rotate_secret(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RotateSecret>,
) -> ApiResult<Json<SubscriptionView>> {
    let id = subscription_id(&id)?;
    let overlap = body.overlap_seconds.unwrap_or(86_400);
    if overlap > MAX_OVERLAP_SECS {
        return Err(ApiError::invalid(
            "overlap_seconds: at most 604800 (7 days)",
        ));
    }
    let overlap_ms = overlap as i64 * 1000;
    let s = subscriptions::rotate_secret(state.store().as_ref(), key.account_id, id, overlap_ms)
        .await?;
    Ok(Json(view(&s, Some(s.secret.clone()))))
}

/// Re-sends the subscription's matching events since a time or after an event.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/replay", tag = "webhooks", request_body = Replay,
    params(("id" = String, Path, description = "`sub_…`")), security(("bearer" = [])),
    responses((status = 202, body = Replayed), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn replay(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Replay>,
) -> ApiResult<(StatusCode, Json<Replayed>)> {
    let id = subscription_id(&id)?;
    subscriptions::get(state.store().as_ref(), key.account_id, id).await?;
    let from =
        match (body.since.as_deref(), body.after_event_id) {
            (Some(since), None) => ReplayFrom::Time(parse_rfc3339(since).ok_or_else(|| {
                ApiError::invalid("since: use RFC 3339, e.g. 2026-01-31T12:00:00Z")
            })?),
            (None, Some(event)) => ReplayFrom::Event(event),
            _ => {
                return Err(ApiError::invalid(
                    "give exactly one of since or after_event_id",
                ))
            }
        };
    let limit = body.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::invalid("limit: between 1 and 10000"));
    }
    let parts = WebhookParts::from(&state.gateway);
    let created = subscriptions::replay(&parts, key.account_id, id, &from, limit).await?;
    Ok((StatusCode::ACCEPTED, Json(Replayed { created })))
}

/// Sends the subscription a `subscription.test` event now: to this subscription only,
/// whatever its event filter, in Switchboard's envelope whatever its format, signed like any
/// delivery. The answer is the new delivery; follow it with `GET /v1/deliveries/{id}`. A
/// disabled subscription is refused (409): enable it first.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "`sub_…`")), security(("bearer" = [])),
    responses((status = 202, body = DeliveryView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn send_test_event(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let id = subscription_id(&id)?;
    let parts = WebhookParts::from(&state.gateway);
    let d = subscriptions::send_test(&parts, key.account_id, id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_view(&d))))
}

/// Lists a subscription's deliveries.
#[utoipa::path(get, path = "/v1/subscriptions/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "`sub_…`"), PageQuery), security(("bearer" = [])),
    responses((status = 200, body = List<DeliveryView>), (status = 404, body = crate::error::ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let id = subscription_id(&id)?;
    let page =
        subscriptions::deliveries(state.store().as_ref(), key.account_id, id, &page.into()).await?;
    Ok(Json(DeliveryList {
        data: page.items.iter().map(delivery_view).collect(),
        next: page.next,
    }))
}

/// Reads a delivery with every attempt (status code, latency, first 1 KB of the answer).
#[utoipa::path(get, path = "/v1/deliveries/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "`dlv_…`")), security(("bearer" = [])),
    responses((status = 200, body = DeliveryDetail), (status = 404, body = crate::error::ErrorBody)))]
async fn get_delivery(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryDetail>> {
    let id = path_id::<DeliveryMarker>(&id, "delivery")?;
    let (d, attempts) = subscriptions::delivery(state.store().as_ref(), key.account_id, id).await?;
    Ok(Json(DeliveryDetail {
        delivery: delivery_view(&d),
        attempts_log: attempts.into_iter().map(attempt_view).collect(),
    }))
}

/// Sends a delivery again now (whatever its state).
#[utoipa::path(post, path = "/v1/deliveries/{id}/retry", tag = "webhooks",
    params(("id" = String, Path, description = "`dlv_…`")), security(("bearer" = [])),
    responses((status = 202, body = DeliveryView), (status = 404, body = crate::error::ErrorBody)))]
async fn retry_delivery(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let id = path_id::<DeliveryMarker>(&id, "delivery")?;
    let parts = WebhookParts::from(&state.gateway);
    let d = subscriptions::retry_delivery(&parts, key.account_id, id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_view(&d))))
}
