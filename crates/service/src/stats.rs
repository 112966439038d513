//! Channel statistics: per-day counts from the store, summed over a period and priced with
//! the template price table.

use jiff::tz::TimeZone;
use switchboard_core::id::ChannelId;
use switchboard_core::stats::{local_days, Counts, Period, PriceTable, DAY_MS};
use switchboard_core::time::Millis;
use switchboard_store::stats::QUARTER_HOUR_MS;
use switchboard_store::{Store, StoreResult};

/// A time zone for statistics (re-exported so callers need not depend on `jiff`).
pub type Zone = TimeZone;

/// Template messages of one category and what they cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateCost {
    /// Category (upper case; `UNKNOWN` when not known).
    pub category: String,
    /// Template messages that reached the upstream.
    pub count: u64,
    /// Price of one, in millionths of the currency.
    pub unit_micros: i64,
    /// `count × unit`, in millionths of the currency.
    pub cost_micros: i64,
}

/// Counts of a period with their template costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCounts {
    /// The counts.
    pub counts: Counts,
    /// Template messages per category with their cost.
    pub templates: Vec<TemplateCost>,
    /// Sum of the template costs, in millionths of the currency.
    pub templates_cost_micros: i64,
}

/// Prices a period's template counts.
pub fn price(counts: Counts, table: &PriceTable) -> PricedCounts {
    let templates: Vec<TemplateCost> = counts
        .templates
        .iter()
        .map(|(category, n)| {
            let unit = table.unit_micros(category);
            TemplateCost {
                category: category.clone(),
                count: *n,
                unit_micros: unit,
                cost_micros: unit.saturating_mul(i64::try_from(*n).unwrap_or(i64::MAX)),
            }
        })
        .collect();
    let total = templates
        .iter()
        .fold(0i64, |sum, t| sum.saturating_add(t.cost_micros));
    PricedCounts {
        counts,
        templates,
        templates_cost_micros: total,
    }
}

/// The time zone statistics are counted in: `requested` (an IANA name or an offset) or else
/// the channel's own, with the name to show for it. The error says what is wrong with the
/// requested one.
pub fn zone_named(
    channel: &switchboard_core::channel::Channel,
    requested: Option<&str>,
) -> Result<(Zone, String), String> {
    let text = requested.unwrap_or(&channel.timezone);
    let zone = switchboard_core::automation::zone::parse_time_zone(text)?;
    let name = zone
        .iana_name()
        .map_or_else(|| text.trim().to_string(), str::to_string);
    Ok((zone, name))
}

/// A channel's counts of today so far: from the last midnight of its time zone (UTC when
/// its zone does not parse) to `now`.
pub async fn today_counts(
    store: &dyn Store,
    pricing: &PriceTable,
    channel: &switchboard_core::channel::Channel,
    now: Millis,
) -> StoreResult<Counts> {
    let tz = zone_named(channel, None).map_or(TimeZone::UTC, |(tz, _)| tz);
    let from = jiff::Timestamp::from_millisecond(now)
        .ok()
        .and_then(|t| t.to_zoned(tz.clone()).start_of_day().ok())
        .map_or(now - now.rem_euclid(DAY_MS), |day| {
            day.timestamp().as_millisecond()
        });
    let period = Period { from, to: now + 1 };
    let (total, _) = channel_stats(store, pricing, channel.id, period, &tz).await?;
    Ok(total.counts)
}

/// The largest bucket size dividing every day start: a whole day for UTC, 15 minutes for
/// the zones in use today, smaller for historic local mean times.
fn bucket_for(days: &[(i64, Millis)]) -> i64 {
    [DAY_MS, QUARTER_HOUR_MS, 60_000, 1_000, 1]
        .into_iter()
        .find(|b| days.iter().all(|(_, start)| start.rem_euclid(*b) == 0))
        .unwrap_or(1)
}

