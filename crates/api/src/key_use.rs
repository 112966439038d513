//! A key's last-used time, recorded without a write per request: [`KeyUse`] remembers when
//! this node last recorded each key and records it again only once [`EVERY_MS`] has passed,
//! in a task of its own, so the request that used the key never waits for the write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_core::id::KeyId;
use switchboard_core::time::{now_millis, Millis};
use switchboard_store::Store;

/// A key's use is recorded at most this often per node.
pub const EVERY_MS: Millis = 60_000;
/// Keys remembered before the memory is cleared (each is then recorded once more).
const REMEMBERED: usize = 10_000;

/// When this node last recorded each key's use.
#[derive(Default)]
pub struct KeyUse {
    recorded: Mutex<HashMap<KeyId, Millis>>,
}

impl KeyUse {
    /// Whether a use of `key` at `now` is to be recorded (and, if so, remembers it).
    pub fn due(&self, key: KeyId, now: Millis) -> bool {
        let mut recorded = match self.recorded.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        match recorded.get(&key) {
            Some(at) if now - at < EVERY_MS => false,
            _ => {
                if recorded.len() >= REMEMBERED {
                    recorded.clear();
                }
                recorded.insert(key, now);
                true
            }
        }
    }

    /// Notes a use of `key` now: when due, records it in the store from a task of its own.
    pub fn note(&self, store: &Arc<dyn Store>, key: KeyId) {
        let now = now_millis();
        if !self.due(key, now) {
            return;
        }
        let store = store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.record_key_use(key, now).await {
                tracing::warn!(key_id = %key, error = %e, "recording a key's last use failed");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_recorded_once_a_minute() {
        let uses = KeyUse::default();
        let (a, b) = (KeyId::new(), KeyId::new());
        assert!(uses.due(a, 1_000));
        assert!(!uses.due(a, 1_001));
        assert!(!uses.due(a, 1_000 + EVERY_MS - 1));
        assert!(uses.due(b, 1_002), "each key on its own");
        assert!(uses.due(a, 1_000 + EVERY_MS));
        assert!(!uses.due(a, 1_000 + EVERY_MS + 5));
    }
}
