//! The canonical message (a validated Cloud API body) as a Bot API call.
//!
//! | canonical | method | notes |
//! |---|---|---|
//! | `text` | `sendMessage` | `preview_url: true` → `link_preview_options.is_disabled: false` (off otherwise, as on WhatsApp) |
//! | `image`, `video`, `audio`, `document`, `sticker` | `sendPhoto`, `sendVideo`, `sendAudio` (`sendVoice` with `voice: true`), `sendDocument`, `sendSticker` | `link` → the URL, `id` → a file_id (ours, `med_…`, resolved or uploaded by the dispatcher), `caption` |
//! | `location` | `sendVenue` with `title` = `name` and `address` when both are given, else `sendLocation` | `latitude`, `longitude` (Telegram's venue needs both; a location with only one of them is sent without it) |
//! | `contacts` | `sendContact` | the one card's first phone, first and last name (several cards are refused before sending) |
//! | `interactive` `button` / `list` | `sendMessage` | header, body and footer texts joined by blank lines; one inline button per reply or row, `callback_data` = the id (a token when longer than 64 bytes, see `switchboard_core::channel::telegram`) |
//! | `interactive` `cta_url` | `sendMessage` | one inline `url` button |
//! | `interactive` with an image, video or document header (by link) | `sendPhoto`, `sendVideo`, `sendDocument` | the file captioned with the body and footer, the same inline keyboard under it |
//! | `reaction` | `setMessageReaction` | the emoji (empty removes) on `reaction.message_id` |
//!
//! `context.message_id` → `reply_parameters{message_id, allow_sending_without_reply: true}`.
//! Message ids given to Telegram are the chat's message numbers: our upstream ids
//! `{chat_id}:{message_id}` (or a bare number) are read back to that number.

use serde_json::{json, Map, Value};
use switchboard_core::channel::telegram::callback_data;

use crate::ConnectorError;

/// One Bot API call.
#[derive(Debug, Clone, PartialEq)]
pub struct TelegramCall {
    /// The method, e.g. `sendMessage`.
    pub method: &'static str,
    /// Its parameters (JSON).
    pub params: Map<String, Value>,
    /// The parameter holding the media (`photo`, `document`, …) for media sends.
    pub media_field: Option<&'static str>,
}

fn bad(message: impl Into<String>) -> ConnectorError {
    ConnectorError::permanent(message)
}

/// The chat's message number in an upstream id `{chat_id}:{message_id}` or a bare number.
pub fn message_number(upstream_id: &str) -> Option<i64> {
    let last = upstream_id.rsplit(':').next().unwrap_or(upstream_id);
    last.trim().parse().ok()
}

