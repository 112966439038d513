//! `crash`: M messages sent while the server is SIGKILLed k times at random moments and
//! restarted on the same database; the emulator runs as its own process and keeps the record.
//! With `--failover` (PostgreSQL) a second node shares the database and is the one killed: the
//! first node, which takes the sends and the upstream's webhooks, finishes its claims.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use rand::Rng;
use serde_json::json;

use crate::api::{recipient, wait_all_final};
use crate::chats::{analyze, send_chats};
use crate::procs::{self, Proc};
use crate::stack::{self, patient_webhooks, Backend, Env, Stack};

/// Options of `crash`.
#[derive(Debug, Clone, clap::Args)]
pub struct CrashArgs {
    /// Database.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Messages to send.
    #[arg(long, default_value_t = 2_000)]
    pub messages: usize,
    /// SIGKILLs during the run.
    #[arg(long, default_value_t = 3)]
    pub kills: usize,
    /// Chats (recipients); each chat's messages are sent in order by its own sender.
    #[arg(long, default_value_t = 20)]
    pub chats: usize,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Sending pace, messages per second in total (0: as fast as the server answers), so the
    /// kills land while messages are both accepted and dispatched.
    #[arg(long, default_value_t = 500.0)]
    pub send_rate: f64,
    /// The server's dispatch.lease_ms: on PostgreSQL a restarted node waits for the killed
    /// node's leases to expire before it resends (its default is 60000).
    #[arg(long, default_value_t = 5000)]
    pub lease_ms: u64,
    /// Kill a second node on the same database instead of the one taking the sends
    /// (PostgreSQL only): the survivor must take over the killed node's claims.
    #[arg(long)]
    pub failover: bool,
    /// The server's dispatch.concurrency (upstream calls in flight).
    #[arg(long, default_value_t = 256)]
    pub concurrency: usize,
}

fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// One kill.
#[derive(Debug, Clone)]
struct Kill {
    at_ms: i64,
    accepted_before: u64,
    restarted_ms: i64,
}

/// The server settings of the crash and fault runs: fast retries, a 1 s upstream timeout,
/// Meta's highest channel rate, no pair limit in the way.
pub fn fast_settings(concurrency: usize) -> Vec<(&'static str, String)> {
    vec![
        ("DISPATCH__CHANNEL_MPS", "1000".into()),
        ("DISPATCH__PAIR_BURST", "1000000".into()),
        ("DISPATCH__RETRY_BASE_MS", "50".into()),
        ("DISPATCH__RETRY_MAX_MS", "1000".into()),
        ("DISPATCH__CONCURRENCY", concurrency.to_string()),
        ("UPSTREAM__REQUEST_TIMEOUT_MS", "1000".into()),
    ]
}

