//! Channel statistics ([`StatsStore`]) and the queries both backends run for them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_core::stats::Counts;
use switchboard_core::time::Millis;

use crate::columns::Columns;
use crate::StoreResult;

/// A channel's counts per time bucket, keyed by bucket number (`created_at / bucket_ms`, e.g.
/// days since the Unix epoch for UTC days); buckets without any message are absent.
pub type DailyCounts = BTreeMap<i64, Counts>;

/// Buckets of 15 minutes: every local midnight of every time zone in use falls on one, so
/// these sum exactly into local days.
pub const QUARTER_HOUR_MS: i64 = 15 * 60 * 1000;

/// The per-bucket status counts (both backends bind channel, from, to, bucket size as
/// parameters 1–4).
/// Columns: day, sent, delivered, read, failed, pending, scheduled, canceled, received.
fn status_counts_sql(p: fn(usize) -> String) -> String {
    format!(
        "SELECT created_at / {b} AS day,
           SUM(CASE WHEN direction = 'outbound' AND status IN ('sent', 'delivered', 'read', 'played') THEN 1 ELSE 0 END) AS sent,
           SUM(CASE WHEN direction = 'outbound' AND status IN ('delivered', 'read', 'played') THEN 1 ELSE 0 END) AS delivered,
           SUM(CASE WHEN direction = 'outbound' AND status IN ('read', 'played') THEN 1 ELSE 0 END) AS read,
           SUM(CASE WHEN direction = 'outbound' AND status = 'failed' THEN 1 ELSE 0 END) AS failed,
           SUM(CASE WHEN direction = 'outbound' AND status = 'accepted' THEN 1 ELSE 0 END) AS pending,
           SUM(CASE WHEN direction = 'outbound' AND status = 'scheduled' THEN 1 ELSE 0 END) AS scheduled,
           SUM(CASE WHEN direction = 'outbound' AND status = 'canceled' THEN 1 ELSE 0 END) AS canceled,
           SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END) AS received
         FROM messages
         WHERE channel_id = {c} AND created_at >= {f} AND created_at < {t}
         GROUP BY 1",
        c = p(1),
        f = p(2),
        t = p(3),
        b = p(4)
    )
}

/// Template messages that reached the upstream, per bucket and category.
/// Columns: day, category, n.
fn template_counts_sql(p: fn(usize) -> String) -> String {
    format!(
        "SELECT created_at / {b} AS day, COALESCE(UPPER(template_category), 'UNKNOWN') AS category, COUNT(*) AS n
         FROM messages
         WHERE channel_id = {c} AND created_at >= {f} AND created_at < {t}
           AND direction = 'outbound' AND kind = 'template'
           AND status IN ('sent', 'delivered', 'read', 'played')
         GROUP BY 1, 2",
        c = p(1),
        f = p(2),
        t = p(3),
        b = p(4)
    )
}

/// Conversations opened per bucket: inbound messages with no inbound message of the same chat
/// in the 24 hours before (`prev` is the chat's previous inbound time; one earlier than
/// `from - 24h` is cut off by the inner range, which is the same as opening one).
/// Columns: day, n.
fn conversations_sql(p: fn(usize) -> String) -> String {
    format!(
        "SELECT created_at / {b} AS day, COUNT(*) AS n FROM (
             SELECT created_at,
                    LAG(created_at) OVER (PARTITION BY chat ORDER BY created_at, id) AS prev
             FROM messages
             WHERE channel_id = {c} AND direction = 'inbound'
               AND created_at >= {f} - 86400000 AND created_at < {t}
         ) w
         WHERE created_at >= {f} AND (prev IS NULL OR created_at - prev >= 86400000)
         GROUP BY 1",
        c = p(1),
        f = p(2),
        t = p(3),
        b = p(4)
    )
}

/// The bucket of a row (its `day` column) in `out`.
fn bucket<'a>(out: &'a mut DailyCounts, r: &dyn Columns) -> StoreResult<&'a mut Counts> {
    Ok(out.entry(r.int("day")?).or_default())
}

/// Adds a row of [`status_counts_sql`] to `out`.
fn add_status_counts(out: &mut DailyCounts, r: &dyn Columns) -> StoreResult<()> {
    let e = bucket(out, r)?;
    e.sent = r.count("sent")?;
    e.delivered = r.count("delivered")?;
    e.read = r.count("read")?;
    e.failed = r.count("failed")?;
    e.pending = r.count("pending")?;
    e.scheduled = r.count("scheduled")?;
    e.canceled = r.count("canceled")?;
    e.received = r.count("received")?;
    Ok(())
}

/// Adds a row of [`template_counts_sql`] to `out`.
fn add_template_counts(out: &mut DailyCounts, r: &dyn Columns) -> StoreResult<()> {
    let category = r.text("category")?;
    let n = r.count("n")?;
    bucket(out, r)?.templates.insert(category, n);
    Ok(())
}

/// Adds a row of [`conversations_sql`] to `out`.
fn add_conversations(out: &mut DailyCounts, r: &dyn Columns) -> StoreResult<()> {
    bucket(out, r)?.conversations_opened = r.count("n")?;
    Ok(())
}

/// One statistics query: its SQL (given the backend's parameter syntax) and how a row adds to
/// the counts.
pub(crate) struct CountQuery {
    /// The SQL; every query binds channel, from, to and bucket size as parameters 1–4.
    pub(crate) sql: fn(fn(usize) -> String) -> String,
    /// Adds one result row to the counts.
    pub(crate) add: fn(&mut DailyCounts, &dyn Columns) -> StoreResult<()>,
}

/// The queries whose rows make up a channel's [`DailyCounts`].
pub(crate) const COUNT_QUERIES: [CountQuery; 3] = [
    CountQuery {
        sql: status_counts_sql,
        add: add_status_counts,
    },
    CountQuery {
        sql: template_counts_sql,
        add: add_template_counts,
    },
    CountQuery {
        sql: conversations_sql,
        add: add_conversations,
    },
];

/// Channel statistics aggregated from the message table.
#[async_trait]
pub trait StatsStore {
    /// A channel's counts per bucket of `bucket_ms` (keyed by `created_at / bucket_ms`) for
    /// messages created in `[from, to)` (see [`switchboard_core::stats::Counts`] for what each
    /// number counts).
    async fn bucket_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
        bucket_ms: i64,
    ) -> StoreResult<DailyCounts>;

    /// A channel's counts per UTC day (days since the epoch) for messages created in
    /// `[from, to)`.
    async fn daily_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
    ) -> StoreResult<DailyCounts> {
        self.bucket_counts(channel, from, to, switchboard_core::stats::DAY_MS)
            .await
    }
}
