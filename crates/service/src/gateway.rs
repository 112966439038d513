//! The bundle of the services' handles (store, upstream, outbox, media, settings) and the
//! scheduled-send hint.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use switchboard_core::schedule::ScheduleRules;
use switchboard_core::stats::PriceTable;
use switchboard_core::time::Millis;
use switchboard_store::Store;
use tokio::sync::Notify;

pub use crate::outbox::Outbox;
pub use crate::upstream::{Upstream, META_GRAPH_URL};

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

/// Every handle the services are built from, cheap to clone: the bundle the server and the
/// API state hold. No service takes it whole: each takes the parts it uses
/// ([`crate::send::SendParts`] for sends, bot replies and broadcast creation,
/// [`crate::templates::TemplateParts`], [`crate::media::inbound::InboundParts`],
/// [`crate::dispatch::DispatchParts`], [`crate::webhooks::WebhookParts`], …), taken from it
/// with `From<&Gateway>`, or single handles (the store, the upstream).
#[derive(Clone)]
pub struct Gateway {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The connectors.
    pub upstream: Upstream,
    /// The outbox: inserts wake the dispatcher.
    pub outbox: Outbox,
    /// Wakes the webhook deliverer when deliveries are created or finish.
    pub webhook_wake: Arc<Notify>,
    /// Sending settings.
    pub settings: SendSettings,
    /// Each channel's templates, cached for the send check.
    pub templates: Arc<crate::templates::TemplateCache>,
    /// Media storage and settings.
    pub media: crate::media::Media,
    /// Template prices for statistics.
    pub pricing: Arc<PriceTable>,
    /// Folder where contact CSV uploads are spooled until their import job finishes.
    pub import_dir: std::path::PathBuf,
    /// Broadcast settings and the feeder's wake-up.
    pub broadcasts: crate::broadcasts::Broadcasts,
    /// This node's WhatsApp Web sessions and their drivers.
    pub web: crate::web::WebSessions,
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
