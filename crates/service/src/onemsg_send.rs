//! The 1msg dialect's sends on the native services: `quotedMsgId` read as the upstream id
//! of the quoted message (our `msg_…` ids are looked up), and `sendFile`'s / `uploadMedia`'s
//! file (an http(s) link fetched through the private-network guard, a base64 data URI, or an
//! uploaded stream) stored in the media store, its kind decided by its bytes. The message
//! itself goes through [`crate::send::send`] like any other.

use futures::StreamExt;
use switchboard_core::channel::Channel;
use switchboard_core::id::MessageId;
use switchboard_core::media::{MediaRecord, MediaSource};
use switchboard_core::template_def::media_rules::DOCUMENT_MAX;
use switchboard_store::Store;

use crate::media::fetch::fetch;
use crate::media::ingest::{decode_data_uri, ingest, IngestRequest};
use crate::media::{ByteStream, Media, MediaError};
use crate::ServiceError;

/// The id to quote (or react to) for `quotedMsgId`: a `wamid.…` as given; one of our ids
/// (`msg_…`) as its upstream id, which it has once it reached WhatsApp (inbound messages
/// always have it).
pub async fn quoted_upstream_id(
    store: &dyn Store,
    channel: &Channel,
    id: &str,
) -> Result<String, ServiceError> {
    let Ok(ours) = id.parse::<MessageId>() else {
        return Ok(id.to_string());
    };
    let found = store
        .get_message(channel.account_id, ours)
        .await?
        .map(|(m, _)| m)
        .filter(|m| m.channel_id == channel.id)
        .ok_or_else(|| {
            ServiceError::invalid(
                "quotedMsgId",
                format!("quotedMsgId: {id} is not a message of this channel"),
            )
        })?;
    found.upstream_id.ok_or_else(|| {
        ServiceError::invalid(
            "quotedMsgId",
            format!("quotedMsgId: {id} has not reached WhatsApp yet, so it cannot be quoted; try again once it is sent"),
        )
    })
}

fn upload(channel: &Channel, filename: Option<String>, mime: Option<String>) -> IngestRequest {
    IngestRequest {
        account_id: channel.account_id,
        channel_id: Some(channel.id),
        kind: None,
        declared_mime: mime,
        filename,
        source: MediaSource::Upload,
        upstream_id: None,
    }
}

/// Stores an uploaded file (a multipart part) for `channel`; its kind is read from its bytes.
pub async fn store_stream(
    store: &dyn Store,
    media: &Media,
    channel: &Channel,
    stream: ByteStream<'_>,
    filename: Option<String>,
    mime: Option<String>,
) -> Result<MediaRecord, MediaError> {
    ingest(store, media, upload(channel, filename, mime), stream).await
}

/// Stores the file `body` names for `channel`: an http(s) link (fetched, private networks
/// refused unless allowed) or a data URI (`data:image/jpeg;base64,…`). `filename` is kept
/// with it (the link's last segment when not given).
pub async fn store_file(
    store: &dyn Store,
    media: &Media,
    channel: &Channel,
    body: &str,
    filename: Option<String>,
) -> Result<MediaRecord, MediaError> {
    let body = body.trim();
    if body.starts_with("data:") {
        let (mime, bytes) = decode_data_uri(body)?;
        let stream: ByteStream<'static> = futures::stream::once(async move { Ok(bytes) }).boxed();
        return store_stream(store, media, channel, stream, filename, mime).await;
    }
    let lower = body.get(..8).unwrap_or(body).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(MediaError::Invalid(
            "body: give the file as an https:// link, a data URI (data:image/jpeg;base64,/9j/4AAQ…), or send it as the multipart field `file`".into(),
        ));
    }
    let fetched = fetch(
        &media.fetch_client,
        body,
        media.settings.allow_private_targets,
        DOCUMENT_MAX,
    )
    .await?;
    // The server's Content-Type is a hint only: the bytes decide.
    let filename = filename.or(fetched.filename);
    store_stream(store, media, channel, fetched.stream, filename, None).await
}
