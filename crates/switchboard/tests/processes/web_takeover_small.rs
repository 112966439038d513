//! A WhatsApp Web session moves to another node when its owner dies (PostgreSQL): two
//! `switchboard serve` processes share one database and one standalone emulator, whose fake
//! phone drives the sandbox web channel over its WebSocket bridge. The node running the
//! session is killed with SIGKILL while messages wait in the outbox; the other node takes the
//! session over once its lease expired — from the stored keys, without a QR code — and sends
//! them. The emulator counts the session's connections: never two at once.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::chaos::*;

/// How long a session lease lasts: the takeover waits about this long.
const LEASE_TTL_MS: &str = "3000";
/// Messages queued while the owner is dead.
const QUEUED: usize = 5;

async fn call(_client: &reqwest::Client, request: reqwest::RequestBuilder) -> Value {
    let r = request.send().await.expect("request");
    let status = r.status();
    let text = r.text().await.expect("body");
    assert!(status.is_success(), "HTTP {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn session(client: &reqwest::Client, node: &str, key: &str, channel: &str) -> Value {
    call(
        client,
        client
            .get(format!("{node}/v1/channels/{channel}/session"))
            .bearer_auth(key),
    )
    .await
}

async fn wait_state(
    client: &reqwest::Client,
    node: &str,
    key: &str,
    channel: &str,
    state: &str,
    seconds: u64,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let s = session(client, node, key, channel).await;
        if s["state"] == state {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "the session never reached {state}: {s}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends a text through `node` and waits until it is delivered; returns its WhatsApp id.
async fn send_and_wait(
    client: &reqwest::Client,
    node: &str,
    key: &str,
    channel: &str,
    text: &str,
    log: &Proc,
) -> String {
    let sent = call(
        client,
        client
            .post(format!("{node}/v1/channels/{channel}/messages"))
            .bearer_auth(key)
            .json(
                &json!({"messaging_product": "whatsapp", "to": "15551230001",
                          "type": "text", "text": {"body": text}}),
            ),
    )
    .await;
    let id = sent["messages"][0]["id"].as_str().expect("id").to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let m = call(
            client,
            client
                .get(format!("{node}/v1/messages/{id}"))
                .bearer_auth(key),
        )
        .await;
        let status = m["status"].as_str().unwrap_or("").to_string();
        if ["delivered", "read"].contains(&status.as_str()) {
            return m["upstream_id"].as_str().unwrap_or("").to_string();
        }
        assert!(
            status != "failed" && Instant::now() < deadline,
            "message {id} is {status}: {m}\n{}",
            log.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn web_takeover_run(database_url: String) {
    let _alone = crate::alone().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let emulator = Proc::emulator(dir.path(), json!({}));
    let phone = emulator.url();
    let env = [
        ("SANDBOX__ENABLED", "true"),
        ("SANDBOX__WEB_EMULATOR_URL", phone.as_str()),
        ("WEB__LEASE_TTL_MS", LEASE_TTL_MS),
        ("WEB__POLL_MS", "200"),
    ];
    let node = |name: &str| cluster_node(dir.path(), name, &database_url, &env);
    let mut first = node("first").start("127.0.0.1:0");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let a = first.url();
    let account = call(
        &client,
        client
            .post(format!("{a}/v1/accounts"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"name": "web takeover"})),
    )
    .await;
    let key = account["api_key"].as_str().expect("api_key").to_string();
    let channel = call(
        &client,
        client
            .post(format!("{a}/v1/channels"))
            .bearer_auth(&key)
            .json(&json!({"name": "shop phone", "kind": "web", "sandbox": true})),
    )
    .await["id"]
        .as_str()
        .expect("channel id")
        .to_string();
    // The first node pairs the session (the second is not up yet, so it is the owner).
    call(
        &client,
        client
            .post(format!("{a}/v1/channels/{channel}/start"))
            .bearer_auth(&key),
    )
    .await;
    wait_state(&client, &a, &key, &channel, "scan_qr", 30).await;
    call(
        &client,
        client
            .post(format!("{phone}/emulator/web/{channel}/scan"))
            .json(&json!({"phone_number": "2349040613521"})),
    )
    .await;
    wait_state(&client, &a, &key, &channel, "working", 30).await;
    let second = node("second").start("127.0.0.1:0");
    let b = second.url();

    // While both live, a message accepted by the other node is sent by the session's owner
    // (whichever node holds the channel's dispatch lease).
    let early = send_and_wait(&client, &b, &key, &channel, "while both live", &second).await;
    assert!(early.starts_with("3EB0"), "{early}");

    // The owner dies; messages are accepted by the other node meanwhile.
    first.kill9();
    let mut ids = Vec::new();
    for i in 0..QUEUED {
        let sent = call(
            &client,
            client
                .post(format!("{b}/v1/channels/{channel}/messages"))
                .bearer_auth(&key)
                .json(
                    &json!({"messaging_product": "whatsapp", "to": "15551230001",
                              "type": "text", "text": {"body": format!("queued {i}")}}),
                ),
        )
        .await;
        ids.push(sent["messages"][0]["id"].as_str().expect("id").to_string());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in &ids {
        loop {
            let m = call(
                &client,
                client
                    .get(format!("{b}/v1/messages/{id}"))
                    .bearer_auth(&key),
            )
            .await;
            let status = m["status"].as_str().unwrap_or("").to_string();
            if ["delivered", "read"].contains(&status.as_str()) {
                break;
            }
            assert!(
                status != "failed" && Instant::now() < deadline,
                "message {id} is {status}: {m}\nsecond node: {}",
                second.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let resumed = session(&client, &b, &key, &channel).await;
    assert_eq!(resumed["state"], "working", "{resumed}");
    let sent: Value = call(
        &client,
        client.get(format!("{phone}/emulator/web/{channel}/state")),
    )
    .await;
    let bodies: Vec<&str> = sent["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    for i in 0..QUEUED {
        let text = format!("queued {i}");
        assert_eq!(
            bodies.iter().filter(|b| **b == text).count(),
            1,
            "{text} reached the phone once: {sent}"
        );
    }
    // The phone never saw the session connected twice at once, and no QR code after pairing.
    let connections = call(
        &client,
        client.get(format!("{phone}/emulator/web/{channel}/connections")),
    )
    .await;
    assert_eq!(connections["max_concurrent"], 1, "{connections}");
    assert!(
        connections["total"].as_u64().unwrap_or(0) >= 2,
        "{connections}"
    );
    let events = call(
        &client,
        client
            .get(format!("{b}/v1/events?types=channel.status&limit=500"))
            .bearer_auth(&key),
    )
    .await;
    let states: Vec<&str> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["data"]["session"]["state"].as_str())
        .collect();
    let paired = states
        .iter()
        .position(|s| *s == "working")
        .expect("working");
    assert!(
        !states[paired..].contains(&"scan_qr"),
        "no QR code after pairing: {states:?}"
    );
}

mod postgres {
    /// PostgreSQL only: SQLite is one node's file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_web_session_moves_to_the_other_node_when_its_owner_is_killed() {
        let Some(db) = switchboard_store::testing::postgres_db().await else {
            return;
        };
        super::web_takeover_run(db.url.clone()).await;
        db.cleanup().await;
    }
}
