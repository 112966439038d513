//! What goes wrong: a fenced key store, a refused start, a killed server, bad frames.

use std::sync::Arc;

use async_trait::async_trait;
use futures::{SinkExt, StreamExt};
use switchboard_connectors::RemoteWebDriver;
use switchboard_web_driver::{
    Jid, KeyChange, KeyStoreError, MemoryKeys, OutboundContent, OutboundMessage, SessionEvent,
    SessionStart, WebDriver, WebErrorKind, WebKeys,
};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::{next_event, serve, start, wait_live, ScriptDriver, WAIT};

/// A store whose lease is gone for writes and which is unreachable for reads.
struct LostLease;

#[async_trait]
impl WebKeys for LostLease {
    async fn get(&self, _: &str, _: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Err(KeyStoreError::Unavailable("database timed out".into()))
    }
    async fn list(&self, _: &str, _: &str) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError> {
        Err(KeyStoreError::Unavailable("database timed out".into()))
    }
    async fn write(&self, _: Vec<KeyChange>) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Fenced(
            "lease 7 of ch_fenced is held by node-b".into(),
        ))
    }
    async fn is_empty(&self) -> Result<bool, KeyStoreError> {
        Ok(true)
    }
}

#[tokio::test]
async fn key_store_errors_reach_the_driver_as_they_are() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("ws://{addr}"));
    let c = start(&remote, &script, "ch_fenced", Arc::new(LostLease)).await;
    let write = c
        .server
        .keys
        .write(vec![KeyChange::ClearNamespace {
            namespace: "session".into(),
        }])
        .await;
    assert_eq!(
        write,
        Err(KeyStoreError::Fenced(
            "lease 7 of ch_fenced is held by node-b".into()
        ))
    );
    assert_eq!(
        c.server.keys.get("device", "").await,
        Err(KeyStoreError::Unavailable("database timed out".into()))
    );
    assert!(c.server.keys.list("device", "").await.is_err());
}

#[tokio::test]
async fn a_refused_start_is_the_drivers_error() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("ws://{addr}"));
    let (events, mut receiver) = mpsc::channel(4);
    let refused = remote
        .start(SessionStart {
            channel_id: "ch_refused".into(),
            keys: Arc::new(MemoryKeys::new()),
            events,
            max_qr_codes: 1,
        })
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.kind, WebErrorKind::Rejected);
    assert_eq!(refused.message, "this channel may not start");
    wait_live(addr, "ch_refused", 0).await;
    assert!(tokio::time::timeout(WAIT, receiver.recv())
        .await
        .unwrap()
        .is_none());

    let (events, _receiver) = mpsc::channel(4);
    let bad_id = remote
        .start(SessionStart {
            channel_id: "../x".into(),
            keys: Arc::new(MemoryKeys::new()),
            events,
            max_qr_codes: 1,
        })
        .await
        .err()
        .expect("refused");
    assert_eq!(bad_id.kind, WebErrorKind::Rejected);

    let (events, _receiver) = mpsc::channel(4);
    let nobody = RemoteWebDriver::new("ws://127.0.0.1:1")
        .start(SessionStart {
            channel_id: "ch_x".into(),
            keys: Arc::new(MemoryKeys::new()),
            events,
            max_qr_codes: 1,
        })
        .await
        .err()
        .expect("no server");
    assert_eq!(nobody.kind, WebErrorKind::NotConnected);
}

#[test]
fn a_killed_server_gives_disconnected() {
    let client = tokio::runtime::Runtime::new().unwrap();
    // The bridge runs on a runtime of its own, so the test can kill it whole: its sockets
    // close without a close frame, as when the emulator's process dies.
    let server = tokio::runtime::Runtime::new().unwrap();
    let script = ScriptDriver::new();
    let addr = server.block_on(serve(script.clone()));
    client.block_on(async {
        let remote = RemoteWebDriver::new(format!("ws://{addr}"));
        let mut c = start(&remote, &script, "ch_killed", Arc::new(MemoryKeys::new())).await;
        // A request in flight when the socket dies fails at once, not at its timeout.
        let session = c.session.clone();
        let in_flight = tokio::spawn(async move {
            let to = Jid::parse("15551234567").unwrap();
            let message = OutboundMessage {
                content: OutboundContent::Text {
                    body: "hi".into(),
                    preview_url: false,
                },
                quoted: None,
            };
            session.send(&to, message, "slow").await
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        server.shutdown_background();
        match next_event(&mut c.events).await {
            SessionEvent::Disconnected { clean, detail } => {
                assert!(!clean);
                assert!(!detail.is_empty());
            }
            other => panic!("expected Disconnected, got {other:?}"),
        }
        let after = tokio::time::timeout(WAIT, c.events.recv()).await.unwrap();
        assert!(after.is_none(), "nothing after the disconnect: {after:?}");
        let failed = tokio::time::timeout(WAIT, in_flight)
            .await
            .unwrap()
            .unwrap()
            .unwrap_err();
        assert_eq!(failed.kind, WebErrorKind::NotConnected);
        let error = c
            .session
            .request_pair_code("15551234567")
            .await
            .unwrap_err();
        assert_eq!(error.kind, WebErrorKind::NotConnected);
    });
}

#[tokio::test]
async fn the_bridge_refuses_what_is_not_its_protocol() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    // A plain GET is a JSON 4xx, not an upgrade.
    let plain = reqwest::get(format!("http://{addr}/emulator/web/ch_x/connect"))
        .await
        .unwrap();
    assert!(plain.status().is_client_error(), "{}", plain.status());
    let body: serde_json::Value = plain.json().await.unwrap();
    assert!(body["error"]["message"].is_string(), "{body}");

    // A frame that is not the protocol's closes the socket with 1002.
    let url = format!("ws://{addr}/emulator/web/ch_x/connect");
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    socket
        .send(Message::text("{\"type\":\"hello\"}"))
        .await
        .unwrap();
    let closed = tokio::time::timeout(WAIT, socket.next()).await.unwrap();
    match closed {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1002),
        other => panic!("expected a close frame, got {other:?}"),
    }

    // A request before `start` is answered not connected; a start for another channel than
    // the URL's is refused.
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    socket
        .send(Message::text(r#"{"type":"logout","id":5}"#))
        .await
        .unwrap();
    let answer = read_json(&mut socket).await;
    assert_eq!(answer["id"], 5);
    assert_eq!(answer["result"]["error"]["kind"], "not_connected");
    socket
        .send(Message::text(
            r#"{"type":"start","id":6,"channel_id":"ch_other","max_qr_codes":1}"#,
        ))
        .await
        .unwrap();
    let answer = read_json(&mut socket).await;
    assert_eq!(answer["id"], 6);
    assert_eq!(answer["result"]["error"]["kind"], "rejected");
}

async fn read_json(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> serde_json::Value {
    match tokio::time::timeout(WAIT, socket.next()).await.unwrap() {
        Some(Ok(Message::Text(text))) => serde_json::from_str(text.as_str()).unwrap(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}
