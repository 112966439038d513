//! Send API request checks: recipient, message or sender action, messaging type and tag, and
//! the Messenger and Instagram limits.

use serde_json::Value;

use super::errors::{invalid, send_error};
use crate::config::PagePlatform;
use crate::error::GraphError;
use crate::params::Params;

/// What a valid request asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outgoing {
    /// The PSID or IGSID.
    pub recipient: String,
    /// `Some(action)` for a sender action, `None` for a message.
    pub action: Option<String>,
    /// The message's text, if any.
    pub text: Option<String>,
    /// Whether the `HUMAN_AGENT` tag applies (7-day window).
    pub human_agent: bool,
}

const ACTIONS: &[&str] = &["typing_on", "typing_off", "mark_seen", "react", "unreact"];
const DEPRECATED_TAGS: &[&str] = &[
    "CONFIRMED_EVENT_UPDATE",
    "ACCOUNT_UPDATE",
    "POST_PURCHASE_UPDATE",
];

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn too_long(field: &str, value: Option<&str>, max: usize) -> Result<(), GraphError> {
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(invalid(format!(
            "Length of param {field} must be less than or equal to {max}"
        )));
    }
    Ok(())
}

/// Checks the request and returns what it asks for.
pub(crate) fn check(platform: PagePlatform, p: &Params) -> Result<Outgoing, GraphError> {
    let json = |name: &str| {
        p.json(name)
            .map_err(|e| invalid(format!("Invalid parameter: {e}")))
    };
    let recipient = json("recipient")?
        .as_ref()
        .and_then(|r| r.get("id"))
        .and_then(|id| match id {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("The parameter recipient is required"))?;
    let message = json("message")?;
    let action = p.str("sender_action").filter(|s| !s.is_empty());
    let human_agent = check_type(platform, p)?;
    match (&message, &action) {
        (Some(_), Some(_)) => Err(send_error(
            100,
            Some(2018014),
            "Cannot send both message and state at the same time",
        )),
        (None, None) => Err(invalid("Must send either message or state")),
        (None, Some(a)) => {
            check_action(a, json("payload")?.as_ref())?;
            Ok(Outgoing {
                recipient,
                action: Some(a.clone()),
                text: None,
                human_agent,
            })
        }
        (Some(m), None) => {
            let text = check_message(platform, m, p)?;
            Ok(Outgoing {
                recipient,
                action: None,
                text,
                human_agent,
            })
        }
    }
}

/// `messaging_type` and `tag`; returns whether `HUMAN_AGENT` applies. A missing type is
/// accepted, as Meta's own template samples omit it.
fn check_type(platform: PagePlatform, p: &Params) -> Result<bool, GraphError> {
    let tag = p.str("tag").filter(|t| !t.is_empty());
    match p.str("messaging_type").as_deref() {
        None | Some("RESPONSE") | Some("UPDATE") => Ok(false),
        Some("MESSAGE_TAG") => {
            let tag =
                tag.ok_or_else(|| invalid("Tag is required for MESSAGE_TAG messaging type"))?;
            if DEPRECATED_TAGS.contains(&tag.as_str()) {
                return Err(invalid(format!(
                    "The message tag {tag} is deprecated and can no longer be used"
                )));
            }
            match (platform, tag.as_str()) {
                (_, "HUMAN_AGENT") => Ok(true),
                (PagePlatform::Messenger, "CUSTOMER_FEEDBACK") => Ok(false),
                (PagePlatform::Instagram, _) => Err(invalid(format!(
                    "The message tag {tag} is not available for Instagram"
                ))),
                _ => Err(invalid(format!("Invalid tag {tag}"))),
            }
        }
        Some(other) => Err(invalid(format!(
            "Param messaging_type must be one of {{RESPONSE, UPDATE, MESSAGE_TAG}} - got {other}"
        ))),
    }
}

fn check_action(action: &str, payload: Option<&Value>) -> Result<(), GraphError> {
    if !ACTIONS.contains(&action) {
        return Err(invalid(
            "Param sender_action must be one of {MARK_SEEN, TYPING_ON, TYPING_OFF, REACT, UNREACT}",
        ));
    }
    let mid = payload.and_then(|p| str_of(p, "message_id"));
    match action {
        "react" if mid.is_none() || payload.and_then(|p| str_of(p, "reaction")).is_none() => Err(
            invalid("The parameter payload must have message_id and reaction"),
        ),
        "unreact" if mid.is_none() => Err(invalid("The parameter payload must have message_id")),
        _ => Ok(()),
    }
}

/// The message: text or attachment(s), quick replies, metadata. Returns the text.
fn check_message(
    platform: PagePlatform,
    m: &Value,
    p: &Params,
) -> Result<Option<String>, GraphError> {
    let text = str_of(m, "text").map(str::to_string);
    let attachments: Vec<&Value> = match (m.get("attachment"), m.get("attachments")) {
        (Some(a), _) => vec![a],
        (None, Some(Value::Array(list))) if platform == PagePlatform::Instagram => {
            if list.len() > 10 {
                return Err(invalid(
                    "param message[attachments] must have at most 10 items",
                ));
            }
            list.iter().collect()
        }
        _ => Vec::new(),
    };
    match (&text, attachments.is_empty()) {
        (None, true) => {
            return Err(invalid(
                "param message must be non-empty and have text or attachment",
            ))
        }
        (Some(_), false) => {
            return Err(invalid(
                "message[text] and message[attachment] are exclusive",
            ))
        }
        _ => {}
    }
    if let Some(t) = &text {
        check_text(platform, t)?;
    }
    for a in attachments {
        check_attachment(platform, a, p)?;
    }
    if let Some(q) = m.get("quick_replies") {
        check_quick_replies(platform, q)?;
    }
    if str_of(m, "metadata").is_some_and(|s| s.chars().count() >= 1000) {
        return Err(invalid(
            "Length of param message[metadata] must be less than 1000",
        ));
    }
    Ok(text)
}

fn check_text(platform: PagePlatform, t: &str) -> Result<(), GraphError> {
    if t.is_empty() {
        return Err(invalid("param message[text] must be non-empty"));
    }
    match platform {
        PagePlatform::Messenger if t.chars().count() >= 2000 => Err(invalid(
            "Length of param message[text] must be less than 2000",
        )),
        PagePlatform::Instagram if t.len() > 1000 => Err(invalid(
            "Length of param message[text] must be less than or equal to 1000 bytes",
        )),
        _ => Ok(()),
    }
}

/// Up to 13 quick replies; a `text` one needs a title (≤ 20 characters on Messenger; Instagram
/// truncates longer ones) and a payload (≤ 1000).
fn check_quick_replies(platform: PagePlatform, q: &Value) -> Result<(), GraphError> {
    let list = q
        .as_array()
        .ok_or_else(|| invalid("param message[quick_replies] must be an array"))?;
    if list.len() > 13 {
        return Err(invalid(
            "param message[quick_replies] must have at most 13 items",
        ));
    }
    for r in list {
        match str_of(r, "content_type") {
            Some("text") => {
                let title = str_of(r, "title").filter(|t| !t.is_empty());
                if title.is_none() && str_of(r, "image_url").is_none() {
                    return Err(invalid("param message[quick_replies][title] is required"));
                }
                if platform == PagePlatform::Messenger {
                    too_long("message[quick_replies][title]", title, 20)?;
                }
                if str_of(r, "payload").is_none_or(str::is_empty) {
                    return Err(invalid("param message[quick_replies][payload] is required"));
                }
                too_long("message[quick_replies][payload]", str_of(r, "payload"), 1000)?;
            }
            Some("user_phone_number") | Some("user_email") => {}
            _ => {
                return Err(invalid(
                    "param message[quick_replies][content_type] must be one of {text, user_phone_number, user_email}",
                ))
            }
        }
    }
    Ok(())
}

/// A media attachment (`image`, `video`, `audio`, `file`) with a `url`, an `attachment_id`
/// or an uploaded `filedata` part.
pub(crate) fn check_media(a: &Value, p: &Params) -> Result<(), GraphError> {
    let payload = a.get("payload").cloned().unwrap_or(Value::Null);
    if !matches!(
        str_of(a, "type"),
        Some("image" | "video" | "audio" | "file")
    ) {
        return Err(invalid(
            "param message[attachment][type] must be one of {image, video, audio, file}",
        ));
    }
    let has_source = str_of(&payload, "url").is_some()
        || payload.get("attachment_id").is_some()
        || p.files.contains_key("filedata");
    if has_source {
        Ok(())
    } else {
        Err(invalid(
            "param message[attachment][payload] must have url or attachment_id (or upload filedata)",
        ))
    }
}

/// The `attachment_id`s a message refers to.
pub(crate) fn attachment_ids(message: &Value) -> Vec<String> {
    let one = message.get("attachment").into_iter();
    let many = message
        .get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    one.chain(many)
        .filter_map(|a| a.pointer("/payload/attachment_id"))
        .map(|id| match id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn check_attachment(platform: PagePlatform, a: &Value, p: &Params) -> Result<(), GraphError> {
    let kind = str_of(a, "type").unwrap_or("");
    let payload = a.get("payload").cloned().unwrap_or(Value::Null);
    match (platform, kind) {
        (_, "image" | "video" | "audio" | "file") => check_media(a, p),
        (_, "template") => check_template(&payload),
        (PagePlatform::Instagram, "like_heart") => Ok(()),
        (PagePlatform::Instagram, "MEDIA_SHARE") if payload.get("id").is_some() => Ok(()),
        _ => Err(invalid(format!(
            "param message[attachment][type] {kind:?} is not supported"
        ))),
    }
}

fn check_buttons(buttons: Option<&Value>, min: usize) -> Result<(), GraphError> {
    let list = buttons
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if list.len() < min || list.len() > 3 {
        return Err(invalid(format!("param buttons must have {min} to 3 items")));
    }
    for b in list {
        let title = str_of(b, "title");
        too_long("buttons[title]", title, 20)?;
        match str_of(b, "type") {
            Some("web_url") if str_of(b, "url").is_some() => {}
            Some("postback") if str_of(b, "payload").is_some() => {
                too_long("buttons[payload]", str_of(b, "payload"), 1000)?
            }
            Some("phone_number") if str_of(b, "payload").is_some() => {}
            Some("account_link" | "account_unlink" | "game_play") => {}
            _ => {
                return Err(invalid(
                    "Invalid button: type with its url or payload is required",
                ))
            }
        }
    }
    Ok(())
}

fn check_template(payload: &Value) -> Result<(), GraphError> {
    match str_of(payload, "template_type") {
        Some("button") => {
            let text = str_of(payload, "text").filter(|t| !t.is_empty());
            if text.is_none() {
                return Err(invalid("param payload[text] is required"));
            }
            too_long("payload[text]", text, 640)?;
            check_buttons(payload.get("buttons"), 1)
        }
        Some("generic") => {
            let elements = payload
                .get("elements")
                .and_then(Value::as_array)
                .filter(|e| !e.is_empty())
                .ok_or_else(|| invalid("param payload[elements] is required"))?;
            if elements.len() > 10 {
                return Err(invalid(
                    "param payload[elements] must have at most 10 items",
                ));
            }
            for e in elements {
                let title = str_of(e, "title").filter(|t| !t.is_empty());
                if title.is_none() {
                    return Err(invalid("param elements[title] is required"));
                }
                too_long("elements[title]", title, 80)?;
                too_long("elements[subtitle]", str_of(e, "subtitle"), 80)?;
                if e.get("buttons").is_some() {
                    check_buttons(e.get("buttons"), 0)?;
                }
            }
            Ok(())
        }
        other => Err(invalid(format!(
            "param payload[template_type] {other:?} is not supported by the emulator"
        ))),
    }
}
