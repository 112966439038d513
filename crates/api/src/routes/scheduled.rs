//! Canceling scheduled sends: `POST /v1/messages/{id}/cancel`.

use axum::extract::{Path, State};
use axum::Json;
use switchboard_core::event::MessageView;
use switchboard_core::id::MessageMarker;
use switchboard_service::messages;
use switchboard_store::schedule::CancelOutcome;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{Auth, CanSend};
use crate::error::{ApiError, ApiResult};
use crate::extract::path_id;
use crate::state::AppState;

/// The scheduled-send routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(cancel))
}

/// Cancels a scheduled message that is not due yet: its status becomes `canceled` and a
/// `message.canceled` event is appended. Once it is due (handed to the dispatcher), sent,
/// failed or canceled, the answer is 409 `not_cancelable` and nothing changes.
#[utoipa::path(post, path = "/v1/messages/{id}/cancel", tag = "messages",
    params(("id" = String, Path, description = "Message id (`msg_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = MessageView, description = "Canceled"),
               (status = 404, body = crate::error::ErrorBody),
               (status = 409, body = crate::error::ErrorBody, description = "Not waiting for its send time any more (`not_cancelable`)")))]
async fn cancel(
    State(state): State<AppState>,
    key: Auth<CanSend>,
    Path(id): Path<String>,
) -> ApiResult<Json<MessageView>> {
    let id = path_id::<MessageMarker>(&id, "message")?;
    // A channel-scoped key only sees its channel's messages.
    let outcome =
        messages::cancel_scheduled(state.store().as_ref(), key.account_id, key.channel_id, id)
            .await?;
    match outcome {
        CancelOutcome::Canceled(m) => Ok(Json(MessageView::from(m.as_ref()))),
        CancelOutcome::NotScheduled(m) => Err(ApiError::WrongState {
            code: "not_cancelable",
            message: format!(
                "message {} is `{}`: only a scheduled message that is not due yet can be canceled",
                m.id,
                m.status.as_str()
            ),
        }),
        CancelOutcome::NotFound => Err(ApiError::NotFound("message not found".into())),
    }
}
