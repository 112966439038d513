//! Errors of a driver or a session.

/// What kind of failure a [`WebError`] is, which decides what the caller does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebErrorKind {
    /// The session is not connected now (reconnecting, not paired): retry later.
    NotConnected,
    /// A temporary failure (timeout, 5xx, rate limit): retry later.
    Temporary,
    /// The recipient is not on WhatsApp or the group does not exist / we are not in it.
    BadRecipient,
    /// The message cannot be sent as given (too large, unsupported): do not retry.
    Rejected,
    /// The session's keys could not be read or written (the store failed, or the lease
    /// was lost: another node drives the session now).
    Keys,
}

/// A driver or session failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct WebError {
    /// What kind of failure.
    pub kind: WebErrorKind,
    /// The upstream's numeric code (a server nack, a stream error), when it gave one.
    pub code: Option<i64>,
    /// What went wrong, safe to log and to show (never a key).
    pub message: String,
}

impl WebError {
    /// A failure of `kind` saying `message`.
    pub fn new(kind: WebErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// The same error carrying the upstream's code.
    pub fn with_code(mut self, code: i64) -> Self {
        self.code = Some(code);
        self
    }

    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            WebErrorKind::NotConnected | WebErrorKind::Temporary | WebErrorKind::Keys
        )
    }
}
