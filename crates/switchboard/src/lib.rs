//! The Switchboard server as a library: [`run`] starts the API and the workers on a given
//! listener and stops them when `shutdown` completes, so tests can bind port 0.

pub mod bootstrap;
pub mod config;
pub mod http_server;
pub mod secrets;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_server::{serve_until, ServeSettings};
use switchboard_api::auth::Authenticator;
use switchboard_api::limits::{KeyLimitSettings, KeyRates, StreamSlots};
use switchboard_api::metrics::Metrics;
use switchboard_api::{ApiSettings, AppState};
use switchboard_connectors::cloud::{CloudClient, ConnectorConfig};
use switchboard_connectors::Connectors;
use switchboard_connectors::RemoteWebDriver;
use switchboard_core::channel::ChannelKind;
use switchboard_core::stats::PriceTable;
use switchboard_emulator::{Emulator, EmulatorConfig};
use switchboard_service::bot::{self, BotWorkerSettings};
use switchboard_service::broadcasts::{self, BroadcastParts, BroadcastSettings, Broadcasts};
use switchboard_service::dispatch::{self, DispatchParts, DispatchSettings};
use switchboard_service::gateway::{Gateway, Outbox, SendSettings, Upstream};
use switchboard_service::media::sweeper::{self as media_sweeper, SweepParts};
use switchboard_service::media::{FsStorage, Media};
use switchboard_service::send::SendParts;
use switchboard_service::templates::{self, TemplateCache, TemplateParts, TemplateSettings};
use switchboard_service::web::{WebSessionSettings, WebSessions};
use switchboard_service::webhooks::{self, WebhookParts, WebhookSettings};
use switchboard_store::{Store, StoreError};
use switchboard_web_driver::WebDriver;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::Config;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The store could not be opened or failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The key of stored secrets could not be loaded.
    #[error(transparent)]
    Secrets(#[from] secrets::SecretsError),
    /// First-start work failed.
    #[error("first start: {0}")]
    Bootstrap(String),
    /// The listener failed.
    #[error("HTTP server: {0}")]
    Io(#[from] std::io::Error),
    /// The upstream HTTP client could not be built.
    #[error("upstream client: {0}")]
    Upstream(String),
}

/// Sandbox customers whose number ends with this are not on WhatsApp (Meta's 131026).
pub const SANDBOX_UNDELIVERABLE_SUFFIX: &str = "0404";

/// The address this server reaches itself at (an unspecified bind address becomes loopback).
pub fn local_url(bound: std::net::SocketAddr) -> String {
    let ip = if bound.ip().is_unspecified() {
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
    } else {
        bound.ip()
    };
    format!("http://{}", std::net::SocketAddr::new(ip, bound.port()))
}

/// A server ready to serve: the store is open and migrated, first-start work is done.
pub struct Server {
    config: Config,
    store: Arc<dyn Store>,
    admin_hash: String,
    /// What the first start created (to print once).
    pub bootstrap: bootstrap::Bootstrap,
}

impl Server {
    /// Opens the store, applies migrations and does first-start work.
    pub async fn prepare(config: Config) -> Result<Server, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            StartError::Bootstrap(format!(
                "cannot create data_dir {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let media_dir = config.data_dir.join("media");
        std::fs::create_dir_all(&media_dir).map_err(|e| {
            StartError::Bootstrap(format!("cannot create {}: {e}", media_dir.display()))
        })?;
        let keys = secrets::load(&config)?;
        secrets::announce(&keys);
        let store = switchboard_store::open(&config.database_url(), keys.keyring).await?;
        let (admin_hash, generated_admin) =
            bootstrap::admin_key_hash(store.as_ref(), config.admin_key()).await?;
        let default_account = if config.bootstrap {
            bootstrap::default_account(store.as_ref()).await?
        } else {
            None
        };
        Ok(Server {
            config,
            store,
            admin_hash,
            bootstrap: bootstrap::Bootstrap {
                admin_key: generated_admin,
                default_account,
            },
        })
    }

    /// The store.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Serves on `listener` until `shutdown` completes, then lets in-flight requests finish
    /// (bounded by `http.shutdown_grace_seconds`) and closes the store.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let bound = listener.local_addr()?;
        let urls = Urls::new(&self.config, bound);
        let sandbox = self.sandbox(&urls).await?;
        let gateway = self.services(&urls, sandbox.as_ref())?;
        let state = self.app_state(&urls, gateway.clone(), sandbox.clone());
        let console = switchboard_console::ConsoleSettings::from(&self.config.console);
        let app = router(state, sandbox.as_ref(), console);
        let workers = CancellationToken::new();
        let background = self.spawn_workers(&gateway, &workers).await?;
        tracing::info!(address = %bound, store = self.store.backend(), sandbox = sandbox.is_some(), "Switchboard is listening");
        let grace = Duration::from_secs(self.config.http.shutdown_grace_seconds);
        let settings = ServeSettings {
            header_timeout: Duration::from_millis(self.config.http.header_timeout_ms),
            grace,
        };
        serve_until(listener, app, shutdown, settings).await;
        drain(workers, background, grace).await;
        self.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }

    /// The built-in sandbox (the emulator mounted under `/sandbox`) when enabled, with every
    /// sandbox channel registered.
    async fn sandbox(&self, urls: &Urls) -> Result<Option<Emulator>, StartError> {
        if !self.config.sandbox.enabled {
            return Ok(None);
        }
        let emulator = Emulator::new(EmulatorConfig {
            seed: self.config.sandbox.seed,
            public_base_url: Some(urls.sandbox.clone()),
            // Customers whose number ends in 0404 are "not on WhatsApp" (131026). The
            // emulator's own default (0000) would catch common example numbers such as
            // 15551230000, which sandbox users write from.
            undeliverable_suffix: Some(SANDBOX_UNDELIVERABLE_SUFFIX.to_string()),
            // Switchboard refuses free-form messages outside the window before sending
            // (from its durable store); the emulator's window memory is lost on restart,
            // and would then fail replies to customers who wrote before it.
            enforce_window: false,
            webhook_lanes: self.config.sandbox.webhook_lanes,
            max_statuses_per_webhook: self.config.sandbox.statuses_per_webhook,
            web_qr_first_ms: self.config.sandbox.web_qr_first_ms,
            web_qr_next_ms: self.config.sandbox.web_qr_next_ms,
            web_reconnect_ms: self.config.sandbox.web_reconnect_ms,
            ..EmulatorConfig::default()
        });
        for channel in self.store.all_channels().await? {
            if channel.kind == ChannelKind::Sandbox || channel.settings.sandbox_flag() {
                switchboard_api::routes::sandbox::register_channel(
                    &emulator,
                    &urls.local,
                    &channel,
                );
            }
        }
        Ok(Some(emulator))
    }

    /// The services' parts: the upstream, the outbox, media, caches and settings.
    fn services(&self, urls: &Urls, sandbox: Option<&Emulator>) -> Result<Gateway, StartError> {
        let config = &self.config;
        let cloud = CloudClient::new(ConnectorConfig {
            request_timeout: Duration::from_millis(config.upstream.request_timeout_ms),
            ..ConnectorConfig::default()
        })
        .map_err(|e| StartError::Upstream(e.to_string()))?;
        let media_dir = config.data_dir.join("media");
        let storage = FsStorage::new(&media_dir).map_err(|e| {
            StartError::Bootstrap(format!(
                "cannot open the media folder {}: {e}",
                media_dir.display()
            ))
        })?;
        let media = Media::new(Arc::new(storage), config.media_settings(&urls.public))
            .map_err(|e| StartError::Upstream(format!("media fetch client: {e}")))?;
        let pricing = PriceTable::new(config.pricing.currency.trim(), &config.pricing.categories)
            .map_err(|e| StartError::Bootstrap(format!("pricing: {e}")))?;
        Ok(Gateway {
            store: self.store.clone(),
            upstream: Upstream::new(Arc::new(Connectors::new(cloud, urls.sandbox.clone()))),
            outbox: Outbox::new(self.store.clone()),
            webhook_wake: Arc::new(tokio::sync::Notify::new()),
            templates: Arc::new(TemplateCache::new(
                Duration::from_millis(config.templates.cache_ttl_ms),
                Duration::from_millis(config.templates.miss_sync_interval_ms),
            )),
            media,
            settings: SendSettings::from(&config.scheduling),
            broadcasts: Broadcasts::new(BroadcastSettings::from(config)),
            pricing: Arc::new(pricing),
            import_dir: config.data_dir.join("imports"),
            web: WebSessions::new(
                upstream_web_driver(),
                self.sandbox_web_driver(urls, sandbox),
                WebSessionSettings::from(&config.web),
            ),
        })
    }

    /// The driver of sandbox `web` channels: the fake phone of the mounted emulator, or of
    /// the emulator at `sandbox.web_emulator_url` (one shared by several nodes), reached over
    /// its WebSocket bridge like a real upstream.
    fn sandbox_web_driver(
        &self,
        urls: &Urls,
        sandbox: Option<&Emulator>,
    ) -> Option<Arc<dyn WebDriver>> {
        let external = self.config.sandbox.web_emulator_url.trim();
        let base = if !external.is_empty() {
            external.to_string()
        } else if sandbox.is_some() {
            urls.sandbox.clone()
        } else {
            return None;
        };
        Some(Arc::new(RemoteWebDriver::new(base)))
    }

    /// What every handler gets.
    fn app_state(&self, urls: &Urls, gateway: Gateway, sandbox: Option<Emulator>) -> AppState {
        let limits = KeyLimitSettings::from(&self.config.http);
        AppState {
            auth: Arc::new(Authenticator::new(
                self.store.clone(),
                self.admin_hash.clone(),
                KeyRates::new(limits),
            )),
            streams: Arc::new(StreamSlots::new(limits.streams)),
            metrics: Arc::new(Metrics::new()),
            settings: Arc::new(ApiSettings {
                body_limit: self.config.http.body_limit_bytes,
                body_timeout: Duration::from_millis(self.config.http.body_timeout_ms),
                public_url: urls.public.clone(),
                public_url_configured: !self.config.public_url.trim().is_empty(),
                local_url: urls.local.clone(),
                allow_private_targets: self.config.allow_private_targets,
            }),
            gateway,
            sandbox,
        }
    }

    /// Starts the background workers this node runs, each with the parts it uses, and
    /// resumes unfinished contact imports.
    async fn spawn_workers(
        &self,
        gateway: &Gateway,
        workers: &CancellationToken,
    ) -> Result<Vec<JoinHandle<()>>, StartError> {
        let config = &self.config;
        let mut background = Vec::new();
        if config.webhooks.enabled {
            let settings = WebhookSettings::from(config);
            let parts = WebhookParts::from(gateway);
            background.push(webhooks::fanout::spawn(
                parts.clone(),
                settings.clone(),
                workers.clone(),
            ));
            background.push(
                webhooks::deliver::spawn(parts, settings, workers.clone())
                    .map_err(|e| StartError::Upstream(format!("webhook client: {e}")))?,
            );
        }
        if config.templates.sync_enabled {
            background.push(templates::worker::spawn(
                TemplateParts::from(gateway),
                TemplateSettings::from(&config.templates),
                workers.clone(),
            ));
        }
        let sweep = SweepParts {
            store: gateway.store.clone(),
            media: gateway.media.clone(),
        };
        background.push(media_sweeper::spawn(sweep, workers.clone()));
        match switchboard_service::contacts::import::resume(gateway.store.clone()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "resuming contact imports"),
            Err(e) => tracing::warn!(error = %e, "cannot list running contact imports"),
        }
        if config.bot.enabled {
            background.push(bot::worker::spawn(
                SendParts::from(gateway),
                BotWorkerSettings::from(&config.bot),
                workers.clone(),
            ));
        } else {
            tracing::info!("bot worker disabled on this node (bot.enabled = false)");
        }
        if config.broadcasts.enabled {
            let parts = BroadcastParts::from(gateway);
            background.push(broadcasts::feeder::spawn(parts.clone(), workers.clone()));
            background.push(broadcasts::tracker::spawn(parts, workers.clone()));
        } else {
            tracing::info!("broadcast workers disabled on this node (broadcasts.enabled = false)");
        }
        // Telegram bots with `inbound: "polling"`: idle without such channels; one node polls
        // each bot at a time (a lease in the store).
        background.push(switchboard_service::telegram::polling::spawn(
            switchboard_service::media::inbound::InboundParts::from(gateway),
            switchboard_service::telegram::polling::PollSettings::default(),
            workers.clone(),
        ));
        // WhatsApp Web sessions: resumes the ones that were working, runs the started ones.
        if config.web.enabled {
            background.push(switchboard_service::web::manager::spawn(
                switchboard_service::web::manager::ManagerParts {
                    inbound: switchboard_service::media::inbound::InboundParts::from(gateway),
                    sessions: gateway.web.clone(),
                },
                workers.clone(),
            ));
        } else {
            tracing::info!(
                "WhatsApp Web session manager disabled on this node (web.enabled = false)"
            );
        }
        // The dispatcher last: it is the last to stop too.
        if config.dispatch.enabled {
            background.push(dispatch::spawn(
                DispatchParts::from(gateway),
                DispatchSettings::from(config),
                workers.clone(),
            ));
        } else {
            tracing::info!("dispatcher disabled on this node (dispatch.enabled = false)");
        }
        Ok(background)
    }
}

