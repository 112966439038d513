//! API keys: random secrets shown once, stored as SHA-256 hashes, scoped to an account or a
//! channel and to a permission level.
//!
//! A key's text is `sb_` + the 26 base32 characters of its id + 64 hex characters of secret,
//! so the server can find the key by id and then compare the secret's hash in constant time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::id::{AccountId, ChannelId, KeyId};
use crate::secret::random_hex;
use crate::time::Millis;

/// What a key may do; each level includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// List and read resources.
    Read,
    /// Read, and send messages.
    Send,
    /// Everything: create, change and delete resources.
    Manage,
}

impl Permission {
    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Send => "send",
            Permission::Manage => "manage",
        }
    }

    /// Whether a key with this permission may do something that needs `needed`.
    pub fn allows(self, needed: Permission) -> bool {
        self >= needed
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Permission::Read),
            "send" => Ok(Permission::Send),
            "manage" => Ok(Permission::Manage),
            other => Err(format!(
                "unknown permission `{other}`: use read, send or manage"
            )),
        }
    }
}

/// A stored API key (never holds the secret, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Its id (`key_…`).
    pub id: KeyId,
    /// The account it belongs to.
    pub account_id: AccountId,
    /// A label chosen by its creator.
    pub name: String,
    /// The permission level.
    pub permission: Permission,
    /// Set when the key is limited to one channel.
    pub channel_id: Option<ChannelId>,
    /// Hex SHA-256 of the secret part.
    pub secret_hash: String,
    /// Creation time.
    pub created_at: Millis,
    /// Set once the key is revoked.
    pub revoked_at: Option<Millis>,
    /// When it last authenticated a request, recorded at most once a minute per node.
    pub last_used_at: Option<Millis>,
}

/// A freshly generated key: its id, the full token to hand out once, and the hash to store.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// The key's id.
    pub id: KeyId,
    /// The full secret token, shown to the user once.
    pub token: String,
    /// Hex SHA-256 of the secret part, to store.
    pub secret_hash: String,
}

const KEY_PREFIX: &str = "sb_";
const ID_CHARS: usize = 26;
const SECRET_BYTES: usize = 32;

/// Generates a new API key with 256 bits of randomness.
pub fn generate_key() -> GeneratedKey {
    let id = KeyId::new();
    let secret = random_hex(SECRET_BYTES);
    let id_text = id.to_string();
    let id_body = id_text.trim_start_matches("key_");
    GeneratedKey {
        id,
        token: format!("{KEY_PREFIX}{id_body}{secret}"),
        secret_hash: hash_secret(&secret),
    }
}

/// Splits a presented token into the key id and the secret part; `None` if it is not shaped
/// like one of our keys.
pub fn split_token(token: &str) -> Option<(KeyId, &str)> {
    let rest = token.strip_prefix(KEY_PREFIX)?;
    if rest.len() != ID_CHARS + 2 * SECRET_BYTES || !rest.is_ascii() {
        return None;
    }
    let (id_body, secret) = rest.split_at(ID_CHARS);
    let id = format!("key_{id_body}").parse().ok()?;
    Some((id, secret))
}

/// Hex SHA-256 of a secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares a presented secret with a stored hash in constant time.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    let presented = hash_secret(secret);
    presented.as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// Generates an admin key (`sba_` + 64 hex characters).
pub fn generate_admin_key() -> String {
    format!("sba_{}", random_hex(SECRET_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_split_back_to_their_id_and_match_their_hash() {
        let key = generate_key();
        assert!(key.token.starts_with("sb_"));
        let (id, secret) = split_token(&key.token).unwrap();
        assert_eq!(id, key.id);
        assert!(secret_matches(secret, &key.secret_hash));
        assert!(!secret_matches("0".repeat(64).as_str(), &key.secret_hash));
    }

    #[test]
    fn malformed_tokens_are_not_split() {
        assert!(split_token("").is_none());
        assert!(split_token("sb_short").is_none());
        assert!(split_token(&format!("xx_{}", "a".repeat(90))).is_none());
        let key = generate_key();
        assert!(split_token(&key.token[..key.token.len() - 1]).is_none());
    }

    #[test]
    fn two_keys_differ() {
        assert_ne!(generate_key().token, generate_key().token);
    }

    #[test]
    fn permission_levels_include_lower_ones() {
        assert!(Permission::Manage.allows(Permission::Send));
        assert!(Permission::Send.allows(Permission::Read));
        assert!(!Permission::Read.allows(Permission::Send));
        assert_eq!("manage".parse::<Permission>().unwrap(), Permission::Manage);
        assert!("admin".parse::<Permission>().is_err());
    }
}
