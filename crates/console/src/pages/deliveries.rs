//! A subscription's delivery log (newest first, polled by htmx while the page is open, a
//! poll answering 204 when nothing changed), a delivery's detail (every attempt with its
//! HTTP code, latency and answer, and the request body), retrying one delivery and
//! replaying the subscription's events from a delivery's event on.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_api::auth::KeyPrincipal;
use switchboard_core::id::{DeliveryId, DeliveryMarker};
use switchboard_core::subscription::{DeliveryState, Subscription};
use switchboard_core::time::to_rfc3339;
use switchboard_service::webhooks::subscriptions;
use switchboard_service::webhooks::WebhookParts;
use switchboard_store::messages::ReplayFrom;
use switchboard_store::webhooks::LoggedDelivery;

use super::html;
use super::webhooks::{manager, parse_id, state_name, SubscriptionRow, Tag};
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// Deliveries per page of the log.
pub const PER_PAGE: u32 = 50;
/// Most deliveries one "replay from here" queues.
const REPLAY_LIMIT: u32 = 1000;

/// One delivery in the log.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// The delivery as stored.
    pub logged: LoggedDelivery,
    /// `dlv_…`
    pub id: String,
    /// When it was created.
    pub created: String,
    /// Its event's type.
    pub event_type: String,
    /// Its event (`evt_…`).
    pub event_id: String,
    /// Its state, as a badge.
    pub state: Tag,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's HTTP code, or its error (an upstream's text: escaped).
    pub answer: String,
    /// The last attempt's latency (`123 ms`), or empty.
    pub latency: String,
    /// The next attempt while pending.
    pub next_retry: String,
}

impl From<LoggedDelivery> for DeliveryRow {
    fn from(l: LoggedDelivery) -> Self {
        let d = &l.delivery;
        let answer = match (d.last_status, &d.last_error) {
            (Some(code), _) => format!("HTTP {code}"),
            (None, Some(error)) => error.chars().take(120).collect(),
            (None, None) => String::new(),
        };
        DeliveryRow {
            id: d.id.to_string(),
            created: to_rfc3339(d.created_at),
            event_type: l.event_type.clone(),
            event_id: d.event_id.clone(),
            state: Tag::of(state_name(d.state)),
            attempts: d.attempts,
            answer,
            latency: l
                .last_latency_ms
                .map(|ms| format!("{ms} ms"))
                .unwrap_or_default(),
            next_retry: if d.state == DeliveryState::Pending {
                to_rfc3339(d.next_attempt_at)
            } else {
                String::new()
            },
            logged: l,
        }
    }
}

/// A page of a subscription's delivery log.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    /// `sub_…`
    pub subscription: String,
    /// The deliveries, newest first.
    pub rows: Vec<DeliveryRow>,
    /// The delivery this page starts before, if it is not the newest page.
    pub before: Option<String>,
    /// The link to older deliveries, when there may be some.
    pub older: Option<String>,
    /// A digest of what the page shows: a poll with the same digest changes nothing.
    pub digest: String,
}

impl DeliveryLog {
    /// Whether the page is the newest one (the only one polled).
    pub fn live(&self) -> bool {
        self.before.is_none()
    }
}

fn digest(health: &str, rows: &[DeliveryRow]) -> String {
    let mut h = DefaultHasher::new();
    health.hash(&mut h);
    for r in rows {
        let d = &r.logged.delivery;
        (
            r.id.as_str(),
            state_name(d.state),
            d.attempts,
            d.next_attempt_at,
        )
            .hash(&mut h);
    }
    rows.len().hash(&mut h);
    format!("{:016x}", h.finish())
}

fn delivery_id(text: &str) -> ConsoleResult<DeliveryId> {
    switchboard_api::extract::path_id::<DeliveryMarker>(text, "delivery").map_err(Into::into)
}

/// The log of `s`, before the delivery `before` (the newest page when `None`), and the
/// subscription read again after it: its health is then never older than the rows shown
/// under it (a delivery's failed attempt and the subscription's failing streak are written
/// together, but read here in two statements).
pub async fn log(
    state: &ConsoleState,
    key: &KeyPrincipal,
    s: &Subscription,
    before: Option<&str>,
) -> ConsoleResult<(DeliveryLog, Subscription)> {
    let before_id = before
        .filter(|b| !b.is_empty())
        .map(delivery_id)
        .transpose()?;
    let logged = subscriptions::delivery_log(
        state.app.store().as_ref(),
        key.account_id,
        s.id,
        before_id,
        PER_PAGE,
    )
    .await?;
    let s = subscriptions::get(state.app.store().as_ref(), key.account_id, s.id).await?;
    let s = &s;
    let full = logged.len() == PER_PAGE as usize;
    let rows: Vec<DeliveryRow> = logged.into_iter().map(DeliveryRow::from).collect();
    let older = rows
        .last()
        .filter(|_| full)
        .map(|r| format!("/console/webhooks/{}?before={}", s.id, r.id));
    let log = DeliveryLog {
        subscription: s.id.to_string(),
        digest: digest(&SubscriptionRow::of(s, None).health.status, &rows),
        rows,
        before: before_id.map(|b| b.to_string()),
        older,
    };
    Ok((log, s.clone()))
}

