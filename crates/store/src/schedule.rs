//! Scheduled sends ([`ScheduleStore`]) and their types.

use async_trait::async_trait;
use switchboard_core::id::{AccountId, MessageId};
use switchboard_core::record::MessageRecord;
use switchboard_core::time::Millis;

use crate::StoreResult;

/// What one promotion pass over due scheduled messages did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Promotion {
    /// Messages moved to the outbox's tail (status `accepted`, `message.accepted` event).
    pub promoted: Vec<MessageRecord>,
    /// Free-form messages failed with Meta's 131047 because the customer's 24-hour window
    /// was closed when they became due (status `failed`, `message.failed` event).
    pub failed: Vec<MessageRecord>,
    /// The earliest `send_at` still waiting after this pass, if any.
    pub next_due: Option<Millis>,
}

/// What canceling a scheduled message did.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    /// Canceled now (status `canceled`, `message.canceled` event).
    Canceled(Box<MessageRecord>),
    /// The message exists but is no longer (or never was) waiting for its time: due,
    /// dispatched, sent, failed or canceled already. Nothing changed.
    NotScheduled(Box<MessageRecord>),
    /// No such message in this account.
    NotFound,
}

/// Whether a message of `kind` needs the customer's 24-hour window (all but templates).
pub(crate) fn needs_window(kind: &str) -> bool {
    kind != "template"
}

/// The error kept on a scheduled free-form message that became due outside the window.
pub(crate) fn window_closed_error(chat: &str, last_inbound: Option<Millis>) -> serde_json::Value {
    serde_json::json!({
        "code": 131047,
        "message": "Re-engagement message",
        "details": format!(
            "the message was due but more than 24 hours had passed since {chat} last wrote ({}): only template messages can be sent until the customer writes again",
            last_inbound.map(switchboard_core::time::to_rfc3339).unwrap_or_else(|| "never".into())
        ),
        "class": "permanent",
        "attempted": false,
    })
}

/// Scheduled sends: messages with status `scheduled` wait outside the outbox until due.
#[async_trait]
pub trait ScheduleStore {
    /// Moves up to `limit` scheduled messages due at `now` (earliest first) to the outbox's
    /// tail with status `accepted`, each with its event in the same transaction. A free-form
    /// message whose customer's 24-hour window is closed at `now` is failed with Meta's
    /// 131047 instead. Also reports the next `send_at` still waiting.
    async fn promote_scheduled(&self, now: Millis, limit: u32) -> StoreResult<Promotion>;

    /// Cancels a scheduled message of the account that is not due yet: status `canceled`
    /// and a `message.canceled` event in one transaction.
    async fn cancel_scheduled(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<CancelOutcome>;

    /// The earliest `send_at` of any scheduled message, if any.
    async fn next_scheduled(&self) -> StoreResult<Option<Millis>>;
}
