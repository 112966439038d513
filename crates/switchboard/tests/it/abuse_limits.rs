//! Abuse limits over real HTTP: the request rate per key (429 `rate_limited` with
//! `Retry-After`, in Meta's shape on the Cloud API routes), the cap on open event streams per
//! key, the slow-client timeouts on headers and bodies (slowloris), and the body limit on
//! every operation of `openapi.json` that takes a body, multipart included.

use std::time::Duration;

use crate::common::*;
use reqwest::Method;
use serde_json::json;
use switchboard::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn slow_rate(c: &mut Config) {
    c.http.key_requests_per_second = 0.2;
    c.http.key_request_burst = 5;
}

async fn a_key_over_its_rate_is_told_when_to_retry(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (_, other) = create_key(server, &ctx.key, json!({"permission": "read"})).await;
    // Creating the channel and the key spent two requests of the burst of 5.
    for _ in 0..3 {
        server.get("/v1/channels", &ctx.key).await.status(200);
    }
    let refused = server.get("/v1/channels", &ctx.key).await;
    let retry_after: u64 = refused
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in seconds");
    assert!((1..=5).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.error(429), "rate_limited");
    let cloud = server
        .post_json(
            &format!("/v21.0/{}/messages", ctx.channel),
            &ctx.key,
            &text_message("15551260001", "hi"),
        )
        .await
        .status(429);
    assert_eq!(cloud["error"]["code"], 80007, "Meta's shape: {cloud}");
    // Other keys and the admin key are not affected.
    server.get("/v1/channels", &other).await.status(200);
    server.get("/v1/accounts", ADMIN_KEY).await.status(200);
    // No key at all is still told to authenticate, not to slow down.
    assert_eq!(
        server.get("/v1/channels", NO_KEY).await.error(401),
        "unauthorized"
    );
}

fn two_streams(c: &mut Config) {
    c.http.streams_per_key = 2;
}

async fn open_stream(server: &TestServer, key: &str) -> reqwest::Response {
    server
        .req(Method::GET, "/v1/events/stream", key)
        .send()
        .await
        .expect("stream")
}

async fn a_key_holds_at_most_its_streams(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (_, other) = create_key(server, &ctx.key, json!({"permission": "read"})).await;
    let first = open_stream(server, &ctx.key).await;
    assert_eq!(first.status(), 200);
    let second = open_stream(server, &ctx.key).await;
    assert_eq!(second.status(), 200);
    let third = Reply::read(open_stream(server, &ctx.key).await).await;
    assert!(third.headers.contains_key("retry-after"));
    assert_eq!(third.error(429), "too_many_streams");
    let url = format!("ws://{}/v1/events/ws?token={}", server.addr, ctx.key);
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429)
        }
        other => panic!("a third stream over WebSocket must be refused: {other:?}"),
    }
    let another_key = open_stream(server, &other).await;
    assert_eq!(another_key.status(), 200, "the cap is per key");
    // Closing a stream frees its slot once the server notices (at its next write).
    drop(first);
    eventually(30, "a freed stream slot", || async {
        send_template(server, &ctx, "15551260002").await;
        let next = open_stream(server, &ctx.key).await;
        (next.status() == 200).then_some(())
    })
    .await;
    drop(second);
}

fn slow_clients_timeout(c: &mut Config) {
    c.http.header_timeout_ms = 300;
    c.http.body_timeout_ms = 300;
}

/// Reads what the server sends until it closes the connection (at most 10 s).
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got)).await;
    assert!(
        read.is_ok(),
        "the server kept the connection open: {}",
        String::from_utf8_lossy(&got)
    );
    String::from_utf8_lossy(&got).into_owned()
}

async fn slow_headers_and_bodies_are_cut_off(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    // Half a request head, never finished: disconnected after the header timeout.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n")
        .await
        .unwrap();
    let got = read_until_closed(&mut slow).await;
    assert!(!got.contains("200 OK"), "{got}");
    // A complete head with a body that stops halfway: 408 `body_timeout`, then closed.
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /v1/contacts HTTP/1.1\r\nHost: switchboard\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"phone\":",
        ctx.key
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    let got = read_until_closed(&mut stalled).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("\"body_timeout\""), "{got}");
    // Meanwhile, and afterwards, prompt clients are served.
    server.get("/v1/channels", &ctx.key).await.status(200);
    let created = server
        .post_json("/v1/contacts", &ctx.key, &json!({"phone": "15551260003"}))
        .await;
    created.status(201);
}

