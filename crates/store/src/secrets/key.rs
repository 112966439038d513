//! One 32-byte AES-256-GCM key: read from base64 or hex text, generated, and named by a key
//! id (the first 8 hex digits of the SHA-256 of the key), which sealed values carry.

use aes_gcm::aead::{KeyInit, OsRng};
use aes_gcm::Aes256Gcm;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Length of a key in bytes.
pub const KEY_BYTES: usize = 32;

/// Why a key's text is not a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The text is neither 64 hex digits nor the base64 of 32 bytes.
    #[error("a secret key is 32 bytes written as 64 hex digits or as base64 (44 characters); this one is neither")]
    Malformed,
}

/// An AES-256-GCM key with its id. Its `Debug` form shows only the id.
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; KEY_BYTES],
    id: String,
    cipher: Aes256Gcm,
}

impl SecretKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> SecretKey {
        let generated = Aes256Gcm::generate_key(&mut OsRng);
        let mut bytes = [0u8; KEY_BYTES];
        bytes.copy_from_slice(&generated);
        SecretKey::from_bytes(bytes)
    }

    /// Reads a key written as 64 hex digits or as standard base64 of 32 bytes (surrounding
    /// white space ignored).
    pub fn parse(text: &str) -> Result<SecretKey, KeyError> {
        let text = text.trim();
        let decoded = if text.len() == 2 * KEY_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit())
        {
            decode_hex(text)
        } else {
            base64::engine::general_purpose::STANDARD.decode(text).ok()
        };
        let bytes: [u8; KEY_BYTES] = decoded
            .and_then(|d| d.try_into().ok())
            .ok_or(KeyError::Malformed)?;
        Ok(SecretKey::from_bytes(bytes))
    }

    fn from_bytes(bytes: [u8; KEY_BYTES]) -> SecretKey {
        let digest = Sha256::digest(bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let cipher = Aes256Gcm::new(&bytes.into());
        SecretKey { bytes, id, cipher }
    }

    /// The key id: 8 hex digits that name the key in sealed values and messages.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key as standard base64, the form key files hold.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.bytes)
    }

    /// The cipher of this key.
    pub(crate) fn cipher(&self) -> &Aes256Gcm {
        &self.cipher
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id)
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_base64_and_hex_and_refuses_the_rest() {
        let key = SecretKey::generate();
        let again = SecretKey::parse(&format!(" {}\n", key.to_base64())).unwrap();
        assert_eq!(again.id(), key.id());
        let hex: String = key.bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(SecretKey::parse(&hex).unwrap().id(), key.id());
        assert!(SecretKey::parse("").is_err());
        assert!(SecretKey::parse("not a key").is_err());
        assert!(SecretKey::parse(&hex[..62]).is_err());
        assert!(SecretKey::parse("c2hvcnQ=").is_err());
        assert_eq!(format!("{key:?}"), format!("SecretKey({})", key.id()));
    }
}
