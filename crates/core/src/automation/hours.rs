//! Active days and hours, evaluated on the wall clock of the bot's time zone.
//!
//! Semantics, all in `bot_timezone`:
//! - A window is `from` (inclusive) to `to` (exclusive), to the minute: `09:00`–`17:00` is
//!   active at 09:00:00 and at 16:59:59, not at 17:00:00.
//! - `"always"` (both ends), or `from == to` (e.g. `00:00`–`00:00`, or `00:00`–`24:00`),
//!   means the whole day: only `active_days` decide.
//! - A window whose `to` is before its `from` wraps past midnight: `22:00`–`06:00` is active
//!   from 22:00 until 06:00 the next morning. **The day rule applies to the day the window
//!   started**: with Friday active and Saturday not, Friday 23:00 and Saturday 02:00 are
//!   active, Saturday 23:00 is not, and Sunday 02:00 is not (that window started Saturday).
//! - Wall-clock time decides, so DST changes shift nothing: on a spring-forward day the
//!   skipped hour simply never occurs, and on a fall-back day both passes through the
//!   repeated hour are judged by the same local time.

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::error::FieldError;
use super::settings::{ActiveDays, ActiveHours, BotSettings};
use super::zone::parse_time_zone;
use crate::time::Millis;

/// The daily window of [`ActiveHours`], parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The whole day (`"always"`, or `from == to`).
    AllDay,
    /// From `from` (inclusive) to `to` (exclusive); wraps past midnight when `to < from`.
    Between {
        /// Start, inclusive.
        from: Time,
        /// End, exclusive.
        to: Time,
    },
}

impl Window {
    /// Whether the window runs past midnight.
    pub fn wraps(&self) -> bool {
        matches!(self, Window::Between { from, to } if to < from)
    }
}

/// Parses `"HH:MM"` or `"H:MM"` (00:00 to 23:59); `"24:00"` too when `end` (midnight at the
/// end of the day). Surrounding whitespace is ignored.
pub fn parse_time_of_day(text: &str, end: bool) -> Result<Time, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "`{t}` is not a time; write it as \"HH:MM\" (e.g. \"09:00\", \"5:00\") or \"always\""
        )
    };
    let Some((h, m)) = t.split_once(':') else {
        return Err(bad());
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let (Ok(hour), Ok(minute)) = (h.parse::<i8>(), m.parse::<i8>()) else {
        return Err(bad());
    };
    if end && hour == 24 && minute == 0 {
        return Ok(Time::midnight());
    }
    if hour > 23 || minute > 59 {
        return Err(format!(
            "`{t}` is not a time of day; hours go from 0 to 23 and minutes from 00 to 59"
        ));
    }
    Time::new(hour, minute, 0, 0).map_err(|_| bad())
}

fn is_always(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("always")
}

/// Parses [`ActiveHours`]; the error names `active_hours.from` or `active_hours.to`.
pub fn parse_window(hours: &ActiveHours) -> Result<Window, FieldError> {
    match (is_always(&hours.from), is_always(&hours.to)) {
        (true, true) => return Ok(Window::AllDay),
        (true, false) => {
            return Err(FieldError::new(
                "active_hours.to",
                "must be \"always\" too when from is \"always\"",
            ))
        }
        (false, true) => {
            return Err(FieldError::new(
                "active_hours.from",
                "must be \"always\" too when to is \"always\"",
            ))
        }
        (false, false) => {}
    }
    let from = parse_time_of_day(&hours.from, false)
        .map_err(|e| FieldError::new("active_hours.from", e))?;
    let to =
        parse_time_of_day(&hours.to, true).map_err(|e| FieldError::new("active_hours.to", e))?;
    Ok(if from == to {
        Window::AllDay
    } else {
        Window::Between { from, to }
    })
}

/// A bot's time zone, active days and daily window, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The time zone.
    pub tz: TimeZone,
    /// The time zone as configured (for explanations).
    pub zone_name: String,
    /// The active days.
    pub days: ActiveDays,
    /// The daily window.
    pub window: Window,
}

impl Schedule {
    /// The schedule of `settings`; an invalid time zone falls back to UTC and invalid hours
    /// to the whole day (validation reports them; evaluation never fails).
    pub fn from_settings(settings: &BotSettings) -> Self {
        let (tz, zone_name) = match parse_time_zone(&settings.bot_timezone) {
            Ok(tz) => (tz, settings.bot_timezone.trim().to_string()),
            Err(_) => (TimeZone::UTC, "UTC".to_string()),
        };
        Self {
            tz,
            zone_name,
            days: settings.active_days,
            window: parse_window(&settings.active_hours).unwrap_or(Window::AllDay),
        }
    }

    /// Whether the bot is active at `at`.
    pub fn is_active_at(&self, at: Timestamp) -> bool {
        let local = self.tz.to_datetime(at);
        let (day, time) = (local.weekday(), local.time());
        match self.window {
            Window::AllDay => self.days.is_active(day),
            Window::Between { from, to } if from < to => {
                from <= time && time < to && self.days.is_active(day)
            }
            Window::Between { from, to } => {
                if time >= from {
                    self.days.is_active(day)
                } else if time < to {
                    self.days.is_active(day.previous())
                } else {
                    false
                }
            }
        }
    }

    /// Whether the bot is active at `at` (epoch milliseconds).
    pub fn is_active(&self, at: Millis) -> bool {
        self.is_active_at(timestamp(at))
    }

    /// `at` on the bot's wall clock, e.g. `Sat 2025-03-08 23:10 (Europe/Berlin)`, for
    /// explanations.
    pub fn describe_local(&self, at: Millis) -> String {
        let local = self.tz.to_datetime(timestamp(at));
        format!(
            "{} {} {:02}:{:02} ({})",
            weekday_abbrev(local.weekday()),
            local.date(),
            local.hour(),
            local.minute(),
            self.zone_name
        )
    }
}

/// `Mon` … `Sun`.
fn weekday_abbrev(day: jiff::civil::Weekday) -> &'static str {
    use jiff::civil::Weekday::*;
    match day {
        Monday => "Mon",
        Tuesday => "Tue",
        Wednesday => "Wed",
        Thursday => "Thu",
        Friday => "Fri",
        Saturday => "Sat",
        Sunday => "Sun",
    }
}

/// Whether `settings` make the bot active at `at` (epoch milliseconds), evaluated as
/// described in the module documentation.
pub fn is_active(settings: &BotSettings, at: Millis) -> bool {
    Schedule::from_settings(settings).is_active(at)
}

/// Epoch milliseconds as a timestamp, clamped to the range jiff supports.
pub fn timestamp(millis: Millis) -> Timestamp {
    Timestamp::from_millisecond(millis).unwrap_or(if millis < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}
