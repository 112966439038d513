//! API keys: creation (secret shown once), listing, revocation.

use switchboard_core::id::{AccountId, ChannelId, KeyId};
use switchboard_core::key::{generate_key, ApiKey, Permission};
use switchboard_core::time::now_millis;
use switchboard_store::{Page, PageRequest, Store};

use crate::{ServiceError, ServiceResult};

/// A key just created, with its secret token (shown once).
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// The stored key.
    pub key: ApiKey,
    /// The full token to hand to the user.
    pub token: String,
}

/// What a new key should be.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Label; defaults to the permission name.
    pub name: Option<String>,
    /// Permission level.
    pub permission: Permission,
    /// Limits the key to one channel of the account.
    pub channel_id: Option<ChannelId>,
}

/// Builds a key record and its token without storing it.
pub fn build_key(account: AccountId, new: &NewKey) -> ServiceResult<CreatedKey> {
    let name = match &new.name {
        Some(n) => switchboard_core::account::validate_name("name", n)
            .map_err(|m| ServiceError::invalid("name", m))?,
        None => format!("{} key", new.permission),
    };
    let generated = generate_key();
    Ok(CreatedKey {
        key: ApiKey {
            id: generated.id,
            account_id: account,
            name,
            permission: new.permission,
            channel_id: new.channel_id,
            secret_hash: generated.secret_hash,
            created_at: now_millis(),
            revoked_at: None,
            last_used_at: None,
        },
        token: generated.token,
    })
}

/// Creates a key for `account`; a channel scope must name one of the account's channels.
pub async fn create(
    store: &dyn Store,
    account: AccountId,
    new: NewKey,
) -> ServiceResult<CreatedKey> {
    if let Some(channel) = new.channel_id {
        if store.get_channel(account, channel).await?.is_none() {
            return Err(ServiceError::invalid(
                "channel_id",
                format!("no channel {channel} in this account"),
            ));
        }
    }
    let created = build_key(account, &new)?;
    store.create_key(&created.key).await?;
    Ok(created)
}

/// Lists the account's keys.
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    page: &PageRequest,
) -> ServiceResult<Page<ApiKey>> {
    Ok(store.list_keys(account, page).await?)
}

/// Revokes a key of the account.
pub async fn revoke(store: &dyn Store, account: AccountId, id: KeyId) -> ServiceResult<()> {
    if store.revoke_key(account, id, now_millis()).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound("key"))
    }
}
