//! Broadcasts (what WhatsApp sending APIs call a "queue"): one message × an audience of
//! targets, with per-target statuses and counters that always equal the counts over the
//! target rows.
//!
//! A target moves `pending → queued → sent → delivered → seen`, or ends `failed` (before the
//! upstream accepted it: refunded), `not_delivered` (the upstream accepted it, then reported a
//! failure: Meta's "not delivered", not refunded), `skipped` (e.g. opted out of marketing:
//! refunded) or `canceled` (the broadcast was canceled before it was queued: refunded).

pub mod render;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::id::{AccountId, BroadcastId, ChannelId};
use crate::status::MessageStatus;
use crate::time::{to_rfc3339, Millis};

/// A broadcast's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BroadcastStatus {
    /// Waiting for its `send_at` time (targets may already be materialized).
    Scheduled,
    /// Feeding its targets to the outbox.
    Running,
    /// Stopped feeding until resumed (queued messages still go).
    Paused,
    /// Every target reached an end state (or is past the upstream).
    Completed,
    /// Canceled: pending targets were canceled and refunded.
    Canceled,
    /// Could not run (e.g. its audience file is gone); the rest was refunded.
    Failed,
}

impl BroadcastStatus {
    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            BroadcastStatus::Scheduled => "scheduled",
            BroadcastStatus::Running => "running",
            BroadcastStatus::Paused => "paused",
            BroadcastStatus::Completed => "completed",
            BroadcastStatus::Canceled => "canceled",
            BroadcastStatus::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "scheduled" => BroadcastStatus::Scheduled,
            "running" => BroadcastStatus::Running,
            "paused" => BroadcastStatus::Paused,
            "completed" => BroadcastStatus::Completed,
            "canceled" => BroadcastStatus::Canceled,
            "failed" => BroadcastStatus::Failed,
            _ => return None,
        })
    }

    /// Whether the broadcast may still change by itself or by pause/resume/cancel.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            BroadcastStatus::Scheduled | BroadcastStatus::Running | BroadcastStatus::Paused
        )
    }
}

/// One target's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetStatus {
    /// Materialized, not in the outbox yet.
    Pending,
    /// Its message is in the outbox, not yet accepted by the upstream.
    Queued,
    /// The upstream accepted it.
    Sent,
    /// Delivered to the device.
    Delivered,
    /// Read by the customer.
    Seen,
    /// Failed after the upstream accepted it (Meta's "not delivered"); not refunded.
    NotDelivered,
    /// Failed before the upstream accepted it (invalid number, refusal); refunded.
    Failed,
    /// Not sent on purpose (opted out of marketing); refunded.
    Skipped,
    /// Canceled with its broadcast before it was queued; refunded.
    Canceled,
}

impl TargetStatus {
    /// Every status, in counter order.
    pub const ALL: [TargetStatus; 9] = [
        TargetStatus::Pending,
        TargetStatus::Queued,
        TargetStatus::Sent,
        TargetStatus::Delivered,
        TargetStatus::Seen,
        TargetStatus::NotDelivered,
        TargetStatus::Failed,
        TargetStatus::Skipped,
        TargetStatus::Canceled,
    ];

    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Pending => "pending",
            TargetStatus::Queued => "queued",
            TargetStatus::Sent => "sent",
            TargetStatus::Delivered => "delivered",
            TargetStatus::Seen => "seen",
            TargetStatus::NotDelivered => "not_delivered",
            TargetStatus::Failed => "failed",
            TargetStatus::Skipped => "skipped",
            TargetStatus::Canceled => "canceled",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        TargetStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether a target in this status had its credit refunded.
    pub fn is_refunded(self) -> bool {
        matches!(
            self,
            TargetStatus::Failed | TargetStatus::Skipped | TargetStatus::Canceled
        )
    }
}

/// Where a target goes when its message reaches `message` (monotonic: `None` when the status
/// does not move it, e.g. a late `delivered` after `seen`).
pub fn target_advance(current: TargetStatus, message: MessageStatus) -> Option<TargetStatus> {
    use TargetStatus as T;
    let next = match message {
        MessageStatus::Sent => T::Sent,
        MessageStatus::Delivered => T::Delivered,
        MessageStatus::Read | MessageStatus::Played => T::Seen,
        MessageStatus::Failed | MessageStatus::Canceled => match current {
            T::Queued => T::Failed,
            T::Sent | T::Delivered => T::NotDelivered,
            _ => return None,
        },
        _ => return None,
    };
    let rank = |t: T| match t {
        T::Queued => Some(1),
        T::Sent => Some(2),
        T::Delivered => Some(3),
        T::Seen => Some(4),
        T::NotDelivered | T::Failed => Some(5),
        _ => None,
    };
    match (rank(current), rank(next)) {
        (Some(a), Some(b)) if b > a => Some(next),
        _ => None,
    }
}

