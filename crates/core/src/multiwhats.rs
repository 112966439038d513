//! The MultiWhats API's `send-dynamic` request and its queue object: the request read into
//! a Cloud API message for a broadcast, and a broadcast with its targets shown as the
//! service's queue (field for field; timestamps `YYYY-MM-DD HH:MM:SS` in UTC).

use serde_json::{json, Value};

use crate::broadcast::{BroadcastRecord, BroadcastStatus, TargetStatus};
use crate::json_reader::loose_text;
use crate::time::Millis;

/// Reply buttons per message (WhatsApp's limit).
pub const BUTTONS_MAX: usize = 3;
/// Characters per button text (WhatsApp's limit).
pub const BUTTON_TEXT_MAX: usize = 20;
/// Characters of a button message's text (WhatsApp's limit for an interactive body).
pub const BUTTON_BODY_MAX: usize = 1024;
/// Characters of a text message (WhatsApp's limit).
pub const TEXT_MAX: usize = 4096;

/// A checked `send-dynamic` request.
#[derive(Debug, Clone, PartialEq)]
pub struct SendDynamic {
    /// The key, when given in the body (`apikey`).
    pub api_key: Option<String>,
    /// The channel's WhatsApp number or id.
    pub from: String,
    /// The recipients, as written.
    pub to: Vec<String>,
    /// The text.
    pub message: String,
    /// `button` or `text`.
    pub message_type: String,
    /// The button texts (for `button`).
    pub buttons: Vec<String>,
    /// When to send, as epoch milliseconds (`send_at`), if given.
    pub send_at: Option<Millis>,
}

