//! Recipients: phone numbers and WhatsApp chat ids, normalized to a [`WaId`].
//!
//! Accepted spellings of one recipient: `+1 202-072-1369`, `12020721369`, `+12020721369`,
//! `12020721369@c.us` (WhatsApp Web chat id) and `12020721369@s.whatsapp.net` (JID, an
//! optional `:device` suffix is dropped). All normalize to `12020721369`.
//!
//! Numbers are checked with the `phonenumber` crate (libphonenumber metadata): the country
//! calling code must exist and the national number must have a *possible* length for it.
//! Numbers are not required to be "valid" (assigned ranges), so WhatsApp test numbers such
//! as `15551230000` are accepted.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// E.164 caps a phone number at 15 digits, country code included.
const MAX_DIGITS: usize = 15;
/// The shortest real international numbers have 7 digits (country code included).
const MIN_DIGITS: usize = 7;

/// A WhatsApp user id: the phone number's digits, country code first, no `+`
/// (e.g. `12020721369`). Only [`parse_recipient`] (or `FromStr`/serde) builds one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WaId(String);

/// Why a recipient could not be understood. The `Display` text is a full sentence that says
/// how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipientError {
    /// Nothing but whitespace was given.
    #[error(
        "the recipient is empty: give a phone number with its country code, e.g. +12020721369"
    )]
    Empty,
    /// A group chat id (`…@g.us`).
    #[error("`{0}` is a group chat: groups are not supported on this channel kind, send to an individual phone number instead")]
    Group(String),
    /// A chat id on a server other than `c.us` / `s.whatsapp.net` (e.g. `@lid`, `@broadcast`).
    #[error("`{0}` is not a supported chat id: use a phone number, `<digits>@c.us` or `<digits>@s.whatsapp.net`")]
    UnsupportedChatId(String),
    /// Letters or other characters that cannot be part of a phone number.
    #[error("`{0}` is not a phone number: only digits, spaces, a leading `+`, `-`, `.` and parentheses are allowed")]
    InvalidCharacters(String),
    /// The number starts with 0, i.e. with a trunk or international prefix instead of a
    /// country code.
    #[error("`{0}` must start with the country calling code (e.g. 1 for the US, 44 for the UK), not with 0")]
    MissingCountryCode(String),
    /// No country uses the leading digits as a calling code.
    #[error("`{0}` does not start with a known country calling code")]
    UnknownCountryCode(String),
    /// Fewer digits than any number of that country.
    #[error("`{0}` is too short for a phone number of its country: give the full number with its country code")]
    TooShort(String),
    /// More digits than any number of that country (or than E.164's 15).
    #[error("`{0}` is too long for a phone number of its country (at most 15 digits with the country code)")]
    TooLong(String),
    /// Between the shortest and the longest length of its country, but not a length in use.
    #[error("`{0}` does not have a possible length for a phone number of its country")]
    InvalidLength(String),
}

impl WaId {
    /// The digits, country code first (e.g. `12020721369`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number in E.164 form, e.g. `+12020721369`.
    pub fn to_e164(&self) -> String {
        format!("+{}", self.0)
    }

    /// The WhatsApp Web chat id, e.g. `12020721369@c.us`.
    pub fn to_chat_id(&self) -> String {
        format!("{}@c.us", self.0)
    }

    /// The multi-device JID, e.g. `12020721369@s.whatsapp.net`.
    pub fn to_jid(&self) -> String {
        format!("{}@s.whatsapp.net", self.0)
    }

    /// An id from digits [`parse_recipient`] already normalized (kept as a string by a parsed
    /// message).
    pub(crate) fn from_normalized(digits: String) -> Self {
        WaId(digits)
    }

    /// Consumes the id, returning its digits.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for WaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for WaId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for WaId {
    type Err = RecipientError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_recipient(s)
    }
}

impl TryFrom<String> for WaId {
    type Error = RecipientError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        parse_recipient(&s)
    }
}

impl From<WaId> for String {
    fn from(id: WaId) -> Self {
        id.0
    }
}

/// Parses a recipient written as a phone number or a WhatsApp chat id into a [`WaId`].
///
/// Never panics; every refusal says what to change.
pub fn parse_recipient(input: &str) -> Result<WaId, RecipientError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(RecipientError::Empty);
    }
    let digits = match trimmed.rsplit_once('@') {
        Some((user, server)) => chat_id_digits(trimmed, user, server)?,
        None => phone_digits(trimmed)?,
    };
    normalize(trimmed, &digits)
}

