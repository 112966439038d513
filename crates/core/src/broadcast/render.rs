//! Per-target placeholders in a broadcast's message: every string of the message JSON may
//! hold `{{phone}}` (the target's number), `{{contact.name}}` and `{{contact.custom.KEY}}`
//! (the contact's custom field `KEY`, or the CSV column `KEY`). A default after `|` is used
//! when the value is missing or empty: `{{contact.name|there}}`. Spaces inside the braces are
//! ignored. Anything else between double braces (e.g. Meta's `{{1}}`) is left as it is.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The values a target's placeholders are filled from (stored as the target's snapshot).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetFields {
    /// The contact's name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Custom fields (contact custom fields or extra CSV columns).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom: Map<String, Value>,
}

impl TargetFields {
    /// Reads a stored snapshot; anything unreadable counts as no fields.
    pub fn from_json(value: &Value) -> TargetFields {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    /// The snapshot to store (`{}` when empty).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Object(Map::new()))
    }
}

/// Whether any string in `value` holds a placeholder this module fills.
pub fn has_placeholders(value: &Value) -> bool {
    match value {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("{{") {
                let after = &rest[start + 2..];
                let Some(end) = after.find("}}") else {
                    return false;
                };
                if lookup_name(after[..end].trim()).is_some() {
                    return true;
                }
                rest = &after[end + 2..];
            }
            false
        }
        Value::Array(items) => items.iter().any(has_placeholders),
        Value::Object(map) => map.values().any(has_placeholders),
        _ => false,
    }
}

enum Placeholder<'a> {
    Phone,
    ContactName,
    Custom(&'a str),
}

fn lookup_name(inner: &str) -> Option<(Placeholder<'_>, Option<&str>)> {
    let (name, default) = match inner.split_once('|') {
        Some((n, d)) => (n.trim(), Some(d.trim())),
        None => (inner.trim(), None),
    };
    let name = match name {
        "phone" => Placeholder::Phone,
        "contact.name" => Placeholder::ContactName,
        other => Placeholder::Custom(
            other
                .strip_prefix("contact.custom.")
                .filter(|k| !k.is_empty())?,
        ),
    };
    Some((name, default))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn render_str(s: &str, phone: &str, fields: &TargetFields) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        match lookup_name(&after[..end]) {
            Some((name, default)) => {
                let value = match name {
                    Placeholder::Phone => Some(phone.to_string()),
                    Placeholder::ContactName => fields.name.clone(),
                    Placeholder::Custom(key) => fields.custom.get(key).and_then(scalar_text),
                };
                let value = value.filter(|v| !v.is_empty());
                out.push_str(value.as_deref().or(default).unwrap_or(""));
            }
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `message` with every placeholder filled for the target `phone` with `fields`.
pub fn render(message: &Value, phone: &str, fields: &TargetFields) -> Value {
    match message {
        Value::String(s) if s.contains("{{") => Value::String(render_str(s, phone, fields)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render(v, phone, fields)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render(v, phone, fields)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> TargetFields {
        TargetFields {
            name: Some("Ana".into()),
            custom: json!({"city": "Lisbon", "points": 42, "empty": ""})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        }
    }

    #[test]
    fn fills_every_string() {
        let m = json!({"type": "template", "template": {"name": "promo", "components": [
        {"type": "body", "parameters": [
            {"type": "text", "text": "{{contact.name}}"},
            {"type": "text", "text": "{{ contact.custom.city }} / {{contact.custom.points}} pts for {{phone}}"}
        ]}]}});
        let out = render(&m, "15551230001", &fields());
        let p = &out["template"]["components"][0]["parameters"];
        assert_eq!(p[0]["text"], "Ana");
        assert_eq!(p[1]["text"], "Lisbon / 42 pts for 15551230001");
        assert_eq!(out["template"]["name"], "promo");
    }

    #[test]
    fn defaults_and_unknowns() {
        let none = TargetFields::default();
        let m = json!("Hi {{contact.name|there}}, {{1}} {{contact.custom.empty|x}} {{contact.custom.missing}}!");
        assert_eq!(render(&m, "1", &none), json!("Hi there, {{1}} x !"));
        assert_eq!(
            render(&json!("{{unclosed"), "1", &none),
            json!("{{unclosed")
        );
        assert!(has_placeholders(&json!({"a": ["{{phone}}"]})));
        assert!(!has_placeholders(&json!({"a": ["{{1}}"]})));
    }

    #[test]
    fn snapshot_round_trips() {
        let f = fields();
        assert_eq!(TargetFields::from_json(&f.to_json()), f);
        assert_eq!(TargetFields::default().to_json(), json!({}));
    }
}
