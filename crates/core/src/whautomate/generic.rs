//! Instagram's and Messenger's `sendtemplate`: `elements[]` as a native `interactive`
//! `generic` message (Meta's generic template), element by element:
//!
//! | dialect | native |
//! |---|---|
//! | `title`, `subtitle`, `image_url` | the same (empty strings left out) |
//! | `default_action{type, url}` | `default_action{type:"web_url", url}` (a card's tap always opens a link; `type` may be left out) |
//! | `buttons[{type:"web_url", title, url}]` | `{type:"web_url", title, url}` (`payload` ignored) |
//! | `buttons[{type:"postback", title, payload}]` | `{type:"postback", title, payload}` (`url` ignored; `payload` defaults to the title) |
//! | `buttons[{type:"phone_number", title, payload}]` | the same (Messenger only) |
//!
//! The limits (one to ten elements, titles of 80 characters, three buttons…) are checked by
//! the native send, which names the element at fault.

use serde_json::{json, Map, Value};

use super::{text_field, DialectError};

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, DialectError> {
    v.as_object()
        .ok_or_else(|| DialectError::invalid(format!("{at}: must be an object, got {v}")))
}

fn field<'a>(
    o: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a str>, DialectError> {
    text_field(o, name).map_err(|e| DialectError::invalid(format!("{at}.{}", e.message)))
}

fn button(b: &Map<String, Value>, at: &str) -> Result<Value, DialectError> {
    let title = field(b, "title", at)?
        .ok_or_else(|| DialectError::invalid(format!("{at}.title: give the button's text")))?;
    let url = field(b, "url", at)?;
    let payload = field(b, "payload", at)?;
    match field(b, "type", at)?.unwrap_or("postback") {
        "web_url" => {
            let url = url.ok_or_else(|| {
                DialectError::invalid(format!("{at}.url: a web_url button needs its url"))
            })?;
            Ok(json!({"type": "web_url", "title": title, "url": url}))
        }
        "postback" => {
            Ok(json!({"type": "postback", "title": title, "payload": payload.unwrap_or(title)}))
        }
        "phone_number" => {
            let number = payload.ok_or_else(|| {
                DialectError::invalid(format!(
                    "{at}.payload: a phone_number button's payload is the number to call, e.g. +15551234567"
                ))
            })?;
            Ok(json!({"type": "phone_number", "title": title, "payload": number}))
        }
        other => Err(DialectError::invalid(format!(
            "{at}.type: `{other}` is not web_url, postback or phone_number"
        ))),
    }
}

fn element(e: &Map<String, Value>, at: &str) -> Result<Value, DialectError> {
    let mut out = Map::new();
    for name in ["title", "subtitle", "image_url"] {
        if let Some(v) = field(e, name, at)? {
            out.insert(name.into(), json!(v));
        }
    }
    match e.get("default_action") {
        None | Some(Value::Null) => {}
        Some(d) => {
            let at = format!("{at}.default_action");
            let d = object(d, &at)?;
            if let Some(kind) = field(d, "type", &at)?.filter(|k| *k != "web_url") {
                return Err(DialectError::invalid(format!(
                    "{at}.type: a card's default action opens a link: use web_url (or leave type out), not `{kind}`"
                )));
            }
            if let Some(url) = field(d, "url", &at)? {
                out.insert(
                    "default_action".into(),
                    json!({"type": "web_url", "url": url}),
                );
            }
        }
    }
    match e.get("buttons") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            let mut buttons = Vec::with_capacity(list.len());
            for (i, b) in list.iter().enumerate() {
                let at = format!("{at}.buttons[{i}]");
                buttons.push(button(object(b, &at)?, &at)?);
            }
            if !buttons.is_empty() {
                out.insert("buttons".into(), Value::Array(buttons));
            }
        }
        Some(other) => {
            return Err(DialectError::invalid(format!(
                "{at}.buttons: must be a list of {{type, title, payload, url}}, got {other}"
            )))
        }
    }
    Ok(Value::Object(out))
}

/// Instagram's and Messenger's `sendtemplate`: `elements[]` as an `interactive` `generic`
/// message to `to`, `scheduleDateTime` carried over.
pub fn generic_template(to: &str, fields: &Map<String, Value>) -> Result<Value, DialectError> {
    let list = match fields.get("elements") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        None | Some(Value::Null) | Some(Value::Array(_)) => {
            return Err(DialectError::invalid(
                "elements: give one to ten cards, each {title, subtitle, image_url, default_action, buttons}",
            ))
        }
        Some(other) => {
            return Err(DialectError::invalid(format!(
                "elements: must be a list of cards, got {other}"
            )))
        }
    };
    let mut elements = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        let at = format!("elements[{i}]");
        elements.push(element(object(e, &at)?, &at)?);
    }
    let mut m = super::send::envelope(to, "interactive", fields);
    m.insert(
        "interactive".into(),
        json!({"type": "generic", "action": {"elements": elements}}),
    );
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::whautomate::fields_of as map;

    #[test]
    fn the_documented_sample_becomes_a_generic_template() {
        let fields = map(json!({
            "contact": {"id": "ct_1"}, "location": {"id": "ch_1"},
            "elements": [{
                "title": "Blue hat", "subtitle": "€20", "image_url": "https://x.test/hat.jpg",
                "default_action": {"type": "web_url", "url": "https://x.test/hat"},
                "buttons": [
                    {"type": "web_url", "title": "See", "payload": "", "url": "https://x.test/hat"},
                    {"type": "postback", "title": "Buy", "payload": "BUY_HAT", "url": ""}
                ]
            }]
        }));
        let m = generic_template("6543210987", &fields).expect("translated");
        assert_eq!(m["to"], "6543210987");
        assert_eq!(
            m["interactive"],
            json!({"type": "generic", "action": {"elements": [{
                "title": "Blue hat", "subtitle": "€20", "image_url": "https://x.test/hat.jpg",
                "default_action": {"type": "web_url", "url": "https://x.test/hat"},
                "buttons": [
                    {"type": "web_url", "title": "See", "url": "https://x.test/hat"},
                    {"type": "postback", "title": "Buy", "payload": "BUY_HAT"}
                ]
            }]}})
        );
    }

    #[test]
    fn refusals_name_the_element() {
        for (fields, at) in [
            (json!({}), "elements"),
            (json!({"elements": []}), "elements"),
            (json!({"elements": ["x"]}), "elements[0]"),
            (
                json!({"elements": [{"title": "a", "buttons": [{"type": "web_url", "title": "x"}]}]}),
                "elements[0].buttons[0].url",
            ),
            (
                json!({"elements": [{"title": "a", "buttons": [{"type": "game", "title": "x"}]}]}),
                "elements[0].buttons[0].type",
            ),
            (
                json!({"elements": [{"title": "a", "default_action": {"type": "postback", "url": "https://x.test"}}]}),
                "elements[0].default_action.type",
            ),
        ] {
            let e = generic_template("1", &map(fields)).expect_err("refused");
            assert!(e.message.starts_with(at), "{at}: {}", e.message);
        }
    }
}
