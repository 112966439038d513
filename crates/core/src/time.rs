//! Timestamps: milliseconds since the Unix epoch, the unit the store keeps.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, as stored in every `*_at` column.
pub type Millis = i64;

/// The current time in milliseconds since the Unix epoch.
pub fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// Formats epoch milliseconds as RFC 3339 in UTC, e.g. `2026-11-21T14:23:26.123Z`.
pub fn to_rfc3339(millis: Millis) -> String {
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(ts) => ts.to_string(),
        Err(_) => millis.to_string(),
    }
}

/// Parses an RFC 3339 timestamp into epoch milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let text = to_rfc3339(1_763_734_000_123);
        assert_eq!(text, "2025-11-21T14:06:40.123Z");
        assert_eq!(parse_rfc3339(&text), Some(1_763_734_000_123));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
