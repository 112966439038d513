//! One Telegram `Update` as the Cloud webhook's `value` (`messages[]`, `contacts[]`):
//!
//! | update | canonical message |
//! |---|---|
//! | `message.text` | `text{body}` |
//! | `message.photo` (largest size) / `video` / `audio` / `voice` / `document` / `sticker` | `image` / `video` / `audio` / `audio` (`voice: true`) / `document` / `sticker`, `{id: file_id, mime_type, caption?, filename?}` (fetched into the media store) |
//! | `message.location` | `location{latitude, longitude}` |
//! | `message.contact` | `contacts[{name, phones[{phone}]}]` |
//! | `message.reply_to_message` | `context.id` = its upstream id |
//! | `callback_query` | `interactive{type: button_reply or list_reply, …{id, title}}`, `context.id` = the tapped message; the id is the original reply id (a token resolved through the tapped message's buttons) |
//! | `message_reaction` | `reaction{message_id, emoji}` (empty when removed) |
//!
//! `from` is the chat id (the address replies go to); message ids are `{chat_id}:{message_id}`
//! like the connector's, a tap's `cb:{callback_query_id}`, a reaction's
//! `{chat_id}:{message_id}:reaction:{update_id}` — so a redelivered update is a duplicate.

use serde_json::{json, Map, Value};
use switchboard_core::channel::telegram::{reply_ids, resolve_callback};
use switchboard_core::channel::{Channel, ChannelSettings};
use switchboard_core::cloud_webhook::MessagesValue;
use switchboard_store::{Store, StoreError};

/// A translated update.
#[derive(Debug)]
pub struct Translated {
    /// The canonical value to record.
    pub value: MessagesValue,
    /// The callback query to answer, for a tap.
    pub callback_query_id: Option<String>,
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn profile_name(user: &Value) -> Option<String> {
    let first = user["first_name"].as_str()?;
    Some(match user["last_name"].as_str() {
        Some(last) => format!("{first} {last}"),
        None => first.to_string(),
    })
}

/// The content of a Telegram message as `(type, object)`, or `None` for kinds not carried.
fn content(m: &Value) -> Option<(&'static str, Value)> {
    let caption = m["caption"].as_str();
    let media = |object: &Value, mime: &str| {
        let mut o = Map::new();
        o.insert("id".into(), object["file_id"].clone());
        o.insert(
            "mime_type".into(),
            json!(object["mime_type"].as_str().unwrap_or(mime)),
        );
        if let Some(c) = caption {
            o.insert("caption".into(), json!(c));
        }
        if let Some(name) = object["file_name"].as_str() {
            o.insert("filename".into(), json!(name));
        }
        Value::Object(o)
    };
    if let Some(text) = m["text"].as_str() {
        return Some(("text", json!({ "body": text })));
    }
    if let Some(largest) = m["photo"].as_array().and_then(|sizes| sizes.last()) {
        return Some(("image", media(largest, "image/jpeg")));
    }
    for (field, kind, mime) in [
        ("video", "video", "video/mp4"),
        ("audio", "audio", "audio/mpeg"),
        ("document", "document", "application/octet-stream"),
        ("sticker", "sticker", "image/webp"),
    ] {
        if m[field].is_object() {
            return Some((kind, media(&m[field], mime)));
        }
    }
    if m["voice"].is_object() {
        let mut o = media(&m["voice"], "audio/ogg");
        o["voice"] = json!(true);
        return Some(("audio", o));
    }
    if m["location"].is_object() {
        let l = &m["location"];
        return Some((
            "location",
            json!({ "latitude": l["latitude"], "longitude": l["longitude"] }),
        ));
    }
    if m["contact"].is_object() {
        let c = &m["contact"];
        let first = c["first_name"].as_str().unwrap_or("");
        let formatted = match c["last_name"].as_str() {
            Some(last) => format!("{first} {last}"),
            None => first.to_string(),
        };
        return Some((
            "contacts",
            json!([{
                "name": {"formatted_name": formatted, "first_name": first, "last_name": c["last_name"]},
                "phones": [{"phone": c["phone_number"], "type": "CELL"}],
            }]),
        ));
    }
    None
}

fn value_of(channel: &Channel, chat: &str, name: Option<String>, message: Value) -> MessagesValue {
    let bot = match &channel.settings {
        ChannelSettings::Telegram(s) => s.bot_token.split(':').next().unwrap_or("").to_string(),
        _ => String::new(),
    };
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": bot, "phone_number_id": bot},
        "contacts": [{"wa_id": chat, "profile": {"name": name}}],
        "messages": [message],
    });
    serde_json::from_value(value).unwrap_or_default()
}

