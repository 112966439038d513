//! The Telegram Bot API connector: one bot, reached at `{base_url}/bot{token}/{method}`.
//!
//! It shares the [`CloudClient`]'s connection pool and timeouts. Sends map the canonical
//! message as [`mapping`] tells; media uploads travel with the send itself (Telegram has no
//! upload-only call), so [`Connector::uploads_with_send`] is true and the dispatcher hands
//! the file to [`Connector::send_with_attachment`], caching the `file_id` Telegram answers.
//!
//! Upstream ids: Telegram numbers messages per chat, so a message's upstream id is
//! `{chat_id}:{message_id}` (e.g. `123456789:42`), unique per bot. A reaction has no message
//! of its own: its id is `{chat_id}:{message_id}:reaction:{n}` with `n` the local time in
//! microseconds. Telegram has no delivery or read receipts: messages stop at `sent`.
//!
//! | operation | call |
//! |---|---|
//! | [`send`](Connector::send) | the mapped method (JSON body) |
//! | [`send_with_attachment`](Connector::send_with_attachment) | the mapped method, multipart with the file in the media field |
//! | [`media_info`](Connector::media_info) | `getFile{file_id}` → `{base}/file/bot{token}/{file_path}` |
//! | [`download_media`](Connector::download_media) | `GET` that URL |
//! | [`connect_inbound`](Connector::connect_inbound) | `setWebhook{url, secret_token}`, or `deleteWebhook` for polling |
//! | [`answer_action`](Connector::answer_action) | `answerCallbackQuery{callback_query_id}` |
//! | [`poll_inbound`](Connector::poll_inbound) | `getUpdates{offset, timeout, allowed_updates}` |
//! | [`mark_read`](Connector::mark_read) | nothing: Telegram has no read marks for bots |
//!
//! Templates do not exist on Telegram: those calls are refused. The token is scrubbed from
//! every error message.

mod classify;
mod client;
pub mod mapping;

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::{Attachment, CloudClient, Connector, ConnectorError, MediaInfo, SendReceipt};

pub use classify::classify;

/// The updates asked for (reactions are not delivered unless asked).
const ALLOWED_UPDATES: [&str; 4] = [
    "message",
    "callback_query",
    "message_reaction",
    "my_chat_member",
];

/// The public Bot API.
pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";

/// Where one bot is reached.
#[derive(Clone, PartialEq, Eq)]
pub struct TelegramTarget {
    /// Bot API base URL, e.g. `https://api.telegram.org` or `{local}/sandbox/telegram`.
    pub base_url: String,
    /// `<bot_id>:<secret>`. Secret.
    pub bot_token: String,
    /// The `secret_token` given to `setWebhook`. Secret.
    pub webhook_secret: String,
}

