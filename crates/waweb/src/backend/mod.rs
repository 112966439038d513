//! [`KeysBackend`]: the library's storage trait (`wacore::store::traits::Backend`, five
//! traits) over Switchboard's fenced key store ([`WebKeys`]). One namespace per kind of
//! record; protobuf/Signal records are stored as the library hands them over, structs
//! either through serde JSON (the device, LID mappings, device lists, tc tokens) or the
//! small binary encoding of [`crate::codec`]. Every batch method is one
//! [`WebKeys::write`], so it is applied all or none.

mod appsync;
mod device;
mod protocol;
mod secrets;
mod signal;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use switchboard_web_driver::{KeyChange, KeyStoreError, WebKeys};
use tokio::sync::Notify;
use whatsapp_rust::wacore::store::error::StoreError;

/// The namespaces the backend writes, one per kind of record.
pub mod ns {
    /// The device identity (one JSON value under the key `""`).
    pub const DEVICE: &str = "device";
    /// Remote identity keys by Signal address.
    pub const IDENTITY: &str = "identity";
    /// Signal sessions by address.
    pub const SESSION: &str = "session";
    /// One-time prekeys by zero-padded id (a flag byte `uploaded`, then the record).
    pub const PREKEY: &str = "prekey";
    /// Signed prekeys by zero-padded id.
    pub const SIGNED_PREKEY: &str = "signed_prekey";
    /// Group sender keys by address.
    pub const SENDER_KEY: &str = "sender_key";
    /// App-state sync keys by hex key id.
    pub const APP_STATE_KEY: &str = "app_state_key";
    /// The id of the latest app-state sync key (key `""`).
    pub const APP_STATE_KEY_LATEST: &str = "app_state_key_latest";
    /// App-state hash state by collection name.
    pub const APP_STATE_VERSION: &str = "app_state_version";
    /// App-state mutation MACs by `<collection>/<hex index mac>`.
    pub const MUTATION_MAC: &str = "mutation_mac";
    /// Sender-key distribution status by `<group>|<device jid>`.
    pub const SENDER_KEY_DEVICE: &str = "sender_key_device";
    /// LID → phone mappings by LID user (JSON entry).
    pub const LID_MAPPING: &str = "lid_mapping";
    /// Phone → LID index by phone number (the LID user).
    pub const PN_MAPPING: &str = "pn_mapping";
    /// Retry base keys by `<address>|<message id>`.
    pub const BASE_KEY: &str = "base_key";
    /// Device lists by user (JSON record).
    pub const DEVICE_LIST: &str = "device_list";
    /// Group metadata blobs by group JID.
    pub const GROUP_METADATA: &str = "group_metadata";
    /// Trusted-contact tokens by JID (JSON entry).
    pub const TC_TOKEN: &str = "tc_token";
    /// Sent messages kept for retries by `<chat>|<message id>` (stored-at seconds, then the
    /// payload).
    pub const SENT_MESSAGE: &str = "sent_message";
    /// Decrypted inbound messages awaiting the durability hook by `<chat>|<sender>|<id>`
    /// (stored-at seconds, then the message).
    pub const PENDING_INBOUND: &str = "pending_inbound";
    /// Message secrets by `<chat>|<sender>|<id>` (expires-at, message time, secret).
    pub const MSG_SECRET: &str = "msg_secret";
}

/// How long a sent message is kept for retry receipts when nothing else is configured
/// (the library's `CacheConfig::sent_message_ttl_secs` default).
pub const DEFAULT_SENT_MESSAGE_TTL_SECS: i64 = 7200;

/// How long a pending inbound message is kept at most (a day: the server redelivers
/// unacknowledged messages well within it).
pub const PENDING_INBOUND_TTL_SECS: i64 = 86_400;

type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Whether the key store refused a write because the lease is gone, shared with the
/// session so it stops.
#[derive(Debug, Default)]
pub(crate) struct Fence {
    fenced: AtomicBool,
    notify: Notify,
}

impl Fence {
    /// Records the loss; logs it the first time only.
    fn trip(&self, detail: &str) {
        if !self.fenced.swap(true, Ordering::SeqCst) {
            tracing::error!(
                detail,
                "WhatsApp Web key store fenced: the session's lease is lost, stopping the session"
            );
        }
        self.notify.notify_waiters();
        self.notify.notify_one();
    }

    pub(crate) fn is_tripped(&self) -> bool {
        self.fenced.load(Ordering::SeqCst)
    }

