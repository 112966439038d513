//! The store's error type.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (the message names the rule).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database URL or options are unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// A stored value could not be decoded (corrupt or written by a newer version).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A stored secret cannot be opened (its key is not in the keyring, or it was altered).
    #[error("secret: {0}")]
    Secret(String),
    /// A write fenced by a lease was refused: another node took the lease over (or it was
    /// released) since the writer got its token.
    #[error("fenced: {0}")]
    Fenced(String),
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Backend(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(code, ref msg) = e {
            if code.code == rusqlite::ErrorCode::ConstraintViolation {
                let text = msg.clone().unwrap_or_default();
                if text.contains("UNIQUE") || text.contains("PRIMARY KEY") {
                    return StoreError::Conflict(text);
                }
            }
        }
        StoreError::Backend(e.to_string())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(ref db) = e {
            if db.is_unique_violation() {
                return StoreError::Conflict(db.message().to_string());
            }
        }
        StoreError::Backend(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
