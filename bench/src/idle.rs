//! `idle`: the resident memory of an idle server, and what each idle Cloud channel adds.

use std::time::Duration;

use anyhow::{bail, Result};
use serde_json::json;

use crate::stack::{Backend, Env, Stack};

/// Options of `idle`.
#[derive(Debug, Clone, clap::Args)]
pub struct IdleArgs {
    /// Database.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Idle Cloud channels to add.
    #[arg(long, default_value_t = 1000)]
    pub channels: usize,
    /// Seconds to let the server settle before each reading.
    #[arg(long, default_value_t = 3)]
    pub settle: u64,
}

/// Runs `idle`.
pub async fn run(env: &Env, args: &IdleArgs) -> Result<()> {
    let stack = Stack::start(env, args.backend, json!({}), &[]).await?;
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let rss0 = stack.server.rss_kib().unwrap_or(0);
    for n in 0..args.channels {
        let r = stack
            .api
            .client
            .post(format!("{}/v1/channels", stack.api.server))
            .bearer_auth(&stack.api.key)
            .json(&json!({
                "name": format!("idle {n}"),
                "kind": "cloud",
                "base_url": stack.api.emulator,
                "phone_number_id": format!("30{:013}", n),
                "waba_id": format!("40{:013}", n),
                "access_token": format!("EAAG-idle-{n}"),
                "app_secret": format!("idle-secret-{n}"),
            }))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("creating channel {n}: HTTP {}", r.status());
        }
    }
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let rss1 = stack.server.rss_kib().unwrap_or(0);
    let per = (rss1 as f64 - rss0 as f64) / args.channels.max(1) as f64;
    println!(
        "idle ({}): server RSS {:.1} MiB idle (target < 30 MB); with {} idle Cloud channels {:.1} MiB: {:.1} KiB per channel (target < 50 KB); peak RSS {:.1} MiB",
        args.backend.name(),
        rss0 as f64 / 1024.0,
        args.channels,
        rss1 as f64 / 1024.0,
        per,
        stack.server.peak_rss_kib().unwrap_or(0) as f64 / 1024.0
    );
    stack.finish().await
}
