//! A WhatsApp Web session across the emulator's web bridge: `RemoteWebDriver` (connectors)
//! against `web_bridge_router` (emulator) serving a small scripted driver, over real
//! WebSockets on 127.0.0.1.

mod driver;
mod failures;
mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use switchboard_connectors::RemoteWebDriver;
use switchboard_web_driver::{SessionEvent, SessionStart, WebDriver, WebKeys, WebSession};
use tokio::sync::mpsc;

pub use driver::{ScriptDriver, ServerSide};

/// The bound of every wait in these tests.
pub const WAIT: Duration = Duration::from_secs(10);

/// Serves `driver` through the bridge on an ephemeral port of this runtime.
pub async fn serve(driver: Arc<dyn WebDriver>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = switchboard_emulator::web_bridge_router(driver);
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// A client session and what the test sees of both sides.
pub struct Connected {
    /// The client's session.
    pub session: Arc<dyn WebSession>,
    /// The client's events.
    pub events: mpsc::Receiver<SessionEvent>,
    /// The server side of it (the driver's view).
    pub server: ServerSide,
}

/// Starts `channel_id` through `remote` with `keys`, and takes the server side from
/// `script`.
pub async fn start(
    remote: &RemoteWebDriver,
    script: &ScriptDriver,
    channel_id: &str,
    keys: Arc<dyn WebKeys>,
) -> Connected {
    let (events, receiver) = mpsc::channel(16);
    let session = tokio::time::timeout(
        WAIT,
        remote.start(SessionStart {
            channel_id: channel_id.to_string(),
            keys,
            events,
            max_qr_codes: 3,
        }),
    )
    .await
    .expect("start in time")
    .expect("started");
    let server = script.next_start().await;
    assert_eq!(server.channel_id, channel_id);
    assert_eq!(server.max_qr_codes, 3);
    Connected {
        session,
        events: receiver,
        server,
    }
}

/// The next client event, within [`WAIT`].
pub async fn next_event(events: &mut mpsc::Receiver<SessionEvent>) -> SessionEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the event channel is open")
}

/// The bridge's connection counts of `channel_id`.
pub async fn counts(addr: SocketAddr, channel_id: &str) -> serde_json::Value {
    let url = format!("http://{addr}/emulator/web/{channel_id}/connections");
    tokio::time::timeout(WAIT, async {
        reqwest::get(url)
            .await
            .expect("counts")
            .json::<serde_json::Value>()
            .await
            .expect("counts json")
    })
    .await
    .expect("counts in time")
}

/// Polls the counts of `channel_id` until `live` is `want`.
pub async fn wait_live(addr: SocketAddr, channel_id: &str, want: u64) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let counts = counts(addr, channel_id).await;
        if counts["live"] == want {
            return counts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "live never reached {want}: {counts}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
