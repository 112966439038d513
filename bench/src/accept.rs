//! `accept`: how many durable sends per second the server answers, against a no-op baseline
//! that parses the same JSON, and the latency at a fraction of that load.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use bytes::Bytes;
use serde_json::json;

use crate::api::recipient;
use crate::load::{self, LoadResult, Mode, Target};
use crate::procs;
use crate::stack::{self, median, Backend, Env, Stack};

/// What to post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Free-form text (the recipients' windows are opened first).
    Text,
    /// The `hello_world` template.
    Template,
}

/// Options of `accept`.
#[derive(Debug, Clone, clap::Args)]
pub struct AcceptArgs {
    /// Databases to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backends: Vec<Backend>,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Measured seconds per phase.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Unmeasured warm-up seconds before each phase.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Repetitions (medians are printed at the end).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Message kind.
    #[arg(long, value_enum, default_value = "text")]
    pub kind: Kind,
    /// Distinct recipients.
    #[arg(long, default_value_t = 100)]
    pub recipients: usize,
    /// The server's dispatch.channel_mps during the run (its default is 80).
    #[arg(long, default_value_t = 80.0)]
    pub channel_mps: f64,
    /// The latency phase runs at this fraction of the measured maximum.
    #[arg(long, default_value_t = 0.5)]
    pub rate_fraction: f64,
}

struct Phase {
    rps: f64,
    p50: f64,
    p99: f64,
    cpu_per_msg_us: f64,
    db_cpu_per_msg_us: f64,
}

fn phase(r: &LoadResult, cpu: f64, db_cpu: f64) -> Phase {
    Phase {
        rps: r.rps(),
        p50: r.pct_ms(50.0),
        p99: r.pct_ms(99.0),
        cpu_per_msg_us: cpu / (r.ok.max(1) as f64) * 1e6,
        db_cpu_per_msg_us: db_cpu / (r.ok.max(1) as f64) * 1e6,
    }
}

fn check(name: &str, r: &LoadResult) -> Result<()> {
    if r.ok == 0 {
        bail!(
            "{name}: no request succeeded ({} non-2xx, {} errors): {}",
            r.non_2xx,
            r.errors,
            r.first_problem.clone().unwrap_or_default()
        );
    }
    if r.non_2xx > 0 || r.errors > 0 {
        println!(
            "  warning: {name}: {} non-2xx answers and {} transport errors; first: {}",
            r.non_2xx,
            r.errors,
            r.first_problem.clone().unwrap_or_default()
        );
    }
    Ok(())
}

fn bodies(kind: Kind, recipients: &[String]) -> Arc<Vec<Bytes>> {
    Arc::new(
        recipients
            .iter()
            .map(|to| {
                let v = match kind {
                    Kind::Text => {
                        stack::text(to, "Your order #4711 has shipped and arrives tomorrow.")
                    }
                    Kind::Template => stack::template(to),
                };
                Bytes::from(serde_json::to_vec(&v).expect("json"))
            })
            .collect(),
    )
}

