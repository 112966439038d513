//! Channel statistics: per-day counts from the store, summed over a period and priced with
//! the template price table.

use switchboard_core::id::ChannelId;
use switchboard_core::stats::{Counts, Period, PriceTable};
use switchboard_store::StoreResult;

use crate::gateway::Gateway;

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

/// A channel's statistics over `period`: the total and one entry per UTC day (zero-filled).
pub async fn channel_stats(
    gateway: &Gateway,
    channel: ChannelId,
    period: Period,
) -> StoreResult<(PricedCounts, Vec<(i64, PricedCounts)>)> {
    let mut by_day = gateway
        .store
        .daily_counts(channel, period.from, period.to)
        .await?;
    let mut total = Counts::default();
    let mut days = Vec::new();
    for day in period.days() {
        let counts = by_day.remove(&day).unwrap_or_default();
        total.add(&counts);
        days.push((day, price(counts, &gateway.pricing)));
    }
    Ok((price(total, &gateway.pricing), days))
}
