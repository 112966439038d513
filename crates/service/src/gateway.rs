//! The services' shared handle: the store, the connectors, the dispatcher's wake-up, settings.

use std::sync::Arc;

use switchboard_connectors::{CloudTarget, Connector};
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_store::Store;
use tokio::sync::Notify;

/// Meta's Graph API host, used by cloud channels without their own base URL.
pub const META_GRAPH_URL: &str = "https://graph.facebook.com";

/// Settings of the sending side.
#[derive(Debug, Clone)]
pub struct SendSettings {
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl_ms: i64,
}

impl Default for SendSettings {
    fn default() -> Self {
        Self {
            idempotency_ttl_ms: 24 * 60 * 60 * 1000,
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
