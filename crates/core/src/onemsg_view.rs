//! The 1msg dialect's message and ack objects, one view shared by its `messages` history and
//! its webhook (`{"messages": […]}`, `{"ack": […]}`), built from the native message view.
//!
//! A message: `{id, body, type, senderName, fromMe, self, author, time, chatId, chatName,
//! messageNumber, caption, quotedMsgId, quotedMsgBody, isForwarded}`; `id` is the Switchboard
//! message id (`msg_…`), `time` Unix seconds, chat ids `<digits>@c.us`, `type` `chat` for a
//! text. An ack: `{id, chatId, phone, status, time}` (with `error` when it failed), `status`
//! one of `sent`, `delivered`, `read`, `failed`.
//!
//! `messageNumber` is read from the message id (a UUID v7): its creation millisecond times
//! 4096 plus the id's next 12 bits, so numbers grow with the history and a number is turned
//! back into a position of the history ([`after_number`], [`before_number`]) without a scan.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::event::MessageView;
use crate::id::MessageId;
use crate::time::parse_rfc3339;

/// A message in the dialect's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OneMsgMessage {
    /// The Switchboard message id (`msg_…`).
    pub id: String,
    /// The text; the media URL for media; the emoji of a reaction; `lat;lng` for a location;
    /// the tapped button's or row's title for a reply.
    pub body: String,
    /// `chat`, `image`, `video`, `audio`, `document`, `sticker`, `location`, `contact`,
    /// `button`, `list`, `reaction`, `template`, `interactive`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The customer's profile name (inbound) or the channel's name (outbound).
    pub sender_name: Option<String>,
    /// Whether the business sent it.
    pub from_me: bool,
    /// `1` when the business sent it, else `0`.
    #[serde(rename = "self")]
    pub own: u8,
    /// The sender's chat id.
    pub author: String,
    /// Creation time, Unix seconds.
    pub time: i64,
    /// The customer's chat id (`<digits>@c.us`).
    pub chat_id: String,
    /// The customer's name, else their number.
    pub chat_name: String,
    /// The message's place in the history (see the module's documentation).
    pub message_number: i64,
    /// A media message's caption.
    pub caption: Option<String>,
    /// The quoted (or reacted-to) message's id.
    pub quoted_msg_id: Option<String>,
    /// The quoted message's body, when it is in the history.
    pub quoted_msg_body: Option<String>,
    /// Whether the customer forwarded it.
    pub is_forwarded: bool,
}

/// What the message view does not say: the names and the quoted message.
#[derive(Debug, Clone, Default)]
pub struct MessageContext<'a> {
    /// The customer's profile name, if known.
    pub contact_name: Option<&'a str>,
    /// The channel's name (the sender of outbound messages).
    pub channel_name: Option<&'a str>,
    /// The channel's WhatsApp number (digits), the author of outbound messages.
    pub own_number: &'a str,
    /// The quoted message, when it is in the history.
    pub quoted: Option<&'a MessageView>,
}

/// The chat id of a WhatsApp number.
pub fn chat_id(number: &str) -> String {
    format!("{number}@c.us")
}

/// The number of a chat id (`12020721369@c.us` → `12020721369`); a bare number stays itself.
pub fn chat_number(chat_id: &str) -> &str {
    chat_id.strip_suffix("@c.us").unwrap_or(chat_id)
}

/// The `messageNumber` of a message id.
pub fn message_number(id: MessageId) -> i64 {
    let high = (id.uuid().as_u128() >> 64) as u64;
    let millis = high >> 16;
    let sub = high & 0x0fff;
    i64::try_from((millis << 12) | sub).unwrap_or(i64::MAX)
}

fn cursor(number: i64, low: u128) -> String {
    let number = u128::try_from(number.max(0)).unwrap_or(0);
    let millis = number >> 12;
    let sub = number & 0x0fff;
    let value = (millis << 80) | (0x7 << 76) | (sub << 64) | low;
    MessageId::from_uuid(Uuid::from_u128(value)).to_string()
}

/// The position after every message numbered `number` or less: ids above it have greater
/// numbers.
pub fn after_number(number: i64) -> String {
    cursor(number, u128::from(u64::MAX))
}