/// `?seen=` of a poll: the digest the page shows.
#[derive(Debug, Deserialize)]
pub struct Poll {
    /// The digest of the shown log.
    pub seen: Option<String>,
}

/// `GET /console/webhooks/{id}/log`: the newest page of the log as a fragment, or 204 when
/// it is what the page already shows (`seen`).
pub async fn poll(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(poll): Query<Poll>,
) -> ConsoleResult<Response> {
    let id = parse_id(&id)?;
    let mut page = super::webhooks::page(&state, &signed, id, None, None).await?;
    page.fragment = true;
    if poll.seen.as_deref() == Some(page.log.digest.as_str()) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let fragment = page.as_log().render()?;
    Ok(Html(fragment.trim().to_string()).into_response())
}

/// One attempt of a delivery.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// 1 = the first.
    pub number: usize,
    /// When.
    pub at: String,
    /// HTTP code, or empty.
    pub code: String,
    /// Whether the code is a 2xx.
    pub ok: bool,
    /// Latency in ms.
    pub latency_ms: u64,
    /// The start of the answer (the endpoint's text: escaped).
    pub response: String,
    /// The transport error, if any.
    pub error: String,
}

/// A delivery's page.
#[derive(Template)]
#[template(path = "delivery.html")]
struct DeliveryPage {
    title: &'static str,
    shell: Shell,
    subscription: SubscriptionRow,
    delivery: DeliveryRow,
    attempts: Vec<AttemptRow>,
    request: String,
}

/// The delivery `id` of the subscription `s`'s account, or 404 when it is another
/// subscription's.
async fn owned_delivery(
    state: &ConsoleState,
    key: &KeyPrincipal,
    subscription: &str,
    id: &str,
) -> ConsoleResult<(Subscription, DeliveryId)> {
    let sid = parse_id(subscription)?;
    let store = state.app.store().as_ref();
    let s = subscriptions::get(store, key.account_id, sid).await?;
    let id = delivery_id(id)?;
    let (d, _) = subscriptions::delivery(store, key.account_id, id).await?;
    if d.subscription_id != s.id {
        return Err(ConsoleError::NotFound("delivery not found"));
    }
    Ok((s, id))
}

/// `GET /console/webhooks/{id}/deliveries/{delivery}`.
pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((sub, id)): Path<(String, String)>,
) -> ConsoleResult<Response> {
    let key = manager(&signed)?;
    let (s, id) = owned_delivery(&state, key, &sub, &id).await?;
    let store = state.app.store().as_ref();
    let (d, attempts) = subscriptions::delivery(store, key.account_id, id).await?;
    let event = subscriptions::delivery_event(store, key.account_id, id).await?;
    let request = match subscriptions::request_body(store, &s, id).await? {
        Some(body) => match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
            Err(_) => String::from_utf8_lossy(&body).into_owned(),
        },
        None => "(this event has no payload in the subscription's format)".to_string(),
    };
    let last_latency = attempts.last().map(|a| a.latency_ms as i64);
    let row = DeliveryRow::from(LoggedDelivery {
        delivery: d,
        event_type: event.kind,
        last_latency_ms: last_latency,
    });
    let attempts = attempts
        .into_iter()
        .enumerate()
        .map(|(i, a)| AttemptRow {
            number: i + 1,
            at: to_rfc3339(a.attempted_at),
            code: a.status_code.map(|c| c.to_string()).unwrap_or_default(),
            ok: a.status_code.is_some_and(|c| (200..300).contains(&c)),
            latency_ms: a.latency_ms,
            response: a.response.unwrap_or_default(),
            error: a.error.unwrap_or_default(),
        })
        .collect();
    html(DeliveryPage {
        title: "Delivery",
        shell: Shell::of(&signed, "webhooks"),
        subscription: SubscriptionRow::of(&s, None),
        delivery: row,
        attempts,
        request,
    })
}

/// `POST /console/webhooks/{id}/deliveries/{delivery}/retry`: attempts the delivery again
/// now, whatever its state.
pub async fn retry(
    State(state): State<ConsoleState>,
    Path((sub, id)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let (s, id) = owned_delivery(&state, key, &sub, &id).await?;
    let parts = WebhookParts::from(&state.app.gateway);
    subscriptions::retry_delivery(&parts, key.account_id, id).await?;
    Ok(Redirect::to(&format!("/console/webhooks/{}?retried={id}", s.id)).into_response())
}

/// `POST /console/webhooks/{id}/deliveries/{delivery}/replay`: new deliveries of the
/// subscription's events from this delivery's event on (it included).
pub async fn replay(
    State(state): State<ConsoleState>,
    Path((sub, id)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let (s, id) = owned_delivery(&state, key, &sub, &id).await?;
    let store = state.app.store().as_ref();
    let event = subscriptions::delivery_event(store, key.account_id, id).await?;
    let parts = WebhookParts::from(&state.app.gateway);
    let created = subscriptions::replay(
        &parts,
        key.account_id,
        s.id,
        &ReplayFrom::Time(event.created_at),
        REPLAY_LIMIT,
    )
    .await?;
    Ok(Redirect::to(&format!("/console/webhooks/{}?replayed={created}", s.id)).into_response())
}
