//! Taking in a file: read its first bytes, classify it (uploads: WhatsApp's rules and the
//! declared type; inbound: the upstream's type, capped by the kind's size), stream it to the
//! storage with the size limit enforced as it flows, then record its metadata.

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use switchboard_core::id::{AccountId, ChannelId, MediaId};
use switchboard_core::media::{MediaRecord, MediaSource};
use switchboard_core::template_def::media_rules::{
    classify, kind_for_mime, normalize_mime, sniff, MediaKind, MediaRuleReason, MediaType,
    SNIFF_LEN,
};
use switchboard_core::time::now_millis;

use super::storage::{ByteStream, StorageError};
use super::{Media, MediaError};
use switchboard_store::Store;

/// What is known about a file before its bytes are read.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// Owning account.
    pub account_id: AccountId,
    /// The channel it is for or came from, if any.
    pub channel_id: Option<ChannelId>,
    /// The declared kind (uploads) or the message kind (inbound).
    pub kind: Option<MediaKind>,
    /// The declared MIME type (uploads) or the upstream's (inbound).
    pub declared_mime: Option<String>,
    /// The original file name.
    pub filename: Option<String>,
    /// Upload or inbound.
    pub source: MediaSource,
    /// For inbound media: the upstream media id.
    pub upstream_id: Option<String>,
}

/// Declared types that say nothing about the file.
fn is_generic(mime: &str) -> bool {
    matches!(
        mime,
        "" | "application/octet-stream" | "binary/octet-stream" | "application/unknown"
    )
}

/// Reads up to [`SNIFF_LEN`] bytes from the front of `stream`.
async fn read_prefix(stream: &mut ByteStream<'_>) -> Result<Bytes, StorageError> {
    let mut prefix = BytesMut::new();
    while prefix.len() < SNIFF_LEN {
        match stream.next().await {
            Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
            Some(Err(e)) => return Err(StorageError::Source(e)),
            None => break,
        }
    }
    Ok(prefix.freeze())
}

fn classify_upload(req: &IngestRequest, prefix: &[u8]) -> Result<MediaType, MediaError> {
    let declared = req
        .declared_mime
        .as_deref()
        .map(normalize_mime)
        .filter(|d| !is_generic(d));
    let media_type = classify(req.kind, declared.as_deref(), prefix).map_err(|mut e| {
        if e.reason == MediaRuleReason::Empty {
            e.message = format!("{}; send a file with content", e.message);
        }
        MediaError::Rule(e)
    })?;
    if let Some(d) = declared {
        if d != media_type.mime {
            return Err(MediaError::Mismatch(format!(
                "the declared type {d} contradicts the file's bytes, which are {}; declare {} or leave the type out",
                media_type.mime, media_type.mime
            )));
        }
    }
    Ok(media_type)
}

fn classify_inbound(req: &IngestRequest, prefix: &[u8]) -> MediaType {
    let declared = req
        .declared_mime
        .as_deref()
        .map(normalize_mime)
        .filter(|d| !is_generic(d));
    let mime = match (sniff(prefix), declared) {
        // A sniffed container or audio/video ambiguity is settled by the upstream's type.
        (Some(s), Some(d))
            if s == "application/zip" || s == "application/x-ole-storage" || s == "video/mp4" =>
        {
            if d.starts_with("application/") || d == "audio/mp4" {
                d
            } else {
                s.to_string()
            }
        }
        (Some(s), _) => s.to_string(),
        (None, Some(d)) => d,
        (None, None) => "application/octet-stream".to_string(),
    };
    let kind = req
        .kind
        .or_else(|| kind_for_mime(&mime))
        .unwrap_or(MediaKind::Document);
    MediaType {
        kind,
        mime,
        animated: false,
        max_bytes: kind.max_bytes(),
    }
}

