//! Channel statistics: `GET /v1/channels/{id}/stats?month=MM.YYYY` (the monthly
//! statistics with `templates_cost`) and `GET /v1/channels/{id}/stats/daily` (a series for
//! charts). Days and months are those of the channel's time zone (`timezone`, default UTC)
//! or of `?tz=`; every message counts on the local day it was created.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::channel::Channel;
use switchboard_core::stats::{
    day_name, day_range_in, micros_to_amount, month_of_in, parse_month_in, Period, PeriodError,
};
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_service::stats::{channel_stats, failures_by_code, zone_named, PricedCounts};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{CanRead, ScopedChannel};
use crate::error::{ApiError, ApiResult, Context};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Longest daily series, in days.
const MAX_DAYS: i64 = 366;

/// The statistics routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(monthly))
        .routes(routes!(daily))
}

/// `?month=MM.YYYY`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// Month and year as `MM.YYYY` (month, dot, four-digit year), e.g. `03.2026`; default the current
    /// month.
    pub month: Option<String>,
    /// Time zone of the days and months (IANA name such as `Europe/Berlin`, or an offset such
    /// as `+05:30`); default the channel's `timezone`.
    pub tz: Option<String>,
}

/// `?month=MM.YYYY` or `?from=YYYY-MM-DD&to=YYYY-MM-DD`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DailyQuery {
    /// A whole month as `MM.YYYY`; default the current month (when `from`/`to` are absent).
    pub month: Option<String>,
    /// First local day (`YYYY-MM-DD`), with `to`.
    pub from: Option<String>,
    /// Last local day, inclusive (`YYYY-MM-DD`); at most 366 days after `from`.
    pub to: Option<String>,
    /// Time zone of the days (IANA name or offset); default the channel's `timezone`.
    pub tz: Option<String>,
}

