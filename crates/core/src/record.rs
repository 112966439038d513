//! Stored messages: the history and, for outbound ones still pending, the outbox.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::id::{AccountId, ChannelId, MessageId};
use crate::status::{Direction, MessageStatus};
use crate::time::Millis;

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// `msg_…`
    pub id: MessageId,
    /// Owning account.
    pub account_id: AccountId,
    /// Channel it went through.
    pub channel_id: ChannelId,
    /// Outbound or inbound.
    pub direction: Direction,
    /// The customer's WhatsApp id (digits).
    pub chat: String,
    /// Message type (`text`, `image`, …).
    pub kind: String,
    /// Outbound: the Cloud API body sent upstream. Inbound: Meta's message object.
    pub body: Value,
    /// Current status.
    pub status: MessageStatus,
    /// The upstream id (`wamid.…`), once known.
    pub upstream_id: Option<String>,
    /// The quoted message (`context.message_id`), if any.
    pub context_id: Option<String>,
    /// The last error (upstream or dispatch), if any.
    pub error: Option<Value>,
    /// Upstream attempts so far (outbound).
    pub attempts: u32,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

/// One entry of a message's status history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEntry {
    /// The status reported.
    pub status: MessageStatus,
    /// When it happened (upstream time when known).
    pub at: Millis,
    /// Whether it moved the message's status (false for late or duplicate reports).
    pub applied: bool,
    /// The error reported with it, if any.
    pub error: Option<Value>,
}

/// A status reported by the upstream for one of our messages, by upstream id.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// The channel it arrived on.
    pub channel_id: ChannelId,
    /// The upstream message id.
    pub upstream_id: String,
    /// The status.
    pub status: MessageStatus,
    /// Upstream time.
    pub at: Millis,
    /// Errors reported with it (Meta's `errors[]`), if any.
    pub error: Option<Value>,
    /// Upstream details kept in the status event's `data.upstream` (`conversation`,
    /// `pricing`, `display_phone_number`), if any.
    pub upstream: Option<Value>,
}
