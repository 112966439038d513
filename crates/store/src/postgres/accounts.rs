//! PostgreSQL: accounts (see [`AccountStore`]).

use async_trait::async_trait;
use switchboard_core::account::Account;
use switchboard_core::channel::Channel;
use switchboard_core::id::AccountId;
use switchboard_core::key::ApiKey;

use super::channels::insert_channel_row;
use super::keys::insert_key;
use super::PgStore;
use crate::accounts::ACCOUNTS;
use crate::accounts::ACCOUNT_BY_ID;
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
            insert_channel_row(&mut tx, &self.keys.sealed(channel)?).await?;
        }
        insert_key(&mut *tx, first_key).await?;
        tx.commit().await?;
        Ok(())
    }

    select_method!(get_account(id: AccountId) -> Option<Account> = select_one(ACCOUNT_BY_ID, [id]));

    select_method!(
        list_accounts['life1](page: &'life1 PageRequest) -> Page<Account> =
            select_page(ACCOUNTS, [page.after_key(), page.fetch()], page, |a| a.id.to_string())
    );

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.count_rows("accounts").await
    }
}
