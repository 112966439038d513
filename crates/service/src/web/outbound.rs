//! Sending a web channel's outbox messages on its live session: the canonical body (already
//! validated against the capability map) becomes a session message — media read from our
//! store (`med_…`) or fetched from its `link` through the guarded client, contacts as
//! vCards, replies quoting `context.message_id`, reactions — and is sent under a WhatsApp
//! id derived from our message id, so a retry after a crash re-sends the same id and
//! WhatsApp de-duplicates it.

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use switchboard_connectors::{ConnectorError, SendReceipt};
use switchboard_core::channel::web_session::SessionState;
use switchboard_core::channel::Channel;
use switchboard_core::id::MessageId;
use switchboard_core::status::Direction;
use switchboard_core::template_def::media_rules::MediaKind as CanonicalMediaKind;
use switchboard_store::Store;
use switchboard_web_driver::{
    ContactCard, Jid, MediaKind, OutboundContent, OutboundMedia, OutboundMessage, Quoted, WebError,
    WebErrorKind,
};

use super::WebSessions;
use crate::media::{ByteStream, Media};

/// Meta's code for a recipient that is not on WhatsApp, reused for web sessions.
pub const NOT_ON_WHATSAPP: u32 = 131026;

/// Our code of a send that reached a node where the channel's session does not run, while
/// it runs (or is starting) elsewhere: the dispatcher leaves the message to that node.
pub const RUNS_ELSEWHERE: u32 = 1_000_001;

/// What sending on a session uses.
pub struct WebSend<'a> {
    /// The store (media records, quoted messages, the session's state).
    pub store: &'a dyn Store,
    /// The media storage and the guarded fetch client.
    pub media: &'a Media,
    /// This node's sessions.
    pub sessions: &'a WebSessions,
}

/// The WhatsApp message id of our message `id`: `3EB0` and 16 upper-case hex digits of its
/// SHA-256, the shape WhatsApp Web's own ids have. The same for every attempt.
pub fn wa_message_id(id: &MessageId) -> String {
    let digest = Sha256::digest(id.to_string().as_bytes());
    format!("3EB0{}", hex::encode_upper(&digest[..8]))
}

fn permanent(message: impl Into<String>) -> ConnectorError {
    ConnectorError::permanent(message)
}

/// A session error as the dispatcher classifies upstream errors.
pub fn connector_error(e: &WebError) -> ConnectorError {
    let mut out = if e.is_retryable() {
        ConnectorError::transient(e.message.clone())
    } else {
        permanent(e.message.clone())
    };
    out.code = match e.kind {
        WebErrorKind::BadRecipient => Some(NOT_ON_WHATSAPP),
        _ => e.code.and_then(|c| u32::try_from(c).ok()),
    };
    out
}

