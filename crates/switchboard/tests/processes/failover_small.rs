//! Two-node failover on PostgreSQL (the CI version): two `switchboard serve` processes share
//! one database; a Cloud channel against a separate `switchboard emulate` process, a webhook
//! subscription, a scheduled send and a running broadcast; the node that is not taking the
//! upstream's webhooks is SIGKILLed mid-run and never comes back. Every accepted message must
//! be delivered once (duplicates only from the killed node's in-flight sends, counted), and the
//! webhook deliveries, the scheduled send and the broadcast must finish on the survivor.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::chaos::*;
use crate::common::Receiver;

/// Customers written to by sequential senders (strict per-chat order checked).
const CHATS: usize = 5;
const PER_CHAT: usize = 40;
/// Customers of the broadcast (after the chats' customers, windows open).
const BROADCAST_TARGETS: usize = 40;
/// Far above a healthy answer on a loaded machine: only the kill can make a message go twice.
const UPSTREAM_TIMEOUT_MS: i64 = 8_000;
/// Each Graph API answer takes this long, so the work is still running when the node dies.
const UPSTREAM_LATENCY_MS: u64 = 60;

async fn failover_run(database_url: String) {
    let _alone = crate::alone().await;
    let deadline = Instant::now() + Duration::from_secs(170);
    let dir = tempfile::tempdir().expect("temporary folder");
    let emulator = Proc::emulator(
        dir.path(),
        json!({"webhook_retry": {"max_attempts": 60, "initial_backoff_ms": 50, "max_backoff_ms": 500, "request_timeout_ms": 5000}}),
    );
    let timeout = UPSTREAM_TIMEOUT_MS.to_string();
    // The survivor takes over the dead node's claims when their lease ends.
    let lease = (UPSTREAM_TIMEOUT_MS + 2_000).to_string();
    let env = [
        ("DISPATCH__LEASE_MS", lease.as_str()),
        ("UPSTREAM__REQUEST_TIMEOUT_MS", timeout.as_str()),
        ("ALLOW_PRIVATE_TARGETS", "true"),
        ("BROADCASTS__WINDOW", "1"),
    ];
    let node = |name: &str| cluster_node(dir.path(), name, &database_url, &env);
    // The survivor is set up first: the emulator's webhook (statuses, inbound) points at it,
    // as a balancer would send Meta's calls to a live node.
    let mut survivor = node("survivor").start("127.0.0.1:0");
    let api = Api::setup(&survivor, &emulator, CHATS + BROADCAST_TARGETS).await;
    let mut doomed = node("doomed").start("127.0.0.1:0");
    api.set_faults(json!({"latency_ms": UPSTREAM_LATENCY_MS}))
        .await;

    let receiver = Receiver::start(0).await;
    let subscription = api
        .client
        .post(format!("{}/v1/subscriptions", api.server))
        .bearer_auth(&api.key)
        .json(&json!({"url": receiver.url, "events": ["message.delivered"]}))
        .send()
        .await
        .expect("subscription");
    assert_eq!(
        subscription.status(),
        201,
        "{:?}",
        subscription.text().await
    );

    let broadcast = api.start_broadcast(&doomed).await;
    let scheduled = api.schedule_text(&doomed, "failover scheduled", 6).await;

    // The chats' sends go to the survivor (the balancer's choice); both nodes dispatch them.
    let accepted = Arc::new(AtomicU64::new(0));
    let tag = "failover";
    let killer = {
        let accepted = accepted.clone();
        tokio::spawn(async move {
            while accepted.load(Ordering::Relaxed) < (CHATS * PER_CHAT / 2) as u64 {
                assert!(Instant::now() < deadline, "sending stalled before the kill");
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let at = epoch_ms();
            doomed.kill9();
            (doomed, at)
        })
    };
    let sent = send_chats(&api, tag, CHATS, PER_CHAT, accepted.clone(), deadline).await;
    let (_doomed, killed_at) = killer.await.expect("killer");
    assert_eq!(
        sent.accepted.len(),
        CHATS * PER_CHAT,
        "every send is answered 2xx: {:?}",
        sent.problems
    );

    let finished = api.wait_all_final(deadline).await;
    let by_status = api.outbound_by_status().await;
    let log = survivor.log_tail();
    assert!(finished, "not every message is final: {by_status:?}\n{log}");

    // The chats: none lost, order kept, a duplicate only where the dead node had a send in
    // flight (its copy started before the kill, no earlier than one upstream timeout).
    let records = api.emulator_sends().await;
    let a = analyze(&records, tag, &sent.accepted);
    assert!(a.lost.is_empty(), "accepted but never sent: {:?}", a.lost);
    assert!(
        a.order_violations.is_empty(),
        "per-chat order: {:?}",
        a.order_violations
    );
    let mut unexplained = Vec::new();
    for (key, times) in &a.duplicated {
        let explained = times[0] >= killed_at - UPSTREAM_TIMEOUT_MS
            && times[0] <= killed_at
            && times[1..].iter().all(|t| *t >= killed_at);
        if !explained || times.len() > 2 {
            unexplained.push(format!("{key:?}: copies at {times:?}"));
        }
    }
    assert!(
        unexplained.is_empty(),
        "duplicates the kill at {killed_at} does not explain: {unexplained:?}"
    );
    assert!(
        a.duplicates <= CHATS,
        "at most one in-flight send per chat: {}",
        a.duplicates
    );

    // The scheduled send and the broadcast finished on the survivor.
    let message = api.wait_message_final(&scheduled, deadline).await;
    assert!(
        ["delivered", "read"].contains(&message["status"].as_str().unwrap_or("")),
        "the scheduled send: {message}"
    );
    let done = api.wait_broadcast_done(&broadcast, deadline).await;
    assert_eq!(done["status"], "completed", "the broadcast: {done}");
    assert_eq!(
        done["counters"]["delivered"].as_u64().unwrap_or(0)
            + done["counters"]["seen"].as_u64().unwrap_or(0),
        BROADCAST_TARGETS as u64,
        "every target delivered: {done}"
    );

    // Every delivered status reached the webhook (at least once; copies counted).
    let delivered_ids: HashSet<String> = api
        .list("direction=outbound")
        .await
        .iter()
        .filter_map(|m| m["id"].as_str().map(String::from))
        .collect();
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    loop {
        copies.clear();
        for r in receiver.got() {
            if let Some(id) = r.json["data"]["message"]["id"].as_str() {
                *copies.entry(id.to_string()).or_default() += 1;
            }
        }
        let missing = delivered_ids
            .iter()
            .filter(|id| !copies.contains_key(*id))
            .count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} delivered statuses never reached the webhook",
            delivered_ids.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let webhook_copies: usize = copies.values().map(|n| n - 1).sum();
    eprintln!(
        "failover_small: statuses {by_status:?}; upstream: {} arrived, {} duplicates; webhook: {} events, {webhook_copies} repeated; kill at {killed_at}",
        a.arrived,
        a.duplicates,
        copies.len()
    );
    assert!(survivor.stop(), "the survivor exits cleanly on SIGTERM");
}

impl Api {
    async fn get(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.server))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("get");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.expect("json")
    }

    /// A text broadcast to the customers after the chats', created through `node`, with
    /// enough credits.
    async fn start_broadcast(&self, node: &Proc) -> String {
        let accounts: Value = self
            .client
            .get(format!("{}/v1/accounts", self.server))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .expect("accounts")
            .json()
            .await
            .expect("accounts json");
        let account = accounts["data"][0]["id"].as_str().expect("account id");
        let credit = self
            .client
            .post(format!("{}/v1/accounts/{account}/credits", self.server))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"amount": 1000, "note": "failover"}))
            .send()
            .await
            .expect("credit");
        assert!(credit.status().is_success(), "credit: {}", credit.status());
        let numbers: Vec<String> = (CHATS..CHATS + BROADCAST_TARGETS).map(recipient).collect();
        let r = self
            .client
            .post(format!("{}/v1/broadcasts", node.url()))
            .bearer_auth(&self.key)
            .json(&json!({"channel_id": self.channel_id, "name": "failover",
                          "message": {"type": "text", "text": {"body": "failover broadcast"}},
                          "audience": {"numbers": numbers}}))
            .send()
            .await
            .expect("broadcast");
        let status = r.status();
        let body: Value = r.json().await.expect("broadcast json");
        assert_eq!(status, 201, "broadcast: {body}");
        body["id"].as_str().expect("broadcast id").to_string()
    }

    /// A text to the first customer, due in `secs` seconds, scheduled through `node`.
    async fn schedule_text(&self, node: &Proc, text: &str, secs: i64) -> String {
        let at =
            switchboard_core::time::to_rfc3339(switchboard_core::time::now_millis() + secs * 1000);
        let r = self
            .client
            .post(format!(
                "{}/v1/channels/{}/messages",
                node.url(),
                self.channel_id
            ))
            .bearer_auth(&self.key)
            .json(
                &json!({"messaging_product": "whatsapp", "to": recipient(0), "type": "text",
                          "text": {"body": text}, "send_at": at}),
            )
            .send()
            .await
            .expect("scheduled send");
        let status = r.status();
        let body: Value = r.json().await.expect("scheduled json");
        assert!(status.is_success(), "scheduled send: {body}");
        assert_eq!(body["messages"][0]["message_status"], "scheduled", "{body}");
        body["messages"][0]["id"].as_str().expect("id").to_string()
    }

    /// The message once delivered, read or failed (or at the deadline).
    async fn wait_message_final(&self, id: &str, deadline: Instant) -> Value {
        loop {
            let m = self.get(&format!("/v1/messages/{id}")).await;
            let status = m["status"].as_str().unwrap_or("");
            if ["delivered", "read", "failed"].contains(&status) || Instant::now() > deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn wait_broadcast_done(&self, id: &str, deadline: Instant) -> Value {
        loop {
            let b = self.get(&format!("/v1/broadcasts/{id}")).await;
            let pending = b["counters"]["pending"].as_u64().unwrap_or(1)
                + b["counters"]["queued"].as_u64().unwrap_or(0)
                + b["counters"]["sent"].as_u64().unwrap_or(0);
            if (b["status"] == "completed" && pending == 0) || Instant::now() > deadline {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

mod postgres {
    /// PostgreSQL only: SQLite is one node's file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_node_finishes_the_work_of_a_killed_one() {
        let Some(db) = switchboard_store::testing::postgres_db().await else {
            return;
        };
        super::failover_run(db.url.clone()).await;
        db.cleanup().await;
    }
}
