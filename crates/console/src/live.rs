//! `GET /console/live`: the console's Server-Sent Events, authenticated by the session
//! cookie (never by a key in the URL), fed by the account's event log and rendered as the
//! HTML fragments the pages swap in with htmx's SSE extension:
//!
//! - `scope=channels`: on each `channel.status`, `status-<channel id>` with the new badge;
//! - `scope=channel&channel=<id>`: the same for that channel, plus `timeline` with the row
//!   and, for a WhatsApp Web channel's session change, `pairing` with its pairing panel;
//! - `scope=events`: `event` with the event's row;
//! - `scope=inbox` and `scope=thread`: the Inbox's fragments ([`crate::inbox_live`]);
//! - `scope=broadcasts`: the Broadcasts pages' fragments ([`crate::broadcasts_live`]).
//! - `scope=templates&channel=<id>`: on each `template.status`, `tpl-<template id>` with the
//!   template's status badge and reason.
//! - `scope=import&import=<id>`: `import` with the contact import's progress on each of its
//!   `contact.import.*` events ([`crate::pages::imports::fragment`]).
//!
//! Each event's SSE `id` is its log cursor, so a reconnecting browser resumes with
//! `Last-Event-ID` without gaps or repeats; `after=` gives the starting cursor (the page's
//! own, so nothing is lost between rendering it and connecting). The session is checked
//! again every few seconds: signing out or revoking the key closes the stream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::stream::{self, Stream};
use serde::Deserialize;
use switchboard_api::limits::StreamSlot;
use switchboard_core::event::{
    Event, CHANNEL_STATUS, CONTACT_IMPORT_FINISHED, CONTACT_IMPORT_PROGRESS,
};
use switchboard_core::id::{AccountId, ChannelMarker, ContactImportId, ContactImportMarker};
use switchboard_store::messages::EventFilter;
use switchboard_store::Store;

use crate::error::{ConsoleError, ConsoleResult};
use crate::session::{self, Signed};
use crate::views::{Badge, EventRow, TimelineRow};
use crate::ConsoleState;

/// How often the stream looks for new events.
const POLL: Duration = Duration::from_millis(250);
/// How often the session is checked again.
const RECHECK: Duration = Duration::from_secs(5);
/// Events read per round.
const BATCH: u32 = 200;

/// What a page follows.
#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    /// `channels`, `channel` or `events`.
    pub scope: String,
    /// For `scope=channel` and `scope=thread` (and optionally `scope=inbox`): the channel.
    pub channel: Option<String>,
    /// For `scope=thread`: the customer.
    pub chat: Option<String>,
    /// For `scope=import`: the contact import (`imp_…`).
    pub import: Option<String>,
    /// Start after this cursor (`Last-Event-ID` wins when the browser resends it).
    pub after: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Channels,
    Channel,
    Events,
    Inbox,
    Thread,
    Broadcasts,
    Templates,
    Import(ContactImportId),
}

struct Live {
    _slot: StreamSlot,
    state: ConsoleState,
    headers: HeaderMap,
    account: AccountId,
    scope: Scope,
    filter: EventFilter,
    cursor: Option<String>,
    pending: VecDeque<SseEvent>,
    checked: Instant,
    /// The CSRF token the pairing panel's (or a broadcast's) forms carry (empty: no forms).
    csrf: String,
    inbox: Option<crate::inbox_live::InboxLive>,
}