impl std::fmt::Debug for TelegramTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramTarget")
            .field("base_url", &self.base_url)
            .field("bot_token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// The connector of one Telegram bot.
#[derive(Clone, Debug)]
pub struct TelegramConnector {
    client: CloudClient,
    target: TelegramTarget,
}

impl TelegramConnector {
    /// The connector of the bot at `target`, on the shared client.
    pub fn new(client: CloudClient, target: TelegramTarget) -> Self {
        Self { client, target }
    }

    /// Where it sends.
    pub fn target(&self) -> &TelegramTarget {
        &self.target
    }

    async fn send_call(
        &self,
        call: mapping::TelegramCall,
        attachment: Option<Attachment>,
    ) -> Result<SendReceipt, ConnectorError> {
        let chat = call.params.get("chat_id").cloned().unwrap_or(Value::Null);
        let reaction_target = call.params.get("message_id").and_then(Value::as_i64);
        let field = call.media_field;
        let result = match (attachment, field) {
            (Some(a), Some(field)) => {
                let mut form = Form::new();
                for (k, v) in &call.params {
                    if k == field {
                        continue;
                    }
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    form = form.text(k.clone(), text);
                }
                let part = Part::stream_with_length(a.body, a.len)
                    .file_name(a.filename)
                    .mime_str(&a.mime_type)
                    .map_err(|_| ConnectorError::permanent("invalid MIME type for the upload"))?;
                form = form.part(field, part);
                client::call_multipart(&self.client, &self.target, call.method, form).await?
            }
            _ => {
                client::call(
                    &self.client,
                    &self.target,
                    call.method,
                    &Value::Object(call.params),
                )
                .await?
            }
        };
        let chat_text = match &chat {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if call.method == "setMessageReaction" {
            let micros = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_micros())
                .unwrap_or_default();
            return Ok(SendReceipt {
                upstream_id: format!(
                    "{chat_text}:{}:reaction:{micros}",
                    reaction_target.unwrap_or_default()
                ),
                wa_id: None,
                media_id: None,
            });
        }
        let message_id = result["message_id"].as_i64().ok_or_else(|| {
            ConnectorError::transient(format!(
                "Telegram {}: the answer has no message_id",
                call.method
            ))
        })?;
        let chat_id = result["chat"]["id"]
            .as_i64()
            .map(|id| id.to_string())
            .unwrap_or(chat_text);
        Ok(SendReceipt {
            upstream_id: format!("{chat_id}:{message_id}"),
            wa_id: None,
            media_id: field.and_then(|f| mapping::sent_file_id(&result, f)),
        })
    }
}

fn no_templates() -> ConnectorError {
    ConnectorError::permanent("Telegram has no message templates")
}

#[async_trait]
impl Connector for TelegramConnector {
    async fn send(&self, body: &Value) -> Result<SendReceipt, ConnectorError> {
        self.send_call(mapping::to_call(body)?, None).await
    }

    fn uploads_with_send(&self) -> bool {
        true
    }

    async fn send_with_attachment(
        &self,
        body: &Value,
        attachment: Attachment,
    ) -> Result<SendReceipt, ConnectorError> {
        let call = mapping::to_call(body)?;
        if call.media_field.is_none() {
            return Err(ConnectorError::permanent(
                "an attachment was given for a message without media",
            ));
        }
        self.send_call(call, Some(attachment)).await
    }

    async fn mark_read(&self, _chat: &str, _id: &str, _typing: bool) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn upload_media(
        &self,
        _bytes: bytes::Bytes,
        _mime_type: &str,
        _filename: &str,
    ) -> Result<String, ConnectorError> {
        Err(ConnectorError::permanent(
            "Telegram has no upload-only call: media is uploaded with the message that sends it",
        ))
    }

    async fn upload_media_stream(
        &self,
        _body: reqwest::Body,
        _len: u64,
        _mime_type: &str,
        _filename: &str,
    ) -> Result<String, ConnectorError> {
        Err(ConnectorError::permanent(
            "Telegram has no upload-only call: media is uploaded with the message that sends it",
        ))
    }

    async fn media_info(&self, file_id: &str) -> Result<MediaInfo, ConnectorError> {
        let file = client::call(
            &self.client,
            &self.target,
            "getFile",
            &json!({ "file_id": file_id }),
        )
        .await?;
        let path = file["file_path"].as_str().ok_or_else(|| {
            ConnectorError::permanent("Telegram getFile gave no file_path (file too big?)")
        })?;
        Ok(MediaInfo {
            url: client::file_url(&self.target, path)?.to_string(),
            mime_type: "application/octet-stream".into(),
            sha256: None,
            file_size: file["file_size"].as_u64(),
        })
    }

    async fn download_media(&self, url: &str) -> Result<reqwest::Response, ConnectorError> {
        let token = self.target.bot_token.as_str();
        let resp = self
            .client
            .http_client()
            .get(url)
            .timeout(self.client.config().media_timeout)
            .send()
            .await
            .map_err(|e| classify::from_transport(&e, "file download", token))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default();
        Err(classify::from_answer(status, &headers, &body, token))
    }

    async fn list_templates(&self, _name: Option<&str>) -> Result<Vec<Value>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn create_template(&self, _t: &Value) -> Result<Value, ConnectorError> {
        Err(no_templates())
    }

    async fn delete_template(&self, _name: &str) -> Result<(), ConnectorError> {
        Err(no_templates())
    }

    async fn connect_inbound(&self, webhook_url: Option<&str>) -> Result<(), ConnectorError> {
        match webhook_url {
            Some(url) => {
                let params = json!({
                    "url": url,
                    "secret_token": self.target.webhook_secret,
                    "allowed_updates": ALLOWED_UPDATES,
                });
                client::call(&self.client, &self.target, "setWebhook", &params).await?;
            }
            None => {
                client::call(&self.client, &self.target, "deleteWebhook", &json!({})).await?;
            }
        }
        Ok(())
    }

    async fn poll_inbound(
        &self,
        offset: i64,
        timeout_s: u32,
    ) -> Result<Vec<Value>, ConnectorError> {
        let params = json!({
            "offset": offset,
            "timeout": timeout_s,
            "allowed_updates": ALLOWED_UPDATES,
        });
        let wait = std::time::Duration::from_secs(u64::from(timeout_s) + 10);
        let result =
            client::call_waiting(&self.client, &self.target, "getUpdates", &params, wait).await?;
        Ok(result.as_array().cloned().unwrap_or_default())
    }

    async fn answer_action(&self, action_id: &str) -> Result<(), ConnectorError> {
        client::call(
            &self.client,
            &self.target,
            "answerCallbackQuery",
            &json!({ "callback_query_id": action_id }),
        )
        .await
        .map(|_| ())
    }
}
