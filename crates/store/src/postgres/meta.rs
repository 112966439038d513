//! PostgreSQL: installation-wide settings (see [`MetaStore`]).

use async_trait::async_trait;

use super::PgStore;
use crate::{MetaStore, StoreResult};

#[async_trait]
impl MetaStore for PgStore {
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn put_meta_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
