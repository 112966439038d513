//! SQLite: API keys (see [`KeyStore`]).

use async_trait::async_trait;
use rusqlite::{params, Connection};
use switchboard_core::id::{AccountId, KeyId};
use switchboard_core::key::ApiKey;

use super::SqliteStore;
use crate::keys::KEYS;
use crate::keys::KEY_BY_ID;
use crate::shared_methods::{list_owned, select_method};
use crate::{KeyStore, StoreResult};

/// Stores a key.
pub(crate) fn insert_key(c: &Connection, key: &ApiKey) -> StoreResult<()> {
    c.execute(
        "INSERT INTO api_keys (id, account_id, name, permission, channel_id, secret_hash, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            key.id.to_string(),
            key.account_id.to_string(),
            key.name,
            key.permission.as_str(),
            key.channel_id.map(|c| c.to_string()),
            key.secret_hash,
            key.created_at,
            key.revoked_at
        ],
    )?;
    Ok(())
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn create_key(&self, key: &ApiKey) -> StoreResult<()> {
        let key = key.clone();
        self.engine.write(move |c| insert_key(c, &key)).await
    }

    select_method!(find_key(id: KeyId) -> Option<ApiKey> = select_one(KEY_BY_ID, [id]));

    list_owned!(list_keys -> ApiKey, KEYS);

    async fn revoke_key(&self, account: AccountId, id: KeyId, at: i64) -> StoreResult<bool> {
        self.engine
            .write(move |c| {
                let n = c.execute(
                    "UPDATE api_keys SET revoked_at = ?3 WHERE account_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                    params![account.to_string(), id.to_string(), at],
                )?;
                Ok(n == 1)
            })
            .await
    }

    async fn record_key_use(&self, id: KeyId, at: i64) -> StoreResult<()> {
        self.engine
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)",
                )?
                .execute(params![id.to_string(), at])?;
                Ok(())
            })
            .await
    }
}
