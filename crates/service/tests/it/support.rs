//! What the workers under test are built from: a store, an upstream, default settings.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard_connectors::Connector;
use switchboard_core::stats::PriceTable;
use switchboard_service::broadcasts::{BroadcastSettings, Broadcasts};
use switchboard_service::dispatch::DispatchParts;
use switchboard_service::gateway::{Gateway, Outbox, SendSettings, Upstream};
use switchboard_service::media::{FsStorage, Media, MediaSettings};
use switchboard_service::templates::TemplateCache;
use switchboard_service::webhooks::WebhookParts;
use switchboard_store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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

/// A webhook receiver on 127.0.0.1 port 0 that answers 204 after a delay.
pub struct Receiver {
    /// Where it listens.
    pub url: String,
    /// Requests answered.
    pub hits: Arc<AtomicUsize>,
    /// The most requests it held at once.
    pub most_at_once: Arc<AtomicUsize>,
}

/// Starts a [`Receiver`] that holds each request for `delay`.
pub async fn receiver(delay: Duration) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let most_at_once = Arc::new(AtomicUsize::new(0));
    let at_once = Arc::new(AtomicUsize::new(0));
    let (counted, most) = (hits.clone(), most_at_once.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (counted, most, at_once) = (counted.clone(), most.clone(), at_once.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut seen = Vec::new();
                // Read the head and the announced body, then answer.
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&seen).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if seen.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let now = at_once.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                at_once.fetch_sub(1, Ordering::SeqCst);
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    Receiver {
        url,
        hits,
        most_at_once,
    }
}
