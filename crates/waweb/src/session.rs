//! One running whatsapp-rust session behind the boundary's [`WebSession`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use switchboard_web_driver::{
    InboundMedia, Jid, OutboundContent, OutboundMessage, Sent, WebError, WebErrorKind, WebSession,
};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use whatsapp_rust::bot::BotHandle;
use whatsapp_rust::pair_code::{PairCodeOptions, PairError};
use whatsapp_rust::send::{SendError, SendOptions};
use whatsapp_rust::upload::UploadOptions;
use whatsapp_rust::{Client, ClientError};

use crate::backend::KeysBackend;
use crate::convert::{inbound, outbound};

/// A started session.
pub(crate) struct WaSession {
    pub(crate) client: Arc<Client>,
    pub(crate) backend: KeysBackend,
    /// Set by `stop`: the forwarder reports nothing after it.
    pub(crate) stopped: Arc<AtomicBool>,
    pub(crate) bot: Mutex<Option<BotHandle>>,
    pub(crate) tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

pub(crate) fn to_lib_jid(jid: &Jid) -> Result<whatsapp_rust::Jid, WebError> {
    jid.to_string()
        .parse::<whatsapp_rust::Jid>()
        .map_err(|_| WebError::new(WebErrorKind::BadRecipient, format!("`{jid}` is not a JID")))
}

pub(crate) fn from_lib_jid(jid: &whatsapp_rust::Jid) -> Option<Jid> {
    Jid::parse(&jid.to_string()).ok()
}

impl WaSession {
    fn keys_error(&self) -> Option<WebError> {
        self.backend.is_fenced().then(|| {
            WebError::new(
                WebErrorKind::Keys,
                "the session's lease was lost: another node drives it now",
            )
        })
    }

    /// Maps a library failure, preferring the key store's own failure when it caused it.
    fn temporary(&self, what: &str, detail: impl std::fmt::Display) -> WebError {
        self.keys_error()
            .unwrap_or_else(|| WebError::new(WebErrorKind::Temporary, format!("{what}: {detail}")))
    }

    fn send_error(&self, err: SendError) -> WebError {
        if let Some(keys) = self.keys_error() {
            return keys;
        }
        match err {
            SendError::NotLoggedIn
            | SendError::Client(ClientError::NotConnected | ClientError::NotLoggedIn) => {
                WebError::new(WebErrorKind::NotConnected, err.to_string())
            }
            SendError::InvalidRequest(detail) => WebError::new(WebErrorKind::Rejected, detail),
            other => WebError::new(WebErrorKind::Temporary, other.to_string()),
        }
    }

    fn me(&self) -> Option<Jid> {
        self.client.pn().as_ref().and_then(from_lib_jid)
    }

    async fn shut_down(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let bot = self.bot.lock().await.take();
        if let Some(bot) = bot {
            bot.shutdown().await;
        }
        let tasks = std::mem::take(
            &mut *self
                .tasks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for task in tasks {
            task.abort();
        }
    }
}

#[async_trait]
impl WebSession for WaSession {
    async fn request_pair_code(&self, phone_number: &str) -> Result<String, WebError> {
        let digits: String = phone_number.chars().filter(char::is_ascii_digit).collect();
        let options = PairCodeOptions {
            phone_number: digits,
            ..Default::default()
        };
        self.client
            .pair_with_code(options)
            .await
            .map_err(|err| match err {
                PairError::PairCode(e) => WebError::new(WebErrorKind::Rejected, e.to_string()),
                other => self.temporary("pair code request failed", other),
            })
    }

    async fn send(
        &self,
        to: &Jid,
        message: OutboundMessage,
        message_id: &str,
    ) -> Result<Sent, WebError> {
        if let Some(keys) = self.keys_error() {
            return Err(keys);
        }
        let recipient = to_lib_jid(to)?;
        let uploaded = match &message.content {
            OutboundContent::Media(media) => {
                let response = self
                    .client
                    .upload(
                        media.data.to_vec(),
                        outbound::media_type(media.kind),
                        UploadOptions::new(),
                    )
                    .await
                    .map_err(|e| self.temporary("media upload failed", e))?;
                Some(outbound::Uploaded::from(response))
            }
            _ => None,
        };
        let me = self.me();
        let now_ms = whatsapp_rust::wacore::time::now_millis();
        let wa_message = outbound::build(&message, to, me.as_ref(), uploaded.as_ref(), now_ms)?;
        let result = self
            .client
            .send_message_with_options(
                recipient,
                wa_message,
                SendOptions::default().with_message_id(message_id),
            )
            .await
            .map_err(|e| self.send_error(e))?;
        Ok(Sent {
            message_id: result.message_id,
            at_ms: whatsapp_rust::wacore::time::now_millis(),
        })
    }

    async fn download(&self, media: &InboundMedia) -> Result<Bytes, WebError> {
        let bad = || WebError::new(WebErrorKind::Rejected, "not a media handle of this driver");
        let message = inbound::decode_handle(&media.handle).ok_or_else(bad)?;
        let result = if let Some(m) = message.image_message.as_option() {
            self.client.download(m).await
        } else if let Some(m) = message.video_message.as_option() {
            self.client.download(m).await
        } else if let Some(m) = message.audio_message.as_option() {
            self.client.download(m).await
        } else if let Some(m) = message.document_message.as_option() {
            self.client.download(m).await
        } else if let Some(m) = message.sticker_message.as_option() {
            self.client.download(m).await
        } else {
            return Err(bad());
        };
        result
            .map(Bytes::from)
            .map_err(|e| self.temporary("media download failed", e))
    }

    async fn mark_read(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        ids: &[String],
    ) -> Result<(), WebError> {
        let chat = to_lib_jid(chat)?;
        let sender = sender.map(to_lib_jid).transpose()?;
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.client
            .mark_as_read(&chat, sender.as_ref(), &ids)
            .await
            .map_err(|e| self.temporary("read receipt failed", e))
    }

    async fn logout(&self) -> Result<(), WebError> {
        self.client.logout().await;
        self.shut_down().await;
        Ok(())
    }

    async fn stop(&self) {
        self.shut_down().await;
    }
}