/// Template messages of one category and their cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateStats {
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`, `SERVICE`, … or `UNKNOWN`.
    pub category: String,
    /// Template messages of this category that reached the upstream.
    pub count: u64,
    /// Price of one, from the `[pricing]` table.
    pub unit_price: f64,
    /// `count × unit_price`.
    pub cost: f64,
}

/// The counts of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsCounts {
    /// Outbound messages the upstream accepted (status sent, delivered, read or played).
    pub sent: u64,
    /// Outbound messages delivered to the device (delivered, read or played).
    pub delivered: u64,
    /// Outbound messages read (read or played).
    pub read: u64,
    /// Outbound messages that failed.
    pub failed: u64,
    /// Outbound messages still in the outbox.
    pub pending: u64,
    /// Outbound messages waiting for their `send_at`.
    pub scheduled: u64,
    /// Scheduled messages canceled.
    pub canceled: u64,
    /// Inbound messages.
    pub received: u64,
    /// 24-hour customer-service windows opened by inbound messages.
    pub conversations_opened: u64,
    /// Template messages by category with their cost.
    pub templates: Vec<TemplateStats>,
    /// Total cost of the template messages (the sum of each template message's category price).
    pub templates_cost: f64,
}

/// The channel's priced statistics over `period`: the total and one entry per local day.
async fn stats_of(
    state: &AppState,
    channel: &Channel,
    period: Period,
    tz: &switchboard_service::stats::Zone,
) -> ApiResult<(PricedCounts, Vec<(i64, PricedCounts)>)> {
    channel_stats(
        state.store().as_ref(),
        &state.gateway.pricing,
        channel.id,
        period,
        tz,
    )
    .await
    .context("computing statistics")
}

impl From<PricedCounts> for StatsCounts {
    fn from(p: PricedCounts) -> Self {
        let c = p.counts;
        StatsCounts {
            sent: c.sent,
            delivered: c.delivered,
            read: c.read,
            failed: c.failed,
            pending: c.pending,
            scheduled: c.scheduled,
            canceled: c.canceled,
            received: c.received,
            conversations_opened: c.conversations_opened,
            templates: p
                .templates
                .into_iter()
                .map(|t| TemplateStats {
                    category: t.category,
                    count: t.count,
                    unit_price: micros_to_amount(t.unit_micros),
                    cost: micros_to_amount(t.cost_micros),
                })
                .collect(),
            templates_cost: micros_to_amount(p.templates_cost_micros),
        }
    }
}

/// A channel's statistics for one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyStats {
    /// `ch_…`
    pub channel_id: String,
    /// The month, `MM.YYYY`.
    pub date: String,
    /// First instant counted (RFC 3339).
    pub from: String,
    /// First instant after the period (RFC 3339).
    pub to: String,
    /// The time zone of the month (the channel's, or `?tz=`).
    pub time_zone: String,
    /// Currency of the prices (`pricing.currency`).
    pub currency: String,
    /// The counts.
    #[serde(flatten)]
    pub counts: StatsCounts,
    /// The month's failed messages per error code, most frequent first.
    pub failures: Vec<FailureStats>,
}

/// Failed messages of one error code.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailureStats {
    /// The upstream's error code (Meta's number as text, e.g. `131047`), Switchboard's own
    /// (e.g. `media_unreachable`), or `unknown`.
    pub code: String,
    /// The error's title or message, as recorded for one of them.
    pub title: String,
    /// How many failed messages carry it.
    pub count: u64,
}

impl From<switchboard_service::stats::FailureByCode> for FailureStats {
    fn from(f: switchboard_service::stats::FailureByCode) -> Self {
        FailureStats {
            code: f.code,
            title: f.title,
            count: f.count,
        }
    }
}

/// One day of the series.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayStats {
    /// The local day, `YYYY-MM-DD`.
    pub date: String,
    /// The counts.
    #[serde(flatten)]
    pub counts: StatsCounts,
}

/// A channel's statistics per day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyStats {
    /// `ch_…`
    pub channel_id: String,
    /// First instant counted (RFC 3339).
    pub from: String,
    /// First instant after the period (RFC 3339).
    pub to: String,
    /// The time zone of the days (the channel's, or `?tz=`).
    pub time_zone: String,
    /// Currency of the prices.
    pub currency: String,
    /// Every day of the period, in order, zero-filled.
    pub days: Vec<DayStats>,
}

/// The time zone of a request: `?tz=` or the channel's, with its display name.
fn zone(
    channel: &Channel,
    tz: Option<&str>,
) -> ApiResult<(switchboard_service::stats::Zone, String)> {
    zone_named(channel, tz).map_err(|m| ApiError::invalid(format!("tz: {m}")))
}

fn period_error(e: PeriodError) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_period",
        message: e.to_string(),
    }
}

/// A channel's monthly statistics: sent, delivered, read, failed, received, conversations
/// opened, template messages by category with their cost (`templates_cost`), and the failed
/// messages per error code (`failures`).
#[utoipa::path(get, path = "/v1/channels/{id}/stats", tag = "stats",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), MonthQuery),
    security(("bearer" = [])),
    responses((status = 200, body = MonthlyStats),
               (status = 400, body = crate::error::ErrorBody, description = "`month` is not MM.YYYY (`invalid_period`)"),
               (status = 404, body = crate::error::ErrorBody)))]
async fn monthly(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanRead>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<MonthlyStats>> {
    let (tz, tz_name) = zone(&channel, q.tz.as_deref())?;
    let month = q.month.unwrap_or_else(|| month_of_in(now_millis(), &tz));
    let period = parse_month_in(&month, &tz).map_err(period_error)?;
    let (total, _) = stats_of(&state, &channel, period, &tz).await?;
    let failures = failures_by_code(state.store().as_ref(), channel.id, period)
        .await
        .context("counting failures by error code")?;
    Ok(Json(MonthlyStats {
        channel_id: channel.id.to_string(),
        date: month.trim().to_string(),
        from: to_rfc3339(period.from),
        to: to_rfc3339(period.to),
        time_zone: tz_name,
        currency: state.gateway.pricing.currency.clone(),
        counts: total.into(),
        failures: failures.into_iter().map(FailureStats::from).collect(),
    }))
}

/// A channel's statistics per local day, for charts: a month (`month=MM.YYYY`) or a range of
/// up to 366 days (`from=YYYY-MM-DD&to=YYYY-MM-DD`, both inclusive).
#[utoipa::path(get, path = "/v1/channels/{id}/stats/daily", tag = "stats",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), DailyQuery),
    security(("bearer" = [])),
    responses((status = 200, body = DailyStats),
               (status = 400, body = crate::error::ErrorBody, description = "Bad `month`, `from` or `to` (`invalid_period`)"),
               (status = 404, body = crate::error::ErrorBody)))]
async fn daily(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanRead>,
    ApiQuery(q): ApiQuery<DailyQuery>,
) -> ApiResult<Json<DailyStats>> {
    let (tz, tz_name) = zone(&channel, q.tz.as_deref())?;
    let period: Period = match (&q.month, &q.from, &q.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(period_error(PeriodError::Range(
                "give either month or from and to, not both".into(),
            )))
        }
        (Some(m), None, None) => parse_month_in(m, &tz).map_err(period_error)?,
        (None, Some(from), Some(to)) => {
            day_range_in(from, to, MAX_DAYS, &tz).map_err(period_error)?
        }
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(period_error(PeriodError::Range(
                "from and to go together: give both (YYYY-MM-DD, inclusive)".into(),
            )))
        }
        (None, None, None) => {
            parse_month_in(&month_of_in(now_millis(), &tz), &tz).map_err(period_error)?
        }
    };
    let (_, days) = stats_of(&state, &channel, period, &tz).await?;
    Ok(Json(DailyStats {
        channel_id: channel.id.to_string(),
        from: to_rfc3339(period.from),
        to: to_rfc3339(period.to),
        time_zone: tz_name,
        currency: state.gateway.pricing.currency.clone(),
        days: days
            .into_iter()
            .map(|(day, counts)| DayStats {
                date: day_name(day),
                counts: counts.into(),
            })
            .collect(),
    }))
}
