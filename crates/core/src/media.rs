//! Stored media files (`med_…`): their metadata, and the places in a Cloud API message body
//! that may name one by our id (a media message's `id`, a template header parameter's `id`).

use serde_json::Value;

use crate::id::{AccountId, ChannelId, MediaId};
use crate::template_def::media_rules::MediaKind;
use crate::time::Millis;

/// Where a media file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaSource {
    /// Uploaded by a client (file, data URI or URL).
    Upload,
    /// Downloaded from the upstream for an inbound message.
    Inbound,
}

impl MediaSource {
    /// `upload` or `inbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaSource::Upload => "upload",
            MediaSource::Inbound => "inbound",
        }
    }

    /// Parses [`MediaSource::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upload" => Some(MediaSource::Upload),
            "inbound" => Some(MediaSource::Inbound),
            _ => None,
        }
    }
}

/// A stored media file's metadata. The bytes live in the media storage under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRecord {
    /// `med_…`
    pub id: MediaId,
    /// Owning account.
    pub account_id: AccountId,
    /// The channel it was uploaded for or received on, if any.
    pub channel_id: Option<ChannelId>,
    /// Media kind.
    pub kind: MediaKind,
    /// MIME type, detected from the bytes.
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    /// The original file name, if known.
    pub filename: Option<String>,
    /// Where the bytes are in the media storage.
    pub storage_key: String,
    /// Upload or inbound.
    pub source: MediaSource,
    /// For inbound media: the upstream media id it was downloaded from.
    pub upstream_id: Option<String>,
    /// Creation time.
    pub created_at: Millis,
    /// When the sweeper deletes it.
    pub expires_at: Millis,
}

/// The upstream's copy of one of our media files on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamMedia {
    /// The upstream media id.
    pub upstream_id: String,
    /// When it was uploaded.
    pub uploaded_at: Millis,
}

/// How long an upstream media id is reused: Meta keeps uploads for 30 days; one day of margin.
pub const UPSTREAM_REUSE_MS: i64 = 29 * 24 * 60 * 60 * 1000;

/// Whether an upstream copy uploaded at `uploaded_at` may still be used at `now`.
pub fn upstream_is_fresh(uploaded_at: Millis, now: Millis) -> bool {
    now.saturating_sub(uploaded_at) < UPSTREAM_REUSE_MS
}

/// One reference to our media by id inside a message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// JSON path of the `id` field, e.g. `image.id` or
    /// `template.components[0].parameters[0].image.id`.
    pub path: String,
    /// The kind the place expects.
    pub kind: MediaKind,
    /// Our media id.
    pub id: MediaId,
}

/// Why a body names a media id that cannot be ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMediaRef {
    /// JSON path of the `id` field.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn media_id_at(
    object: &Value,
    path: String,
    kind: MediaKind,
    found: &mut Vec<MediaRef>,
) -> Result<(), BadMediaRef> {
    let Some(id) = object.get("id").and_then(Value::as_str) else {
        return Ok(());
    };
    if !id.starts_with("med_") {
        return Ok(());
    }
    let path = format!("{path}.id");
    let id = id.parse::<MediaId>().map_err(|e| BadMediaRef {
        path: path.clone(),
        message: format!("`{id}` is not a media id: {e}"),
    })?;
    found.push(MediaRef { path, kind, id });
    Ok(())
}

/// Every reference to our media (`"id": "med_…"`) in a Cloud API message body: the media
/// object of an image, video, audio, document or sticker message, and the image, video or
/// document parameters of a template's components. Other ids (upstream ids) are left alone.
pub fn media_refs(body: &Value) -> Result<Vec<MediaRef>, BadMediaRef> {
    let mut found = Vec::new();
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
    if let Some(k) = MediaKind::from_name(kind) {
        if let Some(object) = body.get(k.as_str()) {
            media_id_at(object, k.as_str().to_string(), k, &mut found)?;
        }
    }
    if kind == "template" {
        let components = body
            .pointer("/template/components")
            .and_then(Value::as_array);
        for (ci, component) in components.into_iter().flatten().enumerate() {
            let params = component.get("parameters").and_then(Value::as_array);
            for (pi, param) in params.into_iter().flatten().enumerate() {
                for k in [MediaKind::Image, MediaKind::Video, MediaKind::Document] {
                    if let Some(object) = param.get(k.as_str()) {
                        let path =
                            format!("template.components[{ci}].parameters[{pi}].{}", k.as_str());
                        media_id_at(object, path, k, &mut found)?;
                    }
                }
            }
        }
    }
    Ok(found)
}

/// Replaces the `id` at `reference.path` in `body` with `upstream_id`.
pub fn substitute(body: &mut Value, reference: &MediaRef, upstream_id: &str) {
    let Some(pointer) = json_pointer(&reference.path) else {
        return;
    };
    if let Some(slot) = body.pointer_mut(&pointer) {
        *slot = Value::String(upstream_id.to_string());
    }
}

/// `a.b[0].c` → `/a/b/0/c`.
fn json_pointer(path: &str) -> Option<String> {
    let mut out = String::new();
    for part in path.split('.') {
        let (name, indexes) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        out.push('/');
        out.push_str(name);
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            out.push('/');
            out.push_str(index.strip_suffix(']')?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_and_substitutes_media_refs() {
        let id = MediaId::new();
        let mut body = json!({"type": "image", "image": {"id": id.to_string(), "caption": "x"}});
        let refs = media_refs(&body).unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].path, "image.id");
        assert_eq!(refs[0].kind, MediaKind::Image);
        substitute(&mut body, &refs[0], "123");
        assert_eq!(body["image"]["id"], "123");
        assert!(media_refs(&body).unwrap().is_empty());

        let mut t = json!({"type": "template", "template": {"name": "x", "components": [
            {"type": "header", "parameters": [{"type": "document", "document": {"id": id.to_string()}}]}]}});
        let refs = media_refs(&t).unwrap();
        assert_eq!(
            refs[0].path,
            "template.components[0].parameters[0].document.id"
        );
        substitute(&mut t, &refs[0], "9");
        assert_eq!(
            t["template"]["components"][0]["parameters"][0]["document"]["id"],
            "9"
        );

        let bad = json!({"type": "video", "video": {"id": "med_nope"}});
        assert_eq!(media_refs(&bad).unwrap_err().path, "video.id");
        let upstream = json!({"type": "video", "video": {"id": "1234"}});
        assert!(media_refs(&upstream).unwrap().is_empty());
    }

    #[test]
    fn freshness() {
        assert!(upstream_is_fresh(0, UPSTREAM_REUSE_MS - 1));
        assert!(!upstream_is_fresh(0, UPSTREAM_REUSE_MS));
    }
}
