//! The keys of a store: the current key, which seals, and older keys, which still open what
//! they sealed until every value is sealed again under the current key.

use std::sync::Arc;

use aes_gcm::aead::{Aead, AeadCore, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;

use super::fields::Secrets;
use super::key::SecretKey;
use crate::{StoreError, StoreResult};

/// Prefix of a sealed value.
const PREFIX: &str = "enc:v1:";
/// Length of an AES-GCM nonce.
const NONCE_BYTES: usize = 12;

/// The current key and the older keys still accepted. Cloning shares the keys.
#[derive(Clone, Debug)]
pub struct Keyring {
    /// The current key first, then the older ones.
    keys: Arc<[SecretKey]>,
}

impl Keyring {
    /// A keyring sealing with `current` and opening with it and `old`.
    pub fn new(current: SecretKey, old: Vec<SecretKey>) -> Keyring {
        let keys: Vec<SecretKey> = std::iter::once(current).chain(old).collect();
        Keyring { keys: keys.into() }
    }

    /// The key that seals.
    pub fn current(&self) -> &SecretKey {
        &self.keys[0]
    }

    /// Seals `plain` as the field `aad` names (`table/row id/field`).
    pub fn seal(&self, plain: &str, aad: &str) -> StoreResult<String> {
        let key = self.current();
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: aad.as_bytes(),
        };
        let sealed = key
            .cipher()
            .encrypt(&nonce, payload)
            .map_err(|_| StoreError::Secret(format!("cannot seal the secret {aad}")))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
        Ok(format!("{PREFIX}{}:{text}", key.id()))
    }

    /// Opens a stored value of the field `aad` names. A value that is not sealed (written
    /// before secrets were encrypted) reads as it is.
    pub fn open(&self, stored: &str, aad: &str) -> StoreResult<String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let corrupt = || StoreError::Corrupt(format!("the sealed secret {aad} is malformed"));
        let (id, text) = rest.split_once(':').ok_or_else(corrupt)?;
        let key = self.keys.iter().find(|k| k.id() == id).ok_or_else(|| {
            StoreError::Secret(format!(
                "the secret {aad} was sealed with key {id}, which is not in the keyring (current key {}); start with that key, or list its file in secrets.old_key_files",
                self.current().id()
            ))
        })?;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text)
            .map_err(|_| corrupt())?;
        if bytes.len() < NONCE_BYTES {
            return Err(corrupt());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: sealed,
            aad: aad.as_bytes(),
        };
        let plain = key
            .cipher()
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| {
                StoreError::Secret(format!(
                    "the secret {aad} does not open with key {id}: it was altered or moved from another row"
                ))
            })?;
        String::from_utf8(plain).map_err(|_| corrupt())
    }

    /// Whether `stored` is sealed under the current key.
    fn is_current(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(id, _)| id == self.current().id())
    }

    /// A copy of `record` with its secret fields sealed.
    pub(crate) fn sealed<T: Secrets + Clone>(&self, record: &T) -> StoreResult<T> {
        let mut record = record.clone();
        let id = record.row_id();
        for (field, value) in record.secret_fields() {
            *value = self.seal(value, &aad(T::TABLE, &id, field))?;
        }
        Ok(record)
    }

    /// `record` (as read) with its secret fields opened.
    pub(crate) fn open_record<T: Secrets>(&self, mut record: T) -> StoreResult<T> {
        let id = record.row_id();
        for (field, value) in record.secret_fields() {
            *value = self.open(value, &aad(T::TABLE, &id, field))?;
        }
        Ok(record)
    }

    /// `records` (as read) with their secret fields opened.
    pub(crate) fn open_records<T: Secrets>(&self, records: Vec<T>) -> StoreResult<Vec<T>> {
        records.into_iter().map(|r| self.open_record(r)).collect()
    }

    /// `record` (as read), if there is one, with its secret fields opened.
    pub(crate) fn open_found<T: Secrets>(&self, record: Option<T>) -> StoreResult<Option<T>> {
        record.map(|r| self.open_record(r)).transpose()
    }

    /// `record` (as read) sealed again under the current key, or `None` when every secret
    /// field of it already is.
    pub(crate) fn resealed<T: Secrets>(&self, mut record: T) -> StoreResult<Option<T>> {
        let id = record.row_id();
        let mut changed = false;
        for (field, value) in record.secret_fields() {
            if !self.is_current(value) {
                let aad = aad(T::TABLE, &id, field);
                *value = self.seal(&self.open(value, &aad)?, &aad)?;
                changed = true;
            }
        }
        Ok(changed.then_some(record))
    }
}

