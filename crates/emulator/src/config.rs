//! Configuration of the emulator: seed, delays, faults, customers' behaviour, limits.

use serde::{Deserialize, Serialize};

/// Everything that shapes the emulator's behaviour. Every field has a default
/// (`#[serde(default)]`), so `{}` is a valid configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmulatorConfig {
    /// Seed of every random draw (faults); equal seeds give equal fault sequences.
    pub seed: u64,
    /// Absolute URL at which [`crate::Emulator::router`] is reachable (e.g.
    /// `http://127.0.0.1:8080/sandbox`), used for media download URLs. Without it the URL is a
    /// path relative to the router's root.
    pub public_base_url: Option<String>,
    /// Latency added to every Graph API answer, in milliseconds.
    pub default_latency_ms: u64,
    /// When the simulated customer's statuses fire, counted from the send's acceptance.
    pub status_delays: StatusDelays,
    /// Whether customers read what they receive (a `read` status after `delivered`).
    pub read_receipts: bool,
    /// Time a created template stays `PENDING` before it is approved or rejected.
    pub review_delay_ms: u64,
    /// Faults in force at start; replace them with [`crate::Emulator::set_faults`].
    pub faults: Faults,
    /// Recipients whose WhatsApp id ends with this suffix are not on WhatsApp (a `failed`
    /// status with 131026). Default `"0000"`; `None` or `""` disables the rule.
    pub undeliverable_suffix: Option<String>,
    /// Further recipients (WhatsApp ids, digits only) that are not on WhatsApp.
    pub undeliverable_numbers: Vec<String>,
    /// Whether free-form (non-template) messages need an open 24-hour customer-service window
    /// (a customer message within 24 h); outside it they fail with 131047.
    pub enforce_window: bool,
    /// How webhook POSTs are retried.
    pub webhook_retry: RetryPolicy,
    /// Most statuses batched in one webhook POST (at least 1).
    pub max_statuses_per_webhook: usize,
    /// Parallel webhook delivery lanes per phone number. A customer always maps to the same
    /// lane, so each customer's webhooks arrive in order.
    pub webhook_lanes: usize,
    /// Scripted customers: when a sent text contains a phrase, the customer answers.
    pub scripted_replies: Vec<ScriptedReply>,
    /// Time between the `read` (or `delivered`) status and a scripted reply.
    pub reply_delay_ms: u64,
    /// Templates whose body contains one of these words (case-insensitive) are rejected with
    /// reason `ABUSIVE_CONTENT`; templates whose name contains `reject` are rejected with
    /// `INVALID_FORMAT`.
    pub banned_template_words: Vec<String>,
    /// Total bytes of media kept in memory; uploads beyond it are refused.
    pub media_store_limit_bytes: u64,
    /// Most entries kept in each record list (requests, sent messages, webhook deliveries);
    /// the oldest are dropped first.
    pub max_records: usize,
    /// Telegram bots registered at start.
    pub bots: Vec<BotConfig>,
    /// Messenger pages and Instagram accounts registered at start.
    pub pages: Vec<PageConfig>,
    /// Fake WhatsApp Web phone: how long the first QR code of a pairing is valid (WhatsApp:
    /// 60 s).
    pub web_qr_first_ms: u64,
    /// Fake WhatsApp Web phone: how long each further QR code is valid (WhatsApp: 20 s).
    pub web_qr_next_ms: u64,
    /// Fake WhatsApp Web phone: how long a pair code is valid (WhatsApp: about 180 s).
    pub web_pair_code_ms: u64,
    /// Fake WhatsApp Web phone: the wait before a reconnect attempt after a disconnect.
    pub web_reconnect_ms: u64,
    /// Fake WhatsApp Web phone: how long an inbound batch waits for the receiver's `stored`
    /// answer before it counts as not acknowledged (redelivered at the next connect).
    pub web_ack_timeout_ms: u64,
    /// Fake WhatsApp Web phone: the groups (`<id>@g.us` or the bare id) the phone is in;
    /// empty means any `@g.us` address is a group it is in.
    pub web_groups: Vec<String>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            public_base_url: None,
            default_latency_ms: 0,
            status_delays: StatusDelays::default(),
            read_receipts: true,
            review_delay_ms: 2000,
            faults: Faults::default(),
            undeliverable_suffix: Some("0000".to_string()),
            undeliverable_numbers: Vec::new(),
            enforce_window: true,
            webhook_retry: RetryPolicy::default(),
            max_statuses_per_webhook: 1,
            webhook_lanes: 4,
            scripted_replies: Vec::new(),
            reply_delay_ms: 10,
            banned_template_words: Vec::new(),
            media_store_limit_bytes: 256 * 1024 * 1024,
            max_records: 100_000,
            bots: Vec::new(),
            pages: Vec::new(),
            web_qr_first_ms: 60_000,
            web_qr_next_ms: 20_000,
            web_pair_code_ms: 180_000,
            web_reconnect_ms: 1_000,
            web_ack_timeout_ms: 10_000,
            web_groups: Vec::new(),
        }
    }
}

/// Offsets of the simulated statuses from the send's acceptance, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatusDelays {
    /// `sent` (or `failed`).
    pub sent_ms: u64,
    /// `delivered`.
    pub delivered_ms: u64,
    /// `read`.
    pub read_ms: u64,
}

