//! Rows kept decoded in memory so that the accept path does not read them again: a send
//! names its channel and its recipient, and reading the channel (decoded, its secrets
//! opened) and the recipient's window were two reader jobs of their own before the write.
//!
//! Every change of a cached row goes through this store, which forgets it once the change
//! committed; a generation counter keeps a read that began before a change from putting its
//! older copy back. An entry also expires after [`TTL`], for what another process may have
//! written to the same file.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long a cached row is used without reading it again.
const TTL: Duration = Duration::from_secs(5);
/// Entries kept before the cache is cleared.
const MAX: usize = 100_000;

/// The cache; see the module documentation.
pub(crate) struct ReadCache<K, V> {
    entries: RwLock<HashMap<K, (V, Instant)>>,
    generation: AtomicU64,
}

impl<K, V> Default for ReadCache<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    /// The cached value of `key`, if fresh.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.read().ok()?;
        let (value, at) = entries.get(key)?;
        (at.elapsed() < TTL).then(|| value.clone())
    }

    /// The generation to pass to [`ReadCache::put`] for a read starting now.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `value`, read when the generation was `generation`, unless a change happened
    /// since.
    pub(crate) fn put(&self, key: K, value: V, generation: u64) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MAX {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// Forgets `key` (after it changed).
    pub(crate) fn forget(&self, key: &K) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.remove(key);
        }
    }

    /// Forgets everything (after a change that may touch any entry).
    pub(crate) fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_began_before_a_change_does_not_put_its_copy_back() {
        let cache: ReadCache<u32, &str> = ReadCache::default();
        let before = cache.generation();
        cache.forget(&1);
        cache.put(1, "old", before);
        assert_eq!(cache.get(&1), None);
        cache.put(1, "new", cache.generation());
        assert_eq!(cache.get(&1), Some("new"));
        cache.put(2, "other", cache.generation());
        cache.forget(&1);
        assert_eq!(cache.get(&1), None);
        assert_eq!(cache.get(&2), Some("other"));
        cache.forget_all();
        assert_eq!(cache.get(&2), None);
    }
}
