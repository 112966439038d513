//! The services' error type.

use switchboard_store::StoreError;

/// Why a service call failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The thing does not exist (or belongs to another account).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A field of the input is unacceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The request clashes with existing state.
    #[error("{0}")]
    Conflict(String),
    /// The upstream refused (`permanent`) or could not be reached.
    #[error("{message}")]
    Upstream {
        /// Whether trying again cannot help (the upstream refused the request as made).
        permanent: bool,
        /// What the upstream said.
        message: String,
    },
    /// The request is understood and valid but cannot be done by this server (e.g. a channel
    /// kind this build has no connector for).
    #[error("{message}")]
    Unprocessable {
        /// Stable machine-readable code, e.g. `channel_kind_unavailable`.
        code: &'static str,
        /// What is wrong and what can be done instead.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(msg) => ServiceError::Conflict(msg),
            other => ServiceError::Store(other),
        }
    }
}

impl ServiceError {
    /// An [`ServiceError::Invalid`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
