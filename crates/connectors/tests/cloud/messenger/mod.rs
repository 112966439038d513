//! The Messenger and Instagram connector over real HTTP against the emulator's Send API, with
//! a local receiver for the emulator's signed webhooks.

mod errors;
mod inbound;
mod sends;

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use switchboard_connectors::messenger::{self, MessengerConnector, Translated};
use switchboard_connectors::{CloudClient, ConnectorConfig};
use switchboard_core::channel::{InstagramSettings, MessengerSettings};
use switchboard_emulator::{Emulator, EmulatorConfig, PageConfig, PagePlatform};

use crate::common::emulator_config;

pub const PAGE_ID: &str = "104260235931045";
pub const IG_ID: &str = "17841405822304914";
pub const IG_FB_PAGE: &str = "104260235931999";
pub const PAGE_TOKEN: &str = "EAAP-page-token-4a7c1e";
pub const IG_TOKEN: &str = "IGQ-user-token-9b2d5f";
pub const IG_FB_TOKEN: &str = "EAAP-linked-page-token-77";
pub const SECRET: &str = "page-app-secret";
pub const PSID: &str = "6543210987654321";
pub const IGSID: &str = "1234567890123456";

/// The bodies the emulator POSTed to our webhook receiver, raw, with their signature header.
#[derive(Clone, Default)]
pub struct Hooks(Arc<Mutex<Vec<(String, Bytes)>>>);

impl Hooks {
    /// Every received body whose signature verifies, translated, in arrival order; forged
    /// ones fail the test.
    pub fn translated(&self) -> Vec<Translated> {
        let got = self.0.lock().expect("hooks").clone();
        got.iter()
            .map(|(sig, body)| {
                assert!(
                    messenger::verify_signature(SECRET, body, sig),
                    "the emulator's signature verifies"
                );
                let v: Value = serde_json::from_slice(body).expect("json");
                messenger::translate(&v).expect("translates")
            })
            .collect()
    }

    /// Waits (bounded, 5 s) for a translated body `f` accepts and returns what it picks.
    pub async fn wait<T>(&self, what: &str, f: impl Fn(&Translated) -> Option<T>) -> T {
        for _ in 0..250 {
            if let Some(t) = self.translated().iter().find_map(&f) {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no webhook with {what} arrived");
    }
}

/// The canonical messages of a translated body.
pub fn messages(t: &Translated) -> Vec<Value> {
    canonical(t, "messages")
}

/// The canonical statuses of a translated body.
pub fn statuses(t: &Translated) -> Vec<Value> {
    canonical(t, "statuses")
}

fn canonical(t: &Translated, key: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in t.payload["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            out.extend(change["value"][key].as_array().cloned().unwrap_or_default());
        }
    }
    out
}

/// An emulator with a Messenger page, an Instagram account (Instagram Login) and one linked
/// to a Page (Facebook Login), webhooks to a local receiver, windows enforced.
pub struct Meta {
    pub emu: Emulator,
    pub base: String,
    pub client: CloudClient,
    pub messenger: MessengerConnector,
    pub instagram: MessengerConnector,
    pub hooks: Hooks,
}

pub fn messenger_settings() -> MessengerSettings {
    MessengerSettings {
        page_id: PAGE_ID.into(),
        page_access_token: PAGE_TOKEN.into(),
        app_secret: SECRET.into(),
        verify_token: "verify".into(),
        base_url: None,
        api_version: "v25.0".into(),
        sandbox: true,
    }
}

pub fn instagram_settings(page_id: Option<&str>) -> InstagramSettings {
    InstagramSettings {
        ig_account_id: IG_ID.into(),
        page_id: page_id.map(str::to_string),
        access_token: if page_id.is_some() {
            IG_FB_TOKEN
        } else {
            IG_TOKEN
        }
        .into(),
        app_secret: SECRET.into(),
        verify_token: "verify".into(),
        base_url: None,
        api_version: "v25.0".into(),
        sandbox: true,
    }
}

impl Meta {
    pub async fn start() -> Self {
        let mut config = emulator_config();
        config.enforce_window = true;
        Self::start_with(config).await
    }

    pub async fn start_with(mut config: EmulatorConfig) -> Self {
        let hooks = Hooks::default();
        let sink = hooks.clone();
        let receiver = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let sink = sink.clone();
                async move {
                    let sig = headers
                        .get(messenger::SIGNATURE_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    sink.0.lock().expect("hooks").push((sig, body));
                    "ok"
                }
            }),
        );
        let hook_base = crate::common::serve(receiver).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        config.public_base_url = Some(base.clone());
        let emu = Emulator::new(config);
        let page = |page_id: &str, platform, token: &str| PageConfig {
            page_id: page_id.into(),
            platform,
            access_token: token.into(),
            app_secret: SECRET.into(),
            webhook_url: Some(format!("{hook_base}/hook")),
            app_id: "1517776481860111".into(),
            echoes: true,
        };
        emu.add_page(page(PAGE_ID, PagePlatform::Messenger, PAGE_TOKEN))
            .expect("page");
        emu.add_page(page(IG_ID, PagePlatform::Instagram, IG_TOKEN))
            .expect("ig account");
        tokio::spawn(axum::serve(listener, emu.router()).into_future());
        let client = client(Duration::from_secs(5));
        Self {
            messenger: MessengerConnector::messenger(client.clone(), &messenger_settings(), &base),
            instagram: MessengerConnector::instagram(
                client.clone(),
                &instagram_settings(None),
                &base,
            ),
            emu,
            base,
            client,
            hooks,
        }
    }

    /// `user` writes `text` to `page_id` (opening the window); returns the mid.
    pub async fn user_writes(&self, page_id: &str, user: &str, text: &str) -> String {
        let answer = self
            .emu
            .page_user_writes(page_id, user, json!({ "text": text }))
            .await
            .expect("user writes");
        answer["mid"].as_str().expect("mid").to_string()
    }

    /// The Send API bodies the emulator accepted as messages (sender actions excluded).
    pub fn sent_bodies(&self) -> Vec<Value> {
        self.emu
            .sent_messages()
            .into_iter()
            .map(|m| m.body)
            .collect()
    }

    /// Requests that reached the Send API (`/messages` or `/message_attachments`).
    pub fn send_api_requests(&self) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.path.contains("/messages") || r.path.contains("/message_attachments"))
            .count()
    }
}

/// The shared client with a short request timeout.
pub fn client(request_timeout: Duration) -> CloudClient {
    CloudClient::new(ConnectorConfig {
        request_timeout,
        connect_timeout: Duration::from_secs(2),
        media_timeout: Duration::from_secs(5),
        ..ConnectorConfig::default()
    })
    .expect("client")
}

/// A canonical message of `kind` with `content` to `to`.
pub fn canonical_to(to: &str, kind: &str, content: Value) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: content})
}
