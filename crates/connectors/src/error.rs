//! Upstream errors, classified for the dispatcher.

use std::time::Duration;

/// What the dispatcher should do about an upstream error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Try again later with backoff (5xx, timeouts, connection errors, transient codes).
    Transient,
    /// Throttled (130429 throughput, 131056 pair rate, 4, 80007, HTTP 429): retry after a pause.
    RateLimited,
    /// Will never succeed as sent: fail the message and keep the error.
    Permanent,
}

impl ErrorClass {
    /// Whether a message failing this way should be tried again (transient or rate limited).
    pub fn is_retryable(self) -> bool {
        !matches!(self, ErrorClass::Permanent)
    }

    /// `transient`, `rate_limited` or `permanent`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Transient => "transient",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::Permanent => "permanent",
        }
    }
}

/// An upstream error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("upstream error{}: {message}", code.map(|c| format!(" {c}")).unwrap_or_default())]
pub struct ConnectorError {
    /// Retry or not.
    pub class: ErrorClass,
    /// Meta's error code, when the upstream sent one.
    pub code: Option<u32>,
    /// HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// Meta's message, or a description of the transport failure.
    pub message: String,
    /// Meta's `error_data.details`, when present.
    pub details: Option<String>,
    /// A wait the upstream asked for (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl ConnectorError {
    /// An error of `class` with only a message (no code, status, details or wait).
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            class,
            code: None,
            http_status: None,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// A transient error with only a message.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Transient, message)
    }

    /// A permanent error with only a message.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Permanent, message)
    }

    /// A rate-limited error with only a message.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::RateLimited, message)
    }

    /// Whether the message should be tried again ([`ErrorClass::is_retryable`]).
    pub fn is_retryable(&self) -> bool {
        self.class.is_retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_code_and_message() {
        let mut e = ConnectorError::permanent("(#100) Invalid parameter");
        assert_eq!(e.to_string(), "upstream error: (#100) Invalid parameter");
        e.code = Some(100);
        assert_eq!(
            e.to_string(),
            "upstream error 100: (#100) Invalid parameter"
        );
        assert!(!e.is_retryable());
        assert!(ConnectorError::transient("x").is_retryable());
        assert!(ConnectorError::rate_limited("x").is_retryable());
        assert_eq!(ErrorClass::RateLimited.as_str(), "rate_limited");
    }
}
