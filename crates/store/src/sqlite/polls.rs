//! SQLite: Telegram polling leases and offsets (see [`PollStore`]).

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use super::SqliteStore;
use crate::polls::{LEASE_POLL, RELEASE_POLL, SAVE_OFFSET};
use crate::{PollStore, StoreResult};

fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

#[async_trait]
impl PollStore for SqliteStore {
    async fn lease_poll(
        &self,
        channel: ChannelId,
        owner: &str,
        now: Millis,
        lease_ms: i64,
    ) -> StoreResult<Option<i64>> {
        let owner = owner.to_string();
        self.engine
            .write(move |c| {
                Ok(c.query_row(
                    &sqlite_sql(LEASE_POLL),
                    params![channel.to_string(), owner, now + lease_ms, now],
                    |r| r.get(0),
                )
                .optional()?)
            })
            .await
    }

    async fn save_poll_offset(
        &self,
        channel: ChannelId,
        owner: &str,
        offset: i64,
    ) -> StoreResult<bool> {
        let owner = owner.to_string();
        self.engine
            .write(move |c| {
                let n = c.execute(
                    &sqlite_sql(SAVE_OFFSET),
                    params![channel.to_string(), owner, offset],
                )?;
                Ok(n == 1)
            })
            .await
    }

    async fn release_poll(&self, channel: ChannelId, owner: &str) -> StoreResult<()> {
        let owner = owner.to_string();
        self.engine
            .write(move |c| {
                c.execute(
                    &sqlite_sql(RELEASE_POLL),
                    params![channel.to_string(), owner],
                )?;
                Ok(())
            })
            .await
    }
}
