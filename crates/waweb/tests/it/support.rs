//! Shared helpers: a backend over inspectable memory keys with a settable clock, and a
//! key store that is fenced.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use switchboard_waweb::KeysBackend;
use switchboard_web_driver::{KeyChange, KeyStoreError, MemoryKeys, WebKeys};

/// Memory keys counting the writes they get (a batch method must make one).
#[derive(Default)]
pub struct CountingKeys {
    pub inner: MemoryKeys,
    pub writes: AtomicUsize,
}

#[async_trait]
impl WebKeys for CountingKeys {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        self.inner.get(namespace, key).await
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError> {
        self.inner.list(namespace, prefix).await
    }

    async fn write(&self, changes: Vec<KeyChange>) -> Result<(), KeyStoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.write(changes).await
    }

    async fn is_empty(&self) -> Result<bool, KeyStoreError> {
        self.inner.is_empty().await
    }
}

/// A backend, its raw store and its clock (unix seconds, starts at 1_000_000).
pub struct Fixture {
    pub backend: KeysBackend,
    pub keys: Arc<CountingKeys>,
    pub clock: Arc<AtomicI64>,
}

impl Fixture {
    pub fn new() -> Self {
        let keys = Arc::new(CountingKeys::default());
        let clock = Arc::new(AtomicI64::new(1_000_000));
        let c = clock.clone();
        let backend = KeysBackend::new(keys.clone()).with_clock(move || c.load(Ordering::SeqCst));
        Self {
            backend,
            keys,
            clock,
        }
    }

    pub fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    /// How many writes reached the store so far.
    pub fn writes(&self) -> usize {
        self.keys.writes.load(Ordering::SeqCst)
    }

    pub fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    /// The keys of `namespace` in the raw store.
    pub async fn raw_keys(&self, namespace: &str) -> Vec<String> {
        self.keys
            .list(namespace, "")
            .await
            .expect("list")
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }
}

/// A key store whose lease is gone: reads work, every write is refused as fenced.
/// Counts the calls that reach it.
#[derive(Default)]
pub struct FencedKeys {
    pub inner: MemoryKeys,
    pub calls: AtomicUsize,
}

#[async_trait]
impl WebKeys for FencedKeys {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.get(namespace, key).await
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.list(namespace, prefix).await
    }

    async fn write(&self, _changes: Vec<KeyChange>) -> Result<(), KeyStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(KeyStoreError::Fenced("lease 7 expired".into()))
    }

    async fn is_empty(&self) -> Result<bool, KeyStoreError> {
        self.inner.is_empty().await
    }
}

/// A key store that is down: every call fails as unavailable.
pub struct DownKeys;

#[async_trait]
impl WebKeys for DownKeys {
    async fn get(&self, _: &str, _: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Err(KeyStoreError::Unavailable("connection refused".into()))
    }

    async fn list(&self, _: &str, _: &str) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError> {
        Err(KeyStoreError::Unavailable("connection refused".into()))
    }

    async fn write(&self, _: Vec<KeyChange>) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("connection refused".into()))
    }

    async fn is_empty(&self) -> Result<bool, KeyStoreError> {
        Err(KeyStoreError::Unavailable("connection refused".into()))
    }
}
