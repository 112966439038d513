//! Configuration: embedded commented defaults → config file → `SWITCHBOARD_*` environment →
//! command-line flags, validated at start. An invalid value fails naming its key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use switchboard_api::limits::KeyLimitSettings;
use switchboard_core::schedule::ScheduleRules;
use switchboard_service::bot::BotWorkerSettings;
use switchboard_service::broadcasts::BroadcastSettings;
use switchboard_service::dispatch::DispatchSettings;
use switchboard_service::gateway::SendSettings;
use switchboard_service::limits::LimitSettings;
use switchboard_service::media::MediaSettings;
use switchboard_service::templates::TemplateSettings;
use switchboard_service::webhooks::WebhookSettings;

/// The embedded defaults, with comments explaining every key.
pub const DEFAULTS: &str = include_str!("../config/default.toml");

/// Top-level keys, so stray `SWITCHBOARD_*` variables of other tools are not taken as config.
const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "admin_key",
    "public_url",
    "bootstrap",
    "http",
    "log",
    "sandbox",
    "dispatch",
    "upstream",
    "webhooks",
    "templates",
    "web",
    "bot",
    "broadcasts",
    "scheduling",
    "pricing",
    "allow_private_targets",
    "media",
    "secrets",
];

/// The server's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// Folder for the SQLite database and media.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means SQLite inside `data_dir`.
    pub database_url: String,
    /// Admin key; empty means generated at first start.
    pub admin_key: String,
    /// Base URL clients use; empty means `http://<listen>`.
    pub public_url: String,
    /// Create the default account and sandbox channel at first start.
    pub bootstrap: bool,
    /// Allow webhook targets on private, loopback and link-local addresses.
    pub allow_private_targets: bool,
    /// HTTP settings.
    pub http: HttpConfig,
    /// Logging.
    pub log: LogConfig,
    /// The built-in sandbox.
    pub sandbox: SandboxConfig,
    /// The dispatcher.
    pub dispatch: DispatchConfig,
    /// Upstream calls.
    pub upstream: UpstreamConfig,
    /// Webhook delivery.
    pub webhooks: WebhooksConfig,
    /// Message templates: sync with the upstream and the send check's cache.
    pub templates: TemplatesConfig,
    /// Media storage and expiry.
    pub media: MediaConfig,
    /// The bot worker.
    pub bot: BotConfig,
    /// WhatsApp Web sessions (`web` channels).
    pub web: WebConfig,
    /// Broadcasts: the feeder and tracker workers and their limits.
    pub broadcasts: BroadcastsConfig,
    /// Scheduled sends (`send_at`).
    pub scheduling: SchedulingConfig,
    /// Template prices for statistics.
    pub pricing: PricingConfig,
    /// The key that encrypts stored secrets.
    pub secrets: SecretsConfig,
}

/// The key that encrypts stored secrets (the key itself may also come from
/// `SWITCHBOARD_SECRET_KEY`; see [`crate::secrets`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// The key file; empty means `<data_dir>/secret.key`, created at first start.
    pub key_file: String,
    /// Older key files, still opening what they sealed until it is sealed again.
    pub old_key_files: Vec<PathBuf>,
}

/// Message templates: sync with the upstream and the send check's cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatesConfig {
    /// Run the template sync worker on this node.
    pub sync_enabled: bool,
    /// How often channels with PENDING / IN_APPEAL templates are synced.
    pub sync_interval_ms: u64,
    /// How often every channel is synced (0 = never).
    pub full_sync_interval_ms: u64,
    /// Least time between two syncs of a channel caused by sends of unknown templates.
    pub miss_sync_interval_ms: u64,
    /// How long a channel's cached templates are trusted.
    pub cache_ttl_ms: u64,
}

/// Media storage and expiry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// Days media is kept.
    pub expiry_days: f64,
    /// Sweeper interval.
    pub sweep_interval_ms: u64,
    /// Largest JSON (data URI) upload body.
    pub json_body_limit_bytes: usize,
    /// Timeout of a URL upload's fetch.
    pub fetch_timeout_seconds: u64,
    /// Timeout of one inbound media download.
    pub inbound_timeout_seconds: u64,
}

/// The bot worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    /// Run the bot worker on this node.
    pub enabled: bool,
    /// Idle polling interval of the event log, in milliseconds.
    pub poll_ms: u64,
    /// Events read per round.
    pub batch: u32,
}

