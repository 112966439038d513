//! `GET /statistics?date=mm.YYYY` (`{date, templates_cost, …}`: the month's totals) and
//! `GET /extendedStatistics?date=mm.YYYY` (the same per day), over the native statistics
//! in the channel's time zone.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::automation::zone::parse_time_zone;
use switchboard_core::channel::Channel;
use switchboard_core::stats::{day_name, month_of_in, parse_month_in, Period};
use switchboard_core::time::now_millis;
use switchboard_service::stats::{channel_stats, PricedCounts, Zone};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{from_api_error, OneMsgChannel, OneMsgError};
use crate::access::CanRead;
use crate::error::ApiError;
use crate::routes::stats::{DayStats, StatsCounts};
use crate::state::AppState;

/// The statistics routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(statistics))
        .routes(routes!(extended_statistics))
}

/// `?date=mm.YYYY`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// Month and year as `mm.YYYY`, e.g. `03.2022`; default the current month (in the
    /// channel's time zone).
    pub date: Option<String>,
}

/// A month's statistics: 1msg's `date` and `templates_cost`, with the native counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneMsgStatistics {
    /// The month, `mm.YYYY`.
    #[schema(example = "03.2022")]
    pub date: String,
    /// Currency of the costs (`pricing.currency`).
    pub currency: String,
    /// The counts, `templates_cost` among them.
    #[serde(flatten)]
    pub counts: StatsCounts,
}

/// The `date` of the query, or an error answer for an unreadable query.
fn date_of(q: Result<Query<DateQuery>, QueryRejection>) -> Result<Option<String>, ApiError> {
    q.map(|Query(q)| q.date).map_err(|e| ApiError::BadRequest {
        code: "invalid_query",
        message: format!("the query string cannot be read ({e}); give date=mm.YYYY"),
    })
}

/// The channel's zone and the period `date` names, or why not.
fn month(channel: &Channel, date: Option<&str>) -> Result<(Zone, String, Period), ApiError> {
    let tz = parse_time_zone(&channel.timezone)
        .map_err(|m| ApiError::invalid(format!("the channel's timezone: {m}")))?;
    let date = date
        .map(|d| d.trim().to_string())
        .unwrap_or_else(|| month_of_in(now_millis(), &tz));
    let period = parse_month_in(&date, &tz).map_err(|_| ApiError::BadRequest {
        code: "invalid_period",
        message: format!("date: `{date}` is not a month in the form mm.YYYY, e.g. 03.2022"),
    })?;
    Ok((tz, date, period))
}

/// The channel's priced statistics over `period`: the total and each day.
async fn compute(
    state: &AppState,
    channel: &Channel,
    period: Period,
    tz: &Zone,
) -> Result<(PricedCounts, Vec<(i64, PricedCounts)>), ApiError> {
    channel_stats(
        state.store().as_ref(),
        &state.gateway.pricing,
        channel.id,
        period,
        tz,
    )
    .await
    .map_err(|e| ApiError::from(e).in_context("computing statistics"))
}

/// Get Channel statistics: the month's totals, with `templates_cost`.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/statistics", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"), DateQuery,
           ("token" = Option<String>, Query, description = "A Switchboard API key")),
    responses(
        (status = 200, body = OneMsgStatistics),
        (status = 400, body = OneMsgError, description = "`date` is not mm.YYYY (`invalid_period`)"),
        (status = 401, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn statistics(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanRead>,
    q: Result<Query<DateQuery>, QueryRejection>,
) -> Response {
    let channel = channel.channel();
    let date = match date_of(q) {
        Ok(d) => d,
        Err(e) => return from_api_error(e, false),
    };
    let (tz, date, period) = match month(channel, date.as_deref()) {
        Ok(m) => m,
        Err(e) => return from_api_error(e, false),
    };
    match compute(&state, channel, period, &tz).await {
        Ok((total, _)) => Json(OneMsgStatistics {
            date,
            currency: state.gateway.pricing.currency.clone(),
            counts: total.into(),
        })
        .into_response(),
        Err(e) => from_api_error(e, false),
    }
}

/// Get Extended Channel statistics: the month (`date`, default the current one) per local
/// day, each with its counts and `templates_cost`.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/extendedStatistics", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"), DateQuery,
           ("token" = Option<String>, Query, description = "A Switchboard API key")),
    responses(
        (status = 200, body = Vec<DayStats>),
        (status = 400, body = OneMsgError, description = "`date` is not mm.YYYY (`invalid_period`)"),
        (status = 401, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn extended_statistics(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanRead>,
    q: Result<Query<DateQuery>, QueryRejection>,
) -> Response {
    let channel = channel.channel();
    let date = match date_of(q) {
        Ok(d) => d,
        Err(e) => return from_api_error(e, false),
    };
    let (tz, _, period) = match month(channel, date.as_deref()) {
        Ok(m) => m,
        Err(e) => return from_api_error(e, false),
    };
    match compute(&state, channel, period, &tz).await {
        Ok((_, days)) => Json(
            days.into_iter()
                .map(|(day, counts)| DayStats {
                    date: day_name(day),
                    counts: counts.into(),
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => from_api_error(e, false),
    }
}