/// The position before every message numbered `number` or more: ids below it have smaller
/// numbers.
pub fn before_number(number: i64) -> String {
    cursor(number, 0)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// `(type, body, caption)` of a message's content (Meta's message object, or the Cloud API
/// body sent).
fn read_content(kind: &str, content: &Value) -> (String, String, Option<String>) {
    let own = |v: &Value| text(v).unwrap_or_default();
    match kind {
        "text" => ("chat".into(), own(&content["text"]["body"]), None),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let media = &content[kind];
            let body = text(&media["media_url"])
                .or_else(|| text(&media["link"]))
                .or_else(|| text(&media["id"]))
                .unwrap_or_default();
            (kind.into(), body, text(&media["caption"]))
        }
        "location" => {
            let l = &content["location"];
            let body = format!("{};{}", l["latitude"], l["longitude"]);
            ("location".into(), body, None)
        }
        "contacts" => {
            let name = own(&content["contacts"][0]["name"]["formatted_name"]);
            ("contact".into(), name, None)
        }
        "reaction" => ("reaction".into(), own(&content["reaction"]["emoji"]), None),
        "button" => ("button".into(), own(&content["button"]["text"]), None),
        "template" => ("template".into(), own(&content["template"]["name"]), None),
        "interactive" => {
            let i = &content["interactive"];
            match i["type"].as_str() {
                Some("button_reply") => ("button".into(), own(&i["button_reply"]["title"]), None),
                Some("list_reply") => ("list".into(), own(&i["list_reply"]["title"]), None),
                _ => ("interactive".into(), own(&i["body"]["text"]), None),
            }
        }
        other => (other.to_string(), String::new(), None),
    }
}

/// The body a quoted message shows.
fn quoted_body(quoted: &MessageView) -> String {
    read_content(&quoted.kind, &quoted.content).1
}

fn seconds(rfc3339: &str) -> i64 {
    parse_rfc3339(rfc3339).unwrap_or(0) / 1000
}

/// The message in the dialect's shape.
pub fn message(m: &MessageView, cx: &MessageContext<'_>) -> OneMsgMessage {
    let (kind, body, caption) = read_content(&m.kind, &m.content);
    let from_me = m.direction == "outbound";
    let number =
        m.id.parse::<MessageId>()
            .map(message_number)
            .unwrap_or_default();
    let quoted_msg_id = match (&m.kind[..], cx.quoted) {
        (_, Some(q)) => Some(q.id.clone()),
        ("reaction", None) => text(&m.content["reaction"]["message_id"]),
        _ => m.context_message_id.clone(),
    };
    OneMsgMessage {
        id: m.id.clone(),
        body,
        kind,
        sender_name: if from_me {
            cx.channel_name.map(str::to_string)
        } else {
            cx.contact_name.map(str::to_string)
        },
        from_me,
        own: u8::from(from_me),
        author: chat_id(if from_me { cx.own_number } else { &m.chat }),
        time: seconds(&m.created_at),
        chat_id: chat_id(&m.chat),
        chat_name: cx.contact_name.unwrap_or(&m.chat).to_string(),
        message_number: number,
        caption,
        quoted_msg_id,
        quoted_msg_body: cx.quoted.map(quoted_body),
        is_forwarded: m.content["context"]["forwarded"].as_bool() == Some(true)
            || m.content["context"]["frequently_forwarded"].as_bool() == Some(true),
    }
}

/// An ack (a status of an outbound message) in the dialect's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OneMsgAck {
    /// The message's Switchboard id (`msg_…`), the one the send answered.
    pub id: String,
    /// The customer's chat id.
    pub chat_id: String,
    /// The customer's number.
    pub phone: String,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: String,
    /// When, Unix seconds.
    pub time: i64,
    /// Why it failed (failed acks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The ack status of a native status; `None` for the statuses that are no ack (accepted,
/// received, scheduled, canceled). A played voice message counts as read.
pub fn ack_status(status: &str) -> Option<&'static str> {
    match status {
        "sent" => Some("sent"),
        "delivered" => Some("delivered"),
        "read" | "played" => Some("read"),
        "failed" => Some("failed"),
        _ => None,
    }
}

/// A native error's text: its `message` (or the first entry's, for Meta's `errors[]`).
fn error_text(error: &Value) -> Option<String> {
    let one = match error {
        Value::Array(list) => list.first()?,
        other => other,
    };
    text(&one["message"])
        .or_else(|| text(&one["title"]))
        .or_else(|| text(&one["error_data"]["details"]))
}

