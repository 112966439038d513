//! Message directions and statuses, and the rule that statuses never move backwards.

use serde::{Deserialize, Serialize};

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the business to a customer.
    Outbound,
    /// From a customer to the business.
    Inbound,
}

impl Direction {
    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "outbound" => Some(Direction::Outbound),
            "inbound" => Some(Direction::Inbound),
            _ => None,
        }
    }
}

/// A message's status. Outbound: `accepted → sent → delivered → read` (`played` for voice)
/// or `failed`; a scheduled send starts as `scheduled` and becomes `accepted` when due, or
/// `canceled` if canceled before. Inbound: `received` (then `read` once the business marked
/// it read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Stored durably; waiting for or being dispatched.
    Accepted,
    /// The upstream accepted it.
    Sent,
    /// Delivered to the customer's device.
    Delivered,
    /// Read by the customer (or, inbound, by the business).
    Read,
    /// A voice message was played.
    Played,
    /// Will not be delivered; see the error.
    Failed,
    /// An inbound message was received.
    Received,
    /// Stored durably, waiting for its `send_at` time (not in the outbox yet).
    Scheduled,
    /// A scheduled message canceled before it was due; final.
    Canceled,
}

impl MessageStatus {
    /// The lowercase name used in JSON, events and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Accepted => "accepted",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Played => "played",
            MessageStatus::Failed => "failed",
            MessageStatus::Received => "received",
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Canceled => "canceled",
        }
    }

    /// Parses the stored or upstream name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "accepted" => MessageStatus::Accepted,
            "sent" => MessageStatus::Sent,
            "delivered" => MessageStatus::Delivered,
            "read" => MessageStatus::Read,
            "played" => MessageStatus::Played,
            "failed" => MessageStatus::Failed,
            "received" => MessageStatus::Received,
            "scheduled" => MessageStatus::Scheduled,
            "canceled" => MessageStatus::Canceled,
            _ => return None,
        })
    }

    /// Progress rank: a status only replaces one of lower rank. `failed` is final for any
    /// message not yet delivered; a late `failed` after `delivered` is recorded only.
    pub fn rank(self) -> u8 {
        match self {
            MessageStatus::Scheduled => 0,
            MessageStatus::Accepted | MessageStatus::Received => 0,
            MessageStatus::Sent => 1,
            MessageStatus::Failed | MessageStatus::Canceled => 2,
            MessageStatus::Delivered => 3,
            MessageStatus::Read => 4,
            MessageStatus::Played => 5,
        }
    }

    /// Whether moving from `self` to `next` is progress (and so changes the message's status).
    pub fn advances_to(self, next: MessageStatus) -> bool {
        if matches!(self, MessageStatus::Failed | MessageStatus::Canceled) {
            return false;
        }
        next.rank() > self.rank()
    }

    /// The event type announcing a transition to this status.
    pub fn event_type(self) -> &'static str {
        match self {
            MessageStatus::Accepted => crate::event::MESSAGE_ACCEPTED,
            MessageStatus::Sent => crate::event::MESSAGE_SENT,
            MessageStatus::Delivered => crate::event::MESSAGE_DELIVERED,
            MessageStatus::Read => crate::event::MESSAGE_READ,
            MessageStatus::Played => crate::event::MESSAGE_PLAYED,
            MessageStatus::Failed => crate::event::MESSAGE_FAILED,
            MessageStatus::Received => crate::event::MESSAGE_RECEIVED,
            MessageStatus::Scheduled => crate::event::MESSAGE_SCHEDULED,
            MessageStatus::Canceled => crate::event::MESSAGE_CANCELED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;

    #[test]
    fn statuses_only_move_forward() {
        assert!(Accepted.advances_to(Sent));
        assert!(Sent.advances_to(Delivered));
        assert!(Delivered.advances_to(Read));
        assert!(Accepted.advances_to(Read), "delivered may be skipped");
        assert!(
            !Read.advances_to(Delivered),
            "a late delivered does not regress"
        );
        assert!(!Delivered.advances_to(Sent));
        assert!(Sent.advances_to(Failed));
        assert!(!Delivered.advances_to(Failed));
        assert!(!Failed.advances_to(Delivered), "failed is final");
        assert!(!Read.advances_to(Read));
        assert!(!Canceled.advances_to(Sent), "canceled is final");
        assert!(Scheduled.advances_to(Failed));
    }

    #[test]
    fn names_round_trip() {
        for s in [
            Accepted, Sent, Delivered, Read, Played, Failed, Received, Scheduled, Canceled,
        ] {
            assert_eq!(super::MessageStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(super::MessageStatus::parse("queued"), None);
    }
}
