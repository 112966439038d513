//! The Broadcasts pages' live fragments (`/console/live?scope=broadcasts`): on each
//! `broadcast.progress` and `broadcast.finished` event, whose data carries the broadcast,
//! `progress-<id>` with its status, bar and counters and `actions-<id>` with the pause /
//! resume / cancel forms its status now allows.

use askama::Template;
use axum::response::sse::Event as SseEvent;
use switchboard_core::broadcast::BroadcastView;
use switchboard_core::event::{Event, BROADCAST_FINISHED, BROADCAST_PROGRESS};

use crate::broadcast_views::{Actions, Progress};

/// The events the Broadcasts pages follow.
pub const EVENTS: &[&str] = &[BROADCAST_PROGRESS, BROADCAST_FINISHED];

/// The SSE messages of `e` (none for another event or a broadcast that does not parse);
/// `csrf` signs the action forms (empty: a read key, no forms).
pub fn render(e: &Event, csrf: &str) -> Vec<SseEvent> {
    if !EVENTS.contains(&e.kind.as_str()) {
        return Vec::new();
    }
    let Ok(b) = serde_json::from_value::<BroadcastView>(e.data["broadcast"].clone()) else {
        return Vec::new();
    };
    let one_line = |html: askama::Result<String>| html.unwrap_or_default().replace('\n', "");
    vec![
        SseEvent::default()
            .event(format!("progress-{}", b.id))
            .data(one_line(Progress::of(&b).render())),
        SseEvent::default()
            .event(format!("actions-{}", b.id))
            .data(one_line(Actions::of(&b, csrf).render())),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use switchboard_core::id::{AccountId, EventId};

    use super::*;

    #[test]
    fn a_progress_event_gives_the_bar_and_the_actions() {
        let e = Event {
            seq: 1,
            cursor: "1".into(),
            id: EventId::new(),
            kind: BROADCAST_FINISHED.into(),
            account_id: AccountId::new(),
            channel_id: None,
            chat: None,
            created_at: 0,
            data: json!({"broadcast": {"id": "bc_1", "channel_id": "ch_1", "name": "<b>x</b>",
                "status": "completed", "message": {}, "audience_type": "numbers",
                "audience_size": 2, "materialized": true,
                "counters": {"total": 2, "pending": 0, "queued": 0, "sent": 0, "delivered": 1,
                    "not_delivered": 0, "seen": 1, "failed": 0, "skipped": 0, "canceled": 0},
                "credits_per_target": 1, "credits_reserved": 2, "credits_refunded": 0,
                "template_category": null, "send_at": null, "error": null,
                "created_at": "", "updated_at": "", "finished_at": ""}}),
        };
        assert_eq!(render(&e, "tok").len(), 2);
        let other = Event {
            kind: "message.sent".into(),
            ..e
        };
        assert!(render(&other, "tok").is_empty());
    }
}
