#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard-bench`: Switchboard's benchmarks and fault harness (see docs/BENCHMARKS.md).
//!
//! - `accept`: durable sends per second and latency against a no-op baseline.
//! - `e2e`: messages through an emulator process and their statuses back.
//! - `crash`: SIGKILLs during sending; nothing lost, duplicates counted.
//! - `faults`: 5xx, timeouts and 130429 throttling upstream; all delivered in order.
//! - `idle`: resident memory of an idle server and per idle Cloud channel.
//! - `broadcast`: one N-target broadcast (CSV audience) through an emulator process.
//! - `backlog`: CPU per message with a million messages queued behind a slow channel.
//!
//! Every server runs as its own process on 127.0.0.1 (port 0), with a temporary data folder.

mod accept;
mod api;
mod backlog;
mod baseline;
mod broadcast;
mod chats;
mod crash;
mod e2e;
mod faults;
mod idle;
mod load;
mod outage;
mod pg;
mod procs;
mod stack;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "switchboard-bench",
    about = "Switchboard benchmarks and fault harness"
)]
struct Cli {
    /// The `switchboard` binary (default: $SWITCHBOARD_BIN, else next to this binary).
    #[arg(long, global = true)]
    bin: Option<PathBuf>,
    /// PostgreSQL server to create benchmark databases on.
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
    /// Keep temporary folders (logs, SQLite files) and PostgreSQL databases.
    #[arg(long, global = true)]
    keep: bool,
    /// Worker threads of the load generator's runtime.
    #[arg(long, global = true, default_value_t = 2)]
    client_threads: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Durable sends per second and latency, against a no-op baseline in the same run.
    Accept(accept::AcceptArgs),
    /// N messages through an emulator process until all are delivered.
    E2e(e2e::E2eArgs),
    /// SIGKILL the server during sending; verify nothing is lost and count duplicates.
    Crash(crash::CrashArgs),
    /// Upstream 5xx, timeouts and throttling; verify all delivered in order.
    Faults(faults::FaultArgs),
    /// Resident memory of an idle server and per idle Cloud channel.
    Idle(idle::IdleArgs),
    /// One broadcast of N targets (a CSV audience) through an emulator process.
    Broadcast(broadcast::BroadcastArgs),
    /// CPU per message with an empty outbox, then with N messages queued behind a slow channel.
    Backlog(backlog::BacklogArgs),
    /// A webhook receiver down for an hour of accelerated time: none lost, all replayable.
    Outage(outage::OutageArgs),
    /// The no-op baseline server (started by `accept`).
    #[command(hide = true)]
    Baseline {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Baseline { listen } = &cli.command {
        // Same runtime shape as the server: tokio's default multi-threaded runtime.
        return tokio::runtime::Runtime::new()?.block_on(baseline::serve(listen));
    }
    let env = stack::Env {
        bin: procs::switchboard_bin(cli.bin.as_deref())?,
        pg_url: cli.pg_url.clone(),
        keep: cli.keep,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(async {
        stack::print_machine();
        println!("server binary: {}", env.bin.display());
        match &cli.command {
            Command::Accept(a) => accept::run(&env, a).await,
            Command::E2e(a) => e2e::run(&env, a).await,
            Command::Crash(a) => crash::run(&env, a).await,
            Command::Faults(a) => faults::run(&env, a).await,
            Command::Idle(a) => idle::run(&env, a).await,
            Command::Broadcast(a) => broadcast::run(&env, a).await,
            Command::Backlog(a) => backlog::run(&env, a).await,
            Command::Outage(a) => outage::run(&env, a).await,
            Command::Baseline { .. } => Ok(()),
        }
    })
}
