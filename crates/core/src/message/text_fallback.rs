//! `"fallback": "text"` on a send: a message of a kind the channel cannot carry
//! (buttons, lists, call-to-action links on a WhatsApp Web session) is sent instead as a
//! plain text that keeps its content — the header, the body, numbered options, the links,
//! the footer — rather than refused with 422.
//!
//! ```text
//! *Header*
//!
//! Body text
//!
//! 1. First option
//! 2. Second option — its description
//!
//! _Footer_
//! ```
//!
//! On a WhatsApp Web channel the stored message records the options it offered
//! ([`CHOICES`], from [`choices_of`]), so a customer's answer — the option's number or its
//! title — comes back as the button or list reply it stands for ([`chosen`]).

use serde_json::{json, Value};

/// The request field asking for the fallback.
pub const FIELD: &str = "fallback";

/// What a request asks for when its kind cannot be carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// Refuse (422), the default.
    None,
    /// Send as text.
    Text,
}

/// Takes `fallback` out of `request`: `"text"`, or absent / `null` / `"none"`; anything
/// else is an error message naming the accepted values.
pub fn take(request: &mut Value) -> Result<Fallback, String> {
    let Some(value) = request.as_object_mut().and_then(|o| o.remove(FIELD)) else {
        return Ok(Fallback::None);
    };
    match value.as_str() {
        _ if value.is_null() => Ok(Fallback::None),
        Some("text") => Ok(Fallback::Text),
        Some("none") => Ok(Fallback::None),
        _ => Err(format!(
            "fallback: `{value}` is not a fallback; use \"text\" (send what the channel cannot carry as text) or leave it out"
        )),
    }
}

