//! Channel statistics: the counted quantities, periods (`MM.YYYY` months and day ranges in
//! UTC or a channel's time zone) and the template price table.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use jiff::tz::TimeZone;

use crate::time::Millis;

/// Milliseconds in a UTC day.
pub const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// Category name for template messages whose category is not known.
pub const UNKNOWN_CATEGORY: &str = "UNKNOWN";

/// Counts of one channel over one period (a UTC day, or a sum of days).
///
/// Every message counts in the period it was created in (accepted or received), with its
/// current status: `sent` counts outbound messages that reached the upstream (status `sent`,
/// `delivered`, `read` or `played`), `delivered` those that reached the device (`delivered`,
/// `read`, `played`), `read` those read (`read`, `played`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Outbound messages accepted by the upstream.
    pub sent: u64,
    /// Outbound messages delivered to the customer's device.
    pub delivered: u64,
    /// Outbound messages read by the customer.
    pub read: u64,
    /// Outbound messages that failed.
    pub failed: u64,
    /// Outbound messages still waiting in the outbox (`accepted`).
    pub pending: u64,
    /// Outbound messages waiting for their `send_at` time.
    pub scheduled: u64,
    /// Scheduled messages canceled before they were due.
    pub canceled: u64,
    /// Inbound messages (reactions included).
    pub received: u64,
    /// 24-hour customer-service windows opened by inbound messages.
    pub conversations_opened: u64,
    /// Template messages that reached the upstream, by category (`UNKNOWN` if not known).
    pub templates: BTreeMap<String, u64>,
}

impl Counts {
    /// Adds another period's counts to these.
    pub fn add(&mut self, other: &Counts) {
        self.sent += other.sent;
        self.delivered += other.delivered;
        self.read += other.read;
        self.failed += other.failed;
        self.pending += other.pending;
        self.scheduled += other.scheduled;
        self.canceled += other.canceled;
        self.received += other.received;
        self.conversations_opened += other.conversations_opened;
        for (category, n) in &other.templates {
            *self.templates.entry(category.clone()).or_default() += n;
        }
    }
}

/// A half-open UTC period `[from, to)` in epoch milliseconds, whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First millisecond.
    pub from: Millis,
    /// First millisecond after.
    pub to: Millis,
}

impl Period {
    /// Day numbers (days since the epoch) covered, in order.
    pub fn days(&self) -> impl Iterator<Item = i64> {
        (self.from.div_euclid(DAY_MS))..(self.to.div_euclid(DAY_MS))
    }
}

/// Why a period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not `MM.YYYY`.
    #[error("month: `{0}` is not a month in the form MM.YYYY, e.g. 03.2026")]
    Month(String),
    /// Not `YYYY-MM-DD`.
    #[error("{field}: `{text}` is not a date in the form YYYY-MM-DD")]
    Date {
        /// `from` or `to`.
        field: &'static str,
        /// What was sent.
        text: String,
    },
    /// `to` before `from`, or too long.
    #[error("{0}")]
    Range(String),
}

fn day_start(date: jiff::civil::Date) -> Result<Millis, PeriodError> {
    day_start_in(date, &TimeZone::UTC)
}

/// The first instant of `date` in `tz` (midnight, or the first valid time after a DST gap).
fn day_start_in(date: jiff::civil::Date, tz: &TimeZone) -> Result<Millis, PeriodError> {
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| PeriodError::Range(format!("date out of range: {e}")))
}

/// The number of a calendar date: days since 1970-01-01 (what [`day_name`] names).
fn day_number(date: jiff::civil::Date) -> Result<i64, PeriodError> {
    Ok(day_start(date)?.div_euclid(DAY_MS))
}