/// `chat_id` as Telegram takes it: an integer when it is one, else the `@username`.
pub fn chat_id_value(to: &str) -> Value {
    match to.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(to),
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// The Bot API call for `body` (validated canonical JSON).
pub fn to_call(body: &Value) -> Result<TelegramCall, ConnectorError> {
    let to = str_at(body, "/to").ok_or_else(|| bad("the message has no `to`"))?;
    let kind = str_at(body, "/type").unwrap_or("text");
    let mut params = Map::new();
    params.insert("chat_id".into(), chat_id_value(to));
    if let Some(id) = str_at(body, "/context/message_id") {
        let number = message_number(id).ok_or_else(|| {
            bad(format!(
                "context.message_id `{id}` is not a Telegram message of this chat"
            ))
        })?;
        params.insert(
            "reply_parameters".into(),
            json!({"message_id": number, "allow_sending_without_reply": true}),
        );
    }
    let mut media_field = None;
    let method = match kind {
        "text" => {
            let text = str_at(body, "/text/body").unwrap_or("");
            params.insert("text".into(), json!(text));
            let preview = body["text"]["preview_url"].as_bool().unwrap_or(false);
            params.insert(
                "link_preview_options".into(),
                json!({"is_disabled": !preview}),
            );
            "sendMessage"
        }
        "image" | "video" | "audio" | "document" | "sticker" => {
            let media = &body[kind];
            let voice = kind == "audio" && media["voice"].as_bool() == Some(true);
            let (method, field) = match kind {
                "image" => ("sendPhoto", "photo"),
                "video" => ("sendVideo", "video"),
                "audio" if voice => ("sendVoice", "voice"),
                "audio" => ("sendAudio", "audio"),
                "document" => ("sendDocument", "document"),
                _ => ("sendSticker", "sticker"),
            };
            let source = media["link"]
                .as_str()
                .or_else(|| media["id"].as_str())
                .ok_or_else(|| bad(format!("{kind}: give a link or an id")))?;
            params.insert(field.into(), json!(source));
            if let Some(caption) = media["caption"].as_str() {
                params.insert("caption".into(), json!(caption));
            }
            media_field = Some(field);
            method
        }
        "location" => {
            let loc = &body["location"];
            params.insert("latitude".into(), loc["latitude"].clone());
            params.insert("longitude".into(), loc["longitude"].clone());
            let text = |k: &str| loc[k].as_str().map(str::trim).filter(|s| !s.is_empty());
            match (text("name"), text("address")) {
                (Some(name), Some(address)) => {
                    params.insert("title".into(), json!(name));
                    params.insert("address".into(), json!(address));
                    "sendVenue"
                }
                _ => "sendLocation",
            }
        }
        "contacts" => {
            let card = &body["contacts"][0];
            let phone = card["phones"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|p| p["phone"].as_str())
                .ok_or_else(|| bad("contacts[0].phones: Telegram needs a phone number"))?;
            let name = &card["name"];
            let first = name["first_name"]
                .as_str()
                .or_else(|| name["formatted_name"].as_str())
                .unwrap_or(phone);
            params.insert("phone_number".into(), json!(phone));
            params.insert("first_name".into(), json!(first));
            if let Some(last) = name["last_name"].as_str() {
                params.insert("last_name".into(), json!(last));
            }
            "sendContact"
        }
        "interactive" => {
            let i = &body["interactive"];
            if let Some((method, field, link)) = media_header(i) {
                let caption = ["/body/text", "/footer/text"]
                    .iter()
                    .filter_map(|p| str_at(i, p))
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n\n");
                params.insert(field.into(), json!(link));
                if !caption.is_empty() {
                    params.insert("caption".into(), json!(caption));
                }
                params.insert("reply_markup".into(), keyboard(i)?);
                media_field = Some(field);
                return Ok(TelegramCall {
                    method,
                    params,
                    media_field,
                });
            }
            let text = ["/header/text", "/body/text", "/footer/text"]
                .iter()
                .filter_map(|p| str_at(i, p))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n");
            params.insert("text".into(), json!(text));
            params.insert("reply_markup".into(), keyboard(i)?);
            "sendMessage"
        }
        "reaction" => {
            let target = str_at(body, "/reaction/message_id").unwrap_or("");
            let number = message_number(target).ok_or_else(|| {
                bad(format!(
                    "reaction.message_id `{target}` is not a Telegram message of this chat"
                ))
            })?;
            params.remove("reply_parameters");
            params.insert("message_id".into(), json!(number));
            let emoji = str_at(body, "/reaction/emoji").unwrap_or("");
            let reaction = if emoji.is_empty() {
                json!([])
            } else {
                json!([{"type": "emoji", "emoji": emoji}])
            };
            params.insert("reaction".into(), reaction);
            "setMessageReaction"
        }
        other => {
            return Err(bad(format!(
                "a telegram channel cannot carry `{other}` messages"
            )))
        }
    };
    Ok(TelegramCall {
        method,
        params,
        media_field,
    })
}

/// The method, media parameter and link of an interactive message's media header (image,
/// video or document by link), which is sent as that media captioned with the body.
fn media_header(i: &Value) -> Option<(&'static str, &'static str, &str)> {
    let (method, field, kind) = match str_at(i, "/header/type")? {
        "image" => ("sendPhoto", "photo", "image"),
        "video" => ("sendVideo", "video", "video"),
        "document" => ("sendDocument", "document", "document"),
        _ => return None,
    };
    let link = i["header"][kind]["link"].as_str()?;
    Some((method, field, link))
}

/// The inline keyboard of an interactive `button`, `list` or `cta_url` message.
fn keyboard(i: &Value) -> Result<Value, ConnectorError> {
    let action = &i["action"];
    let rows: Vec<Value> = match str_at(i, "/type").unwrap_or("") {
        "button" => action["buttons"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                let id = b["reply"]["id"].as_str().unwrap_or("");
                json!([{"text": b["reply"]["title"], "callback_data": callback_data(id)}])
            })
            .collect(),
        "list" => action["sections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["rows"].as_array().into_iter().flatten())
            .map(|r| {
                let id = r["id"].as_str().unwrap_or("");
                json!([{"text": r["title"], "callback_data": callback_data(id)}])
            })
            .collect(),
        "cta_url" => {
            let p = &action["parameters"];
            vec![json!([{"text": p["display_text"], "url": p["url"]}])]
        }
        other => {
            return Err(bad(format!(
                "a telegram channel cannot carry interactive `{other}` messages"
            )))
        }
    };
    Ok(json!({ "inline_keyboard": rows }))
}

/// The file_id Telegram gave the media of a sent `Message` (the largest photo size).
pub fn sent_file_id(message: &Value, field: &str) -> Option<String> {
    let object = match field {
        "photo" => message["photo"].as_array().and_then(|sizes| sizes.last())?,
        other => &message[other],
    };
    object["file_id"].as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_numbers_and_chat_ids() {
        assert_eq!(message_number("123:42"), Some(42));
        assert_eq!(message_number("-100123:7"), Some(7));
        assert_eq!(message_number("42"), Some(42));
        assert_eq!(message_number("wamid.x"), None);
        assert_eq!(chat_id_value("-5"), json!(-5));
        assert_eq!(chat_id_value("@chan"), json!("@chan"));
    }

    #[test]
    fn a_media_header_sends_the_media_with_the_keyboard() {
        let call = to_call(&json!({"to": "5", "type": "interactive", "interactive": {
            "type": "cta_url", "header": {"type": "image", "image": {"link": "https://x.test/a.png"}},
            "body": {"text": "Menu"}, "footer": {"text": "Open daily"},
            "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://x.test"}}}}))
        .unwrap();
        assert_eq!(call.method, "sendPhoto");
        assert_eq!(call.params["photo"], "https://x.test/a.png");
        assert_eq!(call.params["caption"], "Menu\n\nOpen daily");
        assert_eq!(
            call.params["reply_markup"]["inline_keyboard"][0][0]["url"],
            "https://x.test"
        );
        assert!(!call.params.contains_key("text"));
    }

    #[test]
    fn a_named_location_is_a_venue() {
        let location = |extra: Value| {
            let mut loc = json!({"latitude": 52.52, "longitude": 13.4});
            if let (Some(o), Some(e)) = (loc.as_object_mut(), extra.as_object()) {
                o.extend(e.clone());
            }
            json!({"to": "42", "type": "location", "location": loc})
        };
        let venue =
            to_call(&location(json!({"name": "Shop", "address": "Main St 1"}))).expect("mapped");
        assert_eq!(venue.method, "sendVenue");
        assert_eq!(venue.params["title"], "Shop");
        assert_eq!(venue.params["address"], "Main St 1");
        let plain = to_call(&location(json!({"name": "Shop"}))).expect("mapped");
        assert_eq!(plain.method, "sendLocation");
        assert!(plain.params.get("title").is_none());
    }
}
