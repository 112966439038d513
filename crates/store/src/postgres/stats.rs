//! PostgreSQL: channel statistics aggregated from the message table.

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use super::PgStore;
use crate::stats::{DailyCounts, COUNT_QUERIES};
use crate::{StatsStore, StoreResult};

fn param(n: usize) -> String {
    format!("${n}")
}

#[async_trait]
impl StatsStore for PgStore {
    async fn bucket_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
        bucket_ms: i64,
    ) -> StoreResult<DailyCounts> {
        let channel = channel.to_string();
        let bucket = bucket_ms.max(1);
        let mut out = DailyCounts::new();
        for query in &COUNT_QUERIES {
            let rows = sqlx::query(&(query.sql)(param))
                .bind(&channel)
                .bind(from)
                .bind(to)
                .bind(bucket)
                .fetch_all(&self.pool)
                .await?;
            for r in &rows {
                (query.add)(&mut out, r)?;
            }
        }
        Ok(out)
    }
}
