//! PostgreSQL: channel statistics aggregated from the message table.

use async_trait::async_trait;
use sqlx::Row;
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use super::PgStore;
use crate::stats::{
    conversations_sql, count, day_entry, status_counts_sql, template_counts_sql, DailyCounts,
};
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
        let rows = sqlx::query(&status_counts_sql(param))
            .bind(&channel)
            .bind(from)
            .bind(to)
            .bind(bucket)
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let e = day_entry(&mut out, r.try_get(0)?);
            e.sent = count(r.try_get(1)?);
            e.delivered = count(r.try_get(2)?);
            e.read = count(r.try_get(3)?);
            e.failed = count(r.try_get(4)?);
            e.pending = count(r.try_get(5)?);
            e.scheduled = count(r.try_get(6)?);
            e.canceled = count(r.try_get(7)?);
            e.received = count(r.try_get(8)?);
        }
        let rows = sqlx::query(&template_counts_sql(param))
            .bind(&channel)
            .bind(from)
            .bind(to)
            .bind(bucket)
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let category: String = r.try_get(1)?;
            day_entry(&mut out, r.try_get(0)?)
                .templates
                .insert(category, count(r.try_get(2)?));
        }
        let rows = sqlx::query(&conversations_sql(param))
            .bind(&channel)
            .bind(from)
            .bind(to)
            .bind(bucket)
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            day_entry(&mut out, r.try_get(0)?).conversations_opened = count(r.try_get(1)?);
        }
        Ok(out)
    }
}
