//! Inbound webhooks over real HTTP, on SQLite and PostgreSQL: Meta's verification handshake,
//! signatures checked before anything is stored, deduplication, a status that overtakes the
//! send answer, a late `delivered` after `read`, the 24-hour window measured from the
//! customer's message time, and a restart with a full outbox.

use std::sync::Arc;

use crate::common::*;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_core::cloud_webhook::sign;

const APP_SECRET: &str = "test-app-secret-123";

async fn cloud_channel(
    server: &TestServer,
    key: &str,
    base_url: Option<String>,
) -> (String, String) {
    let phone: String = switchboard_core::secret::random_hex(6)
        .bytes()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    let phone = format!("10{phone}");
    let mut body = json!({
        "name": "cloud", "kind": "cloud", "phone_number_id": phone, "waba_id": "102290129340398",
        "access_token": "EAAG-test-access-token", "app_secret": APP_SECRET, "verify_token": "verify-me-123",
    });
    if let Some(url) = base_url {
        body["base_url"] = json!(url);
    }
    let created = server
        .post_json("/v1/channels", key, &body)
        .await
        .status(201);
    (created["id"].as_str().unwrap().to_string(), phone)
}

fn inbound_payload(phone_number_id: &str, wamid: &str, from: &str) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Kerry"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": "1760000000", "type": "text", "text": {"body": "hello"}}]
    }}]}]})
}

fn status_payload(phone_number_id: &str, wamid: &str, status: &str) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
        "statuses": [{"id": wamid, "status": status, "timestamp": "1760000001", "recipient_id": "15551230900"}]
    }}]}]})
}

async fn messages_of(server: &TestServer, key: &str, channel: &str) -> Vec<Value> {
    let list = server
        .get(&format!("/v1/channels/{channel}/messages"), key)
        .await
        .status(200);
    list["data"].as_array().unwrap().clone()
}

async fn verification_handshake(server: &TestServer) {
    let (_, key) = create_account(server, "acme").await;
    let (channel, _) = cloud_channel(server, &key, None).await;
    let url = format!("{}/webhooks/cloud/{channel}", server.base);
    let ok = server
        .call(server.client.get(&url).query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "verify-me-123"),
            ("hub.challenge", "1158201444"),
        ]))
        .await;
    assert_eq!(ok.code, 200, "{}", ok.text);
    assert_eq!(ok.text.clone(), "1158201444");
    let bad = server
        .call(server.client.get(&url).query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "guess"),
            ("hub.challenge", "1"),
        ]))
        .await;
    assert_eq!(bad.error(403), "forbidden");
    let missing = server
        .call(server.client.get(format!(
            "{}/webhooks/cloud/ch_00000000000000000000000000",
            server.base
        )))
        .await;
    assert_eq!(missing.code, 404, "{}", missing.text);
}

async fn signatures_are_checked_before_storing(server: &TestServer) {
    let (_, key) = create_account(server, "acme").await;
    let (channel, phone) = cloud_channel(server, &key, None).await;
    let url = format!("{}/webhooks/cloud/{channel}", server.base);
    let body = serde_json::to_vec(&inbound_payload(&phone, "wamid.in-1", "15551230900")).unwrap();
    let post = |signature: Option<String>, body: Vec<u8>| {
        let mut request = server
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = signature {
            request = request.header("X-Hub-Signature-256", s);
        }
        server.call(request)
    };
    let missing = post(None, body.clone()).await;
    assert_eq!(missing.error(401), "unauthorized");
    let forged = post(Some(sign("not-the-secret", &body)), body.clone()).await;
    assert_eq!(forged.error(401), "unauthorized");
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let wrong_body = post(Some(sign(APP_SECRET, &body)), tampered).await;
    assert_eq!(wrong_body.code, 401, "the signature covers the raw body");
    assert!(
        messages_of(server, &key, &channel).await.is_empty(),
        "nothing stored for refused webhooks"
    );

    let good = post(Some(sign(APP_SECRET, &body)), body.clone()).await;
    let summary = good.status(200);
    assert_eq!(summary["messages"], 1);
    let again = post(Some(sign(APP_SECRET, &body)), body.clone())
        .await
        .status(200);
    assert_eq!(again["duplicates"], 1, "Meta's retries are deduplicated");
    let stored = messages_of(server, &key, &channel).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["direction"], "inbound");
    assert_eq!(stored[0]["chat"], "15551230900");
    assert_eq!(stored[0]["content"]["text"]["body"], "hello");

    let not_json = b"{\"object\":".to_vec();
    let resp = post(Some(sign(APP_SECRET, &not_json)), not_json).await;
    assert_eq!(resp.error(400), "invalid_webhook");
    let huge = vec![b' '; 3 * 1024 * 1024 + 10];
    let resp = post(Some(sign(APP_SECRET, &huge)), huge).await;
    assert_eq!(resp.code, 413, "{}", resp.text);
}

