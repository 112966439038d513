//! SQLite: channel statistics aggregated from the message table.

use async_trait::async_trait;
use rusqlite::{params, Connection};
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use super::SqliteStore;
use crate::stats::{DailyCounts, COUNT_QUERIES};
use crate::{StatsStore, StoreResult};

fn param(n: usize) -> String {
    format!("?{n}")
}

fn daily(
    c: &Connection,
    channel: &str,
    from: Millis,
    to: Millis,
    bucket: i64,
) -> StoreResult<DailyCounts> {
    let mut out = DailyCounts::new();
    for query in &COUNT_QUERIES {
        let mut stmt = c.prepare_cached(&(query.sql)(param))?;
        let mut rows = stmt.query(params![channel, from, to, bucket])?;
        while let Some(r) = rows.next()? {
            (query.add)(&mut out, r)?;
        }
    }
    Ok(out)
}

#[async_trait]
impl StatsStore for SqliteStore {
    async fn bucket_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
        bucket_ms: i64,
    ) -> StoreResult<DailyCounts> {
        let channel = channel.to_string();
        let bucket = bucket_ms.max(1);
        self.engine
            .read(move |c| daily(c, &channel, from, to, bucket))
            .await
    }
}
