//! Statistics: one channel's month in the channel's time zone — the totals, daily charts drawn
//! as SVG on the server (sent / delivered / read, received / conversations opened, failed),
//! the failures per error code and the template messages with their cost. The same service
//! functions as `GET /v1/channels/{id}/stats` and `…/stats/daily`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use switchboard_core::channel::Channel;
use switchboard_core::id::ChannelMarker;
use switchboard_core::stats::{day_name, micros_to_amount, month_of_in, parse_month_in};
use switchboard_core::time::now_millis;
use switchboard_service::stats::{channel_stats, failures_by_code, zone_named, PricedCounts};

use super::webhooks::ChannelChoice;
use crate::charts::{self, Chart, Series};
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// `?channel=ch_…&month=MM.YYYY`; both optional (the first channel, this month).
#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    /// The channel.
    pub channel: Option<String>,
    /// The month, `MM.YYYY`.
    pub month: Option<String>,
}

/// A headline number.
#[derive(Debug, Clone)]
pub struct Total {
    /// What it counts.
    pub label: &'static str,
    /// The number, formatted.
    pub value: String,
    /// A share or note under it, or empty.
    pub note: String,
    /// Its element id.
    pub id: &'static str,
}

/// A row of the failures table.
#[derive(Debug, Clone)]
pub struct FailureRow {
    /// The error code.
    pub code: String,
    /// Its title (from the upstream: escaped).
    pub title: String,
    /// Failed messages with it.
    pub count: u64,
    /// Its share of the month's failures, `12.5 %`.
    pub share: String,
}

/// A row of the template cost table.
#[derive(Debug, Clone)]
pub struct TemplateRow {
    /// The category.
    pub category: String,
    /// Template messages that reached the upstream.
    pub count: u64,
    /// Price of one.
    pub unit: String,
    /// Their cost.
    pub cost: String,
}

/// The statistics page.
#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    title: &'static str,
    shell: Shell,
    channels: Vec<ChannelChoice>,
    selected: String,
    month: String,
    previous: String,
    next: String,
    time_zone: String,
    currency: String,
    totals: Vec<Total>,
    charts: Vec<Chart>,
    failures: Vec<FailureRow>,
    templates: Vec<TemplateRow>,
    templates_cost: String,
    error: Option<String>,
}

/// The month before and after `MM.YYYY` (empty when it does not parse).
fn neighbours(month: &str) -> (String, String) {
    let Some((m, y)) = month.trim().split_once('.') else {
        return (String::new(), String::new());
    };
    let (Ok(m), Ok(y)) = (m.parse::<i32>(), y.parse::<i32>()) else {
        return (String::new(), String::new());
    };
    let index = y * 12 + (m - 1);
    let name = |i: i32| format!("{:02}.{}", i.rem_euclid(12) + 1, i.div_euclid(12));
    (name(index - 1), name(index + 1))
}

/// A share as a percentage with one decimal, or `–` of nothing.
fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

/// A money amount in millionths, with two decimals (more when a price needs them).
fn amount(micros: i64, currency: &str) -> String {
    let value = micros_to_amount(micros);
    if micros % 10_000 == 0 {
        format!("{value:.2} {currency}")
    } else {
        format!("{value:.4} {currency}")
    }
}

fn totals(total: &PricedCounts, currency: &str) -> Vec<Total> {
    let c = &total.counts;
    vec![
        Total {
            label: "Sent",
            value: c.sent.to_string(),
            note: format!("{} failed", c.failed),
            id: "total-sent",
        },
        Total {
            label: "Delivered",
            value: c.delivered.to_string(),
            note: share(c.delivered, c.sent),
            id: "total-delivered",
        },
        Total {
            label: "Read",
            value: c.read.to_string(),
            note: share(c.read, c.delivered),
            id: "total-read",
        },
        Total {
            label: "Received",
            value: c.received.to_string(),
            note: format!("{} conversations opened", c.conversations_opened),
            id: "total-received",
        },
        Total {
            label: "Waiting",
            value: (c.pending + c.scheduled).to_string(),
            note: format!("{} scheduled, {} canceled", c.scheduled, c.canceled),
            id: "total-waiting",
        },
        Total {
            label: "Template cost",
            value: amount(total.templates_cost_micros, currency),
            note: format!("{} template messages", c.templates.values().sum::<u64>()),
            id: "total-cost",
        },
    ]
}

