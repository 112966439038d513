//! The 1msg send methods.

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The send routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
