//! The services' shared handle: the store, the connectors, the dispatcher's wake-up, settings.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use switchboard_connectors::{CloudTarget, Connector};
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::schedule::ScheduleRules;
use switchboard_core::stats::PriceTable;
use switchboard_core::time::Millis;
use switchboard_store::Store;
use tokio::sync::Notify;

/// Meta's Graph API host, used by cloud channels without their own base URL.
pub const META_GRAPH_URL: &str = "https://graph.facebook.com";

/// Settings of the sending side.
#[derive(Debug, Clone)]
pub struct SendSettings {
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl_ms: i64,
    /// Limits of `send_at` (scheduled sends).
    pub schedule: ScheduleRules,
}

impl Default for SendSettings {
    fn default() -> Self {
        Self {
            idempotency_ttl_ms: 24 * 60 * 60 * 1000,
            schedule: ScheduleRules::default(),
        }
    }
}

/// Everything the services need, cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The Cloud API connector (sandbox channels use it too, against the mounted emulator).
    pub cloud: Arc<dyn Connector>,
    /// Base URL of the mounted sandbox emulator, e.g. `http://127.0.0.1:8080/sandbox`.
    pub sandbox_base_url: String,
    /// Wakes the dispatcher when new work is stored.
    pub wake: Arc<Notify>,
    /// Wakes the webhook deliverer when deliveries are created or finish.
    pub webhook_wake: Arc<Notify>,
    /// Sending settings.
    pub settings: SendSettings,
    /// Each channel's templates, cached for the send check.
    pub templates: Arc<crate::templates::TemplateCache>,
    /// Media storage and settings.
    pub media: crate::media::Media,
    /// The earliest `send_at` this node knows of (a hint for the dispatcher's timer).
    pub next_scheduled: Arc<NextDue>,
    /// Template prices for statistics.
    pub pricing: Arc<PriceTable>,
    /// Folder where contact CSV uploads are spooled until their import job finishes.
    pub import_dir: std::path::PathBuf,
    /// Broadcast settings.
    pub broadcasts: crate::broadcasts::BroadcastSettings,
    /// Wakes the broadcast feeder when a broadcast is created or resumed, or targets moved.
    pub broadcast_wake: Arc<Notify>,
}

/// The earliest known due time of scheduled messages, shared by the send path (which lowers
/// it) and the dispatcher (which promotes due messages and sets it from the store).
#[derive(Debug)]
pub struct NextDue(AtomicI64);

impl Default for NextDue {
    /// Starts due at once, so the dispatcher reads the store's earliest time at start.
    fn default() -> Self {
        Self(AtomicI64::new(i64::MIN))
    }
}

impl NextDue {
    /// Lowers the hint to `at` if that is earlier.
    pub fn lower_to(&self, at: Millis) {
        self.0.fetch_min(at, Ordering::SeqCst);
    }

    /// The earliest known due time, if any.
    pub fn get(&self) -> Option<Millis> {
        match self.0.load(Ordering::SeqCst) {
            i64::MAX => None,
            at => Some(at),
        }
    }

    /// Takes the hint before a promotion pass (reset to "none"); the pass then lowers it to
    /// the store's next due time, and sends during the pass lower it themselves.
    pub fn take(&self) -> Option<Millis> {
        match self.0.swap(i64::MAX, Ordering::SeqCst) {
            i64::MAX => None,
            at => Some(at),
        }
    }
}

impl Gateway {
    /// Where to reach a channel's upstream.
    pub fn target(&self, channel: &Channel) -> CloudTarget {
        let s = &channel.settings;
        let base_url = match (channel.kind, &s.base_url) {
            (_, Some(url)) => url.clone(),
            (ChannelKind::Sandbox, None) => self.sandbox_base_url.clone(),
            (ChannelKind::Cloud, None) => META_GRAPH_URL.to_string(),
        };
        CloudTarget {
            base_url,
            api_version: s.api_version.clone(),
            phone_number_id: s.phone_number_id.clone(),
            waba_id: s.waba_id.clone(),
            access_token: s.access_token.clone(),
        }
    }

    /// The connector for a channel.
    pub fn connector(&self, _channel: &Channel) -> &Arc<dyn Connector> {
        &self.cloud
    }
}
