//! A WhatsApp Web session driven across a WebSocket: [`RemoteWebDriver`] is a [`WebDriver`]
//! whose sessions run in another process — the emulator's web bridge
//! (`switchboard_emulator::web_bridge_router`), which serves its fake phone — so Switchboard
//! nodes reach that phone over real HTTP, from any number of processes.
//!
//! The protocol is [`switchboard_web_driver::wire`]. The session's key store stays here: the
//! driver's key operations arrive as `keys.*` frames and run on the [`WebKeys`] given to
//! [`WebDriver::start`] (Switchboard's fenced store), and their errors, a lost lease
//! included, travel back as they are.

mod link;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use switchboard_web_driver::wire::{AnswerValue, ClientFrame, MAX_FRAME_BYTES};
use switchboard_web_driver::{
    InboundMedia, Jid, OutboundMessage, Sent, SessionStart, WebDriver, WebError, WebErrorKind,
    WebSession,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use link::{Command, Link};

/// How long a request waits for its answer unless configured otherwise.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `stop` waits for the bridge to confirm and the socket to close.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`WebDriver`] whose sessions run behind the emulator's web bridge.
#[derive(Debug, Clone)]
pub struct RemoteWebDriver {
    base: String,
    request_timeout: Duration,
}

impl RemoteWebDriver {
    /// A driver reaching the bridge at `base_ws_url` (`ws://host:port`, optionally with the
    /// emulator's mount path; `http://` is read as `ws://`). Sessions connect to
    /// `{base}/emulator/web/{channel_id}/connect`.
    pub fn new(base_ws_url: impl Into<String>) -> Self {
        let base = base_ws_url.into();
        let base = match base.strip_prefix("http://") {
            Some(rest) => format!("ws://{rest}"),
            None => match base.strip_prefix("https://") {
                Some(rest) => format!("wss://{rest}"),
                None => base,
            },
        };
        Self {
            base: base.trim_end_matches('/').to_string(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// How long a session request waits for its answer before it fails as not connected
    /// (default 60 s).
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

fn not_connected(message: impl Into<String>) -> WebError {
    WebError::new(WebErrorKind::NotConnected, message)
}

#[async_trait]
impl WebDriver for RemoteWebDriver {
    fn name(&self) -> &'static str {
        "emulator"
    }

    async fn start(&self, start: SessionStart) -> Result<Arc<dyn WebSession>, WebError> {
        let channel_id = start.channel_id.clone();
        if channel_id.is_empty()
            || !channel_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(WebError::new(
                WebErrorKind::Rejected,
                "a channel id of letters, digits, `_`, `-` and `.` is required",
            ));
        }
        let url = format!("{}/emulator/web/{channel_id}/connect", self.base);
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES));
        let connecting =
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true);
        let socket = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok((socket, _))) => socket,
            Ok(Err(e)) => return Err(not_connected(format!("cannot reach the bridge: {e}"))),
            Err(_) => return Err(not_connected("the bridge did not answer the connection")),
        };
        let (commands, received) = mpsc::channel(64);
        let stopped = Arc::new(AtomicBool::new(false));
        let link = Link {
            socket,
            commands: received,
            events: start.events,
            keys: start.keys,
            stopped: stopped.clone(),
        };
        let session = RemoteWebSession {
            commands,
            next_id: AtomicU64::new(1),
            timeout: self.request_timeout,
            stopped,
            link: Mutex::new(Some(tokio::spawn(link.run()))),
        };
        let started = session
            .request(|id| ClientFrame::Start {
                id,
                channel_id,
                max_qr_codes: start.max_qr_codes,
            })
            .await;
        match started {
            Ok(AnswerValue::Unit) => Ok(Arc::new(session)),
            Ok(other) => {
                session.close().await;
                Err(unexpected(&other))
            }
            Err(e) => {
                session.close().await;
                Err(e)
            }
        }
    }
}

