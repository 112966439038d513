//! WhatsApp addresses (JIDs): `<number>@s.whatsapp.net` for a person, `<id>@g.us` for a group,
//! `<n>@lid` for a person known by their LID, with an optional `:<device>` on the user part.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The server of people's phone-number JIDs.
pub const USER_SERVER: &str = "s.whatsapp.net";
/// The server of group JIDs.
pub const GROUP_SERVER: &str = "g.us";
/// The server of LID JIDs (people known by a hidden id).
pub const LID_SERVER: &str = "lid";
/// The legacy server of people's JIDs (`…@c.us`), read as [`USER_SERVER`].
pub const LEGACY_USER_SERVER: &str = "c.us";

/// Why a text is not a JID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a WhatsApp address: use a phone number with its country code, `<number>@s.whatsapp.net`, `<group id>@g.us` or `<id>@lid`")]
pub struct JidError(pub String);

/// A parsed WhatsApp address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Jid {
    user: String,
    device: Option<u16>,
    server: String,
}

impl Jid {
    /// A person's JID from a phone number (digits, optionally with `+`, spaces or dashes).
    pub fn from_phone(number: &str) -> Result<Self, JidError> {
        let digits: String = number
            .chars()
            .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
            .collect();
        if digits.len() < 6 || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(JidError(number.to_string()));
        }
        Ok(Self {
            user: digits,
            device: None,
            server: USER_SERVER.to_string(),
        })
    }

    /// Parses `user[:device]@server`, or a bare phone number. `@c.us` reads as
    /// `@s.whatsapp.net`.
    pub fn parse(text: &str) -> Result<Self, JidError> {
        let Some((user, server)) = text.split_once('@') else {
            return Self::from_phone(text);
        };
        let bad = || JidError(text.to_string());
        let server = match server {
            LEGACY_USER_SERVER | USER_SERVER => USER_SERVER,
            GROUP_SERVER => GROUP_SERVER,
            LID_SERVER => LID_SERVER,
            _ => return Err(bad()),
        };
        let (user, device) = match user.split_once(':') {
            Some((user, device)) => (user, Some(device.parse::<u16>().map_err(|_| bad())?)),
            None => (user, None),
        };
        let valid_user = match server {
            GROUP_SERVER => {
                !user.is_empty()
                    && user.len() <= 64
                    && user.bytes().all(|b| b.is_ascii_digit() || b == b'-')
            }
            _ => !user.is_empty() && user.len() <= 20 && user.bytes().all(|b| b.is_ascii_digit()),
        };
        if !valid_user || (device.is_some() && server == GROUP_SERVER) {
            return Err(bad());
        }
        Ok(Self {
            user: user.to_string(),
            device,
            server: server.to_string(),
        })
    }

    /// The user part: a phone number, a group id or a LID number.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The device number, for a device JID.
    pub fn device(&self) -> Option<u16> {
        self.device
    }

    /// The server part.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Whether it is a group.
    pub fn is_group(&self) -> bool {
        self.server == GROUP_SERVER
    }

    /// Whether it is a LID (a person whose phone number is hidden).
    pub fn is_lid(&self) -> bool {
        self.server == LID_SERVER
    }

    /// The phone number, for a person's phone-number JID.
    pub fn phone_number(&self) -> Option<&str> {
        (self.server == USER_SERVER).then_some(self.user.as_str())
    }

    /// The same address without its device (`2349040613521@s.whatsapp.net`).
    pub fn to_non_device(&self) -> Self {
        Self {
            device: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.device {
            Some(d) => write!(f, "{}:{}@{}", self.user, d, self.server),
            None => write!(f, "{}@{}", self.user, self.server),
        }
    }
}

impl TryFrom<String> for Jid {
    type Error = JidError;
    fn try_from(text: String) -> Result<Self, JidError> {
        Jid::parse(&text)
    }
}

impl From<Jid> for String {
    fn from(jid: Jid) -> String {
        jid.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_people_groups_lids_and_devices() {
        let p = Jid::parse("2349040613521@s.whatsapp.net").expect("person");
        assert_eq!(p.phone_number(), Some("2349040613521"));
        let d = Jid::parse("2349040613521:8@s.whatsapp.net").expect("device");
        assert_eq!(d.device(), Some(8));
        assert_eq!(d.to_string(), "2349040613521:8@s.whatsapp.net");
        assert_eq!(d.to_non_device(), p);
        let g = Jid::parse("120363025246125888@g.us").expect("group");
        assert!(g.is_group() && g.phone_number().is_none());
        let old = Jid::parse("1203630-1612345678@g.us").expect("old group id");
        assert!(old.is_group());
        assert!(Jid::parse("99887766@lid").expect("lid").is_lid());
        assert_eq!(
            Jid::parse("15551234567@c.us").expect("legacy"),
            Jid::parse("15551234567").expect("number")
        );
        assert_eq!(
            Jid::from_phone("+1 555-123-4567")
                .expect("formatted")
                .user(),
            "15551234567"
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "hello",
            "123",
            "abc@s.whatsapp.net",
            "1555@example.com",
            "1555:x@s.whatsapp.net",
            "12036302:3@g.us",
            "@g.us",
        ] {
            assert!(Jid::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
