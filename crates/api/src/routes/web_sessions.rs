//! `/v1/channels/{id}/session|start|stop|restart|logout|qr|pair`: the WhatsApp Web session
//! of a `web` channel. Each state change is also a `channel.status` event carrying the
//! session (with each new QR code and the pairing result), so a client can follow pairing
//! live on `/v1/events/stream`.

use axum::extract::State;
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};
use switchboard_core::channel::web_session::{PairedAs, WebSession};
use switchboard_core::time::to_rfc3339;
use switchboard_service::channels;
use switchboard_service::web::control::{self, ControlError};
use switchboard_web_driver::WebErrorKind;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{CanManage, CanRead, ScopedChannelId};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// Who a paired session is.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairedAsView {
    /// The device's JID, e.g. `2349040613521:8@s.whatsapp.net`.
    pub jid: String,
    /// The account's phone number (digits).
    pub phone_number: String,
    /// Its LID, when WhatsApp gave one.
    pub lid: Option<String>,
    /// The profile name on the phone.
    pub push_name: Option<String>,
    /// The phone's platform.
    pub platform: Option<String>,
}

/// A live QR code (without its image: `GET /v1/channels/{id}/qr`).
#[derive(Debug, Serialize, ToSchema)]
pub struct QrView {
    /// The text the QR image encodes.
    pub code: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// Which code of the pairing it is (1-based).
    pub number: u32,
    /// How many codes the pairing shows before it fails with `qr_timeout`.
    pub of: u32,
}

/// A pair code.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairCodeView {
    /// The 8 characters to type on the phone.
    #[schema(example = "ABCD1234")]
    pub code: String,
    /// The same, as WhatsApp shows it.
    #[schema(example = "ABCD-1234")]
    pub display: String,
    /// The number it is for (digits).
    pub phone_number: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
}

/// A WhatsApp Web channel's session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The channel.
    pub channel_id: String,
    /// `stopped`, `starting`, `scan_qr`, `working` or `failed`.
    #[schema(example = "scan_qr")]
    pub state: String,
    /// For `failed`: `qr_timeout`, `logged_out`, `banned`, `replaced`, `outdated_client`,
    /// `restart_limit` or `start_failed`.
    pub reason: Option<String>,
    /// What happened last, in words.
    pub detail: Option<String>,
    /// Who it is paired as.
    pub paired_as: Option<PairedAsView>,
    /// The live QR code while `scan_qr`.
    pub qr: Option<QrView>,
    /// The live pair code, when one was asked for.
    pub pair_code: Option<PairCodeView>,
    /// Reconnects in a row since it last worked.
    pub restarts: u32,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

fn display_code(code: &str) -> String {
    if code.len() == 8 && code.is_ascii() {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

fn paired_view(p: &PairedAs) -> PairedAsView {
    PairedAsView {
        jid: p.jid.clone(),
        phone_number: p.phone_number().to_string(),
        lid: p.lid.clone(),
        push_name: p.push_name.clone(),
        platform: p.platform.clone(),
    }
}

/// The API view of a session.
pub fn view(s: &WebSession) -> SessionView {
    SessionView {
        channel_id: s.channel_id.to_string(),
        state: s.state.as_str().to_string(),
        reason: s.reason.map(|r| r.as_str().to_string()),
        detail: s.detail.clone(),
        paired_as: s.paired_as.as_ref().map(paired_view),
        qr: s.qr.as_ref().map(|q| QrView {
            code: q.code.clone(),
            expires_at: to_rfc3339(q.expires_at),
            number: q.number,
            of: q.of,
        }),
        pair_code: s.pair_code.as_ref().map(|p| PairCodeView {
            code: p.code.clone(),
            display: display_code(&p.code),
            phone_number: p.phone_number.clone(),
            expires_at: to_rfc3339(p.expires_at),
        }),
        restarts: s.restarts,
        updated_at: to_rfc3339(s.updated_at),
    }
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        let message = e.to_string();
        match e {
            ControlError::NotWeb(..) => ApiError::Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "not_a_web_channel",
                message,
            },
            ControlError::WrongState(_) => ApiError::WrongState {
                code: "session_state",
                message,
            },
            ControlError::OtherNode(_) => ApiError::WrongState {
                code: "session_on_other_node",
                message,
            },
            ControlError::InvalidPhone(_) => ApiError::BadRequest {
                code: "invalid_parameter",
                message,
            },
            ControlError::Session(w) => match w.kind {
                WebErrorKind::Rejected | WebErrorKind::BadRecipient => ApiError::Refused {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "session_refused",
                    message,
                },
                _ => ApiError::Unavailable(message),
            },
            ControlError::Store(s) => ApiError::from(s),
        }
    }
}

