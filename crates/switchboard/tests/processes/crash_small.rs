//! Small crash test (the CI version of `switchboard-bench crash`): 200 messages in 5 chats
//! while the real `switchboard serve` process is SIGKILLed twice and restarted on the same
//! database. The emulator is a separate `switchboard emulate` process, so its record of what
//! arrived upstream survives the kills. Every accepted message must arrive and be delivered,
//! none lost, per-chat order kept, and duplicates only from the kill windows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::chaos::*;

const CHATS: usize = 5;
const PER_CHAT: usize = 40;
const CONCURRENCY: usize = 32;
/// The server's upstream timeout: far above a healthy answer even on a loaded machine, so
/// only a kill can make the server send a message twice.
const UPSTREAM_TIMEOUT_MS: i64 = 8_000;

async fn crash_run(database_url: Option<String>) {
    // Each run needs the machine: the two backends run one after the other, and alone.
    let _alone = crate::alone().await;
    let deadline = Instant::now() + Duration::from_secs(150);
    let dir = tempfile::tempdir().expect("temporary folder");
    let emulator = Proc::emulator(
        dir.path(),
        serde_json::json!({
            "webhook_retry": {"max_attempts": 60, "initial_backoff_ms": 50, "max_backoff_ms": 500, "request_timeout_ms": 5000}
        }),
    );
    // On PostgreSQL a restarted node leaves the dead node's leases to expire (another node
    // may own them), so a lease just above the timeout keeps the kill's in-flight chats from
    // stalling 60 s.
    let timeout = UPSTREAM_TIMEOUT_MS.to_string();
    let lease = (UPSTREAM_TIMEOUT_MS + 2_000).to_string();
    let spec = ServerSpec::new(
        dir.path(),
        database_url,
        CONCURRENCY,
        // No upstream faults here: a long upstream timeout keeps a slow (loaded) machine from
        // turning a late answer into a retry, i.e. a duplicate that no kill explains; the
        // lease exceeds the timeout by 2 s (validated: media upload and send share it).
        &[
            ("DISPATCH__LEASE_MS", lease.as_str()),
            ("UPSTREAM__REQUEST_TIMEOUT_MS", timeout.as_str()),
        ],
    );
    let server = spec.start("127.0.0.1:0");
    let api = Api::setup(&server, &emulator, CHATS).await;

    let accepted = Arc::new(AtomicU64::new(0));
    let tag = "crashsmall";
    let killer = {
        let accepted = accepted.clone();
        let spec = spec.clone();
        tokio::spawn(async move {
            let mut server = server;
            let mut kills = Vec::new();
            for (threshold, down_ms) in [(60u64, 0u64), (130, 150)] {
                while accepted.load(Ordering::Relaxed) < threshold {
                    assert!(
                        Instant::now() < deadline,
                        "sending stalled before kill at {threshold}"
                    );
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                tokio::time::sleep(Duration::from_millis(7)).await;
                let at = epoch_ms();
                server.kill9();
                tokio::time::sleep(Duration::from_millis(down_ms)).await;
                let addr = server.addr;
                let spec = spec.clone();
                // Nothing runs between the kill and this moment: whatever reaches the
                // emulator before it was sent by the killed process.
                let restarting = epoch_ms();
                server = tokio::task::spawn_blocking(move || spec.restart(addr))
                    .await
                    .expect("restart task");
                kills.push((at, restarting));
            }
            (server, kills)
        })
    };
    let sent = send_chats(&api, tag, CHATS, PER_CHAT, accepted.clone(), deadline).await;
    let (mut server, kills) = killer.await.expect("killer");
    assert_eq!(kills.len(), 2);
    assert_eq!(
        sent.accepted.len(),
        CHATS * PER_CHAT,
        "every send is eventually answered 2xx: {:?}",
        sent.problems
    );

    let finished = api.wait_all_final(deadline).await;
    let by_status = api.outbound_by_status().await;
    let records = api.emulator_sends().await;
    let a = analyze(&records, tag, &sent.accepted);
    eprintln!("crash_small: statuses {by_status:?}; upstream: {} arrived, {} lost, {} duplicates; kills at {kills:?}", a.arrived, a.lost.len(), a.duplicates);

    let total: usize = by_status.values().sum();
    let delivered = by_status.get("delivered").copied().unwrap_or(0)
        + by_status.get("read").copied().unwrap_or(0);
    let log = server.log_tail();
    assert!(
        finished,
        "not every message reached a final status: {by_status:?}\n{log}"
    );
    assert_eq!(
        total,
        CHATS * PER_CHAT,
        "one stored message per accepted send: {by_status:?}"
    );
    assert_eq!(
        delivered,
        CHATS * PER_CHAT,
        "every accepted message delivered: {by_status:?}\n{log}"
    );
    assert!(
        a.lost.is_empty(),
        "accepted but never sent upstream: {:?}",
        a.lost
    );
    assert!(
        a.order_violations.is_empty(),
        "per-chat order: {:?}",
        a.order_violations
    );
    // A duplicate can only be a send that was in flight at a kill: the killed process sent
    // the first copy (it reached the emulator, whose times are request starts, before the
    // replacement was started) no earlier than one upstream timeout before the kill (an older
    // attempt would have timed out and been retried by the live server: no kill explains
    // that), and the replacement sent the next copy after the kill. At most one per chat and
    // kill (a chat's next message waits for the previous one's answer).
    let mut per_kill = vec![0usize; kills.len()];
    let mut unexplained = Vec::new();
    for (key, times) in &a.duplicated {
        for later in &times[1..] {
            let explains = |(kill, restart): &(i64, i64)| {
                times[0] >= kill - UPSTREAM_TIMEOUT_MS && times[0] < *restart && later >= kill
            };
            match kills.iter().position(explains) {
                Some(kill) => per_kill[kill] += 1,
                None => unexplained.push(format!("{key:?}: copies at {times:?}")),
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "duplicates not explained by a kill: {unexplained:?}; kills at {kills:?}"
    );
    assert!(
        per_kill.iter().all(|d| *d <= CHATS.min(CONCURRENCY)),
        "duplicates per kill {per_kill:?}"
    );
    eprintln!("crash_small: duplicates per kill {per_kill:?}");
    assert!(
        server.stop(),
        "the restarted server exits cleanly on SIGTERM"
    );
}

on_both_databases!(survives_sigkill_without_losing_messages => super::crash_run);
