//! The 1msg history methods: `messages` and `readMessage`, `checkAcks`, and the webhook
//! (`webhook`, `settings`).

mod acks;
mod messages;
mod settings;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The history routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(messages::router())
        .merge(acks::router())
        .merge(settings::router())
}
