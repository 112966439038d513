//! The canonical (Cloud API shaped) message → the Send API request body, pure. Every limit is
//! checked on the way, so [`check`] and [`to_send_api`] refuse the same messages.

use serde_json::{json, Map, Value};
use switchboard_core::message::{
    GenericAction, GenericButton, Header, Interactive, InteractiveAction, Media, MediaSource,
    MessageContent,
};

use super::limits::{
    self, LimitError, BUTTON_TEMPLATE_TEXT_MAX, PAYLOAD_MAX, QUICK_REPLIES_MAX, TITLE_MAX,
};
use super::Platform;

/// The one message tag a canonical request may ask for.
pub const HUMAN_AGENT: &str = "HUMAN_AGENT";

/// What the canonical request asks of the window: `messaging_type` and `tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Messaging {
    /// `RESPONSE` (the default): a reply within the 24-hour window.
    Response,
    /// `UPDATE`: proactive, still within the 24-hour window.
    Update,
    /// `MESSAGE_TAG` with `tag: HUMAN_AGENT`: a person's reply within 7 days.
    HumanAgent,
}

impl Messaging {
    /// The Send API `messaging_type`.
    pub fn messaging_type(self) -> &'static str {
        match self {
            Messaging::Response => "RESPONSE",
            Messaging::Update => "UPDATE",
            Messaging::HumanAgent => "MESSAGE_TAG",
        }
    }
}

/// Reads `messaging_type` and `tag` of a canonical body: `"tag": "HUMAN_AGENT"` (with
/// `messaging_type` absent or `MESSAGE_TAG`) asks for the 7-day human-agent window;
/// `messaging_type` `RESPONSE` (default) or `UPDATE` without a tag is the standard window.
/// Any other tag (Messenger's `CUSTOMER_FEEDBACK` needs a template this gateway does not send;
/// the deprecated ones are refused by Meta) is refused naming the field.
pub fn messaging(body: &Value) -> Result<Messaging, LimitError> {
    let kind = match body.get("messaging_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(LimitError::new("messaging_type", "must be a string")),
    };
    let tag = match body.get("tag") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(LimitError::new("tag", "must be a string")),
    };
    match (kind, tag) {
        (None | Some("MESSAGE_TAG"), Some(HUMAN_AGENT)) => Ok(Messaging::HumanAgent),
        (Some(k), Some(HUMAN_AGENT)) => Err(LimitError::new(
            "messaging_type",
            format!("a tag needs messaging_type MESSAGE_TAG (or none), got `{k}`"),
        )),
        (Some("MESSAGE_TAG"), None) => Err(LimitError::new(
            "tag",
            "messaging_type MESSAGE_TAG needs \"tag\": \"HUMAN_AGENT\"",
        )),
        (None | Some("RESPONSE"), None) => Ok(Messaging::Response),
        (Some("UPDATE"), None) => Ok(Messaging::Update),
        (Some(other), None) => Err(LimitError::new(
            "messaging_type",
            format!("must be RESPONSE, UPDATE or MESSAGE_TAG, got `{other}`"),
        )),
        (_, Some(other)) => Err(LimitError::new(
            "tag",
            format!("only HUMAN_AGENT is supported (a person's reply within 7 days of the user's last message), got `{other}`"),
        )),
    }
}

/// Checks a canonical body against the platform's limits without building the request (for
/// the service, before it accepts a message). Same verdicts as [`to_send_api`].
pub fn check(body: &Value, platform: Platform) -> Result<(), LimitError> {
    to_send_api(body, platform).map(|_| ())
}

