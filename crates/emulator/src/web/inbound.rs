//! The body of `POST /emulator/web/{channel_id}/inbound`, read into the message the session delivers
//! (and the media bytes `download` returns).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, RngCore};
use serde::Deserialize;
use switchboard_web_driver::{
    ContactCard, InboundContent, InboundMedia, InboundMessage, Jid, MediaKind,
};

use crate::state::now_secs;

/// Bytes generated for a media message injected without `data_base64`.
const GENERATED_MEDIA_BYTES: usize = 1024;

/// One contact card of a `contacts` message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Card {
    display_name: String,
    vcard: String,
}

/// An injected message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    from: String,
    group: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    body: Option<String>,
    data_base64: Option<String>,
    mime_type: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    name: Option<String>,
    address: Option<String>,
    contacts: Option<Vec<Card>>,
    display_name: Option<String>,
    vcard: Option<String>,
    message_id: Option<String>,
    emoji: Option<String>,
    quoted_id: Option<String>,
    push_name: Option<String>,
    sender_phone: Option<String>,
    timestamp: Option<i64>,
}

/// A message id as WhatsApp Web makes them: `3EB0` and 16 upper-case hex digits.
pub(crate) fn message_id(rng: &mut StdRng) -> String {
    format!("3EB0{:016X}", rng.random::<u64>())
}

/// An injected message, ready to deliver.
pub(crate) struct Injected {
    pub message: InboundMessage,
    /// The media's download handle and bytes.
    pub media: Option<(Bytes, Bytes)>,
}

fn jid(text: &str, field: &str) -> Result<Jid, String> {
    Jid::parse(text).map_err(|e| format!("`{field}`: {e}"))
}

/// The media kind, voice flag and default MIME type of a media `type`.
fn media_kind(kind: &str) -> Option<(MediaKind, bool, &'static str)> {
    Some(match kind {
        "image" => (MediaKind::Image, false, "image/jpeg"),
        "video" => (MediaKind::Video, false, "video/mp4"),
        "audio" => (MediaKind::Audio, false, "audio/mpeg"),
        "voice" => (MediaKind::Audio, true, "audio/ogg; codecs=opus"),
        "document" => (MediaKind::Document, false, "application/pdf"),
        "sticker" => (MediaKind::Sticker, false, "image/webp"),
        _ => return None,
    })
}

/// Reads an injected message for `channel_id`; `Err` says what is wrong with the body.
pub(crate) fn parse(
    channel_id: &str,
    body: serde_json::Value,
    rng: &mut StdRng,
) -> Result<Injected, String> {
    let b: Body = serde_json::from_value(body).map_err(|e| format!("invalid body: {e}"))?;
    let sender = jid(&b.from, "from")?.to_non_device();
    if sender.is_group() {
        return Err("`from` is a person (a phone number or a LID), not a group".into());
    }
    let chat = match &b.group {
        Some(g) => {
            let g = jid(g, "group")?;
            if !g.is_group() {
                return Err("`group` must be a `<id>@g.us` address".into());
            }
            g
        }
        None => sender.clone(),
    };
    let sender_phone = match &b.sender_phone {
        Some(p) => Some(Jid::from_phone(p).map_err(|e| format!("`sender_phone`: {e}"))?),
        None => None,
    };
    let id = match b.id.clone() {
        Some(id) if id.is_empty() || id.len() > 128 => {
            return Err("`id` must have 1 to 128 characters".into())
        }
        Some(id) => id,
        None => message_id(rng),
    };
    let kind = b.kind.clone().unwrap_or_else(|| "text".to_string());
    let mut media = None;
    let content = match kind.as_str() {
        "text" => InboundContent::Text {
            body: b.body.clone().ok_or("a text message needs `body`")?,
        },
        "location" => {
            let (Some(latitude), Some(longitude)) = (b.latitude, b.longitude) else {
                return Err("a location needs `latitude` and `longitude`".into());
            };
            if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
                return Err("the location is out of range".into());
            }
            InboundContent::Location {
                latitude,
                longitude,
                name: b.name.clone(),
                address: b.address.clone(),
            }
        }
        "contacts" => {
            let mut cards: Vec<ContactCard> = b
                .contacts
                .unwrap_or_default()
                .into_iter()
                .map(|c| ContactCard {
                    display_name: c.display_name,
                    vcard: c.vcard,
                })
                .collect();
            if let Some(vcard) = b.vcard.clone() {
                let display_name = b.display_name.clone().unwrap_or_default();
                cards.push(ContactCard {
                    display_name,
                    vcard,
                });
            }
            if cards.is_empty() {
                return Err("a contacts message needs `contacts` or `vcard`".into());
            }
            InboundContent::Contacts(cards)
        }
        "reaction" => InboundContent::Reaction {
            message_id: b
                .message_id
                .clone()
                .ok_or("a reaction needs `message_id`")?,
            emoji: b.emoji.clone().unwrap_or_default(),
        },
        other => match media_kind(other) {
            Some((media_kind, voice, default_mime)) => {
                let data = match &b.data_base64 {
                    Some(d) => STANDARD
                        .decode(d)
                        .map_err(|e| format!("`data_base64`: {e}"))?,
                    None => {
                        let mut bytes = vec![0u8; GENERATED_MEDIA_BYTES];
                        rng.fill_bytes(&mut bytes);
                        bytes
                    }
                };
                if data.is_empty() {
                    return Err("`data_base64` is empty".into());
                }
                let handle = Bytes::from(format!("emulator-media:{channel_id}:{id}"));
                let inbound = InboundMedia {
                    kind: media_kind,
                    mime_type: b.mime_type.clone().unwrap_or_else(|| default_mime.into()),
                    size: Some(data.len() as u64),
                    voice,
                    handle: handle.clone(),
                };
                media = Some((handle, Bytes::from(data)));
                InboundContent::Media {
                    media: inbound,
                    caption: b.caption.clone(),
                    filename: b.filename.clone(),
                }
            }
            // Polls, call logs, …: delivered as a kind Switchboard does not map.
            None => InboundContent::Unsupported { kind: other.into() },
        },
    };
    let message = InboundMessage {
        id,
        sender: sender.clone(),
        chat,
        sender_phone,
        from_me: false,
        timestamp: b.timestamp.unwrap_or_else(now_secs),
        push_name: b.push_name,
        content,
        quoted_id: b.quoted_id,
    };
    Ok(Injected { message, media })
}
