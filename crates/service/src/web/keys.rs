//! A session's key store on Switchboard's store: one channel's `web_keys` rows, every write
//! fenced by the lease the session runs under, so a node that lost the session can never
//! change its Signal state.

use std::sync::Arc;

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_store::leases::Fence;
use switchboard_store::{Store, StoreError};
use switchboard_web_driver::{KeyChange, KeyStoreError, WebKeys};

/// The keys of one channel, written under one lease tenure.
pub struct StoreKeys {
    store: Arc<dyn Store>,
    channel: ChannelId,
    fence: Fence,
}

impl StoreKeys {
    /// The keys of `channel`, written under `fence`.
    pub fn new(store: Arc<dyn Store>, channel: ChannelId, fence: Fence) -> Self {
        Self {
            store,
            channel,
            fence,
        }
    }
}

fn key_error(e: StoreError) -> KeyStoreError {
    match e {
        StoreError::Fenced(m) => KeyStoreError::Fenced(m),
        other => KeyStoreError::Unavailable(other.to_string()),
    }
}

#[async_trait]
impl WebKeys for StoreKeys {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        self.store
            .web_keys_get(self.channel, namespace, key)
            .await
            .map_err(key_error)
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError> {
        self.store
            .web_keys_list(self.channel, namespace, prefix)
            .await
            .map_err(key_error)
    }

    async fn write(&self, changes: Vec<KeyChange>) -> Result<(), KeyStoreError> {
        self.store
            .web_keys_write(self.channel, &self.fence, &changes)
            .await
            .map_err(key_error)
    }

    async fn is_empty(&self) -> Result<bool, KeyStoreError> {
        self.store
            .web_keys_is_empty(self.channel)
            .await
            .map_err(key_error)
    }
}
