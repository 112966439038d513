//! Media: uploads (a client's stream, a data URI, or a URL fetched through the private-network
//! guard) checked against WhatsApp's type and size rules from their bytes and stored through
//! a [`MediaStorage`]; the upstream copy made at dispatch and cached per channel; inbound media
//! downloaded from the upstream; and the expiry sweeper.

pub mod error;
pub mod fetch;
pub mod inbound;
pub mod ingest;
pub mod manage;
pub mod refs;
pub mod storage;
pub mod sweeper;
pub mod upstream;

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::id::MediaId;

pub use error::MediaError;
pub use storage::{ByteStream, FsStorage, MediaStorage, StorageError, StoredObject};

/// Media settings.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// How long media is kept before the sweeper deletes it.
    pub expiry_ms: i64,
    /// How often the sweeper looks for expired media.
    pub sweep_interval_ms: u64,
    /// Whole-request limit of fetching an upload's URL.
    pub fetch_timeout: Duration,
    /// Whole limit of downloading one inbound file from the upstream.
    pub inbound_timeout: Duration,
    /// Largest JSON upload body (a base64 data URI is decoded in memory, so it is bounded
    /// separately from multipart and URL uploads, which stream).
    pub json_body_limit: usize,
    /// Whether URL uploads may fetch from private, loopback and link-local addresses.
    pub allow_private_targets: bool,
    /// Base URL clients reach this server at (for media URLs in webhooks).
    pub public_url: String,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            expiry_ms: 30 * 24 * 60 * 60 * 1000,
            sweep_interval_ms: 60_000,
            fetch_timeout: Duration::from_secs(60),
            inbound_timeout: Duration::from_secs(60),
            json_body_limit: 24 * 1024 * 1024,
            allow_private_targets: false,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// The media side of the gateway: storage, settings and the guarded fetch client.
#[derive(Clone)]
pub struct Media {
    /// Where the bytes live.
    pub storage: Arc<dyn MediaStorage>,
    /// Settings.
    pub settings: Arc<MediaSettings>,
    /// HTTP client for URL uploads (guarded resolver, checked redirects, timeout).
    pub fetch_client: reqwest::Client,
}

impl Media {
    /// Media with `storage` and `settings`; builds the guarded fetch client.
    pub fn new(
        storage: Arc<dyn MediaStorage>,
        settings: MediaSettings,
    ) -> Result<Self, reqwest::Error> {
        let fetch_client = fetch::client(settings.allow_private_targets, settings.fetch_timeout)?;
        Ok(Self {
            storage,
            settings: Arc::new(settings),
            fetch_client,
        })
    }

    /// Where clients download a media file: `<public_url>/v1/media/{id}/content`.
    pub fn content_url(&self, id: MediaId) -> String {
        format!(
            "{}/v1/media/{id}/content",
            self.settings.public_url.trim_end_matches('/')
        )
    }
}
