//! The event log: `GET /v1/events` (filters, cursor paging), and the same stream live over
//! SSE (`/v1/events/stream`) and WebSocket (`/v1/events/ws`), resumable from a cursor
//! (`Last-Event-ID` or `?after=`) without gaps or repeats.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, ChannelMarker};
use switchboard_core::recipient::parse_recipient;
use switchboard_service::webhooks::payload;
use switchboard_store::messages::EventFilter;
use switchboard_store::Store;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::subscriptions::check_filter;
use crate::access::{Auth, CanRead};
use crate::auth::KeyPrincipal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiQuery};
use crate::limits::StreamSlot;
use crate::list::List;
use crate::state::AppState;

/// How often a live stream looks for new events.
const POLL: Duration = Duration::from_millis(200);
/// Events read per round.
const BATCH: u32 = 200;

/// The event routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(stream_events))
        .routes(routes!(websocket_events))
}

/// Filters shared by the list and the streams.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Comma-separated types or wildcards (`message.delivered,message.read`, `message.*`).
    pub types: Option<String>,
    /// Only this channel (`ch_…`).
    pub channel_id: Option<String>,
    /// Only this chat (phone number or chat id).
    pub chat: Option<String>,
    /// Resume after this cursor (an event's `cursor`; for SSE also `Last-Event-ID`).
    pub after: Option<String>,
    /// Page size for the list, 1–500 (default 50).
    pub limit: Option<u32>,
}

/// One event in the API: Switchboard's envelope plus its cursor.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// `evt_…` (also the `webhook-id` of its deliveries).
    pub id: String,
    /// Dotted type.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (RFC 3339).
    pub created_at: String,
    /// `acc_…`
    pub account_id: String,
    /// `ch_…`, if any.
    pub channel_id: Option<String>,
    /// The customer's WhatsApp id, if any.
    pub chat: Option<String>,
    /// Type-specific data (`message` for message events).
    #[schema(value_type = Object)]
    pub data: Value,
    /// Resume position: pass as `after` (or `Last-Event-ID`).
    pub cursor: String,
}

/// A page of events.
pub type EventList = List<EventView>;

fn envelope(e: &Event) -> Value {
    let mut v = payload::switchboard(e);
    v["cursor"] = Value::String(e.cursor.clone());
    v
}

fn view(e: &Event) -> EventView {
    EventView {
        id: e.id.to_string(),
        kind: e.kind.clone(),
        created_at: switchboard_core::time::to_rfc3339(e.created_at),
        account_id: e.account_id.to_string(),
        channel_id: e.channel_id.map(|c| c.to_string()),
        chat: e.chat.clone(),
        data: e.data.clone(),
        cursor: e.cursor.clone(),
    }
}

fn filter(key: &KeyPrincipal, q: &EventQuery) -> ApiResult<EventFilter> {
    let types = match q.types.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => check_filter(
            &list
                .split(',')
                .map(|t| t.trim().to_string())
                .collect::<Vec<_>>(),
        )?,
    };
    let mut channel_id = q
        .channel_id
        .as_deref()
        .map(|c| path_id::<ChannelMarker>(c, "channel"))
        .transpose()
        .map_err(|_| ApiError::invalid("channel_id: not a channel id (ch_…)"))?;
    if let Some(scope) = key.channel_id {
        if channel_id.is_some_and(|c| c != scope) {
            return Err(ApiError::NotFound("channel not found".into()));
        }
        channel_id = Some(scope);
    }
    let chat = q
        .chat
        .as_deref()
        .map(|c| parse_recipient(c).map(|w| w.to_string()))
        .transpose()
        .map_err(|e| ApiError::invalid(format!("chat: {e}")))?;
    Ok(EventFilter {
        channel_id,
        types,
        chat,
    })
}

async fn read(
    store: &dyn Store,
    account: AccountId,
    f: &EventFilter,
    after: Option<&str>,
    limit: u32,
) -> ApiResult<switchboard_store::Page<Event>> {
    Ok(switchboard_service::events::list(store, account, f, after, limit).await?)
}

/// Lists the account's events in log order.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventQuery), security(("bearer" = [])),
    responses((status = 200, body = List<EventView>), (status = 400, body = crate::error::ErrorBody)))]
