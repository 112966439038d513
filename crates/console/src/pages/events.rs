//! Events: the account's event log, newest first, with new events arriving live.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::html;
use crate::error::ConsoleResult;
use crate::session::Signed;
use crate::views::{EventRow, Shell};
use crate::ConsoleState;

/// Events shown when the page opens.
const SHOWN: usize = 50;

/// The events page.
#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    title: &'static str,
    shell: Shell,
    events: Vec<EventRow>,
    after: Option<String>,
}

/// `GET /console/events`.
pub async fn list(State(state): State<ConsoleState>, signed: Signed) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let tail = state
        .tail
        .read(state.app.store().as_ref(), key.account_id)
        .await?;
    let events = tail
        .recent
        .iter()
        .rev()
        .filter(|e| key.channel_id.is_none() || e.channel_id == key.channel_id)
        .take(SHOWN)
        .map(EventRow::from)
        .collect();
    html(EventsPage {
        title: "Events",
        shell: Shell::of(&signed, "events"),
        events,
        after: tail.cursor,
    })
}
