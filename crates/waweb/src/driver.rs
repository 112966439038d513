//! [`WhatsAppRustDriver`]: starts whatsapp-rust sessions over Switchboard's key store.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use switchboard_web_driver::{
    SessionEvent, SessionStart, WebDriver, WebError, WebErrorKind, WebSession,
};
use tokio::sync::{mpsc, Mutex};
use whatsapp_rust::bot::Bot;
use whatsapp_rust::wacore::types::events::{Event, EventHandler, EventInterest, EventKind};
use whatsapp_rust::Client;

use crate::backend::KeysBackend;
use crate::events::{Action, Me, Translator};
use crate::hook::{self, Hook};
use crate::session::{from_lib_jid, WaSession};

/// How the driver configures the library.
#[derive(Debug, Clone)]
pub struct WaWebConfig {
    /// The WhatsApp Web version to announce; `None` fetches the current one (the default:
    /// a stale pinned version is a common cause of refused pairings).
    pub version: Option<(u32, u32, u32)>,
    /// Whether to skip the phone's history sync (a gateway needs no past chats).
    pub skip_history_sync: bool,
}

impl Default for WaWebConfig {
    fn default() -> Self {
        Self {
            version: None,
            skip_history_sync: true,
        }
    }
}

/// The `whatsapp-rust` driver.
#[derive(Debug, Clone, Default)]
pub struct WhatsAppRustDriver {
    config: WaWebConfig,
}

impl WhatsAppRustDriver {
    /// A driver configured with `config`.
    pub fn new(config: WaWebConfig) -> Self {
        Self { config }
    }
}

/// The event kinds the session reports (the bus skips the others).
const KINDS: &[EventKind] = &[
    EventKind::Connected,
    EventKind::Disconnected,
    EventKind::PairSuccess,
    EventKind::LoggedOut,
    EventKind::PairingQrCode,
    EventKind::PairingCode,
    EventKind::PairingQrCodesExhausted,
    EventKind::ClientOutdated,
    EventKind::Messages,
    EventKind::Receipt,
    EventKind::ServerAck,
    EventKind::StreamReplaced,
    EventKind::TemporaryBan,
];

/// Hands the library's events, in order and without blocking its dispatch, to the
/// session's forwarder.
struct Forward(mpsc::UnboundedSender<Arc<Event>>);

impl EventHandler for Forward {
    fn handle_event(&self, event: Arc<Event>) {
        // A closed channel means the session stopped: nothing to report any more.
        let _ = self.0.send(event);
    }

    fn interest(&self) -> EventInterest {
        EventInterest::of(KINDS)
    }
}

fn me_of(client: &Client) -> Me {
    let push_name = client.push_name();
    Me {
        jid: client.pn().as_ref().and_then(from_lib_jid),
        push_name: (!push_name.is_empty()).then_some(push_name),
    }
}

/// Translates and reports the library's events until the session stops.
async fn forward(
    mut raw: mpsc::UnboundedReceiver<Arc<Event>>,
    mut translator: Translator,
    client: Arc<Client>,
    backend: KeysBackend,
    events: mpsc::Sender<SessionEvent>,
    stopped: Arc<AtomicBool>,
) {
    while let Some(event) = raw.recv().await {
        if stopped.load(Ordering::SeqCst) {
            return;
        }
        if let Event::Messages(batch) = event.as_ref() {
            // Batches the durability hook committed were reported by the hook; the
            // others bypass it (placeholder recoveries): report them, unacknowledged.
            if !batch.hook_committed {
                let mut messages = Vec::with_capacity(batch.messages.len());
                for message in batch.messages.iter() {
                    if let Some(m) = hook::convert(&backend, message).await {
                        messages.push(m);
                    }
                }
                let events = events.clone();
                tokio::spawn(async move {
                    let _ = hook::deliver(&events, messages).await;
                });
            }
            continue;
        }
        match translator.translate(&event, || me_of(&client)) {
            Action::Emit(e) => {
                if events.send(e).await.is_err() {
                    return;
                }
            }
            Action::EmitAndDisconnect(e) => {
                let _ = events.send(e).await;
                client.disconnect().await;
            }
            Action::Ignore => {}
        }
    }
}

/// Stops the session when the key store reports the lease lost.
async fn watch_fence(backend: KeysBackend, client: Arc<Client>, stopped: Arc<AtomicBool>) {
    backend.fence().tripped().await;
    stopped.store(true, Ordering::SeqCst);
    client.disconnect().await;
}

#[async_trait]
impl WebDriver for WhatsAppRustDriver {
    fn name(&self) -> &'static str {
        "whatsapp-rust"
    }

    async fn start(&self, start: SessionStart) -> Result<Arc<dyn WebSession>, WebError> {
        let backend = KeysBackend::new(start.keys.clone());
        let (raw_tx, raw_rx) = mpsc::unbounded_channel();
        let mut builder = Bot::builder()
            .with_backend(backend.clone())
            .with_event_handler(Forward(raw_tx))
            .with_inbound_durability_hook(Hook {
                backend: backend.clone(),
                events: start.events.clone(),
            });
        if let Some(version) = self.config.version {
            builder = builder.with_version(version);
        }
        if self.config.skip_history_sync {
            builder = builder.skip_history_sync();
        }
        let bot = builder.build().await.map_err(|e| {
            if backend.is_fenced() {
                WebError::new(WebErrorKind::Keys, "the session's lease was lost")
            } else {
                WebError::new(
                    WebErrorKind::Temporary,
                    format!("the session could not be set up: {e}"),
                )
            }
        })?;
        let client = bot.client();
        let stopped = Arc::new(AtomicBool::new(false));
        let forwarder = tokio::spawn(forward(
            raw_rx,
            Translator::new(start.max_qr_codes),
            client.clone(),
            backend.clone(),
            start.events,
            stopped.clone(),
        ));
        let fence = tokio::spawn(watch_fence(
            backend.clone(),
            client.clone(),
            stopped.clone(),
        ));
        tracing::info!(channel = %start.channel_id, "WhatsApp Web session starting");
        let handle = bot.spawn();
        Ok(Arc::new(WaSession {
            client,
            backend,
            stopped,
            bot: Mutex::new(Some(handle)),
            tasks: std::sync::Mutex::new(vec![forwarder, fence]),
        }))
    }
}
