//! Test harness: starts the real server on 127.0.0.1 port 0 against SQLite or PostgreSQL.

#![allow(dead_code)]

use std::net::SocketAddr;

use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;
use switchboard::config::{Config, Overrides};
use switchboard_store::testing;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
    config
}

impl TestServer {
    /// Starts a server on `backend`, or returns `None` when PostgreSQL is unavailable and
    /// not required (the skip is printed).
    pub async fn start(backend: Backend) -> Option<TestServer> {
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
        let config = test_config(dir.path(), url);
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

    /// A request to `path` with `key` as Bearer token.
    pub fn req(&self, method: Method, path: &str, key: Option<&str>) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{}", self.base, path));
        match key {
            Some(k) => builder.bearer_auth(k),
            None => builder,
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

    /// Starts a server on `backend` with `change` applied to the test config.
    pub async fn start_configured(
        backend: Backend,
        change: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        let server = Self::start(backend).await?;
        Some(server.restart(change).await)
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

/// Reads a JSON body, asserting the status first.
pub async fn json(response: Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(got, status, "unexpected status {got}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts the native error shape and returns its code.
pub async fn error_code(response: Response, status: u16) -> String {
    let body = json(response, status).await;
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        error["request_id"]
            .as_str()
            .is_some_and(|r| r.starts_with("req_")),
        "{body}"
    );
    error["code"].as_str().expect("code").to_string()
}

/// Creates an account with the admin key; returns (account id, its manage key).
pub async fn create_account(server: &TestServer, name: &str) -> (String, String) {
    let body = json(
        server
            .req(Method::POST, "/v1/accounts", Some(ADMIN_KEY))
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .expect("request"),
        201,
    )
    .await;
    (
        body["id"].as_str().expect("id").to_string(),
        body["api_key"].as_str().expect("key").to_string(),
    )
}

/// Creates a cloud channel; returns its id.
pub async fn create_cloud_channel(server: &TestServer, key: &str, phone_number_id: &str) -> String {
    let body = json(
        server
            .req(Method::POST, "/v1/channels", Some(key))
            .json(&serde_json::json!({
                "name": format!("line {phone_number_id}"),
                "kind": "cloud",
                "phone_number_id": phone_number_id,
                "waba_id": "102290129340398",
                "access_token": "EAAG-test-access-token",
                "app_secret": "test-app-secret-123",
            }))
            .send()
            .await
            .expect("request"),
        201,
    )
    .await;
    body["id"].as_str().expect("id").to_string()
}

/// Creates a key of `account_key`'s account.
pub async fn create_key(server: &TestServer, account_key: &str, body: Value) -> (String, String) {
    let body = json(
        server
            .req(Method::POST, "/v1/keys", Some(account_key))
            .json(&body)
            .send()
            .await
            .expect("request"),
        201,
    )
    .await;
    (
        body["id"].as_str().expect("id").to_string(),
        body["secret"].as_str().expect("secret").to_string(),
    )
}

/// An account with a sandbox channel.
pub struct Ctx {
    /// The account's manage key.
    pub key: String,
    /// The sandbox channel's id.
    pub channel: String,
}

/// Creates an account with a sandbox channel.
pub async fn setup_sandbox(server: &TestServer) -> Ctx {
    let (_, key) = create_account(server, "acme").await;
    let body = json(
        server
            .req(Method::POST, "/v1/channels", Some(&key))
            .json(&serde_json::json!({"name": "sandbox", "kind": "sandbox"}))
            .send()
            .await
            .expect("request"),
        201,
    )
    .await;
    Ctx {
        key,
        channel: body["id"].as_str().expect("id").to_string(),
    }
}

/// Sends the sandbox's pre-approved `hello_world` template to `to`; returns the message id.
pub async fn send_template(server: &TestServer, ctx: &Ctx, to: &str) -> String {
    let answer = json(
        server
            .req(
                Method::POST,
                &format!("/v1/channels/{}/messages", ctx.channel),
                Some(&ctx.key),
            )
            .json(
                &serde_json::json!({"messaging_product": "whatsapp", "to": to, "type": "template",
                "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
            )
            .send()
            .await
            .expect("request"),
        200,
    )
    .await;
    answer["messages"][0]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Polls `check` every 20 ms until it returns `Some`, for at most `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if std::time::Instant::now() > deadline {
            panic!("timed out after {seconds} s waiting for {what}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Runs a test body against both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident => $body:path),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let server = $crate::common::TestServer::start($crate::common::Backend::Sqlite).await.expect("sqlite");
                    $body(&server).await;
                    server.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(server) = $crate::common::TestServer::start($crate::common::Backend::Postgres).await else { return };
                    $body(&server).await;
                    server.stop().await;
                }
            )*
        }
    };
}