/// The canonical value of `update`, `None` when it carries nothing recorded.
pub async fn update(
    store: &dyn Store,
    channel: &Channel,
    update: &Value,
) -> Result<Option<Translated>, StoreError> {
    let update_id = update["update_id"].as_i64().unwrap_or_default();
    if let Some(m) = update.get("message").filter(|m| m.is_object()) {
        let Some(chat) = id_text(&m["chat"]["id"]) else {
            return Ok(None);
        };
        let Some(message_id) = m["message_id"].as_i64() else {
            return Ok(None);
        };
        let Some((kind, object)) = content(m) else {
            return Ok(None);
        };
        let mut message = json!({
            "from": chat,
            "id": format!("{chat}:{message_id}"),
            "timestamp": m["date"].as_i64().unwrap_or_default().to_string(),
            "type": kind,
            kind: object,
        });
        if let Some(replied) = m["reply_to_message"]["message_id"].as_i64() {
            message["context"] = json!({ "id": format!("{chat}:{replied}") });
        }
        let value = value_of(channel, &chat, profile_name(&m["from"]), message);
        return Ok(Some(Translated {
            value,
            callback_query_id: None,
        }));
    }
    if let Some(q) = update.get("callback_query").filter(|q| q.is_object()) {
        let chat = id_text(&q["message"]["chat"]["id"]).or_else(|| id_text(&q["from"]["id"]));
        let (Some(chat), Some(query_id)) = (chat, q["id"].as_str()) else {
            return Ok(None);
        };
        let data = q["data"].as_str().unwrap_or("");
        let tapped = q["message"]["message_id"].as_i64();
        let upstream = tapped.map(|n| format!("{chat}:{n}"));
        let original = match &upstream {
            Some(id) => store.find_by_upstream(channel.id, id).await?,
            None => None,
        };
        let body = original.as_ref().map(|m| &m.body);
        let ids = body.map(reply_ids).unwrap_or_default();
        let id = resolve_callback(data, ids).unwrap_or_else(|| data.to_string());
        let is_list = body.and_then(|b| b["interactive"]["type"].as_str()) == Some("list");
        let title = body.and_then(|b| title_of(b, &id)).or_else(|| {
            // The keyboard of the tapped message, as Telegram echoes it.
            q["message"]["reply_markup"]["inline_keyboard"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|row| row.as_array().into_iter().flatten())
                .find(|b| b["callback_data"].as_str() == Some(data))
                .and_then(|b| b["text"].as_str())
                .map(str::to_string)
        });
        let reply_type = if is_list {
            "list_reply"
        } else {
            "button_reply"
        };
        let mut message = json!({
            "from": chat,
            "id": format!("cb:{query_id}"),
            "timestamp": (switchboard_core::time::now_millis() / 1000).to_string(),
            "type": "interactive",
            "interactive": {"type": reply_type, reply_type: {"id": id, "title": title}},
        });
        if let Some(u) = upstream {
            message["context"] = json!({ "id": u });
        }
        let value = value_of(channel, &chat, profile_name(&q["from"]), message);
        return Ok(Some(Translated {
            value,
            callback_query_id: Some(query_id.to_string()),
        }));
    }
    if let Some(r) = update.get("message_reaction").filter(|r| r.is_object()) {
        let (Some(chat), Some(message_id)) = (id_text(&r["chat"]["id"]), r["message_id"].as_i64())
        else {
            return Ok(None);
        };
        let emoji = r["new_reaction"]
            .as_array()
            .and_then(|a| a.iter().find_map(|x| x["emoji"].as_str()))
            .unwrap_or("");
        let message = json!({
            "from": chat,
            "id": format!("{chat}:{message_id}:reaction:{update_id}"),
            "timestamp": r["date"].as_i64().unwrap_or_default().to_string(),
            "type": "reaction",
            "reaction": {"message_id": format!("{chat}:{message_id}"), "emoji": emoji},
        });
        let value = value_of(channel, &chat, profile_name(&r["user"]), message);
        return Ok(Some(Translated {
            value,
            callback_query_id: None,
        }));
    }
    Ok(None)
}

/// The title of the button or row `id` in an interactive body.
fn title_of(body: &Value, id: &str) -> Option<String> {
    let action = &body["interactive"]["action"];
    let button = action["buttons"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["reply"]["id"].as_str() == Some(id))
        .and_then(|b| b["reply"]["title"].as_str());
    let row = || {
        action["sections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["rows"].as_array().into_iter().flatten())
            .find(|r| r["id"].as_str() == Some(id))
            .and_then(|r| r["title"].as_str())
    };
    button.or_else(row).map(str::to_string)
}
