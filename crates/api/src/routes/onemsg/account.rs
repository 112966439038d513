//! The 1msg account methods.

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The account routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
