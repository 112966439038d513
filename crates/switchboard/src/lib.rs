//! The Switchboard server as a library: [`run`] starts the API and the workers on a given
//! listener and stops them when `shutdown` completes, so tests can bind port 0.

pub mod bootstrap;
pub mod config;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use switchboard_api::auth::Authenticator;
use switchboard_api::metrics::Metrics;
use switchboard_api::{ApiSettings, AppState};
use switchboard_connectors::cloud::{CloudConnector, ConnectorConfig};
use switchboard_core::channel::ChannelKind;
use switchboard_core::schedule::ScheduleRules;
use switchboard_core::stats::PriceTable;
use switchboard_emulator::{Emulator, EmulatorConfig};
use switchboard_service::bot::{self, BotWorkerSettings};
use switchboard_service::broadcasts::{self, BroadcastSettings};
use switchboard_service::dispatch::{self, DispatchSettings};
use switchboard_service::gateway::{Gateway, NextDue, SendSettings};
use switchboard_service::limits::LimitSettings;
use switchboard_service::media::sweeper as media_sweeper;
use switchboard_service::media::{FsStorage, Media, MediaSettings};
use switchboard_service::templates::{self, TemplateCache, TemplateSettings};
use switchboard_service::webhooks::{self, WebhookSettings};
use switchboard_store::{Store, StoreError};
use tokio::net::TcpListener;
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

fn dispatch_settings(config: &Config) -> DispatchSettings {
    let d = &config.dispatch;
    DispatchSettings {
        concurrency: d.concurrency,
        lease_ms: d.lease_ms,
        max_attempts: d.max_attempts,
        retry_base_ms: d.retry_base_ms,
        retry_max_ms: d.retry_max_ms,
        limits: LimitSettings {
            channel_mps: d.channel_mps,
            pair_burst: d.pair_burst,
            pair_per_second: 1000.0 / d.pair_interval_ms as f64,
        },
        // Media upload and the send share the lease: the upload gets what the send's own
        // timeout and a second of margin leave (validation keeps it at least a second).
        media_budget_ms: (d.lease_ms as u64)
            .saturating_sub(config.upstream.request_timeout_ms)
            .saturating_sub(1_000)
            .max(1_000),
        ..DispatchSettings::default()
    }
}

fn broadcast_settings(config: &Config) -> BroadcastSettings {
    let b = &config.broadcasts;
    // The window never exceeds what the channel may send in a few seconds.
    let cap = (config.dispatch.channel_mps * 3.0).ceil().max(1.0) as u32;
    BroadcastSettings {
        window: b.window.min(cap).max(1),
        credits_per_target: b.credits_per_target,
        materialize_batch: b.materialize_batch,
        poll_ms: b.poll_ms,
        progress_interval_ms: b.progress_interval_ms as i64,
        tracker_batch: b.tracker_batch,
        spool_dir: config.data_dir.join("broadcasts"),
        upload_limit_bytes: b.upload_limit_bytes,
    }
}

fn template_settings(config: &Config) -> TemplateSettings {
    let t = &config.templates;
    TemplateSettings {
        sync_interval_ms: t.sync_interval_ms,
        full_sync_interval_ms: t.full_sync_interval_ms,
        miss_sync_interval_ms: t.miss_sync_interval_ms,
        cache_ttl_ms: t.cache_ttl_ms,
    }
}

