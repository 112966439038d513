//! Inbound media: before an inbound webhook is recorded, each new image, video, audio,
//! document or sticker message's file is downloaded from the upstream (`media_info`, then
//! the authenticated download, streamed into the media storage) and its object gains
//! `media_id` (ours) and `media_url` (`<public_url>/v1/media/{id}/content`) beside the
//! upstream `id`, so the `message.received` event and its webhooks carry our URL.
//!
//! The download happens before the message is recorded, outside any transaction, bounded by
//! [`super::MediaSettings::inbound_timeout`]. If it fails the message is still recorded, with
//! `media_error` saying why, and keeps the upstream id (valid at Meta for 7 days). Messages
//! already recorded (a redelivered webhook) are not downloaded again.

use std::io;

use futures::StreamExt;
use serde_json::Value;
use switchboard_core::channel::Channel;
use switchboard_core::cloud_webhook::{ChangeValue, InboundMessage, WebhookPayload};
use switchboard_core::media::{MediaRecord, MediaSource};
use switchboard_core::template_def::media_rules::MediaKind;
use switchboard_core::time::Millis;
use switchboard_store::StoreError;

use super::ingest::{ingest, IngestRequest};
use crate::gateway::Gateway;
use crate::inbound::{record_cloud_webhook, InboundSummary};
use crate::upstream::Upstream;

/// What inbound recording works with: the store, the upstreams media is downloaded from, and
/// the media storage it goes to.
#[derive(Clone)]
pub struct InboundParts {
    /// The store.
    pub store: std::sync::Arc<dyn switchboard_store::Store>,
    /// The upstreams.
    pub upstream: Upstream,
    /// Media storage and settings.
    pub media: super::Media,
}

impl From<&Gateway> for InboundParts {
    fn from(g: &Gateway) -> Self {
        Self {
            store: g.store.clone(),
            upstream: g.upstream.clone(),
            media: g.media.clone(),
        }
    }
}

/// Downloads one upstream media file into our storage.
async fn download(
    parts: &InboundParts,
    channel: &Channel,
    kind: MediaKind,
    upstream_id: &str,
    content: &Value,
) -> Result<MediaRecord, String> {
    let connector = parts
        .upstream
        .connector(channel)
        .map_err(|e| format!("reading the upstream media failed: {e}"))?;
    let info = connector
        .media_info(upstream_id)
        .await
        .map_err(|e| format!("reading the upstream media failed: {e}"))?;
    let response = connector
        .download_media(&info.url)
        .await
        .map_err(|e| format!("downloading the upstream media failed: {e}"))?;
    let stream = response
        .bytes_stream()
        .map(|c| c.map_err(io::Error::other))
        .boxed();
    let declared = content
        .get("mime_type")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(Some(info.mime_type));
    let request = IngestRequest {
        account_id: channel.account_id,
        channel_id: Some(channel.id),
        kind: Some(kind),
        declared_mime: declared,
        filename: content
            .get("filename")
            .and_then(Value::as_str)
            .map(str::to_string),
        source: MediaSource::Inbound,
        upstream_id: Some(upstream_id.to_string()),
    };
    ingest(parts.store.as_ref(), &parts.media, request, stream)
        .await
        .map_err(|e| format!("storing the upstream media failed: {e}"))
}

async fn attach(parts: &InboundParts, channel: &Channel, message: &mut InboundMessage) {
    let Some(kind) = MediaKind::from_name(&message.kind) else {
        return;
    };
    let Some(upstream_id) = message
        .content()
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    match parts.store.find_by_upstream(channel.id, &message.id).await {
        Ok(None) => {}
        Ok(Some(_)) => return,
        Err(e) => {
            tracing::warn!(error = %e, "checking for a duplicate inbound message failed");
        }
    }
    let content = message.content().cloned().unwrap_or(Value::Null);
    let timeout = parts.media.settings.inbound_timeout;
    let outcome = tokio::time::timeout(
        timeout,
        download(parts, channel, kind, &upstream_id, &content),
    )
    .await
    .unwrap_or_else(|_| {
        Err(format!(
            "downloading the upstream media took longer than {} s",
            timeout.as_secs()
        ))
    });
    let Some(Value::Object(object)) = message.extra.get_mut(&message.kind) else {
        return;
    };
    match outcome {
        Ok(media) => {
            object.insert("media_id".into(), Value::String(media.id.to_string()));
            object.insert(
                "media_url".into(),
                Value::String(parts.media.content_url(media.id)),
            );
        }
        Err(e) => {
            tracing::warn!(channel_id = %channel.id, upstream_media_id = %upstream_id, error = %e, "inbound media not stored");
            object.insert("media_error".into(), Value::String(e));
        }
    }
}

/// Downloads the media of the new inbound messages of one Cloud-shaped `value` (translated
/// from another upstream), then records it with [`crate::inbound::record_messages`].
pub async fn record_value_with_media(
    parts: &InboundParts,
    channel: &Channel,
    mut value: switchboard_core::cloud_webhook::MessagesValue,
    now: Millis,
) -> Result<InboundSummary, StoreError> {
    for message in value.messages.iter_mut().flatten() {
        attach(parts, channel, message).await;
    }
    crate::inbound::record_messages(parts.store.as_ref(), channel, &value, now).await
}

/// Downloads the media of new inbound messages in `payload` (see the module docs), then
/// records the payload like [`record_cloud_webhook`].
pub async fn record_with_media(
    parts: &InboundParts,
    channel: &Channel,
    mut payload: WebhookPayload,
    now: Millis,
) -> Result<InboundSummary, StoreError> {
    for entry in &mut payload.entry {
        for change in &mut entry.changes {
            if let ChangeValue::Messages(value) = &mut change.value {
                let ours = channel.settings.cloud().map(|c| c.phone_number_id.as_str());
                if ours != Some(value.metadata.phone_number_id.as_str()) {
                    continue;
                }
                for message in value.messages.iter_mut().flatten() {
                    attach(parts, channel, message).await;
                }
            }
        }
    }
    record_cloud_webhook(parts.store.as_ref(), channel, &payload, now).await
}
