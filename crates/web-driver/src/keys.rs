//! The session's key store: the device identity and the Noise/Signal/app-state records a
//! protocol library keeps, as bytes under `(namespace, key)`. Switchboard implements it on
//! its database (one channel's rows, every write fenced by the channel's lease); tests and
//! the fake phone may use [`MemoryKeys`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

/// Why a key operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// The lease this session was started under is gone: another node drives it now. The
    /// session must stop at once.
    #[error("the session's lease was lost: {0}")]
    Fenced(String),
    /// The store failed (unreachable, timed out): the operation may be retried.
    #[error("the key store failed: {0}")]
    Unavailable(String),
}

/// One change of a [`WebKeys::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChange {
    /// Sets `(namespace, key)` to `value`.
    Put {
        /// The namespace (`device`, `session`, `prekey`, …).
        namespace: String,
        /// The key inside it.
        key: String,
        /// The value.
        value: Vec<u8>,
    },
    /// Removes `(namespace, key)` (nothing if absent).
    Delete {
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
    },
    /// Removes every key of `namespace`.
    ClearNamespace {
        /// The namespace.
        namespace: String,
    },
}

/// One session's persistent key space.
#[async_trait]
pub trait WebKeys: Send + Sync + 'static {
    /// The value of `(namespace, key)`.
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, KeyStoreError>;

    /// Every `(key, value)` of `namespace` whose key starts with `prefix` (`""`: all), in
    /// key order.
    async fn list(
        &self,
        namespace: &str,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError>;

    /// Applies `changes` in order, all or none (one transaction), fenced by the lease.
    async fn write(&self, changes: Vec<KeyChange>) -> Result<(), KeyStoreError>;

    /// Whether anything is stored (a paired session resumes without a QR code).
    async fn is_empty(&self) -> Result<bool, KeyStoreError>;
}

/// Keys in memory, for tests and the fake phone's own side.
#[derive(Debug, Default)]
pub struct MemoryKeys {
    entries: Mutex<BTreeMap<(String, String), Vec<u8>>>,
}

impl MemoryKeys {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), Vec<u8>>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl WebKeys for MemoryKeys {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(self
            .entries()
            .get(&(namespace.to_string(), key.to_string()))
            .cloned())
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError> {
        Ok(self
            .entries()
            .iter()
            .filter(|((ns, key), _)| ns == namespace && key.starts_with(prefix))
            .map(|((_, key), value)| (key.clone(), value.clone()))
            .collect())
    }

    async fn write(&self, changes: Vec<KeyChange>) -> Result<(), KeyStoreError> {
        let mut entries = self.entries();
        for change in changes {
            match change {
                KeyChange::Put {
                    namespace,
                    key,
                    value,
                } => {
                    entries.insert((namespace, key), value);
                }
                KeyChange::Delete { namespace, key } => {
                    entries.remove(&(namespace, key));
                }
                KeyChange::ClearNamespace { namespace } => {
                    entries.retain(|(ns, _), _| *ns != namespace);
                }
            }
        }
        Ok(())
    }

    async fn is_empty(&self) -> Result<bool, KeyStoreError> {
        Ok(self.entries().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(ns: &str, key: &str, value: &[u8]) -> KeyChange {
        KeyChange::Put {
            namespace: ns.into(),
            key: key.into(),
            value: value.to_vec(),
        }
    }

    #[tokio::test]
    async fn memory_keys_apply_changes_in_order() {
        let keys = MemoryKeys::new();
        assert!(keys.is_empty().await.expect("empty"));
        keys.write(vec![
            put("session", "a.1", b"x"),
            put("session", "a.2", b"y"),
            put("session", "b.1", b"z"),
            put("device", "", b"d"),
            KeyChange::Delete {
                namespace: "session".into(),
                key: "a.2".into(),
            },
        ])
        .await
        .expect("write");
        let listed = keys.list("session", "a.").await.expect("list");
        assert_eq!(listed, vec![("a.1".to_string(), b"x".to_vec())]);
        keys.write(vec![KeyChange::ClearNamespace {
            namespace: "session".into(),
        }])
        .await
        .expect("clear");
        assert!(keys.list("session", "").await.expect("list").is_empty());
        assert_eq!(
            keys.get("device", "").await.expect("get"),
            Some(b"d".to_vec())
        );
    }
}
