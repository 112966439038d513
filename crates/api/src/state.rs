//! State shared by every handler.

use std::sync::Arc;

use switchboard_emulator::Emulator;
use switchboard_service::gateway::Gateway;
use switchboard_store::Store;

use crate::auth::Authenticator;
use crate::metrics::Metrics;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Base URL clients use to reach this server (for URLs in answers).
    pub public_url: String,
    /// Base URL at which this server reaches itself (sandbox webhooks).
    pub local_url: String,
    /// Whether webhook subscriptions may target private, loopback and link-local addresses.
    pub allow_private_targets: bool,
}

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Credential verification.
    pub auth: Arc<Authenticator>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// HTTP settings.
    pub settings: Arc<ApiSettings>,
    /// Services: store, connectors, dispatcher wake-up.
    pub gateway: Gateway,
    /// The built-in sandbox (the emulator mounted under `/sandbox`), when enabled.
    pub sandbox: Option<Emulator>,
}
