//! At dispatch: every `med_…` reference in a message body becomes the channel's upstream
//! media id. A fresh cached upstream id is reused; otherwise the file is streamed from the
//! storage to the upstream (no transaction open) and the new id cached. Failures come back as
//! [`ConnectorError`]s so the dispatcher classifies them like send failures.

use serde_json::Value;
use switchboard_connectors::ConnectorError;
use switchboard_core::channel::Channel;
use switchboard_core::id::MediaId;
use switchboard_core::media::{
    media_refs, substitute, upstream_is_fresh, MediaRecord, MediaRef, UpstreamMedia,
};
use switchboard_core::template_def::media_rules::MEDIA_UPLOAD_ERROR;
use switchboard_core::time::now_millis;

use super::StorageError;
use switchboard_store::Store;

use super::Media;
use crate::upstream::Upstream;

/// What resolving media references uses.
pub struct Uploads<'a> {
    /// The store (media records, cached upstream ids).
    pub store: &'a dyn Store,
    /// The media storage.
    pub media: &'a Media,
    /// The upstreams.
    pub upstream: &'a Upstream,
}

fn permanent(message: String) -> ConnectorError {
    let mut e = ConnectorError::permanent(message);
    e.code = Some(MEDIA_UPLOAD_ERROR);
    e
}

/// A fresh upstream id cached for our media `r` on `channel`.
async fn cached(
    store: &dyn Store,
    channel: &Channel,
    r: &MediaRef,
) -> Result<Option<String>, ConnectorError> {
    let cached = store
        .upstream_media(r.id, channel.id)
        .await
        .map_err(|e| ConnectorError::transient(format!("reading media {}: {e}", r.id)))?;
    Ok(cached
        .filter(|c| upstream_is_fresh(c.uploaded_at, now_millis()))
        .map(|c| c.upstream_id))
}

/// Our media `r`'s record; a permanent error when it is gone.
async fn record(
    parts: &Uploads<'_>,
    channel: &Channel,
    r: &MediaRef,
) -> Result<MediaRecord, ConnectorError> {
    parts
        .store
        .get_media(channel.account_id, r.id)
        .await
        .map_err(|e| ConnectorError::transient(format!("reading media {}: {e}", r.id)))?
        .ok_or_else(|| {
            permanent(format!(
                "{}: media {} no longer exists (deleted or expired)",
                r.path, r.id
            ))
        })
}

/// The file of `media` (referenced as `r`) to upload, streamed from the storage (nothing
/// read yet).
async fn open_file(
    parts: &Uploads<'_>,
    r: &MediaRef,
    media: MediaRecord,
) -> Result<(MediaId, switchboard_connectors::Attachment), ConnectorError> {
    let (stream, len) =
        parts
            .media
            .storage
            .open(&media.storage_key)
            .await
            .map_err(|e| match e {
                StorageError::NotFound => permanent(format!(
                    "{}: the bytes of media {} are gone from the media storage",
                    r.path, r.id
                )),
                other => ConnectorError::transient(format!("opening media {}: {other}", r.id)),
            })?;
    let filename = media
        .filename
        .clone()
        .unwrap_or_else(|| media.id.to_string());
    Ok((
        media.id,
        switchboard_connectors::Attachment {
            body: reqwest::Body::wrap_stream(stream),
            len,
            mime_type: media.mime_type,
            filename,
        },
    ))
}

/// The upstream media id of one reference on `channel`, uploading when needed.
async fn upstream_id(
    parts: &Uploads<'_>,
    channel: &Channel,
    r: &MediaRef,
) -> Result<String, ConnectorError> {
    let media = record(parts, channel, r).await?;
    if let Some(id) = cached(parts.store, channel, r).await? {
        return Ok(id);
    }
    let (media_id, file) = open_file(parts, r, media).await?;
    let uploaded_at = now_millis();
    let id = parts
        .upstream
        .connector(channel)?
        .upload_media_stream(file.body, file.len, &file.mime_type, &file.filename)
        .await?;
    let upstream = UpstreamMedia {
        upstream_id: id.clone(),
        uploaded_at,
    };
    if let Err(e) = parts
        .store
        .put_upstream_media(media_id, channel.id, &upstream)
        .await
    {
        // The upload worked; the next send uploads again instead of reusing it.
        tracing::warn!(media_id = %media_id, error = %e, "caching an upstream media id failed");
    }
    Ok(id)
}

/// A body ready for a connector that uploads media with the send
/// ([`Connector::uploads_with_send`](switchboard_connectors::Connector::uploads_with_send)).
pub enum Prepared {
    /// Send this body as is (its references resolved to cached upstream ids).
    Body(Value),
    /// Send this body with the file of our media `media_id` attached (no fresh upstream id).
    Attach {
        /// The body, its reference still naming our media.
        body: Value,
        /// Our media.
        media_id: switchboard_core::id::MediaId,
        /// The file, streamed from the storage.
        attachment: switchboard_connectors::Attachment,
    },
}

/// For connectors that upload with the send: each `med_…` reference with a fresh cached
/// upstream id is replaced by it; the first without one is opened from the storage to be
/// attached (an upstream whose messages carry one file each, like Telegram's).
pub async fn prepare(
    parts: &Uploads<'_>,
    channel: &Channel,
    body: &Value,
) -> Result<Prepared, ConnectorError> {
    let refs = media_refs(body).map_err(|e| permanent(format!("{}: {}", e.path, e.message)))?;
    let mut resolved = body.clone();
    for r in &refs {
        if let Some(id) = cached(parts.store, channel, r).await? {
            substitute(&mut resolved, r, &id);
            continue;
        }
        let media = record(parts, channel, r).await?;
        let (media_id, attachment) = open_file(parts, r, media).await?;
        return Ok(Prepared::Attach {
            body: resolved,
            media_id,
            attachment,
        });
    }
    Ok(Prepared::Body(resolved))
}

/// Caches the upstream id a file got when it was uploaded with a send.
pub async fn remember(
    store: &dyn Store,
    media_id: switchboard_core::id::MediaId,
    channel: &Channel,
    upstream_id: String,
    uploaded_at: switchboard_core::time::Millis,
) {
    let upstream = UpstreamMedia {
        upstream_id,
        uploaded_at,
    };
    if let Err(e) = store
        .put_upstream_media(media_id, channel.id, &upstream)
        .await
    {
        tracing::warn!(media_id = %media_id, error = %e, "caching an upstream media id failed");
    }
}

/// `body` with every `med_…` reference replaced by the channel's upstream media id, or
/// `None` when it names none (send it as is).
pub async fn resolve(
    parts: &Uploads<'_>,
    channel: &Channel,
    body: &Value,
) -> Result<Option<Value>, ConnectorError> {
    let refs = media_refs(body).map_err(|e| permanent(format!("{}: {}", e.path, e.message)))?;
    if refs.is_empty() {
        return Ok(None);
    }
    let mut resolved = body.clone();
    for r in &refs {
        let id = upstream_id(parts, channel, r).await?;
        substitute(&mut resolved, r, &id);
    }
    Ok(Some(resolved))
}
