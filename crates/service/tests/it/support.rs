//! What the workers under test are built from: a store, an upstream, default settings.

use std::sync::Arc;

use switchboard_connectors::Connector;
use switchboard_core::stats::PriceTable;
use switchboard_service::broadcasts::{BroadcastSettings, Broadcasts};
use switchboard_service::dispatch::DispatchParts;
use switchboard_service::gateway::{Gateway, Outbox, SendSettings, Upstream};
use switchboard_service::media::{FsStorage, Media, MediaSettings};
use switchboard_service::templates::TemplateCache;
use switchboard_service::webhooks::WebhookParts;
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
        store: store.clone(),
        upstream: Upstream::fixed(upstream),
        outbox: Outbox::new(store),
        webhook_wake: Arc::new(Notify::new()),
        settings: SendSettings::default(),
        templates: Arc::new(TemplateCache::default()),
        media,
        pricing: Arc::new(PriceTable {
            currency: "USD".into(),
            micros: Default::default(),
        }),
        import_dir: dir.path().join("imports"),
        broadcasts: Broadcasts::new(BroadcastSettings::default()),
        web: switchboard_service::web::WebSessions::none(),
    };
    Parts { gateway, _dir: dir }
}

impl Parts {
    /// What the dispatcher takes.
    pub fn dispatch(&self) -> DispatchParts {
        DispatchParts::from(&self.gateway)
    }

    /// What the webhook deliverer takes.
    pub fn webhooks(&self) -> WebhookParts {
        WebhookParts::from(&self.gateway)
    }
}
