//! `getMe`, the send methods, `sendChatAction`, `setMessageReaction`, `answerCallbackQuery`.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::entities::visible_len;
use super::files::media_input;
use super::{with_bot, Bot, TgError};
use crate::params::Params;
use crate::records::SentMessage;
use crate::state::{lock, now_millis, Inner};

/// Longest text, in characters.
pub(crate) const MAX_TEXT_CHARS: usize = 4096;
/// Longest text before entity parsing, in bytes.
const MAX_RAW_TEXT_BYTES: usize = 32768;
/// Longest caption, in characters.
pub(crate) const MAX_CAPTION_CHARS: usize = 1024;
/// Longest `callback_data`, in bytes.
pub(crate) const MAX_CALLBACK_DATA_BYTES: usize = 64;
/// Longest serialized reply markup accepted, in bytes.
const MAX_MARKUP_BYTES: usize = 10 * 1024;

/// Emoji a bot may react with (`ReactionTypeEmoji`).
pub(crate) const REACTION_EMOJI: &[&str] = &[
    "❤",
    "👍",
    "👎",
    "🔥",
    "🥰",
    "👏",
    "😁",
    "🤔",
    "🤯",
    "😱",
    "🤬",
    "😢",
    "🎉",
    "🤩",
    "🤮",
    "💩",
    "🙏",
    "👌",
    "🕊",
    "🤡",
    "🥱",
    "🥴",
    "😍",
    "🐳",
    "❤‍🔥",
    "🌚",
    "🌭",
    "💯",
    "🤣",
    "⚡",
    "🍌",
    "🏆",
    "💔",
    "🤨",
    "😐",
    "🍓",
    "🍾",
    "💋",
    "🖕",
    "😈",
    "😴",
    "😭",
    "🤓",
    "👻",
    "👨‍💻",
    "👀",
    "🎃",
    "🙈",
    "😇",
    "😨",
    "🤝",
    "✍",
    "🤗",
    "🫡",
    "🎅",
    "🎄",
    "☃",
    "💅",
    "🤪",
    "🗿",
    "🆒",
    "💘",
    "🙉",
    "🦄",
    "😘",
    "💊",
    "🙊",
    "😎",
    "👾",
    "🤷‍♂",
    "🤷",
    "🤷‍♀",
    "😡",
];

const CHAT_ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];

/// `getMe`.
pub(crate) fn get_me(inner: &Inner, bot_id: i64) -> Result<Value, TgError> {
    with_bot(inner, bot_id, |b| {
        let mut me = b.user_json();
        for (k, v) in [
            ("can_join_groups", true),
            ("can_read_all_group_messages", false),
            ("supports_inline_queries", false),
            ("can_connect_to_business", false),
            ("has_main_web_app", false),
        ] {
            me[k] = json!(v);
        }
        Ok(me)
    })
}

/// The private chat `chat_id` names: 400 `chat_id is empty` / `chat not found`, 403 when the
/// user blocked the bot.
pub(crate) fn resolve_chat(bot: &Bot, p: &Params) -> Result<Value, TgError> {
    let raw = p
        .str("chat_id")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| TgError::bad("chat_id is empty"))?;
    let user = raw
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| bot.users.get(&id))
        .ok_or_else(|| TgError::bad("chat not found"))?;
    if user.blocked {
        return Err(TgError::forbidden("bot was blocked by the user"));
    }
    Ok(user.chat())
}

