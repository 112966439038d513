//! The per-channel cache of template definitions and statuses used by the send check, so a
//! template send costs no database read. Every local change (create, delete, sync, status
//! webhook) invalidates the channel's entry; entries also expire after a TTL so changes
//! made by other nodes show up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use switchboard_core::id::ChannelId;
use switchboard_core::template_def::{TemplateDefinition, TemplateStatus};
use switchboard_store::{Store, StoreResult};

/// A channel's templates as the send check needs them.
pub type ChannelTemplates = Arc<Vec<(TemplateDefinition, TemplateStatus)>>;

struct Entry {
    templates: ChannelTemplates,
    loaded: Instant,
}

/// The outcome of the last sync caused by a send naming an unknown template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissSync {
    /// The sync ran (now or recently) and succeeded.
    Synced,
    /// The sync ran (now or recently) and the upstream could not be reached.
    Failed,
}

/// When a channel's last miss-caused sync ran and how it went, behind the lock that makes
/// concurrent senders wait for one sync.
type MissLock = Arc<tokio::sync::Mutex<Option<(Instant, MissSync)>>>;

/// The cache. Cheap to share behind an `Arc`.
pub struct TemplateCache {
    ttl: Duration,
    miss_interval: Duration,
    entries: RwLock<HashMap<ChannelId, Entry>>,
    generation: AtomicU64,
    miss_locks: Mutex<HashMap<ChannelId, MissLock>>,
}

impl TemplateCache {
    /// A cache whose entries live `ttl`, allowing one miss-caused sync per channel per
    /// `miss_interval`.
    pub fn new(ttl: Duration, miss_interval: Duration) -> Self {
        Self {
            ttl,
            miss_interval,
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            miss_locks: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets the channel's templates (call after any change to them).
    pub fn invalidate(&self, channel: ChannelId) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        map.remove(&channel);
    }

    /// The channel's templates, from the cache or else from the store.
    pub async fn get(
        &self,
        store: &dyn Store,
        channel: ChannelId,
    ) -> StoreResult<ChannelTemplates> {
        {
            let map = self.entries.read().unwrap_or_else(|e| e.into_inner());
            if let Some(e) = map.get(&channel) {
                if e.loaded.elapsed() < self.ttl {
                    return Ok(e.templates.clone());
                }
            }
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let rows = store.channel_templates(channel).await?;
        let templates: ChannelTemplates =
            Arc::new(rows.into_iter().map(|t| (t.definition, t.status)).collect());
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        // Keep what was read only if nothing was invalidated meanwhile.
        if self.generation.load(Ordering::SeqCst) == generation {
            map.insert(
                channel,
                Entry {
                    templates: templates.clone(),
                    loaded: Instant::now(),
                },
            );
        }
        Ok(templates)
    }

    /// Runs `sync` for the channel unless a miss-caused sync ran less than the miss interval
    /// ago, in which case that one's outcome is returned. Concurrent callers wait for one
    /// sync instead of starting their own.
    pub async fn sync_on_miss<F, Fut>(&self, channel: ChannelId, sync: F) -> MissSync
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let lock = {
            let mut locks = self.miss_locks.lock().unwrap_or_else(|e| e.into_inner());
            locks.entry(channel).or_default().clone()
        };
        let mut last = lock.lock().await;
        if let Some((at, outcome)) = *last {
            if at.elapsed() < self.miss_interval {
                return outcome;
            }
        }
        let outcome = if sync().await {
            MissSync::Synced
        } else {
            MissSync::Failed
        };
        *last = Some((Instant::now(), outcome));
        outcome
    }
}

impl Default for TemplateCache {
    fn default() -> Self {
        Self::new(Duration::from_secs(5), Duration::from_secs(10))
    }
}
