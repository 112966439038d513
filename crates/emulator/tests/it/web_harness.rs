//! Test harness of the fake WhatsApp Web phone: an emulator mounted under `/sandbox` on
//! 127.0.0.1:0, sessions started on its `FakeWebDriver` with `MemoryKeys`, and their events.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use serde_json::{json, Value};
use switchboard_emulator::{Emulator, EmulatorConfig, FakeWebDriver};
use switchboard_web_driver::{MemoryKeys, SessionEvent, SessionStart, WebDriver, WebSession};
use tokio::sync::mpsc;

use crate::common::{post_json, serve_on_loopback, status_and_json};

/// The longest any one test may run.
const TEST_BUDGET: Duration = Duration::from_secs(30);
/// The longest wait for one event.
const EVENT_WAIT: Duration = Duration::from_secs(5);

/// Runs a test body within [`TEST_BUDGET`].
pub async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_BUDGET, body)
        .await
        .expect("the test ran over its time budget");
}

/// Short times: QR codes long enough to scan on a loaded machine, fast reconnects and
/// receipts.
pub fn web_config() -> EmulatorConfig {
    let mut c = EmulatorConfig {
        seed: 42,
        web_qr_first_ms: 5_000,
        web_qr_next_ms: 2_000,
        web_pair_code_ms: 5_000,
        web_reconnect_ms: 20,
        web_ack_timeout_ms: 2_000,
        ..EmulatorConfig::default()
    };
    c.status_delays.delivered_ms = 5;
    c.status_delays.read_ms = 15;
    c
}

/// An emulator served over HTTP.
pub struct WebHarness {
    pub emulator: Emulator,
    pub driver: FakeWebDriver,
    /// `http://127.0.0.1:port/sandbox`.
    pub base: String,
    pub http: reqwest::Client,
}

impl WebHarness {
    pub async fn start(config: EmulatorConfig) -> Self {
        let emulator = Emulator::new(config);
        let base = serve_on_loopback(Router::new().nest("/sandbox", emulator.router())).await;
        Self {
            driver: emulator.web_driver(),
            emulator,
            base: format!("{base}/sandbox"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    /// `POST /sandbox/emulator/web/{channel}/{action}`.
    pub async fn control(&self, channel: &str, action: &str, body: Value) -> (u16, Value) {
        post_json(
            &self.http,
            format!("{}/emulator/web/{channel}/{action}", self.base),
            &body,
        )
        .await
    }

    /// `GET /sandbox/emulator/web/{channel}/state`.
    pub async fn state(&self, channel: &str) -> (u16, Value) {
        let url = format!("{}/emulator/web/{channel}/state", self.base);
        status_and_json(self.http.get(url).send().await.expect("state")).await
    }

    /// Starts a session of `channel` on `keys`.
    pub async fn open(&self, channel: &str, keys: &Arc<MemoryKeys>, max_qr: u32) -> Session {
        open(&self.driver, channel, keys, max_qr).await
    }

    /// A new channel paired by a QR scan of `phone`: the session, its events after
    /// `Connected`, its keys and the device JID.
    pub async fn paired(&self, channel: &str, phone: &str) -> (Session, Arc<MemoryKeys>, String) {
        let keys = Arc::new(MemoryKeys::new());
        let mut s = self.open(channel, &keys, 6).await;
        assert!(matches!(s.next().await, SessionEvent::Qr { .. }));
        let (status, answer) = self
            .control(channel, "scan", json!({"phone_number": phone}))
            .await;
        assert_eq!(status, 200, "{answer}");
        assert!(matches!(s.next().await, SessionEvent::Paired { .. }));
        let jid = match s.next().await {
            SessionEvent::Connected { jid, .. } => jid.to_string(),
            other => panic!("expected Connected, got {other:?}"),
        };
        (s, keys, jid)
    }
}

/// A started session and its event stream.
pub struct Session {
    pub session: Arc<dyn WebSession>,
    pub events: mpsc::Receiver<SessionEvent>,
}

/// Starts a session of `channel` on `keys` with `driver`.
pub async fn open(
    driver: &FakeWebDriver,
    channel: &str,
    keys: &Arc<MemoryKeys>,
    max_qr: u32,
) -> Session {
    open_with_capacity(driver, channel, keys, max_qr, 64).await
}

/// [`open`] with an event channel of `capacity`.
pub async fn open_with_capacity(
    driver: &FakeWebDriver,
    channel: &str,
    keys: &Arc<MemoryKeys>,
    max_qr: u32,
    capacity: usize,
) -> Session {
    let (tx, events) = mpsc::channel(capacity);
    let session = driver
        .start(SessionStart {
            channel_id: channel.to_string(),
            keys: keys.clone(),
            events: tx,
            max_qr_codes: max_qr,
        })
        .await
        .expect("start");
    Session { session, events }
}

impl Session {
    /// The next event (panics after [`EVENT_WAIT`]).
    pub async fn next(&mut self) -> SessionEvent {
        tokio::time::timeout(EVENT_WAIT, self.events.recv())
            .await
            .expect("an event in time")
            .expect("the event stream is open")
    }

    /// Asserts that no event comes within `ms`.
    pub async fn quiet_for(&mut self, ms: u64) {
        if let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(ms), self.events.recv()).await
        {
            panic!("expected no event, got {event:?}");
        }
    }
}
