//! The feeder: for every open broadcast, materializes its audience in batches (one
//! transaction per batch, behind a cursor, so a restart resumes where it stopped and a million
//! targets never sit in memory), starts it when its `send_at` comes, and keeps at most
//! `window` of its messages in the outbox not yet answered by the upstream. One-to-one
//! messages stored meanwhile join the outbox behind at most that window, so replies keep
//! their priority over a running broadcast.
//!
//! Each refill renders the next pending targets' messages (placeholders from their fields),
//! validates them like a send, and stores them with the targets' new statuses in one
//! transaction guarded on `pending`: a crash or a second node never enqueues a target twice.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_core::broadcast::render::{render, TargetFields};
use switchboard_core::broadcast::{BroadcastRecord, BroadcastStatus};
use switchboard_core::channel::ChannelKind;
use switchboard_core::id::MessageId;
use switchboard_core::message::parse_message_to;
use switchboard_core::record::MessageRecord;
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::{now_millis, Millis};
use switchboard_store::broadcasts::{FeedAction, FeedItem, MaterializeBatch, PendingTarget};
use switchboard_store::messages::NewOutbound;
use switchboard_store::StoreError;
use tokio_util::sync::CancellationToken;

use super::audience::{next_batch, Audience};
use super::BroadcastParts;
use crate::bot::optout::OPTED_OUT_OF_MARKETING;
use crate::send::kind_rules;

/// Starts the feeder; it stops when `cancel` fires.
pub fn spawn(gateway: BroadcastParts, cancel: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let idle = Duration::from_millis(gateway.broadcasts.settings.poll_ms.max(1));
        while !cancel.is_cancelled() {
            let busy = match round(&gateway).await {
                Ok(busy) => busy,
                Err(e) => {
                    tracing::error!(error = %e, "the broadcast feeder failed a round; retrying");
                    false
                }
            };
            if busy {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                _ = gateway.broadcasts.woken() => {},
                _ = tokio::time::sleep(idle) => {},
                _ = cancel.cancelled() => {},
            }
        }
    })
}

/// One pass over the open broadcasts; true when there was work (so another pass follows at
/// once).
pub async fn round(gateway: &BroadcastParts) -> Result<bool, StoreError> {
    let mut busy = false;
    for b in gateway.store.open_broadcasts().await? {
        if !b.materialized {
            let kind = channel_kind(gateway, &b).await?;
            busy |= materialize(gateway, &b, kind).await?;
        }
        let now = now_millis();
        let due = b.send_at.is_none_or(|at| at <= now);
        match b.status {
            BroadcastStatus::Scheduled if due => {
                gateway.store.start_broadcast(b.id, now).await?;
                busy = true;
            }
            BroadcastStatus::Running if due => {
                let kind = channel_kind(gateway, &b).await?;
                busy |= refill(gateway, &b, kind).await?;
            }
            _ => {}
        }
    }
    Ok(busy)
}

/// The kind of `b`'s channel, which decides the address form, the window and the limits
/// (read only for a broadcast with work this round); a channel deleted since keeps
/// WhatsApp's rules (its messages then fail at dispatch).
async fn channel_kind(
    gateway: &BroadcastParts,
    b: &BroadcastRecord,
) -> Result<ChannelKind, StoreError> {
    Ok(gateway
        .store
        .find_channel(b.channel_id)
        .await?
        .map_or(ChannelKind::Cloud, |c| c.kind))
}

/// Materializes the next batch of `b`'s audience; true if it did.
async fn materialize(
    gateway: &BroadcastParts,
    b: &BroadcastRecord,
    kind: ChannelKind,
) -> Result<bool, StoreError> {
    let settings = &gateway.broadcasts.settings;
    let batch = next_batch(
        gateway.store.as_ref(),
        &settings.spool_dir,
        b,
        kind.capabilities().address,
        settings.materialize_batch.max(1),
    )
    .await;
    let (targets, cursor, done) = match batch {
        Ok(batch) => batch,
        Err(error) => {
            tracing::warn!(broadcast_id = %b.id, error = %error, "a broadcast's audience could not be read; it is failed and refunded");
            gateway
                .store
                .fail_broadcast(
                    b.id,
                    &json!({"code": "audience_unreadable", "message": error}),
                    now_millis(),
                )
                .await?;
            return Ok(true);
        }
    };
    let stored = gateway
        .store
        .materialize_targets(
            &MaterializeBatch {
                id: b.id,
                from_cursor: b.audience_cursor.as_deref(),
                to_cursor: &cursor,
                targets: &targets,
                done,
            },
            now_millis(),
        )
        .await?;
    if stored && done {
        if let Ok(Audience::Csv { file, .. }) = Audience::from_stored(&b.audience) {
            let path = settings.spool_dir.join(file);
            if let Err(e) = tokio::fs::remove_file(&path).await {
                tracing::warn!(path = %path.display(), error = %e, "a materialized CSV audience could not be removed");
            }
        }
    }
    Ok(stored)
}

