//! What the fake phone (and WhatsApp's server) keep per channel across sessions: the seeded
//! random source, the live session, inbound messages not yet acknowledged, sent messages,
//! read marks, pending reconnect failures and unlinked devices.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;
use switchboard_web_driver::InboundMessage;

use super::session::FakeSession;
use super::WebSettings;
use crate::state::lock;

/// One message a session sent, as `GET /emulator/web/{channel_id}/state` shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SentRecord {
    /// The WhatsApp message id.
    pub id: String,
    /// The recipient's JID.
    pub to: String,
    /// `text`, `image`, `video`, `audio`, `voice`, `document`, `sticker`, `location`,
    /// `contacts` or `reaction`.
    pub kind: &'static str,
    /// The text, caption or emoji.
    pub text: Option<String>,
    /// The id of the quoted (replied-to) message, or of the message reacted to.
    pub quoted_id: Option<String>,
    /// The media's size in bytes.
    pub media_size: Option<usize>,
    /// When the server took it (milliseconds since the epoch).
    pub at_ms: i64,
}

/// Per-channel state.
pub(crate) struct ChannelRecord {
    pub rng: StdRng,
    pub live: Option<Arc<FakeSession>>,
    /// Inbound messages delivered but not acknowledged (or not delivered yet), in order.
    pub pending: Vec<InboundMessage>,
    pub sent: Vec<SentRecord>,
    pub sent_ids: HashMap<String, i64>,
    pub read: Vec<String>,
    pub fail_reconnects: u32,
    /// Device JIDs the phone unlinked: a start with their keys is logged out.
    pub unlinked: HashSet<String>,
    pub sessions_started: u64,
}

/// State shared by the driver, its sessions and the control routes.
pub(crate) struct WebShared {
    pub settings: WebSettings,
    channels: Mutex<HashMap<String, ChannelRecord>>,
    media: Mutex<HashMap<Bytes, Bytes>>,
}

/// A stable 64-bit hash (FNV-1a), so seeds do not depend on the std hasher.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl WebShared {
    /// Empty state.
    pub fn new(settings: WebSettings) -> Self {
        Self {
            settings,
            channels: Mutex::new(HashMap::new()),
            media: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `f` on the channel's record, creating it (with its seeded random source) when new.
    pub fn with_channel<R>(&self, channel_id: &str, f: impl FnOnce(&mut ChannelRecord) -> R) -> R {
        let mut channels = lock(&self.channels);
        let record = channels
            .entry(channel_id.to_string())
            .or_insert_with(|| ChannelRecord {
                rng: StdRng::seed_from_u64(self.settings.seed ^ fnv(channel_id)),
                live: None,
                pending: Vec::new(),
                sent: Vec::new(),
                sent_ids: HashMap::new(),
                read: Vec::new(),
                fail_reconnects: 0,
                unlinked: HashSet::new(),
                sessions_started: 0,
            });
        f(record)
    }

    /// Runs `f` on the channel's record when it exists.
    pub fn existing_channel<R>(
        &self,
        channel_id: &str,
        f: impl FnOnce(&mut ChannelRecord) -> R,
    ) -> Option<R> {
        lock(&self.channels).get_mut(channel_id).map(f)
    }

    /// The channel's live session.
    pub fn live(&self, channel_id: &str) -> Option<Arc<FakeSession>> {
        self.existing_channel(channel_id, |c| c.live.clone())
            .flatten()
    }

    /// Forgets `session` as its channel's live one (when it still is).
    pub fn drop_live(&self, channel_id: &str, session: &FakeSession) {
        self.existing_channel(channel_id, |c| {
            if c.live
                .as_ref()
                .is_some_and(|l| std::ptr::eq(Arc::as_ptr(l), session))
            {
                c.live = None;
            }
        });
    }

    /// Keeps injected media bytes under `handle`.
    pub fn put_media(&self, handle: Bytes, data: Bytes) {
        lock(&self.media).insert(handle, data);
    }

    /// The media bytes under `handle`.
    pub fn media(&self, handle: &[u8]) -> Option<Bytes> {
        lock(&self.media).get(handle).cloned()
    }
}
