//! State shared by every handler.

use std::sync::Arc;

use switchboard_emulator::Emulator;
use switchboard_service::gateway::Gateway;
use switchboard_store::Store;

use crate::auth::Authenticator;
use crate::limits::StreamSlots;
use crate::metrics::Metrics;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest stall of a request body between two chunks.
    pub body_timeout: std::time::Duration,
    /// Base URL clients use to reach this server (for URLs in answers).
    pub public_url: String,
    /// Whether `public_url` was configured (else it is the bound address, which an upstream
    /// such as Telegram cannot be told to call).
    pub public_url_configured: bool,
    /// Base URL at which this server reaches itself (sandbox webhooks).
    pub local_url: String,
    /// Whether webhook subscriptions may target private, loopback and link-local addresses.
    pub allow_private_targets: bool,
}

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    /// Credential verification.
    pub auth: Arc<Authenticator>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// HTTP settings.
    pub settings: Arc<ApiSettings>,
    /// The event streams each key holds open on this node.
    pub streams: Arc<StreamSlots>,
    /// The services' parts: store, upstream, outbox, media, settings.
    pub gateway: Gateway,
    /// The built-in sandbox (the emulator mounted under `/sandbox`), when enabled.
    pub sandbox: Option<Emulator>,
}

impl AppState {
    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.gateway.store
    }
}