/// Runs `crash`.
pub async fn run(env: &Env, args: &CrashArgs) -> Result<()> {
    let chats = args.chats.max(1);
    let per_chat = args.messages.div_ceil(chats).max(1);
    let m = chats * per_chat;
    if args.failover && args.backend != Backend::Postgres {
        bail!("crash --failover needs --backend postgres: two nodes share one database");
    }
    println!(
        "crash ({}): {m} text messages in {chats} chats, {} SIGKILL(s) at random moments of {}, restart on the same database (load average {:.2})",
        args.backend.name(), args.kills,
        if args.failover { "a second node beside the one taking the sends" } else { "the server" },
        stack::load_average()
    );
    let stack = Stack::start(
        env,
        args.backend,
        json!({"max_records": (m * 4).max(100_000), "webhook_retry": patient_webhooks()}),
        &{
            let mut s = fast_settings(args.concurrency);
            s.push(("DISPATCH__LEASE_MS", args.lease_ms.to_string()));
            // No upstream faults here: a longer timeout keeps a late answer on a loaded machine
            // from becoming a retry, i.e. a duplicate that no kill explains. The lease must
            // exceed the timeout by 2 s (validated), or a slow send could be claimed twice.
            let timeout = args.lease_ms.saturating_sub(2000).clamp(100, 2000);
            s.push(("UPSTREAM__REQUEST_TIMEOUT_MS", timeout.to_string()));
            s
        },
    )
    .await?;
    let line = stack.api.add_line(0).await?;
    stack.api.warm_up(&line).await?;
    let recipients: Vec<String> = (0..chats).map(recipient).collect();
    stack.api.open_windows(&line, &recipients).await?;

    let tag = format!("crash{:08x}", rand::random::<u32>());
    let accepted = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    let started = Instant::now();

    // The killer: at a random accepted count in each of `kills` equal slices of 5–95 % of the
    // messages, wait a random moment, SIGKILL, stay down a random time, restart.
    let thresholds: Vec<u64> = {
        let mut rng = rand::rng();
        let (lo, hi) = (m as f64 * 0.05, m as f64 * 0.95);
        let slice = (hi - lo) / args.kills.max(1) as f64;
        (0..args.kills)
            .map(|i| (lo + slice * (i as f64 + rng.random_range(0.0..1.0))).max(1.0) as u64)
            .collect()
    };
    let mut stack = stack;
    // The node the killer kills: the server, or a second node on the same database.
    let (server, spec) = if args.failover {
        let mut spec = stack.spec.clone();
        spec.data_dir = stack.path().join("second-node");
        std::fs::create_dir_all(&spec.data_dir)?;
        // Nodes on one database share the key that seals its secrets.
        std::fs::copy(
            stack.spec.data_dir.join("secret.key"),
            spec.data_dir.join("secret.key"),
        )
        .context("copying the first node's secret key")?;
        let second = spec.start("127.0.0.1:0")?;
        procs::wait_healthy(&stack.api.client, &second.url()).await?;
        (second, spec)
    } else {
        (
            std::mem::replace(&mut stack.server, Proc::placeholder()),
            stack.spec.clone(),
        )
    };
    let api = stack.api.clone();
    let killer = {
        let accepted = accepted.clone();
        let spec = spec.clone();
        tokio::spawn(async move {
            let mut server: Proc = server;
            let mut kills = Vec::new();
            for t in thresholds {
                while accepted.load(Ordering::Relaxed) < t {
                    if Instant::now() > deadline {
                        return Ok::<_, anyhow::Error>((server, kills));
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                let (pause, down) = {
                    let mut rng = rand::rng();
                    (rng.random_range(0..50u64), rng.random_range(0..300u64))
                };
                tokio::time::sleep(Duration::from_millis(pause)).await;
                let at_ms = epoch_ms();
                let accepted_before = accepted.load(Ordering::Relaxed);
                server.kill9();
                tokio::time::sleep(Duration::from_millis(down)).await;
                let addr = server.addr;
                let spec = spec.clone();
                let restarted = tokio::task::spawn_blocking(move || spec.restart(addr)).await??;
                let restarted_ms = epoch_ms();
                drop(std::mem::replace(&mut server, restarted));
                println!(
                    "  SIGKILL at {} accepted, {down} ms down, restarted",
                    accepted_before
                );
                kills.push(Kill {
                    at_ms,
                    accepted_before,
                    restarted_ms,
                });
            }
            Ok((server, kills))
        })
    };
    let sent = send_chats(
        &api,
        &line,
        &tag,
        chats,
        per_chat,
        Some(args.send_rate),
        accepted.clone(),
        deadline,
    )
    .await?;
    let (server, kills) = killer.await.context("killer task")??;
    let sending = started.elapsed();
    procs::wait_healthy(&api.client, &server.url()).await?;
    let finished = wait_all_final(
        &api,
        std::slice::from_ref(&line),
        deadline.saturating_duration_since(Instant::now()),
        Duration::from_millis(200),
    )
    .await?;
    let by_status = api.outbound_by_status(&line).await?;
    let records = api.emulator_sends().await?;
    let a = analyze(&records, &tag, &sent.accepted);

    // Attribute each duplicate to the kill between its copies.
    let mut per_kill = vec![0usize; kills.len()];
    let mut unexplained = Vec::new();
    for (key, times) in &a.duplicated {
        let first = times[0];
        for later in &times[1..] {
            match kills
                .iter()
                .position(|k| first <= k.at_ms + 50 && *later >= k.at_ms)
            {
                Some(i) => per_kill[i] += 1,
                None => {
                    unexplained.push(format!("chat {} seq {} copies at {times:?}", key.0, key.1))
                }
            }
        }
    }
    // In flight at a kill can be at most what the emulator accepted in the second before it
    // (and at most dispatch.concurrency).
    let in_window: Vec<usize> = kills
        .iter()
        .map(|k| {
            records
                .iter()
                .filter_map(|r| r["time_ms"].as_i64())
                .filter(|t| *t > k.at_ms - 1000 && *t <= k.at_ms + 50)
                .count()
        })
        .collect();

    let total_outbound: usize = by_status.values().sum();
    let delivered = by_status.get("delivered").copied().unwrap_or(0)
        + by_status.get("read").copied().unwrap_or(0);
    println!(
        "  sent {m} in {:.1} s: {} accepted (2xx), {} refused, {} unconfirmed at the deadline, {} request retries while the server was down",
        sending.as_secs_f64(), sent.accepted.len(), sent.refused.len(), sent.unconfirmed.len(), sent.retried
    );
    println!(
        "  server: {total_outbound} outbound messages stored, by status {:?}",
        by_status.iter().collect::<BTreeMap<_, _>>()
    );
    println!(
        "  emulator: {} distinct messages arrived, {} lost, {} duplicate copies, {} arrived without a 2xx answer, {} per-chat order violations, {} late re-sends",
        a.arrived, a.lost.len(), a.duplicates, a.unconfirmed_arrived, a.order_violations.len(), a.late_copies
    );
    for (i, k) in kills.iter().enumerate() {
        println!(
            "  kill {}: after {} accepted; {} duplicate(s) (in-flight bound {}: {} chats, concurrency {}, {} upstream sends in the second before); back up after {} ms",
            i + 1, k.accepted_before, per_kill[i], in_window[i].min(chats).min(args.concurrency), chats, args.concurrency, in_window[i], k.restarted_ms - k.at_ms
        );
    }
    let mut problems = Vec::new();
    if !sent.refused.is_empty() {
        problems.push(format!(
            "{} sends refused, e.g. {}",
            sent.refused.len(),
            sent.refused[0]
        ));
    }
    if !sent.unconfirmed.is_empty() {
        problems.push(format!(
            "{} sends never answered 2xx",
            sent.unconfirmed.len()
        ));
    }
    if !a.lost.is_empty() {
        problems.push(format!(
            "{} accepted messages never arrived upstream, e.g. {:?}",
            a.lost.len(),
            &a.lost[..a.lost.len().min(5)]
        ));
    }
    if !finished || delivered != sent.accepted.len() {
        problems.push(format!(
            "{delivered} of {} accepted messages are delivered/read in the server",
            sent.accepted.len()
        ));
    }
    if total_outbound != sent.accepted.len() {
        problems.push(format!(
            "the server stored {total_outbound} outbound messages for {} accepted sends",
            sent.accepted.len()
        ));
    }
    if !a.order_violations.is_empty() {
        problems.push(format!(
            "per-chat order violated: {:?}",
            &a.order_violations[..a.order_violations.len().min(5)]
        ));
    }
    if !unexplained.is_empty() {
        problems.push(format!(
            "{} duplicates not explained by a kill: {:?}",
            unexplained.len(),
            &unexplained[..unexplained.len().min(5)]
        ));
    }
    // At most one send per chat is in flight (per-chat order), at most dispatch.concurrency
    // in all, and no more than the emulator accepted in the second before the kill.
    let bound = |i: usize| in_window[i].min(chats).min(args.concurrency);
    for (i, d) in per_kill.iter().enumerate() {
        if *d > bound(i) {
            problems.push(format!(
                "kill {}: {d} duplicates exceed what could be in flight ({})",
                i + 1,
                bound(i)
            ));
        }
    }
    let second_node = if args.failover {
        Some(server)
    } else {
        stack.server = server;
        None
    };
    if !problems.is_empty() {
        if let Some(second) = &second_node {
            println!("second node:\n{}", second.log_tail());
        }
        println!("{}", stack.server.log_tail());
        stack.keep_files();
    }
    drop(second_node);
    stack.finish().await?;
    if !problems.is_empty() {
        bail!("crash: FAILED:\n  - {}", problems.join("\n  - "));
    }
    println!(
        "crash: PASSED: every accepted message delivered, none lost, {} duplicate(s) ({} kill(s))",
        a.duplicates,
        kills.len()
    );
    Ok(())
}
