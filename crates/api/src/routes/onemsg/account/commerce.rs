//! `GET /commerce` (`[{is_cart_enabled, is_catalog_visible}]`) and `POST /commerce`
//! (`{"success": true}`), over the native commerce settings.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_core::business_profile::CommerceSettings;
use switchboard_service::channels::profile;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{fail, from_api_error, request_fields, OneMsgChannel, OneMsgError};
use crate::access::{CanManage, CanRead};
use crate::state::AppState;

/// The commerce routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_commerce, post_commerce))
}

/// One number's commerce settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneMsgCommerce {
    /// Whether customers can add products to a cart.
    pub is_cart_enabled: bool,
    /// Whether the catalog storefront icon shows.
    pub is_catalog_visible: bool,
}

/// The answer of `POST /commerce`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuccessAnswer {
    /// Always true (a refused change is an error answer).
    pub success: bool,
}

/// Get Commerce Settings.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/commerce", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key")),
    responses(
        (status = 200, body = Vec<OneMsgCommerce>),
        (status = 401, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 422, body = OneMsgError, description = "The channel's kind has no commerce settings (`unsupported_by_channel`)"),
        (status = 503, body = OneMsgError, description = "The upstream could not be reached"),
    ))]
async fn get_commerce(State(state): State<AppState>, channel: OneMsgChannel<CanRead>) -> Response {
    match profile::commerce(&state.gateway.upstream, channel.channel()).await {
        Ok(s) => Json(vec![OneMsgCommerce {
            is_cart_enabled: s.is_cart_enabled.unwrap_or(false),
            is_catalog_visible: s.is_catalog_visible.unwrap_or(false),
        }])
        .into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}

/// A boolean field: `true`/`false`, or their text (form-encoded bodies).
fn flag(fields: &Map<String, Value>, name: &str) -> Result<Option<bool>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "1" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" || s == "0" => Ok(Some(false)),
        Some(other) => Err(format!("{name}: must be true or false, got {other}")),
    }
}

/// Set Commerce Settings: `is_cart_enabled`, `is_catalog_visible` (at least one).
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/commerce", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with manage permission")),
    request_body(content = Object, description = "`is_cart_enabled`, `is_catalog_visible` (booleans; JSON or form-encoded)"),
    responses(
        (status = 200, body = SuccessAnswer),
        (status = 400, body = OneMsgError, description = "Not a boolean, or nothing to change (`invalid_parameter`)"),
        (status = 401, body = OneMsgError),
        (status = 403, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 422, body = OneMsgError, description = "The channel's kind has no commerce settings (`unsupported_by_channel`)"),
        (status = 503, body = OneMsgError, description = "The upstream could not be reached"),
    ))]
async fn post_commerce(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanManage>,
    request: Request,
) -> Response {
    let fields = match request_fields(request, state.settings.body_limit).await {
        Ok(f) => f,
        Err(answer) => return *answer,
    };
    let settings = match (
        flag(&fields, "is_cart_enabled"),
        flag(&fields, "is_catalog_visible"),
    ) {
        (Ok(is_cart_enabled), Ok(is_catalog_visible)) => CommerceSettings {
            is_cart_enabled,
            is_catalog_visible,
        },
        (Err(m), _) | (_, Err(m)) => return fail(StatusCode::BAD_REQUEST, "invalid_parameter", m),
    };
    match profile::update_commerce(&state.gateway.upstream, channel.channel(), settings).await {
        Ok(()) => Json(SuccessAnswer { success: true }).into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}
