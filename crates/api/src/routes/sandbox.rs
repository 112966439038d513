//! `POST /v1/channels/{id}/sandbox/inbound`: a simulated customer writes to a sandbox channel.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use switchboard_core::channel::ChannelKind as Kind;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{CanSend, ScopedChannel};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Registers a sandbox channel's number with the mounted emulator, its webhooks wired back to
/// this server at `local_url` (an address the server itself can reach).
pub fn register_channel(
    sandbox: &switchboard_emulator::Emulator,
    local_url: &str,
    channel: &switchboard_core::channel::Channel,
) {
    let (Kind::Sandbox, Some(s)) = (channel.kind, channel.settings.cloud()) else {
        return;
    };
    sandbox.add_phone_number(switchboard_emulator::PhoneNumberConfig {
        phone_number_id: s.phone_number_id.clone(),
        waba_id: s.waba_id.clone(),
        display_phone_number: switchboard_core::channel::sandbox_display_number(&s.phone_number_id),
        access_token: s.access_token.clone(),
        app_secret: s.app_secret.clone(),
        webhook_url: Some(format!(
            "{}/webhooks/cloud/{}",
            local_url.trim_end_matches('/'),
            channel.id
        )),
        verified_name: channel.name.clone(),
    });
}

/// The sandbox routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inject_inbound))
}

/// The injected message's upstream id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Injected {
    /// The `wamid.…` the simulated customer's message carries.
    pub upstream_id: String,
}

/// Makes a simulated customer send one message to a sandbox channel. The body is one message
/// as in Meta's inbound webhook (`from`, `type`, the kind's object, optional `profile.name`),
/// e.g. `{"from":"15551230000","type":"text","text":{"body":"hi"}}`. It arrives through the
/// real webhook path, opens the 24-hour window and shows up in the message list.
#[utoipa::path(post, path = "/v1/channels/{id}/sandbox/inbound", tag = "sandbox",
    params(("id" = String, Path, description = "Sandbox channel id (`ch_…`)")),
    request_body(content = Object, description = "One inbound message as in Meta's webhook"),
    security(("bearer" = [])),
    responses((status = 202, body = Injected), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn inject_inbound(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanSend>,
    ApiJson(message): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Injected>)> {
    let (Kind::Sandbox, Some(cloud)) = (channel.kind, channel.settings.cloud()) else {
        return Err(ApiError::BadRequest {
            code: "not_a_sandbox_channel",
            message: "simulated customers exist only on sandbox channels".into(),
        });
    };
    let sandbox = state
        .sandbox
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the sandbox is disabled on this server".into()))?;
    if !message.is_object() {
        return Err(ApiError::invalid(
            "the body must be one message object: {\"from\",\"type\",…}",
        ));
    }
    let upstream_id = sandbox
        .inject_inbound(&cloud.phone_number_id, message)
        .await
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok((StatusCode::ACCEPTED, Json(Injected { upstream_id })))
}