impl Live {
    /// The next SSE message; `None` ends the stream (session gone, or the store failed).
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(message) = self.pending.pop_front() {
                return Some(message);
            }
            if self.checked.elapsed() >= RECHECK {
                match session::current(&self.state, &self.headers).await {
                    Ok(Some(_)) => self.checked = Instant::now(),
                    _ => return None,
                }
            }
            let store: &dyn Store = self.state.app.store().as_ref();
            let read = switchboard_service::events::list(
                store,
                self.account,
                &self.filter,
                self.cursor.as_deref(),
                BATCH,
            )
            .await;
            match read {
                Ok(page) if !page.items.is_empty() => {
                    for e in &page.items {
                        self.cursor = Some(e.cursor.clone());
                        if self.scope == Scope::Channel && e.data.get("session").is_some() {
                            if let Some(panel) = self.pairing(e).await {
                                self.pending.push_back(panel);
                            }
                        }
                        let out = match &self.inbox {
                            Some(inbox) => with_cursor(
                                crate::inbox_live::render(&self.state, inbox, e).await,
                                e,
                            ),
                            None if self.scope == Scope::Broadcasts => {
                                with_cursor(crate::broadcasts_live::render(e, &self.csrf), e)
                            }
                            None => render(self.scope, e),
                        };
                        self.pending.extend(out);
                    }
                }
                Ok(_) => tokio::time::sleep(POLL).await,
                Err(e) => {
                    tracing::warn!(error = %e, "console stream stopped");
                    return None;
                }
            }
        }
    }
}

impl Live {
    /// The `pairing` fragment after a web session's change: the panel of the session as it
    /// is now (a later change has its own event). `None` when it cannot be read (the channel
    /// was deleted, the store failed: the stream goes on).
    async fn pairing(&self, e: &Event) -> Option<SseEvent> {
        let channel_id = e.channel_id?;
        let store: &dyn Store = self.state.app.store().as_ref();
        let channel = store.get_channel(self.account, channel_id).await.ok()??;
        let panel = crate::pages::web_pairing::panel(&self.state, &channel, self.csrf.clone())
            .await
            .ok()??;
        let html = askama::Template::render(&panel).ok()?.replace('\n', "");
        Some(SseEvent::default().event("pairing").data(html))
    }
}

/// The SSE messages of one event: the last carries its cursor as `id`.
fn render(scope: Scope, e: &Event) -> Vec<SseEvent> {
    let mut out = Vec::new();
    let html = |t: &dyn askama::DynTemplate| t.dyn_render().unwrap_or_default().replace('\n', "");
    match scope {
        Scope::Events => out.push(
            SseEvent::default()
                .event("event")
                .data(html(&EventRow::from(e))),
        ),
        Scope::Templates => out.extend(crate::pages::templates::live_status(e)),
        Scope::Channels | Scope::Channel if e.kind == CHANNEL_STATUS => {
            let row = TimelineRow::from(e);
            if scope == Scope::Channel {
                out.push(SseEvent::default().event("timeline").data(html(&row)));
            }
            if let Some(channel) = e.channel_id {
                let badge = Badge {
                    status: row.badge.status.clone(),
                };
                out.push(
                    SseEvent::default()
                        .event(format!("status-{channel}"))
                        .data(html(&badge)),
                );
            }
        }
        Scope::Import(id) => out.extend(
            crate::pages::imports::fragment(id, e)
                .map(|progress| SseEvent::default().event("import").data(progress)),
        ),
        _ => {}
    }
    with_cursor(out, e)
}

/// `out` with `e`'s cursor as the last message's id (an event that changes nothing on the
/// page still moves the browser's resume point).
fn with_cursor(mut out: Vec<SseEvent>, e: &Event) -> Vec<SseEvent> {
    match out.pop() {
        Some(last) => out.push(last.id(e.cursor.clone())),
        None => out.push(SseEvent::default().comment("skip").id(e.cursor.clone())),
    }
    out
}

