//! `outage`: a webhook receiver that is down for an hour of accelerated time. The server's
//! retry schedule is divided by `--accel`, so an hour passes in 36 s at the default 100×.
//! Messages are sent and their events (accepted, sent, delivered, read) are fanned out to the
//! receiver, which answers 503 until the outage ends; then every event must arrive (none
//! lost), and a replay of the subscription since the start must deliver every event again
//! (all replayable).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{json, Value};

use crate::api::{recipient, wait_all_final, Api};
use crate::stack::{self, patient_webhooks, Backend, Env, Stack};

/// Options of `outage`.
#[derive(Debug, Clone, clap::Args)]
pub struct OutageArgs {
    /// Database.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Messages to send (four events each: accepted, sent, delivered, read).
    #[arg(long, default_value_t = 2_000)]
    pub messages: usize,
    /// Chats (recipients); the events of one chat are delivered in order.
    #[arg(long, default_value_t = 50)]
    pub chats: usize,
    /// How long the receiver is down, in simulated seconds.
    #[arg(long, default_value_t = 3_600)]
    pub outage: u64,
    /// Time acceleration: the retry schedule (5 s, 30 s, 2 m, 10 m, 30 m, 1 h, …) is divided
    /// by this.
    #[arg(long, default_value_t = 100)]
    pub accel: u64,
    /// Give up after this many (real) seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// The server's default retry schedule (`webhooks.retry_schedule_ms`).
const SCHEDULE_MS: [u64; 10] = [
    5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000,
    86_400_000,
];

/// The receiver: 503 while down, then 204; counts each `webhook-id`.
#[derive(Default)]
struct Receiver {
    up: AtomicBool,
    refused: AtomicU64,
    got: Mutex<HashMap<String, u32>>,
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap) -> StatusCode {
    if !r.up.load(Ordering::Relaxed) {
        r.refused.fetch_add(1, Ordering::Relaxed);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
        if let Ok(mut got) = r.got.lock() {
            *got.entry(id.to_string()).or_default() += 1;
        }
    }
    StatusCode::NO_CONTENT
}

/// The ids of the account's `message.*` events.
async fn event_ids(api: &Api) -> Result<HashSet<String>> {
    let mut ids = HashSet::new();
    let mut after = String::new();
    loop {
        let r = api
            .client
            .get(format!(
                "{}/v1/events?types=message.*&limit=1000&after={after}",
                api.server
            ))
            .bearer_auth(&api.key)
            .send()
            .await?;
        let status = r.status();
        let page: Value = r.json().await.context("events page")?;
        if !status.is_success() {
            bail!("listing events: HTTP {status}: {page}");
        }
        let data = page["data"].as_array().cloned().unwrap_or_default();
        ids.extend(
            data.iter()
                .filter_map(|e| e["id"].as_str().map(String::from)),
        );
        match page["next"].as_str() {
            Some(next) if !next.is_empty() && !data.is_empty() => after = next.to_string(),
            _ => return Ok(ids),
        }
    }
}

/// Waits until the receiver holds every id of `ids` at least `copies` times.
async fn wait_received(
    receiver: &Receiver,
    ids: &HashSet<String>,
    copies: u32,
    deadline: Instant,
) -> Result<usize> {
    loop {
        let missing = {
            let got = receiver
                .got
                .lock()
                .map_err(|_| anyhow::anyhow!("receiver lock"))?;
            ids.iter()
                .filter(|id| got.get(*id).copied().unwrap_or(0) < copies)
                .count()
        };
        if missing == 0 || Instant::now() > deadline {
            return Ok(missing);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs `outage`.
pub async fn run(env: &Env, args: &OutageArgs) -> Result<()> {
    if args.messages * 4 > 10_000 {
        bail!(
            "outage replays every event in one call (at most 10,000): use --messages 2500 or fewer"
        );
    }
    let accel = args.accel.max(1);
    let chats = args.chats.max(1);
    let outage = Duration::from_millis(args.outage * 1000 / accel);
    let schedule: Vec<String> = SCHEDULE_MS
        .iter()
        .map(|ms| (ms / accel).max(10).to_string())
        .collect();
    println!(
        "outage ({}): {} messages in {chats} chats, the webhook receiver down for {} s of simulated time ({:.1} s real at {accel}×; retry schedule {} ms) (load average {:.2})",
        args.backend.name(), args.messages, args.outage, outage.as_secs_f64(), schedule.join(", "), stack::load_average()
    );
    let stack = Stack::start(
        env,
        args.backend,
        json!({"max_records": (args.messages * 4).max(100_000), "webhook_retry": patient_webhooks()}),
        &[
            ("DISPATCH__CHANNEL_MPS", "1000".to_string()),
            ("ALLOW_PRIVATE_TARGETS", "true".to_string()),
            (
                "WEBHOOKS__RETRY_SCHEDULE_MS",
                format!("[{}]", schedule.join(",")),
            ),
        ],
    )
    .await?;
    let api = stack.api.clone();
    let deadline = Instant::now() + Duration::from_secs(args.timeout);

    let receiver = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let receiver_task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let sub: Value = api
        .client
        .post(format!("{}/v1/subscriptions", api.server))
        .bearer_auth(&api.key)
        .json(&json!({"url": url, "events": ["message.*"]}))
        .send()
        .await?
        .json()
        .await?;
    let sub_id = sub["id"]
        .as_str()
        .with_context(|| format!("subscription: {sub}"))?
        .to_string();
    let line = api.add_line(0).await?;
    api.warm_up(&line).await?;

    // Down from here: every message's events are refused until the outage ends.
    let started = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for chat in 0..chats {
        let (api, channel) = (api.clone(), line.channel_id.clone());
        let count = args.messages / chats + usize::from(chat < args.messages % chats);
        senders.spawn(async move {
            for _ in 0..count {
                let r = api
                    .client
                    .post(format!("{}/v1/channels/{channel}/messages", api.server))
                    .bearer_auth(&api.key)
                    .json(&stack::template(&recipient(chat)))
                    .send()
                    .await?;
                if !r.status().is_success() {
                    bail!("send: HTTP {}: {}", r.status(), r.text().await?);
                }
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(r) = senders.join_next().await {
        r??;
    }
    let all_final = wait_all_final(
        &api,
        std::slice::from_ref(&line),
        deadline.saturating_duration_since(Instant::now()),
        Duration::from_millis(200),
    )
    .await?;
    if !all_final {
        bail!("the messages did not reach a final status in time");
    }
    let ids = event_ids(&api).await?;
    tokio::time::sleep(outage.saturating_sub(started.elapsed())).await;
    let refused = receiver.refused.load(Ordering::Relaxed);
    receiver.up.store(true, Ordering::Relaxed);
    let recovered = Instant::now();
    println!(
        "  {} events while down; {refused} delivery attempts refused during the outage",
        ids.len()
    );

    let missing = wait_received(&receiver, &ids, 1, deadline).await?;
    let drained = recovered.elapsed();
    let duplicates: u32 = receiver
        .got
        .lock()
        .map_err(|_| anyhow::anyhow!("receiver lock"))?
        .values()
        .map(|n| n - 1)
        .sum();
    println!(
        "  after the outage: {} of {} events delivered in {:.1} s real ({:.0} s simulated), {duplicates} delivered twice",
        ids.len() - missing,
        ids.len(),
        drained.as_secs_f64(),
        drained.as_secs_f64() * accel as f64
    );

    // Replay everything (the account is new: every event of the subscription's filter is
    // this run's): each event once more. One replay takes at most 10,000 events.
    let replay_started = Instant::now();
    let r = api
        .client
        .post(format!("{}/v1/subscriptions/{sub_id}/replay", api.server))
        .bearer_auth(&api.key)
        .json(&json!({"since": "2000-01-01T00:00:00Z", "limit": 10_000}))
        .send()
        .await?;
    let status = r.status();
    let replay: Value = r.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("replay: HTTP {status}: {replay}");
    }
    let not_replayed = wait_received(&receiver, &ids, 2, deadline).await?;
    println!(
        "  replay since the start: {} of {} events delivered again in {:.1} s ({replay})",
        ids.len() - not_replayed,
        ids.len(),
        replay_started.elapsed().as_secs_f64()
    );
    receiver_task.abort();
    stack.finish().await?;
    if missing > 0 || not_replayed > 0 || ids.len() < args.messages * 4 {
        bail!(
            "outage: FAILED: {missing} events never delivered, {not_replayed} not replayed, {} events for {} messages",
            ids.len(),
            args.messages
        );
    }
    println!(
        "outage: PASSED: {} events, 0 lost after the outage, all replayable",
        ids.len()
    );
    Ok(())
}
