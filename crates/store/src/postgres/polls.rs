//! PostgreSQL: Telegram polling leases and offsets (see [`PollStore`]).

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use super::PgStore;
use crate::polls::{LEASE_POLL, RELEASE_POLL, SAVE_OFFSET};
use crate::{PollStore, StoreResult};

#[async_trait]
impl PollStore for PgStore {
    async fn lease_poll(
        &self,
        channel: ChannelId,
        owner: &str,
        now: Millis,
        lease_ms: i64,
    ) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(LEASE_POLL)
            .bind(channel.to_string())
            .bind(owner)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn save_poll_offset(
        &self,
        channel: ChannelId,
        owner: &str,
        offset: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(SAVE_OFFSET)
            .bind(channel.to_string())
            .bind(owner)
            .bind(offset)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_poll(&self, channel: ChannelId, owner: &str) -> StoreResult<()> {
        sqlx::query(RELEASE_POLL)
            .bind(channel.to_string())
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
