//! The WhatsApp Cloud API connector: Meta's Graph API over HTTP.
//!
//! One [`CloudClient`] holds the pooled `reqwest::Client` (rustls, HTTP/1.1 keep-alive) shared
//! by every Cloud channel; a [`CloudConnector`] is that client with one channel's address and
//! token (its [`CloudTarget`]), built per channel by the
//! [`ConnectorFactory`](crate::ConnectorFactory). Every call is real HTTP to
//! `{base_url}/{api_version}/…`:
//!
//! | operation | request | success answer |
//! |---|---|---|
//! | [`send`](crate::Connector::send) | `POST /{v}/{phone_number_id}/messages` (the body as given) | `{messages[{id}], contacts[{wa_id}]}` |
//! | [`mark_read`](crate::Connector::mark_read) | `POST /{v}/{phone_number_id}/messages` `{messaging_product, status:"read", message_id, typing_indicator?}` | `{success:true}` |
//! | [`upload_media`](crate::Connector::upload_media) | `POST /{v}/{phone_number_id}/media` multipart `file`, `type`, `messaging_product` | `{id}` |
//! | [`media_info`](crate::Connector::media_info) | `GET /{v}/{media_id}` | `{url, mime_type, sha256, file_size}` |
//! | [`download_media`](crate::Connector::download_media) | `GET {url}` with the Bearer token | the bytes, streamed |
//! | [`list_templates`](crate::Connector::list_templates) | `GET /{v}/{waba_id}/message_templates[?name=]`, following `paging.next` | `{data[], paging}` |
//! | [`create_template`](crate::Connector::create_template) | `POST /{v}/{waba_id}/message_templates` | `{id, status, category}` |
//! | [`delete_template`](crate::Connector::delete_template) | `DELETE /{v}/{waba_id}/message_templates?name=` | `{success:true}` |
//! | [`delete_template_version`](crate::Connector::delete_template_version) | `DELETE /{v}/{waba_id}/message_templates?name=&hsm_id=` | `{success:true}` |
//! | [`business_profile`](crate::Connector::business_profile) | `GET /{v}/{phone_number_id}/whatsapp_business_profile?fields=…` | `{data[{about, address, …}]}` |
//! | [`update_business_profile`](crate::Connector::update_business_profile) | `POST /{v}/{phone_number_id}/whatsapp_business_profile` `{messaging_product, …}` | `{success:true}` |
//! | [`commerce_settings`](crate::Connector::commerce_settings) | `GET /{v}/{phone_number_id}/whatsapp_commerce_settings` | `{data[{is_cart_enabled, is_catalog_visible}]}` |
//! | [`update_commerce_settings`](crate::Connector::update_commerce_settings) | `POST /{v}/{phone_number_id}/whatsapp_commerce_settings?is_cart_enabled=&is_catalog_visible=` | `{success:true}` |
//!
//! Failures become a [`ConnectorError`] classified by [`classify`]: see its table. The access
//! token is sent only in the `Authorization` header, never in a URL, and is scrubbed from
//! every error message and log line this module produces.

mod classify;
pub(crate) mod client;
mod media;
mod messages;
mod phone;
mod profile;
mod target;
mod templates;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use switchboard_core::business_profile::{BusinessProfile, CommerceSettings, ProfileUpdate};

use crate::{Connector, ConnectorError, MediaInfo, SendReceipt};

pub use classify::{classify, RATE_LIMITED_CODES, TRANSIENT_CODES};
pub use target::CloudTarget;

/// Meta's Graph API.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// The Graph API version used when a channel names none.
pub const DEFAULT_API_VERSION: &str = switchboard_core::channel::DEFAULT_API_VERSION;
/// The `User-Agent` sent by default.
pub const DEFAULT_USER_AGENT: &str = concat!("switchboard/", env!("CARGO_PKG_VERSION"));

/// Settings of the shared HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    /// Whole-request limit of a Graph API call (connect, send, answer). Default 15 s.
    pub request_timeout: Duration,
    /// TCP + TLS connection limit. Default 5 s.
    pub connect_timeout: Duration,
    /// Whole-request limit of a media upload or download (the caller's reading of the stream
    /// included). Default 120 s.
    pub media_timeout: Duration,
    /// `User-Agent` header. Default [`DEFAULT_USER_AGENT`].
    pub user_agent: String,
    /// Idle keep-alive connections kept per host. Default 256.
    pub pool_max_idle_per_host: usize,
    /// How long an idle pooled connection is kept. Default 90 s.
    pub pool_idle_timeout: Duration,
    /// Most pages [`Connector::list_templates`] follows; a longer list is an error rather
    /// than a silently truncated one. Default 50.
    pub max_template_pages: usize,
}

impl Default for ConnectorConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            media_timeout: Duration::from_secs(120),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            pool_max_idle_per_host: 256,
            pool_idle_timeout: Duration::from_secs(90),
            max_template_pages: 50,
        }
    }
}

/// The HTTP client every Cloud channel shares. Cheap to clone; clones share the connection
/// pool.
#[derive(Clone)]
pub struct CloudClient {
    client: reqwest::Client,
    config: Arc<ConnectorConfig>,
}

