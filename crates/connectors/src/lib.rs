//! Upstream connectors. A [`Connector`] translates the canonical model (Meta's Cloud API
//! message object) to its upstream's wire and back, and classifies upstream errors so the
//! dispatcher knows whether to retry.
//!
//! Two shapes of upstream fit behind this module: request/response APIs (the Cloud API,
//! Telegram: a call per send, inbound by webhook into the API layer) implement [`Connector`];
//! long-lived sessions (WhatsApp Web) will implement it too and push their inbound events
//! through an [`InboundSink`].

pub mod cloud;
mod error;

use async_trait::async_trait;

pub use cloud::{CloudConnector, ConnectorConfig};
pub use error::{ConnectorError, ErrorClass};

/// Where and how to reach one channel's upstream account.
///
/// Its `Debug` output leaves the access token out.
#[derive(Clone, PartialEq, Eq)]
pub struct CloudTarget {
    /// Graph API base URL without a trailing slash, e.g. `https://graph.facebook.com`.
    pub base_url: String,
    /// Graph API version, e.g. `v23.0`.
    pub api_version: String,
    /// Meta's phone number id.
    pub phone_number_id: String,
    /// WhatsApp Business Account id (templates).
    pub waba_id: String,
    /// Bearer token. Never logged.
    pub access_token: String,
}

impl CloudTarget {
    /// A target on Meta's Graph API ([`cloud::DEFAULT_BASE_URL`], [`cloud::DEFAULT_API_VERSION`]).
    pub fn meta(
        phone_number_id: impl Into<String>,
        waba_id: impl Into<String>,
        access_token: impl Into<String>,
    ) -> Self {
        Self {
            base_url: cloud::DEFAULT_BASE_URL.to_string(),
            api_version: cloud::DEFAULT_API_VERSION.to_string(),
            phone_number_id: phone_number_id.into(),
            waba_id: waba_id.into(),
            access_token: access_token.into(),
        }
    }
}

impl std::fmt::Debug for CloudTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudTarget")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

/// The upstream's answer to an accepted send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// The upstream message id (`wamid.…`).
    pub upstream_id: String,
    /// The recipient's WhatsApp id as the upstream reports it (`contacts[0].wa_id`).
    pub wa_id: Option<String>,
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

/// A connector to one kind of upstream.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Whether this upstream can carry messages of `kind` (`text`, `image`, `interactive`, …).
    fn supports(&self, kind: &str) -> bool;

    /// Sends one message; `body` is the canonical Cloud API JSON (already validated).
    async fn send(
        &self,
        target: &CloudTarget,
        body: &serde_json::Value,
    ) -> Result<SendReceipt, ConnectorError>;

    /// Marks an inbound message as read (optionally showing a typing indicator).
    async fn mark_read(
        &self,
        target: &CloudTarget,
        upstream_message_id: &str,
        typing_indicator: bool,
    ) -> Result<(), ConnectorError>;

    /// Uploads media and returns the upstream media id.
    async fn upload_media(
        &self,
        target: &CloudTarget,
        bytes: bytes::Bytes,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, ConnectorError>;

    /// Uploads media streamed from `body` (exactly `len` bytes, never held whole in memory)
    /// and returns the upstream media id.
    async fn upload_media_stream(
        &self,
        target: &CloudTarget,
        body: reqwest::Body,
        len: u64,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, ConnectorError>;

    /// Reads media metadata, including its short-lived download URL.
    async fn media_info(
        &self,
        target: &CloudTarget,
        media_id: &str,
    ) -> Result<MediaInfo, ConnectorError>;

    /// Downloads media from a URL returned by [`Connector::media_info`], as a byte stream.
    async fn download_media(
        &self,
        target: &CloudTarget,
        url: &str,
    ) -> Result<reqwest::Response, ConnectorError>;

    /// Lists message templates (`GET /{waba_id}/message_templates`), raw JSON `data` entries.
    async fn list_templates(
        &self,
        target: &CloudTarget,
        name: Option<&str>,
    ) -> Result<Vec<serde_json::Value>, ConnectorError>;

    /// Creates a message template; returns Meta's answer (`{id, status, category}`).
    async fn create_template(
        &self,
        target: &CloudTarget,
        template: &serde_json::Value,
    ) -> Result<serde_json::Value, ConnectorError>;

    /// Deletes a message template by name.
    async fn delete_template(&self, target: &CloudTarget, name: &str)
        -> Result<(), ConnectorError>;

    /// Deletes one language of the template `name`: the one whose upstream id is
    /// `upstream_id` (Meta's `hsm_id`). Upstreams without per-language deletion refuse.
    async fn delete_template_version(
        &self,
        _target: &CloudTarget,
        name: &str,
        _upstream_id: &str,
    ) -> Result<(), ConnectorError> {
        Err(ConnectorError::permanent(format!(
            "this upstream cannot delete one language of template {name}; delete it by name"
        )))
    }
}

/// Receives events pushed by session-based upstreams (WhatsApp Web): inbound messages,
/// statuses and session state changes, as Cloud API webhook payloads.
#[async_trait]
pub trait InboundSink: Send + Sync + 'static {
    /// Records one webhook-shaped payload for `channel_id`.
    async fn deliver(&self, channel_id: &str, payload: serde_json::Value);
}
