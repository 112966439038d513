//! The Send Buttons service's webhook payload (a subscription with format `sendbuttons`):
//! one flat JSON object per inbound message or status, so a handler written for that
//! service works unchanged.
//!
//! Inbound message: `{"event": "message", "type", "body", "buttonId", "unique", "from",
//! "to", "name", "replyTo", "timestamp"}`: a tapped reply button (or a template quick
//! reply) is `type: "button"` with the button's text in `body` and its id in `buttonId`; a
//! text is `type: "text"` with its text in `body`; media carry their caption in `body`.
//! Status: `{"event": "status", "status": "sent" | "delivered" | "read" | "played" |
//! "failed", "unique", "from", "to", "timestamp"}` where `unique` is the id the send answered.

use serde_json::{json, Value};
use switchboard_core::channel::Channel;
use switchboard_core::event::{Event, MESSAGE_REACTION, MESSAGE_RECEIVED};

use super::payload::{display_number, meta_representable};

/// Whether an event type has a Send Buttons webhook: those Meta's webhook has, except
/// reactions (the service has no reaction event).
pub fn representable(kind: &str) -> bool {
    meta_representable(kind) && kind != MESSAGE_REACTION
}

/// `(type, body, button id)` of an inbound Cloud API message object.
fn read_content(content: &Value) -> (String, String, Option<String>) {
    let kind = content["type"].as_str().unwrap_or("unknown").to_string();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let id = |v: &Value| v.as_str().map(str::to_string);
    match kind.as_str() {
        "text" => (kind, text(&content["text"]["body"]), None),
        "button" => (
            "button".into(),
            text(&content["button"]["text"]),
            id(&content["button"]["payload"]),
        ),
        "interactive" => {
            let i = &content["interactive"];
            match i["type"].as_str() {
                Some("button_reply") => (
                    "button".into(),
                    text(&i["button_reply"]["title"]),
                    id(&i["button_reply"]["id"]),
                ),
                Some("list_reply") => (
                    "list".into(),
                    text(&i["list_reply"]["title"]),
                    id(&i["list_reply"]["id"]),
                ),
                other => (
                    other.unwrap_or("interactive").to_string(),
                    String::new(),
                    None,
                ),
            }
        }
        media => {
            let caption = text(&content[media]["caption"]);
            (kind, caption, None)
        }
    }
}

/// The payload of `e` on `channel`; `None` for events the service has no webhook for.
pub fn payload(e: &Event, channel: &Channel) -> Option<Value> {
    let message = e.data.get("message")?;
    let chat = e.chat.clone().unwrap_or_default();
    let ours = display_number(channel);
    let timestamp = e.created_at / 1000;
    match e.kind.as_str() {
        MESSAGE_RECEIVED => {
            let content = message.get("content").cloned().unwrap_or(Value::Null);
            let (kind, body, button_id) = read_content(&content);
            Some(json!({
                "event": "message",
                "type": kind,
                "body": body,
                "buttonId": button_id,
                "unique": message.get("upstream_id").cloned().unwrap_or(Value::Null),
                "from": chat,
                "to": ours,
                "name": e.data.get("contact").and_then(|c| c.get("name")).cloned().unwrap_or(Value::Null),
                "replyTo": content["context"]["id"].as_str(),
                "timestamp": timestamp,
            }))
        }
        kind if representable(kind) => Some(json!({
            "event": "status",
            "status": kind.trim_start_matches("message."),
            "unique": message.get("id").cloned().unwrap_or(Value::Null),
            "from": ours,
            "to": chat,
            "timestamp": timestamp,
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tapped_button_is_type_button_with_its_text_in_body() {
        let content = json!({"type": "interactive", "interactive": {"type": "button_reply",
            "button_reply": {"id": "my_button_1", "title": "👍 Yes"}}});
        assert_eq!(
            read_content(&content),
            ("button".into(), "👍 Yes".into(), Some("my_button_1".into()))
        );
        let content = json!({"type": "button", "button": {"text": "Stop", "payload": "p"}});
        assert_eq!(
            read_content(&content),
            ("button".into(), "Stop".into(), Some("p".into()))
        );
        let content = json!({"type": "text", "text": {"body": "hi"}});
        assert_eq!(read_content(&content), ("text".into(), "hi".into(), None));
        let content = json!({"type": "image", "image": {"id": "1", "caption": "c"}});
        assert_eq!(read_content(&content), ("image".into(), "c".into(), None));
    }
}
