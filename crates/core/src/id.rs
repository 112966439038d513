//! Typed, prefixed, time-sortable identifiers (`acc_…`, `ch_…`, `msg_…`).
//!
//! Underneath every id is a UUID v7; it is rendered as its prefix, an underscore and the
//! 128 bits in 26 characters of Crockford base32 (the TypeID layout), so ids sort by
//! creation time both as strings and as UUIDs.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const ENCODED_LEN: usize = 26;

/// The kind of thing an id names; fixes its prefix.
pub trait IdMarker: Copy + Clone + Eq + Ord + std::hash::Hash + Send + Sync + 'static {
    /// Prefix written before the underscore, e.g. `msg`.
    const PREFIX: &'static str;
}

/// An identifier of kind `K`: a UUID v7 shown with `K::PREFIX`.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id<K: IdMarker> {
    uuid: Uuid,
    kind: PhantomData<K>,
}

/// Why a string is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The prefix before `_` is not the expected one.
    #[error("expected an id starting with `{expected}_`")]
    WrongPrefix {
        /// The prefix the caller expected.
        expected: &'static str,
    },
    /// The part after the prefix is not 26 characters of base32.
    #[error("malformed id: expected `{expected}_` followed by 26 base32 characters")]
    Malformed {
        /// The prefix the caller expected.
        expected: &'static str,
    },
}

impl<K: IdMarker> Id<K> {
    /// A new id for the current instant.
    pub fn new() -> Self {
        Self::from_uuid(Uuid::now_v7())
    }

    /// Wraps an existing UUID.
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            kind: PhantomData,
        }
    }

    /// The UUID underneath.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }
}

impl<K: IdMarker> Default for Id<K> {
    fn default() -> Self {
        Self::new()
    }
}

fn encode(value: u128) -> [u8; ENCODED_LEN] {
    let mut out = [0u8; ENCODED_LEN];
    // 26 characters × 5 bits = 130 bits; the first character carries the top 3 bits.
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (ENCODED_LEN - 1 - i);
        let index = ((value >> shift) & 0x1f) as usize;
        *slot = ALPHABET[index];
    }
    out
}

fn decode(text: &str) -> Option<u128> {
    if text.len() != ENCODED_LEN {
        return None;
    }
    let mut value: u128 = 0;
    for (i, byte) in text.bytes().enumerate() {
        let digit = ALPHABET.iter().position(|c| *c == byte)? as u128;
        if i == 0 && digit > 7 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(value)
}

impl<K: IdMarker> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encoded = encode(self.uuid.as_u128());
        // The alphabet is ASCII, so the buffer is valid UTF-8.
        let text = std::str::from_utf8(&encoded).map_err(|_| fmt::Error)?;
        write!(f, "{}_{}", K::PREFIX, text)
    }
}

impl<K: IdMarker> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<K: IdMarker> FromStr for Id<K> {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s
            .strip_prefix(K::PREFIX)
            .and_then(|r| r.strip_prefix('_'))
            .ok_or(IdError::WrongPrefix {
                expected: K::PREFIX,
            })?;
        let value = decode(rest).ok_or(IdError::Malformed {
            expected: K::PREFIX,
        })?;
        Ok(Self::from_uuid(Uuid::from_u128(value)))
    }
}

impl<K: IdMarker> Serialize for Id<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, K: IdMarker> Deserialize<'de> for Id<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

macro_rules! id_kind {
    ($(#[$doc:meta])* $kind:ident, $alias:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $kind;
        impl IdMarker for $kind {
            const PREFIX: &'static str = $prefix;
        }
        $(#[$doc])*
        pub type $alias = Id<$kind>;
    };
}

id_kind!(/// An account (tenant).
    AccountMarker, AccountId, "acc");
id_kind!(/// An API key.
    KeyMarker, KeyId, "key");
id_kind!(/// A channel: one upstream number or bot.
    ChannelMarker, ChannelId, "ch");
id_kind!(/// A message, inbound or outbound.
    MessageMarker, MessageId, "msg");
id_kind!(/// An event in the event log.
    EventMarker, EventId, "evt");
id_kind!(/// A contact of an account.
    ContactMarker, ContactId, "ct");
id_kind!(/// A contact import job (a spooled CSV processed in the background).
    ContactImportMarker, ContactImportId, "imp");
id_kind!(/// A webhook subscription.
    SubscriptionMarker, SubscriptionId, "sub");
id_kind!(/// One webhook delivery (an event for a subscription).
    DeliveryMarker, DeliveryId, "dlv");
id_kind!(/// A message template of a channel (one name in one language).
    TemplateMarker, TemplateId, "tpl");
id_kind!(/// An uploaded or received media file.
    MediaMarker, MediaId, "med");
id_kind!(/// A bot keyword rule of a channel.
    RuleMarker, RuleId, "rule");
id_kind!(/// One entry of a channel's bot decision log (what the bot did with one inbound message).
    BotDecisionMarker, BotDecisionId, "bdec");
id_kind!(/// A broadcast: one message to an audience of targets.
    BroadcastMarker, BroadcastId, "bc");
id_kind!(/// An HTTP request, for correlating logs and errors.
    RequestMarker, RequestId, "req");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = MessageId::new();
        let text = id.to_string();
        assert!(text.starts_with("msg_"));
        assert_eq!(text.len(), 4 + ENCODED_LEN);
        assert_eq!(text.parse::<MessageId>().unwrap(), id);
    }

    #[test]
    fn rejects_other_prefixes_and_garbage() {
        let id = ChannelId::new().to_string();
        assert!(matches!(
            id.parse::<MessageId>(),
            Err(IdError::WrongPrefix { expected: "msg" })
        ));
        assert!("ch_short".parse::<ChannelId>().is_err());
        assert!("ch_zzzzzzzzzzzzzzzzzzzzzzzzzz"
            .parse::<ChannelId>()
            .is_err());
        assert!("ch_0000000000000000000000000u"
            .parse::<ChannelId>()
            .is_err());
    }

    #[test]
    fn sorts_by_creation_time_as_text() {
        let ids: Vec<String> = (0..200).map(|_| MessageId::new().to_string()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn serde_uses_the_text_form() {
        let id = AccountId::new();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        let back: AccountId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<AccountId>("\"key_x\"").is_err());
    }
}
