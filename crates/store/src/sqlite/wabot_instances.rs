//! SQLite: bot platform instances (see [`WabotInstanceStore`]).

use async_trait::async_trait;
use rusqlite::params;
use switchboard_core::id::{AccountId, ChannelId};

use super::query::{query_all, query_one};
use super::SqliteStore;
use crate::wabot_instances::{find_sql, instance, list_sql, WabotInstance, INSERT, LIST_MAX};
use crate::web_sessions::sqlite_sql;
use crate::{StoreResult, WabotInstanceStore};

#[async_trait]
impl WabotInstanceStore for SqliteStore {
    async fn create_wabot_instance(&self, i: &WabotInstance) -> StoreResult<()> {
        let i = self.keys.sealed(i)?;
        self.engine
            .write(move |c| {
                c.execute(
                    &sqlite_sql(INSERT),
                    params![
                        i.channel_id.to_string(),
                        i.account_id.to_string(),
                        i.access_token,
                        i.created_at
                    ],
                )?;
                Ok(())
            })
            .await
    }

    async fn wabot_instance(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<WabotInstance>> {
        let found = self
            .engine
            .read(move |c| {
                query_one(
                    c,
                    &sqlite_sql(&find_sql()),
                    params![account.to_string(), channel.to_string()],
                    instance,
                )
            })
            .await?;
        self.keys.open_found(found)
    }

    async fn list_wabot_instances(&self, account: AccountId) -> StoreResult<Vec<WabotInstance>> {
        let found = self
            .engine
            .read(move |c| {
                query_all(
                    c,
                    &sqlite_sql(&list_sql()),
                    params![account.to_string(), LIST_MAX],
                    instance,
                )
            })
            .await?;
        self.keys.open_records(found)
    }
}
