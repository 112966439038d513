//! Channel statistics ([`StatsStore`]): the queries both backends run for them, and how
//! their rows add up.

use std::collections::BTreeMap;

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_core::stats::Counts;
use switchboard_core::time::Millis;

use crate::columns::Columns;
use crate::select::{Select, Selects};
use crate::StoreResult;

/// A channel's counts per time bucket, keyed by bucket number (`created_at / bucket_ms`, e.g.
/// days since the Unix epoch for UTC days); buckets without any message are absent.
pub type DailyCounts = BTreeMap<i64, Counts>;

/// Buckets of 15 minutes: every local midnight of every time zone in use falls on one, so
/// these sum exactly into local days.
pub const QUARTER_HOUR_MS: i64 = 15 * 60 * 1000;

/// A result row's bucket and the counts it holds for it.
type BucketCounts = (i64, Counts);

/// The per-bucket status counts. Every count query binds channel, from, to and bucket size as
/// parameters 1–4.
const STATUS_COUNTS: Select<BucketCounts> = Select::new(
    "messages",
    "created_at / $4 AS day,
       SUM(CASE WHEN direction = 'outbound' AND status IN ('sent', 'delivered', 'read', 'played') THEN 1 ELSE 0 END) AS sent,
       SUM(CASE WHEN direction = 'outbound' AND status IN ('delivered', 'read', 'played') THEN 1 ELSE 0 END) AS delivered,
       SUM(CASE WHEN direction = 'outbound' AND status IN ('read', 'played') THEN 1 ELSE 0 END) AS read,
       SUM(CASE WHEN direction = 'outbound' AND status = 'failed' THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN direction = 'outbound' AND status = 'accepted' THEN 1 ELSE 0 END) AS pending,
       SUM(CASE WHEN direction = 'outbound' AND status = 'scheduled' THEN 1 ELSE 0 END) AS scheduled,
       SUM(CASE WHEN direction = 'outbound' AND status = 'canceled' THEN 1 ELSE 0 END) AS canceled,
       SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END) AS received",
    status_counts,
    "channel_id = $1 AND created_at >= $2 AND created_at < $3
     GROUP BY 1",
);

/// Template messages that reached the upstream, per bucket and category.
const TEMPLATE_COUNTS: Select<BucketCounts> = Select::new(
    "messages",
    "created_at / $4 AS day, COALESCE(UPPER(template_category), 'UNKNOWN') AS category, COUNT(*) AS n",
    template_counts,
    "channel_id = $1 AND created_at >= $2 AND created_at < $3
       AND direction = 'outbound' AND kind = 'template'
       AND status IN ('sent', 'delivered', 'read', 'played')
     GROUP BY 1, 2",
);

/// Conversations opened per bucket: inbound messages with no inbound message of the same chat
/// in the 24 hours before (`prev` is the chat's previous inbound time; one earlier than
/// `from - 24h` is cut off by the inner range, which is the same as opening one).
const CONVERSATIONS: Select<BucketCounts> = Select::new(
    "(
         SELECT created_at,
                LAG(created_at) OVER (PARTITION BY chat ORDER BY created_at, id) AS prev
         FROM messages
         WHERE channel_id = $1 AND direction = 'inbound'
           AND created_at >= $2 - 86400000 AND created_at < $3
     ) w",
    "created_at / $4 AS day, COUNT(*) AS n",
    conversations_opened,
    "created_at >= $2 AND (prev IS NULL OR created_at - prev >= 86400000)
     GROUP BY 1",
);

/// Most distinct failure errors read for one period: errors are grouped by their stored text,
/// which repeats per upstream code (a message's own details vary rarely).
pub const FAILURES_READ: u32 = 1000;

/// Failed outbound messages per stored error (the upstream's error object as text, or none),
/// most frequent first. Binds channel, from, to and the row limit as parameters 1–4.
const FAILURE_COUNTS: Select<FailureCount> = Select::new(
    "messages",
    "error, COUNT(*) AS n",
    failure_count,
    "channel_id = $1 AND created_at >= $2 AND created_at < $3
       AND direction = 'outbound' AND status = 'failed'
     GROUP BY error
     ORDER BY n DESC, error
     LIMIT $4",
);

/// Failed messages sharing one stored error: the error object (`None` when none was recorded)
/// and how many.
pub type FailureCount = (Option<serde_json::Value>, u64);

/// A row of [`FAILURE_COUNTS`].
fn failure_count(r: &dyn Columns) -> StoreResult<FailureCount> {
    Ok((r.opt_json("error")?, r.count("n")?))
}

/// A channel's failed outbound messages created in `[from, to)` per stored error (see
/// [`StatsStore::failure_counts`]).
pub(crate) async fn failure_counts(
    store: &impl Selects,
    channel: ChannelId,
    from: Millis,
    to: Millis,
) -> StoreResult<Vec<FailureCount>> {
    let args = vec![
        channel.into(),
        from.into(),
        to.into(),
        i64::from(FAILURES_READ).into(),
    ];
    store.select_all(FAILURE_COUNTS, args).await
}

/// A row of [`STATUS_COUNTS`].
fn status_counts(r: &dyn Columns) -> StoreResult<BucketCounts> {
    let counts = Counts {
        sent: r.count("sent")?,
        delivered: r.count("delivered")?,
        read: r.count("read")?,
        failed: r.count("failed")?,
        pending: r.count("pending")?,
        scheduled: r.count("scheduled")?,
        canceled: r.count("canceled")?,
        received: r.count("received")?,
        ..Counts::default()
    };
    Ok((r.int("day")?, counts))
}

/// A row of [`TEMPLATE_COUNTS`].
fn template_counts(r: &dyn Columns) -> StoreResult<BucketCounts> {
    let templates = BTreeMap::from([(r.text("category")?, r.count("n")?)]);
    let counts = Counts {
        templates,
        ..Counts::default()
    };
    Ok((r.int("day")?, counts))
}

/// A row of [`CONVERSATIONS`].
fn conversations_opened(r: &dyn Columns) -> StoreResult<BucketCounts> {
    let counts = Counts {
        conversations_opened: r.count("n")?,
        ..Counts::default()
    };
    Ok((r.int("day")?, counts))
}

/// A channel's counts per bucket (see [`StatsStore::bucket_counts`]), from the rows of the
/// count queries that `store` runs; each row sets what it counts in its bucket.
pub(crate) async fn bucket_counts(
    store: &impl Selects,
    channel: ChannelId,
    from: Millis,
    to: Millis,
    bucket_ms: i64,
) -> StoreResult<DailyCounts> {
    let mut out = DailyCounts::new();
    for query in [STATUS_COUNTS, TEMPLATE_COUNTS, CONVERSATIONS] {
        let args = vec![
            channel.into(),
            from.into(),
            to.into(),
            bucket_ms.max(1).into(),
        ];
        for (day, counts) in store.select_all(query, args).await? {
            out.entry(day).or_default().add(&counts);
        }
    }
    Ok(out)
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

    /// A channel's failed outbound messages created in `[from, to)`, counted per stored error
    /// object, most frequent first, at most [`FAILURES_READ`] distinct errors.
    async fn failure_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
    ) -> StoreResult<Vec<FailureCount>>;

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
