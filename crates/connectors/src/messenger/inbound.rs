//! Messenger and Instagram webhooks → the canonical Cloud API webhook payload, pure: no I/O.
//!
//! | Send API event (`entry[].messaging[]`) | canonical (`entry[].changes[].value`) |
//! |---|---|
//! | `message.text` | `messages[{type:"text", text:{body}}]` |
//! | `message.quick_reply.payload` (text = the tapped title) | `messages[{type:"interactive", interactive:{type:"button_reply", button_reply:{id: payload, title: text}}}]` |
//! | `message.attachments[]` `image`, `video`, `audio`, `file`, `sticker` | one message each, `image`/`video`/`audio`/`document`/`sticker` `{id: CDN URL, url}` (the first message of the event keeps `mid`, the others are `mid#n`, `n` the attachment's position from 1); an `image` with a `sticker_id` beside a `sticker` attachment is the same sticker and is dropped |
//! | other attachment types (`fallback`, `reel`, `ig_post`, `story_mention`, `ephemeral`, …), `is_unsupported` | `messages[{type:"unsupported", errors:[131051], attachment}]` |
//! | `message.reply_to.mid` | `context.id` |
//! | `message.is_echo`, `message.is_deleted` | skipped |
//! | `postback{mid?, title, payload}` | `interactive` `button_reply{id: payload, title}` (id `mid`, or `postback.{sender}.{timestamp}`) |
//! | `reaction{mid, action, emoji}` | `messages[{type:"reaction", reaction:{message_id: mid, emoji}}]` (`""` for `unreact`), id `reaction.{mid}.{sender}.{timestamp}` |
//! | `delivery{mids?, watermark}` (Messenger) | `statuses[{id: mid, status:"delivered"}]` per mid, and a delivered [`Watermark`] |
//! | `read{watermark}` (Messenger) | a read [`Watermark`] (no per-message status: the watermark covers them) |
//! | `read{mid}` (Instagram `messaging_seen`) | `statuses[{id: mid, status:"read"}]` |
//! | anything else (`optin`, `referral` alone, `standby`, handover) | skipped |
//!
//! The canonical value has `messaging_product` `messenger` or `instagram`, `metadata.
//! phone_number_id` = the Page or IG account id (`entry.id`), `contacts[{wa_id: PSID/IGSID}]`
//! for messages, timestamps in Unix seconds. Watermarks are returned beside the payload so the
//! service can mark every earlier outbound message of that user's chat.

use serde_json::{json, Value};
use switchboard_core::channel::capability::Receipt;
use switchboard_core::cloud_webhook::OBJECT_WABA;

use super::Platform;

/// A delivery or read watermark: every message the business sent to `user` at or before
/// `watermark_ms` has reached this state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    /// [`Receipt::Delivered`] or [`Receipt::Read`].
    pub receipt: Receipt,
    /// The PSID of the user whose chat it covers.
    pub user: String,
    /// The business's Page id (the webhook `entry.id`).
    pub account_id: String,
    /// Unix milliseconds: messages sent at or before it are covered.
    pub watermark_ms: i64,
}

/// A translated webhook body.
#[derive(Debug, Clone, PartialEq)]
pub struct Translated {
    /// The canonical payload, which
    /// [`WebhookPayload`](switchboard_core::cloud_webhook::WebhookPayload) parses; `entry` is
    /// empty when nothing in the body was for us.
    pub payload: Value,
    /// The delivery and read watermarks, in body order.
    pub watermarks: Vec<Watermark>,
    /// How many events were skipped (echoes, deletions, unhandled kinds).
    pub skipped: usize,
}

/// Why a webhook body is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InboundError(pub String);