/// Meta sends webhook bodies of up to 3 MB: a signed 2.5 MB one (a long text) is stored; a
/// signed one over 3 MB is refused with 413 and nothing of it is stored.
async fn webhooks_up_to_3_mb_are_accepted(server: &TestServer) {
    let (_, key) = create_account(server, "acme").await;
    let (channel, phone) = cloud_channel(server, &key, None).await;
    let url = format!("{}/webhooks/cloud/{channel}", server.base);
    let post = |body: Vec<u8>| {
        let request = server
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", sign(APP_SECRET, &body))
            .body(body);
        server.call(request)
    };
    let text = "x".repeat(2_500_000);
    let mut payload = inbound_payload(&phone, "wamid.big-1", "15551230901");
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = json!(text);
    let body = serde_json::to_vec(&payload).unwrap();
    assert!((2_500_000..3 * 1024 * 1024).contains(&body.len()));
    let summary = post(body).await.status(200);
    assert_eq!(summary["messages"], 1, "{summary}");
    let stored = messages_of(server, &key, &channel).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0]["content"]["text"]["body"].as_str().map(str::len),
        Some(text.len())
    );

    let mut payload = inbound_payload(&phone, "wamid.big-2", "15551230902");
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] =
        json!("y".repeat(3 * 1024 * 1024));
    let body = serde_json::to_vec(&payload).unwrap();
    let resp = post(body).await;
    assert_eq!(resp.code, 413, "{}", resp.text);
    let stored = messages_of(server, &key, &channel).await;
    assert_eq!(stored.len(), 1, "nothing stored for the refused webhook");
    assert_eq!(stored[0]["chat"], "15551230901");
}

/// An upstream that posts a signed `delivered` status for its message to Switchboard, waits
/// for Switchboard to accept it, and only then answers the send.
#[derive(Clone)]
struct EarlyUpstream {
    webhook_url: Arc<tokio::sync::Mutex<String>>,
    phone: Arc<tokio::sync::Mutex<String>>,
}

async fn early_send(
    State(up): State<EarlyUpstream>,
    Path((_version, _phone)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let url = up.webhook_url.lock().await.clone();
    let phone = up.phone.lock().await.clone();
    let payload = serde_json::to_vec(&status_payload(&phone, "wamid.early", "delivered")).unwrap();
    let answer = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("X-Hub-Signature-256", sign(APP_SECRET, &payload))
        .body(payload)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    Json(
        json!({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}], "messages": [{"id": "wamid.early"}]}),
    )
}

