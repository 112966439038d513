//! What the Graph API accepts before it validates a message: `null` for an optional field
//! (read as absent) and JSON-encoded strings for the message object's object and array
//! parameters (`"contacts": "[{…}]"`, `"interactive": "{…}"`). Real Cloud API client
//! libraries send both, so the body is brought to its plain form first.

use serde_json::Value;

use super::error::{Check, MessageError};
use super::kind::MessageKind;
use crate::json_reader::{decode_encoded, drop_nulls, Path};

/// The top-level members that may arrive JSON-encoded, with the type they must decode to.
fn encoded_fields() -> Vec<(&'static str, &'static str)> {
    MessageKind::ALL
        .iter()
        .map(|k| match k {
            MessageKind::Contacts => (k.as_str(), "an array"),
            _ => (k.as_str(), "a JSON object"),
        })
        .chain([("context", "a JSON object")])
        .collect()
}

/// `value` with its JSON-encoded parameters decoded and its `null` members dropped.
pub(super) fn plain(value: &Value) -> Check<Value> {
    let mut value = value.clone();
    if let Value::Object(map) = &mut value {
        decode_encoded::<MessageError>(map, &Path::root(), &encoded_fields())?;
    }
    drop_nulls(&mut value);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use crate::message::{parse_message, MessageContent};
    use serde_json::json;

    #[test]
    fn null_optional_fields_read_as_absent() {
        let m = parse_message(&json!({
            "messaging_product": "whatsapp", "to": "15551234567", "type": "location",
            "context": null, "biz_opaque_callback_data": null, "recipient_type": null,
            "location": {"latitude": 1.5, "longitude": 2.5, "name": null, "address": null}
        }))
        .expect("accepted");
        assert_eq!(m.context_message_id, None);
        assert_eq!(m.body.get("context"), None);
        let MessageContent::Location { location } = m.content else {
            panic!("a location")
        };
        assert_eq!(location.name, None);
        let m = parse_message(&json!({
            "messaging_product": "whatsapp", "to": "15551234567", "type": "image",
            "image": {"link": "https://example.com/a.png", "caption": null, "id": null}
        }))
        .expect("accepted");
        assert_eq!(
            m.body["image"],
            json!({"link": "https://example.com/a.png"})
        );
    }

    #[test]
    fn null_required_fields_stay_missing() {
        let err = parse_message(&json!({
            "messaging_product": "whatsapp", "to": null, "type": "text", "text": {"body": "hi"}
        }))
        .expect_err("refused");
        assert_eq!((err.code, err.path.as_str()), (131008, "to"));
        let err = parse_message(&json!({
            "messaging_product": "whatsapp", "to": "15551234567", "type": "text",
            "text": {"body": null}
        }))
        .expect_err("refused");
        assert_eq!((err.code, err.path.as_str()), (131008, "text.body"));
    }

    #[test]
    fn json_encoded_parameters_are_decoded() {
        let contacts = json!([{"name": {"formatted_name": "Ann", "first_name": "Ann"},
            "phones": [{"phone": "+15550001111", "type": "CELL"}]}]);
        let m = parse_message(&json!({
            "messaging_product": "whatsapp", "to": "15551234567", "type": "contacts",
            "contacts": contacts.to_string(), "context": "{\"message_id\": \"wamid.1\"}"
        }))
        .expect("accepted");
        assert_eq!(m.body["contacts"], contacts);
        assert_eq!(m.context_message_id.as_deref(), Some("wamid.1"));
        let interactive = json!({"type": "button", "body": {"text": "b"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "1", "title": "Yes"}}]}});
        let m = parse_message(&json!({
            "messaging_product": "whatsapp", "to": "15551234567", "type": "interactive",
            "interactive": interactive.to_string()
        }))
        .expect("accepted");
        assert_eq!(m.body["interactive"], interactive);
    }

    #[test]
    fn undecodable_strings_say_what_to_send() {
        let err = parse_message(&json!({
            "messaging_product": "whatsapp", "to": "15551234567", "type": "contacts",
            "contacts": "[{\"name\": "
        }))
        .expect_err("refused");
        assert_eq!((err.code, err.path.as_str()), (100, "contacts"));
        assert!(err.details.contains("not valid JSON"), "{}", err.details);
        let err = parse_message(&json!({
            "messaging_product": "whatsapp", "to": "15551234567", "type": "location",
            "location": "12"
        }))
        .expect_err("refused");
        assert_eq!(err.path, "location");
        assert!(err.details.contains("got a string"), "{}", err.details);
    }
}
