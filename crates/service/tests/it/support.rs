//! What the workers under test are built from: a store, an upstream, default settings.

use std::sync::Arc;

use switchboard_connectors::Connector;
use switchboard_core::stats::PriceTable;
use switchboard_service::broadcasts::BroadcastSettings;
use switchboard_service::gateway::{Gateway, NextDue, SendSettings};
use switchboard_service::media::{FsStorage, Media, MediaSettings};
use switchboard_service::templates::TemplateCache;
use switchboard_store::Store;
use tokio::sync::Notify;

/// The services' parts over `store` and `upstream`, with a temporary media folder.
pub struct Parts {
    gateway: Gateway,
    _dir: tempfile::TempDir,
}

/// Builds the parts.
pub fn parts(store: Arc<dyn Store>, upstream: Arc<dyn Connector>) -> Parts {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::new(dir.path().join("media")).unwrap();
    let media = Media::new(Arc::new(storage), MediaSettings::default()).unwrap();
    let gateway = Gateway {
        store,
        cloud: upstream,
        sandbox_base_url: "http://127.0.0.1:9/sandbox".into(),
        wake: Arc::new(Notify::new()),
        webhook_wake: Arc::new(Notify::new()),
        settings: SendSettings::default(),
        templates: Arc::new(TemplateCache::default()),
        media,
        next_scheduled: Arc::new(NextDue::default()),
        pricing: Arc::new(PriceTable {
            currency: "USD".into(),
            micros: Default::default(),
        }),
        import_dir: dir.path().join("imports"),
        broadcasts: BroadcastSettings::default(),
        broadcast_wake: Arc::new(Notify::new()),
    };
    Parts { gateway, _dir: dir }
}

impl Parts {
    /// What the dispatcher takes.
    pub fn dispatch(&self) -> Gateway {
        self.gateway.clone()
    }

    /// What the webhook deliverer takes.
    pub fn webhooks(&self) -> Gateway {
        self.gateway.clone()
    }
}
