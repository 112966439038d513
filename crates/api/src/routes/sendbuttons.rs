//! The Send Buttons service's API at `/compat/sendbuttons/`: `POST sendButtons` with the key
//! in the JSON body (`apiKey`), answered in the service's shape (`status` OK/FAIL with a
//! `reason` code), translated onto the native send.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_core::sendbuttons::{read, Reason, Refusal, SendButtons};
use switchboard_core::time::now_millis;
use switchboard_service::send::SendParts;
use switchboard_service::sendbuttons::send_buttons;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{Auth, CanSend};
use crate::auth::KeyPrincipal;
use crate::error::ApiError;
use crate::state::AppState;

/// The Send Buttons routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(send_buttons_route))
}

/// The body of `sendButtons`, as the Send Buttons service documents it.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case)]
#[schema(example = json!({"apiKey": "sk_…", "from": "15550000001", "to": "972501234567", "header": "1",
    "body": "your body", "footer": "your footer", "button1": "Yes", "button2": "No"}))]
pub struct SendButtonsRequest {
    /// A Switchboard API key with send permission.
    pub apiKey: String,
    /// Your WhatsApp number (a channel's `display_phone_number`, international without +)
    /// or a channel id (`ch_…`).
    pub from: String,
    /// The customer's number, international without +.
    pub to: String,
    /// 1 none, 2 image, 3 video, 4 document (a number or a string).
    #[schema(value_type = String)]
    pub header: Value,
    /// The header file for `header` 2–4: image JPG/PNG ≤ 5 MB, video MP4 ≤ 16 MB, PDF ≤ 100 MB.
    pub headerURL: Option<String>,
    /// The text, at most 1024 characters.
    pub body: String,
    /// At most 60 characters.
    pub footer: Option<String>,
    /// Button 1 text, at most 20 characters.
    pub button1: String,
    /// Button 2 text, at most 20 characters.
    pub button2: Option<String>,
    /// Button 3 text, at most 20 characters.
    pub button3: Option<String>,
    /// Button 1 id (default `1`), at most 256 characters, returned on the webhook.
    pub button1_id: Option<String>,
    /// Button 2 id (default `2`).
    pub button2_id: Option<String>,
    /// Button 3 id (default `3`).
    pub button3_id: Option<String>,
    /// A website URL: button 1 becomes a URL button (button 2 and 3 are ignored). A phone
    /// number or e-mail is refused (reason 9): WhatsApp carries those only in templates.
    pub buttonExternal: Option<String>,
    /// The id of the customer's message to quote (`wamid.…`).
    pub replyTo: Option<String>,
    /// 1: echo the request (without `apiKey`) in the answer's `request`.
    #[schema(value_type = Option<i32>)]
    pub showRequest: Option<Value>,
    /// 1: fetch `headerURL` into the media store (private networks refused) and send our copy.
    #[schema(value_type = Option<i32>)]
    pub localStorage: Option<Value>,
}

/// The answer of `sendButtons`.
#[derive(Debug, Default, Serialize, ToSchema)]
#[allow(non_snake_case)]
pub struct SendButtonsAnswer {
    /// `OK` (accepted: statuses follow on the webhook) or `FAIL`.
    pub status: String,
    /// The message id (`msg_…`), as in the native API and the webhook's `unique`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique: Option<String>,
    /// The header selection (1–4), echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The text, echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The footer, echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// Button 1 text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button1: Option<String>,
    /// Button 2 text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button2: Option<String>,
    /// Button 3 text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button3: Option<String>,
    /// The external button's target, echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buttonExternal: Option<String>,
    /// Unix seconds.
    pub timestamp: i64,
    /// The channel's WhatsApp number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The recipient as WhatsApp reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Minutes left in the customer's 24-hour window (after it, only templates reach them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templateTimeLeft: Option<String>,
    /// 1 accepted; otherwise why it failed (the README's table).
    pub reason: u8,
    /// On FAIL: what is wrong and how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// With `showRequest`: the request without `apiKey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub request: Option<Value>,
}

fn http_status(reason: Reason) -> StatusCode {
    match reason {
        Reason::Accepted => StatusCode::OK,
        Reason::BadKey => StatusCode::UNAUTHORIZED,
        Reason::UnknownFrom => StatusCode::NOT_FOUND,
        Reason::WindowClosed | Reason::ExternalUnsupported => StatusCode::UNPROCESSABLE_ENTITY,
        Reason::Temporary => StatusCode::SERVICE_UNAVAILABLE,
        Reason::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Reason::InvalidParameter
        | Reason::InvalidNumber
        | Reason::MediaRefused
        | Reason::MediaUnreachable
        | Reason::MalformedBody => StatusCode::BAD_REQUEST,
    }
}

