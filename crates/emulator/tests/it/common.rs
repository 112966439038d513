//! Test harness: an emulator on 127.0.0.1:0 and a webhook receiver that checks signatures.

use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use switchboard_core::cloud_webhook::{verify, ChangeValue, StatusUpdate, WebhookPayload};
use switchboard_emulator::{Emulator, EmulatorConfig, PhoneNumberConfig};

pub const PHONE_ID: &str = "106540352242922";
pub const WABA_ID: &str = "419561257915477";
pub const DISPLAY: &str = "15550783881";
pub const TOKEN: &str = "test-token";
pub const SECRET: &str = "test-app-secret";
pub const CUSTOMER: &str = "16505551234";

/// One webhook POST as received.
#[derive(Debug, Clone)]
pub struct Hook {
    pub signature_ok: bool,
    pub content_type: String,
    pub payload: WebhookPayload,
    pub raw: Value,
}

#[derive(Default)]
struct ReceiverState {
    hooks: Mutex<Vec<Hook>>,
    fail_first: AtomicUsize,
    delay_ms: AtomicUsize,
    attempts: AtomicUsize,
}

/// A tiny webhook receiver.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

async fn receive(
    State(s): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let n = s.attempts.fetch_add(1, Ordering::SeqCst);
    let delay = s.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    if n < s.fail_first.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let payload: WebhookPayload =
        serde_json::from_slice(&body).expect("webhook parses with core types");
    let raw: Value = serde_json::from_slice(&body).expect("json");
    s.hooks.lock().expect("lock").push(Hook {
        signature_ok: verify(SECRET, &body, sig),
        content_type,
        payload,
        raw,
    });
    StatusCode::OK
}

impl Receiver {
    pub async fn start() -> Self {
        let state = Arc::new(ReceiverState::default());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(axum::serve(listener, app).into_future());
        Self {
            url: format!("http://{addr}/hook"),
            state,
        }
    }

    /// Answers 500 to the first `n` POSTs.
    pub fn fail_first(&self, n: usize) {
        self.state.fail_first.store(n, Ordering::SeqCst);
    }

    /// Sleeps this long before answering each POST.
    pub fn delay(&self, ms: usize) {
        self.state.delay_ms.store(ms, Ordering::SeqCst);
    }

    pub fn hooks(&self) -> Vec<Hook> {
        self.state.hooks.lock().expect("lock").clone()
    }

    /// All statuses received, in arrival order.
    pub fn statuses(&self) -> Vec<StatusUpdate> {
        let mut out = Vec::new();
        for h in self.hooks() {
            for e in &h.payload.entry {
                for c in &e.changes {
                    if let ChangeValue::Messages(v) = &c.value {
                        out.extend(v.statuses.clone().unwrap_or_default());
                    }
                }
            }
        }
        out
    }

    /// Statuses of one message, in arrival order.
    pub fn statuses_of(&self, wamid: &str) -> Vec<StatusUpdate> {
        self.statuses()
            .into_iter()
            .filter(|s| s.id == wamid)
            .collect()
    }

    /// Waits until `cond` holds for the hooks received: a poll every 10 ms, given up after
    /// 30 s (generous, so a loaded machine only makes it slower, never failing).
    pub async fn wait_until(&self, what: &str, cond: impl Fn(&[Hook]) -> bool) -> Vec<Hook> {
        for _ in 0..3000 {
            let hooks = self.hooks();
            if cond(&hooks) {
                return hooks;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "timed out waiting for {what}; got {:#?}",
            self.hooks().iter().map(|h| &h.raw).collect::<Vec<_>>()
        );
    }

    /// Waits until the message has `n` statuses and returns them.
    pub async fn wait_statuses(&self, wamid: &str, n: usize) -> Vec<StatusUpdate> {
        let w = wamid.to_string();
        let me = self.clone();
        self.wait_until(&format!("{n} statuses of {wamid}"), move |_| {
            me.statuses_of(&w).len() >= n
        })
        .await;
        self.statuses_of(wamid)
    }
}

/// Serves `router` on 127.0.0.1:0; returns its base URL.
pub async fn serve_on_loopback(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(axum::serve(listener, router).into_future());
    base
}

/// An answer's status and JSON body (`null` when it has none).
pub async fn status_and_json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// POSTs `body` as JSON to `url`; returns the status and JSON answer.
pub async fn post_json(http: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    status_and_json(http.post(url).json(body).send().await.expect("request")).await
}

/// Small delays for fast tests.
pub fn fast_config() -> EmulatorConfig {
    let mut c = EmulatorConfig::default();
    c.status_delays.sent_ms = 1;
    c.status_delays.delivered_ms = 3;
    c.status_delays.read_ms = 6;
    c.review_delay_ms = 30;
    c.reply_delay_ms = 1;
    c.webhook_retry.initial_backoff_ms = 5;
    c.webhook_retry.max_backoff_ms = 20;
    c.webhook_retry.request_timeout_ms = 2000;
    c
}

pub fn phone(webhook_url: Option<String>) -> PhoneNumberConfig {
    PhoneNumberConfig {
        phone_number_id: PHONE_ID.into(),
        waba_id: WABA_ID.into(),
        display_phone_number: DISPLAY.into(),
        access_token: TOKEN.into(),
        app_secret: SECRET.into(),
        webhook_url,
        verified_name: "Switchboard Test".into(),
    }
}

/// A running emulator with one phone number whose webhooks go to `receiver`.
pub struct Harness {
    pub emu: Emulator,
    pub base: String,
    pub http: reqwest::Client,
    pub receiver: Receiver,
}

impl Harness {
    pub async fn start(config: EmulatorConfig) -> Self {
        let receiver = Receiver::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = config;
        config.public_base_url = Some(base.clone());
        let emu = Emulator::new(config);
        emu.add_phone_number(phone(Some(receiver.url.clone())));
        tokio::spawn(axum::serve(listener, emu.router()).into_future());
        Self {
            emu,
            base,
            http: reqwest::Client::new(),
            receiver,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs JSON with the test token; returns (status, body).
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_with(path, body, Some(TOKEN)).await
    }

    pub async fn post_with(&self, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .delete(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Sends a text to `to`; returns (status, body).
    pub async fn send_text(&self, to: &str, body: &str) -> (u16, Value) {
        self.post(
            &format!("/v23.0/{PHONE_ID}/messages"),
            &serde_json::json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "text",
                "text": {"body": body}
            }),
        )
        .await
    }

    /// The customer `from` writes, opening the window.
    pub async fn customer_writes(&self, from: &str, text: &str) -> String {
        self.emu
            .inject_inbound(
                PHONE_ID,
                serde_json::json!({"from": from, "type": "text", "text": {"body": text}}),
            )
            .await
            .expect("inject")
    }
}

pub fn wamid_of(body: &Value) -> String {
    body["messages"][0]["id"]
        .as_str()
        .expect("wamid")
        .to_string()
}
