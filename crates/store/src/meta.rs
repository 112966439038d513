//! Installation-wide settings kept in the database ([`MetaStore`]).

use async_trait::async_trait;

use crate::StoreResult;

/// Installation-wide settings kept in the database (e.g. the admin key's hash).
#[async_trait]
pub trait MetaStore {
    /// Reads a value.
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>>;
    /// Writes a value unless one exists; returns whether it was written.
    async fn put_meta_if_absent(&self, key: &str, value: &str) -> StoreResult<bool>;
}
