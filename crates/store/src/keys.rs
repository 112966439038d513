//! API keys ([`KeyStore`]).

use async_trait::async_trait;
use switchboard_core::id::{AccountId, KeyId};
use switchboard_core::key::ApiKey;

use crate::decode;
use crate::owned::Owned;
use crate::select::Select;
use crate::{Page, PageRequest, StoreResult};

/// API keys.
#[async_trait]
pub trait KeyStore {
    /// Stores a new key.
    async fn create_key(&self, key: &ApiKey) -> StoreResult<()>;
    /// Reads a key by id, whatever its account (used to authenticate).
    async fn find_key(&self, id: KeyId) -> StoreResult<Option<ApiKey>>;
    /// Lists an account's keys (revoked ones included), oldest first.
    async fn list_keys(&self, account: AccountId, page: &PageRequest) -> StoreResult<Page<ApiKey>>;
    /// Revokes a key of the account; returns false if it does not exist or is already revoked.
    async fn revoke_key(&self, account: AccountId, id: KeyId, at: i64) -> StoreResult<bool>;
    /// Records that the key authenticated a request at `at` (never moving the time back).
    async fn record_key_use(&self, id: KeyId, at: i64) -> StoreResult<()>;
}

/// API keys.
pub(crate) const KEYS: Owned<ApiKey> = Owned::new("api_keys", decode::KEY_COLS, decode::key, |k| {
    k.id.to_string()
});

/// An API key by id.
pub(crate) const KEY_BY_ID: Select<ApiKey> = KEYS.select("id = $1");
