//! Test harness: starts the real server on 127.0.0.1 port 0 against SQLite or PostgreSQL.

#![allow(dead_code)]

mod document;
mod flows;
mod http;
mod receiver;

pub use document::*;
pub use flows::*;
pub use http::*;
pub use receiver::*;

use std::net::SocketAddr;

use reqwest::Client;
use switchboard::config::{Config, Overrides};
use switchboard_store::testing;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The config change of a test that needs none.
pub fn no_change(_: &mut Config) {}

/// The admin key every test server uses.
pub const ADMIN_KEY: &str = "sba_test_admin_key_0123456789abcdef";

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub client: Client,
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), switchboard::StartError>>>,
    _dir: Option<tempfile::TempDir>,
    pg: Option<testing::PgTestDb>,
}

/// A config for tests: temporary data folder, fixed admin key, no first-start account.
pub fn test_config(data_dir: &std::path::Path, database_url: String) -> Config {
    let mut config = Config::load(None, &Overrides::default()).expect("default config");
    config.listen = "127.0.0.1:0".parse().expect("address");
    config.data_dir = data_dir.to_path_buf();
    config.database_url = database_url;
    config.admin_key = ADMIN_KEY.into();
    config.bootstrap = false;
    // Fast, test-sized dispatch: no pacing in the way, quick retries. The upstream timeout is
    // long: a healthy answer that is merely slow on a loaded machine must not be retried (and
    // sent twice); a test that injects upstream hangs sets a shorter one itself.
    config.dispatch.channel_mps = 1000.0;
    config.dispatch.pair_burst = 10_000.0;
    config.dispatch.retry_base_ms = 20;
    config.dispatch.retry_max_ms = 200;
    config.dispatch.max_attempts = 30;
    config.upstream.request_timeout_ms = 10_000;
    // Tests send as fast as they can with one key; the per-key rate has its own tests.
    config.http.key_requests_per_second = 0.0;
    config
}

impl TestServer {
    /// Starts a server on `backend`, or returns `None` when PostgreSQL is unavailable and
    /// not required (the skip is printed). SQLite always starts.
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_changed(backend, no_change).await
    }

    /// Starts a server on `backend` with `change` applied to the test config, or returns
    /// `None` as [`TestServer::start`] does.
    pub async fn start_changed(
        backend: Backend,
        change: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (url, pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("switchboard.db").display()),
                None,
            ),
            Backend::Postgres => {
                let db = testing::postgres_db().await?;
                (db.url.clone(), Some(db))
            }
        };
        let mut config = test_config(dir.path(), url);
        change(&mut config);
        Some(Self::start_with(config, Some(dir), pg).await)
    }

    /// Starts a server with an explicit config.
    pub async fn start_with(
        config: Config,
        dir: Option<tempfile::TempDir>,
        pg: Option<testing::PgTestDb>,
    ) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = switchboard::Server::prepare(config.clone())
            .await
            .expect("prepare server");
        let task = tokio::spawn(server.serve(listener, async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            base: format!("http://{addr}"),
            client: Client::new(),
            config,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
            pg,
        }
    }

    /// Stops the server gracefully and starts a new one on the same database with `change`
    /// applied to its config.
    pub async fn restart(mut self, change: impl FnOnce(&mut Config)) -> TestServer {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
        let mut config = self.config.clone();
        change(&mut config);
        Self::start_with(config, self._dir.take(), self.pg.take()).await
    }

    /// Stops the server gracefully, keeping its database and folder for [`TestServer::restart`].
    pub async fn pause(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
    }

    /// Stops the server gracefully and drops its PostgreSQL database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
        if let Some(pg) = self.pg.take() {
            pg.cleanup().await;
        }
    }
}

/// Generates a `sqlite::<case>` and a `postgres::<case>` test per case, each running its body
/// on a fresh server of that backend (with `where` a config change applied):
///
/// `on_both_backends!(#[tokio::test(...)] case => body where change, …; by_value: case => body, …)`
///
/// A body listed before `by_value` borrows the server; one after it takes the server (to
/// restart it) and hands it back. The leading test attribute is optional (`#[tokio::test]`).
/// A PostgreSQL case returns early, the reason printed, when PostgreSQL is unreachable and
/// `SWITCHBOARD_REQUIRE_POSTGRES` is unset; with it set, it fails.
#[macro_export]
macro_rules! on_both_backends {
    (
        #[$test:meta]
        $($name:ident => $body:path $(where $config:expr)?),* $(,)?
        $(; by_value: $($owned:ident => $owned_body:path $(where $owned_config:expr)?),* $(,)?)?
    ) => {
        $crate::on_both_backends!(@backend sqlite, Sqlite, #[$test]
            $($name => $body $(where $config)?),* ; $($($owned => $owned_body $(where $owned_config)?),*)?);
        $crate::on_both_backends!(@backend postgres, Postgres, #[$test]
            $($name => $body $(where $config)?),* ; $($($owned => $owned_body $(where $owned_config)?),*)?);
    };
    (
        @backend $module:ident, $backend:ident, #[$test:meta]
        $($name:ident => $body:path $(where $config:expr)?),* ;
        $($owned:ident => $owned_body:path $(where $owned_config:expr)?),*
    ) => {
        mod $module {
            // The cases' config changes are written in the calling module's terms.
            #[allow(unused_imports)]
            use super::*;

            $(
                #[$test]
                async fn $name() {
                    let Some(server) = $crate::common::TestServer::start_changed(
                        $crate::common::Backend::$backend,
                        $crate::config_change!($($config)?),
                    ).await else { return };
                    $body(&server).await;
                    server.stop().await;
                }
            )*
            $(
                #[$test]
                async fn $owned() {
                    let Some(server) = $crate::common::TestServer::start_changed(
                        $crate::common::Backend::$backend,
                        $crate::config_change!($($owned_config)?),
                    ).await else { return };
                    $owned_body(server).await.stop().await;
                }
            )*
        }
    };
    ($($rest:tt)*) => {
        $crate::on_both_backends!(#[tokio::test] $($rest)*);
    };
}

/// The config change of an [`on_both_backends!`] case: the one given, or none.
#[macro_export]
macro_rules! config_change {
    () => {
        $crate::common::no_change
    };
    ($change:expr) => {
        $change
    };
}