/// Tops the broadcast's messages in the outbox up to the window; true if it stored any.
async fn refill(
    gateway: &BroadcastParts,
    b: &BroadcastRecord,
    kind: ChannelKind,
) -> Result<bool, StoreError> {
    let window = i64::from(gateway.broadcasts.settings.window.max(1));
    let room = window - b.counters.queued;
    if room <= 0 || b.counters.pending == 0 {
        return Ok(false);
    }
    let targets = gateway
        .store
        .pending_targets(b.id, room.min(window) as u32)
        .await?;
    if targets.is_empty() {
        return Ok(false);
    }
    let now = now_millis();
    let items: Vec<FeedItem> = targets.iter().map(|t| decide(b, kind, t, now)).collect();
    let outcome = gateway.store.feed_targets(b.id, &items, now).await?;
    if outcome.queued > 0 {
        gateway.outbox.wake();
    }
    Ok(outcome.queued + outcome.ended > 0)
}

/// Why a free-form message to a target outside the window of a channel of `kind` fails, in
/// the upstream's terms (WhatsApp's 131047; Messenger's and Instagram's 10 with its subcode).
fn window_closed(kind: ChannelKind) -> Value {
    match kind {
        ChannelKind::Messenger | ChannelKind::Instagram => json!({
            "code": 10,
            "error_subcode": if kind == ChannelKind::Messenger { 2018278 } else { 2534022 },
            "reason": "window_closed",
            "message": "the 24-hour window is closed: the user has not written in the last 24 hours (7 days for a message tagged HUMAN_AGENT)",
        }),
        _ => json!({
            "code": 131047,
            "reason": "window_closed",
            "message": "the 24-hour customer-service window is closed: free-form messages need the customer to have written in the last 24 hours; broadcast a template instead",
        }),
    }
}

/// What to do with one pending target of a broadcast on a channel of `kind`: its rendered
/// message, or why it fails or is skipped.
pub fn decide(b: &BroadcastRecord, kind: ChannelKind, t: &PendingTarget, now: Millis) -> FeedItem {
    let fields = TargetFields::from_json(&t.fields);
    let mut request = render(&b.message, &t.wa_id, &fields);
    request["to"] = Value::String(t.wa_id.clone());
    let capabilities = kind.capabilities();
    let parsed = parse_message_to(&request, capabilities.address)
        .and_then(|m| kind_rules(kind, &m).map(|human_agent| (m, human_agent)));
    let action = match parsed {
        Err(e) => FeedAction::Fail(json!({
            "code": e.code, "message": e.message, "details": e.details, "path": e.path,
        })),
        Ok(_) if b.marketing && t.opted_out => FeedAction::Skip(json!({
            "code": OPTED_OUT_OF_MARKETING,
            "reason": "opted_out",
            "message": "the contact opted out of marketing messages",
        })),
        Ok((m, human_agent))
            if m.is_free_form()
                && !capabilities.window_open_for(t.last_inbound, now, human_agent) =>
        {
            FeedAction::Fail(window_closed(kind))
        }
        Ok((m, _)) => FeedAction::Queue(Box::new(NewOutbound {
            message: MessageRecord {
                id: MessageId::new(),
                account_id: b.account_id,
                channel_id: b.channel_id,
                direction: Direction::Outbound,
                chat: m.address.to_string(),
                kind: m.kind.clone(),
                body: m.body.clone(),
                status: MessageStatus::Accepted,
                upstream_id: None,
                context_id: m.context_message_id.clone(),
                error: None,
                attempts: 0,
                created_at: now,
                updated_at: now,
            },
            template_category: b.template_category.clone(),
            idempotency: None,
            idempotency_ttl_ms: 0,
            not_before: now,
        })),
    };
    FeedItem { seq: t.seq, action }
}
