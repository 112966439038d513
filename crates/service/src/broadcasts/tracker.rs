//! The tracker: follows the event log from its own saved position (like the bot worker) and,
//! for every `message.sent/delivered/read/played/failed` of a message that belongs to a
//! broadcast target, moves the target monotonically and updates its broadcast's counters,
//! refunds, `broadcast.progress` (throttled) and `broadcast.finished` events in the same
//! transaction as the position. A re-read event changes nothing (targets never move back).

use std::time::{Duration, Instant};

use switchboard_core::event::{
    Event, MESSAGE_DELIVERED, MESSAGE_FAILED, MESSAGE_PLAYED, MESSAGE_READ, MESSAGE_SENT,
};
use switchboard_core::id::MessageId;
use switchboard_core::status::MessageStatus;
use switchboard_core::time::now_millis;
use switchboard_store::broadcasts::TrackedStatus;
use tokio_util::sync::CancellationToken;

use super::BroadcastParts;

/// How often the position is saved while the tracker only passes over events.
const SAVE_EVERY: Duration = Duration::from_secs(5);

/// The status an event reports for a broadcast target's message, if any.
pub fn tracked(event: &Event) -> Option<TrackedStatus> {
    let status = match event.kind.as_str() {
        MESSAGE_SENT => MessageStatus::Sent,
        MESSAGE_DELIVERED => MessageStatus::Delivered,
        MESSAGE_READ => MessageStatus::Read,
        MESSAGE_PLAYED => MessageStatus::Played,
        MESSAGE_FAILED => MessageStatus::Failed,
        _ => return None,
    };
    let message = &event.data["message"];
    if message["direction"].as_str() != Some("outbound") {
        return None;
    }
    let message_id = message["id"].as_str()?.parse::<MessageId>().ok()?;
    let error = match status {
        MessageStatus::Failed => Some(message["error"].clone()).filter(|e| !e.is_null()),
        _ => None,
    };
    Some(TrackedStatus {
        message_id,
        status,
        error,
    })
}

/// Starts the tracker; it stops when `cancel` fires.
pub fn spawn(gateway: BroadcastParts, cancel: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let store = gateway.store.clone();
        let settings = gateway.broadcasts.settings.clone();
        let mut position = loop {
            match store.broadcast_position().await {
                Ok(p) => break p,
                Err(e) => {
                    tracing::error!(error = %e, "reading the broadcast tracker position failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                        _ = cancel.cancelled() => return,
                    }
                }
            }
        };
        let mut saved_at = Instant::now();
        let idle = Duration::from_millis(settings.poll_ms.max(1));
        while !cancel.is_cancelled() {
            let mut busy = false;
            match store
                .list_all_events(position.as_deref(), settings.tracker_batch.max(1))
                .await
            {
                Ok(page) => {
                    if let Some(last) = page.items.last() {
                        let cursor = last.cursor.clone();
                        let statuses: Vec<TrackedStatus> =
                            page.items.iter().filter_map(tracked).collect();
                        if !statuses.is_empty() || saved_at.elapsed() >= SAVE_EVERY {
                            match store
                                .track_statuses(
                                    &statuses,
                                    &cursor,
                                    settings.progress_interval_ms,
                                    now_millis(),
                                )
                                .await
                            {
                                Ok(moved) => {
                                    saved_at = Instant::now();
                                    position = Some(cursor);
                                    if moved > 0 {
                                        gateway.broadcasts.wake();
                                    }
                                }
                                Err(e) => {
                                    tracing::error!(error = %e, "the broadcast tracker could not record statuses; retrying");
                                    tokio::select! {
                                        _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                                        _ = cancel.cancelled() => {},
                                    }
                                    continue;
                                }
                            }
                        } else {
                            position = Some(cursor);
                        }
                    }
                    busy = page.next.is_some();
                }
                Err(e) => {
                    tracing::error!(error = %e, "the broadcast tracker could not read the event log")
                }
            }
            if busy {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(idle) => {},
                _ = cancel.cancelled() => {},
            }
        }
    })
}
