//! Webhook delivery: the fan-out turns the event log into deliveries for matching
//! subscriptions; the deliverer POSTs them with Standard Webhooks signatures, in order per
//! subscription and chat, retrying on a schedule, recording every attempt.

pub mod deliver;
pub mod fanout;
pub mod guard;
pub mod onemsg;
pub mod payload;
pub mod sendbuttons;
pub mod settings;
pub mod subscriptions;
pub mod wabot;

pub use settings::WebhookSettings;

use std::sync::Arc;

use switchboard_store::Store;
use tokio::sync::Notify;

use crate::gateway::Gateway;

/// What the webhook workers work with.
#[derive(Clone)]
pub struct WebhookParts {
    /// The store (events, subscriptions, deliveries).
    pub store: Arc<dyn Store>,
    /// Wakes the deliverer when deliveries are created or finish.
    pub wake: Arc<Notify>,
}

impl From<&Gateway> for WebhookParts {
    fn from(g: &Gateway) -> Self {
        Self {
            store: g.store.clone(),
            wake: g.webhook_wake.clone(),
        }
    }
}