/// The digits of the user part of a chat id `user@server`.
fn chat_id_digits(input: &str, user: &str, server: &str) -> Result<String, RecipientError> {
    let user = match server.to_ascii_lowercase().as_str() {
        "c.us" => user,
        // A JID may carry a device suffix: `12020721369:12@s.whatsapp.net`.
        "s.whatsapp.net" => user.split_once(':').map_or(user, |(u, _)| u),
        "g.us" => return Err(RecipientError::Group(input.to_string())),
        _ => return Err(RecipientError::UnsupportedChatId(input.to_string())),
    };
    if user.is_empty() || !user.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RecipientError::InvalidCharacters(input.to_string()));
    }
    Ok(user.to_string())
}

/// The digits of a phone number written with the usual separators and an optional `+`.
fn phone_digits(input: &str) -> Result<String, RecipientError> {
    let rest = input.strip_prefix('+').unwrap_or(input);
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '\t' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return Err(RecipientError::InvalidCharacters(input.to_string())),
        }
    }
    if digits.is_empty() {
        return Err(RecipientError::InvalidCharacters(input.to_string()));
    }
    Ok(digits)
}

/// Checks `digits` (country code first) against the numbering plan and returns the E.164
/// digits. A result that differs from `digits` (libphonenumber dropped a trunk prefix) is
/// kept only when it normalizes to itself, so normalization is idempotent.
fn normalize(input: &str, digits: &str) -> Result<WaId, RecipientError> {
    let first = normalize_digits(input, digits)?;
    if first != digits && normalize_digits(input, &first).as_ref() != Ok(&first) {
        return Err(RecipientError::InvalidLength(input.to_string()));
    }
    Ok(WaId(first))
}

/// One normalization step of [`normalize`].
fn normalize_digits(input: &str, digits: &str) -> Result<String, RecipientError> {
    let input = input.to_string();
    if digits.starts_with('0') {
        return Err(RecipientError::MissingCountryCode(input));
    }
    if digits.len() > MAX_DIGITS {
        return Err(RecipientError::TooLong(input));
    }
    if digits.len() < MIN_DIGITS {
        return Err(RecipientError::TooShort(input));
    }
    // Fast path: digits already in E.164 form (a known calling code followed by a national
    // number of a possible length, not starting with a trunk `0`) are the WhatsApp id as
    // written. A national number starting with 0 goes to libphonenumber, which knows where
    // the 0 is a trunk prefix to drop (`+49 030…`) and where it belongs (`+39 06…`).
    let Some((code, national)) = split_calling_code(digits) else {
        return Err(RecipientError::UnknownCountryCode(input));
    };
    if !national.starts_with('0')
        && table()
            .get(&code)
            .is_some_and(|lengths| lengths.contains(&len16(national)))
    {
        return Ok(digits.to_string());
    }
    // Slow path: let libphonenumber normalize (e.g. a trunk `0` written after the country
    // code) and tell what is wrong.
    let number = match phonenumber::parse(None, format!("+{digits}")) {
        Ok(n) => n,
        Err(phonenumber::ParseError::InvalidCountryCode) => {
            return Err(RecipientError::UnknownCountryCode(input))
        }
        Err(phonenumber::ParseError::TooLong) => return Err(RecipientError::TooLong(input)),
        Err(_) => return Err(RecipientError::TooShort(input)),
    };
    let code = number.code().value();
    let national = number.national().to_string();
    let lengths = table().get(&code).map(Vec::as_slice).unwrap_or_default();
    let Some((&min, &max)) = lengths.first().zip(lengths.last()) else {
        return Err(RecipientError::UnknownCountryCode(input));
    };
    let len = len16(&national);
    if len < min {
        return Err(RecipientError::TooShort(input));
    }
    if len > max {
        return Err(RecipientError::TooLong(input));
    }
    if !lengths.contains(&len) {
        return Err(RecipientError::InvalidLength(input));
    }
    let wa_id = format!("{code}{national}");
    if wa_id.len() > MAX_DIGITS {
        return Err(RecipientError::TooLong(input));
    }
    if wa_id.len() < MIN_DIGITS {
        return Err(RecipientError::TooShort(input));
    }
    Ok(wa_id)
}

fn len16(s: &str) -> u16 {
    u16::try_from(s.len()).unwrap_or(u16::MAX)
}

/// Splits `digits` into a known country calling code and the national number. Calling
/// codes are prefix-free (ITU-T E.164), so at most one of the 1-, 2- and 3-digit prefixes
/// is a code.
fn split_calling_code(digits: &str) -> Option<(u16, &str)> {
    (1..=3).find_map(|n| {
        let code: u16 = digits.get(..n)?.parse().ok()?;
        table()
            .contains_key(&code)
            .then(|| (code, digits.get(n..).unwrap_or_default()))
    })
}

