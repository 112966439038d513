//! The composer's other message kinds: a form's fields turned into the Cloud-shaped send
//! request the API takes — media by link (image, video, audio, document, sticker), a location,
//! reply buttons, a contact card, or any message written as JSON. Only the shape is built here: the send service checks
//! the content (limits, the channel's capabilities, the window) as it does for the API.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// Most reply buttons in one message (Meta's limit).
pub const MAX_BUTTONS: usize = 3;

/// The trimmed value of field `name`, or empty.
fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map(|v| v.trim()).unwrap_or_default()
}

/// A coordinate in degrees, within `limit`.
fn degrees(fields: &HashMap<String, String>, name: &str, limit: f64) -> Result<f64, String> {
    let text = field(fields, name);
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && v.abs() <= limit)
        .ok_or_else(|| {
            format!("{name}: `{text}` is not a number of degrees between -{limit} and {limit}")
        })
}

/// A message written as JSON (any kind the API takes: a list, a reaction, a call-to-action
/// URL, …) addressed to `to`: `to` and `messaging_product` are filled in; another `to` is
/// refused rather than silently replaced.
fn message_object(text: &str, to: &str) -> Result<Value, String> {
    let example = r#"{"type": "reaction", "reaction": {"message_id": "msg_…", "emoji": "👍"}}"#;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!("message: this is not JSON ({e}); write an object such as {example}")
    })?;
    let Value::Object(mut object) = value else {
        return Err(format!("message: write a JSON object such as {example}"));
    };
    match object.get("to").and_then(Value::as_str) {
        Some(other) if other != to => {
            return Err(format!(
                "message: `to` is {other}, but this conversation is with {to}: leave `to` out"
            ))
        }
        _ => {}
    }
    object.insert("to".into(), json!(to));
    object.insert("messaging_product".into(), json!("whatsapp"));
    Ok(Value::Object(object))
}

