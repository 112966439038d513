//! WhatsApp Web sessions (channels of kind `web`): a long-lived connection per channel,
//! driven through the [`switchboard_web_driver`] boundary — the `whatsapp-rust` adapter for
//! real numbers, the emulator's fake phone for sandbox channels.
//!
//! - **State** ([`WebSession`](switchboard_core::channel::web_session::WebSession)) lives in
//!   the store; every change is written with its `channel.status` event
//!   ([`control`] for what the API asks, [`session_task`] for what the session reports).
//! - **Ownership**: a session runs on the node holding the lease `web:<channel id>`; its key
//!   writes are fenced by that lease ([`keys::StoreKeys`]), so two nodes never drive one
//!   session. The [`manager`] (one per node) starts the sessions that should run and whose
//!   lease it can take — at start-up that resumes every session that was `working`, without
//!   a new QR code — renews its leases, and stops what it lost or what was stopped.
//! - **Sending** goes through the normal outbox: the dispatcher hands a web channel's
//!   messages to [`outbound::send`], which sends them on the live session under a WhatsApp id
//!   derived from ours (a retry re-sends the same id).
//! - **Receiving**: inbound messages are translated onto the Cloud-shaped inbound path
//!   ([`inbound`]), media downloaded into the media store, and acknowledged to WhatsApp only
//!   once stored; receipts move the statuses of our messages.

pub mod control;
pub mod inbound;
pub mod keys;
pub mod manager;
pub mod outbound;
pub mod session_task;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use switchboard_core::channel::Channel;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_store::leases::Fence;
use switchboard_web_driver::{WebDriver, WebSession};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The prefix of session lease names: `web:<channel id>`.
pub const LEASE_PREFIX: &str = "web:";

/// The lease name of a channel's session.
pub fn lease_name(channel: ChannelId) -> String {
    format!("{LEASE_PREFIX}{channel}")
}

/// How sessions are run.
#[derive(Debug, Clone)]
pub struct WebSessionSettings {
    /// How many QR codes a pairing shows before it fails with `qr_timeout` (WhatsApp gives
    /// six: 60 s, then 20 s each).
    pub max_qr_codes: u32,
    /// How many reconnects in a row without reaching `working` before the session fails
    /// with `restart_limit`.
    pub max_restarts: u32,
    /// How long a session lease lasts without renewal: how long a dead node's sessions wait
    /// before another node resumes them.
    pub lease_ttl_ms: i64,
    /// How often the manager looks for sessions to start, stop or take over, and renews its
    /// leases (well under `lease_ttl_ms`).
    pub poll_ms: u64,
    /// How long a send may wait for the server's acknowledgement.
    pub send_timeout_ms: u64,
}

impl Default for WebSessionSettings {
    fn default() -> Self {
        Self {
            max_qr_codes: 6,
            max_restarts: 10,
            lease_ttl_ms: 30_000,
            poll_ms: 5_000,
            send_timeout_ms: 30_000,
        }
    }
}

/// A session running on this node.
#[derive(Clone)]
pub struct Live {
    /// The session.
    pub session: Arc<dyn WebSession>,
    /// The lease tenure it runs under.
    pub fence: Fence,
    /// The channel's account.
    pub account: AccountId,
    /// Stops its event task (and with it the session).
    pub stop: CancellationToken,
    /// Cancelled once the event task ended and the session is stopped.
    pub done: CancellationToken,
    /// The number the last pair code was asked for (the code arrives as an event).
    pub pair_phone: Arc<Mutex<Option<String>>>,
}

impl Live {
    /// The number the last pair code was asked for.
    pub fn pair_phone(&self) -> Option<String> {
        self.pair_phone
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Notes the number a pair code is asked for.
    pub fn set_pair_phone(&self, number: &str) {
        *self
            .pair_phone
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(number.to_string());
    }
}

/// This node's WhatsApp Web sessions and the drivers that start them; cheap to clone.
#[derive(Clone)]
pub struct WebSessions {
    inner: Arc<Inner>,
}

struct Inner {
    sandbox: Option<Arc<dyn WebDriver>>,
    upstream: Option<Arc<dyn WebDriver>>,
    settings: WebSessionSettings,
    owner: String,
    live: Mutex<HashMap<ChannelId, Live>>,
    wake: Notify,
}

impl WebSessions {
    /// Sessions started by `upstream` (real numbers; `None` when this build has no WhatsApp
    /// Web library) and `sandbox` (sandbox channels: the emulator's fake phone).
    pub fn new(
        upstream: Option<Arc<dyn WebDriver>>,
        sandbox: Option<Arc<dyn WebDriver>>,
        settings: WebSessionSettings,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                sandbox,
                upstream,
                settings,
                owner: format!("web-{}", switchboard_core::secret::random_hex(8)),
                live: Mutex::new(HashMap::new()),
                wake: Notify::new(),
            }),
        }
    }

    /// No driver at all: every start fails with a clear reason.
    pub fn none() -> Self {
        Self::new(None, None, WebSessionSettings::default())
    }

    /// The settings.
    pub fn settings(&self) -> &WebSessionSettings {
        &self.inner.settings
    }

    /// This node's owner name in session leases.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// The driver for `channel`, or why there is none.
    pub fn driver_for(&self, channel: &Channel) -> Result<Arc<dyn WebDriver>, String> {
        let sandbox = matches!(
            &channel.settings,
            switchboard_core::channel::ChannelSettings::Web(w) if w.sandbox
        );
        if sandbox {
            self.inner.sandbox.clone().ok_or_else(|| {
                "this sandbox web channel needs the sandbox (sandbox.enabled = true)".to_string()
            })
        } else {
            self.inner.upstream.clone().ok_or_else(|| {
                "this build has no WhatsApp Web library: build Switchboard with the `whatsapp-web` feature (on by default)".to_string()
            })
        }
    }

    fn live_map(&self) -> MutexGuard<'_, HashMap<ChannelId, Live>> {
        self.inner
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The session of `channel` if it runs on this node.
    pub fn live(&self, channel: ChannelId) -> Option<Live> {
        self.live_map().get(&channel).cloned()
    }

    /// The channels whose sessions run on this node.
    pub fn live_channels(&self) -> Vec<ChannelId> {
        self.live_map().keys().copied().collect()
    }

    pub(crate) fn insert(&self, channel: ChannelId, live: Live) {
        self.live_map().insert(channel, live);
    }

    /// Forgets `channel`'s session if it is still the one running under `fence`.
    pub(crate) fn remove_if(&self, channel: ChannelId, fence: &Fence) -> Option<Live> {
        let mut map = self.live_map();
        if map.get(&channel).is_some_and(|l| &l.fence == fence) {
            map.remove(&channel)
        } else {
            None
        }
    }

    /// Asks the manager for a round now (after a start, stop or logout).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.inner.wake.notified().await;
    }
}
