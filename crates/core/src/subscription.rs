//! Webhook subscriptions and their deliveries.

use serde::{Deserialize, Serialize};

use crate::event::type_matches;
use crate::id::{AccountId, ChannelId, DeliveryId, SubscriptionId};
use crate::time::Millis;

/// How a subscription's payloads are shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadFormat {
    /// Switchboard's envelope: `{id, type, created_at, account_id, channel_id, chat, data}`.
    Switchboard,
    /// Meta's webhook payload, so an existing Cloud API webhook handler works unchanged.
    Meta,
    /// The Send Buttons service's flat payload (a tapped button is `type: "button"` with its
    /// text in `body`), for clients moving from that service.
    Sendbuttons,
    /// The 1msg service's payload: `{"messages": […]}` for messages and `{"ack": […]}` for
    /// statuses, for clients moving from that service.
    #[serde(rename = "1msg")]
    Onemsg,
    /// The WhatsApp Web bot platform's payload: `{event: "onMessage" | "onAnyMessage",
    /// session_id, data: <the session's message>}`, for clients moving from that platform.
    Wabot,
}

impl PayloadFormat {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadFormat::Switchboard => "switchboard",
            PayloadFormat::Meta => "meta",
            PayloadFormat::Sendbuttons => "sendbuttons",
            PayloadFormat::Onemsg => "1msg",
            PayloadFormat::Wabot => "wabot",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "switchboard" => Some(PayloadFormat::Switchboard),
            "meta" => Some(PayloadFormat::Meta),
            "sendbuttons" => Some(PayloadFormat::Sendbuttons),
            "1msg" => Some(PayloadFormat::Onemsg),
            "wabot" => Some(PayloadFormat::Wabot),
            _ => None,
        }
    }
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// `sub_…`
    pub id: SubscriptionId,
    /// Owning account.
    pub account_id: AccountId,
    /// Only this channel's events, when set.
    pub channel_id: Option<ChannelId>,
    /// Where events are POSTed.
    pub url: String,
    /// Event filter: exact names, `prefix.*` wildcards or `*`.
    pub events: Vec<String>,
    /// Payload shape.
    pub format: PayloadFormat,
    /// Signing secret (`whsec_…`).
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_expires_at`.
    pub previous_secret: Option<String>,
    /// When the previous secret stops signing.
    pub previous_expires_at: Option<Millis>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// A note for humans.
    pub description: Option<String>,
    /// Since when deliveries have failed without a success in between.
    pub failing_since: Option<Millis>,
    /// Why it was disabled automatically, if it was.
    pub disabled_reason: Option<String>,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

impl Subscription {
    /// Whether an event of `kind` on `channel` goes to this subscription.
    pub fn wants(&self, kind: &str, channel: Option<ChannelId>) -> bool {
        if let Some(only) = self.channel_id {
            if channel != Some(only) {
                return false;
            }
        }
        self.events.iter().any(|f| type_matches(f, kind))
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one while
    /// the rotation overlap lasts.
    pub fn signing_secrets(&self, now: Millis) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_expires_at) {
            if now < until {
                secrets.push(previous.as_str());
            }
        }
        secrets
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Gave up after the retry schedule ran out.
    Failed,
}

impl DeliveryState {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// One event to be delivered to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `dlv_…`
    pub id: DeliveryId,
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// Its account.
    pub account_id: AccountId,
    /// The event (`evt_…`).
    pub event_id: String,
    /// Deliveries with the same key go out in order (the chat, or the event id when none).
    pub ordering_key: String,
    /// State.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Millis,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Error of the last attempt (transport error or the start of the answer).
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: Millis,
    /// When it was delivered or given up.
    pub finished_at: Option<Millis>,
}

/// One recorded delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// When it started.
    pub attempted_at: Millis,
    /// HTTP status, when there was an answer.
    pub status_code: Option<u16>,
    /// How long it took.
    pub latency_ms: u64,
    /// The first 1 KB of the answer body.
    pub response: Option<String>,
    /// Transport error, if any.
    pub error: Option<String>,
}
