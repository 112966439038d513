//! SQLite: accounts (see [`AccountStore`]).

use async_trait::async_trait;
use rusqlite::params;
use switchboard_core::account::Account;
use switchboard_core::channel::Channel;
use switchboard_core::id::AccountId;
use switchboard_core::key::ApiKey;

use super::channels::insert_channel_row;
use super::keys::insert_key;
use super::SqliteStore;
use crate::accounts::ACCOUNTS;
use crate::accounts::ACCOUNT_BY_ID;
use crate::shared_methods::select_method;
use crate::{AccountStore, Page, PageRequest, StoreResult};

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
        channels: &[Channel],
    ) -> StoreResult<()> {
        let channels: Vec<Channel> = channels
            .iter()
            .map(|c| self.keys.sealed(c))
            .collect::<StoreResult<_>>()?;
        let (account, key) = (account.clone(), first_key.clone());
        self.engine
            .write(move |c| {
                c.execute(
                    "INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)",
                    params![account.id.to_string(), account.name, account.created_at],
                )?;
                for channel in &channels {
                    insert_channel_row(c, channel)?;
                }
                insert_key(c, &key)
            })
            .await
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