impl std::fmt::Debug for CloudClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl CloudClient {
    /// Builds the HTTP client. Fails only when the TLS backend cannot be
    /// initialised or the user agent is not a valid header value (a permanent error).
    pub fn new(config: ConnectorConfig) -> Result<Self, ConnectorError> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.as_str())
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .pool_idle_timeout(config.pool_idle_timeout)
            .tcp_keepalive(Duration::from_secs(60))
            .tcp_nodelay(true)
            .use_rustls_tls()
            .build()
            .map_err(|e| ConnectorError::permanent(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self::with_client(client, config))
    }

    /// A Cloud client on an existing `reqwest` client (to share one pool with other components). The
    /// client's own settings win over `config`'s pool and connect settings; the per-request
    /// timeouts of `config` still apply.
    pub fn with_client(client: reqwest::Client, config: ConnectorConfig) -> Self {
        Self {
            client,
            config: Arc::new(config),
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &ConnectorConfig {
        &self.config
    }

    /// The shared HTTP client.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The connector of the channel reached at `target`, sharing this client's pool.
    pub fn connector(&self, target: CloudTarget) -> CloudConnector {
        CloudConnector {
            client: self.clone(),
            target,
        }
    }
}

/// The Cloud API connector of one channel: the shared [`CloudClient`] and the channel's
/// [`CloudTarget`]. Cheap to clone.
#[derive(Clone)]
pub struct CloudConnector {
    client: CloudClient,
    target: CloudTarget,
}

impl std::fmt::Debug for CloudConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudConnector")
            .field("client", &self.client)
            .field("target", &self.target)
            .finish()
    }
}

impl CloudConnector {
    /// The connector of the channel at `target` on `client`.
    pub fn new(client: CloudClient, target: CloudTarget) -> Self {
        Self { client, target }
    }

    /// Where it sends.
    pub fn target(&self) -> &CloudTarget {
        &self.target
    }

    /// The shared client.
    pub fn client(&self) -> &CloudClient {
        &self.client
    }
}

#[async_trait]
impl Connector for CloudConnector {
    async fn send(&self, body: &Value) -> Result<SendReceipt, ConnectorError> {
        messages::send(&self.client, &self.target, body).await
    }

    async fn mark_read(
        &self,
        _chat: &str,
        upstream_message_id: &str,
        typing_indicator: bool,
    ) -> Result<(), ConnectorError> {
        messages::mark_read(
            &self.client,
            &self.target,
            upstream_message_id,
            typing_indicator,
        )
        .await
    }

    async fn upload_media(
        &self,
        bytes: bytes::Bytes,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, ConnectorError> {
        let len = bytes.len() as u64;
        let body = reqwest::Body::from(bytes);
        media::upload(&self.client, &self.target, body, len, mime_type, filename).await
    }

    async fn upload_media_stream(
        &self,
        body: reqwest::Body,
        len: u64,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, ConnectorError> {
        media::upload(&self.client, &self.target, body, len, mime_type, filename).await
    }

    async fn media_info(&self, media_id: &str) -> Result<MediaInfo, ConnectorError> {
        media::info(&self.client, &self.target, media_id).await
    }

    async fn download_media(&self, url: &str) -> Result<reqwest::Response, ConnectorError> {
        media::download(&self.client, &self.target, url).await
    }

    async fn list_templates(&self, name: Option<&str>) -> Result<Vec<Value>, ConnectorError> {
        templates::list(&self.client, &self.target, name).await
    }

    async fn display_number(&self) -> Result<Option<String>, ConnectorError> {
        phone::display_number(&self.client, &self.target).await
    }

    async fn create_template(&self, template: &Value) -> Result<Value, ConnectorError> {
        templates::create(&self.client, &self.target, template).await
    }

    async fn delete_template(&self, name: &str) -> Result<(), ConnectorError> {
        templates::delete(&self.client, &self.target, name, None).await
    }

    async fn delete_template_version(
        &self,
        name: &str,
        upstream_id: &str,
    ) -> Result<(), ConnectorError> {
        templates::delete(&self.client, &self.target, name, Some(upstream_id)).await
    }

    async fn business_profile(&self) -> Result<BusinessProfile, ConnectorError> {
        profile::get(&self.client, &self.target).await
    }

    async fn update_business_profile(&self, update: &ProfileUpdate) -> Result<(), ConnectorError> {
        profile::update(&self.client, &self.target, update).await
    }

    async fn commerce_settings(&self) -> Result<CommerceSettings, ConnectorError> {
        profile::commerce(&self.client, &self.target).await
    }

    async fn update_commerce_settings(
        &self,
        settings: &CommerceSettings,
    ) -> Result<(), ConnectorError> {
        profile::update_commerce(&self.client, &self.target, settings).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = ConnectorConfig::default();
        assert_eq!(c.request_timeout, Duration::from_secs(15));
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.pool_max_idle_per_host, 256);
        assert!(c.user_agent.starts_with("switchboard/"));
        assert_eq!(DEFAULT_BASE_URL, "https://graph.facebook.com");
        assert_eq!(DEFAULT_API_VERSION, "v23.0");
    }

    #[test]
    fn debug_output_hides_the_token() {
        let t = CloudTarget::meta("1", "2", "EAAG-very-secret");
        let s = format!("{t:?}");
        assert!(!s.contains("EAAG-very-secret"), "{s}");
        assert!(s.contains("[redacted]"));
        assert_eq!(t.base_url, DEFAULT_BASE_URL);
        let client = CloudClient::new(ConnectorConfig::default()).expect("client");
        let c = client.connector(t);
        let s = format!("{c:?}");
        assert!(
            s.contains("CloudConnector") && !s.contains("EAAG-very-secret"),
            "{s}"
        );
    }
}