fn unexpected(value: &AnswerValue) -> WebError {
    WebError::new(
        WebErrorKind::Temporary,
        format!("the bridge answered with the wrong kind of value ({value:?})"),
    )
}

/// A session running behind the bridge; every call is a request answered over the socket.
pub struct RemoteWebSession {
    commands: mpsc::Sender<Command>,
    next_id: AtomicU64,
    timeout: Duration,
    /// Set by `stop`: from then on nothing is emitted.
    stopped: Arc<AtomicBool>,
    link: Mutex<Option<JoinHandle<()>>>,
}

impl RemoteWebSession {
    /// Sends the request `make(id)` and waits for its answer.
    async fn request(
        &self,
        make: impl FnOnce(u64) -> ClientFrame,
    ) -> Result<AnswerValue, WebError> {
        self.request_within(self.timeout, make).await
    }

    async fn request_within(
        &self,
        timeout: Duration,
        make: impl FnOnce(u64) -> ClientFrame,
    ) -> Result<AnswerValue, WebError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        let command = Command::Request {
            id,
            frame: Box::new(make(id)),
            reply,
        };
        if self.commands.send(command).await.is_err() {
            return Err(not_connected("the bridge connection is closed"));
        }
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(outcome)) => Result::from(outcome).map_err(WebError::from),
            Ok(Err(_)) => Err(not_connected(
                "the bridge connection closed before answering",
            )),
            Err(_) => Err(not_connected(format!(
                "the bridge did not answer within {} ms",
                timeout.as_millis()
            ))),
        }
    }

    /// Closes the socket without an event and waits (bounded) for the link to end.
    async fn close(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let _ = self.commands.send(Command::Close).await;
        let link = self
            .link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(link) = link {
            let abort = link.abort_handle();
            if tokio::time::timeout(STOP_TIMEOUT, link).await.is_err() {
                abort.abort();
            }
        }
    }
}

#[async_trait]
impl WebSession for RemoteWebSession {
    async fn request_pair_code(&self, phone_number: &str) -> Result<String, WebError> {
        let phone_number = phone_number.to_string();
        match self
            .request(|id| ClientFrame::RequestPairCode { id, phone_number })
            .await?
        {
            AnswerValue::PairCode(code) => Ok(code),
            other => Err(unexpected(&other)),
        }
    }

    async fn send(
        &self,
        to: &Jid,
        message: OutboundMessage,
        message_id: &str,
    ) -> Result<Sent, WebError> {
        let frame = |id| ClientFrame::Send {
            id,
            to: to.clone(),
            message: message.into(),
            message_id: message_id.to_string(),
        };
        match self.request(frame).await? {
            AnswerValue::Sent(sent) => Ok(sent.into()),
            other => Err(unexpected(&other)),
        }
    }

    async fn download(&self, media: &InboundMedia) -> Result<Bytes, WebError> {
        let media = media.clone().into();
        match self
            .request(|id| ClientFrame::Download { id, media })
            .await?
        {
            AnswerValue::Media(bytes) => Ok(bytes.into()),
            other => Err(unexpected(&other)),
        }
    }

    async fn mark_read(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        ids: &[String],
    ) -> Result<(), WebError> {
        let frame = |id| ClientFrame::MarkRead {
            id,
            chat: chat.clone(),
            sender: sender.cloned(),
            ids: ids.to_vec(),
        };
        match self.request(frame).await? {
            AnswerValue::Unit => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    async fn logout(&self) -> Result<(), WebError> {
        match self.request(|id| ClientFrame::Logout { id }).await? {
            AnswerValue::Unit => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    async fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let timeout = self.timeout.min(STOP_TIMEOUT);
        if let Err(e) = self
            .request_within(timeout, |id| ClientFrame::Stop { id })
            .await
        {
            tracing::debug!(error = %e, "web bridge: the stop was not confirmed");
        }
        self.close().await;
    }
}