async fn list_events(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<EventList>> {
    let f = filter(&key, &q)?;
    let page = read(
        state.store().as_ref(),
        key.account_id,
        &f,
        q.after.as_deref(),
        q.limit.unwrap_or(50).clamp(1, 500),
    )
    .await?;
    Ok(Json(EventList {
        data: page.items.iter().map(view).collect(),
        next: page
            .next
            .or_else(|| page.items.last().map(|e| e.cursor.clone()))
            .or(q.after),
    }))
}

struct Tail {
    /// The key's stream slot, held while the stream is open.
    _slot: StreamSlot,
    store: std::sync::Arc<dyn Store>,
    account: AccountId,
    filter: EventFilter,
    cursor: Option<String>,
    buffer: std::collections::VecDeque<Event>,
}

impl Tail {
    /// The next event, waiting for one; `None` when the store fails.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(e) = self.buffer.pop_front() {
                self.cursor = Some(e.cursor.clone());
                return Some(e);
            }
            let after = self.cursor.as_deref();
            let read = switchboard_service::events::list(
                self.store.as_ref(),
                self.account,
                &self.filter,
                after,
                BATCH,
            );
            match read.await {
                Ok(page) if !page.items.is_empty() => self.buffer.extend(page.items),
                Ok(_) => tokio::time::sleep(POLL).await,
                Err(e) => {
                    tracing::warn!(error = %e, "event stream stopped");
                    return None;
                }
            }
        }
    }
}

fn resume_from(headers: &HeaderMap, q: &EventQuery) -> Option<String> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| q.after.clone())
}

async fn tail(
    state: &AppState,
    key: &KeyPrincipal,
    q: &EventQuery,
    headers: &HeaderMap,
) -> ApiResult<Tail> {
    let f = filter(key, q)?;
    let slot = state.streams.open(key.key_id)?;
    let cursor = resume_from(headers, q);
    // Validate the cursor now, so a bad one is a 400 rather than a silently closed stream.
    read(
        state.store().as_ref(),
        key.account_id,
        &f,
        cursor.as_deref(),
        1,
    )
    .await?;
    Ok(Tail {
        _slot: slot,
        store: state.store().clone(),
        account: key.account_id,
        filter: f,
        cursor,
        buffer: Default::default(),
    })
}

/// The event stream over Server-Sent Events: each event's SSE `id` is its cursor, so a
/// reconnecting client resumes with `Last-Event-ID` and sees no gap and no repeat.
#[utoipa::path(get, path = "/v1/events/stream", tag = "events", params(EventQuery), security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of events (data: the JSON envelope)")))]
async fn stream_events(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, std::convert::Infallible>>>> {
    let tail = tail(&state, &key, &q, &headers).await?;
    let events = stream::unfold(tail, |mut tail| async move {
        let e = tail.next().await?;
        let sse = SseEvent::default()
            .id(e.cursor.clone())
            .event(e.kind.clone())
            .data(envelope(&e).to_string());
        Some((Ok(sse), tail))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The event stream over WebSocket: one JSON text message per event (the envelope with its
/// `cursor`); reconnect with `?after=<cursor>` to resume.
#[utoipa::path(get, path = "/v1/events/ws", tag = "events", params(EventQuery), security(("bearer" = [])),
    responses((status = 101, description = "WebSocket upgrade"),
        (status = 400, description = "Not a WebSocket handshake (`websocket_upgrade_required`), or invalid query parameters", body = crate::error::ErrorBody),
        (status = 426, description = "The connection cannot be upgraded (`websocket_upgrade_required`)", body = crate::error::ErrorBody)))]
async fn websocket_events(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(|rejection| ApiError::Refused {
        status: rejection.status(),
        code: "websocket_upgrade_required",
        message: format!(
            "open this stream with a WebSocket client (`Connection: Upgrade`, `Upgrade: websocket`): {}",
            rejection.body_text()
        ),
    })?;
    let tail = tail(&state, &key, &q, &headers).await?;
    Ok(upgrade
        .on_upgrade(move |socket| pump(socket, tail))
        .into_response())
}

async fn pump(mut socket: WebSocket, mut tail: Tail) {
    loop {
        tokio::select! {
            next = tail.next() => {
                let Some(e) = next else { break };
                if socket.send(Message::Text(envelope(&e).to_string().into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    _ => {}
                }
            }
        }
    }
}
