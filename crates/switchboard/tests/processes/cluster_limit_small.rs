//! A channel's rate limit holds across a cluster (PostgreSQL): two `switchboard serve`
//! processes share one database and both accept sends for one Cloud channel limited to
//! `CHANNEL_MPS` messages per second. The sends are scheduled for one instant, so both nodes
//! find them due at once. A channel is dispatched by one node at a time (its channel
//! lease), so the emulator must see the sends spread over at least the time one limiter
//! needs; two limiters, one per node, finish in about half of it.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::chaos::*;

/// The channel's limit (its token bucket holds as many).
const CHANNEL_MPS: usize = 4;
/// Sends, each to a customer of its own (no pair limit in the way), alternating nodes.
const SENDS: usize = 44;

/// Schedules send `i` through `server` for `at` (RFC 3339).
async fn send(api: &Api, server: &Proc, i: usize, at: &str) {
    let r = api
        .client
        .post(format!(
            "{}/v1/channels/{}/messages",
            server.url(),
            api.channel_id
        ))
        .bearer_auth(&api.key)
        .json(
            &json!({"messaging_product": "whatsapp", "to": recipient(i), "type": "text",
                      "text": {"body": format!("cluster limit {i}")}, "send_at": at}),
        )
        .send()
        .await
        .expect("send");
    assert!(r.status().is_success(), "{:?}", r.text().await);
}

async fn cluster_limit_run(database_url: String) {
    let _alone = crate::alone().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let emulator = Proc::emulator(dir.path(), json!({}));
    let mps = CHANNEL_MPS.to_string();
    let env = [
        ("DISPATCH__CHANNEL_MPS", mps.as_str()),
        ("ALLOW_PRIVATE_TARGETS", "true"),
    ];
    let node = |name: &str| cluster_node(dir.path(), name, &database_url, &env);
    let first = node("first").start("127.0.0.1:0");
    let api = Api::setup(&first, &emulator, SENDS).await;
    let second = node("second").start("127.0.0.1:0");
    let before = api.emulator_sends().await.len();
    let at = switchboard_core::time::to_rfc3339(epoch_ms() + 6_000);
    for i in 0..SENDS {
        let server = if i % 2 == 0 { &first } else { &second };
        send(&api, server, i, &at).await;
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let by = api.outbound_by_status().await;
        let done: usize = ["delivered", "read", "failed"]
            .iter()
            .filter_map(|s| by.get(*s))
            .sum();
        if done >= SENDS {
            assert_eq!(by.get("failed"), None, "{by:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every send finished: {by:?}\nfirst: {}\nsecond: {}",
            first.log_tail(),
            second.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sends: Vec<Value> = api.emulator_sends().await.split_off(before);
    assert_eq!(sends.len(), SENDS, "each send reached the upstream once");
    let times: Vec<i64> = sends.iter().filter_map(|r| r["time_ms"].as_i64()).collect();
    let span_ms = times.iter().max().unwrap() - times.iter().min().unwrap();
    // One bucket: a full bucket at once, then one token per 1/CHANNEL_MPS s.
    let one_limiter_ms = ((SENDS - CHANNEL_MPS) * 1000 / CHANNEL_MPS) as i64;
    assert!(
        span_ms * 100 >= one_limiter_ms * 85,
        "{SENDS} sends at {CHANNEL_MPS}/s took {span_ms} ms: faster than one limiter allows \
         ({one_limiter_ms} ms), so two nodes dispatched the channel at once"
    );
}

mod postgres {
    /// PostgreSQL only: SQLite is one node's file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_channel_limit_holds_across_two_nodes() {
        let Some(db) = switchboard_store::testing::postgres_db().await else {
            return;
        };
        super::cluster_limit_run(db.url.clone()).await;
        db.cleanup().await;
    }
}