fn string_field(body: &Value, key: &str, hint: &str) -> Result<String, String> {
    match body.get(key) {
        None | Some(Value::Null) => Err(format!("{key}: is required; {hint}")),
        Some(v) => match loose_text(v) {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(format!("{key}: must not be empty; {hint}")),
            None => Err(format!("{key}: must be a string; {hint}")),
        },
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC; RFC 3339 is accepted too) into epoch milliseconds.
pub fn parse_time(text: &str) -> Option<Millis> {
    if let Some(ms) = crate::time::parse_rfc3339(text) {
        return Some(ms);
    }
    let civil: jiff::civil::DateTime = text.trim().replacen(' ', "T", 1).parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Formats epoch milliseconds as `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_time(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| ms.to_string())
}

/// Reads a `send-dynamic` body; the error says what to fix.
pub fn read(body: &Value) -> Result<SendDynamic, String> {
    if !body.is_object() {
        return Err("the body must be a JSON object with from, to, message and type".into());
    }
    let api_key = body
        .get("apikey")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let from = string_field(
        body,
        "from",
        "give your WhatsApp number with its country code",
    )?;
    let to = match body.get("to") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| {
                loose_text(v)
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        "to: every item must be a phone number with its country code".to_string()
                    })
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::Array(_)) => return Err("to: give at least one number".into()),
        _ => vec![string_field(
            body,
            "to",
            "give the target number with its country code, or a list of them",
        )?],
    };
    if let Some((i, e)) = to
        .iter()
        .enumerate()
        .find_map(|(i, t)| crate::recipient::parse_recipient(t).err().map(|e| (i, e)))
    {
        let at = if to.len() > 1 {
            format!("to[{i}]")
        } else {
            "to".into()
        };
        return Err(format!("{at}: {e}"));
    }
    let message = string_field(body, "message", "give the message text")?;
    let message_type = match body.get("type").and_then(Value::as_str) {
        None => "text".to_string(),
        Some(t @ ("button" | "text")) => t.to_string(),
        Some(other) => {
            return Err(format!(
                "type: `{other}` is not supported; use button or text"
            ))
        }
    };
    let buttons = match (message_type.as_str(), body.get("buttons")) {
        ("button", Some(Value::Array(items))) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v.as_str() {
                Some(s) if !s.trim().is_empty() && s.chars().count() <= BUTTON_TEXT_MAX => {
                    Ok(s.to_string())
                }
                Some(s) if !s.trim().is_empty() => Err(format!(
                    "buttons[{i}]: must be at most {BUTTON_TEXT_MAX} characters, got {}; shorten it",
                    s.chars().count()
                )),
                _ => Err(format!("buttons[{i}]: must be a non-empty text")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        ("button", _) => {
            return Err("buttons: is required with type button; give one to three button texts".into())
        }
        _ => Vec::new(),
    };
    if message_type == "button" && !(1..=BUTTONS_MAX).contains(&buttons.len()) {
        return Err(format!(
            "buttons: give one to {BUTTONS_MAX} button texts, got {}",
            buttons.len()
        ));
    }
    let max = if message_type == "button" {
        BUTTON_BODY_MAX
    } else {
        TEXT_MAX
    };
    let n = message.chars().count();
    if n > max {
        return Err(format!(
            "message: must be at most {max} characters for type {message_type}, got {n}; shorten it"
        ));
    }
    let send_at = match body.get("send_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_time(s).ok_or_else(|| {
            format!("send_at: `{s}` is not a time; write it as YYYY-MM-DD HH:MM:SS (UTC)")
        })?),
        Some(_) => return Err("send_at: must be a string, YYYY-MM-DD HH:MM:SS (UTC)".into()),
    };
    Ok(SendDynamic {
        api_key,
        from,
        to,
        message,
        message_type,
        buttons,
        send_at,
    })
}

impl SendDynamic {
    /// The Cloud API message object (without `to`) each target is sent; reply button ids
    /// are generated (`1`, `2`, `3`).
    pub fn message_object(&self) -> Value {
        if self.message_type == "button" {
            let buttons: Vec<Value> = self
                .buttons
                .iter()
                .enumerate()
                .map(|(i, title)| json!({"type": "reply", "reply": {"id": (i + 1).to_string(), "title": title}}))
                .collect();
            json!({"messaging_product": "whatsapp", "type": "interactive", "interactive": {
                "type": "button", "body": {"text": self.message}, "action": {"buttons": buttons}}})
        } else {
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": self.message}})
        }
    }

    /// The queue's `extra_data`.
    pub fn extra_data(&self) -> Value {
        let buttons = (!self.buttons.is_empty()).then(|| json!(self.buttons));
        json!({"buttons": buttons, "options": null, "selectedItemId": null})
    }
}

/// The queue's `status` for a broadcast status.
pub fn queue_status(status: BroadcastStatus) -> &'static str {
    match status {
        BroadcastStatus::Scheduled => "waiting",
        BroadcastStatus::Running => "processing",
        BroadcastStatus::Paused => "paused",
        BroadcastStatus::Completed => "done",
        BroadcastStatus::Canceled => "canceled",
        BroadcastStatus::Failed => "failed",
    }
}

/// A target's `status` for a target status.
pub fn target_status(status: TargetStatus) -> &'static str {
    match status {
        TargetStatus::Pending | TargetStatus::Queued => "pending",
        TargetStatus::Sent => "sent",
        TargetStatus::Delivered => "delivered",
        TargetStatus::Seen => "seen",
        TargetStatus::NotDelivered => "not_delivered",
        TargetStatus::Failed => "failed",
        TargetStatus::Skipped => "skipped",
        TargetStatus::Canceled => "canceled",
    }
}

/// One queue target: its id (the message id once queued), number, status and last change.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueTarget {
    /// The target's message id (`msg_…`), once it is queued.
    pub id: Option<String>,
    /// The number.
    pub identifier: String,
    /// Its status.
    pub status: TargetStatus,
    /// When it last changed.
    pub updated_at: Millis,
}

/// The queue object of broadcast `b` sent from `from_identifier`, with its `targets`.
pub fn queue_object(b: &BroadcastRecord, from_identifier: &str, targets: &[QueueTarget]) -> Value {
    let c = &b.counters;
    let message = &b.message;
    let (text, message_type) = match message["type"].as_str() {
        Some("interactive") => (message["interactive"]["body"]["text"].clone(), "button"),
        _ => (message["text"]["body"].clone(), "text"),
    };
    let buttons: Option<Vec<Value>> = message["interactive"]["action"]["buttons"]
        .as_array()
        .map(|list| list.iter().map(|b| b["reply"]["title"].clone()).collect());
    let id = b.id.to_string();
    let created = format_time(b.created_at);
    json!({
        "user_id": b.account_id.to_string(),
        "social_media_account_id": b.channel_id.to_string(),
        "platform": "whatsapp",
        "from_identifier": from_identifier,
        "message": text,
        "file_url": 0,
        "queue_type": "normal",
        "message_type": message_type,
        "total_credit": b.credits_reserved - b.credits_refunded,
        "target_count": b.audience_size,
        "pending_count": b.audience_size - c.sent - c.delivered - c.seen - c.not_delivered - c.failed - c.skipped - c.canceled,
        "sent_count": c.sent,
        "delivered_count": c.delivered,
        "not_delivered_count": c.not_delivered + c.failed,
        "seen_count": c.seen,
        "status": queue_status(b.status),
        "send_at": format_time(b.send_at.unwrap_or(b.created_at)),
        "created_at": created,
        "updated_at": format_time(b.updated_at),
        "extra_data": {"buttons": buttons, "options": null, "selectedItemId": null},
        "id": id,
        "targets": targets.iter().map(|t| json!({
            "id": t.id,
            "user_id": b.account_id.to_string(),
            "queue_id": id,
            "target_identifier": t.identifier,
            "message": null,
            "status": target_status(t.status),
            "extra_data": {"buttons": null, "options": null, "selectedItemId": null},
            "created_at": created,
            "updated_at": format_time(t.updated_at),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({"from": "908503080335", "to": "905374937766",
            "message": "Hi, dear guest 👤 \n\nWe want to send message to you.", "type": "button",
            "buttons": ["👍 Yes", "⛔ No"]})
    }

    #[test]
    fn reads_the_documented_request() {
        let r = read(&sample()).expect("valid");
        assert_eq!(r.to, vec!["905374937766".to_string()]);
        let m = r.message_object();
        assert_eq!(m["interactive"]["action"]["buttons"][1]["reply"]["id"], "2");
        let mut with_to = m.clone();
        with_to["to"] = json!("905374937766");
        crate::message::parse_message(&with_to).expect("a valid Cloud message");
        assert_eq!(r.extra_data()["buttons"], json!(["👍 Yes", "⛔ No"]));
        let mut list = sample();
        list["to"] = json!(["905374937766", 905374937767_u64]);
        assert_eq!(read(&list).expect("list").to.len(), 2);
    }

    #[test]
    fn errors_name_the_field() {
        for (key, value, start) in [
            ("type", json!("image"), "type"),
            ("buttons", json!(["a", "b", "c", "d"]), "buttons"),
            ("buttons", json!(["x".repeat(21)]), "buttons[0]"),
            ("to", json!([]), "to"),
            ("send_at", json!("tomorrow"), "send_at"),
            ("from", json!(""), "from"),
            ("to", json!("not a number"), "to"),
            ("to", json!(["905374937766", "x"]), "to[1]"),
        ] {
            let mut body = sample();
            body[key] = value;
            let err = read(&body).expect_err(key);
            assert!(err.starts_with(start), "{err}");
        }
    }

    #[test]
    fn times_read_and_write_like_the_service() {
        let ms = parse_time("2023-04-26 11:11:58").expect("parsed");
        assert_eq!(format_time(ms), "2023-04-26 11:11:58");
        assert_eq!(parse_time("2023-04-26T11:11:58Z"), Some(ms));
        assert_eq!(parse_time("26.04.2023"), None);
    }
}
