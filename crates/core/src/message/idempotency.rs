//! The `Idempotency-Key` of a send: the same key with the same body answers the first answer
//! again and sends nothing.

use std::fmt;

/// A client's (or the server's own) idempotency key: 1–255 bytes, no surrounding spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Longest key, in bytes.
    pub const MAX_LEN: usize = 255;

    /// A key as a client sent it (trimmed); `None` when empty or longer than
    /// [`IdempotencyKey::MAX_LEN`].
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty() && text.len() <= Self::MAX_LEN).then(|| Self(text.to_string()))
    }

    /// A key the server makes itself (e.g. `bot:{message id}:0`), cut to
    /// [`IdempotencyKey::MAX_LEN`] bytes if ever longer.
    pub fn derived(mut text: String) -> Self {
        if text.len() > Self::MAX_LEN {
            let mut end = Self::MAX_LEN;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        Self(text)
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_and_bounded() {
        assert_eq!(
            IdempotencyKey::parse(" k1 ").map(IdempotencyKey::into_string),
            Some("k1".into())
        );
        assert_eq!(IdempotencyKey::parse("  "), None);
        assert!(IdempotencyKey::parse(&"x".repeat(255)).is_some());
        assert_eq!(IdempotencyKey::parse(&"x".repeat(256)), None);
        assert_eq!(IdempotencyKey::derived("é".repeat(200)).as_str().len(), 254);
    }
}
