//! The bot's time zone: an IANA name (`Africa/Harare`) or a fixed offset from UTC (`+1`,
//! `-03:30`, `+05:45`, `UTC+2`), as the WhatsApp bot platforms accept both.

use jiff::tz::{Offset, TimeZone};

/// The longest time zone text accepted (the longest IANA name is about 30 characters).
pub const TIME_ZONE_MAX: usize = 64;

/// Offsets beyond these are not used anywhere on Earth: UTC−12:00 … UTC+14:00.
const MIN_OFFSET_SECS: i32 = -12 * 3600;
const MAX_OFFSET_SECS: i32 = 14 * 3600;

/// Parses a configured time zone.
///
/// Accepted, surrounding whitespace ignored:
/// - `UTC`, `GMT`, `Z` (any case);
/// - a signed offset, optionally after `UTC` or `GMT`: `+1`, `-3`, `+01`, `+05:45`, `-0330`,
///   `UTC+2`, `GMT-03:30` — between −12:00 and +14:00, minutes below 60;
/// - an IANA time zone name known to the bundled database (`Europe/Berlin`,
///   `America/New_York`, `Africa/Harare`).
///
/// The error says what is accepted.
pub fn parse_time_zone(text: &str) -> Result<TimeZone, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(
            "give an IANA time zone name like `Europe/Berlin` or an offset like `+1` or `-03:30`"
                .into(),
        );
    }
    if t.chars().count() > TIME_ZONE_MAX {
        return Err(format!("is longer than {TIME_ZONE_MAX} characters"));
    }
    let upper = t.to_ascii_uppercase();
    if matches!(upper.as_str(), "UTC" | "GMT" | "Z") {
        return Ok(TimeZone::UTC);
    }
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper);
    if rest.starts_with('+') || rest.starts_with('-') {
        return parse_offset(rest).map(TimeZone::fixed);
    }
    if upper == "ETC/UNKNOWN" {
        return Err("`Etc/Unknown` is not a time zone; use a name like `Europe/Berlin` or an offset like `+1`".into());
    }
    TimeZone::get(t).map_err(|_| {
        format!(
            "`{t}` is not a known IANA time zone name nor an offset; use a name like `Europe/Berlin` or an offset like `+1` or `-03:30`"
        )
    })
}

/// Parses `+H`, `+HH`, `+H:MM`, `+HH:MM` or `+HHMM` (the sign is required).
fn parse_offset(text: &str) -> Result<Offset, String> {
    let bad = || format!("`{text}` is not an offset; write it like `+1`, `+05:45` or `-03:30`");
    let (sign, body) = match text.split_at_checked(1) {
        Some(("+", b)) => (1, b),
        Some(("-", b)) => (-1, b),
        _ => return Err(bad()),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == ':') {
        return Err(bad());
    }
    let (hours, minutes) = match body.split_once(':') {
        Some((h, m)) if (1..=2).contains(&h.len()) && m.len() == 2 => (h, m),
        Some(_) => return Err(bad()),
        None => match body.len() {
            1 | 2 => (body, "0"),
            4 => body.split_at(2),
            _ => return Err(bad()),
        },
    };
    let (Ok(h), Ok(m)) = (hours.parse::<i32>(), minutes.parse::<i32>()) else {
        return Err(bad());
    };
    if m >= 60 {
        return Err(format!("`{text}`: minutes must be below 60"));
    }
    let secs = sign * (h * 3600 + m * 60);
    if !(MIN_OFFSET_SECS..=MAX_OFFSET_SECS).contains(&secs) {
        return Err(format!("`{text}` is outside −12:00 … +14:00"));
    }
    Offset::from_seconds(secs).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset_secs(text: &str) -> i32 {
        let tz = parse_time_zone(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        tz.to_offset(jiff::Timestamp::UNIX_EPOCH).seconds()
    }

    #[test]
    fn offsets() {
        assert_eq!(offset_secs("+1"), 3600);
        assert_eq!(offset_secs(" -3 "), -3 * 3600);
        assert_eq!(offset_secs("+01"), 3600);
        assert_eq!(offset_secs("-03:30"), -(3 * 3600 + 1800));
        assert_eq!(offset_secs("+05:45"), 5 * 3600 + 45 * 60);
        assert_eq!(offset_secs("+0530"), 5 * 3600 + 1800);
        assert_eq!(offset_secs("UTC+2"), 7200);
        assert_eq!(offset_secs("gmt-1"), -3600);
        assert_eq!(offset_secs("+14"), 14 * 3600);
        assert_eq!(offset_secs("-12:00"), -12 * 3600);
        assert_eq!(offset_secs("UTC"), 0);
        assert_eq!(offset_secs("z"), 0);
    }

    #[test]
    fn names() {
        assert_eq!(offset_secs("Africa/Harare"), 7200);
        assert_eq!(offset_secs("Asia/Kolkata"), 5 * 3600 + 1800);
        assert!(parse_time_zone("America/New_York").is_ok());
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "  ",
            "+",
            "-",
            "+1:5",
            "+123",
            "+12345",
            "+1:60",
            "+15",
            "-13",
            "+a",
            "+1:3O",
            "Mars/Olympus",
            "../etc/passwd",
            "Etc/Unknown",
            "++1",
            "+-1",
            "1",
            "+01:00:00",
        ] {
            assert!(parse_time_zone(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_time_zone(&"A".repeat(65)).is_err());
    }
}