/// Counts of targets per status; `total` is the number of target rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counters {
    /// Target rows materialized so far.
    pub total: i64,
    /// Not in the outbox yet.
    pub pending: i64,
    /// In the outbox, not yet accepted by the upstream.
    pub queued: i64,
    /// Accepted by the upstream, not delivered yet.
    pub sent: i64,
    /// Delivered, not read yet.
    pub delivered: i64,
    /// Failed after the upstream accepted them.
    pub not_delivered: i64,
    /// Read.
    pub seen: i64,
    /// Failed before the upstream accepted them (refunded).
    pub failed: i64,
    /// Skipped, e.g. opted out of marketing (refunded).
    pub skipped: i64,
    /// Canceled before being queued (refunded).
    pub canceled: i64,
}

impl Counters {
    /// The counter of `status`.
    pub fn get_mut(&mut self, status: TargetStatus) -> &mut i64 {
        match status {
            TargetStatus::Pending => &mut self.pending,
            TargetStatus::Queued => &mut self.queued,
            TargetStatus::Sent => &mut self.sent,
            TargetStatus::Delivered => &mut self.delivered,
            TargetStatus::Seen => &mut self.seen,
            TargetStatus::NotDelivered => &mut self.not_delivered,
            TargetStatus::Failed => &mut self.failed,
            TargetStatus::Skipped => &mut self.skipped,
            TargetStatus::Canceled => &mut self.canceled,
        }
    }

    /// Records `n` targets moving from `from` to `to`.
    pub fn moved(&mut self, from: TargetStatus, to: TargetStatus, n: i64) {
        *self.get_mut(from) -= n;
        *self.get_mut(to) += n;
    }

    /// Whether no counter changed.
    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }

    /// The per-status counters in [`TargetStatus::ALL`] order.
    pub fn by_status(&self) -> [i64; 9] {
        [
            self.pending,
            self.queued,
            self.sent,
            self.delivered,
            self.seen,
            self.not_delivered,
            self.failed,
            self.skipped,
            self.canceled,
        ]
    }
}

/// A stored broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastRecord {
    /// `bc_…`
    pub id: BroadcastId,
    /// Owner.
    pub account_id: AccountId,
    /// The channel it is sent on.
    pub channel_id: ChannelId,
    /// A label.
    pub name: Option<String>,
    /// The Cloud API message object without `to`; strings may hold placeholders.
    pub message: Value,
    /// The audience as given (for a CSV: the spooled file's path and row count).
    pub audience: Value,
    /// Whether the message is a MARKETING template (opted-out contacts are skipped).
    pub marketing: bool,
    /// The template's category, if the message is a template and it is known.
    pub template_category: Option<String>,
    /// State.
    pub status: BroadcastStatus,
    /// When to start; `None` = at once.
    pub send_at: Option<Millis>,
    /// Audience size resolved at creation (credits were reserved for it).
    pub audience_size: i64,
    /// Credits per target.
    pub credits_per_target: i64,
    /// Credits reserved at creation.
    pub credits_reserved: i64,
    /// Credits given back (failed before sending, skipped, canceled, not materialized).
    pub credits_refunded: i64,
    /// Per-status counters.
    pub counters: Counters,
    /// Where materialization stopped (opaque to the store); `None` before the first batch.
    pub audience_cursor: Option<String>,
    /// Whether every target row exists.
    pub materialized: bool,
    /// Why it failed, if it did.
    pub error: Option<Value>,
    /// Created.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
    /// When the last target reached an end state (or the broadcast was canceled with none
    /// left in flight).
    pub finished_at: Option<Millis>,
}

