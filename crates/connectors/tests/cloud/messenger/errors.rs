//! Each error class from real answers: the emulator's codes and faults, and a tiny server for
//! a 429 with `Retry-After`.

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde_json::json;
use switchboard_connectors::messenger::{self, MessengerConnector};
use switchboard_connectors::{Connector, ConnectorError, ErrorClass};
use switchboard_emulator::Faults;

use super::*;

async fn send_err(c: &MessengerConnector, to: &str) -> ConnectorError {
    c.send(&canonical_to(to, "text", json!({"body": "hello"})))
        .await
        .expect_err("the send fails")
}

#[tokio::test]
async fn recipients_blocked_unknown_and_bad_tokens_are_permanent() {
    let m = Meta::start().await;
    m.user_writes(PAGE_ID, PSID, "hi").await;
    m.emu.page_user_blocks(PAGE_ID, PSID, true).expect("blocks");
    let err = send_err(&m.messenger, PSID).await;
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(551)));
    assert_eq!(messenger::subcode(&err), Some(1545041));
    assert!(!messenger::is_channel_error(
        err.code,
        messenger::subcode(&err)
    ));

    let err = send_err(&m.messenger, "5550001").await;
    assert_eq!(
        (err.class, err.code, messenger::subcode(&err)),
        (ErrorClass::Permanent, Some(100), Some(2018001))
    );
    let err = send_err(&m.instagram, "5550001").await;
    assert_eq!(
        (err.class, err.code, messenger::subcode(&err)),
        (ErrorClass::Permanent, Some(100), Some(2534014))
    );

    let mut settings = messenger_settings();
    settings.page_access_token = "EAAP-revoked-token".into();
    let c = MessengerConnector::messenger(m.client.clone(), &settings, &m.base);
    let err = send_err(&c, PSID).await;
    assert_eq!(
        (err.class, err.code, err.http_status),
        (ErrorClass::Permanent, Some(190), Some(401))
    );
    assert!(messenger::is_channel_error(
        err.code,
        messenger::subcode(&err)
    ));
    assert!(!format!("{err:?}").contains("EAAP-revoked-token"));
}

#[tokio::test]
async fn faults_5xx_and_timeouts_are_transient() {
    let m = Meta::start().await;
    m.user_writes(PAGE_ID, PSID, "hi").await;
    m.emu.set_faults(Faults {
        error_5xx_rate: 1.0,
        ..Faults::default()
    });
    let err = send_err(&m.messenger, PSID).await;
    assert_eq!(
        (err.class, err.code, err.http_status),
        (ErrorClass::Transient, Some(2), Some(500))
    );
    let err = m
        .messenger
        .upload_media(bytes::Bytes::from_static(b"x"), "image/png", "a.png")
        .await
        .expect_err("5xx");
    assert_eq!(err.class, ErrorClass::Transient);

    m.emu.set_faults(Faults {
        timeout_rate: 1.0,
        timeout_ms: 2_000,
        ..Faults::default()
    });
    let impatient = MessengerConnector::messenger(
        client(Duration::from_millis(300)),
        &messenger_settings(),
        &m.base,
    );
    let err = send_err(&impatient, PSID).await;
    assert_eq!(
        (err.class, err.code, err.http_status),
        (ErrorClass::Transient, None, None)
    );
    assert!(err.message.contains("timed out"), "{err:?}");
    assert!(m.sent_bodies().is_empty());
}

#[tokio::test]
async fn page_rate_limits_are_rate_limited() {
    let m = Meta::start().await;
    m.user_writes(PAGE_ID, PSID, "hi").await;
    m.user_writes(IG_ID, IGSID, "hi").await;
    m.emu.set_faults(Faults {
        channel_rate_limit_mps: Some(1),
        ..Faults::default()
    });
    m.messenger
        .send(&canonical_to(PSID, "text", json!({"body": "1"})))
        .await
        .expect("first");
    let err = send_err(&m.messenger, PSID).await;
    assert_eq!((err.class, err.code), (ErrorClass::RateLimited, Some(613)));
    m.instagram
        .send(&canonical_to(IGSID, "text", json!({"body": "1"})))
        .await
        .expect("first");
    let err = send_err(&m.instagram, IGSID).await;
    assert_eq!(
        (err.class, err.code, messenger::subcode(&err)),
        (ErrorClass::RateLimited, Some(613), Some(2534040))
    );
}

#[tokio::test]
async fn a_429_carries_its_retry_after_and_dead_ports_are_transient() {
    let app = Router::new().route(
        "/v25.0/{id}/messages",
        post(|| async {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "7")],
                axum::Json(json!({"error": {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4, "fbtrace_id": "x"}})),
            )
                .into_response()
        }),
    );
    let base = crate::common::serve(app).await;
    let mut settings = messenger_settings();
    settings.base_url = Some(base);
    let c =
        MessengerConnector::messenger(client(Duration::from_secs(5)), &settings, "http://unused");
    let err = send_err(&c, PSID).await;
    assert_eq!(
        (err.class, err.code, err.http_status),
        (ErrorClass::RateLimited, Some(4), Some(429))
    );
    assert_eq!(err.retry_after, Some(Duration::from_secs(7)));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let c =
        MessengerConnector::messenger(client(Duration::from_secs(5)), &messenger_settings(), &dead);
    let err = send_err(&c, PSID).await;
    assert_eq!(err.class, ErrorClass::Transient);
}
