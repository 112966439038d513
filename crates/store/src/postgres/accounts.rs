//! PostgreSQL: accounts (see [`AccountStore`]).

use async_trait::async_trait;
use switchboard_core::account::Account;
use switchboard_core::channel::Channel;
use switchboard_core::id::AccountId;
use switchboard_core::key::ApiKey;

use super::channels::insert_channel_row;
use super::keys::insert_key;
use super::PgStore;
use crate::accounts::ACCOUNT_BY_ID;
use crate::decode::{self, ACCOUNT_COLS};
use crate::shared_methods::select_method;
use crate::{AccountStore, Page, PageRequest, StoreResult};

#[async_trait]
impl AccountStore for PgStore {
    async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
        channels: &[Channel],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(account.id.to_string())
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        for channel in channels {
            insert_channel_row(&mut tx, channel).await?;
        }
        insert_key(&mut *tx, first_key).await?;
        tx.commit().await?;
        Ok(())
    }

    select_method!(get_account(id: AccountId) -> Option<Account> = select_one(ACCOUNT_BY_ID, [id]));

    async fn list_accounts(&self, page: &PageRequest) -> StoreResult<Page<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id > $1 ORDER BY id LIMIT $2");
        let query = sqlx::query(&sql).bind(page.after_key()).bind(page.fetch());
        self.fetch_page(query, page, decode::account, |a| a.id.to_string())
            .await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.count_rows("accounts").await
    }
}
