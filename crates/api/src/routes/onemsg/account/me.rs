//! `GET /me` (the profile in 1msg's shape: `about`, `address`, `description`, `email`,
//! `phone`, `vertical` as its label, plus `photo` and `websites`) and `POST /me` (change
//! fields, `{"result": "success"}`), over the native business profile.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_core::business_profile::{vertical_label, ProfileUpdate};
use switchboard_core::channel::{sandbox_display_number, Channel, ChannelKind};
use switchboard_service::channels::profile;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{
    fail, from_api_error, is_multipart, request_fields, OneMsgChannel, OneMsgError,
};
use crate::access::{CanManage, CanRead};
use crate::error::ApiError;
use crate::state::AppState;

/// The `me` routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_me, post_me))
}

/// The channel's profile, in 1msg's shape (unset fields are empty strings).
#[derive(Debug, Serialize, ToSchema)]
pub struct OneMsgProfile {
    /// The About text.
    #[schema(example = "Some about info")]
    pub about: String,
    /// The business address.
    #[schema(example = "Neverland, Unexpected st.")]
    pub address: String,
    /// The business description.
    #[schema(example = "Some company description")]
    pub description: String,
    /// The business email.
    #[schema(example = "john@neverland.play")]
    pub email: String,
    /// The channel's WhatsApp number (international, digits only).
    #[schema(example = "12020721369")]
    pub phone: String,
    /// The industry, as WhatsApp shows it (`Other`, `Restaurant`, …).
    #[schema(example = "Other")]
    pub vertical: String,
    /// The profile picture's URL.
    pub photo: String,
    /// The business websites (up to 2).
    pub websites: Vec<String>,
}

/// The answer of `POST /me`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultAnswer {
    /// `success`.
    #[schema(example = "success")]
    pub result: String,
}

/// The channel's own number, digits only (empty when not known yet).
pub(crate) fn channel_number(channel: &Channel) -> String {
    match (channel.kind, channel.settings.cloud()) {
        (ChannelKind::Sandbox, Some(s)) => sandbox_display_number(&s.phone_number_id),
        (_, Some(s)) => s.display_phone_number.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Get Profile Info: the channel's business profile.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/me", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key")),
    responses(
        (status = 200, body = OneMsgProfile),
        (status = 401, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 422, body = OneMsgError, description = "The channel's kind has no business profile (`unsupported_by_channel`)"),
        (status = 503, body = OneMsgError, description = "The upstream could not be reached"),
    ))]
async fn get_me(State(state): State<AppState>, channel: OneMsgChannel<CanRead>) -> Response {
    let channel = channel.channel();
    match profile::get(&state.gateway.upstream, channel).await {
        Ok(p) => Json(OneMsgProfile {
            about: p.about.unwrap_or_default(),
            address: p.address.unwrap_or_default(),
            description: p.description.unwrap_or_default(),
            email: p.email.unwrap_or_default(),
            phone: channel_number(channel),
            vertical: p
                .vertical
                .as_deref()
                .map(|v| vertical_label(v).to_string())
                .unwrap_or_default(),
            photo: p.profile_picture_url.unwrap_or_default(),
            websites: p.websites,
        })
        .into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}

/// A text field of the body, if given.
fn text(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{name}: must be a string, got {other}")),
    }
}

/// The profile change a `POST /me` body asks for.
fn update_of(fields: &Map<String, Value>, number: &str) -> Result<ProfileUpdate, ApiError> {
    let bad = ApiError::invalid;
    if fields.get("photo").is_some_and(|v| !v.is_null()) {
        return Err(ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "photo_unsupported",
            message: "photo: changing the profile picture is not supported here; change it in WhatsApp Manager, and send the other fields without photo".into(),
        });
    }
    if let Some(unknown) = fields.keys().find(|k| {
        !matches!(
            k.as_str(),
            "about"
                | "address"
                | "description"
                | "email"
                | "phone"
                | "vertical"
                | "websites"
                | "photo"
                | "token"
        )
    }) {
        return Err(bad(format!(
            "{unknown}: not a profile field; give about, address, description, email, vertical or websites"
        )));
    }
    if let Some(phone) = text(fields, "phone").map_err(bad)? {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if digits != number {
            return Err(bad(format!(
                "phone: the linked number ({number}) cannot be changed through the API; leave phone out"
            )));
        }
    }
    let websites = match fields.get("websites") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(vec![s.clone()]),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("websites: each must be a URL string, got {v}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad)?,
        ),
        Some(other) => {
            return Err(bad(format!(
                "websites: must be a list of URLs, got {other}"
            )))
        }
    };
    Ok(ProfileUpdate {
        about: text(fields, "about").map_err(bad)?,
        address: text(fields, "address").map_err(bad)?,
        description: text(fields, "description").map_err(bad)?,
        email: text(fields, "email").map_err(bad)?,
        websites,
        vertical: text(fields, "vertical").map_err(bad)?,
    })
}

/// Change user info: about, address, description, email, vertical (1msg's labels or Meta's
/// codes), websites; checked against Meta's limits. `photo` is refused (422
/// `photo_unsupported`); `phone` may only repeat the channel's number.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/me", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with manage permission")),
    request_body(content = Object, description = "`about`, `address`, `description`, `email`, `vertical`, `websites` (JSON or form-encoded)"),
    responses(
        (status = 200, body = ResultAnswer),
        (status = 400, body = OneMsgError, description = "A field breaks Meta's limits (`invalid_parameter`, naming it), or the upstream refused (`upstream_rejected`)"),
        (status = 401, body = OneMsgError),
        (status = 403, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 422, body = OneMsgError, description = "`photo` given (`photo_unsupported`), or the channel's kind has no business profile (`unsupported_by_channel`)"),
        (status = 503, body = OneMsgError, description = "The upstream could not be reached"),
    ))]
async fn post_me(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanManage>,
    request: Request,
) -> Response {
    if is_multipart(&request) {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_unsupported",
            "a multipart body carries a photo, which cannot be changed here; send the other fields as JSON or form-encoded",
        );
    }
    let fields = match request_fields(request, state.settings.body_limit).await {
        Ok(f) => f,
        Err(answer) => return *answer,
    };
    let channel = channel.channel();
    let update = match update_of(&fields, &channel_number(channel)) {
        Ok(u) => u,
        Err(e) => return from_api_error(e, false),
    };
    match profile::update(&state.gateway.upstream, channel, update).await {
        Ok(()) => Json(ResultAnswer {
            result: "success".into(),
        })
        .into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}
