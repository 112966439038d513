//! Bytes as standard base64 strings on the wire.

use std::fmt;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that serialize as a standard (padded) base64 string.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Base64Bytes(pub Bytes);

impl fmt::Debug for Base64Bytes {
    /// Only the length: key material must not reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64Bytes({} bytes)", self.0.len())
    }
}

impl From<Bytes> for Base64Bytes {
    fn from(bytes: Bytes) -> Self {
        Self(bytes)
    }
}

impl From<Vec<u8>> for Base64Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(Bytes::from(bytes))
    }
}

impl From<Base64Bytes> for Bytes {
    fn from(bytes: Base64Bytes) -> Self {
        bytes.0
    }
}

impl From<Base64Bytes> for Vec<u8> {
    fn from(bytes: Base64Bytes) -> Self {
        bytes.0.to_vec()
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Self::from)
            .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
    }
}