/// WhatsApp Web sessions (`web` channels).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Run the session manager on this node (it runs and resumes sessions).
    pub enabled: bool,
    /// QR codes a pairing shows before it fails with `qr_timeout`.
    pub max_qr_codes: u32,
    /// Reconnects in a row before a session fails with `restart_limit`.
    pub max_restarts: u32,
    /// How long a session lease lasts without renewal, in milliseconds.
    pub lease_ttl_ms: i64,
    /// How often the manager renews leases and looks for sessions to run, in milliseconds.
    pub poll_ms: u64,
    /// How long a send waits for WhatsApp's acknowledgement, in milliseconds.
    pub send_timeout_ms: u64,
}

/// Broadcasts: the feeder and tracker workers and their limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BroadcastsConfig {
    /// Run the broadcast feeder and tracker on this node.
    pub enabled: bool,
    /// Most messages of one broadcast in the outbox not yet answered by the upstream.
    pub window: u32,
    /// Credits reserved per target.
    pub credits_per_target: i64,
    /// Targets materialized per transaction.
    pub materialize_batch: u32,
    /// Idle polling interval of the workers, in milliseconds.
    pub poll_ms: u64,
    /// Least time between two `broadcast.progress` events of one broadcast, in milliseconds.
    pub progress_interval_ms: u64,
    /// Events the tracker reads per round.
    pub tracker_batch: u32,
    /// Largest create request (JSON body or CSV upload), in bytes.
    pub upload_limit_bytes: u64,
}

/// Scheduled sends (`send_at`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulingConfig {
    /// A `send_at` at most this many seconds in the past is sent at once; further back is 400.
    pub past_tolerance_seconds: u64,
    /// A `send_at` more than this many days ahead is 400.
    pub max_ahead_days: u64,
}

/// Template prices for statistics (the cost of template messages).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingConfig {
    /// Currency code of the prices, e.g. `USD`.
    pub currency: String,
    /// Price of one template message per category (`MARKETING`, `UTILITY`, …, `UNKNOWN`).
    pub categories: std::collections::BTreeMap<String, f64>,
}

/// Webhook delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Run the fan-out and deliverer on this node.
    pub enabled: bool,
    /// Timeout of one attempt.
    pub request_timeout_ms: u64,
    /// Attempts in flight.
    pub concurrency: usize,
    /// Attempts in flight to one endpoint.
    pub per_endpoint_concurrency: usize,
    /// Retry delays.
    pub retry_schedule_ms: Vec<u64>,
    /// Give up after.
    pub max_age_hours: u64,
    /// Disable a subscription failing this long.
    pub disable_after_hours: u64,
    /// Idle polling interval.
    pub poll_ms: u64,
}

/// The built-in sandbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxConfig {
    /// Mount the emulator under `/sandbox`.
    pub enabled: bool,
    /// Seed of its random draws.
    pub seed: u64,
    /// Parallel status-webhook lanes per phone number.
    pub webhook_lanes: usize,
    /// Most statuses batched in one status webhook.
    pub statuses_per_webhook: usize,
    /// How long the fake phone's first QR code of a pairing is valid, in milliseconds.
    pub web_qr_first_ms: u64,
    /// How long each next QR code is valid, in milliseconds.
    pub web_qr_next_ms: u64,
    /// How long the fake phone takes to reconnect a dropped session, in milliseconds.
    pub web_reconnect_ms: u64,
    /// The emulator whose fake phone drives sandbox `web` channels (`http://host:port` of a
    /// `switchboard emulate`, shared by several nodes); empty: the mounted sandbox's.
    pub web_emulator_url: String,
}

/// The dispatcher.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchConfig {
    /// Run the dispatcher on this node.
    pub enabled: bool,
    /// Upstream calls in flight.
    pub concurrency: usize,
    /// Messages per second per channel.
    pub channel_mps: f64,
    /// Burst to one recipient.
    pub pair_burst: f64,
    /// Sustained interval between messages to one recipient.
    pub pair_interval_ms: u64,
    /// Attempts before failing.
    pub max_attempts: u32,
    /// First retry delay.
    pub retry_base_ms: u64,
    /// Longest retry delay.
    pub retry_max_ms: u64,
    /// Claim lease.
    pub lease_ms: i64,
}