/// The session routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_session))
        .routes(routes!(start_session))
        .routes(routes!(stop_session))
        .routes(routes!(restart_session))
        .routes(routes!(logout_session))
        .routes(routes!(session_qr))
        .routes(routes!(pair_session))
}

async fn channel_of(
    state: &AppState,
    account: switchboard_core::id::AccountId,
    id: switchboard_core::id::ChannelId,
) -> ApiResult<switchboard_core::channel::Channel> {
    Ok(channels::get(state.store().as_ref(), account, id).await?)
}

/// A web channel's session: its state, who it is paired as, the live QR or pair code.
#[utoipa::path(get, path = "/v1/channels/{id}/session", tag = "web sessions",
    params(("id" = String, Path, description = "Channel id (`ch_…`) of a `web` channel")),
    security(("bearer" = [])),
    responses((status = 200, body = SessionView), (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "`not_a_web_channel`", body = crate::error::ErrorBody)))]
async fn get_session(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
) -> ApiResult<Json<SessionView>> {
    let channel = channel_of(&state, key.account_id, id).await?;
    let s = control::session(state.store().as_ref(), &channel).await?;
    Ok(Json(view(&s)))
}

/// Starts the session (idempotent while it runs): a paired one connects with its stored
/// keys; an unpaired one moves to `scan_qr` and shows QR codes (and a pair code, when the
/// channel has `pairing_phone_number`).
#[utoipa::path(post, path = "/v1/channels/{id}/start", tag = "web sessions",
    params(("id" = String, Path, description = "Channel id (`ch_…`) of a `web` channel")),
    security(("bearer" = [])),
    responses((status = 202, body = SessionView), (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "`not_a_web_channel`", body = crate::error::ErrorBody)))]
async fn start_session(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
) -> ApiResult<(StatusCode, Json<SessionView>)> {
    let channel = channel_of(&state, key.account_id, id).await?;
    let s = control::start(state.store().as_ref(), &state.gateway.web, &channel).await?;
    Ok((StatusCode::ACCEPTED, Json(view(&s))))
}

/// Stops the session, keeping its keys: the next start resumes without a QR code. Messages
/// sent meanwhile fail (the session is not running).
#[utoipa::path(post, path = "/v1/channels/{id}/stop", tag = "web sessions",
    params(("id" = String, Path, description = "Channel id (`ch_…`) of a `web` channel")),
    security(("bearer" = [])),
    responses((status = 200, body = SessionView), (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "`not_a_web_channel`", body = crate::error::ErrorBody)))]
async fn stop_session(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
) -> ApiResult<Json<SessionView>> {
    let channel = channel_of(&state, key.account_id, id).await?;
    let s = control::stop(state.store().as_ref(), &state.gateway.web, &channel).await?;
    Ok(Json(view(&s)))
}

/// Stops the session and starts it again (a failed one too).
#[utoipa::path(post, path = "/v1/channels/{id}/restart", tag = "web sessions",
    params(("id" = String, Path, description = "Channel id (`ch_…`) of a `web` channel")),
    security(("bearer" = [])),
    responses((status = 202, body = SessionView), (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "`not_a_web_channel`", body = crate::error::ErrorBody)))]
async fn restart_session(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
) -> ApiResult<(StatusCode, Json<SessionView>)> {
    let channel = channel_of(&state, key.account_id, id).await?;
    let s = control::restart(state.store().as_ref(), &state.gateway.web, &channel).await?;
    Ok((StatusCode::ACCEPTED, Json(view(&s))))
}

/// Logs the session out: unlinks the device from the phone, wipes its keys and leaves it
/// `failed` with reason `logged_out`, unpaired; the next start shows QR codes. Must reach the node running the
/// session (409 `session_on_other_node` names it).
#[utoipa::path(post, path = "/v1/channels/{id}/logout", tag = "web sessions",
    params(("id" = String, Path, description = "Channel id (`ch_…`) of a `web` channel")),
    security(("bearer" = [])),
    responses((status = 200, body = SessionView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`session_on_other_node`", body = crate::error::ErrorBody),
        (status = 422, description = "`not_a_web_channel`", body = crate::error::ErrorBody)))]
