//! The omnichannel API at `/compat/whautomate/`: `POST v1/messages/{platform}/{sendtext|
//! sendmedia|sendtemplate}` on WhatsApp, Telegram, Instagram and Messenger, and
//! `GET v1/messages/{contactId}`; the key in the `x-api-key` header. Sends answer
//! `{"success": true}`; errors are `{"success": false, "error": …, "code": …}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchboard_core::time::now_millis;
use switchboard_core::whautomate::view::HistoryEntry;
use switchboard_core::whautomate::{Action, Platform};
use switchboard_service::send::{SendError, SendParts};
use switchboard_service::whautomate::history::{history, HistoryQuery, LIMIT_DEFAULT, LIMIT_MAX};
use switchboard_service::whautomate::{send, WhautomateError};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{Auth, CanRead, CanSend, Need};
use crate::auth::{KeyPrincipal, Principal};
use crate::error::ApiError;
use crate::state::AppState;

mod schema;

use schema::{
    GenericTemplateBody, MediaBody, TelegramTemplateBody, TextBody, WhatsappTemplateBody,
};

/// The routes, under `/compat/whautomate/`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(contact_messages))
        .routes(routes!(whatsapp_sendtext))
        .routes(routes!(whatsapp_sendmedia))
        .routes(routes!(whatsapp_sendtemplate))
        .routes(routes!(telegram_sendtext))
        .routes(routes!(telegram_sendmedia))
        .routes(routes!(telegram_sendtemplate))
        .routes(routes!(instagram_sendtext))
        .routes(routes!(instagram_sendmedia))
        .routes(routes!(instagram_sendtemplate))
        .routes(routes!(messenger_sendtext))
        .routes(routes!(messenger_sendmedia))
        .routes(routes!(messenger_sendtemplate))
}

/// The dialect's error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhautomateErrorBody {
    /// Always false.
    pub success: bool,
    /// What is wrong and how to fix it.
    pub error: String,
    /// A stable machine-readable code (see the README's table).
    pub code: String,
}

/// A send's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuccessBody {
    /// Always true: the message is stored durably (scheduled when `scheduleDateTime` is
    /// given) and dispatched; its id is in the `x-message-id` header.
    pub success: bool,
}

fn fail(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(WhautomateErrorBody {
            success: false,
            error: message.into(),
            code: code.to_string(),
        }),
    )
        .into_response()
}

fn auth_failure(e: ApiError) -> Response {
    let (status, code) = e.status_and_code();
    let mut response = fail(status, code, e.to_string());
    if let ApiError::Unauthorized(_) = e {
        response = fail(
            status,
            code,
            format!("{e}; send your Switchboard API key in the x-api-key header"),
        );
    }
    if let ApiError::TooManyRequests {
        retry_after_secs, ..
    } = e
    {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from(retry_after_secs),
        );
    }
    response
}

fn key<P: Need>(principal: Result<Principal, ApiError>) -> Result<KeyPrincipal, Box<Response>> {
    let principal = principal.map_err(|e| Box::new(auth_failure(e)))?;
    Auth::<P>::check(&principal)
        .map(|a| a.key().clone())
        .map_err(|e| Box::new(auth_failure(e)))
}

fn send_failure(e: SendError) -> Response {
    let window = |m: &str| fail(StatusCode::UNPROCESSABLE_ENTITY, "window_closed", m);
    match e {
        SendError::Invalid(e) => {
            let code = if (132_000..133_000).contains(&e.code) {
                "invalid_template_parameters"
            } else {
                "invalid_parameter"
            };
            let message = if e.path.is_empty() || e.details.starts_with(&e.path) {
                e.details
            } else {
                format!("{}: {}", e.path, e.details)
            };
            fail(StatusCode::BAD_REQUEST, code, message)
        }
        SendError::WindowClosed { .. } => window(
            "the contact has not written to this channel in the last 24 hours: only a WhatsApp template (sendtemplate) reaches them until they write again",
        ),
        e @ SendError::Unsupported { .. } => fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_message_kind",
            e.to_string(),
        ),
        e @ SendError::Schedule(_) => fail(StatusCode::BAD_REQUEST, "invalid_schedule", e.to_string()),
        e @ SendError::KeyReused => fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            e.to_string(),
        ),
        SendError::Store(e) => {
            tracing::error!(error = %e, "whautomate: the store failed");
            unavailable()
        }
    }
}

fn unavailable() -> Response {
    fail(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the message could not be stored or read right now; try again",
    )
}