/// Upstream calls.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// Timeout of one call.
    pub request_timeout_ms: u64,
}

/// HTTP settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// Seconds in-flight requests get to finish at shutdown.
    pub shutdown_grace_seconds: u64,
    /// Requests per second per API key on this node (0: no limit).
    pub key_requests_per_second: f64,
    /// Requests a key may make at once before the rate applies.
    pub key_request_burst: u32,
    /// Event streams (SSE, WebSocket) one key may hold open on this node.
    pub streams_per_key: u32,
    /// Milliseconds a client gets to send a request's headers.
    pub header_timeout_ms: u64,
    /// Milliseconds a request body may stall between two chunks.
    pub body_timeout_ms: u64,
}

/// Logging settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter directive.
    pub level: String,
}

/// Values given as command-line flags (highest precedence).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    /// `--listen`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// `--data-dir`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `--database-url`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value could not be read or has the wrong type (figment names the key and source).
    #[error("invalid configuration: {0}")]
    Load(String),
    /// A value has the right type but is unacceptable.
    #[error("invalid configuration: `{key}`: {message}")]
    Invalid {
        /// The key at fault.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// The built-in defaults alone.
    pub fn defaults() -> Result<Config, ConfigError> {
        Self::from_figment(Figment::from(Toml::string(DEFAULTS)))
    }

    /// Loads defaults, then `file` (if any), then the environment, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Invalid {
                    key: "config",
                    message: format!("the config file {} does not exist", file.display()),
                });
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment
            .merge(Env::prefixed("SWITCHBOARD_").split("__").filter(|key| {
                let name = key.as_str().to_ascii_lowercase();
                let top = name.split('.').next().unwrap_or("");
                KEYS.contains(&top)
            }))
            .merge(Serialized::globals(overrides));
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(|e| {
            ConfigError::Load(
                e.into_iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database_url.trim();
        if !url.is_empty()
            && !["sqlite://", "sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|p| url.starts_with(p))
        {
            return Err(ConfigError::Invalid {
                key: "database_url",
                message: "use sqlite://PATH or postgres://USER@HOST:PORT/DB".into(),
            });
        }
        let admin = self.admin_key.trim();
        if !admin.is_empty() && (admin.len() < 16 || admin.chars().any(char::is_whitespace)) {
            return Err(ConfigError::Invalid {
                key: "admin_key",
                message: "must be at least 16 characters without spaces".into(),
            });
        }
        let public = self.public_url.trim();
        if !(public.is_empty() || public.starts_with("http://") || public.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "public_url",
                message: "must be an absolute http(s) URL".into(),
            });
        }
        let t = &self.templates;
        if t.sync_interval_ms < 100 || t.cache_ttl_ms == 0 {
            return Err(ConfigError::Invalid {
                key: "templates",
                message: "sync_interval_ms must be at least 100 and cache_ttl_ms at least 1".into(),
            });
        }
        let d = &self.dispatch;
        if !(1.0..=1000.0).contains(&d.channel_mps) {
            return Err(ConfigError::Invalid {
                key: "dispatch.channel_mps",
                message: "must be between 1 and 1000 (Meta's ceiling)".into(),
            });
        }
        if d.concurrency == 0
            || d.max_attempts == 0
            || d.pair_interval_ms == 0
            || d.pair_burst.is_nan()
            || d.pair_burst < 1.0
        {
            return Err(ConfigError::Invalid {
                key: "dispatch",
                message:
                    "concurrency, max_attempts, pair_interval_ms and pair_burst must be at least 1"
                        .into(),
            });
        }
        if d.lease_ms < 1000 || d.retry_base_ms == 0 || d.retry_max_ms < d.retry_base_ms {
            return Err(ConfigError::Invalid {
                key: "dispatch",
                message: "lease_ms must be at least 1000 and retry_max_ms at least retry_base_ms"
                    .into(),
            });
        }
        let w = &self.webhooks;
        if w.concurrency == 0
            || w.per_endpoint_concurrency == 0
            || w.retry_schedule_ms.is_empty()
            || w.poll_ms == 0
            || w.request_timeout_ms < 100
        {
            return Err(ConfigError::Invalid {
                key: "webhooks",
                message: "concurrency, per_endpoint_concurrency and poll_ms must be at least 1, request_timeout_ms at least 100, and retry_schedule_ms not empty".into(),
            });
        }
        if self.sandbox.webhook_lanes == 0
            || !(1..=1000).contains(&self.sandbox.statuses_per_webhook)
        {
            return Err(ConfigError::Invalid {
                key: "sandbox",
                message: "webhook_lanes must be at least 1 and statuses_per_webhook 1–1000".into(),
            });
        }
        let b = &self.broadcasts;
        if !(1..=100_000).contains(&b.window)
            || b.credits_per_target < 0
            || !(1..=100_000).contains(&b.materialize_batch)
            || b.poll_ms == 0
            || !(1..=10_000).contains(&b.tracker_batch)
            || b.upload_limit_bytes == 0
        {
            return Err(ConfigError::Invalid {
                key: "broadcasts",
                message: "window must be 1–100000, credits_per_target at least 0, materialize_batch 1–100000, poll_ms at least 1, tracker_batch 1–10000 and upload_limit_bytes at least 1".into(),
            });
        }
        if self.bot.poll_ms == 0 || !(1..=10_000).contains(&self.bot.batch) {
            return Err(ConfigError::Invalid {
                key: "bot",
                message: "poll_ms must be at least 1 and batch between 1 and 10000".into(),
            });
        }
        if (d.lease_ms as u64) < self.upstream.request_timeout_ms + 2_000 {
            return Err(ConfigError::Invalid {
                key: "dispatch.lease_ms",
                message: format!(
                    "must be at least 2000 ms longer than upstream.request_timeout_ms ({} ms): a message's media upload and its send share the lease, or a slow send could be claimed and sent again by another node",
                    self.upstream.request_timeout_ms
                ),
            });
        }
        if self.upstream.request_timeout_ms < 100 {
            return Err(ConfigError::Invalid {
                key: "upstream.request_timeout_ms",
                message: "must be at least 100".into(),
            });
        }
        let m = &self.media;
        if !(m.expiry_days.is_finite() && m.expiry_days > 0.0 && m.expiry_days <= 36_500.0) {
            return Err(ConfigError::Invalid {
                key: "media.expiry_days",
                message: "must be a number of days above 0 (fractions allowed) and at most 36500"
                    .into(),
            });
        }
        if m.sweep_interval_ms < 10
            || m.json_body_limit_bytes < 1024
            || m.fetch_timeout_seconds == 0
            || m.inbound_timeout_seconds == 0
        {
            return Err(ConfigError::Invalid {
                key: "media",
                message: "sweep_interval_ms must be at least 10, json_body_limit_bytes at least 1024, and the timeouts at least 1 second".into(),
            });
        }
        let sc = &self.scheduling;
        if sc.past_tolerance_seconds > 86_400 || sc.max_ahead_days == 0 || sc.max_ahead_days > 3660
        {
            return Err(ConfigError::Invalid {
                key: "scheduling",
                message: "past_tolerance_seconds must be at most 86400 and max_ahead_days between 1 and 3660".into(),
            });
        }
        let currency = self.pricing.currency.trim();
        if currency.is_empty() || currency.len() > 8 {
            return Err(ConfigError::Invalid {
                key: "pricing.currency",
                message: "must be a currency code such as USD".into(),
            });
        }
        if let Err(message) =
            switchboard_core::stats::PriceTable::new(currency, &self.pricing.categories)
        {
            return Err(ConfigError::Invalid {
                key: "pricing.categories",
                message,
            });
        }
        if self.http.body_limit_bytes < 1024 {
            return Err(ConfigError::Invalid {
                key: "http.body_limit_bytes",
                message: "must be at least 1024".into(),
            });
        }
        let h = &self.http;
        if !h.key_requests_per_second.is_finite() || h.key_requests_per_second < 0.0 {
            return Err(ConfigError::Invalid {
                key: "http.key_requests_per_second",
                message: "must be 0 (no limit) or a positive number".into(),
            });
        }
        if h.key_request_burst == 0 || h.streams_per_key == 0 {
            return Err(ConfigError::Invalid {
                key: "http.key_request_burst",
                message: "key_request_burst and streams_per_key must be at least 1".into(),
            });
        }
        if h.header_timeout_ms < 10 || h.body_timeout_ms < 10 {
            return Err(ConfigError::Invalid {
                key: "http.header_timeout_ms",
                message: "header_timeout_ms and body_timeout_ms must be at least 10".into(),
            });
        }
        Ok(())
    }

    /// The database URL, defaulting to a SQLite file inside `data_dir`.
    pub fn database_url(&self) -> String {
        let url = self.database_url.trim();
        if url.is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join("switchboard.db").display()
            )
        } else {
            url.to_string()
        }
    }

    /// The admin key, if one is configured.
    pub fn admin_key(&self) -> Option<&str> {
        Some(self.admin_key.trim()).filter(|k| !k.is_empty())
    }

    /// The public base URL for an actual bound address.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        let url = self.public_url.trim().trim_end_matches('/');
        if url.is_empty() {
            format!("http://{bound}")
        } else {
            url.to_string()
        }
    }
}