/// For every calling code, the national-number lengths possible for any region sharing it,
/// sorted and deduplicated; built once from the libphonenumber metadata.
fn table() -> &'static HashMap<u16, Vec<u16>> {
    static TABLE: OnceLock<HashMap<u16, Vec<u16>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<u16, Vec<u16>> = HashMap::new();
        for meta in phonenumber::metadata::DATABASE.iter() {
            let d = meta.descriptors();
            let lengths = table.entry(meta.country_code()).or_default();
            for desc in [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ]
            .into_iter()
            .flatten()
            {
                lengths.extend_from_slice(desc.possible_length());
            }
        }
        table.retain(|_, lengths| {
            lengths.sort_unstable();
            lengths.dedup();
            !lengths.is_empty()
        });
        table
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        match parse_recipient(input) {
            Ok(id) => id.into_string(),
            Err(e) => panic!("{input:?} refused: {e}"),
        }
    }

    #[test]
    fn accepts_every_spelling() {
        for input in [
            "+1 202-072-1369",
            "12020721369",
            "+12020721369",
            "12020721369@c.us",
            "12020721369@s.whatsapp.net",
            "12020721369:7@s.whatsapp.net",
            " +1 (202) 072.1369 ",
        ] {
            assert_eq!(ok(input), "12020721369", "{input}");
        }
    }

    #[test]
    fn accepts_test_numbers_and_other_countries() {
        assert_eq!(ok("15551230000"), "15551230000");
        assert_eq!(ok("15550001111"), "15550001111");
        assert_eq!(ok("+16505551234"), "16505551234");
        assert_eq!(ok("+44 20 7946 0958"), "442079460958");
        assert_eq!(ok("+49 30 123456"), "4930123456");
        assert_eq!(ok("+39 06 6982 1234"), "390669821234");
        assert_eq!(ok("+91 98765 43210"), "919876543210");
        assert_eq!(ok("+55 11 91234-5678"), "5511912345678");
        // A trunk 0 written after the country code is dropped.
        assert_eq!(ok("+44 (0)20 7946 0958"), "442079460958");
        assert_eq!(ok("442079460958"), "442079460958");
        assert_eq!(ok("+49 030 123456"), "4930123456");
        assert_eq!(ok("390669821234"), "390669821234");
    }

    #[test]
    fn refuses_bad_numbers() {
        let err = |s: &str| parse_recipient(s).err();
        assert_eq!(err(""), Some(RecipientError::Empty));
        assert_eq!(err("   "), Some(RecipientError::Empty));
        assert!(matches!(
            err("1202abc1369"),
            Some(RecipientError::InvalidCharacters(_))
        ));
        assert!(matches!(
            err("+"),
            Some(RecipientError::InvalidCharacters(_))
        ));
        assert!(matches!(
            err("1+2020721369"),
            Some(RecipientError::InvalidCharacters(_))
        ));
        assert!(matches!(
            err("0012020721369"),
            Some(RecipientError::MissingCountryCode(_))
        ));
        assert!(matches!(err("1202"), Some(RecipientError::TooShort(_))));
        assert!(matches!(err("1234567"), Some(RecipientError::TooShort(_))));
        assert!(matches!(
            err("1202072136"),
            Some(RecipientError::InvalidLength(_))
        ));
        assert!(matches!(
            err("120207213699"),
            Some(RecipientError::TooLong(_))
        ));
        assert!(matches!(
            err("1234567890123456"),
            Some(RecipientError::TooLong(_))
        ));
        assert!(matches!(
            err("+999 1234 5678"),
            Some(RecipientError::UnknownCountryCode(_))
        ));
        assert!(matches!(
            err("12020721369@lid"),
            Some(RecipientError::UnsupportedChatId(_))
        ));
        assert!(matches!(
            err("@c.us"),
            Some(RecipientError::InvalidCharacters(_))
        ));
    }

    #[test]
    fn groups_are_refused_with_a_clear_message() {
        let e = parse_recipient("120363025246125486@g.us").err();
        assert!(matches!(e, Some(RecipientError::Group(_))));
        let text = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("groups are not supported on this channel kind"),
            "{text}"
        );
    }

    #[test]
    fn renders_every_form() {
        let id = parse_recipient("+1 202-072-1369").expect("valid");
        assert_eq!(id.to_e164(), "+12020721369");
        assert_eq!(id.to_chat_id(), "12020721369@c.us");
        assert_eq!(id.to_jid(), "12020721369@s.whatsapp.net");
        assert_eq!(id.to_string(), "12020721369");
        let json = serde_json::to_string(&id).expect("serializes");
        assert_eq!(json, "\"12020721369\"");
        let back: WaId = serde_json::from_str("\"+1 202 072 1369\"").expect("deserializes");
        assert_eq!(back, id);
        assert!(serde_json::from_str::<WaId>("\"abc\"").is_err());
    }
}
