//! The Messenger and Instagram connector: Meta's Send API over HTTP, for one Facebook Page or
//! one Instagram professional account.
//!
//! Built per channel by the factory:
//! [`MessengerConnector::messenger`]`(client, &MessengerSettings, sandbox_base_url)` or
//! [`MessengerConnector::instagram`]`(client, &InstagramSettings, sandbox_base_url)`, sharing the
//! Cloud connector's [`CloudClient`] pool and timeouts. The host is the settings' `base_url`,
//! else `sandbox_base_url` for a sandbox channel, else Meta's: `https://graph.facebook.com`
//! for Messenger and for Instagram with a linked `page_id` (Facebook Login, sent to `/me/…`
//! with the Page token), `https://graph.instagram.com` for Instagram without one (Instagram
//! Login, sent to `/{ig_account_id}/…`) — see [`PageTarget`]. The token goes only in
//! `Authorization: Bearer`, never in a URL or an error.
//!
//! | operation | request | answer |
//! |---|---|---|
//! | [`send`](crate::Connector::send) | `POST /{v}/{id}/messages` with [`to_send_api`] of the canonical body | `{recipient_id, message_id}` (a reaction: `{recipient_id}`, and the receipt gets a local id `react.{mid}.{ms}.{n}`) |
//! | [`upload_media`](crate::Connector::upload_media), [`upload_media_stream`](crate::Connector::upload_media_stream) | `POST /{v}/{id}/message_attachments`, multipart `message` + `filedata` | `{attachment_id}`, sent later as `payload.attachment_id` |
//! | [`media_info`](crate::Connector::media_info) | none: an inbound media id is the attachment's CDN URL ([`inbound`]) | the URL, a MIME type from its extension |
//! | [`download_media`](crate::Connector::download_media) | `GET {CDN URL}` without the token | the bytes, streamed |
//! | [`mark_read`](crate::Connector::mark_read) | `POST /{v}/{id}/messages` `{recipient:{id: chat}, sender_action:"mark_seen"}` (then `typing_on` when asked): the whole conversation is marked | `{recipient_id}` |
//! | templates | — | permanent error: Messenger and Instagram have no Cloud API templates |
//!
//! # The canonical message on the Send API
//!
//! | canonical | Send API |
//! |---|---|
//! | `to` | `recipient.id` (PSID or IGSID, digits) |
//! | `text.body` | `message.text` (`preview_url` has no equivalent: links are previewed) |
//! | `image`/`video`/`audio`/`document` `{link}` | `message.attachment{type: image/video/audio/file, payload{url, is_reusable:true}}` |
//! | the same `{id}` (an id [`upload_media`](crate::Connector::upload_media) returned) | `payload{attachment_id}` |
//! | `interactive` `button` | `message{text, quick_replies[{content_type:"text", title, payload: button id}]}`: quick replies because a tap comes back as a message carrying the id, like a WhatsApp reply button |
//! | `interactive` `list` | quick replies too, one per row in order (a list is a one-time choice; a generic template would lose the body text and show one card per row) |
//! | `interactive` `cta_url` | `attachment{type:"template", payload{template_type:"button", text, buttons[{type:"web_url", url, title: display_text}]}}` |
//! | `interactive` `generic` `{elements[{title, subtitle, image_url, default_action, buttons}]}` | `attachment{type:"template", payload{template_type:"generic", elements}}`, the elements as given (a `postback` button's tap comes back as a postback with its payload) |
//! | `interactive` header text, body, footer | the message text, one paragraph each |
//! | `reaction{message_id, emoji}` | `sender_action:"react", payload{message_id, reaction: emoji}`; `emoji: ""` → `sender_action:"unreact", payload{message_id}` |
//! | `context.message_id` | top-level `reply_to{mid}` |
//! | `messaging_type`, `tag` (top level, optional) | `messaging_type` `RESPONSE` by default, `UPDATE`, or `MESSAGE_TAG` + `tag:"HUMAN_AGENT"` when the body has `"tag":"HUMAN_AGENT"` ([`messaging`]) |
//!
//! Refused by [`check`] before any call, naming the field ([`LimitError`]): text of 2000
//! characters or more (Messenger) or over 1000 bytes (Instagram), empty text; a caption (the
//! Send API has none); a media header; more than 13 choices; a title over 20 characters or an
//! id over 1000; a list row with a description; a `cta_url` text over 640 characters; a
//! `phone_number` button of a generic template on Instagram; a tag
//! other than `HUMAN_AGENT`; kinds neither carries (sticker, location, contacts, template,
//! other interactive types). Document `filename` and audio `voice` are not sent.
//!
//! Failures are classified by [`classify()`]; the Graph `error_subcode` is kept in
//! [`ConnectorError::details`] ([`subcode`]), and [`is_channel_error`] says which errors
//! concern the channel rather than the message (Meta's code 10 and 200 mean a closed window
//! and a blocked user here, not bad credentials).
//!
//! Inbound webhooks: [`verify_signature`], [`hub_challenge`] and [`inbound::translate`].

