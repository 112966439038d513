//! PostgreSQL: the event log (see [`EventStore`]). Events are ordered by `(txid, seq)` and
//! listed only once every earlier transaction of this database has finished, so a reader
//! never skips an event that commits late.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Row};
use switchboard_core::event::Event;
use switchboard_core::id::AccountId;

use super::query::page_of;
use super::PgStore;
use crate::decode;
use crate::events::{EventFilter, EventStore};
use crate::{Page, PageRequest, StoreError, StoreResult};

/// How long `list_events` waits for transactions that hide the events it found to finish.
const SETTLE_WAIT: Duration = Duration::from_secs(1);

/// Events after a cursor (`{scope}`: of one account, or all), in `(txid, seq)` order.
/// `settled` says that the event's transaction and every earlier one that could write events
/// have finished. The horizon is the oldest transaction still running when the statement's
/// snapshot was taken, leaving out those of other databases of the cluster: xids are
/// cluster-wide but only this database's transactions write here, and `pg_stat_activity`'s
/// `datid` and `backend_xid` are readable without privileges (a running xid not found there
/// counts as this database's). Settled rows are a prefix of the result.
const LIST_EVENTS: &str = "
    WITH horizon AS MATERIALIZED (
        SELECT COALESCE(
            (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s) AS x
             WHERE NOT EXISTS (
                 SELECT 1 FROM pg_stat_activity a
                 WHERE a.datname <> current_database()
                   AND a.backend_xid::text::bigint = x::text::bigint % 4294967296)),
            pg_snapshot_xmax(s)::text::bigint) AS h
        FROM pg_current_snapshot() AS s
    )
    SELECT seq, txid::text || '.' || seq AS cursor, id, account_id, channel_id, chat, type, data, created_at,
           txid::text::bigint < horizon.h AS settled
    FROM events, horizon
    WHERE {scope} AND (txid, seq) > ($2::text::xid8, $3)
      AND ($4::text IS NULL OR channel_id = $4) AND ($5::text IS NULL OR chat = $5)
      AND ($6 OR type = ANY($7) OR type LIKE ANY($8))
    ORDER BY txid, seq LIMIT $9";

/// Appends an event; its `txid` is the current transaction's.
pub(super) async fn append_event(c: &mut PgConnection, e: &Event) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO events (id, account_id, channel_id, chat, type, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.id.to_string())
    .bind(e.account_id.to_string())
    .bind(e.channel_id.map(|c| c.to_string()))
    .bind(&e.chat)
    .bind(&e.kind)
    .bind(e.data.to_string())
    .bind(e.created_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Where the event-log reader `name` (the fan-out, the bot, the broadcast tracker) stands.
pub(super) async fn read_position(pool: &PgPool, name: &str) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT cursor FROM fanout_position WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?,
    )
}

/// Moves the event-log reader `name` to `cursor`.
pub(super) async fn write_position<'e, E: sqlx::PgExecutor<'e>>(
    exec: E,
    name: &str,
    cursor: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO fanout_position (name, cursor) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor",
    )
    .bind(name)
    .bind(cursor)
    .execute(exec)
    .await?;
    Ok(())
}

/// Parses an event cursor, `{txid}.{seq}`; none (or empty) starts at the beginning.
fn parse_cursor(after: Option<&str>) -> StoreResult<(u64, i64)> {
    let Some(text) = after.filter(|t| !t.is_empty()) else {
        return Ok((0, 0));
    };
    text.split_once('.')
        .and_then(|(txid, seq)| Some((txid.parse().ok()?, seq.parse().ok()?)))
        .ok_or_else(|| StoreError::Config(format!("invalid event cursor `{text}`")))
}

/// Splits a type filter into exact names and `LIKE` patterns; `None` means every type.
fn type_filter(types: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    if types.is_empty() || types.iter().any(|t| t == "*") {
        return None;
    }
    let (mut exact, mut patterns) = (Vec::new(), Vec::new());
    for t in types {
        match t.strip_suffix(".*") {
            Some(prefix) => patterns.push(format!(
                "{}.%",
                prefix
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )),
            None => exact.push(t.clone()),
        }
    }
    Some((exact, patterns))
}

#[async_trait]
impl EventStore for PgStore {
    async fn list_events(
        &self,
        account: AccountId,
        f: &EventFilter,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Event>> {
        settled_events(&self.pool, Some(account), f, after, limit).await
    }
}

/// Events after `after` (of one account, or of all), in log order, only once they are
/// settled: events that settle late are waited for a moment, then left for the next read.
pub(super) async fn settled_events(
    pool: &PgPool,
    account: Option<AccountId>,
    f: &EventFilter,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Event>> {
    let (txid, seq) = parse_cursor(after)?;
    let types = type_filter(&f.types);
    let (exact, patterns) = types.clone().unwrap_or_default();
    let request = PageRequest::first(limit);
    let scope = if account.is_some() {
        "account_id = $1"
    } else {
        "$1::text IS NULL"
    };
    let sql = LIST_EVENTS.replace("{scope}", scope);
    let deadline = Instant::now() + SETTLE_WAIT;
    let rows = loop {
        let mut rows = sqlx::query(&sql)
            .bind(account.map(|a| a.to_string()))
            .bind(txid.to_string())
            .bind(seq)
            .bind(f.channel_id.map(|x| x.to_string()))
            .bind(&f.chat)
            .bind(types.is_none())
            .bind(&exact)
            .bind(&patterns)
            .bind(request.fetch())
            .fetch_all(pool)
            .await?;
        let mut settled = 0;
        for row in &rows {
            if !row.try_get::<bool, _>("settled")? {
                break;
            }
            settled += 1;
        }
        // Events of finished transactions wait behind an earlier one still running: give it
        // a moment (transactions are short) rather than end the page early.
        if settled == rows.len() || Instant::now() >= deadline {
            rows.truncate(settled);
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    page_of(&rows, &request, decode::event, |e| e.cursor.clone())
}