/// `GET /console/live`.
pub async fn stream(
    State(state): State<ConsoleState>,
    signed: Signed,
    headers: HeaderMap,
    Query(q): Query<LiveQuery>,
) -> ConsoleResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let key = signed.key()?.clone();
    let (scope, mut channel_id) = match q.scope.as_str() {
        "channels" => (Scope::Channels, None),
        "events" => (Scope::Events, None),
        "broadcasts" => (Scope::Broadcasts, None),
        "channel" | "thread" | "templates" => {
            let text = q.channel.as_deref().unwrap_or_default();
            let id = switchboard_api::extract::path_id::<ChannelMarker>(text, "channel")?;
            key.require_channel(id)?;
            let scope = match q.scope.as_str() {
                "thread" => Scope::Thread,
                "templates" => Scope::Templates,
                _ => Scope::Channel,
            };
            (scope, Some(id))
        }
        "inbox" => match q.channel.as_deref().filter(|c| !c.is_empty()) {
            Some(text) => {
                let id = switchboard_api::extract::path_id::<ChannelMarker>(text, "channel")?;
                key.require_channel(id)?;
                (Scope::Inbox, Some(id))
            }
            None => (Scope::Inbox, None),
        },
        "import" => {
            key.require_account_wide()?;
            let text = q.import.as_deref().unwrap_or_default();
            let id = switchboard_api::extract::path_id::<ContactImportMarker>(text, "import")?;
            let store = state.app.store().as_ref();
            switchboard_service::contacts::manage::import_job(store, key.account_id, id).await?;
            (Scope::Import(id), None)
        }
        _ => return Err(ConsoleError::Page(
            axum::http::StatusCode::BAD_REQUEST,
            "scope: use channels, channel, events, inbox, thread, broadcasts, templates or import"
                .into(),
        )),
    };
    if channel_id.is_none() {
        channel_id = key.channel_id;
    }
    let types = match scope {
        Scope::Events => Vec::new(),
        Scope::Inbox => crate::inbox_live::NEW_MESSAGE
            .iter()
            .map(|t| t.to_string())
            .collect(),
        Scope::Thread => crate::inbox_live::NEW_MESSAGE
            .iter()
            .chain(crate::inbox_live::STATUS)
            .map(|t| t.to_string())
            .collect(),
        Scope::Broadcasts => crate::broadcasts_live::EVENTS
            .iter()
            .map(|t| t.to_string())
            .collect(),
        Scope::Templates => vec![switchboard_core::event::TEMPLATE_STATUS.to_string()],
        Scope::Import(_) => [CONTACT_IMPORT_PROGRESS, CONTACT_IMPORT_FINISHED]
            .iter()
            .map(|t| t.to_string())
            .collect(),
        _ => vec![CHANNEL_STATUS.to_string()],
    };
    let chat = match scope {
        Scope::Thread => Some(q.chat.clone().filter(|c| !c.is_empty()).ok_or_else(|| {
            ConsoleError::Page(
                axum::http::StatusCode::BAD_REQUEST,
                "chat: name the conversation's customer".into(),
            )
        })?),
        _ => None,
    };
    let filter = EventFilter {
        channel_id,
        types,
        chat,
    };
    let inbox = match scope {
        Scope::Inbox | Scope::Thread => Some(crate::inbox_live::InboxLive {
            key: key.clone(),
            csrf: signed.session.csrf_token.clone(),
            channel_names: crate::pages::inbox::channel_names(&state, &signed).await?,
            thread: scope == Scope::Thread,
        }),
        _ => None,
    };
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(q.after)
        .filter(|c| !c.is_empty());
    let store = state.app.store().clone();
    let cursor = match resume {
        Some(c) => Some(c),
        None => {
            state
                .tail
                .read(store.as_ref(), key.account_id)
                .await?
                .cursor
        }
    };
    // A bad cursor is a 400 now rather than a silently closed stream.
    switchboard_service::events::list(
        store.as_ref(),
        key.account_id,
        &filter,
        cursor.as_deref(),
        1,
    )
    .await?;
    // The forms a fragment carries: the pairing panel's need manage, a broadcast's send.
    let needed = match scope {
        Scope::Broadcasts => switchboard_core::key::Permission::Send,
        _ => switchboard_core::key::Permission::Manage,
    };
    let csrf = if key.permission.allows(needed) {
        signed.session.csrf_token.clone()
    } else {
        String::new()
    };
    let slot = state.app.streams.open(key.key_id)?;
    let live = Live {
        _slot: slot,
        state,
        headers,
        account: key.account_id,
        scope,
        filter,
        cursor,
        pending: VecDeque::new(),
        checked: Instant::now(),
        csrf,
        inbox,
    };
    let events = stream::unfold(live, |mut live| async move {
        let message = live.next().await?;
        Some((Ok(message), live))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
