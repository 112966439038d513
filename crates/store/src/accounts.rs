//! Accounts ([`AccountStore`]).

use async_trait::async_trait;
use switchboard_core::account::Account;
use switchboard_core::channel::Channel;
use switchboard_core::id::AccountId;
use switchboard_core::key::ApiKey;

use crate::decode;
use crate::select::Select;
use crate::{Page, PageRequest, StoreResult};

/// Accounts.
#[async_trait]
pub trait AccountStore {
    /// Creates an account together with its first key and any channels, in one transaction
    /// (those channels start `active` without a `channel.status` event).
    async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
        channels: &[Channel],
    ) -> StoreResult<()>;
    /// Reads an account.
    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>>;
    /// Lists accounts, oldest first.
    async fn list_accounts(&self, page: &PageRequest) -> StoreResult<Page<Account>>;
    /// Counts accounts.
    async fn count_accounts(&self) -> StoreResult<u64>;
}

/// Every account, in id order (after, limit).
pub(crate) const ACCOUNTS: Select<Account> = Select::new(
    "accounts",
    decode::ACCOUNT_COLS,
    decode::account,
    "id > $1 ORDER BY id LIMIT $2",
);

/// An account by id.
pub(crate) const ACCOUNT_BY_ID: Select<Account> = ACCOUNTS.with_filter("id = $1");
