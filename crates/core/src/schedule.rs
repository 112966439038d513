//! Scheduled sends: the `send_at` time of a message (RFC 3339 with an offset) and the rules
//! that decide whether it is scheduled, sent at once, or refused.

use crate::time::{parse_rfc3339, Millis};

/// Limits of `send_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleRules {
    /// A `send_at` at most this far in the past is sent at once; further back is refused.
    pub past_tolerance_ms: Millis,
    /// A `send_at` further ahead than this is refused.
    pub max_ahead_ms: Millis,
}

impl Default for ScheduleRules {
    fn default() -> Self {
        Self {
            past_tolerance_ms: 60_000,
            max_ahead_ms: 366 * 24 * 60 * 60 * 1000,
        }
    }
}

/// When a message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendTime {
    /// Now (no `send_at`, or one that is due already within the tolerance).
    Now,
    /// At this time (later than now).
    At(Millis),
}

/// Why a `send_at` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not an RFC 3339 timestamp with an offset.
    #[error(
        "{field}: `{text}` is not an RFC 3339 time with an offset, e.g. 2026-01-31T09:00:00+01:00"
    )]
    Unparsable {
        /// The field name used.
        field: &'static str,
        /// What was sent.
        text: String,
    },
    /// Not a string.
    #[error("{field}: must be a string holding an RFC 3339 time, e.g. 2026-01-31T09:00:00Z")]
    NotAString {
        /// The field name used.
        field: &'static str,
    },
    /// Both `send_at` and `scheduleDateTime` were given.
    #[error("send_at and scheduleDateTime are the same setting; send only one")]
    Both,
    /// Too far in the past.
    #[error("{field}: {text} is more than {tolerance_s} seconds in the past; omit it to send now")]
    InPast {
        /// The field name used.
        field: &'static str,
        /// What was sent.
        text: String,
        /// The tolerance in seconds.
        tolerance_s: i64,
    },
    /// Too far ahead.
    #[error("{field}: {text} is more than {max_days} days ahead; schedule it closer to now")]
    TooFar {
        /// The field name used.
        field: &'static str,
        /// What was sent.
        text: String,
        /// The limit in days.
        max_days: i64,
    },
}

/// The fields that carry a send time: ours and `scheduleDateTime`, the name omnichannel
/// messaging platforms use, accepted as an alias.
pub const SEND_AT_FIELDS: [&str; 2] = ["send_at", "scheduleDateTime"];

impl ScheduleRules {
    /// Decides when a message with the given `send_at` text (from field `field`) goes out.
    pub fn decide(
        &self,
        field: &'static str,
        text: &str,
        now: Millis,
    ) -> Result<SendTime, ScheduleError> {
        let at = parse_rfc3339(text.trim()).ok_or_else(|| ScheduleError::Unparsable {
            field,
            text: text.to_string(),
        })?;
        if at <= now {
            if now - at > self.past_tolerance_ms {
                return Err(ScheduleError::InPast {
                    field,
                    text: text.to_string(),
                    tolerance_s: self.past_tolerance_ms / 1000,
                });
            }
            return Ok(SendTime::Now);
        }
        if at - now > self.max_ahead_ms {
            return Err(ScheduleError::TooFar {
                field,
                text: text.to_string(),
                max_days: self.max_ahead_ms / (24 * 60 * 60 * 1000),
            });
        }
        Ok(SendTime::At(at))
    }

    /// Removes `send_at` / `scheduleDateTime` from a request object and decides when it goes
    /// out. A `null` value means "now".
    pub fn take(
        &self,
        request: &mut serde_json::Value,
        now: Millis,
    ) -> Result<SendTime, ScheduleError> {
        let Some(object) = request.as_object_mut() else {
            return Ok(SendTime::Now);
        };
        let mut found = Vec::new();
        for field in SEND_AT_FIELDS {
            if let Some(value) = object.remove(field) {
                if !value.is_null() {
                    found.push((field, value));
                }
            }
        }
        match found.as_slice() {
            [] => Ok(SendTime::Now),
            [(field, value)] => match value.as_str() {
                Some(text) => self.decide(field, text, now),
                None => Err(ScheduleError::NotAString { field }),
            },
            _ => Err(ScheduleError::Both),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: Millis = 1_800_000_000_000;

    #[test]
    fn future_times_are_scheduled_with_any_offset() {
        let rules = ScheduleRules::default();
        let at = rules
            .decide("send_at", "2027-02-15T10:00:00+02:00", NOW)
            .unwrap();
        assert_eq!(
            at,
            SendTime::At(parse_rfc3339("2027-02-15T08:00:00Z").unwrap())
        );
    }

    #[test]
    fn past_within_tolerance_is_now_beyond_is_refused() {
        let rules = ScheduleRules::default();
        let text = crate::time::to_rfc3339(NOW - 30_000);
        assert_eq!(rules.decide("send_at", &text, NOW), Ok(SendTime::Now));
        let text = crate::time::to_rfc3339(NOW - 61_000);
        assert!(matches!(
            rules.decide("send_at", &text, NOW),
            Err(ScheduleError::InPast { .. })
        ));
    }

    #[test]
    fn too_far_and_garbage_are_refused() {
        let rules = ScheduleRules::default();
        let text = crate::time::to_rfc3339(NOW + rules.max_ahead_ms + 1);
        assert!(matches!(
            rules.decide("send_at", &text, NOW),
            Err(ScheduleError::TooFar { .. })
        ));
        assert!(matches!(
            rules.decide("send_at", "tomorrow", NOW),
            Err(ScheduleError::Unparsable { .. })
        ));
        assert!(matches!(
            rules.decide("send_at", "2027-01-15T10:00:00", NOW),
            Err(ScheduleError::Unparsable { .. })
        ));
    }

    #[test]
    fn take_strips_either_alias() {
        let rules = ScheduleRules::default();
        let text = crate::time::to_rfc3339(NOW + 5_000);
        let mut v = json!({"to": "1", "scheduleDateTime": text});
        assert_eq!(rules.take(&mut v, NOW), Ok(SendTime::At(NOW + 5_000)));
        assert_eq!(v, json!({"to": "1"}));
        let mut v = json!({"send_at": text, "scheduleDateTime": text});
        assert_eq!(rules.take(&mut v, NOW), Err(ScheduleError::Both));
        let mut v = json!({"send_at": 5});
        assert!(matches!(
            rules.take(&mut v, NOW),
            Err(ScheduleError::NotAString { .. })
        ));
        let mut v = json!({"send_at": null});
        assert_eq!(rules.take(&mut v, NOW), Ok(SendTime::Now));
    }
}
