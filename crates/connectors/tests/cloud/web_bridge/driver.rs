//! A scripted driver: each start reads the key store once (so key requests cross the bridge
//! while `start` is still running) and hands the test the driver's side of the session — its
//! proxied keys and its event sender — to script the rest.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use switchboard_web_driver::{
    InboundMedia, Jid, OutboundMessage, Sent, SessionEvent, SessionStart, WebDriver, WebError,
    WebErrorKind, WebKeys, WebSession,
};
use tokio::sync::{mpsc, Mutex as AsyncMutex};

use super::WAIT;

/// The driver's side of one started session.
pub struct ServerSide {
    /// The channel id the driver was started with.
    pub channel_id: String,
    /// Its `max_qr_codes`.
    pub max_qr_codes: u32,
    /// The key store the driver got (proxied to the client).
    pub keys: Arc<dyn WebKeys>,
    /// The driver's event sender.
    pub events: mpsc::Sender<SessionEvent>,
    /// What `is_empty` answered during `start`.
    pub empty_at_start: bool,
    /// The session's record.
    pub session: Arc<ScriptSession>,
}

/// A driver whose sessions the test scripts.
pub struct ScriptDriver {
    starts: mpsc::Sender<ServerSide>,
    started: AsyncMutex<mpsc::Receiver<ServerSide>>,
}

impl ScriptDriver {
    /// A new driver.
    pub fn new() -> Arc<Self> {
        let (starts, started) = mpsc::channel(16);
        Arc::new(Self {
            starts,
            started: AsyncMutex::new(started),
        })
    }

    /// The driver's side of the next session started.
    pub async fn next_start(&self) -> ServerSide {
        tokio::time::timeout(WAIT, async { self.started.lock().await.recv().await })
            .await
            .expect("a start in time")
            .expect("the driver is alive")
    }
}

#[async_trait]
impl WebDriver for ScriptDriver {
    fn name(&self) -> &'static str {
        "script"
    }

    async fn start(&self, start: SessionStart) -> Result<Arc<dyn WebSession>, WebError> {
        if start.channel_id.starts_with("ch_refused") {
            return Err(WebError::new(
                WebErrorKind::Rejected,
                "this channel may not start",
            ));
        }
        let empty_at_start = start
            .keys
            .is_empty()
            .await
            .map_err(|e| WebError::new(WebErrorKind::Keys, e.to_string()))?;
        let session = Arc::new(ScriptSession::default());
        let side = ServerSide {
            channel_id: start.channel_id,
            max_qr_codes: start.max_qr_codes,
            keys: start.keys,
            events: start.events,
            empty_at_start,
            session: session.clone(),
        };
        self.starts
            .send(side)
            .await
            .map_err(|_| WebError::new(WebErrorKind::Temporary, "the test is gone"))?;
        Ok(session)
    }
}

/// A mark-read as the session got it: chat, sender, message ids.
pub type MarkRead = (Jid, Option<Jid>, Vec<String>);

/// A session that answers at once and records what it was asked.
#[derive(Default)]
pub struct ScriptSession {
    /// The messages sent, with their recipient and id.
    pub sent: Mutex<Vec<(Jid, OutboundMessage, String)>>,
    /// The mark-reads asked.
    pub read: Mutex<Vec<MarkRead>>,
    /// How often `stop` ran.
    pub stops: AtomicUsize,
}

#[async_trait]
impl WebSession for ScriptSession {
    async fn request_pair_code(&self, phone_number: &str) -> Result<String, WebError> {
        Ok(format!("PC{}", &phone_number[phone_number.len() - 6..]))
    }

    /// A recipient ending in `0000` is not on WhatsApp (404); the id `slow` takes 2 s.
    async fn send(
        &self,
        to: &Jid,
        message: OutboundMessage,
        message_id: &str,
    ) -> Result<Sent, WebError> {
        if to.user().ends_with("0000") {
            return Err(WebError::new(WebErrorKind::BadRecipient, "not on WhatsApp").with_code(404));
        }
        if message_id == "slow" {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        self.sent
            .lock()
            .unwrap()
            .push((to.clone(), message, message_id.to_string()));
        Ok(Sent {
            message_id: message_id.to_string(),
            at_ms: 1_700_000_000_123,
        })
    }

    /// The media is its handle reversed.
    async fn download(&self, media: &InboundMedia) -> Result<Bytes, WebError> {
        Ok(media
            .handle
            .iter()
            .rev()
            .copied()
            .collect::<Vec<u8>>()
            .into())
    }

    async fn mark_read(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        ids: &[String],
    ) -> Result<(), WebError> {
        self.read
            .lock()
            .unwrap()
            .push((chat.clone(), sender.cloned(), ids.to_vec()));
        Ok(())
    }

    async fn logout(&self) -> Result<(), WebError> {
        Err(WebError::new(
            WebErrorKind::Temporary,
            "the phone is offline",
        ))
    }

    async fn stop(&self) {
        self.stops.fetch_add(1, Ordering::SeqCst);
    }
}

impl ScriptSession {
    /// How often `stop` ran.
    pub fn stops(&self) -> usize {
        self.stops.load(Ordering::SeqCst)
    }
}
