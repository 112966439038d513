//! Secrets at rest: channel credentials, webhook signing secrets and WhatsApp Web key values
//! are sealed with AES-256-GCM before they are written and opened after they are read, so a
//! copy of the database holds none of them in clear.
//!
//! A sealed value is the text `enc:v1:<key id>:<base64(nonce | ciphertext)>`, bound (as
//! associated data) to its table, row id and field, so it cannot be moved to another row or
//! field. [`Keyring`] holds the key that seals and the older keys that still open; which
//! fields are secret is listed once in `fields.rs`. Inside the store a record read from the
//! database stays sealed (a row rewritten as read keeps its sealed values); the public
//! methods open it on the way out and seal a record handed in before writing it.

mod fields;
mod key;
mod keyring;

pub use key::{KeyError, SecretKey};
pub use keyring::Keyring;

pub(crate) use fields::Secrets;

use crate::StoreResult;

/// Opens a record's sealed fields after a read (see [`crate::select::Select::open`]).
pub(crate) type Opener<T> = fn(T, &Keyring) -> StoreResult<T>;

/// The opener of records without secrets: the record as read.
pub(crate) fn keep<T>(record: T, _: &Keyring) -> StoreResult<T> {
    Ok(record)
}

/// The opener of records with secrets.
pub(crate) fn opened<T: Secrets>(record: T, keys: &Keyring) -> StoreResult<T> {
    keys.open_record(record)
}

/// Says how many rows a store sealed again when it opened: the migration of databases
/// written before secrets were encrypted, and the end of a key rotation.
pub(crate) fn resealed_at_start(changed: u64) {
    if changed > 0 {
        tracing::info!(
            rows = changed,
            "sealed stored secrets under the current key"
        );
    }
}