/// The send request for the form's `kind` to `to`, or what to fix.
pub fn request(fields: &HashMap<String, String>, to: &str) -> Result<Value, String> {
    let kind = field(fields, "kind");
    let content = match kind {
        "image" | "video" | "audio" | "document" | "sticker" => {
            let link = field(fields, "link");
            if !(link.starts_with("https://") || link.starts_with("http://")) {
                return Err(format!(
                    "link: give the {kind}'s address, starting with https://"
                ));
            }
            let mut media = Map::new();
            media.insert("link".into(), json!(link));
            let caption = field(fields, "caption");
            if !caption.is_empty() && matches!(kind, "image" | "video" | "document") {
                media.insert("caption".into(), json!(caption));
            }
            let filename = field(fields, "filename");
            if !filename.is_empty() && kind == "document" {
                media.insert("filename".into(), json!(filename));
            }
            Value::Object(media)
        }
        "location" => {
            let mut location = Map::new();
            location.insert("latitude".into(), json!(degrees(fields, "latitude", 90.0)?));
            location.insert("longitude".into(), json!(degrees(fields, "longitude", 180.0)?));
            for name in ["name", "address"] {
                let value = field(fields, name);
                if !value.is_empty() {
                    location.insert(name.into(), json!(value));
                }
            }
            Value::Object(location)
        }
        "buttons" => {
            let body = field(fields, "body");
            if body.is_empty() {
                return Err("body: write the text the buttons answer".into());
            }
            let buttons: Vec<Value> = (1..=MAX_BUTTONS)
                .map(|i| field(fields, &format!("button{i}")))
                .filter(|title| !title.is_empty())
                .enumerate()
                .map(|(i, title)| {
                    json!({"type": "reply", "reply": {"id": format!("b{}", i + 1), "title": title}})
                })
                .collect();
            if buttons.is_empty() {
                return Err("buttons: give at least one button title".into());
            }
            return Ok(json!({"messaging_product": "whatsapp", "to": to, "type": "interactive",
                "interactive": {"type": "button", "body": {"text": body},
                                "action": {"buttons": buttons}}}));
        }
        "contact" => {
            let name = field(fields, "contact_name");
            let phone = field(fields, "contact_phone");
            if name.is_empty() || phone.is_empty() {
                return Err("contact: give the contact's name and phone number".into());
            }
            return Ok(json!({"messaging_product": "whatsapp", "to": to, "type": "contacts",
                "contacts": [{"name": {"formatted_name": name, "first_name": name},
                              "phones": [{"phone": phone, "type": "CELL"}]}]}));
        }
        "json" => return message_object(field(fields, "message"), to),
        other => {
            return Err(format!(
                "kind: `{other}` is not offered here: pick one of the list (text and templates have their own forms)"
            ))
        }
    };
    let mut request = Map::new();
    request.insert("messaging_product".into(), json!("whatsapp"));
    request.insert("to".into(), json!(to));
    request.insert("type".into(), json!(kind));
    request.insert(kind.into(), content);
    Ok(Value::Object(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn media_by_link_keeps_what_its_kind_carries() {
        let image = request(
            &form(&[
                ("kind", "image"),
                ("link", "https://x.example/a.png"),
                ("caption", "hi"),
                ("filename", "a.png"),
            ]),
            "15551230000",
        )
        .unwrap();
        assert_eq!(
            image["image"],
            json!({"link": "https://x.example/a.png", "caption": "hi"})
        );
        let audio = request(
            &form(&[
                ("kind", "audio"),
                ("link", "https://x.example/a.ogg"),
                ("caption", "no"),
            ]),
            "15551230000",
        )
        .unwrap();
        assert_eq!(audio["audio"], json!({"link": "https://x.example/a.ogg"}));
        let document = request(
            &form(&[
                ("kind", "document"),
                ("link", "https://x.example/a.pdf"),
                ("filename", "a.pdf"),
            ]),
            "1",
        )
        .unwrap();
        assert_eq!(document["document"]["filename"], "a.pdf");
        let missing = request(&form(&[("kind", "video"), ("link", "x.example")]), "1");
        assert!(missing.unwrap_err().starts_with("link:"));
    }

    #[test]
    fn locations_need_degrees_in_range() {
        let ok = request(
            &form(&[
                ("kind", "location"),
                ("latitude", "52.52"),
                ("longitude", "13.40"),
                ("name", "Shop"),
            ]),
            "1",
        )
        .unwrap();
        assert_eq!(
            ok["location"],
            json!({"latitude": 52.52, "longitude": 13.4, "name": "Shop"})
        );
        let bad = request(
            &form(&[("kind", "location"), ("latitude", "95"), ("longitude", "1")]),
            "1",
        );
        assert!(bad.unwrap_err().starts_with("latitude:"));
        let nan = request(
            &form(&[
                ("kind", "location"),
                ("latitude", "1"),
                ("longitude", "NaN"),
            ]),
            "1",
        );
        assert!(nan.unwrap_err().starts_with("longitude:"));
    }

    #[test]
    fn buttons_skip_empty_titles_and_contacts_need_both_fields() {
        let b = request(
            &form(&[
                ("kind", "buttons"),
                ("body", "Pick"),
                ("button1", "Yes"),
                ("button2", ""),
                ("button3", "No"),
            ]),
            "1",
        )
        .unwrap();
        let buttons = b["interactive"]["action"]["buttons"].as_array().unwrap();
        assert_eq!(buttons.len(), 2);
        assert_eq!(buttons[1]["reply"], json!({"id": "b2", "title": "No"}));
        assert!(request(&form(&[("kind", "buttons"), ("body", "Pick")]), "1").is_err());
        assert!(request(&form(&[("kind", "contact"), ("contact_name", "Ana")]), "1").is_err());
        let c = request(
            &form(&[
                ("kind", "contact"),
                ("contact_name", "Ana"),
                ("contact_phone", "+1 555"),
            ]),
            "1",
        )
        .unwrap();
        assert_eq!(c["contacts"][0]["phones"][0]["phone"], "+1 555");
        assert!(request(&form(&[("kind", "text")]), "1")
            .unwrap_err()
            .starts_with("kind:"));
    }

    #[test]
    fn a_json_message_is_addressed_to_the_conversation() {
        let text = request(
            &form(&[
                ("kind", "json"),
                ("message", r#"{"type": "text", "text": {"body": "hi"}}"#),
            ]),
            "15551230000",
        )
        .unwrap();
        assert_eq!(text["to"], "15551230000");
        assert_eq!(text["messaging_product"], "whatsapp");
        assert_eq!(text["text"]["body"], "hi");
        let same = request(
            &form(&[("kind", "json"), ("message", r#"{"to": "1", "type": "x"}"#)]),
            "1",
        );
        assert!(same.is_ok());
        for bad in [r#"{"to": "2"}"#, "[1]", "{nope"] {
            let refused = request(&form(&[("kind", "json"), ("message", bad)]), "1");
            assert!(refused.unwrap_err().starts_with("message:"), "{bad}");
        }
    }
}
