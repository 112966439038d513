//! What the bot needs to know about an inbound Cloud API message object: the text to match,
//! a tapped button's or list row's id, and whether it is a group message or a notification.

use serde_json::Value;

use super::decide::InboundFacts;

/// Message types that are not something a person wrote to be answered.
const NOTIFICATION_KINDS: [&str; 5] = ["reaction", "system", "unsupported", "unknown", "errors"];

/// The facts of an inbound message `content` (Meta's inbound message object) of type
/// `kind`, written in chat `chat` by a contact named `contact_name`, who is opted out of
/// marketing when `opted_out`.
///
/// - text: `text.body`, a media caption, a tapped button's or list row's title, or a
///   template quick reply's `button.text`;
/// - reply id: `interactive.button_reply.id`, `interactive.list_reply.id` or `button.payload`;
/// - group: the message carries a `group_id` (Cloud API groups) or the chat is a group chat
///   id (`…@g.us`);
/// - from us: the message says `from_me: true` (session channels echo the business's own
///   messages that way).
pub fn inbound_facts(
    content: &Value,
    kind: &str,
    chat: &str,
    contact_name: Option<&str>,
    opted_out: bool,
) -> InboundFacts {
    let s = |path: &str| content.pointer(path).and_then(Value::as_str);
    let text = [
        "/text/body",
        "/image/caption",
        "/video/caption",
        "/document/caption",
        "/interactive/button_reply/title",
        "/interactive/list_reply/title",
        "/button/text",
    ]
    .iter()
    .find_map(|p| s(p))
    .map(str::to_string);
    let reply_id = [
        "/interactive/button_reply/id",
        "/interactive/list_reply/id",
        "/button/payload",
    ]
    .iter()
    .find_map(|p| s(p))
    .filter(|id| !id.trim().is_empty())
    .map(str::to_string);
    let is_group = s("/group_id").is_some_and(|g| !g.is_empty()) || chat.ends_with("@g.us");
    InboundFacts {
        text,
        reply_id,
        is_group,
        is_from_me: content.get("from_me").and_then(Value::as_bool) == Some(true),
        is_automated: false,
        is_notification: NOTIFICATION_KINDS.contains(&kind),
        is_unread_backlog: false,
        contact_opted_out: opted_out,
        contact_name: contact_name.map(str::to_string),
        phone: chat.split('@').next().unwrap_or(chat).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_texts_ids_and_flags() {
        let f = inbound_facts(
            &json!({"text": {"body": "hi"}}),
            "text",
            "155",
            Some("Ada"),
            false,
        );
        assert_eq!(f.text.as_deref(), Some("hi"));
        assert_eq!(f.reply_id, None);
        assert!(!f.is_group && !f.is_notification && !f.is_from_me);
        assert_eq!(f.contact_name.as_deref(), Some("Ada"));

        let tap = json!({"interactive": {"type": "button_reply", "button_reply": {"id": "sales", "title": "Sales"}}});
        let f = inbound_facts(&tap, "interactive", "155", None, true);
        assert_eq!(f.reply_id.as_deref(), Some("sales"));
        assert_eq!(f.text.as_deref(), Some("Sales"));
        assert!(f.contact_opted_out);

        let row = json!({"interactive": {"type": "list_reply", "list_reply": {"id": "r1", "title": "Row"}}});
        assert_eq!(
            inbound_facts(&row, "interactive", "1", None, false)
                .reply_id
                .as_deref(),
            Some("r1")
        );
        let quick = json!({"button": {"payload": "p", "text": "Yes"}});
        let f = inbound_facts(&quick, "button", "1", None, false);
        assert_eq!(
            (f.reply_id.as_deref(), f.text.as_deref()),
            (Some("p"), Some("Yes"))
        );

        let group = json!({"group_id": "Y2Fw", "text": {"body": "hi"}});
        assert!(inbound_facts(&group, "text", "155", None, false).is_group);
        let f = inbound_facts(
            &json!({"text": {"body": "x"}}),
            "text",
            "1203@g.us",
            None,
            false,
        );
        assert!(f.is_group);
        assert_eq!(f.phone, "1203");
        assert!(inbound_facts(&json!({}), "reaction", "1", None, false).is_notification);
        assert!(inbound_facts(&json!({"from_me": true}), "text", "1", None, false).is_from_me);
    }
}