/// The dispatcher's settings. Media upload and the send share the lease: the upload gets
/// what the send's own timeout and a second of margin leave (validation keeps it at least a
/// second).
impl From<&Config> for DispatchSettings {
    fn from(config: &Config) -> Self {
        let d = &config.dispatch;
        DispatchSettings {
            concurrency: d.concurrency,
            lease_ms: d.lease_ms,
            max_attempts: d.max_attempts,
            retry_base_ms: d.retry_base_ms,
            retry_max_ms: d.retry_max_ms,
            limits: LimitSettings {
                channel_mps: d.channel_mps,
                pair_burst: d.pair_burst,
                pair_per_second: 1000.0 / d.pair_interval_ms as f64,
            },
            media_budget_ms: (d.lease_ms as u64)
                .saturating_sub(config.upstream.request_timeout_ms)
                .saturating_sub(1_000)
                .max(1_000),
            ..DispatchSettings::default()
        }
    }
}

/// The broadcast settings; the window never exceeds what the channel may send in a few
/// seconds.
impl From<&Config> for BroadcastSettings {
    fn from(config: &Config) -> Self {
        let b = &config.broadcasts;
        let cap = (config.dispatch.channel_mps * 3.0).ceil().max(1.0) as u32;
        BroadcastSettings {
            window: b.window.min(cap).max(1),
            credits_per_target: b.credits_per_target,
            materialize_batch: b.materialize_batch,
            poll_ms: b.poll_ms,
            progress_interval_ms: b.progress_interval_ms as i64,
            tracker_batch: b.tracker_batch,
            spool_dir: config.data_dir.join("broadcasts"),
            upload_limit_bytes: b.upload_limit_bytes,
        }
    }
}

