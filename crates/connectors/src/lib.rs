//! Upstream connectors. A [`Connector`] translates the canonical model (Meta's Cloud API
//! message object) to its upstream's wire and back, and classifies upstream errors so the
//! dispatcher knows whether to retry.
//!
//! A connector is built for one channel's settings by a [`ConnectorFactory`] (the gateway
//! caches it per channel and rebuilds it when the settings change), so its methods name no
//! upstream-specific address: the Cloud connector carries its [`CloudTarget`], the Telegram
//! one its [`TelegramTarget`] (bot token and webhook secret). What a kind of channel can carry is not the connector's to say
//! but the capability map's
//! ([`Capabilities`](switchboard_core::channel::Capabilities)).
//!
//! Two shapes of upstream fit behind this module: request/response APIs (the Cloud API,
//! Telegram: a call per send, inbound by webhook into the API layer) implement [`Connector`];
//! long-lived sessions (WhatsApp Web) will implement it too and push their inbound events
//! through an [`InboundSink`].

pub mod cloud;
mod error;
mod factory;
mod http_error;
pub mod messenger;
pub mod telegram;
pub mod web_remote;

use async_trait::async_trait;
use switchboard_core::business_profile::{BusinessProfile, CommerceSettings, ProfileUpdate};

pub use cloud::{CloudClient, CloudConnector, CloudTarget, ConnectorConfig};
pub use error::{ConnectorError, ErrorClass};
pub use factory::{concerns_channel, ConnectorFactory, Connectors, FixedConnector};
pub use messenger::MessengerConnector;
pub use telegram::{TelegramConnector, TelegramTarget};
pub use web_remote::{RemoteWebDriver, RemoteWebSession};

/// The upstream's answer to an accepted send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// The upstream message id (`wamid.…`).
    pub upstream_id: String,
    /// The recipient's WhatsApp id as the upstream reports it (`contacts[0].wa_id`).
    pub wa_id: Option<String>,
    /// The upstream media id of a file uploaded with the send
    /// ([`Connector::send_with_attachment`]), to reuse for later sends.
    pub media_id: Option<String>,
}

/// A file uploaded together with a send (upstreams without an upload-only call).
pub struct Attachment {
    /// The bytes, streamed.
    pub body: reqwest::Body,
    /// Their length.
    pub len: u64,
    /// MIME type.
    pub mime_type: String,
    /// File name shown to the recipient.
    pub filename: String,
}

/// Media metadata from the upstream (`GET /{media_id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Short-lived download URL (needs the Bearer token).
    pub url: String,
    /// MIME type.
    pub mime_type: String,
    /// SHA-256 as the upstream reports it.
    pub sha256: Option<String>,
    /// Size in bytes.
    pub file_size: Option<u64>,
}