/// The Send API request body of a canonical message. See the module table of
/// [`crate::messenger`] for the mapping.
pub fn to_send_api(body: &Value, platform: Platform) -> Result<Value, LimitError> {
    let to = recipient(body)?;
    let messaging = messaging(body)?;
    let content: MessageContent = serde_json::from_value(body.clone()).map_err(|e| {
        let kind = body.get("type").and_then(Value::as_str).unwrap_or("type");
        LimitError::new(kind, format!("not a valid canonical message: {e}"))
    })?;
    if let MessageContent::Reaction { reaction } = &content {
        if reaction.message_id.trim().is_empty() {
            return Err(LimitError::new(
                "reaction.message_id",
                "give the mid of the message to react to",
            ));
        }
        return Ok(if reaction.is_removal() {
            json!({"recipient": {"id": to}, "sender_action": "unreact",
                   "payload": {"message_id": reaction.message_id}})
        } else {
            json!({"recipient": {"id": to}, "sender_action": "react",
                   "payload": {"message_id": reaction.message_id, "reaction": reaction.emoji}})
        });
    }
    let message = message(&content, platform)?;
    let mut out = Map::new();
    out.insert("recipient".into(), json!({ "id": to }));
    out.insert("messaging_type".into(), json!(messaging.messaging_type()));
    if messaging == Messaging::HumanAgent {
        out.insert("tag".into(), json!(HUMAN_AGENT));
    }
    out.insert("message".into(), message);
    if let Some(mid) = body.pointer("/context/message_id").and_then(Value::as_str) {
        if !mid.trim().is_empty() {
            out.insert("reply_to".into(), json!({ "mid": mid }));
        }
    }
    Ok(Value::Object(out))
}

fn recipient(body: &Value) -> Result<String, LimitError> {
    let to = match body.get("to") {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if to.is_empty() || to.len() > 32 || !to.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LimitError::new(
            "to",
            "give the user's page-scoped id (PSID) or Instagram-scoped id (IGSID): digits, as the webhook gave it",
        ));
    }
    Ok(to)
}

fn message(content: &MessageContent, platform: Platform) -> Result<Value, LimitError> {
    match content {
        MessageContent::Text { text } => {
            limits::text(platform, "text.body", &text.body)?;
            Ok(json!({ "text": text.body }))
        }
        MessageContent::Image { image } => attachment("image", "image", image),
        MessageContent::Video { video } => attachment("video", "video", video),
        MessageContent::Audio { audio } => attachment("audio", "audio", audio),
        MessageContent::Document { document } => attachment("document", "file", document),
        MessageContent::Interactive { interactive } => self::interactive(interactive, platform),
        other => Err(LimitError::new(
            "type",
            format!(
                "{} cannot carry {} messages",
                platform.as_str(),
                other.kind().as_str()
            ),
        )),
    }
}

/// A media message: `attachment{type, payload{url, is_reusable:true} | payload{attachment_id}}`.
/// Captions have no place on Messenger and Instagram attachments and are refused (send the
/// text as its own message); `filename` and `voice` do not travel (the file keeps its name).
fn attachment(field: &str, kind: &str, media: &Media) -> Result<Value, LimitError> {
    if media.caption.as_deref().is_some_and(|c| !c.is_empty()) {
        return Err(LimitError::new(
            format!("{field}.caption"),
            "Messenger and Instagram attachments have no caption; remove it and send the text as its own message",
        ));
    }
    let payload = match &media.source {
        MediaSource::Link(url) => json!({"url": url, "is_reusable": true}),
        MediaSource::Id(id) => json!({ "attachment_id": id }),
    };
    Ok(json!({"attachment": {"type": kind, "payload": payload}}))
}