/// The ack of `message` reaching `status` at `at_millis`; `None` when the status is no ack.
pub fn ack(
    message: &MessageView,
    status: &str,
    at_millis: i64,
    error: Option<&Value>,
) -> Option<OneMsgAck> {
    let status = ack_status(status)?;
    Some(OneMsgAck {
        id: message.id.clone(),
        chat_id: chat_id(&message.chat),
        phone: message.chat.clone(),
        status: status.to_string(),
        time: at_millis / 1000,
        error: (status == "failed")
            .then(|| error.or(message.error.as_ref()).and_then(error_text))
            .flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(direction: &str, kind: &str, content: Value) -> MessageView {
        MessageView {
            id: MessageId::new().to_string(),
            channel_id: "ch_x".into(),
            direction: direction.into(),
            chat: "15551234567".into(),
            kind: kind.into(),
            status: "received".into(),
            upstream_id: Some("wamid.1".into()),
            context_message_id: None,
            content,
            error: None,
            attempts: 0,
            created_at: "2026-01-31T12:00:00Z".into(),
            updated_at: "2026-01-31T12:00:00Z".into(),
        }
    }

    #[test]
    fn an_inbound_text_is_a_chat_message_of_the_customer() {
        let m = view(
            "inbound",
            "text",
            json!({"type": "text", "text": {"body": "hi"}, "context": {"forwarded": true}}),
        );
        let cx = MessageContext {
            contact_name: Some("Ann"),
            channel_name: Some("Shop"),
            own_number: "15550001111",
            quoted: None,
        };
        let out = serde_json::to_value(message(&m, &cx)).unwrap();
        assert_eq!(out["type"], "chat");
        assert_eq!(out["body"], "hi");
        assert_eq!(out["fromMe"], false);
        assert_eq!(out["self"], 0);
        assert_eq!(out["author"], "15551234567@c.us");
        assert_eq!(out["chatId"], "15551234567@c.us");
        assert_eq!(out["senderName"], "Ann");
        assert_eq!(out["time"], 1_769_860_800);
        assert_eq!(out["isForwarded"], true);
    }

    #[test]
    fn outbound_media_carry_their_link_and_caption_and_the_quoted_body() {
        let quoted = view(
            "inbound",
            "text",
            json!({"type": "text", "text": {"body": "which one?"}}),
        );
        let m = view(
            "outbound",
            "image",
            json!({"type": "image", "image": {"link": "https://x/y.png", "caption": "this"}}),
        );
        let cx = MessageContext {
            contact_name: None,
            channel_name: Some("Shop"),
            own_number: "15550001111",
            quoted: Some(&quoted),
        };
        let out = message(&m, &cx);
        assert_eq!(
            (out.kind.as_str(), out.body.as_str()),
            ("image", "https://x/y.png")
        );
        assert_eq!(out.caption.as_deref(), Some("this"));
        assert_eq!(out.author, "15550001111@c.us");
        assert_eq!(out.sender_name.as_deref(), Some("Shop"));
        assert_eq!(out.quoted_msg_id.as_deref(), Some(quoted.id.as_str()));
        assert_eq!(out.quoted_msg_body.as_deref(), Some("which one?"));
    }

    #[test]
    fn message_numbers_follow_the_ids_and_turn_back_into_positions() {
        let a = MessageId::new();
        let b = MessageId::new();
        let (na, nb) = (message_number(a), message_number(b));
        assert!(na <= nb);
        assert!(nb < 1 << 53, "fits a JavaScript number");
        assert!(a.to_string() < after_number(na));
        assert!(a.to_string() >= before_number(na));
        assert!(b.to_string() > after_number(na) || nb == na);
        assert!(a.to_string() < before_number(na + 1));
    }

    #[test]
    fn acks_name_read_and_failed_with_the_error() {
        let mut m = view("outbound", "text", json!({}));
        assert_eq!(ack(&m, "played", 5_000, None).unwrap().status, "read");
        assert!(ack(&m, "accepted", 5_000, None).is_none());
        m.error = Some(json!({"code": 131026, "message": "Message undeliverable"}));
        let failed = ack(&m, "failed", 5_000, None).unwrap();
        assert_eq!(failed.error.as_deref(), Some("Message undeliverable"));
        assert_eq!(failed.time, 5);
        assert_eq!(failed.chat_id, "15551234567@c.us");
    }
}