async fn collect(mut stream: ByteStream<'_>, max: u64) -> Result<Bytes, String> {
    let mut out = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        if (out.len() + chunk.len()) as u64 > max {
            return Err(format!("the file is larger than {max} bytes"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// The bytes and MIME type of a media object (`{id}` of ours, or `{link}`).
async fn media_bytes(
    parts: &WebSend<'_>,
    channel: &Channel,
    kind: CanonicalMediaKind,
    object: &Value,
) -> Result<(Bytes, String, Option<String>), ConnectorError> {
    let max = kind.max_bytes();
    if let Some(id) = object.get("id").and_then(Value::as_str) {
        let ours = id.parse::<switchboard_core::id::MediaId>().map_err(|_| {
            permanent(format!(
                "{}.id: `{id}` is not a media id of this server (med_…); web channels send files uploaded to /v1/media or given by link",
                kind.as_str()
            ))
        })?;
        let record = parts
            .store
            .get_media(channel.account_id, ours)
            .await
            .map_err(|e| ConnectorError::transient(format!("reading media {id}: {e}")))?
            .ok_or_else(|| {
                permanent(format!("{}.id: media {id} no longer exists", kind.as_str()))
            })?;
        let (stream, _) = parts
            .media
            .storage
            .open(&record.storage_key)
            .await
            .map_err(|e| ConnectorError::transient(format!("opening media {id}: {e}")))?;
        let bytes = collect(stream, max)
            .await
            .map_err(|e| ConnectorError::transient(format!("reading media {id}: {e}")))?;
        return Ok((bytes, record.mime_type, record.filename));
    }
    let Some(link) = object.get("link").and_then(Value::as_str) else {
        return Err(permanent(format!(
            "{}: give the file as `id` (an uploaded med_…) or `link`",
            kind.as_str()
        )));
    };
    let fetched = crate::media::fetch::fetch(
        &parts.media.fetch_client,
        link,
        parts.media.settings.allow_private_targets,
        max,
    )
    .await
    .map_err(|e| permanent(format!("{}.link: {e}", kind.as_str())))?;
    let mime = fetched
        .content_type
        .clone()
        .map(|m| m.split(';').next().unwrap_or("").trim().to_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| default_mime(kind).to_string());
    let filename = fetched.filename.clone();
    let bytes = collect(fetched.stream, max)
        .await
        .map_err(|e| ConnectorError::transient(format!("{}.link: {e}", kind.as_str())))?;
    Ok((bytes, mime, filename))
}

fn default_mime(kind: CanonicalMediaKind) -> &'static str {
    match kind.as_str() {
        "image" => "image/jpeg",
        "video" => "video/mp4",
        "audio" => "audio/ogg",
        "sticker" => "image/webp",
        _ => "application/octet-stream",
    }
}

fn media_kind(name: &str) -> Option<MediaKind> {
    Some(match name {
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        "document" => MediaKind::Document,
        "sticker" => MediaKind::Sticker,
        _ => return None,
    })
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A vCard 3.0 of one Cloud `contacts[]` entry.
pub fn vcard(contact: &Value) -> ContactCard {
    let name = &contact["name"];
    let display = text_of(name, "formatted_name")
        .or_else(|| {
            let parts: Vec<String> = ["first_name", "last_name"]
                .iter()
                .filter_map(|k| text_of(name, k))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .unwrap_or_else(|| "Contact".to_string());
    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace(';', "\\;")
            .replace(',', "\\,")
            .replace('\n', "\\n")
    };
    let mut lines = vec![
        "BEGIN:VCARD".to_string(),
        "VERSION:3.0".to_string(),
        format!(
            "N:{};{};;;",
            escape(&text_of(name, "last_name").unwrap_or_default()),
            escape(&text_of(name, "first_name").unwrap_or_default())
        ),
        format!("FN:{}", escape(&display)),
    ];
    if let Some(org) = text_of(&contact["org"], "company") {
        lines.push(format!("ORG:{}", escape(&org)));
    }
    for phone in contact["phones"].as_array().into_iter().flatten() {
        let Some(number) = text_of(phone, "phone") else {
            continue;
        };
        let kind = text_of(phone, "type").unwrap_or_else(|| "CELL".into());
        match text_of(phone, "wa_id") {
            Some(wa) => lines.push(format!(
                "TEL;type={};waid={}:{}",
                escape(&kind),
                escape(&wa),
                escape(&number)
            )),
            None => lines.push(format!("TEL;type={}:{}", escape(&kind), escape(&number))),
        }
    }
    for email in contact["emails"].as_array().into_iter().flatten() {
        if let Some(address) = text_of(email, "email") {
            lines.push(format!("EMAIL:{}", escape(&address)));
        }
    }
    for url in contact["urls"].as_array().into_iter().flatten() {
        if let Some(u) = text_of(url, "url") {
            lines.push(format!("URL:{}", escape(&u)));
        }
    }
    lines.push("END:VCARD".to_string());
    ContactCard {
        display_name: display,
        vcard: lines.join("\n"),
    }
}

/// Whether the message with WhatsApp id `upstream_id` on `channel` is ours, and who sent it
/// when it is not (in a group: the member).
async fn sender_of(
    store: &dyn Store,
    channel: &Channel,
    upstream_id: &str,
) -> Result<(bool, Option<Jid>), ConnectorError> {
    let found = store
        .find_by_upstream(channel.id, upstream_id)
        .await
        .map_err(|e| ConnectorError::transient(format!("reading message {upstream_id}: {e}")))?;
    Ok(match found {
        Some(m) if m.direction == Direction::Outbound => (true, None),
        Some(m) => {
            let who = m
                .body
                .get("participant")
                .and_then(Value::as_str)
                .unwrap_or(m.chat.as_str())
                .to_string();
            (false, Jid::parse(&who).ok())
        }
        None => (false, None),
    })
}

/// The session message of `body` (a validated canonical message).
pub async fn message_of(
    parts: &WebSend<'_>,
    channel: &Channel,
    body: &Value,
) -> Result<OutboundMessage, ConnectorError> {
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("text");
    let object = body.get(kind).cloned().unwrap_or(Value::Null);
    let content = match kind {
        "text" => OutboundContent::Text {
            body: text_of(&object, "body").unwrap_or_default(),
            preview_url: object
                .get("preview_url")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "location" => OutboundContent::Location {
            latitude: object["latitude"].as_f64().unwrap_or_default(),
            longitude: object["longitude"].as_f64().unwrap_or_default(),
            name: text_of(&object, "name"),
            address: text_of(&object, "address"),
        },
        "contacts" => OutboundContent::Contacts(
            body["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(vcard)
                .collect(),
        ),
        "reaction" => {
            let message_id = text_of(&object, "message_id").unwrap_or_default();
            let (from_me, _) = sender_of(parts.store, channel, &message_id).await?;
            OutboundContent::Reaction {
                message_id,
                from_me,
                emoji: object
                    .get("emoji")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            }
        }
        other => {
            let (Some(media), Some(canonical)) =
                (media_kind(other), CanonicalMediaKind::from_name(other))
            else {
                return Err(permanent(format!(
                    "web channels cannot send `{other}` messages"
                )));
            };
            let (data, mime_type, stored_name) =
                media_bytes(parts, channel, canonical, &object).await?;
            OutboundContent::Media(OutboundMedia {
                kind: media,
                data,
                mime_type,
                caption: text_of(&object, "caption"),
                filename: text_of(&object, "filename")
                    .or(stored_name)
                    .filter(|_| media == MediaKind::Document),
                voice: media == MediaKind::Audio
                    && object.get("voice").and_then(Value::as_bool) == Some(true),
            })
        }
    };
    let quoted = match body.pointer("/context/message_id").and_then(Value::as_str) {
        Some(id) if kind != "reaction" => {
            let (from_me, sender) = sender_of(parts.store, channel, id).await?;
            Some(Quoted {
                message_id: id.to_string(),
                sender: if from_me { None } else { sender },
                text: None,
            })
        }
        _ => None,
    };
    Ok(OutboundMessage { content, quoted })
}

/// Sends our message `id` with `body` on `channel`'s session. A session not running on this
/// node is a retryable error while its stored state says it runs (or is starting) somewhere,
/// and a permanent one when it is stopped or failed.
pub async fn send(
    parts: &WebSend<'_>,
    channel: &Channel,
    id: &MessageId,
    body: &Value,
) -> Result<SendReceipt, ConnectorError> {
    let to_text = body.get("to").and_then(Value::as_str).unwrap_or("");
    let to = Jid::parse(to_text).map_err(|e| permanent(format!("to: {e}")))?;
    let Some(live) = parts.sessions.live(channel.id) else {
        let stored = parts
            .store
            .web_session(channel.id)
            .await
            .map_err(|e| ConnectorError::transient(format!("reading the session: {e}")))?;
        let state = stored.as_ref().map_or(SessionState::Stopped, |s| s.state);
        let why = stored
            .as_ref()
            .map(|s| match (s.reason, &s.detail) {
                (Some(r), Some(d)) => format!(" ({}: {d})", r.as_str()),
                (Some(r), None) => format!(" ({})", r.as_str()),
                (None, _) => String::new(),
            })
            .unwrap_or_default();
        return Err(match state {
            SessionState::Stopped | SessionState::Failed => permanent(format!(
                "the WhatsApp Web session of channel {} is {}{why}: start it (POST /v1/channels/{}/start) and send again",
                channel.id,
                state.as_str(),
                channel.id
            )),
            // Running (or about to) on another node, or reconnecting: that node claims it
            // soon (the dispatcher claims the channels of the sessions it runs).
            _ => {
                let mut e = ConnectorError::transient(format!(
                    "the WhatsApp Web session of channel {} is {} and not running on this node",
                    channel.id,
                    state.as_str()
                ));
                e.retry_after = Some(std::time::Duration::from_secs(1));
                e.code = Some(RUNS_ELSEWHERE);
                e
            }
        });
    };
    let message = message_of(parts, channel, body).await?;
    let wa_id = wa_message_id(id);
    let timeout = std::time::Duration::from_millis(parts.sessions.settings().send_timeout_ms);
    let sent = tokio::time::timeout(timeout, live.session.send(&to, message, &wa_id))
        .await
        .map_err(|_| {
            ConnectorError::transient(format!(
                "WhatsApp did not acknowledge the message within {} s",
                timeout.as_secs()
            ))
        })?
        .map_err(|e| connector_error(&e))?;
    Ok(SendReceipt {
        upstream_id: sent.message_id,
        wa_id: to.phone_number().map(str::to_string),
        media_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_whatsapp_id_is_stable_and_shaped_like_whatsapp_webs() {
        let id = MessageId::new();
        let a = wa_message_id(&id);
        assert_eq!(a, wa_message_id(&id));
        assert_eq!(a.len(), 20);
        assert!(a.starts_with("3EB0"));
        assert!(a[4..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()));
        assert_ne!(a, wa_message_id(&MessageId::new()));
    }

    #[test]
    fn contacts_become_vcards() {
        let card = vcard(&json!({
            "name": {"formatted_name": "Ann Lee", "first_name": "Ann", "last_name": "Lee"},
            "org": {"company": "Acme; Inc"},
            "phones": [{"phone": "+1 555 0100", "type": "WORK", "wa_id": "15550100"}],
            "emails": [{"email": "ann@example.com"}],
        }));
        assert_eq!(card.display_name, "Ann Lee");
        assert!(card
            .vcard
            .starts_with("BEGIN:VCARD\nVERSION:3.0\nN:Lee;Ann;;;\nFN:Ann Lee"));
        assert!(card.vcard.contains("ORG:Acme\\; Inc"));
        assert!(card
            .vcard
            .contains("TEL;type=WORK;waid=15550100:+1 555 0100"));
        assert!(card.vcard.contains("EMAIL:ann@example.com"));
        assert!(card.vcard.ends_with("END:VCARD"));
    }

    #[test]
    fn session_errors_keep_their_class() {
        let bad = connector_error(&WebError::new(
            WebErrorKind::BadRecipient,
            "not on WhatsApp",
        ));
        assert!(!bad.is_retryable());
        assert_eq!(bad.code, Some(NOT_ON_WHATSAPP));
        let down = connector_error(&WebError::new(WebErrorKind::NotConnected, "reconnecting"));
        assert!(down.is_retryable());
    }
}
