//! The 24-hour customer-service window, per (channel, customer): free-form messages are only
//! allowed within 24 hours of the customer's last message; templates always are.

use crate::time::Millis;

/// Length of the window.
pub const WINDOW_MILLIS: Millis = 24 * 60 * 60 * 1000;

/// When the window closes, given the customer's last inbound message time.
pub fn expires_at(last_inbound: Option<Millis>) -> Option<Millis> {
    last_inbound.map(|t| t.saturating_add(WINDOW_MILLIS))
}

/// Whether the window is open at `now`.
pub fn is_open(last_inbound: Option<Millis>, now: Millis) -> bool {
    matches!(expires_at(last_inbound), Some(end) if now < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_for_exactly_24_hours() {
        assert!(!is_open(None, 0));
        assert!(is_open(Some(1_000), 1_000));
        assert!(is_open(Some(1_000), 1_000 + WINDOW_MILLIS - 1));
        assert!(!is_open(Some(1_000), 1_000 + WINDOW_MILLIS));
        assert_eq!(expires_at(Some(5)), Some(5 + WINDOW_MILLIS));
    }
}
