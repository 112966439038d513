//! The upstreams: each channel's connector, built by the connector factory for the channel's
//! settings, cached per channel and rebuilt when its kind or settings change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use switchboard_connectors::{Connector, ConnectorError, ConnectorFactory, FixedConnector};
use switchboard_core::channel::{Channel, ChannelKind, ChannelSettings};
use switchboard_core::id::ChannelId;

/// Meta's Graph API host, used by cloud channels without their own base URL.
pub const META_GRAPH_URL: &str = switchboard_connectors::cloud::DEFAULT_BASE_URL;

/// A connector built for a channel, with the settings it was built from.
struct Built {
    kind: ChannelKind,
    settings: ChannelSettings,
    connector: Arc<dyn Connector>,
}

/// The connectors of the channels, cheap to clone (clones share the cache).
#[derive(Clone)]
pub struct Upstream {
    factory: Arc<dyn ConnectorFactory>,
    built: Arc<Mutex<HashMap<ChannelId, Built>>>,
}

impl Upstream {
    /// Connectors built by `factory`.
    pub fn new(factory: Arc<dyn ConnectorFactory>) -> Self {
        Self {
            factory,
            built: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// One connector for every channel, whatever its kind (tests and fakes).
    pub fn fixed(connector: Arc<dyn Connector>) -> Self {
        Self::new(Arc::new(FixedConnector(connector)))
    }

    /// Whether this build has a connector for channels of `kind`.
    pub fn has_kind(&self, kind: ChannelKind) -> bool {
        self.factory.has_kind(kind)
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<ChannelId, Built>> {
        // A panic while holding the lock cannot leave the map half-changed (one insert or
        // remove), so a poisoned lock is still usable.
        self.built.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connector for `channel`'s current settings: the cached one when they have not
    /// changed since it was built, a new one otherwise. A kind without a connector in this
    /// build is a permanent error naming it.
    pub fn connector(&self, channel: &Channel) -> Result<Arc<dyn Connector>, ConnectorError> {
        if let Some(b) = self.cache().get(&channel.id) {
            if b.kind == channel.kind && b.settings == channel.settings {
                return Ok(b.connector.clone());
            }
        }
        let connector = self.factory.build(channel)?;
        self.cache().insert(
            channel.id,
            Built {
                kind: channel.kind,
                settings: channel.settings.clone(),
                connector: connector.clone(),
            },
        );
        Ok(connector)
    }

    /// Drops the cached connector of a deleted channel.
    pub fn forget(&self, channel: ChannelId) {
        self.cache().remove(&channel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use switchboard_connectors::{CloudClient, ConnectorConfig, Connectors};
    use switchboard_core::channel::{ChannelState, CloudSettings};
    use switchboard_core::id::AccountId;

    /// Counts the builds of a real factory.
    struct Counting(Connectors, AtomicUsize);

    impl ConnectorFactory for Counting {
        fn has_kind(&self, kind: ChannelKind) -> bool {
            self.0.has_kind(kind)
        }

        fn build(&self, channel: &Channel) -> Result<Arc<dyn Connector>, ConnectorError> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.build(channel)
        }
    }

    fn channel() -> Channel {
        Channel {
            id: ChannelId::new(),
            account_id: AccountId::new(),
            name: "c".into(),
            kind: ChannelKind::Cloud,
            settings: ChannelSettings::Cloud(CloudSettings {
                display_phone_number: None,
                phone_number_id: "1".into(),
                waba_id: "2".into(),
                access_token: "token-one".into(),
                app_secret: "s".into(),
                verify_token: "v".into(),
                base_url: None,
                api_version: "v23.0".into(),
            }),
            timezone: "UTC".into(),
            state: ChannelState::default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn connectors_are_cached_per_channel_and_rebuilt_on_change() {
        let client = CloudClient::new(ConnectorConfig::default()).expect("client");
        let factory = Arc::new(Counting(
            Connectors::new(client, "http://127.0.0.1:9/sandbox"),
            AtomicUsize::new(0),
        ));
        let upstream = Upstream::new(factory.clone());
        let mut c = channel();
        let first = upstream.connector(&c).expect("built");
        let again = upstream.connector(&c).expect("cached");
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(factory.1.load(Ordering::SeqCst), 1);
        if let Some(s) = c.settings.cloud_mut() {
            s.access_token = "token-two".into();
        }
        let rebuilt = upstream.connector(&c).expect("rebuilt");
        assert!(!Arc::ptr_eq(&first, &rebuilt));
        assert_eq!(factory.1.load(Ordering::SeqCst), 2);
        upstream.forget(c.id);
        upstream.connector(&c).expect("built again");
        assert_eq!(factory.1.load(Ordering::SeqCst), 3);
        assert!(upstream.has_kind(ChannelKind::Sandbox));
        assert!(upstream.has_kind(ChannelKind::Messenger));
        assert!(!upstream.has_kind(ChannelKind::Web));
    }
}
