//! A session's normal life across the bridge: events in order, keys in the client's store,
//! inbound acknowledgements, request/answer round trips, stop, and the connection counts.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use switchboard_connectors::RemoteWebDriver;
use switchboard_web_driver::{
    InboundBatch, InboundContent, InboundMedia, InboundMessage, Jid, KeyChange, MediaKind,
    MemoryKeys, OutboundContent, OutboundMedia, OutboundMessage, Quoted, SessionEvent, WebDriver,
    WebErrorKind, WebKeys,
};
use tokio::sync::oneshot;

use super::{counts, next_event, serve, start, wait_live, ScriptDriver, WAIT};

fn jid(text: &str) -> Jid {
    Jid::parse(text).unwrap()
}

fn put(namespace: &str, key: &str, value: &[u8]) -> KeyChange {
    KeyChange::Put {
        namespace: namespace.into(),
        key: key.into(),
        value: value.to_vec(),
    }
}

fn inbound(id: &str) -> InboundMessage {
    InboundMessage {
        id: id.into(),
        chat: jid("15551234567@s.whatsapp.net"),
        sender: jid("15551234567@s.whatsapp.net"),
        sender_phone: None,
        from_me: false,
        timestamp: 1_700_000_000,
        push_name: Some("Ada".into()),
        content: InboundContent::Text {
            body: format!("hello {id}"),
        },
        quoted_id: None,
    }
}

/// Sends a batch from the driver's side; the receiver of its acknowledgement.
async fn emit_batch(
    events: &tokio::sync::mpsc::Sender<SessionEvent>,
    messages: Vec<InboundMessage>,
) -> oneshot::Receiver<Result<(), String>> {
    let (stored, ack) = oneshot::channel();
    events
        .send(SessionEvent::Inbound(InboundBatch { messages, stored }))
        .await
        .unwrap();
    ack
}

#[tokio::test]
async fn events_arrive_in_order_and_keys_live_in_the_clients_store() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("ws://{addr}"));
    assert_eq!(remote.name(), "emulator");
    let keys = Arc::new(MemoryKeys::new());
    keys.write(vec![put("device", "", b"old identity")])
        .await
        .unwrap();
    let mut c = start(&remote, &script, "ch_events", keys.clone()).await;
    // The driver's `is_empty` during start was answered by the client's store.
    assert!(!c.server.empty_at_start);

    let server = &c.server;
    let qr = SessionEvent::Qr {
        code: "2@first".into(),
        valid_ms: 60_000,
    };
    server.events.send(qr).await.unwrap();
    // Keys written by the driver land in the client's MemoryKeys.
    server
        .keys
        .write(vec![
            put("device", "", b"\x00identity\xff"),
            put("session", "a.1", b"s1"),
            put("session", "b.1", b"s2"),
            KeyChange::Delete {
                namespace: "session".into(),
                key: "b.1".into(),
            },
        ])
        .await
        .unwrap();
    assert_eq!(
        keys.get("device", "").await.unwrap(),
        Some(b"\x00identity\xff".to_vec())
    );
    assert_eq!(keys.get("session", "b.1").await.unwrap(), None);
    // And the driver reads them back through the bridge.
    assert_eq!(
        server.keys.get("device", "").await.unwrap(),
        Some(b"\x00identity\xff".to_vec())
    );
    assert_eq!(server.keys.get("device", "absent").await.unwrap(), None);
    assert_eq!(
        server.keys.list("session", "").await.unwrap(),
        vec![("a.1".to_string(), b"s1".to_vec())]
    );
    assert!(!server.keys.is_empty().await.unwrap());
    server
        .events
        .send(SessionEvent::Paired {
            jid: jid("15551234567:8@s.whatsapp.net"),
            lid: Some(jid("99887766@lid")),
            push_name: Some("Ada".into()),
            platform: None,
        })
        .await
        .unwrap();
    server
        .events
        .send(SessionEvent::Connected {
            jid: jid("15551234567:8@s.whatsapp.net"),
            push_name: Some("Ada".into()),
        })
        .await
        .unwrap();

    match next_event(&mut c.events).await {
        SessionEvent::Qr { code, valid_ms } => {
            assert_eq!((code.as_str(), valid_ms), ("2@first", 60_000))
        }
        other => panic!("expected the QR code first, got {other:?}"),
    }
    match next_event(&mut c.events).await {
        SessionEvent::Paired {
            jid: device, lid, ..
        } => {
            assert_eq!(device.device(), Some(8));
            assert_eq!(lid, Some(jid("99887766@lid")));
        }
        other => panic!("expected Paired, got {other:?}"),
    }
    assert!(matches!(
        next_event(&mut c.events).await,
        SessionEvent::Connected { .. }
    ));
}

