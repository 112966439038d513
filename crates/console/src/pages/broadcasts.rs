//! Broadcasts: the account's broadcasts with their status, counters and a bar of the finished
//! share (updated live from the `broadcast.*` events), and a broadcast's page with its
//! counters, pause / resume / cancel and its targets, paged. Creating one is in
//! [`super::broadcast_form`].

use std::collections::{HashMap, VecDeque};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_api::auth::{KeyPrincipal, Principal};
use switchboard_core::broadcast::{BroadcastRecord, BroadcastView};
use switchboard_core::id::{BroadcastId, BroadcastMarker, ChannelId};
use switchboard_core::key::Permission;
use switchboard_core::time::to_rfc3339;
use switchboard_service::broadcasts::manage;
use switchboard_service::{conversations, ServiceError};
use switchboard_store::broadcasts::{ControlAction, ControlOutcome, TargetRecord};
use switchboard_store::PageRequest;

use super::broadcast_form::{self, FormView};
use super::html;
use crate::broadcast_views::{Actions, Progress};
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::inbox_views::urlencoding;
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// Broadcasts listed on the page (the newest).
const LISTED: usize = 200;
/// Targets per page of a broadcast's table.
const TARGETS: u32 = 50;

/// A broadcast in the list.
#[derive(Debug, Clone)]
pub struct BroadcastRow {
    /// `bc_…`
    pub id: String,
    /// Its name (chosen by a person: escaped), or empty.
    pub name: String,
    /// Its channel's name (or id).
    pub channel: String,
    /// Created (RFC 3339).
    pub created: String,
    /// Status, bar and counters.
    pub progress: Progress,
}

/// The Broadcasts page.
#[derive(Template)]
#[template(path = "broadcasts.html")]
pub struct BroadcastsPage {
    /// Page title.
    pub title: &'static str,
    /// The frame.
    pub shell: Shell,
    /// The newest broadcasts first.
    pub rows: Vec<BroadcastRow>,
    /// The creation form (`None` for a read key).
    pub form: Option<FormView>,
    /// Why the last creation was refused.
    pub error: Option<String>,
    /// Where the live stream starts.
    pub after: Option<String>,
}

/// One target in a broadcast's table.
#[derive(Debug, Clone)]
pub struct TargetRow {
    /// Position in the audience.
    pub seq: i64,
    /// The recipient (as given when it is not a valid number: escaped).
    pub wa_id: String,
    /// Its status.
    pub status: String,
    /// The badge tone of its status.
    pub tone: &'static str,
    /// Its message, once queued.
    pub message: String,
    /// The conversation's thread in the Inbox, once a message exists.
    pub thread: Option<String>,
    /// The error's code, if any.
    pub error_code: String,
    /// The error's message, if any.
    pub error: String,
    /// Last change (RFC 3339).
    pub updated: String,
}

impl TargetRow {
    fn of(t: &TargetRecord, channel: &str, thread: bool) -> Self {
        let text = |name: &str| match t.error.as_ref().and_then(|e| e.get(name)) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        let status = t.status.as_str();
        TargetRow {
            seq: t.seq,
            wa_id: t.wa_id.clone(),
            status: status.to_string(),
            tone: match status {
                "delivered" | "seen" | "sent" => "ok",
                "failed" | "not_delivered" | "canceled" => "bad",
                _ => "wait",
            },
            message: t.message_id.map(|m| m.to_string()).unwrap_or_default(),
            thread: thread.then(|| format!("/console/inbox/{channel}/{}", urlencoding(&t.wa_id))),
            error_code: text("code"),
            error: text("message"),
            updated: to_rfc3339(t.updated_at),
        }
    }
}

/// A broadcast's page.
#[derive(Template)]
#[template(path = "broadcast.html")]
pub struct BroadcastPage {
    /// Page title.
    pub title: &'static str,
    /// The frame.
    pub shell: Shell,
    /// The broadcast as the API shows it.
    pub view: BroadcastView,
    /// Its name, or its id when it has none.
    pub heading: String,
    /// Its channel's name.
    pub channel: String,
    /// What it sends, in one line.
    pub message: String,
    /// Status, bar and counters.
    pub progress: Progress,
    /// Pause / resume / cancel.
    pub actions: Actions,
    /// A page of its targets.
    pub targets: Vec<TargetRow>,
    /// The next page of targets, if any.
    pub older: Option<String>,
    /// Whether this is a later page of targets.
    pub paged: bool,
    /// What the last action did.
    pub flash: Option<String>,
    /// Where the live stream starts.
    pub after: Option<String>,
}