fn webhook_settings(config: &Config) -> WebhookSettings {
    let w = &config.webhooks;
    WebhookSettings {
        allow_private_targets: config.allow_private_targets,
        request_timeout_ms: w.request_timeout_ms,
        concurrency: w.concurrency,
        per_endpoint_concurrency: w.per_endpoint_concurrency,
        retry_schedule_ms: w.retry_schedule_ms.clone(),
        max_age_ms: (w.max_age_hours as i64).saturating_mul(3_600_000),
        disable_after_ms: (w.disable_after_hours as i64).saturating_mul(3_600_000),
        poll_ms: w.poll_ms,
        ..WebhookSettings::default()
    }
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
        let store = switchboard_store::open(&config.database_url()).await?;
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
        let public_url = self.config.public_url(bound);
        let local_url = local_url(bound);
        let sandbox_base_url = format!("{local_url}/sandbox");
        let connector = CloudConnector::new(ConnectorConfig {
            request_timeout: Duration::from_millis(self.config.upstream.request_timeout_ms),
            ..ConnectorConfig::default()
        })
        .map_err(|e| StartError::Upstream(e.to_string()))?;
        let sandbox = if self.config.sandbox.enabled {
            let emulator = Emulator::new(EmulatorConfig {
                seed: self.config.sandbox.seed,
                public_base_url: Some(sandbox_base_url.clone()),
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
                ..EmulatorConfig::default()
            });
            for channel in self.store.all_channels().await? {
                if channel.kind == ChannelKind::Sandbox {
                    switchboard_api::routes::sandbox::register_channel(
                        &emulator, &local_url, &channel,
                    );
                }
            }
            Some(emulator)
        } else {
            None
        };
        let media_settings = MediaSettings {
            expiry_ms: (self.config.media.expiry_days * 86_400_000.0) as i64,
            sweep_interval_ms: self.config.media.sweep_interval_ms,
            json_body_limit: self.config.media.json_body_limit_bytes,
            fetch_timeout: Duration::from_secs(self.config.media.fetch_timeout_seconds),
            inbound_timeout: Duration::from_secs(self.config.media.inbound_timeout_seconds),
            allow_private_targets: self.config.allow_private_targets,
            public_url: public_url.clone(),
        };
        let storage = FsStorage::new(self.config.data_dir.join("media")).map_err(|e| {
            StartError::Bootstrap(format!(
                "cannot open the media folder {}: {e}",
                self.config.data_dir.join("media").display()
            ))
        })?;
        let media = Media::new(Arc::new(storage), media_settings)
            .map_err(|e| StartError::Upstream(format!("media fetch client: {e}")))?;
        let gateway = Gateway {
            store: self.store.clone(),
            cloud: Arc::new(connector),
            sandbox_base_url,
            wake: Arc::new(tokio::sync::Notify::new()),
            webhook_wake: Arc::new(tokio::sync::Notify::new()),
            templates: Arc::new(TemplateCache::new(
                Duration::from_millis(self.config.templates.cache_ttl_ms),
                Duration::from_millis(self.config.templates.miss_sync_interval_ms),
            )),
            media,
            settings: SendSettings {
                schedule: ScheduleRules {
                    past_tolerance_ms: (self.config.scheduling.past_tolerance_seconds as i64)
                        .saturating_mul(1000),
                    max_ahead_ms: (self.config.scheduling.max_ahead_days as i64)
                        .saturating_mul(24 * 60 * 60 * 1000),
                },
                ..SendSettings::default()
            },
            next_scheduled: Arc::new(NextDue::default()),
            broadcasts: broadcast_settings(&self.config),
            broadcast_wake: Arc::new(tokio::sync::Notify::new()),
            pricing: Arc::new(
                PriceTable::new(
                    self.config.pricing.currency.trim(),
                    &self.config.pricing.categories,
                )
                .map_err(|e| StartError::Bootstrap(format!("pricing: {e}")))?,
            ),
            import_dir: self.config.data_dir.join("imports"),
        };
        let state = AppState {
            store: self.store.clone(),
            auth: Arc::new(Authenticator::new(
                self.store.clone(),
                self.admin_hash.clone(),
            )),
            metrics: Arc::new(Metrics::new()),
            settings: Arc::new(ApiSettings {
                body_limit: self.config.http.body_limit_bytes,
                public_url: public_url.clone(),
                local_url: local_url.clone(),
                allow_private_targets: self.config.allow_private_targets,
            }),
            gateway: gateway.clone(),
            sandbox: sandbox.clone(),
        };
        let mut routes = switchboard_api::router(state.clone());
        if let Some(emulator) = &sandbox {
            routes = routes.nest_service("/sandbox", emulator.router());
        }
        let app = switchboard_api::finish(routes, state);

        let workers = CancellationToken::new();
        let mut background = Vec::new();
        if self.config.webhooks.enabled {
            let settings = webhook_settings(&self.config);
            background.push(webhooks::fanout::spawn(
                gateway.clone(),
                settings.clone(),
                workers.clone(),
            ));
            background.push(
                webhooks::deliver::spawn(gateway.clone(), settings, workers.clone())
                    .map_err(|e| StartError::Upstream(format!("webhook client: {e}")))?,
            );
        }
        if self.config.templates.sync_enabled {
            background.push(templates::worker::spawn(
                gateway.clone(),
                template_settings(&self.config),
                workers.clone(),
            ));
        }
        background.push(media_sweeper::spawn(gateway.clone(), workers.clone()));
        match switchboard_service::contacts::import::resume(gateway.store.clone()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "resuming contact imports"),
            Err(e) => tracing::warn!(error = %e, "cannot list running contact imports"),
        }
        if self.config.bot.enabled {
            background.push(bot::worker::spawn(
                gateway.clone(),
                BotWorkerSettings {
                    poll_ms: self.config.bot.poll_ms,
                    batch: self.config.bot.batch,
                },
                workers.clone(),
            ));
        } else {
            tracing::info!("bot worker disabled on this node (bot.enabled = false)");
        }
        if self.config.broadcasts.enabled {
            background.push(broadcasts::feeder::spawn(gateway.clone(), workers.clone()));
            background.push(broadcasts::tracker::spawn(gateway.clone(), workers.clone()));
        } else {
            tracing::info!("broadcast workers disabled on this node (broadcasts.enabled = false)");
        }
        let dispatcher = if self.config.dispatch.enabled {
            Some(dispatch::spawn(
                gateway,
                dispatch_settings(&self.config),
                workers.clone(),
            ))
        } else {
            tracing::info!("dispatcher disabled on this node (dispatch.enabled = false)");
            None
        };
        tracing::info!(address = %bound, store = self.store.backend(), sandbox = sandbox.is_some(), "Switchboard is listening");

        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let grace = Duration::from_secs(self.config.http.shutdown_grace_seconds);
        let mut stop_for_server = stop_rx.clone();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stop_for_server.wait_for(|stopped| *stopped).await;
        });
        let server = tokio::spawn(async move { server.await });
        shutdown.await;
        tracing::info!("shutting down: no new connections, finishing in-flight requests");
        let _ = stop_tx.send(true);
        match tokio::time::timeout(grace, server).await {
            Ok(Ok(result)) => result?,
            Ok(Err(join)) => tracing::error!(error = %join, "the HTTP server task failed"),
            Err(_) => tracing::warn!("in-flight requests did not finish within the grace period"),
        }
        workers.cancel();
        background.extend(dispatcher);
        for worker in background {
            if tokio::time::timeout(grace, worker).await.is_err() {
                tracing::warn!("a worker did not stop within the grace period; unfinished work resumes at next start");
            }
        }
        self.store.close().await;
        tracing::info!("stopped");
        Ok(())
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
    bootstrap::print(&server.bootstrap, &public_url);
    server.serve(listener, shutdown).await
}