impl From<&TemplatesConfig> for TemplateSettings {
    fn from(t: &TemplatesConfig) -> Self {
        TemplateSettings {
            sync_interval_ms: t.sync_interval_ms,
            full_sync_interval_ms: t.full_sync_interval_ms,
            miss_sync_interval_ms: t.miss_sync_interval_ms,
            cache_ttl_ms: t.cache_ttl_ms,
        }
    }
}

impl From<&Config> for WebhookSettings {
    fn from(config: &Config) -> Self {
        let w = &config.webhooks;
        WebhookSettings {
            allow_private_targets: config.allow_private_targets,
            request_timeout_ms: w.request_timeout_ms,
            concurrency: w.concurrency,
            per_endpoint_concurrency: w.per_endpoint_concurrency,
            retry_schedule_ms: w.retry_schedule_ms.clone(),
            max_age_ms: (w.max_age_hours as i64).saturating_mul(3_600_000),
            disable_after_ms: (w.disable_after_hours as i64).saturating_mul(3_600_000),
            poll_ms: w.poll_ms,
            ..WebhookSettings::default()
        }
    }
}

impl From<&SchedulingConfig> for SendSettings {
    fn from(s: &SchedulingConfig) -> Self {
        SendSettings {
            schedule: ScheduleRules {
                past_tolerance_ms: (s.past_tolerance_seconds as i64).saturating_mul(1000),
                max_ahead_ms: (s.max_ahead_days as i64).saturating_mul(24 * 60 * 60 * 1000),
            },
            ..SendSettings::default()
        }
    }
}

impl From<&HttpConfig> for KeyLimitSettings {
    fn from(h: &HttpConfig) -> Self {
        KeyLimitSettings {
            requests_per_second: h.key_requests_per_second,
            burst: h.key_request_burst,
            streams: h.streams_per_key,
        }
    }
}

