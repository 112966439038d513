//! `backlog`: the server's CPU per message for accept and dispatch on one channel, first
//! with an empty outbox, then with `--queued` messages (default 1,000,000) queued behind a
//! slow channel: spread over `--queued-chats` chats of another channel, each chat's first
//! message in flight to the slow upstream (leased for a day) and the rest waiting behind it,
//! all held until tomorrow (`not_before`). A claim that scans the queue costs more per
//! message the longer it is; one that reads the chats' heads costs the same. Both phases run
//! on the same server, one after the other; the ratio is printed.
//!
//! The queue is written straight into the server's database (messages and outbox rows only:
//! no events, so nothing else in the server works on it), in batches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::api::{recipient, wait_all_final, Line};
use crate::load::{self, Mode, Target};
use crate::procs;
use crate::stack::{self, Backend, Env, Stack};

/// Options of `backlog`.
#[derive(Debug, Clone, clap::Args)]
pub struct BacklogArgs {
    /// Database.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// Messages queued behind the slow channel before the second phase.
    #[arg(long, default_value_t = 1_000_000)]
    pub queued: u64,
    /// Chats the queued messages are spread over (each one's first message is in flight).
    #[arg(long, default_value_t = 10_000)]
    pub queued_chats: u64,
    /// Messages sent and dispatched on the measured channel per phase.
    #[arg(long, default_value_t = 5_000)]
    pub messages: u64,
    /// Distinct recipients of the measured messages.
    #[arg(long, default_value_t = 500)]
    pub recipients: usize,
    /// Concurrent client connections posting the messages.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Give up a phase after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

/// Messages written per transaction while queueing.
const BATCH: u64 = 50_000;

/// One measured phase: CPU per message (ms) of the server and of PostgreSQL, and the rate.
struct Phase {
    server_ms: f64,
    postgres_ms: f64,
    rps: f64,
}

/// Runs `backlog`.
pub async fn run(env: &Env, args: &BacklogArgs) -> Result<()> {
    let n = args.messages.max(1);
    println!(
        "backlog ({}): {n} hello_world template messages to {} recipients on one channel, {} connections; then again with {} messages queued in {} chats of a slow channel",
        args.backend.name(), args.recipients, args.connections, args.queued, args.queued_chats
    );
    let stack = Stack::start(
        env,
        args.backend,
        json!({"read_receipts": true, "max_records": (n as usize * 8).max(100_000)}),
        &[("DISPATCH__CHANNEL_MPS", "1000".to_string())],
    )
    .await?;
    let slow = stack.api.add_line(0).await?;
    let fast = stack.api.add_line(1).await?;
    stack.api.warm_up(&fast).await?;
    let empty = measure(&stack, &fast, args, "empty outbox").await?;
    let started = Instant::now();
    queue(&stack, args, &slow).await?;
    println!(
        "  queued {} messages in {} chats in {:.1} s (load average {:.2})",
        args.queued,
        args.queued_chats,
        started.elapsed().as_secs_f64(),
        stack::load_average()
    );
    // Let the server settle (checkpoints, autovacuum's first look) before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let full = measure(&stack, &fast, args, "with the queue").await?;
    stack.finish().await?;
    println!("\nbacklog ({}):", args.backend.name());
    println!(
        "  server CPU per message: {:.3} ms empty, {:.3} ms with {} queued: ratio {:.2}",
        empty.server_ms,
        full.server_ms,
        args.queued,
        full.server_ms / empty.server_ms
    );
    if args.backend == Backend::Postgres {
        let total = |p: &Phase| p.server_ms + p.postgres_ms;
        println!(
            "  PostgreSQL CPU per message: {:.3} ms empty, {:.3} ms with the queue; server + PostgreSQL ratio {:.2}",
            empty.postgres_ms,
            full.postgres_ms,
            total(&full) / total(&empty)
        );
    }
    println!(
        "  end to end: {:.0} msg/s empty, {:.0} msg/s with the queue",
        empty.rps, full.rps
    );
    Ok(())
}

/// Sends `args.messages` on `line` and waits until all are delivered; the CPU it cost.
async fn measure(stack: &Stack, line: &Line, args: &BacklogArgs, name: &str) -> Result<Phase> {
    let n = args.messages.max(1);
    let bodies: Vec<Bytes> = (0..args.recipients.max(1))
        .map(|r| Bytes::from(serde_json::to_vec(&stack::template(&recipient(r))).expect("json")))
        .collect();
    let target = Target {
        addr: stack.server.addr,
        paths: Arc::new(vec![format!("/v1/channels/{}/messages", line.channel_id)]),
        authorization: Some(format!("Bearer {}", stack.api.key)),
        bodies: Arc::new(bodies),
    };
    let load_avg = stack::load_average();
    let server0 = stack.server.cpu_seconds().unwrap_or(0.0);
    let pg0 = procs::postgres_cpu_seconds();
    let started = Instant::now();
    let limit = Duration::from_secs(args.timeout);
    let r = load::run(target, args.connections, Mode::Count { total: n, limit }).await?;
    if r.ok != n {
        bail!(
            "{name}: only {} of {n} sends were accepted ({} non-2xx, {} errors): {}",
            r.ok,
            r.non_2xx,
            r.errors,
            r.first_problem.unwrap_or_default()
        );
    }
    let left = limit.saturating_sub(started.elapsed());
    let done = wait_all_final(
        &stack.api,
        std::slice::from_ref(line),
        left,
        Duration::from_millis(100),
    )
    .await?;
    let elapsed = started.elapsed().as_secs_f64();
    if !done {
        bail!(
            "{name}: not all delivered after {elapsed:.1} s\n{}",
            stack.server.log_tail()
        );
    }
    let phase = Phase {
        server_ms: (stack.server.cpu_seconds().unwrap_or(0.0) - server0) / n as f64 * 1e3,
        postgres_ms: (procs::postgres_cpu_seconds() - pg0) / n as f64 * 1e3,
        rps: n as f64 / elapsed,
    };
    println!(
        "  {name} (load average {load_avg:.2}): {n} delivered in {elapsed:.2} s = {:.0} msg/s; CPU per message: server {:.3} ms, PostgreSQL {:.3} ms",
        phase.rps, phase.server_ms, phase.postgres_ms
    );
    Ok(phase)
}

/// What every queued message has in common: its channel, account and times.
struct Queue<'a> {
    channel: &'a str,
    chats: u64,
    created_at: i64,
    held_until: i64,
}

