//! The key store a bridged session's driver gets: every operation travels to the client as a
//! `keys.*` frame and waits for its `keys.answer`, so the keys live in the client's store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use switchboard_web_driver::wire::{KeysValue, Outcome, ServerFrame, WireKeyError};
use switchboard_web_driver::{KeyChange, KeyStoreError, WebKeys};
use tokio::sync::{mpsc, oneshot};

/// How long a key operation waits for the client's answer.
const KEY_TIMEOUT: Duration = Duration::from_secs(30);

/// What a key request waits for.
type KeyReply = oneshot::Sender<Outcome<KeysValue, WireKeyError>>;

/// The key requests waiting for their answer, by id.
#[derive(Clone, Default)]
pub(super) struct PendingKeys(Arc<Mutex<HashMap<u64, KeyReply>>>);

impl PendingKeys {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, KeyReply>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands the client's answer to the request `id` (an unknown id is ignored: it timed out).
    pub(super) fn answer(&self, id: u64, result: Outcome<KeysValue, WireKeyError>) {
        if let Some(reply) = self.lock().remove(&id) {
            let _ = reply.send(result);
        }
    }

    /// Forgets every waiting request (the socket closed): they fail as unavailable.
    pub(super) fn clear(&self) {
        self.lock().clear();
    }
}

/// The driver's [`WebKeys`], proxied to the client.
pub(super) struct ProxyKeys {
    frames: mpsc::Sender<ServerFrame>,
    pending: PendingKeys,
    next_id: AtomicU64,
}

impl ProxyKeys {
    /// Keys whose requests go out through `frames` and whose answers arrive in `pending`.
    pub(super) fn new(frames: mpsc::Sender<ServerFrame>, pending: PendingKeys) -> Self {
        Self {
            frames,
            pending,
            next_id: AtomicU64::new(1),
        }
    }

    async fn ask(
        &self,
        frame: impl FnOnce(u64) -> ServerFrame,
    ) -> Result<KeysValue, KeyStoreError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        self.pending.lock().insert(id, reply);
        let gone = || KeyStoreError::Unavailable("the bridge's client is gone".into());
        if self.frames.send(frame(id)).await.is_err() {
            self.pending.lock().remove(&id);
            return Err(gone());
        }
        match tokio::time::timeout(KEY_TIMEOUT, answer).await {
            Ok(Ok(outcome)) => Result::from(outcome).map_err(KeyStoreError::from),
            Ok(Err(_)) => Err(gone()),
            Err(_) => {
                self.pending.lock().remove(&id);
                Err(KeyStoreError::Unavailable(
                    "the bridge's client did not answer a key request in time".into(),
                ))
            }
        }
    }
}

fn unexpected(value: &KeysValue) -> KeyStoreError {
    KeyStoreError::Unavailable(format!(
        "the bridge's client answered a key request with the wrong kind of value ({value:?})"
    ))
}

#[async_trait]
impl WebKeys for ProxyKeys {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        match self
            .ask(|id| ServerFrame::KeysGet {
                id,
                namespace: namespace.to_string(),
                key: key.to_string(),
            })
            .await?
        {
            KeysValue::Value(value) => Ok(value.map(Into::into)),
            other => Err(unexpected(&other)),
        }
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, KeyStoreError> {
        match self
            .ask(|id| ServerFrame::KeysList {
                id,
                namespace: namespace.to_string(),
                prefix: prefix.to_string(),
            })
            .await?
        {
            KeysValue::Entries(entries) => Ok(entries
                .into_iter()
                .map(|(key, value)| (key, value.into()))
                .collect()),
            other => Err(unexpected(&other)),
        }
    }

    async fn write(&self, changes: Vec<KeyChange>) -> Result<(), KeyStoreError> {
        let changes = changes.into_iter().map(Into::into).collect();
        match self
            .ask(|id| ServerFrame::KeysWrite { id, changes })
            .await?
        {
            KeysValue::Written => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    async fn is_empty(&self) -> Result<bool, KeyStoreError> {
        match self.ask(|id| ServerFrame::KeysIsEmpty { id }).await? {
            KeysValue::Empty(empty) => Ok(empty),
            other => Err(unexpected(&other)),
        }
    }
}
