//! Small fault test (the CI version of `switchboard-bench faults`): 200 messages in 20 chats
//! while the emulator (a separate `switchboard emulate` process) answers 20 % of sends with
//! 500, lets 20 % hang past the server's upstream timeout, and throttles with 130429 above 40
//! messages/s. Every message must be delivered exactly once, in order per chat.

mod chaos;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chaos::*;

const CHATS: usize = 20;
const PER_CHAT: usize = 10;

/// The two tests (SQLite, PostgreSQL) run one after the other: each needs the machine.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn faults_run(database_url: Option<String>) {
    let _serial = SERIAL.lock().await;
    let deadline = Instant::now() + Duration::from_secs(90);
    let dir = tempfile::tempdir().expect("temporary folder");
    let emulator = Proc::emulator(dir.path(), serde_json::json!({"seed": 7}));
    let spec = ServerSpec::new(dir.path(), database_url, 64, &[]);
    let mut server = spec.start("127.0.0.1:0");
    let api = Api::setup(&server, &emulator, CHATS).await;
    api.set_faults(serde_json::json!({
        "error_5xx_rate": 0.2,
        "timeout_rate": 0.2,
        "timeout_ms": 1500,
        "throughput_limit_mps": 40,
    }))
    .await;

    let tag = "faultsmall";
    let sent = send_chats(
        &api,
        tag,
        CHATS,
        PER_CHAT,
        Arc::new(AtomicU64::new(0)),
        deadline,
    )
    .await;
    assert_eq!(sent.accepted.len(), CHATS * PER_CHAT, "{:?}", sent.problems);
    let finished = api.wait_all_final(deadline).await;
    let messages = api.list("direction=outbound").await;
    let by_status = api.outbound_by_status().await;
    let attempts: u64 = messages
        .iter()
        .map(|m| m["attempts"].as_u64().unwrap_or(0))
        .sum();
    let failed: Vec<String> = messages
        .iter()
        .filter(|m| m["status"] == "failed")
        .take(3)
        .map(|m| format!("{} attempts: {}", m["attempts"], m["error"]))
        .collect();
    let records = api.emulator_sends().await;
    let a = analyze(&records, tag, &sent.accepted);
    // What the emulator answered: 200s, 500s and 130429s are recorded; a hang the server gave
    // up on (its 1 s timeout) is not, so those are the attempts left over.
    let requests: serde_json::Value = api
        .client
        .get(format!("{}/emulator/requests", api.emulator))
        .send()
        .await
        .expect("requests")
        .json()
        .await
        .expect("requests JSON");
    let answered = |code: u64| {
        requests
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                r["method"] == "POST"
                    && r["status"] == code
                    && r["path"].as_str().is_some_and(|p| p.ends_with("/messages"))
            })
            .count() as u64
    };
    // The 200s are the arrivals and their copies (the warm-up send is not counted).
    let ok = (a.arrived + a.duplicates) as u64;
    let (errors, throttled) = (answered(500), answered(400));
    let timeouts = attempts.saturating_sub(ok + errors + throttled);
    eprintln!(
        "faults_small: statuses {by_status:?}; {attempts} upstream attempts for {} messages: {ok} accepted, {errors} 500s, {throttled} 130429s, {timeouts} timeouts; upstream: {} arrived, {} duplicates",
        CHATS * PER_CHAT, a.arrived, a.duplicates
    );
    let log = server.log_tail();
    assert!(
        finished,
        "not every message reached a final status: {by_status:?}\n{log}"
    );
    let delivered = by_status.get("delivered").copied().unwrap_or(0)
        + by_status.get("read").copied().unwrap_or(0);
    assert_eq!(
        delivered,
        CHATS * PER_CHAT,
        "every message delivered: {by_status:?}; failed ones: {failed:?}"
    );
    assert!(
        errors > 0 && timeouts > 0 && throttled > 0,
        "the 5xx, timeout and throttling faults were injected"
    );
    assert!(a.lost.is_empty(), "never sent upstream: {:?}", a.lost);
    assert_eq!(
        a.duplicates, 0,
        "no duplicates without a crash: {:?}",
        a.duplicated
    );
    assert!(
        a.order_violations.is_empty(),
        "per-chat order: {:?}",
        a.order_violations
    );
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_delivers_all_in_order_despite_5xx_timeouts_and_throttling() {
    faults_run(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_delivers_all_in_order_despite_5xx_timeouts_and_throttling() {
    let Some(db) = switchboard_store::testing::postgres_db().await else {
        return;
    };
    faults_run(Some(db.url.clone())).await;
    db.cleanup().await;
}