mod classify;
mod http;
pub mod inbound;
mod limits;
mod media;
mod outbound;
mod send;
mod target;
mod verify;

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::channel::{InstagramSettings, MessengerSettings};

use crate::cloud::CloudClient;
use crate::{Connector, ConnectorError, MediaInfo, SendReceipt};

pub use classify::{classify, is_channel_error, subcode, RATE_LIMITED_CODES, TRANSIENT_CODES};
pub use inbound::{translate, InboundError, Translated, Watermark};
pub use limits::{
    LimitError, BUTTONS_MAX, BUTTON_TEMPLATE_TEXT_MAX, INSTAGRAM_TEXT_MAX_BYTES,
    MESSENGER_TEXT_MAX_CHARS, PAYLOAD_MAX, QUICK_REPLIES_MAX, TITLE_MAX,
};
pub use media::attachment_type;
pub use outbound::{check, messaging, to_send_api, Messaging, HUMAN_AGENT};
pub use target::{PageTarget, Platform, FACEBOOK_GRAPH, INSTAGRAM_GRAPH};
pub use verify::{hub_challenge, verify_signature, SIGNATURE_HEADER};

/// The connector of one Messenger Page or Instagram account: the shared [`CloudClient`] and
/// the channel's [`PageTarget`]. Cheap to clone.
#[derive(Clone)]
pub struct MessengerConnector {
    client: CloudClient,
    target: PageTarget,
}

impl std::fmt::Debug for MessengerConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessengerConnector")
            .field("client", &self.client)
            .field("target", &self.target)
            .finish()
    }
}

impl MessengerConnector {
    /// The connector of the channel at `target`.
    pub fn new(client: CloudClient, target: PageTarget) -> Self {
        Self { client, target }
    }

    /// The connector of a Messenger Page; `sandbox_base_url` is used when the settings say
    /// `sandbox` and name no `base_url`.
    pub fn messenger(
        client: CloudClient,
        settings: &MessengerSettings,
        sandbox_base_url: &str,
    ) -> Self {
        Self::new(client, PageTarget::messenger(settings, sandbox_base_url))
    }

    /// The connector of an Instagram account (Facebook Login with a `page_id`, Instagram
    /// Login without); `sandbox_base_url` as for [`MessengerConnector::messenger`].
    pub fn instagram(
        client: CloudClient,
        settings: &InstagramSettings,
        sandbox_base_url: &str,
    ) -> Self {
        Self::new(client, PageTarget::instagram(settings, sandbox_base_url))
    }

    /// Where it sends.
    pub fn target(&self) -> &PageTarget {
        &self.target
    }

    fn no_templates(&self) -> ConnectorError {
        ConnectorError::permanent(format!(
            "{} has no message templates (they are a WhatsApp Cloud API feature); send free-form messages within the window, or tag a person's reply HUMAN_AGENT",
            self.target.platform.as_str()
        ))
    }
}

#[async_trait]
impl Connector for MessengerConnector {
    async fn send(&self, body: &Value) -> Result<SendReceipt, ConnectorError> {
        send::send(&self.client, &self.target, body).await
    }

    async fn mark_read(
        &self,
        chat: &str,
        _upstream_message_id: &str,
        typing_indicator: bool,
    ) -> Result<(), ConnectorError> {
        send::sender_action(&self.client, &self.target, chat, "mark_seen").await?;
        if typing_indicator {
            send::sender_action(&self.client, &self.target, chat, "typing_on").await?;
        }
        Ok(())
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
        media::info(media_id)
    }

    async fn download_media(&self, url: &str) -> Result<reqwest::Response, ConnectorError> {
        media::download(&self.client, url).await
    }

    async fn list_templates(&self, _name: Option<&str>) -> Result<Vec<Value>, ConnectorError> {
        Err(self.no_templates())
    }

    async fn create_template(&self, _template: &Value) -> Result<Value, ConnectorError> {
        Err(self.no_templates())
    }

    async fn delete_template(&self, _name: &str) -> Result<(), ConnectorError> {
        Err(self.no_templates())
    }

    async fn delete_template_version(
        &self,
        _name: &str,
        _upstream_id: &str,
    ) -> Result<(), ConnectorError> {
        Err(self.no_templates())
    }
}