/// Checks `reply_markup`: callback_data 1–64 bytes (`BUTTON_DATA_INVALID`), about 10 KB at
/// most. Returns the markup a Message carries (inline keyboards only).
fn check_markup(p: &Params) -> Result<Option<Value>, TgError> {
    let Some(markup) = p.json("reply_markup").map_err(TgError::bad)? else {
        return Ok(None);
    };
    if markup.to_string().len() > MAX_MARKUP_BYTES {
        return Err(TgError::bad("reply markup is too long"));
    }
    let Some(rows) = markup.get("inline_keyboard") else {
        return Ok(None);
    };
    let rows = rows.as_array().ok_or_else(|| {
        TgError::bad(
            "can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of Arrays",
        )
    })?;
    for button in rows.iter().flat_map(|r| r.as_array().into_iter().flatten()) {
        if let Some(data) = button.get("callback_data") {
            let len = data.as_str().map_or(0, str::len);
            if len == 0 || len > MAX_CALLBACK_DATA_BYTES {
                return Err(TgError::bad("BUTTON_DATA_INVALID"));
            }
        }
        if button.get("text").and_then(Value::as_str).is_none() {
            return Err(TgError::bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
    }
    Ok(Some(markup))
}

/// The message replied to (`reply_parameters.message_id` or the older
/// `reply_to_message_id`): 400 when missing unless `allow_sending_without_reply`.
fn reply_target(bot: &Bot, chat: i64, p: &Params) -> Result<Option<Value>, TgError> {
    let params = p.json("reply_parameters").map_err(TgError::bad)?;
    let (id, allow) = match &params {
        Some(r) => (
            r.get("message_id").and_then(Value::as_i64),
            r.get("allow_sending_without_reply")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        None => (
            p.int("reply_to_message_id"),
            p.bool("allow_sending_without_reply"),
        ),
    };
    let Some(id) = id else {
        return Ok(None);
    };
    match bot.messages.get(&(chat, id)) {
        Some(m) => {
            let mut m = m.clone();
            if let Some(o) = m.as_object_mut() {
                o.remove("reply_to_message");
            }
            Ok(Some(m))
        }
        None if allow => Ok(None),
        None => Err(TgError::bad("message to be replied not found")),
    }
}

/// The length of `text` after parsing `parse_mode`: `can't parse entities: …` when it does not
/// parse.
fn parsed_len(text: &str, p: &Params) -> Result<usize, TgError> {
    visible_len(text, p.str("parse_mode").as_deref())
        .map_err(|e| TgError::bad(format!("can't parse entities: {e}")))
}

fn caption(p: &Params, content: &mut Map<String, Value>) -> Result<(), TgError> {
    if let Some(c) = p.str("caption").filter(|c| !c.is_empty()) {
        if parsed_len(&c, p)? > MAX_CAPTION_CHARS {
            return Err(TgError::bad("message caption is too long"));
        }
        content.insert("caption".into(), json!(c));
    }
    Ok(())
}

/// The content fields of a send, by method (lowercase).
fn content(bot: &mut Bot, method: &str, p: &Params) -> Result<Map<String, Value>, TgError> {
    let mut c = Map::new();
    match method {
        "sendmessage" => {
            let text = p.str("text").unwrap_or_default();
            if text.trim().is_empty() {
                return Err(TgError::bad("message text is empty"));
            }
            if text.len() > MAX_RAW_TEXT_BYTES {
                return Err(TgError::bad("text is too long"));
            }
            if parsed_len(&text, p)? > MAX_TEXT_CHARS {
                return Err(TgError::bad("message is too long"));
            }
            c.insert("text".into(), json!(text));
        }
        "sendlocation" | "sendvenue" => {
            let lat = p.float("latitude").filter(|v| (-90.0..=90.0).contains(v));
            let lon = p
                .float("longitude")
                .filter(|v| (-180.0..=180.0).contains(v));
            let (Some(lat), Some(lon)) = (lat, lon) else {
                return Err(TgError::bad("wrong latitude or longitude specified"));
            };
            let location = json!({"latitude": lat, "longitude": lon});
            if method == "sendvenue" {
                let title = p.str("title").filter(|s| !s.is_empty());
                let address = p.str("address").filter(|s| !s.is_empty());
                let (Some(title), Some(address)) = (title, address) else {
                    return Err(TgError::bad("venue title and address must be non-empty"));
                };
                c.insert(
                    "venue".into(),
                    json!({"location": location, "title": title, "address": address}),
                );
            }
            c.insert("location".into(), location);
        }
        "sendcontact" => {
            let phone = p.str("phone_number").filter(|s| !s.is_empty());
            let first = p.str("first_name").filter(|s| !s.is_empty());
            let (Some(phone), Some(first)) = (phone, first) else {
                return Err(TgError::bad(
                    "phone number and first name must be non-empty",
                ));
            };
            let mut contact = json!({"phone_number": phone, "first_name": first});
            for k in ["last_name", "vcard"] {
                if let Some(v) = p.str(k).filter(|s| !s.is_empty()) {
                    contact[k] = json!(v);
                }
            }
            c.insert("contact".into(), contact);
        }
        media => {
            let kind = media.trim_start_matches("send");
            caption(p, &mut c)?;
            let object = media_input(bot, p, kind)?;
            let object = if kind == "photo" {
                json!([object])
            } else {
                object
            };
            c.insert(kind.into(), object);
        }
    }
    Ok(c)
}

/// `sendMessage`, `sendPhoto`, `sendVideo`, `sendAudio`, `sendDocument`, `sendSticker`,
/// `sendVoice`, `sendLocation`, `sendVenue`, `sendContact`: the sent Message.
pub(crate) fn send(
    inner: &Arc<Inner>,
    bot_id: i64,
    method: &str,
    p: &Params,
) -> Result<Value, TgError> {
    let message = with_bot(inner, bot_id, |bot| {
        let mut c = content(bot, method, p)?;
        let chat = resolve_chat(bot, p)?;
        let chat_id = chat["id"].as_i64().unwrap_or_default();
        if let Some(m) = check_markup(p)? {
            c.insert("reply_markup".into(), m);
        }
        if let Some(r) = reply_target(bot, chat_id, p)? {
            c.insert("reply_to_message".into(), r);
        }
        let from = bot.user_json();
        Ok(bot.message(&chat, from, c))
    })?;
    let chat = message["chat"]["id"].as_i64().unwrap_or_default();
    lock(&inner.records).sent.push(SentMessage {
        wamid: message["message_id"].to_string(),
        phone_number_id: bot_id.to_string(),
        to: chat.to_string(),
        body: Value::Object(p.fields.clone()),
        time_ms: now_millis(),
    });
    if let Some(text) = message["text"].as_str() {
        super::users::script(inner, bot_id, chat, text);
    }
    Ok(message)
}

/// `sendChatAction`: `true`.
pub(crate) fn chat_action(inner: &Inner, bot_id: i64, p: &Params) -> Result<Value, TgError> {
    with_bot(inner, bot_id, |bot| {
        let action = p.str("action").unwrap_or_default();
        if !CHAT_ACTIONS.contains(&action.as_str()) {
            return Err(TgError::bad("wrong parameter action in request"));
        }
        resolve_chat(bot, p)?;
        Ok(json!(true))
    })
}

/// `setMessageReaction`: at most one emoji from the fixed list; an empty list removes it.
pub(crate) fn set_reaction(inner: &Inner, bot_id: i64, p: &Params) -> Result<Value, TgError> {
    with_bot(inner, bot_id, |bot| {
        let chat = resolve_chat(bot, p)?;
        let chat_id = chat["id"].as_i64().unwrap_or_default();
        let id = p
            .int("message_id")
            .ok_or_else(|| TgError::bad("message_id is empty"))?;
        let reactions = p
            .json("reaction")
            .map_err(TgError::bad)?
            .unwrap_or_else(|| json!([]));
        let list = reactions
            .as_array()
            .ok_or_else(|| TgError::bad("can't parse reaction types JSON object"))?;
        if list.len() > 1 {
            return Err(TgError::bad("REACTIONS_TOO_MANY"));
        }
        for r in list {
            let ok = r.get("type").and_then(Value::as_str) == Some("emoji")
                && r.get("emoji")
                    .and_then(Value::as_str)
                    .is_some_and(|e| REACTION_EMOJI.contains(&e.trim_end_matches('\u{fe0f}')));
            if !ok {
                return Err(TgError::bad("REACTION_INVALID"));
            }
        }
        if !bot.messages.contains_key(&(chat_id, id)) {
            return Err(TgError::bad("message to react not found"));
        }
        Ok(json!(true))
    })
}

/// `answerCallbackQuery`: `true` once per query; an unknown or answered id is 400.
pub(crate) fn answer_callback(inner: &Inner, bot_id: i64, p: &Params) -> Result<Value, TgError> {
    with_bot(inner, bot_id, |bot| {
        let id = p.str("callback_query_id").unwrap_or_default();
        if p.str("text").is_some_and(|t| t.chars().count() > 200) {
            return Err(TgError::bad("MESSAGE_TOO_LONG"));
        }
        if !bot.callbacks.remove(&id) {
            return Err(TgError::bad(
                "query is too old and response timeout expired or query ID is invalid",
            ));
        }
        Ok(json!(true))
    })
}
