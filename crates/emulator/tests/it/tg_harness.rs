//! A running emulator with one Telegram bot, and calls to its Bot API.

use serde_json::{json, Value};
use switchboard_emulator::{BotConfig, EmulatorConfig};

use crate::common::{fast_config, status_and_json};
use crate::raw_hooks::Running;

pub const BOT_ID: i64 = 7000000001;
pub const BOT_TOKEN: &str = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
pub const USER: i64 = 123456789;

pub struct Tg(Running);

impl std::ops::Deref for Tg {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.0
    }
}

impl Tg {
    pub async fn start() -> Self {
        Self::start_with(fast_config()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Self {
        Self(
            Running::start(config, |emu, _| {
                emu.add_bot(BotConfig {
                    token: BOT_TOKEN.into(),
                    username: "shop_bot".into(),
                    first_name: "Shop".into(),
                    ..BotConfig::default()
                })
                .unwrap();
            })
            .await,
        )
    }

    pub fn url(&self, method: &str) -> String {
        format!("{}/telegram/bot{BOT_TOKEN}/{method}", self.base)
    }

    /// A JSON call.
    pub async fn call(&self, method: &str, body: Value) -> (u16, Value) {
        status_and_json(
            self.http
                .post(self.url(method))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A form-urlencoded call.
    pub async fn form(&self, method: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
        status_and_json(
            self.http
                .post(self.url(method))
                .form(pairs)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A multipart call.
    pub async fn multipart(&self, method: &str, form: reqwest::multipart::Form) -> (u16, Value) {
        status_and_json(
            self.http
                .post(self.url(method))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The user sends `message` (as `Emulator::telegram_user_writes`); returns the answer.
    pub async fn user_sends(&self, user: i64, message: Value) -> Value {
        self.emu
            .telegram_user_writes(BOT_ID, user, message)
            .await
            .unwrap()
    }

    /// The user writes `text`; returns the update's answer.
    pub async fn user_writes(&self, user: i64, text: &str) -> Value {
        self.user_sends(user, json!({"text": text, "first_name": "Ana"}))
            .await
    }

    /// The updates from `offset` on (`getUpdates`).
    pub async fn updates_from(&self, offset: &Value) -> Value {
        self.call("getUpdates", json!({ "offset": offset })).await.1["result"].clone()
    }

    /// The bytes of a file: `getFile`, then the download path.
    pub async fn download(&self, file_id: &str) -> Vec<u8> {
        let file = self.call("getFile", json!({ "file_id": file_id })).await.1;
        let path = file["result"]["file_path"].as_str().unwrap();
        let url = format!("{}/telegram/file/bot{BOT_TOKEN}/{path}", self.base);
        let resp = self.http.get(url).send().await.unwrap();
        resp.bytes().await.unwrap().to_vec()
    }

    /// A successful sendMessage; returns the Message.
    pub async fn send_text(&self, body: Value) -> Value {
        let (status, v) = self.call("sendMessage", body).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["ok"], true);
        v["result"].clone()
    }
}

/// Asserts a Telegram error answer.
pub fn assert_tg_error(got: &(u16, Value), code: u16, description: &str) {
    assert_eq!(got.0, code, "{}", got.1);
    assert_eq!(
        got.1,
        json!({"ok": false, "error_code": code, "description": description})
    );
}
