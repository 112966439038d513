//! `faults`: the emulator answers a share of sends with 5xx, hangs on another share past the
//! server's upstream timeout, and throttles with 130429 above a throughput; every message must
//! still be delivered, in order per chat.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::json;

use crate::api::{recipient, wait_all_final};
use crate::chats::{analyze, fault_counts, send_chats};
use crate::crash::fast_settings;
use crate::stack::{self, Backend, Env, Stack};

/// Options of `faults`.
#[derive(Debug, Clone, clap::Args)]
pub struct FaultArgs {
    /// Database.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Messages to send.
    #[arg(long, default_value_t = 1_000)]
    pub messages: usize,
    /// Chats (recipients); each chat's messages are sent in order by its own sender.
    #[arg(long, default_value_t = 20)]
    pub chats: usize,
    /// Share of sends answered 500 (Meta code 2, transient).
    #[arg(long, default_value_t = 0.2)]
    pub error_rate: f64,
    /// Share of sends that hang past the server's upstream timeout (then 504).
    #[arg(long, default_value_t = 0.2)]
    pub timeout_rate: f64,
    /// Sends per second per number above which the emulator answers 130429.
    #[arg(long, default_value_t = 50)]
    pub throughput_mps: u32,
    /// The server's dispatch.max_attempts (its default is 12).
    #[arg(long, default_value_t = 12)]
    pub max_attempts: u32,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

/// Runs `faults`.
pub async fn run(env: &Env, args: &FaultArgs) -> Result<()> {
    let chats = args.chats.max(1);
    let per_chat = args.messages.div_ceil(chats).max(1);
    let m = chats * per_chat;
    println!(
        "faults ({}): {m} text messages in {chats} chats; emulator: {:.0} % 500s, {:.0} % hangs of 1.5 s (server timeout 1 s), 130429 above {} msg/s; server: fast retries, max_attempts {} (load average {:.2})",
        args.backend.name(), args.error_rate * 100.0, args.timeout_rate * 100.0, args.throughput_mps, args.max_attempts, stack::load_average()
    );
    let mut settings = fast_settings(256);
    settings.push(("DISPATCH__MAX_ATTEMPTS", args.max_attempts.to_string()));
    let mut stack = Stack::start(
        env,
        args.backend,
        json!({"max_records": (m * 10).max(100_000), "webhook_retry": stack::patient_webhooks()}),
        &settings,
    )
    .await?;
    let line = stack.api.add_line(0).await?;
    stack.api.warm_up(&line).await?;
    let recipients: Vec<String> = (0..chats).map(recipient).collect();
    stack.api.open_windows(&line, &recipients).await?;
    stack
        .api
        .set_faults(&json!({
            "error_5xx_rate": args.error_rate,
            "timeout_rate": args.timeout_rate,
            "timeout_ms": 1500,
            "throughput_limit_mps": args.throughput_mps,
        }))
        .await?;
    let tag = format!("faults{:08x}", rand::random::<u32>());
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    let started = Instant::now();
    let sent = send_chats(
        &stack.api,
        &line,
        &tag,
        chats,
        per_chat,
        None,
        Arc::new(AtomicU64::new(0)),
        deadline,
    )
    .await?;
    let accepted_after = started.elapsed();
    let finished = wait_all_final(
        &stack.api,
        std::slice::from_ref(&line),
        deadline.saturating_duration_since(Instant::now()),
        Duration::from_millis(200),
    )
    .await?;
    let elapsed = started.elapsed();
    let messages = stack.api.list(&line, "direction=outbound").await?;
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut attempts: BTreeMap<u64, usize> = BTreeMap::new();
    let mut failed_errors = Vec::new();
    for msg in &messages {
        let status = msg["status"].as_str().unwrap_or("?").to_string();
        if status == "failed" && failed_errors.len() < 3 {
            failed_errors.push(format!("{} attempts: {}", msg["attempts"], msg["error"]));
        }
        *by_status.entry(status).or_insert(0) += 1;
        *attempts
            .entry(msg["attempts"].as_u64().unwrap_or(0))
            .or_insert(0) += 1;
    }
    let counts = fault_counts(&stack.api).await?;
    let records = stack.api.emulator_sends().await?;
    let a = analyze(&records, &tag, &sent.accepted);
    let delivered = by_status.get("delivered").copied().unwrap_or(0)
        + by_status.get("read").copied().unwrap_or(0);
    println!(
        "  all {} accepted after {:.1} s; final statuses after {:.1} s: {by_status:?}",
        sent.accepted.len(),
        accepted_after.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!("  upstream answers recorded by the emulator: {counts:?} (hangs the server gave up on are not recorded)");
    println!("  attempts per message: {attempts:?}");
    println!(
        "  emulator: {} distinct messages arrived, {} lost, {} duplicate copies, {} per-chat order violations",
        a.arrived, a.lost.len(), a.duplicates, a.order_violations.len()
    );
    let mut problems = Vec::new();
    if !sent.refused.is_empty() || !sent.unconfirmed.is_empty() {
        problems.push(format!(
            "{} sends refused, {} unconfirmed: {:?}",
            sent.refused.len(),
            sent.unconfirmed.len(),
            sent.refused.first()
        ));
    }
    if !finished || delivered != m {
        problems.push(format!(
            "{delivered} of {m} delivered/read; failed ones: {failed_errors:?}"
        ));
    }
    if !a.lost.is_empty() {
        problems.push(format!(
            "{} accepted messages never arrived upstream",
            a.lost.len()
        ));
    }
    if !a.order_violations.is_empty() {
        problems.push(format!(
            "per-chat order violated: {:?}",
            &a.order_violations[..a.order_violations.len().min(5)]
        ));
    }
    if a.duplicates > 0 {
        problems.push(format!(
            "{} duplicate copies upstream without any crash",
            a.duplicates
        ));
    }
    if !problems.is_empty() {
        stack.keep_files();
    }
    stack.finish().await?;
    if !problems.is_empty() {
        bail!("faults: FAILED:\n  - {}", problems.join("\n  - "));
    }
    println!("faults: PASSED: all {m} delivered, per-chat order kept, no duplicates");
    Ok(())
}
