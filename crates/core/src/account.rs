//! Accounts: the tenants that own channels, keys, contacts and subscriptions.

use serde::{Deserialize, Serialize};

use crate::id::AccountId;
use crate::time::Millis;

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its id (`acc_…`).
    pub id: AccountId,
    /// Display name, unique per installation is not required.
    pub name: String,
    /// Creation time.
    pub created_at: Millis,
}

/// Checks an account or channel name: 1–100 characters, not blank.
pub fn validate_name(field: &str, name: &str) -> Result<String, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(format!("`{field}` must not be empty"));
    }
    if trimmed.chars().count() > 100 {
        return Err(format!("`{field}` must be at most 100 characters"));
    }
    Ok(trimmed.to_string())
}
