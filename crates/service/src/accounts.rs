//! Accounts: created by the admin with a first account-wide key.

use switchboard_core::account::{validate_name, Account};
use switchboard_core::channel::Channel;
use switchboard_core::id::AccountId;
use switchboard_core::key::Permission;
use switchboard_core::time::now_millis;
use switchboard_store::{Page, PageRequest, Store};

use crate::keys::{build_key, NewKey};
use crate::{ServiceError, ServiceResult};

/// An account just created, with the token of its first key (shown once).
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    /// The account.
    pub account: Account,
    /// The first key's token: account-wide, `manage`.
    pub api_key: String,
    /// Channels created with it.
    pub channels: Vec<Channel>,
}

/// Creates an account, its first account-wide `manage` key and the channels `make_channels`
/// builds for it, in one transaction.
pub async fn create(
    store: &dyn Store,
    name: &str,
    make_channels: impl FnOnce(AccountId) -> Vec<Channel>,
) -> ServiceResult<CreatedAccount> {
    let name = validate_name("name", name).map_err(|m| ServiceError::invalid("name", m))?;
    let account = Account {
        id: AccountId::new(),
        name,
        created_at: now_millis(),
    };
    let key = build_key(
        account.id,
        &NewKey {
            name: Some("first key".into()),
            permission: Permission::Manage,
            channel_id: None,
        },
    )?;
    let channels = make_channels(account.id);
    store.create_account(&account, &key.key, &channels).await?;
    Ok(CreatedAccount {
        account,
        api_key: key.token,
        channels,
    })
}

/// Reads an account.
pub async fn get(store: &dyn Store, id: AccountId) -> ServiceResult<Account> {
    store
        .get_account(id)
        .await?
        .ok_or(ServiceError::NotFound("account"))
}

/// Lists accounts.
pub async fn list(store: &dyn Store, page: &PageRequest) -> ServiceResult<Page<Account>> {
    Ok(store.list_accounts(page).await?)
}