    /// Resolves once the fence tripped.
    pub(crate) async fn tripped(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_tripped() {
                return;
            }
            notified.await;
        }
    }
}

/// The library's storage backend over one session's [`WebKeys`].
#[derive(Clone)]
pub struct KeysBackend {
    keys: Arc<dyn WebKeys>,
    fence: Arc<Fence>,
    now: Clock,
    sent_message_ttl_secs: i64,
}

impl std::fmt::Debug for KeysBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeysBackend")
            .field("fenced", &self.fence.is_tripped())
            .field("sent_message_ttl_secs", &self.sent_message_ttl_secs)
            .finish_non_exhaustive()
    }
}

impl KeysBackend {
    /// A backend over `keys`, with the system clock.
    pub fn new(keys: Arc<dyn WebKeys>) -> Self {
        Self {
            keys,
            fence: Arc::new(Fence::default()),
            now: Arc::new(whatsapp_rust::wacore::time::now_secs),
            sent_message_ttl_secs: DEFAULT_SENT_MESSAGE_TTL_SECS,
        }
    }

    /// The same backend reading the time (unix seconds) from `now` (tests).
    pub fn with_clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.now = Arc::new(now);
        self
    }

    /// The same backend keeping sent messages for retries `secs` seconds.
    pub fn with_sent_message_ttl(mut self, secs: i64) -> Self {
        self.sent_message_ttl_secs = secs;
        self
    }

    /// Whether the key store refused an operation because the session's lease is gone:
    /// the session must stop.
    pub fn is_fenced(&self) -> bool {
        self.fence.is_tripped()
    }

    pub(crate) fn fence(&self) -> Arc<Fence> {
        self.fence.clone()
    }

    fn now(&self) -> i64 {
        (self.now)()
    }

    /// Maps a key store failure to the library's error, tripping the fence on `Fenced`.
    fn fail(&self, err: KeyStoreError) -> StoreError {
        match &err {
            KeyStoreError::Fenced(detail) => {
                self.fence.trip(detail);
                StoreError::Connection(Box::new(err))
            }
            KeyStoreError::Unavailable(_) => StoreError::Database(Box::new(err)),
        }
    }

    /// Refuses at once when fenced: no read or write of a stale owner reaches the store.
    fn guard(&self) -> Result<(), StoreError> {
        if self.fence.is_tripped() {
            return Err(StoreError::Connection(Box::new(KeyStoreError::Fenced(
                "the session's lease was lost earlier".to_string(),
            ))));
        }
        Ok(())
    }

    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.guard()?;
        self.keys
            .get(namespace, key)
            .await
            .map_err(|e| self.fail(e))
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.guard()?;
        self.keys
            .list(namespace, prefix)
            .await
            .map_err(|e| self.fail(e))
    }

    async fn write(&self, changes: Vec<KeyChange>) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.guard()?;
        self.keys.write(changes).await.map_err(|e| self.fail(e))
    }

    async fn put(&self, namespace: &str, key: &str, value: Vec<u8>) -> Result<(), StoreError> {
        self.write(vec![put(namespace, key, value)]).await
    }

    async fn delete(&self, namespace: &str, key: &str) -> Result<(), StoreError> {
        self.write(vec![delete(namespace, key)]).await
    }
}

fn put(namespace: &str, key: &str, value: Vec<u8>) -> KeyChange {
    KeyChange::Put {
        namespace: namespace.to_string(),
        key: key.to_string(),
        value,
    }
}

fn delete(namespace: &str, key: &str) -> KeyChange {
    KeyChange::Delete {
        namespace: namespace.to_string(),
        key: key.to_string(),
    }
}

fn clear(namespace: &str) -> KeyChange {
    KeyChange::ClearNamespace {
        namespace: namespace.to_string(),
    }
}

/// A composite key of parts joined by `|` (JIDs and message ids never contain it).
fn composite(parts: &[&str]) -> String {
    parts.join("|")
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Serialization(Box::new(e)))
}

fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Serialization(Box::new(e)))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::Fence;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_waiter_wakes_when_the_fence_trips_even_if_it_came_late() {
        let fence = Arc::new(Fence::default());
        let waiter = tokio::spawn({
            let fence = fence.clone();
            async move { fence.tripped().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        fence.trip("lease 3 lost");
        tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .expect("the waiter woke")
            .expect("joined");
        // After the trip, a new waiter returns at once.
        tokio::time::timeout(Duration::from_secs(2), fence.tripped())
            .await
            .expect("already tripped");
        assert!(fence.is_tripped());
    }
}