fn small_bodies(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
    c.http.body_limit_bytes = 8 * 1024;
    c.media.json_body_limit_bytes = 8 * 1024;
    c.broadcasts.upload_limit_bytes = 8 * 1024;
}

/// A body over every limit of `operation` in its first documented content type: the
/// configured limits are 8 KiB in this test; the CSV import (100 MiB) and media uploads (per
/// kind: 5 MB for an image) have limits of their own.
fn oversized(
    server: &TestServer,
    operation: &Operation,
    path: &str,
    key: &str,
) -> reqwest::RequestBuilder {
    let request = server.req(operation.method.clone(), path, key);
    match operation.body_types.first().map(String::as_str) {
        Some("text/csv") => {
            let mut csv = b"phone\n".to_vec();
            csv.resize(100 * 1024 * 1024 + 1, b'1');
            request.header("content-type", "text/csv").body(csv)
        }
        Some("multipart/form-data") => {
            let part = reqwest::multipart::Part::bytes(crate::media::png(5 * crate::media::MB + 1))
                .file_name("big.png")
                .mime_str("image/png")
                .expect("mime");
            request.multipart(reqwest::multipart::Form::new().part("file", part))
        }
        _ => request.json(&json!({"pad": "x".repeat(64 * 1024)})),
    }
}

async fn every_body_is_limited(server: &TestServer) {
    let fixtures = Fixtures::create(server).await;
    let mut failures = Vec::new();
    let operations: Vec<Operation> = operations()
        .into_iter()
        .filter(|o| !o.body_types.is_empty())
        .collect();
    assert!(operations.len() > 15, "the document lists the bodies");
    for operation in &operations {
        let path = operation.fill(|kind| fixtures.id(kind));
        let key = if operation.admin {
            ADMIN_KEY
        } else {
            &fixtures.owner
        };
        let answer = server.call(oversized(server, operation, &path, key)).await;
        if answer.code != 413 {
            failures.push(format!(
                "{}: {} {}",
                operation.name(),
                answer.code,
                answer.text
            ));
        }
    }
    // A multipart broadcast: its JSON part is held to the body limit; the CSV part has its
    // own (`broadcasts.upload_limit_bytes`).
    let broadcast = json!({"channel_id": fixtures.id(Kind::Channel), "pad": "x".repeat(64 * 1024)});
    let form = reqwest::multipart::Form::new().text("broadcast", broadcast.to_string());
    let answer = server
        .call(
            server
                .req(Method::POST, "/v1/broadcasts", &fixtures.owner)
                .multipart(form),
        )
        .await;
    if answer.code != 413 {
        failures.push(format!(
            "multipart broadcast part: {} {}",
            answer.code, answer.text
        ));
    }
    let csv = format!("phone\n{}", "15551260004\n".repeat(1000));
    let form = reqwest::multipart::Form::new()
        .text(
            "broadcast",
            json!({"channel_id": fixtures.id(Kind::Channel), "message": {"type": "template",
                "template": {"name": "hello_world", "language": {"code": "en_US"}}}})
            .to_string(),
        )
        .part(
            "csv",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("audience.csv"),
        );
    let answer = server
        .call(
            server
                .req(Method::POST, "/v1/broadcasts", &fixtures.owner)
                .multipart(form),
        )
        .await;
    if answer.code != 413 {
        failures.push(format!(
            "multipart broadcast csv: {} {}",
            answer.code, answer.text
        ));
    }
    assert!(
        failures.is_empty(),
        "bodies over the limit accepted:\n{}",
        failures.join("\n")
    );
}

on_both_backends!(
    rate => a_key_over_its_rate_is_told_when_to_retry where slow_rate,
    streams => a_key_holds_at_most_its_streams where two_streams,
    slow_clients => slow_headers_and_bodies_are_cut_off where slow_clients_timeout,
    body_limits => every_body_is_limited where small_bodies,
);