#[tokio::test]
async fn inbound_batches_are_acknowledged_across_the_bridge() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("http://{addr}/"));
    let mut c = start(&remote, &script, "ch_inbound", Arc::new(MemoryKeys::new())).await;
    assert!(c.server.empty_at_start);

    let ok = emit_batch(&c.server.events, vec![inbound("A"), inbound("B")]).await;
    let refused = emit_batch(&c.server.events, vec![inbound("C")]).await;
    let dropped = emit_batch(&c.server.events, vec![inbound("D")]).await;

    let SessionEvent::Inbound(first) = next_event(&mut c.events).await else {
        panic!("expected a batch");
    };
    assert_eq!(first.messages, vec![inbound("A"), inbound("B")]);
    // Not acknowledged yet: the driver still waits.
    let mut ok = ok;
    assert!(tokio::time::timeout(Duration::from_millis(100), &mut ok)
        .await
        .is_err());
    first.stored.send(Ok(())).unwrap();
    assert_eq!(
        tokio::time::timeout(WAIT, ok).await.unwrap().unwrap(),
        Ok(())
    );

    let SessionEvent::Inbound(second) = next_event(&mut c.events).await else {
        panic!("expected a batch");
    };
    assert_eq!(second.messages, vec![inbound("C")]);
    second.stored.send(Err("disk full".into())).unwrap();
    assert_eq!(
        tokio::time::timeout(WAIT, refused).await.unwrap().unwrap(),
        Err("disk full".to_string())
    );

    let SessionEvent::Inbound(third) = next_event(&mut c.events).await else {
        panic!("expected a batch");
    };
    drop(third);
    let answer = tokio::time::timeout(WAIT, dropped).await.unwrap().unwrap();
    assert!(answer.is_err(), "a dropped batch is not stored: {answer:?}");
}

#[tokio::test]
async fn requests_and_answers_round_trip_with_errors() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("ws://{addr}"))
        .with_request_timeout(Duration::from_millis(500));
    let c = start(&remote, &script, "ch_requests", Arc::new(MemoryKeys::new())).await;
    let to = jid("15551234567@s.whatsapp.net");
    let message = OutboundMessage {
        content: OutboundContent::Media(OutboundMedia {
            kind: MediaKind::Image,
            data: Bytes::from_static(b"\x89PNG\r\n\x1a\n..."),
            mime_type: "image/png".into(),
            caption: Some("look".into()),
            filename: None,
            voice: false,
        }),
        quoted: Some(Quoted {
            message_id: "Q1".into(),
            sender: None,
            text: Some("earlier".into()),
        }),
    };
    let sent = tokio::time::timeout(WAIT, c.session.send(&to, message.clone(), "3EB0AA"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.message_id, "3EB0AA");
    assert_eq!(sent.at_ms, 1_700_000_000_123);
    assert_eq!(
        c.server.session.sent.lock().unwrap().clone(),
        vec![(to.clone(), message.clone(), "3EB0AA".to_string())]
    );

    let refused = c
        .session
        .send(&jid("15550000@s.whatsapp.net"), message.clone(), "3EB0AB")
        .await
        .unwrap_err();
    assert_eq!(refused.kind, WebErrorKind::BadRecipient);
    assert_eq!(refused.code, Some(404));
    assert_eq!(refused.message, "not on WhatsApp");

    assert_eq!(
        c.session.request_pair_code("+15551234567").await.unwrap(),
        "PC234567"
    );
    let media = InboundMedia {
        kind: MediaKind::Audio,
        mime_type: "audio/ogg".into(),
        size: None,
        voice: true,
        handle: Bytes::from_static(&[1, 2, 3, 0]),
    };
    assert_eq!(
        c.session.download(&media).await.unwrap(),
        Bytes::from_static(&[0, 3, 2, 1])
    );
    let group = jid("120363025246125888@g.us");
    c.session
        .mark_read(&group, Some(&to), &["M1".into(), "M2".into()])
        .await
        .unwrap();
    assert_eq!(
        c.server.session.read.lock().unwrap().clone(),
        vec![(group, Some(to.clone()), vec!["M1".into(), "M2".into()])]
    );
    let offline = c.session.logout().await.unwrap_err();
    assert_eq!(offline.kind, WebErrorKind::Temporary);

    // An answer later than the request timeout: not connected, and the session goes on.
    let slow = c
        .session
        .send(&to, message.clone(), "slow")
        .await
        .unwrap_err();
    assert_eq!(slow.kind, WebErrorKind::NotConnected);
    assert!(c.session.request_pair_code("15551234567").await.is_ok());
}