async fn logout_session(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
) -> ApiResult<Json<SessionView>> {
    let channel = channel_of(&state, key.account_id, id).await?;
    let s = control::logout(state.store().as_ref(), &state.gateway.web, &channel).await?;
    Ok(Json(view(&s)))
}

/// `GET /v1/channels/{id}/qr` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// `png` for the image, `json` for `{code, image_base64, expires_at}`; by default the
    /// `Accept` header decides (`image/png` → the image), else JSON.
    pub format: Option<String>,
}

/// The QR code and its image.
#[derive(Debug, Serialize, ToSchema)]
pub struct QrImageView {
    /// The text the image encodes.
    pub code: String,
    /// The PNG image, base64.
    pub image_base64: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// Which code of the pairing it is (1-based).
    pub number: u32,
    /// How many codes the pairing shows.
    pub of: u32,
}

/// The live QR code of a pairing session (`scan_qr`), as a PNG image or JSON. Codes rotate
/// as WhatsApp issues them (each also a `channel.status` event); after the last one the
/// session fails with `qr_timeout`. 409 `session_state` outside `scan_qr`.
#[utoipa::path(get, path = "/v1/channels/{id}/qr", tag = "web sessions",
    params(("id" = String, Path, description = "Channel id (`ch_…`) of a `web` channel"), QrQuery),
    security(("bearer" = [])),
    responses((status = 200, body = QrImageView, description = "JSON, or the PNG (`image/png`)"),
        (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`session_state`: not pairing", body = crate::error::ErrorBody),
        (status = 422, description = "`not_a_web_channel`", body = crate::error::ErrorBody)))]
async fn session_qr(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
    ApiQuery(query): ApiQuery<QrQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let wants_png = match query.format.as_deref() {
        Some("png") => true,
        Some("json") => false,
        Some(other) => {
            return Err(ApiError::BadRequest {
                code: "invalid_parameter",
                message: format!("format: `{other}` is not a format; use `png` or `json`"),
            })
        }
        None => headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("image/png")),
    };
    let channel = channel_of(&state, key.account_id, id).await?;
    let qr = control::qr(state.store().as_ref(), &channel).await?;
    let image =
        crate::qr_image::png(&qr.code).map_err(|e| ApiError::internal("drawing a QR code", e))?;
    if wants_png {
        return Ok((
            [(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, "no-store")],
            image,
        )
            .into_response());
    }
    Ok((
        [(CACHE_CONTROL, "no-store")],
        Json(QrImageView {
            code: qr.code,
            image_base64: base64::engine::general_purpose::STANDARD.encode(image),
            expires_at: to_rfc3339(qr.expires_at),
            number: qr.number,
            of: qr.of,
        }),
    )
        .into_response())
}

/// Body of `POST /v1/channels/{id}/pair`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    /// The phone number to link, with its country code (digits; `+`, spaces and dashes
    /// are ignored).
    #[schema(example = "2349040613521")]
    pub phone_number: String,
}

/// Asks a pairing session (`scan_qr`) for an 8-character pair code for a phone number:
/// on that phone, WhatsApp → Linked devices → Link with phone number instead. Valid about
/// 3 minutes, beside the QR codes.
#[utoipa::path(post, path = "/v1/channels/{id}/pair", tag = "web sessions", request_body = PairRequest,
    params(("id" = String, Path, description = "Channel id (`ch_…`) of a `web` channel")),
    security(("bearer" = [])),
    responses((status = 200, body = PairCodeView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`session_state` (not pairing) or `session_on_other_node`", body = crate::error::ErrorBody),
        (status = 422, description = "`not_a_web_channel`", body = crate::error::ErrorBody)))]
async fn pair_session(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
    ApiJson(body): ApiJson<PairRequest>,
) -> ApiResult<Json<PairCodeView>> {
    let channel = channel_of(&state, key.account_id, id).await?;
    let code = control::pair(
        state.store().as_ref(),
        &state.gateway.web,
        &channel,
        &body.phone_number,
    )
    .await?;
    Ok(Json(PairCodeView {
        display: display_code(&code.code),
        code: code.code,
        phone_number: code.phone_number,
        expires_at: to_rfc3339(code.expires_at),
    }))
}
