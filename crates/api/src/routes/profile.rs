//! `/v1/channels/{id}/profile` and `/v1/channels/{id}/commerce`: a WhatsApp channel's
//! business profile and commerce settings, read from and written to the upstream (Meta's
//! `whatsapp_business_profile` and `whatsapp_commerce_settings`). Changes are checked against
//! Meta's limits before the upstream is called; other channel kinds answer 422
//! `unsupported_by_channel`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::business_profile::{
    vertical_label, BusinessProfile, CommerceSettings, ProfileUpdate,
};
use switchboard_service::channels::profile;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{CanManage, CanRead, ScopedChannel};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;

/// The profile and commerce routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, update_profile))
        .routes(routes!(get_commerce, update_commerce))
}

/// A channel's business profile, as the upstream reports it (unset fields are null).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    /// The About text (up to 139 characters).
    pub about: Option<String>,
    /// The business address (up to 256 characters).
    pub address: Option<String>,
    /// The business description (up to 256 characters).
    pub description: Option<String>,
    /// The contact email (up to 128 characters).
    pub email: Option<String>,
    /// The profile picture's URL.
    pub profile_picture_url: Option<String>,
    /// Up to two websites.
    pub websites: Vec<String>,
    /// Meta's vertical code, e.g. `RESTAURANT`.
    #[schema(example = "RESTAURANT")]
    pub vertical: Option<String>,
    /// The vertical as WhatsApp shows it, e.g. `Restaurant`.
    #[schema(example = "Restaurant")]
    pub vertical_label: Option<String>,
}

impl From<BusinessProfile> for ProfileView {
    fn from(p: BusinessProfile) -> Self {
        ProfileView {
            vertical_label: p.vertical.as_deref().map(|v| vertical_label(v).to_string()),
            about: p.about,
            address: p.address,
            description: p.description,
            email: p.email,
            profile_picture_url: p.profile_picture_url,
            websites: p.websites,
            vertical: p.vertical,
        }
    }
}

/// Body of `POST /v1/channels/{id}/profile`: the fields to change (at least one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// The About text, 1–139 characters.
    pub about: Option<String>,
    /// The business address, up to 256 characters.
    pub address: Option<String>,
    /// The business description, up to 256 characters.
    pub description: Option<String>,
    /// The contact email, up to 128 characters.
    pub email: Option<String>,
    /// Up to two websites (`http://` or `https://`), each up to 256 characters.
    pub websites: Option<Vec<String>>,
    /// Meta's vertical code (`OTHER`, `AUTO`, `BEAUTY`, `APPAREL`, `EDU`, `ENTERTAIN`,
    /// `EVENT_PLAN`, `FINANCE`, `GROCERY`, `GOVT`, `HOTEL`, `HEALTH`, `NONPROFIT`,
    /// `PROF_SERVICES`, `RETAIL`, `TRAVEL`, `RESTAURANT`, `ALCOHOL`, `ONLINE_GAMBLING`,
    /// `PHYSICAL_GAMBLING`, `OTC_DRUGS`) or its label (`Restaurant`).
    #[schema(example = "RESTAURANT")]
    pub vertical: Option<String>,
}

/// The answer of a change accepted by the upstream.
#[derive(Debug, Serialize, ToSchema)]
pub struct Updated {
    /// Always true (a refused change is an error answer).
    pub success: bool,
}

/// A channel's commerce settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommerceView {
    /// Whether customers can add products to a cart.
    pub is_cart_enabled: bool,
    /// Whether the catalog storefront icon shows.
    pub is_catalog_visible: bool,
}

/// Body of `POST /v1/channels/{id}/commerce`: the settings to change (at least one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommerceBody {
    /// Enable or disable the cart.
    pub is_cart_enabled: Option<bool>,
    /// Show or hide the catalog storefront icon.
    pub is_catalog_visible: Option<bool>,
}

/// A channel's WhatsApp business profile, read from the upstream.
#[utoipa::path(get, path = "/v1/channels/{id}/profile", tag = "channels",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ProfileView),
        (status = 400, description = "Refused by the upstream (`upstream_rejected`)", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "The channel's kind has no business profile (`unsupported_by_channel`)", body = crate::error::ErrorBody),
        (status = 503, description = "The upstream could not be reached", body = crate::error::ErrorBody),
    ))]
async fn get_profile(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanRead>,
) -> ApiResult<Json<ProfileView>> {
    let found = profile::get(&state.gateway.upstream, &channel).await?;
    Ok(Json(found.into()))
}

/// Changes fields of a channel's WhatsApp business profile upstream (checked against Meta's
/// limits first). The profile picture is not changed here.
#[utoipa::path(post, path = "/v1/channels/{id}/profile", tag = "channels",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    request_body = ProfileBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Updated),
        (status = 400, description = "A field breaks Meta's limits (`invalid_parameter`, naming it), or the upstream refused (`upstream_rejected`)", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "The channel's kind has no business profile (`unsupported_by_channel`)", body = crate::error::ErrorBody),
        (status = 503, description = "The upstream could not be reached", body = crate::error::ErrorBody),
    ))]
async fn update_profile(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanManage>,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<Updated>> {
    let update = ProfileUpdate {
        about: body.about,
        address: body.address,
        description: body.description,
        email: body.email,
        websites: body.websites,
        vertical: body.vertical,
    };
    profile::update(&state.gateway.upstream, &channel, update).await?;
    Ok(Json(Updated { success: true }))
}

/// A channel's commerce settings (cart, catalog icon), read from the upstream.
#[utoipa::path(get, path = "/v1/channels/{id}/commerce", tag = "channels",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CommerceView),
        (status = 400, description = "Refused by the upstream (`upstream_rejected`)", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "The channel's kind has no commerce settings (`unsupported_by_channel`)", body = crate::error::ErrorBody),
        (status = 503, description = "The upstream could not be reached", body = crate::error::ErrorBody),
    ))]
async fn get_commerce(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanRead>,
) -> ApiResult<Json<CommerceView>> {
    let settings = profile::commerce(&state.gateway.upstream, &channel).await?;
    Ok(Json(CommerceView {
        is_cart_enabled: settings.is_cart_enabled.unwrap_or(false),
        is_catalog_visible: settings.is_catalog_visible.unwrap_or(false),
    }))
}

/// Changes a channel's commerce settings upstream.
#[utoipa::path(post, path = "/v1/channels/{id}/commerce", tag = "channels",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    request_body = CommerceBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Updated),
        (status = 400, description = "Nothing to change (`invalid_parameter`), or the upstream refused (`upstream_rejected`)", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "The channel's kind has no commerce settings (`unsupported_by_channel`)", body = crate::error::ErrorBody),
        (status = 503, description = "The upstream could not be reached", body = crate::error::ErrorBody),
    ))]
async fn update_commerce(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanManage>,
    ApiJson(body): ApiJson<CommerceBody>,
) -> ApiResult<Json<Updated>> {
    let settings = CommerceSettings {
        is_cart_enabled: body.is_cart_enabled,
        is_catalog_visible: body.is_catalog_visible,
    };
    profile::update_commerce(&state.gateway.upstream, &channel, settings).await?;
    Ok(Json(Updated { success: true }))
}