fn failure(e: WhautomateError) -> Response {
    match e {
        WhautomateError::Invalid(d) => fail(StatusCode::BAD_REQUEST, d.code, d.message),
        WhautomateError::NotFound { code, message } => fail(StatusCode::NOT_FOUND, code, message),
        WhautomateError::Send(e) => send_failure(e),
        WhautomateError::Store(e) => {
            tracing::error!(error = %e, "whautomate: the store failed");
            unavailable()
        }
    }
}

fn body_fields(body: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, Box<Response>> {
    let bytes = body.map_err(|e| {
        Box::new(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than allowed",
            )
        } else {
            fail(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the request body could not be read: {e}"),
            )
        })
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Box::new(fail(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "the body must be a JSON object",
        ))),
        Err(e) => Err(Box::new(fail(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the body is not valid JSON ({e}); send a JSON object with Content-Type application/json"),
        ))),
    }
}

/// One send: the key checked, the body read, translated and sent.
async fn send_route(
    state: &AppState,
    principal: Result<Principal, ApiError>,
    platform: Platform,
    action: Action,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let key = match key::<CanSend>(principal) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let fields = match body_fields(body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    match send(
        &SendParts::from(&state.gateway),
        key.account_id,
        key.channel_id,
        platform,
        action,
        &fields,
        now_millis(),
    )
    .await
    {
        Ok(answer) => {
            let mut response = Json(SuccessBody { success: true }).into_response();
            if let Some(id) = answer.body["messages"][0]["id"]
                .as_str()
                .and_then(|id| HeaderValue::from_str(id).ok())
            {
                response.headers_mut().insert("x-message-id", id);
            }
            response
        }
        Err(e) => failure(e),
    }
}

/// The query of a contact's history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct HistoryParams {
    /// Messages per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// The page, from 1 (the newest messages; default 1).
    pub page: Option<String>,
    /// Only messages whose text, footer or buttons contain this (case-insensitive).
    pub search_text: Option<String>,
}

fn number(name: &str, text: Option<&str>, default: u32, max: u32) -> Result<u32, Box<Response>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(default);
    };
    match text.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(Box::new(fail(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("{name}: `{text}` must be a whole number from 1 to {max}"),
        ))),
    }
}

/// A contact's messages on every channel of the account (WhatsApp, Telegram, Instagram,
/// Messenger), newest first, with their statuses.
#[utoipa::path(get, path = "/compat/whautomate/v1/messages/{contactId}", tag = "compat-whautomate",
    params(("contactId" = String, Path, description = "The contact's id (`ct_…`)"),
           HistoryParams,
           ("x-api-key" = String, Header, description = "A Switchboard API key")),
    responses(
        (status = 200, body = Vec<HistoryEntry>, description = "The page of the history, newest first"),
        (status = 400, body = WhautomateErrorBody, description = "`limit` or `page` is not a number in range (`invalid_parameter`)"),
        (status = 401, body = WhautomateErrorBody, description = "No key, or an unknown or revoked one (`unauthorized`)"),
        (status = 404, body = WhautomateErrorBody, description = "No such contact in the account (`contact_not_found`)"),
    ))]
async fn contact_messages(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    Path(contact_id): Path<String>,
    query: Result<Query<HistoryParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let key = match key::<CanRead>(principal) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let Ok(Query(params)) = query else {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "the query must be limit, page and searchText",
        );
    };
    let limit = match number("limit", params.limit.as_deref(), LIMIT_DEFAULT, LIMIT_MAX) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    let page = match number("page", params.page.as_deref(), 1, u32::MAX) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    let query = HistoryQuery {
        limit,
        page,
        search: params.search_text,
    };
    match history(
        state.store().as_ref(),
        key.account_id,
        key.channel_id,
        &contact_id,
        &query,
    )
    .await
    {
        Ok(entries) => Json(entries).into_response(),
        Err(e) => failure(e),
    }
}

