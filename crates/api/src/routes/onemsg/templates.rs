//! The 1msg templates methods.

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The templates routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
