//! SQLite: channel statistics aggregated from the message table.

use async_trait::async_trait;
use rusqlite::{params, Connection};
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use super::SqliteStore;
use crate::stats::{
    conversations_sql, count, day_entry, status_counts_sql, template_counts_sql, DailyCounts,
};
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
    let mut stmt = c.prepare_cached(&status_counts_sql(param))?;
    let mut rows = stmt.query(params![channel, from, to, bucket])?;
    while let Some(r) = rows.next()? {
        let e = day_entry(&mut out, r.get(0)?);
        e.sent = count(r.get(1)?);
        e.delivered = count(r.get(2)?);
        e.read = count(r.get(3)?);
        e.failed = count(r.get(4)?);
        e.pending = count(r.get(5)?);
        e.scheduled = count(r.get(6)?);
        e.canceled = count(r.get(7)?);
        e.received = count(r.get(8)?);
    }
    let mut stmt = c.prepare_cached(&template_counts_sql(param))?;
    let mut rows = stmt.query(params![channel, from, to, bucket])?;
    while let Some(r) = rows.next()? {
        let category: String = r.get(1)?;
        day_entry(&mut out, r.get(0)?)
            .templates
            .insert(category, count(r.get(2)?));
    }
    let mut stmt = c.prepare_cached(&conversations_sql(param))?;
    let mut rows = stmt.query(params![channel, from, to, bucket])?;
    while let Some(r) = rows.next()? {
        day_entry(&mut out, r.get(0)?).conversations_opened = count(r.get(1)?);
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