/// Translates a verified webhook body (`object` `page` or `instagram`).
pub fn translate(body: &Value) -> Result<Translated, InboundError> {
    let platform = match body.get("object").and_then(Value::as_str) {
        Some("page") => Platform::Messenger,
        Some("instagram") => Platform::Instagram,
        Some(other) => {
            return Err(InboundError(format!(
                "object `{other}` is not a Messenger (`page`) or Instagram (`instagram`) webhook"
            )))
        }
        None => return Err(InboundError("the webhook body has no `object`".into())),
    };
    let entries = body
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| InboundError("the webhook body has no `entry` array".into()))?;
    let mut out = Translated {
        payload: Value::Null,
        watermarks: Vec::new(),
        skipped: 0,
    };
    let mut canonical = Vec::new();
    for entry in entries {
        let account = id_of(entry.get("id")).unwrap_or_default();
        let mut changes = Vec::new();
        let events = entry.get("messaging").and_then(Value::as_array);
        for event in events.into_iter().flatten() {
            match translate_event(platform, &account, event, &mut out.watermarks) {
                Some(value) => changes.push(json!({"field": "messages", "value": value})),
                None => out.skipped += 1,
            }
        }
        if !changes.is_empty() {
            canonical.push(json!({"id": account, "changes": changes}));
        }
    }
    out.payload = json!({"object": OBJECT_WABA, "entry": canonical});
    Ok(out)
}

fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn seconds(ms: i64) -> String {
    ms.div_euclid(1000).to_string()
}

/// The value of one event: a message or statuses; `None` for what is skipped. Watermarks are
/// pushed to `marks`.
fn translate_event(
    platform: Platform,
    account: &str,
    event: &Value,
    marks: &mut Vec<Watermark>,
) -> Option<Value> {
    let sender = id_of(event.pointer("/sender/id"))?;
    let ms = event.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
    let value = |messages: Vec<Value>, statuses: Vec<Value>| {
        let mut v = json!({
            "messaging_product": platform.as_str(),
            "metadata": {"display_phone_number": "", "phone_number_id": account},
        });
        if !messages.is_empty() {
            v["contacts"] = json!([{ "wa_id": sender }]);
            v["messages"] = Value::Array(messages);
        }
        if !statuses.is_empty() {
            v["statuses"] = Value::Array(statuses);
        }
        v
    };
    let base = |id: &str, kind: &str| json!({"from": sender, "id": id, "timestamp": seconds(ms), "type": kind});
    if let Some(m) = event.get("message") {
        let flag = |k: &str| m.get(k).and_then(Value::as_bool) == Some(true);
        if flag("is_echo") || flag("is_deleted") {
            return None;
        }
        let messages = messages(m, &base, flag("is_unsupported"));
        return (!messages.is_empty()).then(|| value(messages, Vec::new()));
    }
    if let Some(p) = event.get("postback") {
        let payload = p.get("payload").and_then(Value::as_str)?;
        let title = p.get("title").and_then(Value::as_str).unwrap_or(payload);
        let id = p
            .get("mid")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("postback.{sender}.{ms}"));
        let mut msg = base(&id, "interactive");
        msg["interactive"] = json!({"type": "button_reply",
            "button_reply": {"id": payload, "title": title}});
        return Some(value(vec![msg], Vec::new()));
    }
    if let Some(r) = event.get("reaction") {
        let mid = r.get("mid").and_then(Value::as_str)?;
        let emoji = match r.get("action").and_then(Value::as_str) {
            Some("unreact") => "",
            _ => r
                .get("emoji")
                .and_then(Value::as_str)
                .or_else(|| r.get("reaction").and_then(Value::as_str))
                .unwrap_or(""),
        };
        let mut msg = base(&format!("reaction.{mid}.{sender}.{ms}"), "reaction");
        msg["reaction"] = json!({"message_id": mid, "emoji": emoji});
        return Some(value(vec![msg], Vec::new()));
    }
    if let Some(d) = event.get("delivery") {
        let watermark = d.get("watermark").and_then(Value::as_i64);
        let at = watermark.unwrap_or(ms);
        if let Some(w) = watermark {
            marks.push(Watermark {
                receipt: Receipt::Delivered,
                user: sender.clone(),
                account_id: account.to_string(),
                watermark_ms: w,
            });
        }
        let statuses: Vec<Value> = d
            .get("mids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|mid| status(mid, "delivered", at, &sender))
            .collect();
        return (!statuses.is_empty()).then(|| value(Vec::new(), statuses));
    }
    if let Some(r) = event.get("read") {
        if let Some(mid) = r.get("mid").and_then(Value::as_str) {
            return Some(value(Vec::new(), vec![status(mid, "read", ms, &sender)]));
        }
        if let Some(w) = r.get("watermark").and_then(Value::as_i64) {
            marks.push(Watermark {
                receipt: Receipt::Read,
                user: sender,
                account_id: account.to_string(),
                watermark_ms: w,
            });
        }
        return None;
    }
    None
}

