//! PostgreSQL: API keys (see [`KeyStore`]).

use async_trait::async_trait;
use switchboard_core::id::{AccountId, KeyId};
use switchboard_core::key::ApiKey;

use super::PgStore;
use crate::keys::KEYS;
use crate::keys::KEY_BY_ID;
use crate::shared_methods::{list_owned, select_method};
use crate::{KeyStore, StoreResult};

/// Stores a key.
pub(crate) async fn insert_key<'e, E: sqlx::PgExecutor<'e>>(
    exec: E,
    key: &ApiKey,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, account_id, name, permission, channel_id, secret_hash, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(key.id.to_string())
    .bind(key.account_id.to_string())
    .bind(&key.name)
    .bind(key.permission.as_str())
    .bind(key.channel_id.map(|c| c.to_string()))
    .bind(&key.secret_hash)
    .bind(key.created_at)
    .bind(key.revoked_at)
    .execute(exec)
    .await?;
    Ok(())
}

#[async_trait]
impl KeyStore for PgStore {
    async fn create_key(&self, key: &ApiKey) -> StoreResult<()> {
        insert_key(&self.pool, key).await
    }

    select_method!(find_key(id: KeyId) -> Option<ApiKey> = select_one(KEY_BY_ID, [id]));

    list_owned!(list_keys -> ApiKey, KEYS);

    async fn revoke_key(&self, account: AccountId, id: KeyId, at: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $3 WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(account.to_string())
        .bind(id.to_string())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_key_use(&self, id: KeyId, at: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
        )
        .bind(id.to_string())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
