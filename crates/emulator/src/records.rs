//! What the emulator saw and did: requests, accepted sends, webhook deliveries.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// One HTTP request the emulator received (control API calls under `/emulator/` excepted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Arrival number, from 0; [`crate::Emulator::requests`] is sorted by it.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Path and query, as received (including any mount prefix).
    pub path: String,
    /// Headers in arrival order; `Authorization` is `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// The JSON body; `null` when empty; for other bodies `{"content_type", "size"}`.
    pub body: Value,
    /// Arrival time, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The HTTP status of the answer.
    pub status: u16,
}

/// A send the emulator accepted: a Cloud API message, a Telegram send, or a Messenger or
/// Instagram message (sender actions are not recorded here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentMessage {
    /// The id returned: the wamid, the Telegram `message_id`, or the `m_…` mid.
    pub wamid: String,
    /// Who sent it: the business phone number id, the bot id, or the page id.
    pub phone_number_id: String,
    /// The recipient: WhatsApp id (digits), Telegram chat id, PSID or IGSID.
    pub to: String,
    /// The request body as received (Telegram and Send API: the parameters, form and
    /// multipart values as strings, files left out).
    pub body: Value,
    /// Acceptance time, milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// One webhook POST attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// Target URL.
    pub url: String,
    /// The payload posted.
    pub body: Value,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// HTTP status answered, if any.
    pub status: Option<u16>,
    /// Transport error, if any.
    pub error: Option<String>,
    /// Whether this attempt succeeded (2xx).
    pub ok: bool,
    /// Attempt time, milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// A FIFO that keeps at most `cap` entries.
#[derive(Debug)]
pub struct Bounded<T> {
    items: VecDeque<T>,
    cap: usize,
}

impl<T: Clone> Bounded<T> {
    /// An empty list keeping at most `cap` (at least 1) entries.
    pub fn new(cap: usize) -> Self {
        Self {
            items: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// Appends, dropping the oldest entry when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() >= self.cap {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// A copy of all entries, in insertion order.
    pub fn to_vec(&self) -> Vec<T> {
        self.items.iter().cloned().collect()
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

/// All record lists.
#[derive(Debug)]
pub struct Records {
    /// Requests received.
    pub requests: Bounded<RecordedRequest>,
    /// Accepted sends.
    pub sent: Bounded<SentMessage>,
    /// Webhook attempts.
    pub deliveries: Bounded<WebhookDelivery>,
}

impl Records {
    /// Empty lists of capacity `cap` each.
    pub fn new(cap: usize) -> Self {
        Self {
            requests: Bounded::new(cap),
            sent: Bounded::new(cap),
            deliveries: Bounded::new(cap),
        }
    }

    /// Clears every list.
    pub fn clear(&mut self) {
        self.requests.clear();
        self.sent.clear();
        self.deliveries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_drops_oldest() {
        let mut b = Bounded::new(2);
        b.push(1);
        b.push(2);
        b.push(3);
        assert_eq!(b.to_vec(), vec![2, 3]);
        b.clear();
        assert!(b.to_vec().is_empty());
    }
}
