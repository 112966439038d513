//! Simulated Telegram users: they write (message updates), tap inline buttons
//! (`callback_query`), react (`message_reaction`), block and unblock (`my_chat_member`), and
//! answer scripted phrases.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::files::store;
use super::state::TgUser;
use super::{flush, Bot};
use crate::error::EmulatorError;
use crate::simulate::{reply_text, scripted_reply};
use crate::state::{lock, now_secs, Inner};

fn invalid(msg: impl Into<String>) -> EmulatorError {
    EmulatorError::InvalidMessage(msg.into())
}

/// Runs `f` on the bot, then queues the webhook POST of the update it filed, if any.
async fn act(
    inner: &Arc<Inner>,
    bot_id: i64,
    f: impl FnOnce(&mut Bot) -> Result<(Value, Option<crate::webhook::Post>), EmulatorError>,
) -> Result<Value, EmulatorError> {
    let (answer, post) = {
        let mut bots = lock(&inner.telegram);
        let bot = bots
            .by_id
            .get_mut(&bot_id)
            .ok_or(EmulatorError::UnknownBot(bot_id))?;
        f(bot)?
    };
    if let Some(post) = post {
        let chat = answer["chat"].as_i64().unwrap_or_default();
        flush(inner, bot_id, vec![(chat, post)]).await;
    }
    Ok(answer)
}

/// The user, if they ever wrote to the bot.
fn known_user(bot: &Bot, user_id: i64) -> Result<&TgUser, EmulatorError> {
    bot.users
        .get(&user_id)
        .ok_or_else(|| invalid(format!("user {user_id} never wrote to the bot")))
}

