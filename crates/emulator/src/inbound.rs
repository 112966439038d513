//! Customer messages: normalizing an injected message into Meta's inbound shape and posting it.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use serde_json::{Map, Value};
use switchboard_core::cloud_webhook::{InboundMessage, MessageContext, Profile, WebhookContact};

use crate::error::EmulatorError;
use crate::media::default_mime;
use crate::state::{lock, now_secs, Inner};
use crate::webhook::{enqueue, Job};

const MEDIA_KINDS: &[&str] = &["image", "video", "audio", "document", "sticker"];
const OBJECT_KINDS: &[&str] = &[
    "text",
    "interactive",
    "button",
    "location",
    "reaction",
    "order",
    "system",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
];

fn invalid(msg: impl Into<String>) -> EmulatorError {
    EmulatorError::InvalidMessage(msg.into())
}

/// Posts one customer message to `phone_number_id`'s webhook and returns its wamid.
///
/// `message` is `{"from", "type", <kind object>, "profile"?: {"name"}, "context"?: {"id" |
/// "message_id", "from"?}, "timestamp"?, "id"?}`. Media kinds may carry `data` (base64 bytes)
/// or the `id` of stored media; otherwise placeholder bytes are stored, so every inbound media
/// id can be downloaded. Location coordinates given as strings become numbers.
pub(crate) async fn inject(
    inner: &Arc<Inner>,
    phone_number_id: &str,
    message: Value,
) -> Result<String, EmulatorError> {
    let phone = inner
        .phone(phone_number_id)
        .ok_or_else(|| EmulatorError::UnknownPhoneNumber(phone_number_id.to_string()))?;
    let Value::Object(mut m) = message else {
        return Err(invalid("the message must be a JSON object"));
    };
    let from: String = m
        .remove("from")
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| invalid("\"from\" (the customer's number) is required"))?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if from.is_empty() || from.len() > 20 {
        return Err(invalid("\"from\" must hold 1 to 20 digits"));
    }
    let kind = m
        .remove("type")
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|k| !k.is_empty())
        .ok_or_else(|| invalid("\"type\" is required"))?;
    let name = m
        .remove("profile")
        .and_then(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| format!("Customer {from}"));
    let id = match m.remove("id") {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(_) => return Err(invalid("\"id\" must be a string")),
        None => inner.ids.wamid(),
    };
    let timestamp = match m.remove("timestamp") {
        None => now_secs(),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| invalid("bad \"timestamp\""))?,
        Some(Value::String(s)) => s.parse().map_err(|_| invalid("bad \"timestamp\""))?,
        Some(_) => return Err(invalid("\"timestamp\" must be unix seconds")),
    };
    let context = match m.remove("context") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut c)) => {
            let cid = c
                .remove("id")
                .or_else(|| c.remove("message_id"))
                .and_then(|v| v.as_str().map(str::to_string))
                .ok_or_else(|| invalid("\"context\" needs the \"id\" of the referenced message"))?;
            let cfrom = c
                .remove("from")
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| phone.display_phone_number.clone());
            Some(MessageContext {
                from: Some(cfrom),
                id: Some(cid),
                extra: c,
            })
        }
        Some(_) => return Err(invalid("\"context\" must be an object")),
    };
    normalize_content(inner, phone_number_id, &kind, &mut m)?;

    let message = InboundMessage {
        from: from.clone(),
        id: id.clone(),
        timestamp: timestamp.to_string(),
        kind,
        context,
        errors: None,
        extra: m,
    };
    let contact = WebhookContact {
        profile: Some(Profile {
            name: Some(name),
            extra: Map::new(),
        }),
        wa_id: Some(from.clone()),
        extra: Map::new(),
    };
    inner.touch_window(phone_number_id, &from, timestamp);
    lock(&inner.inbound_ids).insert(phone_number_id, &id);
    enqueue(
        inner,
        phone_number_id,
        &from,
        Job::Inbound(Box::new((contact, message))),
    )
    .await;
    Ok(id)
}

/// Checks the kind object and fills in what Meta would (media ids, hashes, numbers).
fn normalize_content(
    inner: &Inner,
    phone_number_id: &str,
    kind: &str,
    m: &mut Map<String, Value>,
) -> Result<(), EmulatorError> {
    if kind == "contacts" {
        return match m.get("contacts") {
            Some(Value::Array(a)) if !a.is_empty() => Ok(()),
            _ => Err(invalid(
                "type contacts needs a non-empty \"contacts\" array",
            )),
        };
    }
    if !OBJECT_KINDS.contains(&kind) {
        // Other kinds (e.g. `unsupported`) pass through unchanged.
        return Ok(());
    }
    let Some(Value::Object(content)) = m.get_mut(kind) else {
        return Err(invalid(format!("type {kind} needs a \"{kind}\" object")));
    };
    match kind {
        "text" if !content.get("body").is_some_and(Value::is_string) => {
            return Err(invalid("text needs a \"body\" string"));
        }
        "location" => {
            for key in ["latitude", "longitude"] {
                let n = match content.get(key) {
                    Some(Value::Number(n)) => n.as_f64(),
                    Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
                    _ => None,
                }
                .filter(|n| n.is_finite())
                .ok_or_else(|| invalid(format!("location needs a numeric \"{key}\"")))?;
                content.insert(key.to_string(), serde_json::json!(n));
            }
        }
        "interactive" => {
            let itype = content
                .get("type")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("interactive needs a \"type\" (button_reply, list_reply)"))?
                .to_string();
            if !content.get(&itype).is_some_and(Value::is_object) {
                return Err(invalid(format!("interactive needs a \"{itype}\" object")));
            }
        }
        "reaction" if !content.get("message_id").is_some_and(Value::is_string) => {
            return Err(invalid("reaction needs a \"message_id\""));
        }
        k if MEDIA_KINDS.contains(&k) => store_media(inner, phone_number_id, k, content)?,
        _ => {}
    }
    Ok(())
}

fn store_media(
    inner: &Inner,
    phone_number_id: &str,
    kind: &str,
    content: &mut Map<String, Value>,
) -> Result<(), EmulatorError> {
    let data = content.remove("data");
    if let Some(id) = content
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        if data.is_none() {
            let media = lock(&inner.media);
            let item = media
                .get(&id)
                .ok_or_else(|| invalid(format!("no stored media with id {id}")))?;
            content
                .entry("mime_type")
                .or_insert_with(|| Value::String(item.mime_type.clone()));
            content.insert("sha256".into(), Value::String(item.sha256_b64.clone()));
            return Ok(());
        }
    }
    let bytes = match data {
        Some(Value::String(s)) => STANDARD
            .decode(s.as_bytes())
            .map_err(|_| invalid(format!("{kind}.data must be base64")))?,
        Some(_) => return Err(invalid(format!("{kind}.data must be a base64 string"))),
        None => format!("emulated {kind} media").into_bytes(),
    };
    let mime = content
        .get("mime_type")
        .and_then(Value::as_str)
        .unwrap_or(default_mime(kind))
        .to_string();
    let id = inner.ids.numeric();
    let item = lock(&inner.media)
        .insert(id.clone(), phone_number_id, &mime, Bytes::from(bytes))
        .map_err(EmulatorError::MediaStoreFull)?;
    content.insert("id".into(), Value::String(id));
    content.insert("mime_type".into(), Value::String(mime));
    content.insert("sha256".into(), Value::String(item.sha256_b64));
    Ok(())
}
