//! The 1msg history methods.

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The history routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
