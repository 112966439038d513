//! Classification of real upstream failures: the emulator's faults and error codes, and tiny
//! servers for non-JSON bodies, Retry-After, odd 200s and dead ports.

use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use switchboard_connectors::{ConnectorError, ErrorClass};
use switchboard_emulator::{Faults, PairRate};

use crate::common::*;

async fn send_err(e: &Emu, body: &serde_json::Value) -> ConnectorError {
    e.conn
        .send(&e.target, body)
        .await
        .expect_err("the send should fail")
}

#[tokio::test]
async fn bad_token_is_permanent_190() {
    let e = Emu::start().await;
    let mut t = e.target.clone();
    t.access_token = "not-the-token".into();
    let err = e.conn.send(&t, &text("x")).await.expect_err("bad token");
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(err.code, Some(190));
    assert_eq!(err.http_status, Some(401));
    assert!(err.message.contains("access token"), "{err:?}");
    assert!(e.emu.sent_messages().is_empty());
}

#[tokio::test]
async fn injected_5xx_is_transient() {
    let e = Emu::start().await;
    e.emu.set_faults(Faults {
        error_5xx_rate: 1.0,
        ..Faults::default()
    });
    let err = send_err(&e, &text("x")).await;
    assert_eq!(err.class, ErrorClass::Transient);
    assert_eq!(err.code, Some(2));
    assert_eq!(err.http_status, Some(500));
    assert!(err.details.is_some());
    // Every operation classifies the same way.
    let err = e
        .conn
        .list_templates(&e.target, None)
        .await
        .expect_err("5xx");
    assert_eq!(err.class, ErrorClass::Transient);
    let err = e.conn.media_info(&e.target, "123").await.expect_err("5xx");
    assert_eq!(err.class, ErrorClass::Transient);
}

#[tokio::test]
async fn timeouts_are_transient() {
    let e = Emu::start().await;
    e.emu.set_faults(Faults {
        timeout_rate: 1.0,
        timeout_ms: 3000,
        ..Faults::default()
    });
    // Our own timeout fires first.
    let conn = connector_with(|c| c.request_timeout = Duration::from_millis(150));
    let started = Instant::now();
    let err = conn.send(&e.target, &text("x")).await.expect_err("timeout");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.class, ErrorClass::Transient);
    assert_eq!(err.http_status, None);
    assert_eq!(err.code, None);
    assert!(err.message.contains("timed out after 150 ms"), "{err:?}");
    // The upstream's own 504 after a hang is transient too.
    e.emu.set_faults(Faults {
        timeout_rate: 1.0,
        timeout_ms: 20,
        ..Faults::default()
    });
    let err = send_err(&e, &text("x")).await;
    assert_eq!(
        (err.class, err.http_status, err.code),
        (ErrorClass::Transient, Some(504), Some(2))
    );
}

#[tokio::test]
async fn throughput_and_pair_rate_are_rate_limited() {
    let e = Emu::start().await;
    e.emu.set_faults(Faults {
        throughput_limit_mps: Some(1),
        ..Faults::default()
    });
    e.conn.send(&e.target, &text("1")).await.expect("first");
    // Sent together, so a stalled machine cannot spread them over the one-second window.
    let burst = [text("2"), text("3"), text("4"), text("5")];
    let (a, b, c, d) = tokio::join!(
        e.conn.send(&e.target, &burst[0]),
        e.conn.send(&e.target, &burst[1]),
        e.conn.send(&e.target, &burst[2]),
        e.conn.send(&e.target, &burst[3]),
    );
    let err = [a, b, c, d]
        .into_iter()
        .find_map(Result::err)
        .expect("at most one send per second is admitted");
    assert_eq!(err.class, ErrorClass::RateLimited);
    assert_eq!(err.code, Some(130429));
    assert_eq!(err.http_status, Some(400));

    e.emu.set_faults(Faults {
        pair_rate_limit: Some(PairRate {
            burst: 1,
            interval_ms: 60_000,
        }),
        ..Faults::default()
    });
    let mut other = text("1");
    other["to"] = json!("16505550042");
    e.conn
        .send(&e.target, &other)
        .await
        .expect("first to this customer");
    let err = send_err(&e, &other).await;
    assert_eq!(err.class, ErrorClass::RateLimited);
    assert_eq!(err.code, Some(131056));
    assert!(err.message.contains("pair rate limit"), "{err:?}");
}

