//! Sends of every kind arrive unchanged; receipts; read receipts; the shared pool.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_connectors::ErrorClass;
use switchboard_core::channel::{Capabilities, ChannelKind};
use switchboard_core::message::MessageKind;

use crate::common::*;

/// One valid message of every kind (and the main interactive types), to the test customer.
fn every_kind(inbound: &str) -> Vec<Value> {
    let m = |kind: &str, content: Value| {
        let mut v = json!({"messaging_product":"whatsapp","recipient_type":"individual",
                           "to":CUSTOMER,"type":kind});
        v[kind] = content;
        v
    };
    let mut reply = m(
        "text",
        json!({"body":"Replying to you ✅","preview_url":false}),
    );
    reply["context"] = json!({"message_id": inbound});
    vec![
        m(
            "text",
            json!({"body":"Hello from Switchboard https://example.com","preview_url":true}),
        ),
        reply,
        m(
            "image",
            json!({"link":"https://example.com/cat.jpg","caption":"A cat"}),
        ),
        m(
            "video",
            json!({"link":"https://example.com/clip.mp4","caption":"A clip"}),
        ),
        m("audio", json!({"link":"https://example.com/voice.ogg"})),
        m(
            "document",
            json!({"link":"https://example.com/a.pdf","filename":"a.pdf","caption":"The PDF"}),
        ),
        m("sticker", json!({"link":"https://example.com/s.webp"})),
        m(
            "location",
            json!({"latitude":"37.4847","longitude":"-122.1477","name":"HQ","address":"1 Hacker Way"}),
        ),
        m(
            "contacts",
            json!([{"name":{"formatted_name":"Jane Doe","first_name":"Jane","last_name":"Doe"},
                              "phones":[{"phone":"+1 650 555 9876","type":"WORK","wa_id":"16505559876"}],
                              "emails":[{"email":"jane@example.com","type":"WORK"}]}]),
        ),
        m(
            "interactive",
            json!({"type":"button","body":{"text":"Pick one"},"footer":{"text":"Thanks"},
                                "action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Yes"}},
                                                     {"type":"reply","reply":{"id":"no","title":"No"}}]}}),
        ),
        m(
            "interactive",
            json!({"type":"list","header":{"type":"text","text":"Menu"},"body":{"text":"Choose"},
                                "action":{"button":"Options","sections":[{"title":"Food","rows":[
                                    {"id":"r1","title":"Pizza","description":"Hot"},{"id":"r2","title":"Salad"}]}]}}),
        ),
        m(
            "interactive",
            json!({"type":"cta_url","body":{"text":"See the site"},
                                "action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://example.com"}}}),
        ),
        m("reaction", json!({"message_id": inbound, "emoji":"👍"})),
        m(
            "template",
            json!({"name":"hello_world","language":{"code":"en_US"}}),
        ),
    ]
}

#[tokio::test]
async fn every_kind_arrives_byte_for_byte_and_receipts_carry_the_wamid() {
    let e = Emu::start().await;
    let inbound = e.customer_writes("hi").await;
    let bodies = every_kind(&inbound);
    let mut receipts = Vec::new();
    for body in &bodies {
        let kind = MessageKind::from_name(body["type"].as_str().expect("type")).expect("kind");
        assert!(Capabilities::of(ChannelKind::Cloud).carries(kind, None));
        let r = e
            .conn
            .send(&e.target, body)
            .await
            .unwrap_or_else(|err| panic!("{body}: {err:?}"));
        assert!(r.upstream_id.starts_with("wamid."), "{r:?}");
        assert_eq!(r.wa_id.as_deref(), Some(CUSTOMER));
        receipts.push(r);
    }
    let sent = e.emu.sent_messages();
    assert_eq!(sent.len(), bodies.len());
    for ((s, body), r) in sent.iter().zip(&bodies).zip(&receipts) {
        assert_eq!(&s.body, body, "the emulator got exactly what was sent");
        assert_eq!(s.wamid, r.upstream_id);
        assert_eq!(s.phone_number_id, PHONE_ID);
    }
    let ids: HashSet<&str> = receipts.iter().map(|r| r.upstream_id.as_str()).collect();
    assert_eq!(ids.len(), receipts.len(), "distinct wamids");

    // What went over the wire: POST to the messages edge, JSON, our user agent, a Bearer.
    let requests = e.emu.requests();
    let sends: Vec<_> = requests.iter().filter(|r| r.method == "POST").collect();
    assert_eq!(sends.len(), bodies.len());
    for r in sends {
        assert_eq!(r.path, format!("/v23.0/{PHONE_ID}/messages"));
        let header = |name: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("content-type"), Some("application/json"));
        assert!(header("user-agent").is_some_and(|u| u.starts_with("switchboard/")));
        assert!(header("authorization").is_some());
    }
}

#[tokio::test]
async fn mark_read_and_typing_indicator() {
    let e = Emu::start().await;
    let inbound = e.customer_writes("hello?").await;
    e.conn
        .mark_read(&e.target, &inbound, false)
        .await
        .expect("mark read");
    e.conn
        .mark_read(&e.target, &inbound, true)
        .await
        .expect("typing");
    let bodies: Vec<Value> = e.emu.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(
        bodies,
        vec![
            json!({"messaging_product":"whatsapp","status":"read","message_id":inbound}),
            json!({"messaging_product":"whatsapp","status":"read","message_id":inbound,
                   "typing_indicator":{"type":"text"}}),
        ]
    );
    assert!(
        e.emu.sent_messages().is_empty(),
        "a read receipt is no send"
    );

    let err = e
        .conn
        .mark_read(&e.target, "wamid.unknown", false)
        .await
        .expect_err("unknown message");
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(err.code, Some(100));
    assert_eq!(err.http_status, Some(400));
    assert!(err.details.is_some(), "{err:?}");
}

#[tokio::test]
async fn undeliverable_number_is_accepted_synchronously() {
    // 131026 arrives later as a failed status webhook; the send itself succeeds.
    let e = Emu::start().await;
    let mut body = text("hello");
    body["to"] = json!("16505550000");
    let r = e.conn.send(&e.target, &body).await.expect("accepted");
    assert_eq!(r.wa_id.as_deref(), Some("16505550000"));
}

#[derive(Default)]
struct Peers(Mutex<Vec<SocketAddr>>);

async fn ok_send(
    State(peers): State<Arc<Peers>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Json<Value> {
    peers.0.lock().expect("lock").push(peer);
    Json(
        json!({"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],
                "messages":[{"id":"wamid.OK"}]}),
    )
}

#[tokio::test]
async fn one_pooled_keep_alive_connection_serves_sequential_calls_of_every_channel() {
    let peers = Arc::new(Peers::default());
    let base = serve(
        Router::new()
            .route("/v23.0/{id}/messages", post(ok_send))
            .with_state(peers.clone()),
    )
    .await;
    let conn = connector();
    for i in 0..20 {
        // Two channels (numbers and tokens) on one connector.
        let mut t = target(&base);
        if i % 2 == 1 {
            t.phone_number_id = "999".into();
            t.access_token = "another-token".into();
        }
        let r = conn.send(&t, &text("x")).await.expect("send");
        assert_eq!(r.upstream_id, "wamid.OK");
    }
    let peers = peers.0.lock().expect("lock").clone();
    assert_eq!(peers.len(), 20);
    let distinct: HashSet<SocketAddr> = peers.into_iter().collect();
    assert_eq!(distinct.len(), 1, "one connection reused: {distinct:?}");
}
