//! The in-memory media store and WhatsApp's media type and size rules.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// One stored media object.
#[derive(Debug, Clone)]
pub struct MediaItem {
    /// The phone number that uploaded or received it.
    pub phone_number_id: String,
    /// The MIME type as given.
    pub mime_type: String,
    /// The bytes.
    pub bytes: Bytes,
    /// Lowercase hex SHA-256 (as `GET /{media_id}` reports it).
    pub sha256_hex: String,
    /// Base64 SHA-256 (as inbound webhooks report it).
    pub sha256_b64: String,
}

/// Media by id, bounded by a byte total.
#[derive(Debug)]
pub struct MediaStore {
    items: HashMap<String, MediaItem>,
    used: u64,
    limit: u64,
}

impl MediaStore {
    /// An empty store holding at most `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Self {
            items: HashMap::new(),
            used: 0,
            limit,
        }
    }

    /// Stores `bytes` under `id`; refuses when the total would exceed the limit.
    pub fn insert(
        &mut self,
        id: String,
        phone_number_id: &str,
        mime_type: &str,
        bytes: Bytes,
    ) -> Result<MediaItem, String> {
        let size = bytes.len() as u64;
        if self.used.saturating_add(size) > self.limit {
            return Err(format!(
                "the emulator's media store is full ({} of {} bytes used; this file needs {size})",
                self.used, self.limit
            ));
        }
        let digest = Sha256::digest(&bytes);
        let item = MediaItem {
            phone_number_id: phone_number_id.to_string(),
            mime_type: mime_type.to_string(),
            sha256_hex: hex::encode(digest),
            sha256_b64: STANDARD.encode(digest),
            bytes,
        };
        self.used += size;
        if let Some(old) = self.items.insert(id, item.clone()) {
            self.used = self.used.saturating_sub(old.bytes.len() as u64);
        }
        Ok(item)
    }

    /// The media with that id.
    pub fn get(&self, id: &str) -> Option<&MediaItem> {
        self.items.get(id)
    }

    /// Removes the media; returns whether it existed.
    pub fn remove(&mut self, id: &str) -> bool {
        match self.items.remove(id) {
            Some(old) => {
                self.used = self.used.saturating_sub(old.bytes.len() as u64);
                true
            }
            None => false,
        }
    }
}

const MB: u64 = 1024 * 1024;

/// Supported MIME types (without parameters) and the size limit of their media kind.
const SUPPORTED: &[(&str, u64)] = &[
    ("image/jpeg", 5 * MB),
    ("image/png", 5 * MB),
    ("video/mp4", 16 * MB),
    ("video/3gpp", 16 * MB),
    ("audio/aac", 16 * MB),
    ("audio/amr", 16 * MB),
    ("audio/mpeg", 16 * MB),
    ("audio/mp4", 16 * MB),
    ("audio/ogg", 16 * MB),
    ("text/plain", 100 * MB),
    ("application/pdf", 100 * MB),
    ("application/vnd.ms-excel", 100 * MB),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        100 * MB,
    ),
    ("application/msword", 100 * MB),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        100 * MB,
    ),
    ("application/vnd.ms-powerpoint", 100 * MB),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        100 * MB,
    ),
    ("image/webp", 500 * 1024),
];

/// Largest accepted upload (documents).
pub const MAX_UPLOAD_BYTES: u64 = 100 * MB;

/// Checks an upload's MIME type and size against WhatsApp's rules; the error is the details
/// of a code-100 answer.
pub fn check_upload(mime_type: &str, size: u64) -> Result<(), String> {
    let base = mime_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((_, limit)) = SUPPORTED.iter().find(|(m, _)| *m == base) else {
        let list: Vec<&str> = SUPPORTED.iter().map(|(m, _)| *m).collect();
        return Err(format!(
            "Param file must be a file with one of the following types: {}. Received file of type '{mime_type}'.",
            list.join(", ")
        ));
    };
    if size == 0 {
        return Err("Param file must not be empty.".to_string());
    }
    if size > *limit {
        return Err(format!(
            "File of type {base} is {size} bytes; the limit for this type is {limit} bytes."
        ));
    }
    Ok(())
}

/// The default MIME type of an inbound media kind.
pub fn default_mime(kind: &str) -> &'static str {
    match kind {
        "image" => "image/jpeg",
        "video" => "video/mp4",
        "audio" => "audio/ogg",
        "sticker" => "image/webp",
        _ => "application/pdf",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_limit_and_remove() {
        let mut s = MediaStore::new(10);
        let item = s
            .insert("1".into(), "p", "image/png", Bytes::from_static(b"12345"))
            .expect("fits");
        assert_eq!(item.sha256_hex.len(), 64);
        assert!(s
            .insert("2".into(), "p", "image/png", Bytes::from_static(b"123456"))
            .is_err());
        assert!(s.remove("1"));
        assert!(!s.remove("1"));
        assert!(s
            .insert("2".into(), "p", "image/png", Bytes::from_static(b"123456"))
            .is_ok());
    }

    #[test]
    fn upload_rules() {
        assert!(check_upload("image/jpeg", 10).is_ok());
        assert!(check_upload("audio/ogg; codecs=opus", 10).is_ok());
        assert!(check_upload("image/gif", 10).is_err());
        assert!(check_upload("image/webp", 600 * 1024).is_err());
        assert!(check_upload("image/png", 0).is_err());
    }
}