/// The driver of real WhatsApp Web sessions: the `whatsapp-rust` adapter, in builds with the
/// `whatsapp-web` feature (on by default).
#[cfg(feature = "whatsapp-web")]
fn upstream_web_driver() -> Option<Arc<dyn WebDriver>> {
    Some(switchboard_waweb::driver())
}

/// A build without the `whatsapp-web` feature runs sandbox web channels only.
#[cfg(not(feature = "whatsapp-web"))]
fn upstream_web_driver() -> Option<Arc<dyn WebDriver>> {
    None
}

/// The addresses the server is known by.
struct Urls {
    /// Where clients reach it.
    public: String,
    /// Where it reaches itself.
    local: String,
    /// Where the sandbox emulator is mounted.
    sandbox: String,
}

impl Urls {
    fn new(config: &Config, bound: std::net::SocketAddr) -> Self {
        let local = local_url(bound);
        Self {
            public: config.public_url(bound),
            sandbox: format!("{local}/sandbox"),
            local,
        }
    }
}

/// The HTTP application: the API and the console (`/` redirects to it), with the sandbox
/// mounted when there is one.
fn router(
    state: AppState,
    sandbox: Option<&Emulator>,
    console: switchboard_console::ConsoleSettings,
) -> axum::Router {
    let mut routes = switchboard_api::router(state.clone())
        .nest_service(
            switchboard_console::BASE,
            switchboard_console::router(state.clone(), console),
        )
        .route(
            "/",
            axum::routing::get(|| async {
                axum::response::Redirect::to(switchboard_console::BASE)
            }),
        );
    if let Some(emulator) = sandbox {
        routes = routes.nest_service("/sandbox", emulator.router());
    }
    switchboard_api::finish(routes, state)
}

/// Stops the workers and waits for each (in start order, the dispatcher last) within `grace`.
async fn drain(workers: CancellationToken, background: Vec<JoinHandle<()>>, grace: Duration) {
    workers.cancel();
    for worker in background {
        if tokio::time::timeout(grace, worker).await.is_err() {
            tracing::warn!("a worker did not stop within the grace period; unfinished work resumes at next start");
        }
    }
}

/// Prepares and serves: the whole server in one call.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let server = Server::prepare(config).await?;
    let public_url = server.config.public_url(listener.local_addr()?);
    let link = bootstrap::console_link(server.store.as_ref(), &server.bootstrap, &public_url).await;
    bootstrap::print(&server.bootstrap, &public_url, link.as_deref());
    server.serve(listener, shutdown).await
}