fn daily_charts(days: &[(i64, PricedCounts)]) -> Vec<Chart> {
    let names: Vec<String> = days.iter().map(|(d, _)| day_name(*d)).collect();
    let series = |name, class, f: fn(&PricedCounts) -> u64| Series {
        name,
        class,
        values: days.iter().map(|(_, c)| f(c)).collect(),
    };
    vec![
        charts::daily(
            "chart-outbound",
            "Sent per day",
            &names,
            &[
                series("sent", "s-sent", |c| c.counts.sent),
                series("delivered", "s-delivered", |c| c.counts.delivered),
                series("read", "s-read", |c| c.counts.read),
            ],
        ),
        charts::daily(
            "chart-inbound",
            "Received per day",
            &names,
            &[
                series("received", "s-received", |c| c.counts.received),
                series("conversations opened", "s-opened", |c| {
                    c.counts.conversations_opened
                }),
            ],
        ),
        charts::daily(
            "chart-failed",
            "Failed per day",
            &names,
            &[series("failed", "s-failed", |c| c.counts.failed)],
        ),
    ]
}

/// The channel asked for (checked against the key), or the first one listed.
fn pick<'a>(
    channels: &'a [Channel],
    asked: Option<&str>,
    signed: &Signed,
) -> ConsoleResult<Option<&'a Channel>> {
    let Some(text) = asked.filter(|t| !t.is_empty()) else {
        return Ok(channels.first());
    };
    let id = switchboard_api::extract::path_id::<ChannelMarker>(text, "channel")?;
    signed.key()?.require_channel(id)?;
    channels
        .iter()
        .find(|c| c.id == id)
        .map(Some)
        .ok_or(ConsoleError::NotFound("no such channel"))
}

/// `GET /console/stats`.
pub async fn page(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(q): Query<StatsQuery>,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let store = state.app.store().as_ref();
    let listed = super::visible_channels(&state, key).await?;
    let channel = pick(&listed, q.channel.as_deref(), &signed)?;
    let currency = state.app.gateway.pricing.currency.clone();
    let mut view = StatsPage {
        title: "Statistics",
        shell: Shell::of(&signed, "stats"),
        channels: listed
            .iter()
            .map(|c| ChannelChoice {
                id: c.id.to_string(),
                name: c.name.clone(),
            })
            .collect(),
        selected: channel.map(|c| c.id.to_string()).unwrap_or_default(),
        month: String::new(),
        previous: String::new(),
        next: String::new(),
        time_zone: String::new(),
        currency: currency.clone(),
        totals: Vec::new(),
        charts: Vec::new(),
        failures: Vec::new(),
        templates: Vec::new(),
        templates_cost: String::new(),
        error: None,
    };
    let Some(channel) = channel else {
        return super::html(view);
    };
    let refused = |mut view: StatsPage, message: String| {
        view.error = Some(message);
        Ok::<_, ConsoleError>((StatusCode::BAD_REQUEST, Html(view.render()?)).into_response())
    };
    let (tz, tz_name) = match zone_named(channel, None) {
        Ok(zone) => zone,
        Err(m) => return refused(view, format!("the channel's time zone: {m}")),
    };
    view.time_zone = tz_name;
    let month = q
        .month
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| month_of_in(now_millis(), &tz));
    view.month = month.clone();
    let period = match parse_month_in(&month, &tz) {
        Ok(period) => period,
        Err(e) => return refused(view, format!("month: {e}")),
    };
    (view.previous, view.next) = neighbours(&month);
    let (total, days) = channel_stats(store, &state.app.gateway.pricing, channel.id, period, &tz)
        .await
        .map_err(ConsoleError::from)?;
    let failures = failures_by_code(store, channel.id, period).await?;
    let failed: u64 = failures.iter().map(|f| f.count).sum();
    view.failures = failures
        .into_iter()
        .map(|f| FailureRow {
            share: share(f.count, failed),
            code: f.code,
            title: f.title,
            count: f.count,
        })
        .collect();
    view.templates = total
        .templates
        .iter()
        .map(|t| TemplateRow {
            category: t.category.clone(),
            count: t.count,
            unit: amount(t.unit_micros, &currency),
            cost: amount(t.cost_micros, &currency),
        })
        .collect();
    view.templates_cost = amount(total.templates_cost_micros, &currency);
    view.totals = totals(&total, &currency);
    view.charts = daily_charts(&days);
    super::html(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_have_neighbours_across_years() {
        assert_eq!(
            neighbours("01.2026"),
            ("12.2025".to_string(), "02.2026".to_string())
        );
        assert_eq!(
            neighbours("12.2026"),
            ("11.2026".to_string(), "01.2027".to_string())
        );
        assert_eq!(neighbours("soon"), (String::new(), String::new()));
    }

    #[test]
    fn shares_and_amounts_read_well() {
        assert_eq!(share(1, 8), "12.5 %");
        assert_eq!(share(0, 0), "–");
        assert_eq!(amount(1_250_000, "USD"), "1.25 USD");
        assert_eq!(amount(4_321, "USD"), "0.0043 USD");
    }
}