/// Runs `accept`.
pub async fn run(env: &Env, args: &AcceptArgs) -> Result<()> {
    let duration = Duration::from_secs_f64(args.duration);
    let warmup = Duration::from_secs_f64(args.warmup);
    let recipients: Vec<String> = (0..args.recipients.max(1)).map(recipient).collect();
    let bodies = bodies(args.kind, &recipients);
    println!(
        "accept: {:?} messages to {} recipients, {} connections, {:.0} s measured after {:.0} s warm-up, {} run(s); latency phase at {:.0} % of each maximum",
        args.kind, recipients.len(), args.connections, args.duration, args.warmup, args.runs, args.rate_fraction * 100.0
    );
    // [backend index + 1] → per-run phases; index 0 is the baseline.
    let mut max: Vec<Vec<Phase>> = (0..=args.backends.len()).map(|_| Vec::new()).collect();
    let mut half: Vec<Vec<Phase>> = (0..=args.backends.len()).map(|_| Vec::new()).collect();
    for run in 1..=args.runs {
        println!(
            "run {run}/{} (load average {:.2})",
            args.runs,
            stack::load_average()
        );
        // The no-op baseline, in its own process.
        let dir = tempfile::tempdir()?;
        let baseline = procs::start_baseline(dir.path())?;
        let target = Target {
            addr: baseline.addr,
            paths: Arc::new(vec!["/v1/channels/ch_baseline/messages".to_string()]),
            authorization: Some("Bearer sb_baseline".to_string()),
            bodies: bodies.clone(),
        };
        let cpu0 = baseline.cpu_seconds().unwrap_or(0.0);
        let r = load::run(
            target.clone(),
            args.connections,
            Mode::Closed { warmup, duration },
        )
        .await?;
        let cpu = baseline.cpu_seconds().unwrap_or(0.0) - cpu0;
        check("baseline", &r)?;
        let base = phase(&r, cpu, 0.0);
        println!(
            "  baseline (no-op)  {:>9.0} msg/s   p50 {:>6.2} ms   p99 {:>6.2} ms   {:>5.0} µs CPU/msg",
            base.rps, base.p50, base.p99, base.cpu_per_msg_us
        );
        let base_rps = base.rps;
        max[0].push(base);
        drop(baseline);

        for (bi, backend) in args.backends.iter().enumerate() {
            let stack = Stack::start(
                env,
                *backend,
                json!({}),
                &[("DISPATCH__CHANNEL_MPS", args.channel_mps.to_string())],
            )
            .await?;
            let line = stack.api.add_line(0).await?;
            if args.kind == Kind::Text {
                stack.api.open_windows(&line, &recipients).await?;
            }
            let target = Target {
                addr: stack.server.addr,
                paths: Arc::new(vec![format!("/v1/channels/{}/messages", line.channel_id)]),
                authorization: Some(format!("Bearer {}", stack.api.key)),
                bodies: bodies.clone(),
            };
            // CPU is read around each phase, warm-up included (its messages are not
            // counted), so the CPU per message is slightly overstated.
            let cpu0 = stack.server.cpu_seconds().unwrap_or(0.0);
            let db0 = procs::postgres_cpu_seconds();
            let closed = Mode::Closed { warmup, duration };
            let r = load::run(target.clone(), args.connections, closed).await?;
            let cpu = stack.server.cpu_seconds().unwrap_or(0.0) - cpu0;
            let db = procs::postgres_cpu_seconds() - db0;
            check(backend.name(), &r)?;
            let m = phase(&r, cpu, db);
            let rate = (m.rps * args.rate_fraction).max(1.0);
            let cpu0 = stack.server.cpu_seconds().unwrap_or(0.0);
            let db0 = procs::postgres_cpu_seconds();
            let open = Mode::Rate {
                rate,
                warmup,
                duration,
            };
            let h = load::run(target, args.connections, open).await?;
            let cpu = stack.server.cpu_seconds().unwrap_or(0.0) - cpu0;
            let db = procs::postgres_cpu_seconds() - db0;
            check(&format!("{} at {rate:.0}/s", backend.name()), &h)?;
            let hp = phase(&h, cpu, db);
            let db_note = if *backend == Backend::Postgres {
                format!(" + {:.0} µs in PostgreSQL", m.db_cpu_per_msg_us)
            } else {
                String::new()
            };
            println!(
                "  {:<17} {:>9.0} msg/s   p50 {:>6.2} ms   p99 {:>6.2} ms   {:>5.0} µs CPU/msg{db_note}   = {:>5.1} % of baseline",
                backend.name(), m.rps, m.p50, m.p99, m.cpu_per_msg_us, m.rps / base_rps * 100.0
            );
            println!(
                "  {:<17} {:>9.0} msg/s   p50 {:>6.2} ms   p99 {:>6.2} ms   (open loop at {:.0} % of its maximum; peak RSS {} MiB)",
                format!("{} @{:.0}%", backend.name(), args.rate_fraction * 100.0),
                hp.rps, hp.p50, hp.p99, args.rate_fraction * 100.0,
                stack.server.peak_rss_kib().unwrap_or(0) / 1024
            );
            max[bi + 1].push(m);
            half[bi + 1].push(hp);
            stack.finish().await?;
        }
    }
    let med = |v: &Vec<Phase>, f: fn(&Phase) -> f64| median(&v.iter().map(f).collect::<Vec<_>>());
    println!("\naccept, medians of {} run(s):", args.runs);
    println!(
        "  {:<10} {:>10} {:>9} {:>9} {:>11} {:>10} {:>10} {:>12} {:>12}",
        "server",
        "msg/s",
        "p50 ms",
        "p99 ms",
        "µs CPU/msg",
        "µs PG/msg",
        "% of no-op",
        "p50 @half ms",
        "p99 @half ms"
    );
    println!(
        "  {:<10} {:>10.0} {:>9.2} {:>9.2} {:>11.0} {:>10} {:>10} {:>12} {:>12}",
        "no-op",
        med(&max[0], |p| p.rps),
        med(&max[0], |p| p.p50),
        med(&max[0], |p| p.p99),
        med(&max[0], |p| p.cpu_per_msg_us),
        "-",
        "100.0",
        "-",
        "-"
    );
    for (bi, backend) in args.backends.iter().enumerate() {
        // The ratio is taken per run (same conditions), then its median.
        let ratios: Vec<f64> = max[bi + 1]
            .iter()
            .zip(&max[0])
            .map(|(m, b)| m.rps / b.rps * 100.0)
            .collect();
        let db = if *backend == Backend::Postgres {
            format!("{:.0}", med(&max[bi + 1], |p| p.db_cpu_per_msg_us))
        } else {
            "-".to_string()
        };
        println!(
            "  {:<10} {:>10.0} {:>9.2} {:>9.2} {:>11.0} {:>10} {:>10.1} {:>12.2} {:>12.2}",
            backend.name(),
            med(&max[bi + 1], |p| p.rps),
            med(&max[bi + 1], |p| p.p50),
            med(&max[bi + 1], |p| p.p99),
            med(&max[bi + 1], |p| p.cpu_per_msg_us),
            db,
            median(&ratios),
            med(&half[bi + 1], |p| p.p50),
            med(&half[bi + 1], |p| p.p99),
        );
    }
    println!("  targets (DESIGN §12): ≥ 50 % of no-op; p99 < 10 ms at half load");
    Ok(())
}