impl From<&WebConfig> for switchboard_service::web::WebSessionSettings {
    fn from(w: &WebConfig) -> Self {
        Self {
            max_qr_codes: w.max_qr_codes.max(1),
            max_restarts: w.max_restarts,
            lease_ttl_ms: w.lease_ttl_ms.max(1_000),
            poll_ms: w.poll_ms.max(10),
            send_timeout_ms: w.send_timeout_ms.max(1_000),
        }
    }
}

impl From<&BotConfig> for BotWorkerSettings {
    fn from(b: &BotConfig) -> Self {
        BotWorkerSettings {
            poll_ms: b.poll_ms,
            batch: b.batch,
        }
    }
}

impl Config {
    /// The media settings, with download URLs under `public_url`.
    pub fn media_settings(&self, public_url: &str) -> MediaSettings {
        MediaSettings {
            expiry_ms: (self.media.expiry_days * 86_400_000.0) as i64,
            sweep_interval_ms: self.media.sweep_interval_ms,
            json_body_limit: self.media.json_body_limit_bytes,
            fetch_timeout: Duration::from_secs(self.media.fetch_timeout_seconds),
            inbound_timeout: Duration::from_secs(self.media.inbound_timeout_seconds),
            allow_private_targets: self.allow_private_targets,
            public_url: public_url.to_string(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closure signature fixes the error type.
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::defaults().unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.database_url(), "sqlite://./data/switchboard.db");
        assert_eq!(c.admin_key(), None);
        assert!(c.bootstrap);
    }

    #[test]
    fn layers_apply_in_order_and_errors_name_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "sb.toml",
                "listen = \"127.0.0.1:9000\"\ndata_dir = \"/tmp/x\"\n",
            )?;
            jail.set_env("SWITCHBOARD_LISTEN", "127.0.0.1:9001");
            jail.set_env("SWITCHBOARD_HTTP__BODY_LIMIT_BYTES", "2048");
            jail.set_env("SWITCHBOARD_TEST_DATABASE_URL", "ignored");
            let c = Config::load(Some(Path::new("sb.toml")), &Overrides::default()).unwrap();
            assert_eq!(c.listen.to_string(), "127.0.0.1:9001");
            assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
            assert_eq!(c.http.body_limit_bytes, 2048);
            let flags = Overrides {
                listen: Some("127.0.0.1:9002".into()),
                ..Overrides::default()
            };
            let c = Config::load(Some(Path::new("sb.toml")), &flags).unwrap();
            assert_eq!(c.listen.to_string(), "127.0.0.1:9002");

            jail.set_env("SWITCHBOARD_LISTEN", "not-an-address");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.to_lowercase().contains("listen"), "{err}");
            jail.set_env("SWITCHBOARD_LISTEN", "127.0.0.1:9001");

            jail.set_env("SWITCHBOARD_DATABASE_URL", "mysql://x");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.to_lowercase().contains("database_url"), "{err}");
            jail.set_env("SWITCHBOARD_DATABASE_URL", "");

            jail.set_env("SWITCHBOARD_ADMIN_KEY", "short");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.to_lowercase().contains("admin_key"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn media_settings_are_validated() {
        let c = Config::defaults().unwrap();
        assert_eq!(c.media.expiry_days, 30.0);
        for bad in [0.0, -1.0, f64::NAN] {
            let mut c = c.clone();
            c.media.expiry_days = bad;
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains("media.expiry_days"), "{err}");
        }
        let mut c = c.clone();
        c.media.sweep_interval_ms = 0;
        assert!(c.validate().unwrap_err().to_string().contains("media"));
    }

    #[test]
    fn the_lease_must_cover_the_send_timeout_and_a_media_upload() {
        let mut c = Config::defaults().unwrap();
        c.upstream.request_timeout_ms = 15_000;
        c.dispatch.lease_ms = 16_999;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("dispatch.lease_ms"), "{err}");
        c.dispatch.lease_ms = 17_000;
        c.validate().unwrap();
    }

    #[test]
    fn unknown_file_keys_and_missing_files_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "lisen = \"127.0.0.1:1\"\n")?;
            let err = Config::load(Some(Path::new("bad.toml")), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.to_lowercase().contains("lisen"), "{err}");
            let err = Config::load(Some(Path::new("missing.toml")), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("does not exist"), "{err}");
            Ok(())
        });
    }
}
