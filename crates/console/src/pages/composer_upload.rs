//! `POST /console/inbox/{channel}/{chat}/upload`: a file chosen in the composer, stored in
//! the media store (classified and limited per kind as `POST /v1/media` does) and sent as
//! the kind its bytes are — image, video, audio, document or sticker — with the caption.
//! The form is `multipart/form-data`: `csrf` and `caption` first, then `file`; the token is
//! checked before a byte of the file is read.

use std::collections::HashMap;

use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures::TryStreamExt;
use serde_json::{json, Map, Value};
use switchboard_core::media::{MediaRecord, MediaSource};
use switchboard_service::media::ingest::{ingest, IngestRequest};
use switchboard_service::media::{ByteStream, MediaError};

use super::inbox::{refused_to, send_and_return, thread_path, thread_target};
use crate::csrf::{self, token_matches, FIELD};
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::ConsoleState;

/// Longest caption, in characters (Meta's limit).
const CAPTION_MAX: usize = 1024;
/// Longest text field read before the file, in bytes.
const FIELD_MAX: usize = 4096;

fn unreadable(e: MultipartError) -> ConsoleError {
    ConsoleError::Page(
        StatusCode::BAD_REQUEST,
        format!("the form could not be read: {e}"),
    )
}

/// The send request for a stored file, captioned where its kind has captions.
fn request(to: &str, media: &MediaRecord, caption: &str) -> Value {
    let kind = media.kind.as_str();
    let mut object = Map::new();
    object.insert("id".into(), json!(media.id.to_string()));
    if !caption.is_empty() && matches!(kind, "image" | "video" | "document") {
        object.insert("caption".into(), json!(caption));
    }
    if kind == "document" {
        if let Some(name) = media.filename.as_deref().filter(|n| !n.is_empty()) {
            object.insert("filename".into(), json!(name));
        }
    }
    json!({"messaging_product": "whatsapp", "to": to, "type": kind, kind: Value::Object(object)})
}

/// `POST /console/inbox/{channel}/{chat}/upload`.
pub async fn upload(
    State(state): State<ConsoleState>,
    signed: Signed,
    headers: HeaderMap,
    Path((channel, chat)): Path<(String, String)>,
    mut multipart: Multipart,
) -> ConsoleResult<Response> {
    let (channel, chat) = thread_target(&state, &signed, &channel, &chat).await?;
    let back = thread_path(channel.id, &chat);
    let expected = signed.session.csrf_token.as_str();
    let mut fields: HashMap<String, String> = HashMap::new();
    if let Some(token) = csrf::header_token(&headers) {
        fields.insert(FIELD.into(), token);
    }
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            let bytes = field.bytes().await.map_err(unreadable)?;
            if bytes.len() > FIELD_MAX {
                return Ok(refused_to(&back, &format!("{name}: too long")));
            }
            fields.insert(name, String::from_utf8_lossy(&bytes).trim().to_string());
            continue;
        }
        if !token_matches(expected, fields.get(FIELD).map(String::as_str)) {
            return Err(csrf::refused());
        }
        let caption = fields.get("caption").cloned().unwrap_or_default();
        if caption.chars().count() > CAPTION_MAX {
            return Ok(refused_to(&back, "caption: at most 1,024 characters"));
        }
        let filename = field
            .file_name()
            .map(str::to_string)
            .filter(|n| !n.is_empty());
        if filename.is_none() {
            return Ok(refused_to(&back, "file: choose a file to send"));
        }
        let declared_mime = field
            .content_type()
            .map(str::to_string)
            .filter(|m| m != "application/octet-stream");
        let key = signed.key()?;
        let ingest_request = IngestRequest {
            account_id: key.account_id,
            channel_id: Some(channel.id),
            kind: None,
            declared_mime,
            filename,
            source: MediaSource::Upload,
            upstream_id: None,
        };
        let stream: ByteStream<'_> = Box::pin(field.map_err(std::io::Error::other));
        let stored = ingest(
            state.app.store().as_ref(),
            &state.app.gateway.media,
            ingest_request,
            stream,
        )
        .await;
        return match stored {
            Ok(media) => {
                send_and_return(&state, &channel, &chat, &request(&chat, &media, &caption)).await
            }
            Err(MediaError::Store(e)) => Err(e.into()),
            Err(MediaError::Storage(m)) => Err(ConsoleError::Internal(m)),
            Err(refused) => Ok(refused_to(&back, &format!("file: {refused}"))),
        };
    }
    if !token_matches(expected, fields.get(FIELD).map(String::as_str)) {
        return Err(csrf::refused());
    }
    Ok(refused_to(&back, "file: choose a file to send"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::id::{AccountId, MediaId};
    use switchboard_core::template_def::media_rules::MediaKind;

    fn record(kind: MediaKind, filename: Option<&str>) -> MediaRecord {
        MediaRecord {
            id: MediaId::new(),
            account_id: AccountId::new(),
            channel_id: None,
            kind,
            mime_type: "x/y".into(),
            size: 1,
            sha256: String::new(),
            filename: filename.map(str::to_string),
            storage_key: String::new(),
            source: MediaSource::Upload,
            upstream_id: None,
            created_at: 0,
            expires_at: 0,
        }
    }

    #[test]
    fn the_kind_of_the_bytes_decides_the_message() {
        let image = request("1", &record(MediaKind::Image, Some("a.png")), "look");
        assert_eq!(image["type"], "image");
        assert_eq!(image["image"]["caption"], "look");
        assert!(image["image"].get("filename").is_none());
        let doc = request("1", &record(MediaKind::Document, Some("a.pdf")), "");
        assert_eq!(doc["document"]["filename"], "a.pdf");
        assert!(doc["document"].get("caption").is_none());
        let audio = request("1", &record(MediaKind::Audio, None), "ignored");
        assert!(audio["audio"].get("caption").is_none());
        assert!(audio["audio"]["id"].as_str().unwrap().starts_with("med_"));
    }
}
