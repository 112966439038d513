//! Message templates per channel: management (create with local validation first, list,
//! get, delete), sync with the upstream (on demand, by a background worker, and once on a
//! send that names a template unknown locally), and the synchronous check of template
//! sends against an in-memory cache of each channel's templates.

pub mod cache;
pub mod check;
pub mod manage;
pub mod sync;
pub mod worker;

pub use cache::TemplateCache;

/// What syncing templates works with (the sync worker, and sends naming an unknown template).
#[derive(Clone)]
pub struct TemplateParts {
    /// The store.
    pub store: std::sync::Arc<dyn switchboard_store::Store>,
    /// The upstreams the templates are listed from.
    pub upstream: crate::upstream::Upstream,
    /// The send check's cache, invalidated after each sync.
    pub templates: std::sync::Arc<TemplateCache>,
}

impl From<&crate::gateway::Gateway> for TemplateParts {
    fn from(g: &crate::gateway::Gateway) -> Self {
        Self {
            store: g.store.clone(),
            upstream: g.upstream.clone(),
            templates: g.templates.clone(),
        }
    }
}

/// Settings of the template services and the sync worker.
#[derive(Debug, Clone)]
pub struct TemplateSettings {
    /// How often the worker syncs the channels that have non-final (PENDING, IN_APPEAL)
    /// templates.
    pub sync_interval_ms: u64,
    /// How often the worker syncs every channel (0 = never).
    pub full_sync_interval_ms: u64,
    /// Least time between two syncs of one channel caused by sends naming an unknown
    /// template.
    pub miss_sync_interval_ms: u64,
    /// How long a channel's cached templates are trusted before they are read again (other
    /// nodes' changes show up after at most this long; this node's own changes at once).
    pub cache_ttl_ms: u64,
}

impl Default for TemplateSettings {
    fn default() -> Self {
        Self {
            sync_interval_ms: 30_000,
            full_sync_interval_ms: 3_600_000,
            miss_sync_interval_ms: 10_000,
            cache_ttl_ms: 5_000,
        }
    }
}