/// The connector of one channel: its upstream, reached with its settings.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Sends one message; `body` is the canonical Cloud API JSON (already validated, and
    /// of a kind the channel's capability map carries).
    async fn send(&self, body: &serde_json::Value) -> Result<SendReceipt, ConnectorError>;

    /// Whether media is uploaded together with the send ([`Connector::send_with_attachment`])
    /// instead of beforehand ([`Connector::upload_media_stream`]).
    fn uploads_with_send(&self) -> bool {
        false
    }

    /// Sends `body` whose one media reference is replaced by `attachment`, uploaded with
    /// it; the receipt's `media_id` is the upstream id the file got.
    async fn send_with_attachment(
        &self,
        _body: &serde_json::Value,
        _attachment: Attachment,
    ) -> Result<SendReceipt, ConnectorError> {
        Err(ConnectorError::permanent(
            "this upstream uploads media before the send, not with it",
        ))
    }

    /// Points the upstream's inbound deliveries at `webhook_url` (`None`: stop pushing, the
    /// server pulls instead). Upstreams configured elsewhere (Meta's app dashboard) do
    /// nothing.
    async fn connect_inbound(&self, _webhook_url: Option<&str>) -> Result<(), ConnectorError> {
        Ok(())
    }

    /// Pulls the inbound updates from `offset` on, waiting up to `timeout_s` seconds for
    /// one (Telegram's `getUpdates` long polling); upstreams that only push answer none.
    async fn poll_inbound(
        &self,
        _offset: i64,
        _timeout_s: u32,
    ) -> Result<Vec<serde_json::Value>, ConnectorError> {
        Ok(Vec::new())
    }

    /// Acknowledges a user action that waits for an answer (Telegram's callback query).
    async fn answer_action(&self, _action_id: &str) -> Result<(), ConnectorError> {
        Ok(())
    }

    /// Marks the inbound message `upstream_message_id` from `chat` as read (optionally
    /// showing a typing indicator). Upstreams that mark a whole conversation (Messenger,
    /// Instagram) mark `chat`'s.
    async fn mark_read(
        &self,
        chat: &str,
        upstream_message_id: &str,
        typing_indicator: bool,
    ) -> Result<(), ConnectorError>;

    /// Uploads media and returns the upstream media id.
    async fn upload_media(
        &self,
        bytes: bytes::Bytes,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, ConnectorError>;

    /// Uploads media streamed from `body` (exactly `len` bytes, never held whole in memory)
    /// and returns the upstream media id.
    async fn upload_media_stream(
        &self,
        body: reqwest::Body,
        len: u64,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, ConnectorError>;

    /// Reads media metadata, including its short-lived download URL.
    async fn media_info(&self, media_id: &str) -> Result<MediaInfo, ConnectorError>;

    /// Downloads media from a URL returned by [`Connector::media_info`], as a byte stream.
    async fn download_media(&self, url: &str) -> Result<reqwest::Response, ConnectorError>;

    /// The channel's own number as the upstream shows it, digits only (international,
    /// without `+`); `None` for upstreams without one.
    async fn display_number(&self) -> Result<Option<String>, ConnectorError> {
        Ok(None)
    }

    /// Lists message templates (`GET /{waba_id}/message_templates`), raw JSON `data` entries.
    async fn list_templates(
        &self,
        name: Option<&str>,
    ) -> Result<Vec<serde_json::Value>, ConnectorError>;

    /// Creates a message template; returns Meta's answer (`{id, status, category}`).
    async fn create_template(
        &self,
        template: &serde_json::Value,
    ) -> Result<serde_json::Value, ConnectorError>;

    /// Deletes a message template by name.
    async fn delete_template(&self, name: &str) -> Result<(), ConnectorError>;

    /// The number's business profile (`GET /{phone_number_id}/whatsapp_business_profile`).
    /// Upstreams without one refuse.
    async fn business_profile(&self) -> Result<BusinessProfile, ConnectorError> {
        Err(no_profile())
    }

    /// Changes the fields of the business profile given in `update` (already validated).
    /// Upstreams without one refuse.
    async fn update_business_profile(&self, _update: &ProfileUpdate) -> Result<(), ConnectorError> {
        Err(no_profile())
    }

    /// The number's commerce settings (`GET /{phone_number_id}/whatsapp_commerce_settings`).
    /// Upstreams without them refuse.
    async fn commerce_settings(&self) -> Result<CommerceSettings, ConnectorError> {
        Err(no_profile())
    }

    /// Changes the commerce settings given in `settings`. Upstreams without them refuse.
    async fn update_commerce_settings(
        &self,
        _settings: &CommerceSettings,
    ) -> Result<(), ConnectorError> {
        Err(no_profile())
    }

    /// Deletes one language of the template `name`: the one whose upstream id is
    /// `upstream_id` (Meta's `hsm_id`). Upstreams without per-language deletion refuse.
    async fn delete_template_version(
        &self,
        name: &str,
        _upstream_id: &str,
    ) -> Result<(), ConnectorError> {
        Err(ConnectorError::permanent(format!(
            "this upstream cannot delete one language of template {name}; delete it by name"
        )))
    }
}

/// The refusal of an upstream without WhatsApp's business profile and commerce settings.
fn no_profile() -> ConnectorError {
    ConnectorError::permanent("this upstream has no WhatsApp business profile or commerce settings")
}

/// Receives events pushed by session-based upstreams (WhatsApp Web): inbound messages,
/// statuses and session state changes, as Cloud API webhook payloads.
#[async_trait]
pub trait InboundSink: Send + Sync + 'static {
    /// Records one webhook-shaped payload for `channel_id`.
    async fn deliver(&self, channel_id: &str, payload: serde_json::Value);
}
