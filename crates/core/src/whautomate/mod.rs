//! The omnichannel (`x-api-key`) dialect served at `/compat/whautomate/`, pure parts: which
//! platform and action a path names, who a send goes to (`contact.id`, `client.id` or
//! `recepient{phoneNumber, name}`), and the bodies translated into Cloud API shaped messages
//! ([`send`], [`template`], [`generic`]) and history entries shown in the dialect's shape ([`view`]).

pub mod generic;
pub mod send;
pub mod template;
pub mod view;

use serde_json::{Map, Value};

use crate::channel::ChannelKind;

/// A refused request: a stable code and a message that says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DialectError {
    /// The stable code, e.g. `invalid_parameter`.
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl DialectError {
    /// A 400 `invalid_parameter`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: "invalid_parameter",
            message: message.into(),
        }
    }

    /// A 400 `invalid_template_parameters`.
    pub fn template(message: impl Into<String>) -> Self {
        Self {
            code: "invalid_template_parameters",
            message: message.into(),
        }
    }
}

/// The platform a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// WhatsApp: a `cloud` or `sandbox` channel.
    Whatsapp,
    /// A Telegram bot.
    Telegram,
    /// An Instagram professional account.
    Instagram,
    /// A Facebook Page.
    Messenger,
}

impl Platform {
    /// Every platform, in the document's order.
    pub const ALL: [Platform; 4] = [
        Platform::Whatsapp,
        Platform::Telegram,
        Platform::Instagram,
        Platform::Messenger,
    ];

    /// The path segment, e.g. `whatsapp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Whatsapp => "whatsapp",
            Platform::Telegram => "telegram",
            Platform::Instagram => "instagram",
            Platform::Messenger => "messenger",
        }
    }

    /// The platform of a path segment.
    pub fn parse(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == segment)
    }

    /// Whether a channel of `kind` is one of this platform's.
    pub fn has_kind(self, kind: ChannelKind) -> bool {
        match self {
            Platform::Whatsapp => matches!(kind, ChannelKind::Cloud | ChannelKind::Sandbox),
            Platform::Telegram => kind == ChannelKind::Telegram,
            Platform::Instagram => kind == ChannelKind::Instagram,
            Platform::Messenger => kind == ChannelKind::Messenger,
        }
    }

    /// The platform a channel kind shows as in the history (`web` is WhatsApp too).
    pub fn of_kind(kind: ChannelKind) -> Self {
        match kind {
            ChannelKind::Telegram => Platform::Telegram,
            ChannelKind::Instagram => Platform::Instagram,
            ChannelKind::Messenger => Platform::Messenger,
            ChannelKind::Cloud | ChannelKind::Sandbox | ChannelKind::Web => Platform::Whatsapp,
        }
    }
}

/// The send a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `sendtext`: `textMessage`.
    Text,
    /// `sendmedia`: `mediaUrl` and `mimeType`.
    Media,
    /// `sendtemplate`: the platform's template form.
    Template,
}

impl Action {
    /// The action of a path segment (any letter case).
    pub fn parse(segment: &str) -> Option<Self> {
        match segment.to_ascii_lowercase().as_str() {
            "sendtext" => Some(Action::Text),
            "sendmedia" => Some(Action::Media),
            "sendtemplate" => Some(Action::Template),
            _ => None,
        }
    }
}

/// Who a send goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An existing contact, by its id (`contact.id` or `client.id`).
    Contact(String),
    /// A phone number and name: the contact is created, or the existing one used.
    Recipient {
        /// The number as given.
        phone: String,
        /// The name, when given.
        name: Option<String>,
    },
}

/// A non-empty string field, trimmed.
pub(crate) fn text_field<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, DialectError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim())),
        Some(other) => Err(DialectError::invalid(format!(
            "{name}: must be a string, got {other}"
        ))),
    }
}

/// The `id` of the object `name` (`{"id": "…"}`), if given.
fn object_id(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, DialectError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => match o.get("id") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(DialectError::invalid(format!(
                "{name}.id: must be a string, got {other}"
            ))),
        },
        Some(other) => Err(DialectError::invalid(format!(
            "{name}: must be an object like {{\"id\": \"ct_…\"}}, got {other}"
        ))),
    }
}

/// The channel `location.id` names, if given.
pub fn location_id(fields: &Map<String, Value>) -> Result<Option<String>, DialectError> {
    object_id(fields, "location")
}

/// The recipient: `contact.id`, else `client.id` (a contact id too), else
/// `recepient{phoneNumber, name}` (the document's spelling; `recipient` is accepted too).
pub fn target(fields: &Map<String, Value>) -> Result<Target, DialectError> {
    if let Some(id) = object_id(fields, "contact")? {
        return Ok(Target::Contact(id));
    }
    if let Some(id) = object_id(fields, "client")? {
        return Ok(Target::Contact(id));
    }
    let who = ["recepient", "recipient"]
        .into_iter()
        .find_map(|k| fields.get(k).filter(|v| !v.is_null()).map(|v| (k, v)));
    if let Some((key, value)) = who {
        let Value::Object(o) = value else {
            return Err(DialectError::invalid(format!(
                "{key}: must be an object like {{\"phoneNumber\": \"+12020721369\", \"name\": \"Ana\"}}"
            )));
        };
        let phone = match o.get("phoneNumber") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(DialectError::invalid(format!(
                "{key}.phoneNumber: give the phone number with its country code, e.g. +12020721369"
            )))
            }
        };
        let name = match o.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => None,
        };
        return Ok(Target::Recipient { phone, name });
    }
    Err(DialectError::invalid(
        "give the recipient: contact.id, client.id, or recepient {phoneNumber, name}",
    ))
}

/// A JSON object's fields, for the translation tests.
#[cfg(test)]
pub(crate) fn fields_of(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_target_is_a_contact_a_client_or_a_recipient() {
        let t = |v| target(&map(v));
        assert_eq!(
            t(json!({"contact": {"id": "ct_1"}, "client": {"id": "ct_2"}})),
            Ok(Target::Contact("ct_1".into()))
        );
        assert_eq!(
            t(json!({"contact": {"id": ""}, "client": {"id": "ct_2"}})),
            Ok(Target::Contact("ct_2".into()))
        );
        assert_eq!(
            t(json!({"recepient": {"phoneNumber": "+1 202 072 1369", "name": "Ana"}})),
            Ok(Target::Recipient {
                phone: "+1 202 072 1369".into(),
                name: Some("Ana".into())
            })
        );
        assert_eq!(
            t(json!({"recipient": {"phoneNumber": 12020721369u64}})),
            Ok(Target::Recipient {
                phone: "12020721369".into(),
                name: None
            })
        );
        assert!(t(json!({})).is_err());
        assert!(t(json!({"recepient": {"name": "Ana"}})).is_err());
        assert!(t(json!({"contact": "ct_1"})).is_err());
    }

    #[test]
    fn paths_name_a_platform_and_an_action() {
        assert_eq!(Platform::parse("telegram"), Some(Platform::Telegram));
        assert_eq!(Platform::parse("sms"), None);
        assert_eq!(Action::parse("sendTemplate"), Some(Action::Template));
        assert!(Platform::Whatsapp.has_kind(ChannelKind::Sandbox));
        assert!(!Platform::Whatsapp.has_kind(ChannelKind::Web));
        assert_eq!(Platform::of_kind(ChannelKind::Web), Platform::Whatsapp);
    }
}
