//! The Inbox's live fragments, rendered from the account's event log for `/console/live`:
//!
//! - `scope=inbox` (optionally `&channel=`): on each new message (`message.received`,
//!   `message.reaction`, `message.accepted`), `conversation` with the conversation's row as it
//!   now is (read from the conversations service), swapped in at the top of the list;
//! - `scope=thread&channel=…&chat=…`: `message` with the new message's bubble, and
//!   `st-<message id>` with the message's tick on each status event.

use std::collections::HashMap;

use askama::Template;
use axum::response::sse::Event as SseEvent;
use switchboard_api::auth::KeyPrincipal;
use switchboard_core::event::{
    Event, MESSAGE_ACCEPTED, MESSAGE_CANCELED, MESSAGE_DELIVERED, MESSAGE_FAILED, MESSAGE_PLAYED,
    MESSAGE_REACTION, MESSAGE_READ, MESSAGE_RECEIVED, MESSAGE_SENT,
};
use switchboard_core::id::MessageId;
use switchboard_core::key::Permission;
use switchboard_core::time::now_millis;
use switchboard_service::conversations;

use crate::inbox_views::{bubble, summary, ConversationRow, Tick};
use crate::ConsoleState;

/// The events that add a message to a conversation.
pub const NEW_MESSAGE: &[&str] = &[MESSAGE_RECEIVED, MESSAGE_REACTION, MESSAGE_ACCEPTED];
/// The events that move a message's status.
pub const STATUS: &[&str] = &[
    MESSAGE_SENT,
    MESSAGE_DELIVERED,
    MESSAGE_READ,
    MESSAGE_PLAYED,
    MESSAGE_FAILED,
    MESSAGE_CANCELED,
];

/// What an Inbox stream renders with.
pub struct InboxLive {
    /// The session's key.
    pub key: KeyPrincipal,
    /// The session's CSRF token (for Retry forms in ticks).
    pub csrf: String,
    /// The account's channels' names by id.
    pub channel_names: HashMap<String, String>,
    /// True for a thread, false for the conversation list.
    pub thread: bool,
}

fn one_line(t: &dyn askama::DynTemplate) -> String {
    t.dyn_render().unwrap_or_default().replace('\n', "")
}

/// The SSE messages `e` gives an Inbox page.
pub async fn render(state: &ConsoleState, live: &InboxLive, e: &Event) -> Vec<SseEvent> {
    let store = state.app.store().as_ref();
    let (Some(channel), Some(chat)) = (e.channel_id, e.chat.as_deref()) else {
        return Vec::new();
    };
    let key = &live.key;
    if !live.thread {
        if !NEW_MESSAGE.contains(&e.kind.as_str()) {
            return Vec::new();
        }
        let Ok(s) = conversations::get(store, key.account_id, key.channel_id, channel, chat).await
        else {
            return Vec::new();
        };
        let id = channel.to_string();
        let name = live.channel_names.get(&id).cloned().unwrap_or(id);
        let row = ConversationRow::of(&s, &name, now_millis());
        return vec![SseEvent::default()
            .event("conversation")
            .data(one_line(&row))];
    }
    let Some(id) = e.data["message"]["id"]
        .as_str()
        .and_then(|t| t.parse::<MessageId>().ok())
    else {
        return Vec::new();
    };
    let Ok(Some((m, _))) = store.get_message(key.account_id, id).await else {
        return Vec::new();
    };
    let can_send = key.permission.allows(Permission::Send);
    if NEW_MESSAGE.contains(&e.kind.as_str()) {
        let quoted = match m.context_id.as_deref() {
            Some(r) => match r.parse::<MessageId>() {
                Ok(qid) => store
                    .get_message(key.account_id, qid)
                    .await
                    .ok()
                    .flatten()
                    .map(|q| q.0),
                Err(_) => store.find_by_upstream(channel, r).await.ok().flatten(),
            },
            None => None,
        };
        let b = bubble(&m, &live.csrf, can_send, |_| quoted.as_ref().map(summary));
        return vec![SseEvent::default().event("message").data(one_line(&b))];
    }
    if STATUS.contains(&e.kind.as_str()) {
        let tick = Tick::of(&m, &live.csrf, can_send);
        return vec![SseEvent::default()
            .event(format!("st-{}", m.id))
            .data(tick.render().unwrap_or_default().replace('\n', ""))];
    }
    Vec::new()
}