/// Writes `args.queued` messages on `line` into the server's database.
async fn queue(stack: &Stack, args: &BacklogArgs, line: &Line) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let q = Queue {
        channel: &line.channel_id,
        chats: args.queued_chats.max(1),
        created_at: now,
        held_until: now + 86_400_000,
    };
    match args.backend {
        Backend::Sqlite => {
            let path = stack.path().join("data/switchboard.db");
            let queued = args.queued;
            let owned = (q.channel.to_string(), q.chats, q.created_at, q.held_until);
            tokio::task::spawn_blocking(move || {
                let q = Queue {
                    channel: &owned.0,
                    chats: owned.1,
                    created_at: owned.2,
                    held_until: owned.3,
                };
                queue_sqlite(&path, &q, queued)
            })
            .await??;
        }
        Backend::Postgres => {
            let url = stack.database_url().context("no PostgreSQL database")?;
            queue_postgres(&url, &q, args.queued).await?;
        }
    }
    Ok(())
}

/// The chat of the `i`th queued message (`queued_chats` of them, in turn).
const CHAT_SQLITE: &str = "printf('1999%08d', i % ?2)";
/// The id of the `i`th queued message: `msg_` and 26 base32 digits, sorting before real ids.
const ID_SQLITE: &str = "printf('msg_%026d', i)";

fn queue_sqlite(path: &std::path::Path, q: &Queue<'_>, queued: u64) -> Result<()> {
    let mut c = rusqlite::Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(60))?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    let account: String = c.query_row(
        "SELECT account_id FROM channels WHERE id = ?1",
        [q.channel],
        |r| r.get(0),
    )?;
    let body = serde_json::to_string(&stack::template("19990000000"))?;
    let mut from = 0u64;
    while from < queued {
        let to = (from + BATCH).min(queued);
        let tx = c.transaction()?;
        tx.execute(
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3)
                 INSERT INTO messages (id, account_id, channel_id, direction, chat, kind, body, status, attempts, created_at, updated_at)
                 SELECT {ID_SQLITE}, ?4, ?5, 'outbound', {CHAT_SQLITE}, 'template', ?6, 'accepted', 0, ?7, ?7 FROM n"
            ),
            rusqlite::params![from as i64, q.chats as i64, to as i64, account, q.channel, body, q.created_at],
        )?;
        tx.execute(
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3)
                 INSERT INTO outbox (message_id, channel_id, chat, not_before)
                 SELECT {ID_SQLITE}, ?4, {CHAT_SQLITE}, ?5 FROM n"
            ),
            rusqlite::params![
                from as i64,
                q.chats as i64,
                to as i64,
                q.channel,
                q.held_until
            ],
        )?;
        tx.commit()?;
        from = to;
    }
    c.execute(
        "UPDATE outbox SET lease_owner = 'slow-upstream', lease_until = ?2
         WHERE seq IN (SELECT MIN(seq) FROM outbox WHERE channel_id = ?1 GROUP BY chat)",
        rusqlite::params![q.channel, q.held_until],
    )?;
    Ok(())
}

async fn queue_postgres(url: &str, q: &Queue<'_>, queued: u64) -> Result<()> {
    let mut c = PgConnection::connect(url).await?;
    let account: String = sqlx::query_scalar("SELECT account_id FROM channels WHERE id = $1")
        .bind(q.channel)
        .fetch_one(&mut c)
        .await?;
    let body = serde_json::to_string(&stack::template("19990000000"))?;
    let chat = "'1999' || lpad((i % $2)::text, 8, '0')";
    let id = "'msg_' || lpad(i::text, 26, '0')";
    let mut from = 0u64;
    while from < queued {
        let to = (from + BATCH).min(queued);
        let mut tx = c.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO messages (id, account_id, channel_id, direction, chat, kind, body, status, attempts, created_at, updated_at)
             SELECT {id}, $4, $5, 'outbound', {chat}, 'template', $6, 'accepted', 0, $7, $7 FROM generate_series($1::bigint, $3::bigint - 1) AS i"
        ))
        .bind(from as i64)
        .bind(q.chats as i64)
        .bind(to as i64)
        .bind(&account)
        .bind(q.channel)
        .bind(&body)
        .bind(q.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO outbox (message_id, channel_id, chat, not_before)
             SELECT {id}, $4, {chat}, $5 FROM generate_series($1::bigint, $3::bigint - 1) AS i ORDER BY i"
        ))
        .bind(from as i64)
        .bind(q.chats as i64)
        .bind(to as i64)
        .bind(q.channel)
        .bind(q.held_until)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        from = to;
    }
    sqlx::query(
        "UPDATE outbox SET lease_owner = 'slow-upstream', lease_until = $2
         WHERE seq IN (SELECT MIN(seq) FROM outbox WHERE channel_id = $1 GROUP BY chat)",
    )
    .bind(q.channel)
    .bind(q.held_until)
    .execute(&mut c)
    .await?;
    sqlx::query("ANALYZE").execute(&mut c).await?;
    let _ = c.close().await;
    Ok(())
}