impl Default for StatusDelays {
    fn default() -> Self {
        Self {
            sent_ms: 5,
            delivered_ms: 20,
            read_ms: 50,
        }
    }
}

/// Faults injected into Graph API answers, checked in this order: latency, timeout, 5xx,
/// throughput, pair rate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Probability (0–1) of a 500 with Meta error code 2, `is_transient: true`.
    pub error_5xx_rate: f64,
    /// Probability (0–1) that a request hangs for `timeout_ms` and then answers 504.
    pub timeout_rate: f64,
    /// How long a timed-out request hangs.
    pub timeout_ms: u64,
    /// Extra latency on every Graph API answer, in milliseconds.
    pub latency_ms: u64,
    /// Sends per second per phone number above which Meta answers 130429.
    pub throughput_limit_mps: Option<u32>,
    /// Pair rate limit per (phone number, recipient); above it Meta answers 131056.
    pub pair_rate_limit: Option<PairRate>,
    /// Calls per second per Telegram bot or Messenger/Instagram page above which the platform
    /// throttles: Telegram 429 `Too Many Requests: retry after 1` (with `Retry-After`),
    /// Messenger 613, Instagram 613 with subcode 2534040.
    pub channel_rate_limit_mps: Option<u32>,
}

/// A token bucket per (business number, customer): `burst` sends at once, then one more every
/// `interval_ms`. Meta's: 45 and 6000.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PairRate {
    /// Sends allowed at once.
    pub burst: u32,
    /// Time to earn one more send.
    pub interval_ms: u64,
}

impl Default for PairRate {
    fn default() -> Self {
        Self {
            burst: 45,
            interval_ms: 6000,
        }
    }
}

/// Webhook retry policy: exponential backoff from `initial_backoff_ms`, doubled per attempt up
/// to `max_backoff_ms`, at most `max_attempts` POSTs per batch; then the batch is dropped (and
/// recorded as such).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// POSTs per batch, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt.
    pub initial_backoff_ms: u64,
    /// Longest wait between attempts.
    pub max_backoff_ms: u64,
    /// Timeout of one POST.
    pub request_timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff_ms: 100,
            max_backoff_ms: 5000,
            request_timeout_ms: 10_000,
        }
    }
}

/// A scripted customer answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptedReply {
    /// Case-insensitive phrase looked for in a sent `text.body` (or interactive `body.text`).
    pub when_text_contains: String,
    /// The answer: one inbound message as for [`crate::Emulator::inject_inbound`] (`from` is
    /// filled in with the recipient).
    pub reply: serde_json::Value,
}

/// One business phone number served by the emulator.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PhoneNumberConfig {
    /// The Graph id used in URLs (`/{version}/{phone_number_id}/messages`).
    pub phone_number_id: String,
    /// The WhatsApp Business Account owning the number (templates live there).
    pub waba_id: String,
    /// The number as displayed, e.g. `15550783881`.
    pub display_phone_number: String,
    /// The Bearer token that authorizes calls for this number.
    pub access_token: String,
    /// The app secret that signs webhooks (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// Where webhooks for this number are POSTed; none means they are not sent.
    pub webhook_url: Option<String>,
    /// The verified business name.
    pub verified_name: String,
}

/// One Telegram bot served by the emulator's Bot API.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BotConfig {
    /// `<bot_id>:<secret>`, as in `/bot<token>/<method>`; the bot id is the numeric part.
    pub token: String,
    /// The bot's username, without `@`.
    pub username: String,
    /// The bot's display name.
    pub first_name: String,
    /// A webhook set at start (as if `setWebhook` had been called); none means updates wait
    /// for `getUpdates`.
    pub webhook_url: Option<String>,
    /// The `secret_token` of that webhook, sent in `X-Telegram-Bot-Api-Secret-Token`.
    pub secret_token: Option<String>,
}

impl BotConfig {
    /// The bot id: the token's part before `:`, when it is a positive integer.
    pub fn bot_id(&self) -> Option<i64> {
        self.token
            .split_once(':')
            .and_then(|(id, _)| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
    }
}

/// Which Send API a page plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PagePlatform {
    /// A Facebook Page (Messenger): webhooks with `object: "page"`.
    #[default]
    Messenger,
    /// An Instagram professional account: webhooks with `object: "instagram"`.
    Instagram,
}

/// One Messenger page or Instagram account served by the emulator's Send API.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PageConfig {
    /// The Page id (Messenger) or IG professional account id (Instagram), used in
    /// `/{version}/{page_id}/messages` and as the webhook `entry[].id`.
    pub page_id: String,
    /// Messenger or Instagram.
    pub platform: PagePlatform,
    /// The page token (`access_token` query parameter or `Authorization: Bearer`).
    pub access_token: String,
    /// The app secret that signs webhooks (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// Where webhooks for this page are POSTed; none means they are not sent.
    pub webhook_url: Option<String>,
    /// The app id carried by echoes.
    pub app_id: String,
    /// Whether sends are echoed back (`message.is_echo`), as with the `message_echoes` field.
    pub echoes: bool,
}