/// A channel's statistics over `period`: the total and one entry per local day of `tz`
/// (zero-filled). Counts are read per bucket and summed into the day whose first instant
/// is the last one at or before the bucket's start, so days follow DST changes.
pub async fn channel_stats(
    store: &dyn Store,
    pricing: &PriceTable,
    channel: ChannelId,
    period: Period,
    tz: &TimeZone,
) -> StoreResult<(PricedCounts, Vec<(i64, PricedCounts)>)> {
    let days = local_days(&period, tz);
    let bucket = bucket_for(&days);
    let buckets = store
        .bucket_counts(channel, period.from, period.to, bucket)
        .await?;
    let mut per_day = vec![Counts::default(); days.len()];
    for (n, counts) in buckets {
        let start = n.saturating_mul(bucket);
        let i = days.partition_point(|(_, s)| *s <= start);
        if let Some(day) = i.checked_sub(1).and_then(|i| per_day.get_mut(i)) {
            day.add(&counts);
        }
    }
    let mut total = Counts::default();
    let mut out = Vec::with_capacity(days.len());
    for ((day, _), counts) in days.into_iter().zip(per_day) {
        total.add(&counts);
        out.push((day, price(counts, pricing)));
    }
    Ok((price(total, pricing), out))
}

/// Failed messages of one error code, for the failures-by-code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureByCode {
    /// The upstream's (or Switchboard's) error code as text; `unknown` when none was recorded.
    pub code: String,
    /// The error's title (or message) as first seen for the code; empty when it had none.
    pub title: String,
    /// How many failed messages carry the code.
    pub count: u64,
}

/// The code and title of a stored error: Meta's `{code, title, message, …}`, or a status's
/// list of them (the first one counts).
fn code_and_title(error: Option<&serde_json::Value>) -> (String, String) {
    let error = match error {
        Some(serde_json::Value::Array(list)) => list.first(),
        other => other,
    };
    let Some(error) = error else {
        return ("unknown".into(), String::new());
    };
    let code = match error.get("code") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => "unknown".into(),
    };
    let title = ["title", "message"]
        .iter()
        .find_map(|k| {
            error
                .get(*k)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_default()
        .to_string();
    (code, title)
}

/// A channel's failed outbound messages created in `period`, per error code, most frequent
/// first (ties by code).
pub async fn failures_by_code(
    store: &dyn Store,
    channel: ChannelId,
    period: Period,
) -> StoreResult<Vec<FailureByCode>> {
    let rows = store
        .failure_counts(channel, period.from, period.to)
        .await?;
    let mut out: Vec<FailureByCode> = Vec::new();
    for (error, n) in rows {
        let (code, title) = code_and_title(error.as_ref());
        match out.iter_mut().find(|f| f.code == code) {
            Some(f) => {
                f.count += n;
                if f.title.is_empty() {
                    f.title = title;
                }
            }
            None => out.push(FailureByCode {
                code,
                title,
                count: n,
            }),
        }
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::code_and_title;
    use serde_json::json;

    #[test]
    fn codes_are_read_as_text_with_the_title_or_message() {
        let meta = json!({"code": 131047, "title": "Re-engagement message", "message": "m"});
        assert_eq!(
            code_and_title(Some(&meta)),
            ("131047".into(), "Re-engagement message".into())
        );
        let ours = json!({"code": "media_unreachable", "message": "the link answered 404"});
        assert_eq!(
            code_and_title(Some(&ours)),
            ("media_unreachable".into(), "the link answered 404".into())
        );
        assert_eq!(
            code_and_title(Some(&json!({"title": "x"}))),
            ("unknown".into(), "x".into())
        );
        assert_eq!(code_and_title(None), ("unknown".into(), String::new()));
        let listed = json!([{"code": 131026, "title": "Message undeliverable"}, {"code": 1}]);
        assert_eq!(
            code_and_title(Some(&listed)),
            ("131026".into(), "Message undeliverable".into())
        );
        assert_eq!(
            code_and_title(Some(&json!([]))),
            ("unknown".into(), String::new())
        );
    }
}
