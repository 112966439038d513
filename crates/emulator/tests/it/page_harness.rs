//! A running emulator with a Messenger page and an Instagram account, and Send API calls.

use serde_json::{json, Value};
use switchboard_core::cloud_webhook::verify;
use switchboard_emulator::{EmulatorConfig, PageConfig, PagePlatform};

use crate::common::{fast_config, post_json};
use crate::raw_hooks::{RawHook, Running};

pub const PAGE_ID: &str = "1234567890123456";
pub const PAGE_TOKEN: &str = "page-token";
pub const IG_ID: &str = "17841400000000001";
pub const IG_TOKEN: &str = "ig-token";
pub const APP_SECRET: &str = "page-app-secret";
pub const PSID: &str = "24000000000000001";
pub const IGSID: &str = "25000000000000001";

pub struct Pg(Running);

impl std::ops::Deref for Pg {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.0
    }
}

impl Pg {
    pub async fn start() -> Self {
        Self::start_with(fast_config()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Self {
        Self(
            Running::start(config, |emu, receiver| {
                for (id, token, platform) in [
                    (PAGE_ID, PAGE_TOKEN, PagePlatform::Messenger),
                    (IG_ID, IG_TOKEN, PagePlatform::Instagram),
                ] {
                    emu.add_page(PageConfig {
                        page_id: id.into(),
                        platform,
                        access_token: token.into(),
                        app_secret: APP_SECRET.into(),
                        webhook_url: Some(receiver.url.clone()),
                        app_id: "1517776481860111".into(),
                        echoes: false,
                    })
                    .unwrap();
                }
            })
            .await,
        )
    }

    /// POSTs JSON to `path` with `?access_token=`.
    pub async fn send(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let url = format!("{}{path}?access_token={token}", self.base);
        post_json(&self.http, url, &body).await
    }

    /// A Messenger send to `/v25.0/me/messages`.
    pub async fn messenger(&self, body: Value) -> (u16, Value) {
        self.send("/v25.0/me/messages", PAGE_TOKEN, body).await
    }

    /// An Instagram send to `/v25.0/{IG_ID}/messages`.
    pub async fn instagram(&self, body: Value) -> (u16, Value) {
        self.send(&format!("/v25.0/{IG_ID}/messages"), IG_TOKEN, body)
            .await
    }

    /// The user writes `text` to the page, opening the window.
    pub async fn user_writes(&self, page: &str, user: &str, text: &str) -> String {
        let v = self
            .emu
            .page_user_writes(page, user, json!({"text": text}))
            .await
            .unwrap();
        v["mid"].as_str().unwrap().to_string()
    }

    /// The user taps the "Talk to us" postback button (payload `AGENT`); returns its mid.
    pub async fn user_taps_agent(&self, page: &str, user: &str) -> Value {
        let v = self
            .emu
            .page_user_postback(
                page,
                user,
                json!({"title": "Talk to us", "payload": "AGENT"}),
            )
            .await
            .unwrap();
        v["mid"].clone()
    }

    /// Waits for a webhook whose single event satisfies `pred`; checks its signature.
    pub async fn event(&self, what: &str, pred: impl Fn(&Value) -> bool) -> (RawHook, Value) {
        let hook = self
            .receiver
            .wait_for(what, |b| pred(&b["entry"][0]["messaging"][0]))
            .await;
        let sig = hook.header("x-hub-signature-256").unwrap_or_default();
        assert!(
            verify(APP_SECRET, &hook.raw_body, &sig),
            "signed with the app secret"
        );
        let event = hook.body["entry"][0]["messaging"][0].clone();
        (hook, event)
    }
}

/// A multipart image upload in `filedata` (`message.attachment` reusable), with the recipient
/// when given.
pub fn image_upload(recipient: Option<&str>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    if let Some(id) = recipient {
        form = form.text("recipient", format!("{{\"id\":\"{id}\"}}"));
    }
    form.text(
        "message",
        r#"{"attachment":{"type":"image","payload":{"is_reusable":true}}}"#,
    )
    .part(
        "filedata",
        reqwest::multipart::Part::bytes(b"png".to_vec()).file_name("a.png"),
    )
}

/// Asserts a Graph error's code and subcode.
pub fn assert_graph(got: &(u16, Value), status: u16, code: u64, subcode: Option<u64>) {
    assert_eq!(got.0, status, "{}", got.1);
    let e = &got.1["error"];
    assert_eq!(e["code"], code, "{}", got.1);
    assert_eq!(e["error_subcode"].as_u64(), subcode, "{}", got.1);
    if code != 190 && subcode != Some(33) {
        let message = e["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("(#{code}) ")), "{message}");
        assert_eq!(e["type"], "OAuthException");
    }
    assert!(e["fbtrace_id"].is_string());
}
