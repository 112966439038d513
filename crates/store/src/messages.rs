//! Types of the message, outbox, status and event parts of the store.

use serde_json::Value;
use switchboard_core::id::{ChannelId, MessageId};
use switchboard_core::record::MessageRecord;
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::Millis;

/// A first answer remembered under an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyRecord {
    /// The client's key.
    pub key: String,
    /// Hash of the request body: the same key with another body is refused.
    pub request_hash: String,
    /// The answer to replay.
    pub response: Value,
}

/// A new outbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbound {
    /// The message, status `accepted` (into the outbox, `message.accepted` event) or
    /// `scheduled` (held until `not_before`, `message.scheduled` event).
    pub message: MessageRecord,
    /// The template's category (`MARKETING`, `UTILITY`, …) for statistics and cost; `None`
    /// for other kinds or when unknown.
    pub template_category: Option<String>,
    /// Set when the request carried an `Idempotency-Key`.
    pub idempotency: Option<IdempotencyRecord>,
    /// Keys older than this are forgotten (a reuse counts as new).
    pub idempotency_ttl_ms: Millis,
    /// Earliest dispatch time: `created_at` for now; the `send_at` time of a `scheduled`
    /// message.
    pub not_before: Millis,
}

/// What storing an outbound message did.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    /// Stored, with its `message.accepted` event, in the outbox.
    Inserted,
    /// The key was used before with the same body: here is the first answer; nothing stored.
    Replay(Value),
    /// The key was used before with a different body; nothing stored.
    KeyReused,
}

/// An outbox entry claimed for dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The message.
    pub message: MessageRecord,
}

/// The outcome of one dispatch attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchOutcome {
    /// The upstream accepted it: status `sent`, out of the outbox.
    Sent {
        /// The upstream id.
        upstream_id: String,
    },
    /// Try again at `not_before`; `attempted` counts the attempt (false for local deferrals
    /// such as a rate limit).
    Retry {
        /// Next attempt time.
        not_before: Millis,
        /// The error, kept on the message.
        error: Option<Value>,
        /// Whether an upstream attempt was made.
        attempted: bool,
    },
    /// Permanent failure: status `failed`, out of the outbox.
    Failed {
        /// The error, kept on the message.
        error: Value,
    },
}

/// What applying an upstream status did.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusOutcome {
    /// The message moved to the new status (an event was appended).
    Applied(Box<MessageRecord>),
    /// Recorded in the history without moving the status (late or duplicate).
    Recorded,
    /// No message has that upstream id yet: kept and applied when the send answer arrives.
    Pending,
}

/// Filters of the message list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageFilter {
    /// Only this channel.
    pub channel_id: Option<ChannelId>,
    /// Only this chat (customer WhatsApp id).
    pub chat: Option<String>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Only this status.
    pub status: Option<MessageStatus>,
    /// Created at or after.
    pub since: Option<Millis>,
    /// Created before.
    pub until: Option<Millis>,
    /// Only this message (our id).
    pub message_id: Option<MessageId>,
    /// Only the message with this upstream id.
    pub upstream_id: Option<String>,
}

/// Filters of the event list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Only this channel.
    pub channel_id: Option<ChannelId>,
    /// Only these types (exact names or `prefix.*` wildcards); empty means all.
    pub types: Vec<String>,
    /// Only this chat.
    pub chat: Option<String>,
}

/// A stored inbound message with the sender's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInbound {
    /// The message, status `received`, with the upstream id set.
    pub message: MessageRecord,
    /// The customer's profile name, if the upstream sent one.
    pub profile_name: Option<String>,
    /// The event type to append (`message.received` or `message.reaction`).
    pub event_type: &'static str,
    /// Upstream details kept in the event's `data.upstream` (`display_phone_number`), if any.
    pub upstream: Option<serde_json::Value>,
}

/// What a delivery attempt (or a decision not to attempt) came to.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Failed; try again at the given time.
    Retry {
        /// Next attempt time.
        next_attempt_at: Millis,
    },
    /// Failed and the retry schedule ran out.
    GiveUp,
    /// Not attempted (e.g. the endpoint's concurrency cap); try again at the given time.
    Deferred {
        /// Next attempt time.
        next_attempt_at: Millis,
    },
}

/// Where a replay starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayFrom {
    /// Events created at or after this time.
    Time(Millis),
    /// Events after this event id (`evt_…`).
    Event(String),
}
