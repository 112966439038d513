//! `e2e`: N messages through the server to an emulator process, their statuses back, and the
//! server's webhooks out to a local receiver; timed from the first request until the receiver
//! has a `message.delivered` (or `message.read`) event for every message (or, with
//! `--webhook-events none`, until every message is `delivered` or `read` in the server).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::api::{recipient, wait_all_final};
use crate::load::{self, Mode, Target};
use crate::procs;
use crate::stack::{self, median, patient_webhooks, Backend, Env, Stack};

/// Options of `e2e`.
#[derive(Debug, Clone, clap::Args)]
pub struct E2eArgs {
    /// Database.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Messages per run.
    #[arg(long, default_value_t = 10_000)]
    pub messages: u64,
    /// Cloud channels (each is limited to 1000 msg/s, Meta's ceiling).
    #[arg(long, default_value_t = 16)]
    pub channels: usize,
    /// Distinct recipients.
    #[arg(long, default_value_t = 2_000)]
    pub recipients: usize,
    /// Concurrent client connections posting the messages.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Repetitions (medians are printed at the end).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Give up a run after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Whether the simulated customers also read (a third status webhook per message).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub read_receipts: bool,
    /// Statuses per emulator webhook POST (Meta sends one per POST in practice).
    #[arg(long, default_value_t = 1)]
    pub statuses_per_webhook: usize,
    /// Event filter of the webhook subscription to the local receiver (comma-separated), or
    /// `none` to stop the clock at the server's statuses instead.
    #[arg(long, default_value = "message.delivered")]
    pub webhook_events: String,
}

/// The local webhook receiver: answers 204 at once and counts.
#[derive(Default)]
struct Receiver {
    posts: AtomicU64,
    delivered: AtomicU64,
    duplicate_events: AtomicU64,
    delivered_ids: Mutex<HashSet<String>>,
    event_ids: Mutex<HashSet<String>>,
}

