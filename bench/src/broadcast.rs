//! `broadcast`: one broadcast of N targets (a CSV uploaded as multipart) through an emulator
//! process: time until every target was accepted upstream (status `completed`), until every
//! status settled, targets per second, and the server's peak resident memory (VmHWM).

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::api::recipient;
use crate::procs::ADMIN_KEY;
use crate::stack::{self, patient_webhooks, Backend, Env, Stack};

/// Arguments of `broadcast`.
#[derive(Debug, clap::Args)]
pub struct BroadcastArgs {
    /// Database backend of the server.
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    pub backend: Backend,
    /// Targets in the audience.
    #[arg(long, default_value_t = 100_000)]
    pub targets: usize,
    /// The broadcast window (`broadcasts.window`; capped at 3 s of the channel's 1000 msg/s).
    #[arg(long, default_value_t = 3_000)]
    pub window: u32,
    /// Whether the simulated customers also read (a third status per target).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub read_receipts: bool,
    /// Parallel status-webhook lanes of the emulator.
    #[arg(long, default_value_t = 64)]
    pub webhook_lanes: usize,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 3_600)]
    pub timeout: u64,
}

async fn checked(r: reqwest::Response, what: &str) -> Result<Value> {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{what}: HTTP {status}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Runs `broadcast`.
pub async fn run(env: &Env, args: &BroadcastArgs) -> Result<()> {
    let n = args.targets.max(1);
    println!(
        "broadcast ({}): {n} targets from a CSV, hello_world template, window {}, read receipts {}, {} emulator webhook lanes",
        args.backend.name(),
        args.window,
        args.read_receipts,
        args.webhook_lanes
    );
    let stack = Stack::start(
        env,
        args.backend,
        json!({
            "read_receipts": args.read_receipts,
            "max_records": 10_000,
            "webhook_retry": patient_webhooks(),
            "webhook_lanes": args.webhook_lanes.max(1),
        }),
        &[
            ("DISPATCH__CHANNEL_MPS", "1000".to_string()),
            ("BROADCASTS__WINDOW", args.window.to_string()),
            ("BROADCASTS__POLL_MS", "10".to_string()),
            ("BROADCASTS__UPLOAD_LIMIT_BYTES", (1u64 << 32).to_string()),
        ],
    )
    .await?;
    let api = stack.api.clone();
    let line = api.add_line(0).await?;
    api.warm_up(&line).await?;
    let accounts = checked(
        api.client
            .get(format!("{}/v1/accounts", api.server))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await?,
        "listing accounts",
    )
    .await?;
    let account = accounts["data"][0]["id"]
        .as_str()
        .context("no account")?
        .to_string();
    checked(
        api.client
            .post(format!("{}/v1/accounts/{account}/credits", api.server))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"amount": n}))
            .send()
            .await?,
        "crediting the account",
    )
    .await?;

    let csv_path = stack.path().join("audience.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
        writeln!(f, "phone,name")?;
        for i in 0..n {
            writeln!(f, "{},Customer {i}", recipient(i))?;
        }
        f.flush()?;
    }
    let csv = std::fs::read(&csv_path)?;
    println!("audience CSV: {:.1} MiB", csv.len() as f64 / 1048576.0);
    let form = reqwest::multipart::Form::new()
        .text(
            "broadcast",
            json!({"channel_id": line.channel_id, "name": "bench",
                "message": {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}})
            .to_string(),
        )
        .part(
            "csv",
            reqwest::multipart::Part::bytes(csv)
                .file_name("audience.csv")
                .mime_str("text/csv")?,
        );
    let server_cpu0 = stack.server.cpu_seconds().unwrap_or(0.0);
    let emu_cpu0 = stack.emulator.cpu_seconds().unwrap_or(0.0);
    let started = Instant::now();
    let created = checked(
        api.client
            .post(format!("{}/v1/broadcasts", api.server))
            .bearer_auth(&api.key)
            .timeout(Duration::from_secs(600))
            .multipart(form)
            .send()
            .await?,
        "creating the broadcast",
    )
    .await?;
    let created_after = started.elapsed();
    let id = created["id"]
        .as_str()
        .context("no broadcast id")?
        .to_string();
    println!("created {id} in {:.2} s", created_after.as_secs_f64());
    let limit = Duration::from_secs(args.timeout);
    let mut last_print = Instant::now();
    let mut completed_after = None;
    let settled = loop {
        let b = checked(
            api.client
                .get(format!("{}/v1/broadcasts/{id}", api.server))
                .bearer_auth(&api.key)
                .send()
                .await?,
            "reading the broadcast",
        )
        .await?;
        let c = &b["counters"];
        let get = |k: &str| c[k].as_i64().unwrap_or(0);
        if completed_after.is_none() && b["status"] == "completed" {
            completed_after = Some(started.elapsed());
        }
        if last_print.elapsed() >= Duration::from_secs(10) {
            last_print = Instant::now();
            println!(
                "  {:>6.0} s: {} materialized {}, pending {}, queued {}, sent {}, delivered {}, seen {}, failed {}, rss {:.0} MiB",
                started.elapsed().as_secs_f64(),
                b["status"].as_str().unwrap_or(""),
                get("total"),
                get("pending"),
                get("queued"),
                get("sent"),
                get("delivered"),
                get("seen"),
                get("failed") + get("not_delivered"),
                stack.server.rss_kib().unwrap_or(0) as f64 / 1024.0
            );
        }
        let waiting = if args.read_receipts {
            get("sent") + get("delivered")
        } else {
            get("sent")
        };
        if completed_after.is_some() && waiting == 0 {
            break Some(b);
        }
        if started.elapsed() > limit {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let settled_after = started.elapsed();
    let peak_rss_mib = stack.server.peak_rss_kib().unwrap_or(0) as f64 / 1024.0;
    let server_cpu = stack.server.cpu_seconds().unwrap_or(0.0) - server_cpu0;
    let emu_cpu = stack.emulator.cpu_seconds().unwrap_or(0.0) - emu_cpu0;
    let Some(b) = settled else {
        println!("server log tail:\n{}", stack.server.log_tail());
        stack.finish().await?;
        bail!("the broadcast did not settle within {} s", args.timeout);
    };
    let completed = completed_after.unwrap_or(settled_after);
    println!("counters: {}", b["counters"]);
    println!(
        "RESULT broadcast {}: {n} targets, all accepted upstream in {:.1} s ({:.0} targets/s), all statuses in {:.1} s ({:.0} targets/s), server peak RSS {:.1} MiB, server CPU {:.1} s, emulator CPU {:.1} s, load average {:.2}",
        args.backend.name(),
        completed.as_secs_f64(),
        n as f64 / completed.as_secs_f64(),
        settled_after.as_secs_f64(),
        n as f64 / settled_after.as_secs_f64(),
        peak_rss_mib,
        server_cpu,
        emu_cpu,
        stack::load_average()
    );
    stack.finish().await
}