/// Classifies, stores and records `stream`. Nothing is kept when any step fails.
pub async fn ingest(
    store: &dyn Store,
    media: &Media,
    req: IngestRequest,
    mut stream: ByteStream<'_>,
) -> Result<MediaRecord, MediaError> {
    let prefix = read_prefix(&mut stream)
        .await
        .map_err(|e| MediaError::Source(e.to_string()))?;
    let media_type = match req.source {
        MediaSource::Upload => classify_upload(&req, &prefix)?,
        MediaSource::Inbound => {
            if prefix.is_empty() {
                return Err(MediaError::Fetch("the upstream sent an empty file".into()));
            }
            classify_inbound(&req, &prefix)
        }
    };
    let id = MediaId::new();
    let key = id.to_string();
    let whole: ByteStream<'_> = futures::stream::once(async move { Ok(prefix) })
        .chain(stream)
        .boxed();
    let stored = media
        .storage
        .put(&key, whole, media_type.max_bytes)
        .await
        .map_err(|e| match e {
            StorageError::TooLarge { limit } => {
                let rule = if media_type.kind == MediaKind::Sticker {
                    format!(
                        "a {} sticker must be at most {} KB",
                        if media_type.animated {
                            "animated"
                        } else {
                            "static"
                        },
                        limit / 1024
                    )
                } else {
                    media_type.kind.rule().to_string()
                };
                MediaError::too_large(&rule, limit)
            }
            StorageError::Source(e) => MediaError::Source(format!("reading the file failed: {e}")),
            other => MediaError::Storage(other.to_string()),
        })?;
    if let Err(e) = media_type.check_size(stored.size) {
        let _ = media.storage.delete(&key).await;
        return Err(MediaError::Rule(e));
    }
    let now = now_millis();
    let record = MediaRecord {
        id,
        account_id: req.account_id,
        channel_id: req.channel_id,
        kind: media_type.kind,
        mime_type: media_type.mime,
        size: stored.size,
        sha256: stored.sha256,
        filename: req
            .filename
            .map(|f| {
                f.chars()
                    .filter(|c| !c.is_control())
                    .take(255)
                    .collect::<String>()
            })
            .filter(|f| !f.trim().is_empty()),
        storage_key: stored.key,
        source: req.source,
        upstream_id: req.upstream_id,
        created_at: now,
        expires_at: now.saturating_add(media.settings.expiry_ms),
    };
    if let Err(e) = store.insert_media(&record).await {
        let _ = media.storage.delete(&key).await;
        return Err(MediaError::Store(e));
    }
    Ok(record)
}

/// A `data:[<mime>][;base64],<data>` URI decoded: its declared MIME type and bytes.
pub fn decode_data_uri(uri: &str) -> Result<(Option<String>, Bytes), MediaError> {
    use base64::Engine;
    let rest = uri.trim().strip_prefix("data:").ok_or_else(|| {
        MediaError::Invalid("data must be a data URI: data:<mime>;base64,<bytes>".into())
    })?;
    let (meta, payload) = rest
        .split_once(',')
        .ok_or_else(|| MediaError::Invalid("the data URI has no `,` before its data".into()))?;
    let mut parts = meta.split(';');
    let mime = parts
        .next()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    if !parts.any(|p| p.trim().eq_ignore_ascii_case("base64")) {
        return Err(MediaError::Invalid(
            "the data URI must be base64-encoded (data:<mime>;base64,<bytes>)".into(),
        ));
    }
    let cleaned: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| MediaError::Invalid(format!("the data URI's base64 is invalid: {e}")))?;
    Ok((mime, Bytes::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_uris() {
        let (mime, bytes) = decode_data_uri("data:image/png;base64,aGVs bG8=").expect("ok");
        assert_eq!(mime.as_deref(), Some("image/png"));
        assert_eq!(&bytes[..], b"hello");
        assert!(decode_data_uri("image/png;base64,aGVsbG8=").is_err());
        assert!(decode_data_uri("data:image/png,hello").is_err());
        assert!(decode_data_uri("data:image/png;base64,!!!").is_err());
    }
}