/// The local calendar days of `period` in `tz`: `(day number, first instant)` in order, for
/// every day whose first instant is inside the period. DST-correct: a day is 23, 24 or 25
/// hours long as the zone says.
pub fn local_days(period: &Period, tz: &TimeZone) -> Vec<(i64, Millis)> {
    let Ok(first) = jiff::Timestamp::from_millisecond(period.from) else {
        return Vec::new();
    };
    let mut date = first.to_zoned(tz.clone()).date();
    let mut out = Vec::new();
    // A day is at least 22 hours long anywhere, so this bounds the loop.
    let most = (period.to - period.from) / (22 * 3_600_000) + 2;
    for _ in 0..most {
        let (Ok(start), Ok(number)) = (day_start_in(date, tz), day_number(date)) else {
            break;
        };
        if start >= period.to {
            break;
        }
        if start >= period.from {
            out.push((number, start));
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    out
}

/// Parses `MM.YYYY` (also `M.YYYY`), the month format of the statistics WhatsApp API
/// resellers report, into the month's UTC period.
pub fn parse_month(text: &str) -> Result<Period, PeriodError> {
    parse_month_in(text, &TimeZone::UTC)
}

/// Parses `MM.YYYY` into the month's period in `tz` (from its first local midnight to the
/// next month's).
pub fn parse_month_in(text: &str, tz: &TimeZone) -> Result<Period, PeriodError> {
    let bad = || PeriodError::Month(text.to_string());
    let (m, y) = text.trim().split_once('.').ok_or_else(bad)?;
    if m.is_empty() || m.len() > 2 || y.len() != 4 {
        return Err(bad());
    }
    let month: i8 = m.parse().map_err(|_| bad())?;
    let year: i16 = y.parse().map_err(|_| bad())?;
    let first = jiff::civil::Date::new(year, month, 1).map_err(|_| bad())?;
    let next = first
        .first_of_month()
        .last_of_month()
        .tomorrow()
        .map_err(|_| bad())?;
    Ok(Period {
        from: day_start_in(first, tz)?,
        to: day_start_in(next, tz)?,
    })
}

/// The `MM.YYYY` name of the UTC month containing `at`.
pub fn month_of(at: Millis) -> String {
    month_of_in(at, &TimeZone::UTC)
}

/// The `MM.YYYY` name of the month containing `at` in `tz`.
pub fn month_of_in(at: Millis, tz: &TimeZone) -> String {
    match jiff::Timestamp::from_millisecond(at) {
        Ok(ts) => {
            let d = ts.to_zoned(tz.clone()).date();
            format!("{:02}.{:04}", d.month(), d.year())
        }
        Err(_) => "01.1970".to_string(),
    }
}

/// Parses a `YYYY-MM-DD` date's UTC start.
pub fn parse_date(field: &'static str, text: &str) -> Result<Millis, PeriodError> {
    day_start(civil_date(field, text)?)
}

fn civil_date(field: &'static str, text: &str) -> Result<jiff::civil::Date, PeriodError> {
    text.trim().parse().map_err(|_| PeriodError::Date {
        field,
        text: text.to_string(),
    })
}

/// The period from day `from` through day `to` inclusive, at most `max_days` long.
pub fn day_range(from: &str, to: &str, max_days: i64) -> Result<Period, PeriodError> {
    day_range_in(from, to, max_days, &TimeZone::UTC)
}

/// The period from local day `from` through local day `to` inclusive in `tz`, at most
/// `max_days` days.
pub fn day_range_in(
    from: &str,
    to: &str,
    max_days: i64,
    tz: &TimeZone,
) -> Result<Period, PeriodError> {
    let first = civil_date("from", from)?;
    let last = civil_date("to", to)?;
    if last < first {
        return Err(PeriodError::Range(format!(
            "to ({to}) is before from ({from})"
        )));
    }
    if day_number(last)? - day_number(first)? + 1 > max_days {
        return Err(PeriodError::Range(format!(
            "from..to spans more than {max_days} days; ask for a shorter range"
        )));
    }
    let after = last
        .tomorrow()
        .map_err(|e| PeriodError::Range(format!("date out of range: {e}")))?;
    let start = day_start_in(first, tz)?;
    let end = day_start_in(after, tz)?;
    Ok(Period {
        from: start,
        to: end,
    })
}

/// The `YYYY-MM-DD` name of a day number.
pub fn day_name(day: i64) -> String {
    match jiff::Timestamp::from_millisecond(day * DAY_MS) {
        Ok(ts) => ts.to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
        Err(_) => day.to_string(),
    }
}

/// Template prices per category, in millionths of the currency unit (exact sums).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceTable {
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    /// Price of one template message per category (upper case), in millionths.
    pub micros: BTreeMap<String, i64>,
}

impl PriceTable {
    /// Builds a table from unit prices (e.g. `0.025`), rounding to millionths.
    pub fn new(currency: &str, prices: &BTreeMap<String, f64>) -> Result<Self, String> {
        let mut micros = BTreeMap::new();
        for (category, price) in prices {
            if !price.is_finite() || *price < 0.0 || *price > 1_000_000.0 {
                return Err(format!(
                    "pricing.categories.{category}: must be a price between 0 and 1000000"
                ));
            }
            micros.insert(
                category.to_uppercase(),
                (price * 1_000_000.0).round() as i64,
            );
        }
        Ok(Self {
            currency: currency.to_string(),
            micros,
        })
    }

    /// The unit price of a category in millionths; categories missing from the table cost 0.
    pub fn unit_micros(&self, category: &str) -> i64 {
        self.micros
            .get(&category.to_uppercase())
            .copied()
            .unwrap_or(0)
    }
}

/// Millionths as a currency amount (`400031300` → `400.0313`).
pub fn micros_to_amount(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    #[test]
    fn local_days_follow_dst() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let p = day_range_in("2026-03-07", "2026-03-09", 31, &tz).unwrap();
        assert_eq!(p.from, parse_rfc3339("2026-03-07T05:00:00Z").unwrap());
        assert_eq!(p.to, parse_rfc3339("2026-03-10T04:00:00Z").unwrap());
        let days = local_days(&p, &tz);
        let names: Vec<String> = days.iter().map(|(d, _)| day_name(*d)).collect();
        assert_eq!(names, vec!["2026-03-07", "2026-03-08", "2026-03-09"]);
        assert_eq!(
            days[2].1 - days[1].1,
            23 * 3_600_000,
            "the spring-forward day"
        );
        let m = parse_month_in("11.2026", &tz).unwrap();
        assert_eq!(local_days(&m, &tz).len(), 30);
        assert_eq!(
            month_of_in(parse_rfc3339("2026-04-01T03:30:00Z").unwrap(), &tz),
            "03.2026"
        );
        let utc = parse_month("02.2026").unwrap();
        assert_eq!(local_days(&utc, &TimeZone::UTC).len(), 28);
        assert_eq!(utc.days().count(), 28);
    }

    #[test]
    fn months_parse_into_utc_periods() {
        let p = parse_month("03.2022").unwrap();
        assert_eq!(p.from, parse_rfc3339("2022-03-01T00:00:00Z").unwrap());
        assert_eq!(p.to, parse_rfc3339("2022-04-01T00:00:00Z").unwrap());
        assert_eq!(p.days().count(), 31);
        let p = parse_month("2.2024").unwrap();
        assert_eq!(p.days().count(), 29, "leap February");
        let p = parse_month("12.2025").unwrap();
        assert_eq!(p.to, parse_rfc3339("2026-01-01T00:00:00Z").unwrap());
        for bad in [
            "13.2022", "00.2022", "2022-03", "03/2022", "03.22", "", "aa.2022", "3.20222",
        ] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
        assert_eq!(
            month_of(parse_rfc3339("2022-03-31T23:59:59Z").unwrap()),
            "03.2022"
        );
    }

    #[test]
    fn day_ranges_are_inclusive_and_bounded() {
        let p = day_range("2026-01-30", "2026-02-02", 366).unwrap();
        assert_eq!(p.days().count(), 4);
        assert_eq!(day_name(p.days().next().unwrap()), "2026-01-30");
        assert!(day_range("2026-02-02", "2026-01-30", 366).is_err());
        assert!(day_range("2026-01-01", "2027-12-31", 366).is_err());
        assert!(day_range("2026-1-1x", "2026-01-02", 366).is_err());
    }

    #[test]
    fn prices_sum_exactly() {
        let mut prices = BTreeMap::new();
        prices.insert("marketing".to_string(), 0.0313);
        let table = PriceTable::new("USD", &prices).unwrap();
        assert_eq!(table.unit_micros("MARKETING"), 31_300);
        assert_eq!(table.unit_micros("UNKNOWN"), 0);
        assert_eq!(micros_to_amount(table.unit_micros("MARKETING") * 3), 0.0939);
        prices.insert("x".into(), -1.0);
        assert!(PriceTable::new("USD", &prices).is_err());
    }
}
