//! SQLite: installation-wide settings (see [`MetaStore`]).

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::{MetaStore, StoreResult};

#[async_trait]
impl MetaStore for SqliteStore {
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        let key = key.to_string();
        self.engine
            .read(move |c| {
                Ok(
                    c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                        .optional()?,
                )
            })
            .await
    }

    async fn put_meta_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        let (key, value) = (key.to_string(), value.to_string());
        self.engine
            .write(move |c| {
                let n = c.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                    params![key, value],
                )?;
                Ok(n == 1)
            })
            .await
    }
}