/// The text of an interactive message: the header text, the body and the footer, one
/// paragraph each (Messenger has no header or footer). A media header is refused.
fn interactive_text(i: &Interactive) -> Result<String, LimitError> {
    let mut parts: Vec<&str> = Vec::new();
    match &i.header {
        None => {}
        Some(Header::Text { text }) => parts.push(text),
        Some(_) => {
            return Err(LimitError::new(
                "interactive.header",
                "Messenger and Instagram buttons carry text only; remove the media header and send the media as its own message",
            ))
        }
    }
    match &i.body {
        Some(b) if !b.text.trim().is_empty() => parts.push(&b.text),
        _ => {
            return Err(LimitError::new(
                "interactive.body.text",
                "give the text shown above the buttons",
            ))
        }
    }
    if let Some(f) = &i.footer {
        parts.push(&f.text);
    }
    Ok(parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n"))
}

fn quick_reply(field: &str, title: &str, payload: &str) -> Result<Value, LimitError> {
    limits::short(
        &format!("{field}.title"),
        title,
        TITLE_MAX,
        "a quick reply title",
    )?;
    limits::short(
        &format!("{field}.id"),
        payload,
        PAYLOAD_MAX,
        "a quick reply id (its payload)",
    )?;
    Ok(json!({"content_type": "text", "title": title, "payload": payload}))
}

/// `button` → text with quick replies (the tap comes back as `quick_reply.payload` = the
/// button id); `list` → text with one quick reply per row; `cta_url` → a button template
/// with one `web_url` button; `generic` → the generic template.
fn interactive(i: &Interactive, platform: Platform) -> Result<Value, LimitError> {
    if let InteractiveAction::Generic(action) = &i.action {
        return generic(action, platform);
    }
    let text = interactive_text(i)?;
    let text_field = "interactive.body.text";
    match &i.action {
        InteractiveAction::Button(action) => {
            limits::text(platform, text_field, &text)?;
            let mut replies = Vec::new();
            for (n, b) in action.buttons.iter().enumerate() {
                let switchboard_core::message::ReplyButton::Reply { reply } = b;
                let field = format!("interactive.action.buttons[{n}].reply");
                replies.push(quick_reply(&field, &reply.title, &reply.id)?);
            }
            quick_replies(text, replies, "interactive.action.buttons")
        }
        InteractiveAction::List(action) => {
            limits::text(platform, text_field, &text)?;
            let mut replies = Vec::new();
            for (s, section) in action.sections.iter().enumerate() {
                for (r, row) in section.rows.iter().enumerate() {
                    let field = format!("interactive.action.sections[{s}].rows[{r}]");
                    if row.description.as_deref().is_some_and(|d| !d.is_empty()) {
                        return Err(LimitError::new(
                            format!("{field}.description"),
                            "a list becomes quick replies, which show a title only; remove the description",
                        ));
                    }
                    replies.push(quick_reply(&field, &row.title, &row.id)?);
                }
            }
            quick_replies(text, replies, "interactive.action.sections")
        }
        InteractiveAction::CtaUrl(action) => {
            let p = &action.parameters;
            if text.chars().count() > BUTTON_TEMPLATE_TEXT_MAX {
                return Err(LimitError::new(
                    text_field,
                    format!("a URL button's text (header, body and footer) is at most {BUTTON_TEMPLATE_TEXT_MAX} characters on Messenger and Instagram"),
                ));
            }
            limits::short(
                "interactive.action.parameters.display_text",
                &p.display_text,
                TITLE_MAX,
                "a button title",
            )?;
            if !(p.url.starts_with("https://") || p.url.starts_with("http://")) {
                return Err(LimitError::new(
                    "interactive.action.parameters.url",
                    "must be an http(s) URL",
                ));
            }
            let buttons = [json!({"type": "web_url", "url": p.url, "title": p.display_text})];
            Ok(json!({"attachment": {"type": "template", "payload": {
                "template_type": "button", "text": text, "buttons": buttons}}}))
        }
        other => Err(LimitError::new(
            "interactive.type",
            format!(
                "{} carries interactive button, list, cta_url and generic messages, not {}",
                platform.as_str(),
                other.type_name()
            ),
        )),
    }
}

/// The generic template: the elements as they are (the canonical shape is Meta's), with
/// Instagram's narrower choice of buttons checked.
fn generic(action: &GenericAction, platform: Platform) -> Result<Value, LimitError> {
    if platform == Platform::Instagram {
        for (e, element) in action.elements.iter().enumerate() {
            for (b, button) in element.buttons.iter().enumerate() {
                if let GenericButton::PhoneNumber { .. } = button {
                    return Err(LimitError::new(
                        format!("interactive.action.elements[{e}].buttons[{b}].type"),
                        "Instagram's generic template has web_url and postback buttons only; a phone_number button is Messenger's",
                    ));
                }
            }
        }
    }
    Ok(json!({"attachment": {"type": "template", "payload": {
        "template_type": "generic", "elements": action.elements}}}))
}

fn quick_replies(text: String, replies: Vec<Value>, field: &str) -> Result<Value, LimitError> {
    if replies.is_empty() {
        return Err(LimitError::new(field, "give at least one choice"));
    }
    if replies.len() > QUICK_REPLIES_MAX {
        return Err(LimitError::new(
            field,
            format!(
                "at most {QUICK_REPLIES_MAX} choices (quick replies) on Messenger and Instagram, got {}",
                replies.len()
            ),
        ));
    }
    Ok(json!({"text": text, "quick_replies": replies}))
}

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