fn status(mid: &str, status: &str, ms: i64, user: &str) -> Value {
    json!({"id": mid, "status": status, "timestamp": seconds(ms), "recipient_id": user})
}

/// The canonical messages of one `message` event.
fn messages(m: &Value, base: &dyn Fn(&str, &str) -> Value, unsupported: bool) -> Vec<Value> {
    let Some(mid) = m.get("mid").and_then(Value::as_str) else {
        return Vec::new();
    };
    let context = m
        .pointer("/reply_to/mid")
        .and_then(Value::as_str)
        .map(|id| json!({ "id": id }));
    let extras = |msg: &mut Value| {
        if let Some(c) = &context {
            msg["context"] = c.clone();
        }
        if let Some(r) = m.get("referral") {
            msg["referral"] = r.clone();
        }
    };
    let mut out = Vec::new();
    let text = m
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    if let Some(text) = text {
        let mut msg = match m.pointer("/quick_reply/payload").and_then(Value::as_str) {
            Some(payload) => {
                let mut msg = base(mid, "interactive");
                msg["interactive"] = json!({"type": "button_reply",
                    "button_reply": {"id": payload, "title": text}});
                msg
            }
            None => {
                let mut msg = base(mid, "text");
                msg["text"] = json!({ "body": text });
                msg
            }
        };
        extras(&mut msg);
        out.push(msg);
    }
    let attachments = m.get("attachments").and_then(Value::as_array);
    let kind_of = |a: &Value| a.get("type").and_then(Value::as_str).map(str::to_string);
    // Until Meta drops it, a sticker also arrives as an image carrying its `sticker_id`.
    let has_sticker = attachments
        .into_iter()
        .flatten()
        .any(|a| kind_of(a).as_deref() == Some("sticker"));
    for (n, a) in attachments.into_iter().flatten().enumerate() {
        if has_sticker
            && kind_of(a).as_deref() == Some("image")
            && a.pointer("/payload/sticker_id").is_some()
        {
            continue;
        }
        let id = if out.is_empty() {
            mid.to_string()
        } else {
            format!("{mid}#{}", n + 1)
        };
        let url = a.pointer("/payload/url").and_then(Value::as_str);
        let kind = match (a.get("type").and_then(Value::as_str), url) {
            (Some("image"), Some(_)) => Some("image"),
            (Some("video"), Some(_)) => Some("video"),
            (Some("audio"), Some(_)) => Some("audio"),
            (Some("file"), Some(_)) => Some("document"),
            (Some("sticker"), Some(_)) => Some("sticker"),
            _ => None,
        };
        let mut msg = match (kind, url) {
            (Some(kind), Some(url)) => {
                let mut msg = base(&id, kind);
                msg[kind] = json!({"id": url, "url": url});
                msg
            }
            _ => unsupported_message(base(&id, "unsupported"), a),
        };
        extras(&mut msg);
        out.push(msg);
    }
    if out.is_empty() && unsupported {
        let mut msg = unsupported_message(base(mid, "unsupported"), &Value::Null);
        extras(&mut msg);
        out.push(msg);
    }
    out
}

fn unsupported_message(mut msg: Value, attachment: &Value) -> Value {
    let what = attachment
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    msg["errors"] = json!([{
        "code": 131051,
        "title": "Message type unknown",
        "message": "Message type unknown",
        "error_data": {"details": format!("attachment type `{what}` is not supported")},
    }]);
    if !attachment.is_null() {
        if let Some(o) = msg.as_object_mut() {
            o.insert("attachment".into(), attachment.clone());
        }
    }
    msg
}

#[cfg(test)]
#[path = "inbound_tests.rs"]
mod tests;
