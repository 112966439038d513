//! The 1msg account methods: the profile (`me`), statistics, status, commerce settings and
//! the server's IP, over the native profile, statistics and channel services.

mod commerce;
mod ip;
mod me;
mod stats;
mod status;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The account routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(me::router())
        .merge(stats::router())
        .merge(status::router())
        .merge(commerce::router())
        .merge(ip::router())
}