#[tokio::test]
async fn template_and_validation_errors_are_permanent() {
    let e = Emu::start().await;
    let err = send_err(
        &e,
        &json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"template",
                "template":{"name":"no_such_template","language":{"code":"en_US"}}}),
    )
    .await;
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(err.code, Some(132001));
    assert!(err
        .details
        .as_deref()
        .is_some_and(|d| d.contains("no_such_template")));

    let err = send_err(&e, &text(&"x".repeat(5000))).await;
    assert_eq!(err.class, ErrorClass::Permanent);
    assert_eq!(err.http_status, Some(400));
    assert!(err.code.is_some());

    // A number that does not exist for this token: 100 (GraphMethodException).
    let mut t = e.target.clone();
    t.phone_number_id = "999".into();
    let err = e.conn.send(&t, &text("x")).await.expect_err("unknown");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(100)));
}

async fn bad_gateway() -> impl IntoResponse {
    (
        StatusCode::BAD_GATEWAY,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
}

async fn too_many() -> impl IntoResponse {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "7")],
        "slow down",
    )
}

async fn throttled_json() -> impl IntoResponse {
    (
        StatusCode::BAD_REQUEST,
        [(header::RETRY_AFTER, "2")],
        Json(
            json!({"error":{"message":"(#80007) Rate limit issues","type":"OAuthException",
                             "code":80007,"is_transient":true,"fbtrace_id":"AbC"}}),
        ),
    )
}

async fn no_id() -> Json<serde_json::Value> {
    Json(
        json!({"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[]}),
    )
}

async fn not_json() -> &'static str {
    "OK"
}

async fn not_success() -> Json<serde_json::Value> {
    Json(json!({"success": false}))
}

#[tokio::test]
async fn odd_answers_from_tiny_servers() {
    let base = serve(
        Router::new()
            .route("/v23.0/bad_gateway/messages", post(bad_gateway))
            .route("/v23.0/too_many/messages", post(too_many))
            .route("/v23.0/throttled/messages", post(throttled_json))
            .route("/v23.0/no_id/messages", post(no_id))
            .route("/v23.0/not_json/messages", post(not_json))
            .route("/v23.0/not_success/messages", post(not_success)),
    )
    .await;
    let conn = connector();
    let on = |id: &str| {
        let mut t = target(&base);
        t.phone_number_id = id.into();
        t
    };

    let err = conn
        .send(&on("bad_gateway"), &text("x"))
        .await
        .expect_err("502");
    assert_eq!(err.class, ErrorClass::Transient);
    assert_eq!(err.http_status, Some(502));
    assert_eq!(err.code, None);
    assert!(err.message.contains("502 Bad Gateway"), "{err:?}");

    let err = conn
        .send(&on("too_many"), &text("x"))
        .await
        .expect_err("429");
    assert_eq!(err.class, ErrorClass::RateLimited);
    assert_eq!(err.http_status, Some(429));
    assert_eq!(err.retry_after, Some(Duration::from_secs(7)));

    let err = conn
        .send(&on("throttled"), &text("x"))
        .await
        .expect_err("80007");
    assert_eq!(err.class, ErrorClass::RateLimited);
    assert_eq!(err.code, Some(80007));
    assert_eq!(err.retry_after, Some(Duration::from_secs(2)));

    for id in ["no_id", "not_json"] {
        let err = conn.send(&on(id), &text("x")).await.expect_err("odd 200");
        assert_eq!(err.class, ErrorClass::Transient, "{id}");
        assert_eq!(err.http_status, Some(200), "{id}");
        assert!(err.message.contains("unexpected answer"), "{err:?}");
    }
    let err = conn
        .mark_read(&on("not_success"), "wamid.X", false)
        .await
        .expect_err("success false");
    assert_eq!(err.class, ErrorClass::Transient);
}

#[tokio::test]
async fn no_answer_at_all_is_transient_and_bad_config_is_permanent() {
    // A port nobody listens on (bound, then closed).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let conn = connector();
    let err = conn
        .send(&target(&format!("http://{addr}")), &text("x"))
        .await
        .expect_err("refused");
    assert_eq!(err.class, ErrorClass::Transient);
    assert_eq!(err.http_status, None);
    assert!(err.message.contains("connection failed"), "{err:?}");

    let err = conn
        .send(&target("not a url"), &text("x"))
        .await
        .expect_err("bad base");
    assert_eq!(err.class, ErrorClass::Permanent);
    let mut t = target("http://127.0.0.1:1");
    t.phone_number_id.clear();
    let err = conn.send(&t, &text("x")).await.expect_err("no id");
    assert_eq!(err.class, ErrorClass::Permanent);
    let mut t = target("http://127.0.0.1:1");
    t.access_token = "bad\ntoken".into();
    let err = conn.send(&t, &text("x")).await.expect_err("bad header");
    assert_eq!(err.class, ErrorClass::Permanent, "{err:?}");
}
