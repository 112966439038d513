//! PostgreSQL: bot platform instances (see [`WabotInstanceStore`]).

use async_trait::async_trait;
use switchboard_core::id::{AccountId, ChannelId};

use super::PgStore;
use crate::wabot_instances::{find_sql, instance, list_sql, WabotInstance, INSERT, LIST_MAX};
use crate::{StoreResult, WabotInstanceStore};

#[async_trait]
impl WabotInstanceStore for PgStore {
    async fn create_wabot_instance(&self, i: &WabotInstance) -> StoreResult<()> {
        let i = self.keys.sealed(i)?;
        sqlx::query(INSERT)
            .bind(i.channel_id.to_string())
            .bind(i.account_id.to_string())
            .bind(&i.access_token)
            .bind(i.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn wabot_instance(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<WabotInstance>> {
        let sql = find_sql();
        let found = self
            .fetch_one(
                sqlx::query(&sql)
                    .bind(account.to_string())
                    .bind(channel.to_string()),
                instance,
            )
            .await?;
        self.keys.open_found(found)
    }

    async fn list_wabot_instances(&self, account: AccountId) -> StoreResult<Vec<WabotInstance>> {
        let sql = list_sql();
        let found = self
            .fetch_all(
                sqlx::query(&sql).bind(account.to_string()).bind(LIST_MAX),
                instance,
            )
            .await?;
        self.keys.open_records(found)
    }
}