/// `?created=`, `?paused=`… after a form's redirect, and the targets' cursor.
#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    /// The broadcast was just created.
    pub created: Option<String>,
    /// It was paused, resumed or canceled.
    pub done: Option<String>,
    /// Show the targets after this position.
    pub after: Option<String>,
}

/// The broadcast id in a path (404 when malformed).
pub fn parse_id(text: &str) -> ConsoleResult<BroadcastId> {
    switchboard_api::extract::path_id::<BroadcastMarker>(text, "broadcast").map_err(Into::into)
}

/// The session's key when it may create and control broadcasts (`send`, as the API), else 403.
pub fn sender(signed: &Signed) -> ConsoleResult<&KeyPrincipal> {
    let key = signed.key()?;
    Principal::Key(key.clone()).require_key(Permission::Send)?;
    Ok(key)
}

/// The names of the channels the key sees, by id.
pub async fn channel_names(
    state: &ConsoleState,
    key: &KeyPrincipal,
) -> ConsoleResult<HashMap<String, String>> {
    let channels = super::visible_channels(state, key).await?;
    Ok(channels
        .into_iter()
        .map(|c| (c.id.to_string(), c.name))
        .collect())
}

/// The newest [`LISTED`] broadcasts the key sees, newest first.
async fn newest(state: &ConsoleState, key: &KeyPrincipal) -> ConsoleResult<Vec<BroadcastRecord>> {
    let store = state.app.store().as_ref();
    let mut kept = VecDeque::with_capacity(LISTED);
    let mut after = None;
    loop {
        let page = manage::list(
            store,
            key.account_id,
            key.channel_id,
            &PageRequest {
                after,
                limit: Some(500),
            },
        )
        .await?;
        for b in page.items {
            if kept.len() == LISTED {
                kept.pop_front();
            }
            kept.push_back(b);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(kept.into_iter().rev().collect())
}

/// The list page, with the creation form holding `form` (a new one when `None`).
pub async fn list_page(
    state: &ConsoleState,
    signed: &Signed,
    form: Option<FormView>,
    error: Option<String>,
) -> ConsoleResult<BroadcastsPage> {
    let key = signed.key()?;
    let store = state.app.store().as_ref();
    // The cursor first: an event between it and the read is sent again, never lost.
    let tail = state.tail.read(store, key.account_id).await?;
    let names = channel_names(state, key).await?;
    let rows = newest(state, key)
        .await?
        .iter()
        .map(|b| {
            let view = BroadcastView::from(b);
            BroadcastRow {
                id: view.id.clone(),
                name: view.name.clone().unwrap_or_default(),
                channel: names
                    .get(&view.channel_id)
                    .cloned()
                    .unwrap_or_else(|| view.channel_id.clone()),
                created: view.created_at.clone(),
                progress: Progress::of(&view),
            }
        })
        .collect();
    let form = match (form, sender(signed).is_ok()) {
        (_, false) => None,
        (Some(form), true) => Some(form),
        (None, true) => Some(broadcast_form::blank(state, key).await?),
    };
    Ok(BroadcastsPage {
        title: "Broadcasts",
        shell: Shell::of(signed, "broadcasts"),
        rows,
        form,
        error,
        after: tail.cursor,
    })
}

/// `GET /console/broadcasts`.
pub async fn list(State(state): State<ConsoleState>, signed: Signed) -> ConsoleResult<Response> {
    html(list_page(&state, &signed, None, None).await?)
}

/// What a broadcast's message is, in one line.
fn message_line(message: &serde_json::Value) -> String {
    let kind = message["type"].as_str().unwrap_or("message");
    match kind {
        "text" => format!("text: {}", message["text"]["body"].as_str().unwrap_or("")),
        "template" => format!(
            "template {} ({})",
            message["template"]["name"].as_str().unwrap_or("?"),
            message["template"]["language"]["code"]
                .as_str()
                .unwrap_or("?")
        ),
        other => other.to_string(),
    }
}

/// The rows of `targets`, a target linked to its Inbox thread when it has a message and the
/// customer has a conversation there (one who wrote at least once).
async fn target_rows(
    store: &dyn switchboard_store::Store,
    key: &KeyPrincipal,
    channel: ChannelId,
    targets: &[TargetRecord],
) -> ConsoleResult<Vec<TargetRow>> {
    let mut rows = Vec::with_capacity(targets.len());
    for t in targets {
        let thread = match t.message_id {
            None => false,
            Some(_) => {
                match conversations::get(store, key.account_id, key.channel_id, channel, &t.wa_id)
                    .await
                {
                    Ok(_) => true,
                    Err(ServiceError::NotFound(_)) => false,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        rows.push(TargetRow::of(t, &channel.to_string(), thread));
    }
    Ok(rows)
}

/// `GET /console/broadcasts/{id}`: counters, the live bar, the actions and a page of targets.
pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let id = parse_id(&id)?;
    let store = state.app.store().as_ref();
    let after = flash.after.filter(|a| !a.is_empty());
    if after.as_deref().is_some_and(|a| a.parse::<i64>().is_err()) {
        return Err(ConsoleError::Page(
            axum::http::StatusCode::BAD_REQUEST,
            "after: use the “Next targets” link (a target position)".into(),
        ));
    }
    let tail = state.tail.read(store, key.account_id).await?;
    let b = manage::get(store, key.account_id, key.channel_id, id).await?;
    let page = manage::targets(
        store,
        key.account_id,
        b.id,
        None,
        &PageRequest {
            after: after.clone(),
            limit: Some(TARGETS),
        },
    )
    .await?;
    let view = BroadcastView::from(&b);
    let names = channel_names(&state, key).await?;
    let csrf = match sender(&signed) {
        Ok(_) => signed.session.csrf_token.clone(),
        Err(_) => String::new(),
    };
    let flash = match (flash.created, flash.done.as_deref()) {
        (Some(_), _) => Some("Broadcast created: its targets are being sent.".to_string()),
        (None, Some("pause")) => Some(
            "Paused: no new target is sent until you resume (messages already queued still go)."
                .to_string(),
        ),
        (None, Some("resume")) => Some("Resumed.".to_string()),
        (None, Some("cancel")) => Some(
            "Canceled: the targets not yet sent were canceled and their credits refunded."
                .to_string(),
        ),
        _ => None,
    };
    let channel = view.channel_id.clone();
    html(BroadcastPage {
        title: "Broadcast",
        shell: Shell::of(&signed, "broadcasts"),
        heading: view.name.clone().unwrap_or_else(|| view.id.clone()),
        channel: names.get(&channel).cloned().unwrap_or(channel.clone()),
        message: message_line(&view.message),
        progress: Progress::of(&view),
        actions: Actions::of(&view, &csrf),
        targets: target_rows(store, key, b.channel_id, &page.items).await?,
        older: page
            .next
            .map(|n| format!("/console/broadcasts/{}?after={}", view.id, urlencoding(&n))),
        paged: after.is_some(),
        view,
        flash,
        after: tail.cursor,
    })
}

/// `POST /console/broadcasts/{id}/{action}`: pause, resume or cancel (as the API: `send`;
/// 409 with what the status allows when it does not).
pub async fn control(
    State(state): State<ConsoleState>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = sender(&posted.signed)?;
    let action = match action.as_str() {
        "pause" => ControlAction::Pause,
        "resume" => ControlAction::Resume,
        "cancel" => ControlAction::Cancel,
        _ => return Err(ConsoleError::NotFound("no such broadcast action")),
    };
    let id = parse_id(&id)?;
    let store = state.app.store().as_ref();
    let b = manage::get(store, key.account_id, key.channel_id, id).await?;
    let outcome = manage::control(
        store,
        &state.app.gateway.broadcasts,
        key.account_id,
        b.id,
        action,
    )
    .await?;
    let (word, past, allowed) = match action {
        ControlAction::Pause => ("pause", "paused", "scheduled or running"),
        ControlAction::Resume => ("resume", "resumed", "paused"),
        ControlAction::Cancel => ("cancel", "canceled", "scheduled, running or paused"),
    };
    match outcome {
        ControlOutcome::Changed(b) => {
            Ok(Redirect::to(&format!("/console/broadcasts/{}?done={word}", b.id)).into_response())
        }
        ControlOutcome::WrongState(b) => Err(ConsoleError::Page(
            axum::http::StatusCode::CONFLICT,
            format!(
                "this broadcast is {}: only a {allowed} broadcast can be {past}",
                b.status.as_str()
            ),
        )),
        ControlOutcome::NotFound => Err(ConsoleError::NotFound("broadcast not found")),
    }
}
