//! The upstreams: the connectors and where each channel's upstream is reached.

use std::sync::Arc;

use switchboard_connectors::{CloudTarget, Connector};
use switchboard_core::channel::{Channel, ChannelKind};

/// Meta's Graph API host, used by cloud channels without their own base URL.
pub const META_GRAPH_URL: &str = "https://graph.facebook.com";

/// The connectors, cheap to clone.
#[derive(Clone)]
pub struct Upstream {
    cloud: Arc<dyn Connector>,
    sandbox_base_url: String,
}

impl Upstream {
    /// The Cloud API connector `cloud` (sandbox channels use it too, against the emulator
    /// mounted at `sandbox_base_url`, e.g. `http://127.0.0.1:8080/sandbox`).
    pub fn new(cloud: Arc<dyn Connector>, sandbox_base_url: impl Into<String>) -> Self {
        Self {
            cloud,
            sandbox_base_url: sandbox_base_url.into(),
        }
    }

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
