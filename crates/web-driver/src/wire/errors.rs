//! Wire mirrors of [`WebError`], [`KeyStoreError`] and [`KeyChange`].

use serde::{Deserialize, Serialize};

use super::Base64Bytes;
use crate::{KeyChange, KeyStoreError, WebError, WebErrorKind};

/// [`WebErrorKind`] on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireWebErrorKind {
    /// [`WebErrorKind::NotConnected`].
    NotConnected,
    /// [`WebErrorKind::Temporary`].
    Temporary,
    /// [`WebErrorKind::BadRecipient`].
    BadRecipient,
    /// [`WebErrorKind::Rejected`].
    Rejected,
    /// [`WebErrorKind::Keys`].
    Keys,
}

/// [`WebError`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireWebError {
    /// Its kind.
    pub kind: WireWebErrorKind,
    /// The upstream's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// What went wrong.
    pub message: String,
}

impl From<WebError> for WireWebError {
    fn from(e: WebError) -> Self {
        let kind = match e.kind {
            WebErrorKind::NotConnected => WireWebErrorKind::NotConnected,
            WebErrorKind::Temporary => WireWebErrorKind::Temporary,
            WebErrorKind::BadRecipient => WireWebErrorKind::BadRecipient,
            WebErrorKind::Rejected => WireWebErrorKind::Rejected,
            WebErrorKind::Keys => WireWebErrorKind::Keys,
        };
        Self {
            kind,
            code: e.code,
            message: e.message,
        }
    }
}

impl From<WireWebError> for WebError {
    fn from(e: WireWebError) -> Self {
        let kind = match e.kind {
            WireWebErrorKind::NotConnected => WebErrorKind::NotConnected,
            WireWebErrorKind::Temporary => WebErrorKind::Temporary,
            WireWebErrorKind::BadRecipient => WebErrorKind::BadRecipient,
            WireWebErrorKind::Rejected => WebErrorKind::Rejected,
            WireWebErrorKind::Keys => WebErrorKind::Keys,
        };
        Self {
            kind,
            code: e.code,
            message: e.message,
        }
    }
}

/// [`KeyStoreError`] on the wire: `{"kind": "fenced"|"unavailable", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum WireKeyError {
    /// [`KeyStoreError::Fenced`].
    Fenced(String),
    /// [`KeyStoreError::Unavailable`].
    Unavailable(String),
}

impl From<KeyStoreError> for WireKeyError {
    fn from(e: KeyStoreError) -> Self {
        match e {
            KeyStoreError::Fenced(m) => Self::Fenced(m),
            KeyStoreError::Unavailable(m) => Self::Unavailable(m),
        }
    }
}

impl From<WireKeyError> for KeyStoreError {
    fn from(e: WireKeyError) -> Self {
        match e {
            WireKeyError::Fenced(m) => Self::Fenced(m),
            WireKeyError::Unavailable(m) => Self::Unavailable(m),
        }
    }
}

/// [`KeyChange`] on the wire, tagged by `op`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WireKeyChange {
    /// [`KeyChange::Put`].
    Put {
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
        /// The value.
        value: Base64Bytes,
    },
    /// [`KeyChange::Delete`].
    Delete {
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
    },
    /// [`KeyChange::ClearNamespace`].
    ClearNamespace {
        /// The namespace.
        namespace: String,
    },
}

impl From<KeyChange> for WireKeyChange {
    fn from(change: KeyChange) -> Self {
        match change {
            KeyChange::Put {
                namespace,
                key,
                value,
            } => Self::Put {
                namespace,
                key,
                value: value.into(),
            },
            KeyChange::Delete { namespace, key } => Self::Delete { namespace, key },
            KeyChange::ClearNamespace { namespace } => Self::ClearNamespace { namespace },
        }
    }
}

impl From<WireKeyChange> for KeyChange {
    fn from(change: WireKeyChange) -> Self {
        match change {
            WireKeyChange::Put {
                namespace,
                key,
                value,
            } => Self::Put {
                namespace,
                key,
                value: value.into(),
            },
            WireKeyChange::Delete { namespace, key } => Self::Delete { namespace, key },
            WireKeyChange::ClearNamespace { namespace } => Self::ClearNamespace { namespace },
        }
    }
}
