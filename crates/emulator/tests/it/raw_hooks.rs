//! A webhook receiver that keeps every POST's headers and JSON body, whatever its shape (for
//! the Telegram and Messenger/Instagram emulators).

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use switchboard_emulator::{Emulator, EmulatorConfig};

use crate::common::serve_on_loopback;

/// One POST as received.
#[derive(Debug, Clone)]
pub struct RawHook {
    pub headers: HeaderMap,
    /// The body exactly as posted (what a signature covers).
    pub raw_body: Bytes,
    pub body: Value,
}

impl RawHook {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

#[derive(Clone)]
pub struct RawReceiver {
    pub url: String,
    hooks: Arc<Mutex<Vec<RawHook>>>,
}

async fn receive(
    State(hooks): State<Arc<Mutex<Vec<RawHook>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    hooks.lock().unwrap().push(RawHook {
        headers,
        raw_body: body,
        body: json,
    });
    StatusCode::OK
}

impl RawReceiver {
    pub async fn start() -> Self {
        let hooks = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(hooks.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, app).into_future());
        Self {
            url: format!("http://{addr}/hook"),
            hooks,
        }
    }

    pub fn hooks(&self) -> Vec<RawHook> {
        self.hooks.lock().unwrap().clone()
    }

    /// Waits (10 ms polls, up to 30 s) for a hook whose body satisfies `pred`, and returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> RawHook {
        for _ in 0..3000 {
            if let Some(h) = self.hooks().into_iter().find(|h| pred(&h.body)) {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "timed out waiting for {what}; got {:#?}",
            self.hooks().iter().map(|h| &h.body).collect::<Vec<_>>()
        );
    }
}

/// An emulator on 127.0.0.1:0 whose bots or pages post to a [`RawReceiver`].
pub struct Running {
    pub emu: Emulator,
    pub base: String,
    pub http: reqwest::Client,
    pub receiver: RawReceiver,
}

impl Running {
    /// Starts the receiver and the emulator; `register` adds bots or pages first.
    pub async fn start(
        config: EmulatorConfig,
        register: impl FnOnce(&Emulator, &RawReceiver),
    ) -> Self {
        let receiver = RawReceiver::start().await;
        let emu = Emulator::new(config);
        register(&emu, &receiver);
        let base = serve_on_loopback(emu.router()).await;
        Self {
            emu,
            base,
            http: reqwest::Client::new(),
            receiver,
        }
    }
}