async fn a_status_overtaking_the_send_answer_is_applied(server: &TestServer) {
    let upstream = EarlyUpstream {
        webhook_url: Arc::new(tokio::sync::Mutex::new(String::new())),
        phone: Arc::new(tokio::sync::Mutex::new(String::new())),
    };
    let app = Router::new()
        .route("/{version}/{phone}/messages", post(early_send))
        .with_state(upstream.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_url = format!("http://{}", listener.local_addr().unwrap());
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let (_, key) = create_account(server, "acme").await;
    let (channel, phone) = cloud_channel(server, &key, Some(upstream_url)).await;
    *upstream.webhook_url.lock().await = format!("{}/webhooks/cloud/{channel}", server.base);
    *upstream.phone.lock().await = phone;
    let answer = server.post_json(&format!("/v1/channels/{channel}/messages"), &key, &json!({"messaging_product": "whatsapp", "to": "15551230900", "type": "template", "template": {"name": "any", "language": {"code": "en"}}})).await.status(200);
    let id = answer["messages"][0]["id"].as_str().unwrap().to_string();
    let m = eventually(10, "the early status to be applied", || async {
        let m = server
            .get(&format!("/v1/messages/{id}"), &key)
            .await
            .status(200);
        (m["status"] == "delivered").then_some(m)
    })
    .await;
    let history: Vec<&str> = m["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, vec!["accepted", "sent", "delivered"]);
    serving.abort();
}

/// A Cloud API upstream that accepts every send with a fresh wamid and keeps the bodies.
#[derive(Clone, Default)]
struct StubUpstream {
    sent: Arc<std::sync::Mutex<Vec<Value>>>,
}

async fn stub_send(
    State(up): State<StubUpstream>,
    Path((_version, _phone)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let n = {
        let mut sent = up.sent.lock().unwrap();
        sent.push(body.clone());
        sent.len()
    };
    Json(
        json!({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}], "messages": [{"id": format!("wamid.stub-{n}")}]}),
    )
}

impl StubUpstream {
    /// Serves the stub on 127.0.0.1:0; returns its base URL and the serving task.
    async fn start(&self) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
        let app = Router::new()
            .route("/{version}/{phone}/messages", post(stub_send))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        (
            url,
            tokio::spawn(async move { axum::serve(listener, app).await }),
        )
    }

    fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

/// Posts `payload` to the channel's webhook, signed with the app secret; returns the summary.
async fn post_signed(server: &TestServer, channel: &str, payload: &Value) -> Value {
    let body = serde_json::to_vec(payload).unwrap();
    server
        .call(
            server
                .client
                .post(format!("{}/webhooks/cloud/{channel}", server.base))
                .header("content-type", "application/json")
                .header("X-Hub-Signature-256", sign(APP_SECRET, &body))
                .body(body),
        )
        .await
        .status(200)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn send_to(server: &TestServer, key: &str, channel: &str, body: &Value) -> Reply {
    server
        .post_json(&format!("/v1/channels/{channel}/messages"), key, body)
        .await
}

async fn a_late_delivered_after_read_keeps_read(server: &TestServer) {
    let upstream = StubUpstream::default();
    let (upstream_url, serving) = upstream.start().await;
    let (_, key) = create_account(server, "acme").await;
    let (channel, phone) = cloud_channel(server, &key, Some(upstream_url)).await;
    let answer = send_to(server, &key, &channel, &json!({"messaging_product": "whatsapp", "to": "15551230900", "type": "template", "template": {"name": "any", "language": {"code": "en"}}})).await.status(200);
    let id = answer["messages"][0]["id"].as_str().unwrap().to_string();
    let sent = eventually(10, "the send to reach the upstream", || async {
        let m = message(server, &key, &id).await;
        (m["status"] == "sent").then_some(m)
    })
    .await;
    let wamid = sent["upstream_id"].as_str().unwrap().to_string();
    let now = unix_now();
    let status_at = |status: &str, at: i64| {
        let mut p = status_payload(&phone, &wamid, status);
        p["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"] = json!(at.to_string());
        p
    };
    let summary = post_signed(server, &channel, &status_at("read", now - 5)).await;
    assert_eq!(summary["statuses"], 1, "{summary}");
    assert_eq!(message(server, &key, &id).await["status"], "read");
    // Meta's `delivered` can arrive after `read`, carrying an earlier time.
    let summary = post_signed(server, &channel, &status_at("delivered", now - 6)).await;
    assert_eq!(summary["statuses"], 1, "{summary}");
    let m = message(server, &key, &id).await;
    assert_eq!(
        m["status"], "read",
        "a late status never moves a message back: {m}"
    );
    let history: Vec<(&str, bool)> = m["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["status"].as_str().unwrap(),
                h["applied"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            ("accepted", true),
            ("sent", true),
            ("read", true),
            ("delivered", false)
        ],
        "the late delivered is kept in the history, not applied: {m}"
    );
    let events = server
        .get("/v1/events?types=message.*&limit=100", &key)
        .await
        .status(200);
    let types: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["message"]["id"] == id.as_str())
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec!["message.accepted", "message.sent", "message.read"],
        "no event for a status that was not applied"
    );
    assert_eq!(upstream.count(), 1);
    serving.abort();
}