/// Defines one documented send route.
macro_rules! send_route {
    ($name:ident, $path:literal, $platform:expr, $action:expr, $body:ty, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "compat-whautomate",
            request_body = $body,
            params(("x-api-key" = String, Header, description = "A Switchboard API key with send permission")),
            responses(
                (status = 200, body = SuccessBody, description = "Stored durably and dispatched (or scheduled); the message id is in the `x-message-id` header"),
                (status = 400, body = WhautomateErrorBody, description = "A missing or invalid field (`invalid_parameter`, `invalid_body`, `invalid_schedule`), parameters that do not fit the template (`invalid_template_parameters`), several channels of the platform without `location.id` (`ambiguous_channel`)"),
                (status = 401, body = WhautomateErrorBody, description = "No key, or an unknown or revoked one (`unauthorized`)"),
                (status = 403, body = WhautomateErrorBody, description = "The key cannot send (`forbidden`)"),
                (status = 404, body = WhautomateErrorBody, description = "`contact_not_found`, `channel_not_found`, `template_not_found`"),
                (status = 422, body = WhautomateErrorBody, description = "`window_closed` (the contact has not written in 24 hours: send a WhatsApp template), `unsupported_message_kind`"),
            ))]
        async fn $name(
            State(state): State<AppState>,
            principal: Result<Principal, ApiError>,
            body: Result<Bytes, BytesRejection>,
        ) -> Response {
            send_route(&state, principal, $platform, $action, body).await
        }
    };
}

send_route!(
    whatsapp_sendtext,
    "/compat/whautomate/v1/messages/whatsapp/sendtext",
    Platform::Whatsapp,
    Action::Text,
    TextBody,
    "Sends `textMessage` on WhatsApp (inside the contact's 24-hour window)."
);
send_route!(whatsapp_sendmedia, "/compat/whautomate/v1/messages/whatsapp/sendmedia", Platform::Whatsapp, Action::Media, MediaBody,
    "Sends the file at `mediaUrl` on WhatsApp as the kind `mimeType` names (image, video, audio, else document).");
send_route!(whatsapp_sendtemplate, "/compat/whautomate/v1/messages/whatsapp/sendtemplate", Platform::Whatsapp, Action::Template, WhatsappTemplateBody,
    "Sends an approved template on WhatsApp, its parameters mapped onto the synced template's components and checked against them.");
send_route!(
    telegram_sendtext,
    "/compat/whautomate/v1/messages/telegram/sendtext",
    Platform::Telegram,
    Action::Text,
    TextBody,
    "Sends `textMessage` to a Telegram contact."
);
send_route!(
    telegram_sendmedia,
    "/compat/whautomate/v1/messages/telegram/sendmedia",
    Platform::Telegram,
    Action::Media,
    MediaBody,
    "Sends the file at `mediaUrl` to a Telegram contact."
);
send_route!(telegram_sendtemplate, "/compat/whautomate/v1/messages/telegram/sendtemplate", Platform::Telegram, Action::Template, TelegramTemplateBody,
    "Sends a Telegram media message (`headerType`, `mediaUrl`) captioned `textMessage` with an inline keyboard from `buttons[]`.");
send_route!(
    instagram_sendtext,
    "/compat/whautomate/v1/messages/instagram/sendtext",
    Platform::Instagram,
    Action::Text,
    TextBody,
    "Sends `textMessage` to an Instagram contact (inside their 24-hour window)."
);
send_route!(
    instagram_sendmedia,
    "/compat/whautomate/v1/messages/instagram/sendmedia",
    Platform::Instagram,
    Action::Media,
    MediaBody,
    "Sends the file at `mediaUrl` to an Instagram contact."
);
send_route!(
    instagram_sendtemplate,
    "/compat/whautomate/v1/messages/instagram/sendtemplate",
    Platform::Instagram,
    Action::Template,
    GenericTemplateBody,
    "Sends `elements[]` as Meta's generic template (one to ten cards: title, subtitle, image, a link opened by a tap, up to three web_url or postback buttons; phone_number buttons on Messenger only), inside the contact's 24-hour window."
);
send_route!(
    messenger_sendtext,
    "/compat/whautomate/v1/messages/messenger/sendtext",
    Platform::Messenger,
    Action::Text,
    TextBody,
    "Sends `textMessage` to a Messenger contact (inside their 24-hour window)."
);
send_route!(
    messenger_sendmedia,
    "/compat/whautomate/v1/messages/messenger/sendmedia",
    Platform::Messenger,
    Action::Media,
    MediaBody,
    "Sends the file at `mediaUrl` to a Messenger contact."
);
send_route!(
    messenger_sendtemplate,
    "/compat/whautomate/v1/messages/messenger/sendtemplate",
    Platform::Messenger,
    Action::Template,
    GenericTemplateBody,
    "Sends `elements[]` as Meta's generic template (one to ten cards: title, subtitle, image, a link opened by a tap, up to three web_url or postback buttons; phone_number buttons on Messenger only), inside the contact's 24-hour window."
);