async fn hook(State(r): State<Arc<Receiver>>, body: Bytes) -> StatusCode {
    r.posts.fetch_add(1, Ordering::Relaxed);
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    if let Some(id) = v["id"].as_str() {
        if !r.event_ids.lock().expect("ids").insert(id.to_string()) {
            r.duplicate_events.fetch_add(1, Ordering::Relaxed);
        }
    }
    let kind = v["type"].as_str().unwrap_or("");
    if kind == "message.delivered" || kind == "message.read" {
        if let Some(id) = v.pointer("/data/message/id").and_then(Value::as_str) {
            if r.delivered_ids.lock().expect("ids").insert(id.to_string()) {
                r.delivered.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    StatusCode::NO_CONTENT
}

/// Starts a receiver on 127.0.0.1 port 0; returns it and its URL.
async fn start_receiver() -> Result<(Arc<Receiver>, String, tokio::task::JoinHandle<()>)> {
    let receiver = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((receiver, url, task))
}

struct Run {
    e2e_rps: f64,
    accept_rps: f64,
    server_cpu_ms_per_msg: f64,
    emulator_cpu_ms_per_msg: f64,
    bench_cpu_ms_per_msg: f64,
    postgres_cpu_ms_per_msg: f64,
    peak_rss_mib: f64,
    webhook_posts_per_msg: f64,
}

/// Runs `e2e`.
pub async fn run(env: &Env, args: &E2eArgs) -> Result<()> {
    let n = args.messages.max(1);
    let channels = args.channels.max(1);
    println!(
        "e2e ({}): {n} hello_world template messages over {channels} channels to {} recipients, {} connections, read receipts {}, {} status(es) per emulator webhook, webhooks out: {}, {} run(s)",
        args.backend.name(), args.recipients, args.connections, args.read_receipts, args.statuses_per_webhook, args.webhook_events, args.runs
    );
    let events: Vec<String> = args
        .webhook_events
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty() && *e != "none")
        .map(String::from)
        .collect();
    let mut runs = Vec::new();
    for run in 1..=args.runs {
        println!(
            "run {run}/{} (load average {:.2})",
            args.runs,
            stack::load_average()
        );
        let max_records = (n as usize * 4).max(100_000);
        let stack = Stack::start(
            env,
            args.backend,
            json!({
                "read_receipts": args.read_receipts,
                "max_records": max_records,
                "webhook_retry": patient_webhooks(),
                "max_statuses_per_webhook": args.statuses_per_webhook.max(1),
            }),
            &[
                ("DISPATCH__CHANNEL_MPS", "1000".to_string()),
                ("ALLOW_PRIVATE_TARGETS", "true".to_string()),
            ],
        )
        .await?;
        let (receiver, receiver_url, receiver_task) = start_receiver().await?;
        if !events.is_empty() {
            let r = stack
                .api
                .client
                .post(format!("{}/v1/subscriptions", stack.api.server))
                .bearer_auth(&stack.api.key)
                .json(&json!({"url": receiver_url, "events": events}))
                .send()
                .await?;
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            if !status.is_success() {
                bail!("creating the webhook subscription: HTTP {status}: {text}");
            }
        }
        let mut lines = Vec::new();
        for c in 0..channels {
            lines.push(stack.api.add_line(c).await?);
        }
        stack.api.warm_up(&lines[0]).await?;
        let bodies: Vec<Bytes> = (0..args.recipients.max(1))
            .map(|r| {
                Bytes::from(serde_json::to_vec(&stack::template(&recipient(r))).expect("json"))
            })
            .collect();
        let target = Target {
            addr: stack.server.addr,
            paths: Arc::new(
                lines
                    .iter()
                    .map(|l| format!("/v1/channels/{}/messages", l.channel_id))
                    .collect(),
            ),
            authorization: Some(format!("Bearer {}", stack.api.key)),
            bodies: Arc::new(bodies),
        };
        let server_cpu0 = stack.server.cpu_seconds().unwrap_or(0.0);
        let emu_cpu0 = stack.emulator.cpu_seconds().unwrap_or(0.0);
        let self_cpu0 = procs::self_cpu_seconds();
        let pg_cpu0 = procs::postgres_cpu_seconds();
        let started = Instant::now();
        let limit = Duration::from_secs(args.timeout);
        let r = load::run(target, args.connections, Mode::Count { total: n, limit }).await?;
        let accepted_after = started.elapsed();
        if r.ok != n {
            bail!(
                "only {} of {n} sends were accepted ({} non-2xx, {} errors): {}",
                r.ok,
                r.non_2xx,
                r.errors,
                r.first_problem.unwrap_or_default()
            );
        }
        let done = if events.is_empty() {
            wait_all_final(
                &stack.api,
                &lines,
                limit.saturating_sub(started.elapsed()),
                Duration::from_millis(100),
            )
            .await?
        } else {
            loop {
                if receiver.delivered.load(Ordering::Relaxed) >= n {
                    break true;
                }
                if started.elapsed() > limit {
                    break false;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let elapsed = started.elapsed();
        let server_cpu = stack.server.cpu_seconds().unwrap_or(0.0) - server_cpu0;
        let emu_cpu = stack.emulator.cpu_seconds().unwrap_or(0.0) - emu_cpu0;
        let self_cpu = procs::self_cpu_seconds() - self_cpu0;
        let pg_cpu = procs::postgres_cpu_seconds() - pg_cpu0;
        let peak = stack.server.peak_rss_kib().unwrap_or(0);
        // Verification (not timed): every message delivered or read, none failed.
        let mut delivered = 0;
        let mut other = std::collections::BTreeMap::new();
        for line in &lines {
            for (status, count) in stack.api.outbound_by_status(line).await? {
                if status == "delivered" || status == "read" {
                    delivered += count;
                } else {
                    *other.entry(status).or_insert(0) += count;
                }
            }
        }
        let at_receiver = receiver.delivered.load(Ordering::Relaxed);
        let posts = receiver.posts.load(Ordering::Relaxed);
        if !events.is_empty() && !done {
            bail!(
                "after {:.1} s the receiver has a delivered event for {at_receiver} of {n} messages ({posts} POSTs); server statuses: {delivered} delivered/read, others {other:?}\n{}",
                elapsed.as_secs_f64(),
                stack.server.log_tail()
            );
        }
        if delivered as u64 != n {
            bail!(
                "after {:.1} s: {delivered} of {n} delivered, others {other:?} (logs in {})\n{}",
                elapsed.as_secs_f64(),
                stack.path().display(),
                stack.server.log_tail()
            );
        }
        // Less the warm-up send.
        let upstream = stack.api.emulator_sends().await?.len().saturating_sub(1);
        let result = Run {
            e2e_rps: n as f64 / elapsed.as_secs_f64(),
            accept_rps: n as f64 / accepted_after.as_secs_f64(),
            server_cpu_ms_per_msg: server_cpu / n as f64 * 1e3,
            emulator_cpu_ms_per_msg: emu_cpu / n as f64 * 1e3,
            bench_cpu_ms_per_msg: self_cpu / n as f64 * 1e3,
            postgres_cpu_ms_per_msg: pg_cpu / n as f64 * 1e3,
            peak_rss_mib: peak as f64 / 1024.0,
            webhook_posts_per_msg: posts as f64 / n as f64,
        };
        if !events.is_empty() {
            println!(
                "  receiver: {posts} webhook POSTs ({:.2} per message), a delivered event for {at_receiver} messages, {} repeated event ids",
                result.webhook_posts_per_msg,
                receiver.duplicate_events.load(Ordering::Relaxed)
            );
        }
        println!(
            "  {n} delivered in {:.2} s = {:.0} msg/s end to end (all accepted after {:.2} s = {:.0} msg/s); CPU per message: server {:.3} ms, emulator {:.3} ms, bench (load + receiver) {:.3} ms, PostgreSQL {:.3} ms; server peak RSS {:.1} MiB; emulator accepted {upstream} sends",
            elapsed.as_secs_f64(), result.e2e_rps, accepted_after.as_secs_f64(), result.accept_rps,
            result.server_cpu_ms_per_msg, result.emulator_cpu_ms_per_msg, result.bench_cpu_ms_per_msg,
            result.postgres_cpu_ms_per_msg, result.peak_rss_mib
        );
        runs.push(result);
        stack.finish().await?;
        receiver_task.abort();
        if upstream as u64 != n {
            bail!("the emulator accepted {upstream} sends for {n} messages: each must arrive exactly once");
        }
    }
    let med = |f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    println!(
        "\ne2e ({}), medians of {} run(s):",
        args.backend.name(),
        args.runs
    );
    println!(
        "  end to end {:.0} msg/s ({:.1} % of the 10,000 msg/s target); accept phase {:.0} msg/s",
        med(|r| r.e2e_rps),
        med(|r| r.e2e_rps) / 100.0,
        med(|r| r.accept_rps)
    );
    println!(
        "  CPU per message: server {:.3} ms, emulator {:.3} ms, bench (load + receiver) {:.3} ms, PostgreSQL {:.3} ms; server peak RSS {:.1} MiB",
        med(|r| r.server_cpu_ms_per_msg),
        med(|r| r.emulator_cpu_ms_per_msg),
        med(|r| r.bench_cpu_ms_per_msg),
        med(|r| r.postgres_cpu_ms_per_msg),
        med(|r| r.peak_rss_mib)
    );
    Ok(())
}