async fn an_inbound_older_than_a_day_leaves_the_window_closed(server: &TestServer) {
    let upstream = StubUpstream::default();
    let (upstream_url, serving) = upstream.start().await;
    let (_, key) = create_account(server, "acme").await;
    let (channel, phone) = cloud_channel(server, &key, Some(upstream_url)).await;
    let customer = "15551230950";
    let inbound_at = |wamid: &str, at: i64| {
        let mut p = inbound_payload(&phone, wamid, customer);
        p["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!(at.to_string());
        p
    };
    let text = json!({"messaging_product": "whatsapp", "to": customer, "type": "text", "text": {"body": "still there?"}});
    // The customer wrote 25 hours ago (Meta's webhook carries the message's own time).
    let now = unix_now();
    let old = now - 25 * 3600;
    let summary = post_signed(server, &channel, &inbound_at("wamid.old", old)).await;
    assert_eq!(summary["messages"], 1, "{summary}");
    let answer = send_to(server, &key, &channel, &text).await.status(400);
    assert_eq!(answer["error"]["code"], 131047, "{answer}");
    let details = answer["error"]["error_data"]["details"].as_str().unwrap();
    assert!(
        !details.contains("never"),
        "refused for the old message, not for a missing one: {details}"
    );
    let reply = send_to(server, &key, &channel, &json!({"messaging_product": "whatsapp", "to": customer, "type": "template", "template": {"name": "any", "language": {"code": "en"}}})).await;
    assert_eq!(
        reply.code, 200,
        "a template passes a closed window: {}",
        reply.text
    );
    let answer = reply.json();
    let closed_at = switchboard_core::time::parse_rfc3339(
        answer["window_expires_at"]
            .as_str()
            .expect("window_expires_at"),
    );
    assert_eq!(
        closed_at,
        Some((old + 24 * 3600) * 1000),
        "the window closed an hour ago: {answer}"
    );
    // A message from an hour ago opens the window until 23 hours from now.
    let recent = now - 3600;
    let summary = post_signed(server, &channel, &inbound_at("wamid.recent", recent)).await;
    assert_eq!(summary["messages"], 1, "{summary}");
    let answer = send_to(server, &key, &channel, &text).await.status(200);
    let expires =
        switchboard_core::time::parse_rfc3339(answer["window_expires_at"].as_str().unwrap())
            .expect("RFC 3339");
    assert_eq!(expires, (recent + 24 * 3600) * 1000, "{answer}");
    eventually(10, "the template and the reply at the upstream", || async {
        (upstream.count() == 2).then_some(())
    })
    .await;
    serving.abort();
}

async fn a_restart_resumes_every_queued_message_once(server: TestServer) -> TestServer {
    let server = server.restart(|c| c.dispatch.enabled = false).await;
    let (_, key) = create_account(&server, "acme").await;
    let channel = server
        .post_json(
            "/v1/channels",
            &key,
            &json!({"name": "s", "kind": "sandbox"}),
        )
        .await
        .status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let total = 1000;
    let client = server.client.clone();
    let url = format!("{}/v1/channels/{channel}/messages", server.base);
    let mut tasks = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(16));
    for i in 0..total {
        let (client, url, key, gate) = (client.clone(), url.clone(), key.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let body = json!({"messaging_product": "whatsapp", "to": format!("1555{:07}", 1_000_000 + i), "type": "template",
                "template": {"name": "hello_world", "language": {"code": "en_US"}}});
            let resp = client.post(&url).bearer_auth(&key).json(&body).send().await.unwrap();
            let resp = Reply::read(resp).await;
            assert_eq!(resp.code, 200, "{}", resp.text);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let queued = server
        .get(
            &format!("/v1/channels/{channel}/messages?status=accepted&limit=500"),
            &key,
        )
        .await
        .status(200);
    assert_eq!(
        queued["data"].as_array().unwrap().len(),
        500,
        "nothing is dispatched while the dispatcher is off"
    );

    let server = server.restart(|c| c.dispatch.enabled = true).await;
    let sent = eventually(60, "all 1000 queued messages at the upstream", || async {
        let sent: Vec<Value> = server
            .get("/sandbox/emulator/messages", NO_KEY)
            .await
            .parse();
        (sent.len() >= total).then_some(sent)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sent_again: Vec<Value> = server
        .get("/sandbox/emulator/messages", NO_KEY)
        .await
        .parse();
    assert_eq!(sent_again.len(), total, "none sent twice");
    let mut recipients: Vec<&str> = sent.iter().map(|s| s["to"].as_str().unwrap()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients.len(),
        total,
        "every queued message sent, each once"
    );
    eventually(30, "no message left in `accepted`", || async {
        let left = server
            .get(
                &format!("/v1/channels/{channel}/messages?status=accepted&limit=1"),
                &key,
            )
            .await
            .status(200);
        left["data"].as_array().unwrap().is_empty().then_some(())
    })
    .await;
    server
}

on_both_backends!(
    handshake => super::verification_handshake,
    signatures => super::signatures_are_checked_before_storing,
    early_status => super::a_status_overtaking_the_send_answer_is_applied,
    late_delivered => super::a_late_delivered_after_read_keeps_read,
    old_inbound => super::an_inbound_older_than_a_day_leaves_the_window_closed,
    large_webhooks => super::webhooks_up_to_3_mb_are_accepted;
    by_value:
    restart => super::a_restart_resumes_every_queued_message_once,
);
