//! A recipient address in a channel's address form (what `to` holds).
//!
//! WhatsApp kinds normalize `to` to a [`WaId`](crate::recipient::WaId) exactly as
//! [`parse_recipient`] does; the other kinds keep the address as given, checked against
//! their [`AddressForm`]: a Telegram `chat_id` may be a JSON integer or a string (an integer
//! becomes its decimal string, so `-100123` and `"-100123"` are one chat), or
//! `@channelusername`; a Messenger PSID or an Instagram IGSID is digits.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::channel::capability::AddressForm;
use crate::recipient::parse_recipient;

/// A recipient address, normalized in its channel's form. Only [`Address::parse`] builds one
/// from input; for WhatsApp forms it holds the `wa_id` digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    /// Reads `to` in the address form `form`; `Err` is a sentence saying what `to` must be.
    pub fn parse(form: AddressForm, to: &Value) -> Result<Address, String> {
        let text = match (form, to) {
            (_, Value::String(s)) => s.trim().to_string(),
            (
                AddressForm::TelegramChat | AddressForm::Psid | AddressForm::Igsid,
                Value::Number(n),
            ) if n.is_i64() || n.is_u64() => n.to_string(),
            _ => return Err(format!("must be {}", form.describe())),
        };
        match form {
            AddressForm::WaId => parse_recipient(&text)
                .map(|w| Address(w.into_string()))
                .map_err(|e| e.to_string()),
            AddressForm::WaIdOrGroup => match parse_recipient(&text) {
                Ok(w) => Ok(Address(w.into_string())),
                Err(_) if form.accepts(&text) => Ok(Address(text)),
                Err(e) => Err(e.to_string()),
            },
            AddressForm::TelegramChat => {
                let normalized = match text.parse::<i64>() {
                    Ok(id) => id.to_string(),
                    Err(_) => text.clone(),
                };
                if form.accepts(&normalized) {
                    Ok(Address(normalized))
                } else {
                    Err(format!("`{text}` is not {}", form.describe()))
                }
            }
            AddressForm::Psid | AddressForm::Igsid => {
                if form.accepts(&text) {
                    Ok(Address(text))
                } else {
                    Err(format!("`{text}` is not {}", form.describe()))
                }
            }
        }
    }

    /// An address already normalized (read back from the store or an upstream).
    pub fn from_normalized(address: impl Into<String>) -> Self {
        Address(address.into())
    }

    /// The address as stored and sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the address, returning its text.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Address {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whatsapp_addresses_are_normalized_wa_ids() {
        let a = Address::parse(AddressForm::WaId, &json!("+1 650-555-1234")).expect("wa");
        assert_eq!(a.as_str(), "16505551234");
        assert!(Address::parse(AddressForm::WaId, &json!(16505551234_i64)).is_err());
        assert!(Address::parse(AddressForm::WaId, &json!("abc")).is_err());
    }

    #[test]
    fn telegram_chat_ids_are_integers_or_usernames() {
        let p = |v: Value| Address::parse(AddressForm::TelegramChat, &v);
        assert_eq!(p(json!(123456789)).expect("n").as_str(), "123456789");
        assert_eq!(
            p(json!(-1001234567890_i64)).expect("g").as_str(),
            "-1001234567890"
        );
        assert_eq!(p(json!("-42")).expect("s").as_str(), "-42");
        assert_eq!(p(json!("+42")).expect("plus").as_str(), "42");
        assert_eq!(p(json!("@my_channel")).expect("u").as_str(), "@my_channel");
        let err = p(json!("chat")).expect_err("refused");
        assert!(err.contains("chat_id"), "{err}");
        assert!(p(json!(0)).is_err());
        assert!(p(json!(1.5)).is_err());
        assert!(p(json!(true)).is_err());
    }

    #[test]
    fn messages_read_to_in_the_form_given() {
        use crate::message::parse_message_to;
        let body = |to: Value| json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "hi"}});
        let m = parse_message_to(&body(json!(-100123)), AddressForm::TelegramChat).expect("tg");
        assert_eq!(m.address.as_str(), "-100123");
        assert_eq!(m.to_input, "-100123");
        assert_eq!(m.body["to"], "-100123");
        let err = parse_message_to(&body(json!("nobody")), AddressForm::TelegramChat)
            .expect_err("refused");
        assert_eq!(err.path, "to");
        assert!(err.details.contains("chat_id"), "{}", err.details);
        let err = parse_message_to(&body(json!(16505551234_i64)), AddressForm::WaId)
            .expect_err("a number is no wa_id");
        assert_eq!(err.path, "to");
    }

    #[test]
    fn page_scoped_ids_are_digits() {
        assert!(Address::parse(AddressForm::Psid, &json!("6543210987654321")).is_ok());
        assert!(Address::parse(AddressForm::Igsid, &json!("ig-1")).is_err());
        assert!(
            Address::parse(AddressForm::WaIdOrGroup, &json!("120363025246125486@g.us")).is_ok()
        );
    }
}