fn answer(update_id: i64, chat: i64, extra: Value) -> Value {
    let mut v = json!({"update_id": update_id, "chat": chat});
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

fn media(bot: &mut Bot, kind: &str, spec: &Value) -> Result<Value, EmulatorError> {
    let bytes = match spec.get("data") {
        Some(Value::String(s)) => Bytes::from(
            STANDARD
                .decode(s.as_bytes())
                .map_err(|_| invalid(format!("{kind}.data must be base64")))?,
        ),
        Some(_) => return Err(invalid(format!("{kind}.data must be a base64 string"))),
        None => Bytes::from(format!("emulated {kind} media")),
    };
    let mime = spec
        .get("mime_type")
        .and_then(Value::as_str)
        .map(str::to_string);
    let name = spec
        .get("file_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(store(bot, kind, bytes, mime, name))
}

/// The user `user_id` writes to the bot (starting it if new). `body`: `{"text"}`, or
/// `{"photo"|"document"|"voice"|"video"|"audio"|"sticker": {"data"? (base64), "mime_type"?,
/// "file_name"?}, "caption"?}`, or `{"location": {latitude, longitude}}`, or `{"contact":
/// {…}}`; plus optional `first_name`, `username`, `reply_to_message_id`. Returns
/// `{update_id, chat, message_id}`.
pub(crate) async fn writes(
    inner: &Arc<Inner>,
    bot_id: i64,
    user_id: i64,
    body: Value,
) -> Result<Value, EmulatorError> {
    if user_id <= 0 {
        return Err(invalid("a user id is a positive integer"));
    }
    act(inner, bot_id, |bot| {
        let user = bot.users.entry(user_id).or_insert_with(|| TgUser {
            id: user_id,
            first_name: format!("User {user_id}"),
            username: None,
            blocked: false,
        });
        if let Some(n) = body.get("first_name").and_then(Value::as_str) {
            user.first_name = n.to_string();
        }
        if let Some(n) = body.get("username").and_then(Value::as_str) {
            user.username = Some(n.to_string());
        }
        if user.blocked {
            return Err(invalid("the user blocked the bot; unblock it first"));
        }
        let user = user.clone();
        let mut c = Map::new();
        if let Some(text) = body.get("text").and_then(Value::as_str) {
            c.insert("text".into(), json!(text));
            if text.starts_with('/') {
                let len = text
                    .split_whitespace()
                    .next()
                    .map_or(0, |w| w.encode_utf16().count());
                c.insert(
                    "entities".into(),
                    json!([{"offset": 0, "length": len, "type": "bot_command"}]),
                );
            }
        }
        for kind in ["photo", "document", "voice", "video", "audio", "sticker"] {
            if let Some(spec) = body.get(kind) {
                let object = media(bot, kind, spec)?;
                let object = if kind == "photo" {
                    json!([object])
                } else {
                    object
                };
                c.insert(kind.into(), object);
            }
        }
        for kind in ["location", "contact", "caption"] {
            if let Some(v) = body.get(kind) {
                c.insert(kind.into(), v.clone());
            }
        }
        if c.is_empty() || (c.len() == 1 && c.contains_key("caption")) {
            return Err(invalid(
                "a message needs text, a media object, a location or a contact",
            ));
        }
        if let Some(r) = body.get("reply_to_message_id").and_then(Value::as_i64) {
            let m = bot
                .messages
                .get(&(user_id, r))
                .cloned()
                .ok_or_else(|| invalid(format!("no message {r} in this chat")))?;
            c.insert("reply_to_message".into(), m);
        }
        let message = bot.message(&user.chat(), user.json(), c);
        let message_id = message["message_id"].clone();
        let update_id = bot.next_update_id;
        let post = bot.push_update("message", message);
        Ok((
            answer(update_id, user_id, json!({"message_id": message_id})),
            post,
        ))
    })
    .await
}

/// The user taps the inline button with `data` under the bot's message `message_id`: a
/// `callback_query` update. Returns `{update_id, chat, callback_query_id}`.
pub(crate) async fn taps(
    inner: &Arc<Inner>,
    bot_id: i64,
    user_id: i64,
    message_id: i64,
    data: &str,
) -> Result<Value, EmulatorError> {
    act(inner, bot_id, |bot| {
        let user = known_user(bot, user_id)?.clone();
        let message = bot
            .messages
            .get(&(user_id, message_id))
            .cloned()
            .ok_or_else(|| invalid(format!("no message {message_id} in this chat")))?;
        let has_button = message
            .pointer("/reply_markup/inline_keyboard")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .any(|b| b.get("callback_data").and_then(Value::as_str) == Some(data));
        if !has_button {
            return Err(invalid(format!(
                "message {message_id} has no inline button with callback_data {data:?}"
            )));
        }
        let id = format!("{}{:08x}", bot_id, rand::random::<u32>());
        bot.callbacks.insert(id.clone());
        let update_id = bot.next_update_id;
        let post = bot.push_update(
            "callback_query",
            json!({
                "id": id,
                "from": user.json(),
                "message": message,
                "chat_instance": format!("{}", -(bot_id ^ user_id).abs()),
                "data": data,
            }),
        );
        Ok((
            answer(update_id, user_id, json!({"callback_query_id": id})),
            post,
        ))
    })
    .await
}

/// The user sets (or, with `None`, removes) a reaction on message `message_id`: a
/// `message_reaction` update. Returns `{update_id, chat}`.
pub(crate) async fn reacts(
    inner: &Arc<Inner>,
    bot_id: i64,
    user_id: i64,
    message_id: i64,
    emoji: Option<&str>,
) -> Result<Value, EmulatorError> {
    act(inner, bot_id, |bot| {
        let user = known_user(bot, user_id)?.clone();
        if !bot.messages.contains_key(&(user_id, message_id)) {
            return Err(invalid(format!("no message {message_id} in this chat")));
        }
        let new: Vec<Value> = emoji
            .filter(|e| !e.is_empty())
            .map(|e| json!({"type": "emoji", "emoji": e}))
            .into_iter()
            .collect();
        let update_id = bot.next_update_id;
        let post = bot.push_update(
            "message_reaction",
            json!({
                "chat": user.chat(),
                "message_id": message_id,
                "user": user.json(),
                "date": now_secs(),
                "old_reaction": [],
                "new_reaction": new,
            }),
        );
        Ok((answer(update_id, user_id, json!({})), post))
    })
    .await
}

/// The user blocks (`kicked`) or unblocks (`member`) the bot: a `my_chat_member` update; while
/// blocked, sends to the user are 403. Returns `{update_id, chat}`.
pub(crate) async fn blocks(
    inner: &Arc<Inner>,
    bot_id: i64,
    user_id: i64,
    blocked: bool,
) -> Result<Value, EmulatorError> {
    act(inner, bot_id, |bot| {
        let me = bot.user_json();
        let mut user = known_user(bot, user_id)?.clone();
        let (old, new) = if blocked {
            ("member", "kicked")
        } else {
            ("kicked", "member")
        };
        user.blocked = blocked;
        bot.users.insert(user_id, user.clone());
        let mut new_member = json!({"status": new, "user": me});
        if blocked {
            new_member["until_date"] = json!(0);
        }
        let update_id = bot.next_update_id;
        let post = bot.push_update(
            "my_chat_member",
            json!({
                "chat": user.chat(),
                "from": user.json(),
                "date": now_secs(),
                "old_chat_member": {"status": old, "user": me},
                "new_chat_member": new_member,
            }),
        );
        Ok((answer(update_id, user_id, json!({})), post))
    })
    .await
}

/// When a sent `text` matches a scripted reply, the user answers it after `reply_delay_ms`.
pub(crate) fn script(inner: &Arc<Inner>, bot_id: i64, chat: i64, text: &str) {
    let Some(reply) = scripted_reply(inner, Some(text))
        .as_ref()
        .and_then(reply_text)
    else {
        return;
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let inner = inner.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(inner.config.reply_delay_ms)).await;
        if let Err(e) = writes(&inner, bot_id, chat, json!({"text": reply})).await {
            tracing::warn!(error = %e, "emulator scripted Telegram reply not sent");
        }
    });
}