#[tokio::test]
async fn stop_closes_the_socket_and_emits_nothing() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("ws://{addr}"));
    let mut c = start(&remote, &script, "ch_stop", Arc::new(MemoryKeys::new())).await;
    assert_eq!(counts(addr, "ch_stop").await["live"], 1);
    tokio::time::timeout(WAIT, c.session.stop()).await.unwrap();
    assert_eq!(c.server.session.stops(), 1);
    let after = wait_live(addr, "ch_stop", 0).await;
    assert_eq!(after["total"], 1);
    // The driver's later events go nowhere; the client's channel ends without an event.
    let _ = c
        .server
        .events
        .send(SessionEvent::Qr {
            code: "late".into(),
            valid_ms: 1,
        })
        .await;
    let end = tokio::time::timeout(WAIT, c.events.recv()).await.unwrap();
    assert!(end.is_none(), "no event after stop: {end:?}");
    let error = c
        .session
        .request_pair_code("15551234567")
        .await
        .unwrap_err();
    assert_eq!(error.kind, WebErrorKind::NotConnected);
    // The close stopped the session once (the stop request), not twice.
    assert_eq!(c.server.session.stops(), 1);
}

#[tokio::test]
async fn dropping_the_session_stops_it_on_the_server() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("ws://{addr}"));
    let c = start(&remote, &script, "ch_drop", Arc::new(MemoryKeys::new())).await;
    drop(c.session);
    wait_live(addr, "ch_drop", 0).await;
    assert_eq!(c.server.session.stops(), 1);
}

#[tokio::test]
async fn connections_count_live_peak_and_total_per_channel() {
    let script = ScriptDriver::new();
    let addr = serve(script.clone()).await;
    let remote = RemoteWebDriver::new(format!("ws://{addr}"));
    let zero = counts(addr, "ch_never").await;
    assert_eq!(
        zero,
        serde_json::json!({"live": 0, "max_concurrent": 0, "total": 0})
    );

    // One after the other: never more than one at a time.
    for _ in 0..2 {
        let c = start(&remote, &script, "ch_serial", Arc::new(MemoryKeys::new())).await;
        c.session.stop().await;
        wait_live(addr, "ch_serial", 0).await;
    }
    assert_eq!(
        counts(addr, "ch_serial").await,
        serde_json::json!({"live": 0, "max_concurrent": 1, "total": 2})
    );

    // Two at once on one channel.
    let a = start(&remote, &script, "ch_twice", Arc::new(MemoryKeys::new())).await;
    let b = start(&remote, &script, "ch_twice", Arc::new(MemoryKeys::new())).await;
    assert_eq!(
        counts(addr, "ch_twice").await,
        serde_json::json!({"live": 2, "max_concurrent": 2, "total": 2})
    );
    a.session.stop().await;
    let one = wait_live(addr, "ch_twice", 1).await;
    assert_eq!(one["max_concurrent"], 2);
    b.session.stop().await;
    wait_live(addr, "ch_twice", 0).await;
    assert_eq!(counts(addr, "ch_serial").await["total"], 2);
}