/// The associated data of a sealed field: its table, row id and name.
fn aad(table: &str, id: &str, field: &str) -> String {
    format!("{table}/{id}/{field}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const AAD: &str = "channels/ch_1/bot_token";

    fn ring() -> Keyring {
        Keyring::new(SecretKey::generate(), Vec::new())
    }

    #[test]
    fn round_trips_without_the_clear_text() {
        let keys = ring();
        let sealed = keys.seal("123:abc", AAD).unwrap();
        assert!(sealed.starts_with(&format!("enc:v1:{}:", keys.current().id())));
        assert!(!sealed.contains("123:abc"));
        assert_ne!(
            sealed,
            keys.seal("123:abc", AAD).unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(keys.open(&sealed, AAD).unwrap(), "123:abc");
        assert_eq!(keys.open("", AAD).unwrap(), "");
        assert_eq!(
            keys.open("legacy clear text", AAD).unwrap(),
            "legacy clear text"
        );
    }

    #[test]
    fn another_row_or_field_does_not_open() {
        let keys = ring();
        let sealed = keys.seal("123:abc", AAD).unwrap();
        let moved = keys.open(&sealed, "channels/ch_2/bot_token").unwrap_err();
        assert!(matches!(moved, StoreError::Secret(_)), "{moved}");
        assert!(keys.open(&sealed, "channels/ch_1/webhook_secret").is_err());
    }

    #[test]
    fn old_keys_open_and_unknown_keys_are_named() {
        let old = ring();
        let sealed = old.seal("s3cret", AAD).unwrap();
        let rotated = Keyring::new(SecretKey::generate(), vec![old.current().clone()]);
        assert_eq!(rotated.open(&sealed, AAD).unwrap(), "s3cret");
        assert!(!rotated.is_current(&sealed));
        let resealed = rotated
            .seal(&rotated.open(&sealed, AAD).unwrap(), AAD)
            .unwrap();
        assert!(rotated.is_current(&resealed));
        let without = Keyring::new(rotated.current().clone(), Vec::new());
        assert_eq!(without.open(&resealed, AAD).unwrap(), "s3cret");
        let error = without.open(&sealed, AAD).unwrap_err().to_string();
        assert!(error.contains(old.current().id()), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }

    #[test]
    fn tampering_fails() {
        let keys = ring();
        let sealed = keys.seal("s3cret", AAD).unwrap();
        let (head, body) = sealed.rsplit_once(':').unwrap();
        let mut bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body)
            .unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let flipped = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
        assert!(keys.open(&format!("{head}:{flipped}"), AAD).is_err());
        assert!(keys.open(&format!("{head}:AAAA"), AAD).is_err());
        assert!(keys.open(&format!("{head}:!!"), AAD).is_err());
        assert!(keys.open("enc:v1:nocolon", AAD).is_err());
    }

    /// The cost of sealing and opening a cloud channel's credentials (three fields), as the
    /// store does on each write and read; figures in docs/BENCHMARKS.md. Run with
    /// `cargo test --release -p switchboard-store --lib secrets_cost -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn secrets_cost() {
        let keys = ring();
        let channel = crate::conformance::channel(switchboard_core::id::AccountId::new(), "1");
        let rounds = 100_000;
        let started = std::time::Instant::now();
        let mut sealed = None;
        for _ in 0..rounds {
            sealed = Some(keys.sealed(&channel).unwrap());
        }
        let seal = started.elapsed() / rounds;
        let sealed = sealed.unwrap();
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            assert_eq!(keys.open_record(sealed.clone()).unwrap(), channel);
        }
        let open = started.elapsed() / rounds;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            assert_eq!(sealed.clone().id, channel.id);
        }
        let clone = started.elapsed() / rounds;
        println!("per cloud channel (3 fields): seal {seal:?}, open {open:?} (of which a clone {clone:?})");
    }
}
