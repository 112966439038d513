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
