//! Bot replies as Cloud API message objects: building text replies, rendering spintax and
//! placeholders in their human-readable texts, and validating a rule's reply.
//!
//! A reply is a Cloud API message object **without** `to` (and normally without
//! `messaging_product`): `{"type":"text","text":{"body":"{Hi|Hello} [name]"}}`. The caller
//! adds the recipient when it sends it through the outbox.
//!
//! Rendered fields (spintax first, then placeholders; see [`super::spintax`] and
//! [`super::placeholders`]): `text.body`; `image.caption`, `video.caption`,
//! `document.caption`; `interactive.header.text`, `interactive.body.text`,
//! `interactive.footer.text`; `template.components[].parameters[].text`. Ids, titles, URLs
//! and everything else are sent as written, so button and list ids stay stable for menus.

use serde_json::{json, Value};

use super::error::{FieldError, FieldErrors};
use super::placeholders::{fill, PlaceholderContext};
use super::spintax;
use crate::message::parse_message;

/// The paths rendered, `*` standing for every item of an array.
const RENDERED: [&[&str]; 8] = [
    &["text", "body"],
    &["image", "caption"],
    &["video", "caption"],
    &["document", "caption"],
    &["interactive", "header", "text"],
    &["interactive", "body", "text"],
    &["interactive", "footer", "text"],
    &["template", "components", "*", "parameters", "*", "text"],
];

/// A number that passes recipient validation, standing in for `to` while a reply is checked.
const PROBE_RECIPIENT: &str = "12020721369";

/// A text message object `{"type":"text","text":{"body":…}}`.
pub fn text_message(body: &str) -> Value {
    json!({"type": "text", "text": {"body": body}})
}

/// Spintax, then placeholders: the full rendering of one bot text.
pub fn render_text(
    template: &str,
    ctx: &PlaceholderContext,
    pick: &mut dyn FnMut(usize) -> usize,
) -> String {
    fill(&spintax::render(template, pick), ctx)
}

/// `reply` with every rendered field (see the module documentation) rendered.
pub fn render_reply(
    reply: &Value,
    ctx: &PlaceholderContext,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Value {
    let mut out = reply.clone();
    for path in RENDERED {
        render_at(&mut out, path, ctx, pick);
    }
    out
}

fn render_at(
    v: &mut Value,
    path: &[&str],
    ctx: &PlaceholderContext,
    pick: &mut dyn FnMut(usize) -> usize,
) {
    let Some((head, rest)) = path.split_first() else {
        if let Value::String(s) = v {
            *s = render_text(s, ctx, pick);
        }
        return;
    };
    match (v, *head) {
        (Value::Array(items), "*") => {
            for item in items {
                render_at(item, rest, ctx, pick);
            }
        }
        (Value::Object(map), key) => {
            if let Some(child) = map.get_mut(key) {
                render_at(child, rest, ctx, pick);
            }
        }
        _ => {}
    }
}

/// Checks that `reply` is a Cloud API message object without `to` that the send API would
/// accept (with a recipient added). Errors are named `reply…`, e.g. `reply.text.body`.
pub fn validate_reply(reply: &Value) -> Result<(), FieldErrors> {
    let mut errs = FieldErrors::default();
    let Value::Object(map) = reply else {
        errs.push(
            "reply",
            "must be a message object like {\"type\":\"text\",\"text\":{\"body\":\"Hello\"}}",
        );
        return errs.into_result();
    };
    if map.contains_key("to") {
        errs.push("reply.to", "remove it; the bot replies to whoever wrote");
        return errs.into_result();
    }
    let mut probe = map.clone();
    probe
        .entry("messaging_product")
        .or_insert_with(|| Value::from("whatsapp"));
    probe.insert("to".into(), Value::from(PROBE_RECIPIENT));
    if let Err(e) = parse_message(&Value::Object(probe)) {
        let field = if e.path.is_empty() {
            "reply".to_string()
        } else {
            format!("reply.{}", e.path)
        };
        errs.0.push(FieldError::new(field, e.details));
    }
    errs.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::DateTime;

    fn ctx() -> PlaceholderContext {
        PlaceholderContext {
            name: Some("Ada".into()),
            phone: "+1202".into(),
            bot_name: "Bot".into(),
            name_fallback: "there".into(),
            local_now: DateTime::constant(2025, 1, 2, 3, 4, 0, 0),
        }
    }

    #[test]
    fn renders_texts_not_ids() {
        let reply = json!({
            "type": "interactive",
            "interactive": {
                "type": "button",
                "header": {"type": "text", "text": "{Hi|Hello} [name]"},
                "body": {"text": "Pick one, [first_name]"},
                "footer": {"text": "[bot_name]"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "{a|b}[name]", "title": "[name]"}}]}
            }
        });
        let out = render_reply(&reply, &ctx(), &mut |_| 0);
        assert_eq!(out["interactive"]["header"]["text"], "Hi Ada");
        assert_eq!(out["interactive"]["body"]["text"], "Pick one, Ada");
        assert_eq!(out["interactive"]["footer"]["text"], "Bot");
        assert_eq!(
            out["interactive"]["action"]["buttons"][0]["reply"]["id"],
            "{a|b}[name]"
        );
        assert_eq!(
            out["interactive"]["action"]["buttons"][0]["reply"]["title"],
            "[name]"
        );

        let t = json!({"type":"template","template":{"name":"x","language":{"code":"en"},
            "components":[{"type":"body","parameters":[{"type":"text","text":"[name]"},{"type":"currency"}]}]}});
        let out = render_reply(&t, &ctx(), &mut |_| 0);
        assert_eq!(
            out["template"]["components"][0]["parameters"][0]["text"],
            "Ada"
        );
        assert_eq!(render_reply(&json!("x"), &ctx(), &mut |_| 0), json!("x"));
        assert_eq!(
            render_reply(&text_message("{A|B} [time]"), &ctx(), &mut |_| 1),
            text_message("B 03:04")
        );
    }

    #[test]
    fn validates() {
        assert_eq!(validate_reply(&text_message("Hello [name]")), Ok(()));
        let errs = validate_reply(&json!({"to": "1", "type": "text", "text": {"body": "x"}}))
            .expect_err("to refused");
        assert!(errs.has("reply.to"));
        assert!(validate_reply(&json!("hi"))
            .expect_err("string")
            .has("reply"));
        let errs = validate_reply(&json!({"type": "text", "text": {}})).expect_err("no body");
        assert!(
            errs.first()
                .is_some_and(|e| e.field.starts_with("reply.text")),
            "{errs}"
        );
    }
}
