//! Types of the statistics part of the store.

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use crate::StoreResult;

use std::collections::BTreeMap;

use switchboard_core::stats::Counts;

/// A channel's counts per time bucket, keyed by bucket number (`created_at / bucket_ms`, e.g.
/// days since the Unix epoch for UTC days); buckets without any message are absent.
pub type DailyCounts = BTreeMap<i64, Counts>;

/// Buckets of 15 minutes: every local midnight of every time zone in use falls on one, so
/// these sum exactly into local days.
pub const QUARTER_HOUR_MS: i64 = 15 * 60 * 1000;

/// The per-bucket status counts (both backends bind channel, from, to, bucket size as
/// parameters 1–4).
/// Rows: day, sent, delivered, read, failed, pending, scheduled, canceled, received.
pub(crate) fn status_counts_sql(p: fn(usize) -> String) -> String {
    format!(
        "SELECT created_at / {b} AS day,
           SUM(CASE WHEN direction = 'outbound' AND status IN ('sent', 'delivered', 'read', 'played') THEN 1 ELSE 0 END),
           SUM(CASE WHEN direction = 'outbound' AND status IN ('delivered', 'read', 'played') THEN 1 ELSE 0 END),
           SUM(CASE WHEN direction = 'outbound' AND status IN ('read', 'played') THEN 1 ELSE 0 END),
           SUM(CASE WHEN direction = 'outbound' AND status = 'failed' THEN 1 ELSE 0 END),
           SUM(CASE WHEN direction = 'outbound' AND status = 'accepted' THEN 1 ELSE 0 END),
           SUM(CASE WHEN direction = 'outbound' AND status = 'scheduled' THEN 1 ELSE 0 END),
           SUM(CASE WHEN direction = 'outbound' AND status = 'canceled' THEN 1 ELSE 0 END),
           SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END)
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
/// Rows: day, category, count.
pub(crate) fn template_counts_sql(p: fn(usize) -> String) -> String {
    format!(
        "SELECT created_at / {b} AS day, COALESCE(UPPER(template_category), 'UNKNOWN') AS category, COUNT(*)
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
/// Rows: day, count.
pub(crate) fn conversations_sql(p: fn(usize) -> String) -> String {
    format!(
        "SELECT created_at / {b} AS day, COUNT(*) FROM (
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

/// Adds a per-day row to the map.
pub(crate) fn day_entry(map: &mut DailyCounts, day: i64) -> &mut Counts {
    map.entry(day).or_default()
}

/// Converts a database count to `u64` (counts are never negative).
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

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
