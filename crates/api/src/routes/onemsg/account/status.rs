//! `GET /status`: 1msg's channel status (`connected`, `disconnected`, `unregistered`) from
//! the native channel status.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use switchboard_core::channel::ChannelStatus;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{OneMsgChannel, OneMsgError};
use crate::access::CanRead;
use crate::state::AppState;

/// The status routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status))
}

/// The channel's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneMsgStatus {
    /// `connected` (the channel is usable: the upstream accepted its last call, or it was
    /// just created or reconfigured), `disconnected` (the upstream refused its credentials
    /// or configuration on the last send: see the native `GET /v1/channels/{id}/status`
    /// for the error) or `unregistered` (deleted).
    #[schema(example = "connected")]
    pub status: String,
}

/// 1msg's name of a native channel status.
fn onemsg_status(status: ChannelStatus) -> &'static str {
    match status {
        ChannelStatus::Active => "connected",
        ChannelStatus::Error => "disconnected",
        ChannelStatus::Deleted => "unregistered",
    }
}

/// Get Status: the status of the channel.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/status", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key")),
    responses(
        (status = 200, body = OneMsgStatus),
        (status = 401, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn status(channel: OneMsgChannel<CanRead>) -> Response {
    Json(OneMsgStatus {
        status: onemsg_status(channel.channel().state.status).to_string(),
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_1msg_names() {
        assert_eq!(onemsg_status(ChannelStatus::Active), "connected");
        assert_eq!(onemsg_status(ChannelStatus::Error), "disconnected");
        assert_eq!(onemsg_status(ChannelStatus::Deleted), "unregistered");
    }
}