fn fail(refusal: Refusal) -> Response {
    let answer = SendButtonsAnswer {
        status: "FAIL".into(),
        timestamp: now_millis() / 1000,
        reason: refusal.reason.code(),
        description: Some(refusal.description),
        ..SendButtonsAnswer::default()
    };
    (http_status(refusal.reason), Json(answer)).into_response()
}

/// The key in the body, allowed to send.
async fn key_of(state: &AppState, request: &SendButtons) -> Result<KeyPrincipal, Refusal> {
    let bad = |m: String| Refusal::new(Reason::BadKey, m);
    let token = request.api_key.as_deref().ok_or_else(|| {
        bad("apiKey: is required; put your Switchboard API key in the body".into())
    })?;
    let principal = state.auth.verify(token).await.map_err(|e| match e {
        ApiError::TooManyRequests {
            message,
            retry_after_secs,
            ..
        } => Refusal::new(
            Reason::RateLimited,
            format!("{message}; retry in {retry_after_secs} s"),
        ),
        _ => bad("apiKey: unknown or revoked API key; use a key of your account".into()),
    })?;
    let key = Auth::<CanSend>::check(&principal).map_err(|e| {
        bad(format!(
            "apiKey: {e}; use an account key with send permission"
        ))
    })?;
    Ok(key.key().clone())
}

async fn handle(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<SendButtonsAnswer, Refusal> {
    let body = body.map_err(|e| {
        Refusal::new(
            Reason::MalformedBody,
            format!("the request body could not be read: {e}"),
        )
    })?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        Refusal::new(
            Reason::MalformedBody,
            format!("the body is not valid JSON ({e}); send a JSON object"),
        )
    })?;
    let request = read(&value)?;
    let key = key_of(state, &request).await?;
    let now = now_millis();
    let sent = send_buttons(
        &SendParts::from(&state.gateway),
        &state.gateway.media,
        key.account_id,
        key.channel_id,
        &request,
        now,
    )
    .await?;
    let button = |i: usize| request.buttons.get(i).map(|(title, _)| title.clone());
    Ok(SendButtonsAnswer {
        status: "OK".into(),
        unique: Some(sent.unique),
        header: Some(request.header.to_string()),
        body: Some(request.body.clone()),
        footer: request.footer.clone(),
        button1: button(0),
        button2: button(1),
        button3: button(2),
        buttonExternal: request.external_text.clone(),
        timestamp: now / 1000,
        from: Some(sent.from),
        to: Some(sent.to),
        templateTimeLeft: Some(sent.template_time_left.to_string()),
        reason: Reason::Accepted.code(),
        description: None,
        request: request.show_request.then(|| request.request.clone()),
    })
}

/// Sends up to three reply buttons, or one URL button, with an optional media header
/// (the Send Buttons service's `sendButtons`; the key goes in the body as `apiKey`).
///
/// Like the service, it answers only inside the customer's 24-hour window (reason 6
/// otherwise: use a template). Every failure answers `status: FAIL` with a `reason` code
/// and a `description` saying what to fix: 2 key, 3 `from`, 4 parameter, 5 number,
/// 6 window closed, 7 header file type or size, 8 header file unreachable, 9 phone or e-mail
/// external button, 10 body not JSON, 11 temporary. A tapped button reaches a webhook
/// subscription with format `sendbuttons` as `type: "button"` with its text in `body`.
#[utoipa::path(post, path = "/compat/sendbuttons/sendButtons", tag = "compat-sendbuttons",
    request_body = SendButtonsRequest,
    responses(
        (status = 200, body = SendButtonsAnswer, description = "`status: OK`: stored durably and dispatched; statuses follow on the webhook"),
        (status = 400, body = SendButtonsAnswer, description = "`status: FAIL`, reason 4, 5, 7, 8 or 10"),
        (status = 401, body = SendButtonsAnswer, description = "`status: FAIL`, reason 2: no key, an unknown or revoked one, or one without send permission"),
        (status = 404, body = SendButtonsAnswer, description = "`status: FAIL`, reason 3: `from` is not a WhatsApp channel of the account"),
        (status = 422, body = SendButtonsAnswer, description = "`status: FAIL`, reason 6 (window closed: use a template) or 9 (phone or e-mail button)"),
        (status = 503, body = SendButtonsAnswer, description = "`status: FAIL`, reason 11: try again"),
    ))]
async fn send_buttons_route(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match handle(&state, body).await {
        Ok(answer) => Json(answer).into_response(),
        Err(refusal) => fail(refusal),
    }
}
