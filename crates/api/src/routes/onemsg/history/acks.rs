//! `GET checkAcks` (also at `GET hookInfo`): the acks an outbound message has had, from its
//! native status history.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::onemsg_view::OneMsgAck;
use switchboard_service::onemsg_history;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{fail, from_api_error, OneMsgChannel, OneMsgError};
use crate::access::CanRead;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The routes: `checkAcks`, and `hookInfo`, the path 1msg's own SDKs call it by.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_acks))
        .route("/compat/1msg/{channel_id}/hookInfo", get(check_acks))
}

/// The query of `GET checkAcks`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AcksQuery {
    /// The message: the id the send answered (`msg_…`) or the upstream's `wamid.…`.
    pub message_id: Option<String>,
}

/// The answer of `GET checkAcks`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcksAnswer {
    /// The acks the webhook delivered (or would have) for the message, oldest first:
    /// `{id, chatId, phone, status, time}` (`error` when failed), `status` one of `sent`,
    /// `delivered`, `read`, `failed`.
    #[schema(value_type = Vec<Object>)]
    pub hooks: Vec<OneMsgAck>,
}

/// The acks (sent, delivered, read, failed) of a message the business sent.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/checkAcks", operation_id = "onemsg_check_acks", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key (any other place a Switchboard key is read also works)"), AcksQuery),
    responses(
        (status = 200, body = AcksAnswer),
        (status = 400, body = OneMsgError, description = "No `messageId` (`invalid_query`)"),
        (status = 404, body = OneMsgError, description = "No message the business sent with that id on this channel"),
    ))]
async fn check_acks(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanRead>,
    query: Result<ApiQuery<AcksQuery>, ApiError>,
) -> Response {
    let id = match query {
        Ok(ApiQuery(AcksQuery {
            message_id: Some(id),
        })) if !id.trim().is_empty() => id.trim().to_string(),
        Ok(_) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "messageId: give the id the send answered (msg_…) or the upstream's wamid.…",
            )
        }
        Err(e) => return from_api_error(e, false),
    };
    match onemsg_history::acks(state.store().as_ref(), channel.channel(), &id).await {
        Ok(hooks) => Json(AcksAnswer { hooks }).into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}