fn text_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The text an `interactive` object becomes; `None` when it has no text at all.
pub fn interactive_text(interactive: &Value) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(header) = text_at(interactive, "/header/text") {
        parts.push(format!("*{header}*"));
    }
    if let Some(body) = text_at(interactive, "/body/text") {
        parts.push(body.to_string());
    }
    let action = &interactive["action"];
    let mut options: Vec<String> = Vec::new();
    for button in action["buttons"].as_array().into_iter().flatten() {
        if let Some(title) = text_at(button, "/reply/title").or_else(|| text_at(button, "/title")) {
            options.push(title.to_string());
        }
    }
    for section in action["sections"].as_array().into_iter().flatten() {
        for row in section["rows"].as_array().into_iter().flatten() {
            let Some(title) = text_at(row, "/title") else {
                continue;
            };
            options.push(match text_at(row, "/description") {
                Some(d) => format!("{title} — {d}"),
                None => title.to_string(),
            });
        }
    }
    if !options.is_empty() {
        parts.push(
            options
                .iter()
                .enumerate()
                .map(|(i, o)| format!("{}. {o}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    if let (Some(label), Some(url)) = (
        text_at(action, "/parameters/display_text"),
        text_at(action, "/parameters/url"),
    ) {
        parts.push(format!("{label}: {url}"));
    }
    for element in action["elements"].as_array().into_iter().flatten() {
        parts.push(element_text(element));
    }
    if let Some(footer) = text_at(interactive, "/footer/text") {
        parts.push(format!("_{footer}_"));
    }
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// A generic template's element: its title in bold, the subtitle, the links (image, card,
/// URL buttons) and the other buttons' titles.
fn element_text(element: &Value) -> String {
    let mut lines: Vec<String> = Vec::new();
    if let Some(title) = text_at(element, "/title") {
        lines.push(format!("*{title}*"));
    }
    if let Some(subtitle) = text_at(element, "/subtitle") {
        lines.push(subtitle.to_string());
    }
    for link in ["/image_url", "/default_action/url"] {
        if let Some(url) = text_at(element, link) {
            lines.push(url.to_string());
        }
    }
    for button in element["buttons"].as_array().into_iter().flatten() {
        let Some(title) = text_at(button, "/title") else {
            continue;
        };
        lines.push(match text_at(button, "/url") {
            Some(url) => format!("{title}: {url}"),
            None => format!("• {title}"),
        });
    }
    lines.join("\n")
}

/// The field of a stored message's body recording the numbered options it offered:
/// `{"type": "button_reply" | "list_reply", "options": [{"n", "id", "title"}]}`.
pub const CHOICES: &str = "choices";

/// The options an `interactive` button or list message offers once it is numbered text, in
/// the order [`interactive_text`] numbers them; `None` for other types.
pub fn choices_of(interactive: &Value) -> Option<Value> {
    let action = &interactive["action"];
    let (kind, options): (&str, Vec<(&str, &str)>) =
        match interactive.get("type").and_then(Value::as_str)? {
            "button" => (
                "button_reply",
                action["buttons"]
                    .as_array()?
                    .iter()
                    .filter_map(|b| Some((text_at(b, "/reply/id")?, text_at(b, "/reply/title")?)))
                    .collect(),
            ),
            "list" => (
                "list_reply",
                action["sections"]
                    .as_array()?
                    .iter()
                    .flat_map(|s| s["rows"].as_array().into_iter().flatten())
                    .filter_map(|r| Some((text_at(r, "/id")?, text_at(r, "/title")?)))
                    .collect(),
            ),
            _ => return None,
        };
    let options: Vec<Value> = options
        .iter()
        .enumerate()
        .map(|(i, (id, title))| json!({"n": i + 1, "id": id, "title": title}))
        .collect();
    (!options.is_empty()).then(|| json!({"type": kind, "options": options}))
}

/// The reply a customer's `text` stands for, given the `choices` their last message from us
/// offered: the option numbered `text` (`2`, `2.`, `2)`), else the one titled `text` (case
/// and surrounding spaces aside). The answer is the `interactive` object of an inbound reply,
/// e.g. `{"type": "button_reply", "button_reply": {"id", "title"}}`.
pub fn chosen(choices: &Value, text: &str) -> Option<Value> {
    let kind = choices.get("type").and_then(Value::as_str)?;
    if kind != "button_reply" && kind != "list_reply" {
        return None;
    }
    let options = choices.get("options")?.as_array()?;
    let said = text.trim();
    let number = said.trim_end_matches(['.', ')']).trim().parse::<u64>().ok();
    let option = options.iter().find(|o| match number {
        Some(n) => o.get("n").and_then(Value::as_u64) == Some(n),
        None => text_at(o, "/title").is_some_and(|t| t.eq_ignore_ascii_case(said)),
    })?;
    let id = text_at(option, "/id")?;
    let title = text_at(option, "/title")?;
    Some(json!({"type": kind, kind: {"id": id, "title": title}}))
}

/// `request` (an interactive message) as a text message to the same recipient, keeping
/// `context` (a reply stays a reply); `None` when it is not interactive or has no text.
pub fn as_text(request: &Value) -> Option<Value> {
    if request.get("type").and_then(Value::as_str) != Some("interactive") {
        return None;
    }
    let body = interactive_text(&request["interactive"])?;
    let mut text = json!({
        "messaging_product": "whatsapp",
        "to": request["to"],
        "type": "text",
        "text": {"body": body},
    });
    for field in ["recipient_type", "context", "biz_opaque_callback_data"] {
        if let Some(v) = request.get(field) {
            text[field] = v.clone();
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_become_numbered_options() {
        let request = json!({
            "to": "15551234567",
            "type": "interactive",
            "context": {"message_id": "msg_1"},
            "interactive": {
                "type": "button",
                "header": {"type": "text", "text": "Order 42"},
                "body": {"text": "Confirm your order?"},
                "footer": {"text": "Reply with a number"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "no", "title": "No"}}
                ]}
            }
        });
        let text = as_text(&request).expect("text");
        assert_eq!(text["type"], "text");
        assert_eq!(text["context"]["message_id"], "msg_1");
        assert_eq!(
            text["text"]["body"],
            "*Order 42*\n\nConfirm your order?\n\n1. Yes\n2. No\n\n_Reply with a number_"
        );
    }

    #[test]
    fn lists_and_links_keep_their_content() {
        let list = json!({"type": "list", "body": {"text": "Pick"}, "action": {"button": "Menu",
            "sections": [{"title": "A", "rows": [{"id": "1", "title": "Tea", "description": "hot"}, {"id": "2", "title": "Juice"}]}]}});
        assert_eq!(
            interactive_text(&list).expect("list"),
            "Pick\n\n1. Tea — hot\n2. Juice"
        );
        let cta = json!({"type": "cta_url", "body": {"text": "See"}, "action": {"name": "cta_url",
            "parameters": {"display_text": "Open", "url": "https://example.com"}}});
        assert_eq!(
            interactive_text(&cta).expect("cta"),
            "See\n\nOpen: https://example.com"
        );
        assert_eq!(
            as_text(&json!({"type": "text", "text": {"body": "x"}})),
            None
        );
    }

    #[test]
    fn generic_elements_become_paragraphs() {
        let generic = json!({"type": "generic", "action": {"elements": [
            {"title": "Blue hat", "subtitle": "€20", "image_url": "https://x.test/hat.jpg",
             "buttons": [{"type": "web_url", "title": "See", "url": "https://x.test/hat"},
                         {"type": "postback", "title": "Buy", "payload": "BUY"}]},
            {"title": "Red scarf", "default_action": {"type": "web_url", "url": "https://x.test/s"}}
        ]}});
        assert_eq!(
            interactive_text(&generic).expect("generic"),
            "*Blue hat*\n€20\nhttps://x.test/hat.jpg\nSee: https://x.test/hat\n• Buy\n\n*Red scarf*\nhttps://x.test/s"
        );
    }

    #[test]
    fn numbered_answers_map_back_to_their_option() {
        let buttons = json!({"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "yes-1", "title": "Yes"}},
            {"type": "reply", "reply": {"id": "no-1", "title": "No thanks"}}]}});
        let choices = choices_of(&buttons).expect("choices");
        assert_eq!(
            choices,
            json!({"type": "button_reply", "options": [
                {"n": 1, "id": "yes-1", "title": "Yes"}, {"n": 2, "id": "no-1", "title": "No thanks"}]})
        );
        let reply =
            json!({"type": "button_reply", "button_reply": {"id": "no-1", "title": "No thanks"}});
        for said in ["2", " 2. ", "2)", "no THANKS"] {
            assert_eq!(chosen(&choices, said), Some(reply.clone()), "{said}");
        }
        for said in ["3", "0", "maybe", "", "2 please"] {
            assert_eq!(chosen(&choices, said), None, "{said}");
        }
        let list = json!({"type": "list", "body": {"text": "Pick"}, "action": {"button": "Menu",
            "sections": [{"rows": [{"id": "tea", "title": "Tea"}]}, {"rows": [{"id": "juice", "title": "Juice"}]}]}});
        let choices = choices_of(&list).expect("list choices");
        assert_eq!(
            chosen(&choices, "2"),
            Some(json!({"type": "list_reply", "list_reply": {"id": "juice", "title": "Juice"}}))
        );
        let cta = json!({"type": "cta_url", "body": {"text": "See"}, "action": {"name": "cta_url",
            "parameters": {"display_text": "Open", "url": "https://example.com"}}});
        assert_eq!(choices_of(&cta), None);
    }

    #[test]
    fn the_field_is_taken_and_checked() {
        let mut v = json!({"to": "1", "fallback": "text"});
        assert_eq!(take(&mut v), Ok(Fallback::Text));
        assert_eq!(v, json!({"to": "1"}));
        let mut v = json!({"to": "1"});
        assert_eq!(take(&mut v), Ok(Fallback::None));
        let mut v = json!({"fallback": "sms"});
        assert!(take(&mut v).expect_err("bad").contains("fallback"));
    }
}