/// The public form of a broadcast, as answered by the API and carried by broadcast events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BroadcastView {
    /// `bc_…`
    pub id: String,
    /// `ch_…`
    pub channel_id: String,
    /// The label given at creation.
    pub name: Option<String>,
    /// `scheduled`, `running`, `paused`, `completed`, `canceled` or `failed`.
    pub status: String,
    /// The message (placeholders not rendered).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub message: Value,
    /// `numbers`, `contact_ids`, `tags` or `csv`.
    pub audience_type: String,
    /// Audience size resolved at creation.
    pub audience_size: i64,
    /// Whether every target row exists yet.
    pub materialized: bool,
    /// Per-status counts of the targets.
    pub counters: Counters,
    /// Credits per target.
    pub credits_per_target: i64,
    /// Credits reserved at creation.
    pub credits_reserved: i64,
    /// Credits refunded so far.
    pub credits_refunded: i64,
    /// The template category, for template broadcasts.
    pub template_category: Option<String>,
    /// When it starts (RFC 3339), if scheduled.
    pub send_at: Option<String>,
    /// Why it failed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub error: Option<Value>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Finished (RFC 3339), once no target is pending or queued.
    pub finished_at: Option<String>,
}

/// The audience kind named in an audience spec (its only key), `unknown` otherwise.
pub fn audience_type(audience: &Value) -> String {
    audience
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_else(|| "unknown".to_string())
}

impl From<&BroadcastRecord> for BroadcastView {
    fn from(b: &BroadcastRecord) -> Self {
        BroadcastView {
            id: b.id.to_string(),
            channel_id: b.channel_id.to_string(),
            name: b.name.clone(),
            status: b.status.as_str().to_string(),
            message: b.message.clone(),
            audience_type: audience_type(&b.audience),
            audience_size: b.audience_size,
            materialized: b.materialized,
            counters: b.counters,
            credits_per_target: b.credits_per_target,
            credits_reserved: b.credits_reserved,
            credits_refunded: b.credits_refunded,
            template_category: b.template_category.clone(),
            send_at: b.send_at.map(to_rfc3339),
            error: b.error.clone(),
            created_at: to_rfc3339(b.created_at),
            updated_at: to_rfc3339(b.updated_at),
            finished_at: b.finished_at.map(to_rfc3339),
        }
    }
}

/// The public JSON of a broadcast (the data of `broadcast.*` events).
pub fn broadcast_json(b: &BroadcastRecord) -> Value {
    serde_json::json!({ "broadcast": serde_json::to_value(BroadcastView::from(b)).unwrap_or(Value::Null) })
}

/// A new `broadcast.progress` or `broadcast.finished` event about `b`, at `at`.
pub fn broadcast_event(kind: &str, b: &BroadcastRecord, at: Millis) -> crate::event::Event {
    crate::event::Event {
        seq: 0,
        cursor: String::new(),
        id: crate::id::EventId::new(),
        kind: kind.to_string(),
        account_id: b.account_id,
        channel_id: Some(b.channel_id),
        chat: None,
        created_at: at,
        data: broadcast_json(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_only_move_forward() {
        use TargetStatus as T;
        assert_eq!(
            target_advance(T::Queued, MessageStatus::Sent),
            Some(T::Sent)
        );
        assert_eq!(
            target_advance(T::Queued, MessageStatus::Read),
            Some(T::Seen)
        );
        assert_eq!(target_advance(T::Seen, MessageStatus::Delivered), None);
        assert_eq!(
            target_advance(T::Queued, MessageStatus::Failed),
            Some(T::Failed)
        );
        assert_eq!(
            target_advance(T::Delivered, MessageStatus::Failed),
            Some(T::NotDelivered)
        );
        assert_eq!(target_advance(T::Seen, MessageStatus::Failed), None);
        assert_eq!(target_advance(T::Pending, MessageStatus::Sent), None);
        assert_eq!(target_advance(T::Failed, MessageStatus::Sent), None);
        assert_eq!(target_advance(T::Queued, MessageStatus::Accepted), None);
    }

    #[test]
    fn names_round_trip() {
        for t in TargetStatus::ALL {
            assert_eq!(TargetStatus::parse(t.as_str()), Some(t));
        }
        for s in [
            "scheduled",
            "running",
            "paused",
            "completed",
            "canceled",
            "failed",
        ] {
            assert_eq!(BroadcastStatus::parse(s).map(|b| b.as_str()), Some(s));
        }
    }

    #[test]
    fn counters_move() {
        let mut c = Counters::default();
        c.moved(TargetStatus::Pending, TargetStatus::Queued, 3);
        assert_eq!((c.pending, c.queued), (-3, 3));
        assert_eq!(c.by_status().iter().sum::<i64>(), 0);
    }
}
