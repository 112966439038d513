//! The MultiWhats API at `/compat/multiwhats/api/v1/`: `POST basic/whatsapp/send-dynamic`
//! and `GET basic/whatsapp/queue/{id}`, the key as the `apikey` query parameter or in the
//! JSON body, answered with the service's queue object; errors are
//! `{"status": false, "message": …}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use switchboard_core::multiwhats::read;
use switchboard_core::time::now_millis;
use switchboard_service::multiwhats::{queue, send_dynamic, QueueError};
use switchboard_service::send::SendParts;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{Auth, CanRead, CanSend, Need};
use crate::auth::{KeyPrincipal, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// The MultiWhats routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_dynamic_route))
        .routes(routes!(queue_route))
}

/// The service's error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MultiwhatsError {
    /// Always false.
    pub status: bool,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The `send-dynamic` body, as the service documents it.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[schema(example = json!({"from": "15550000001", "to": "905374937766", "message": "Do you allow us to message you?", "type": "button", "buttons": ["👍 Yes", "⛔ No"]}))]
pub struct SendDynamicRequest {
    /// Your WhatsApp number with its country code (a channel's `display_phone_number`), or
    /// a channel id (`ch_…`).
    pub from: String,
    /// One number with its country code, or a list of them.
    #[schema(value_type = Object)]
    pub to: Value,
    /// The text (emoji and `\n` allowed).
    pub message: String,
    /// `button` (reply buttons from `buttons`, ids `1`..`3`) or `text` (default).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// One to three button texts (at most 20 characters each), for `button`.
    pub buttons: Option<Vec<String>>,
    /// When to send, `YYYY-MM-DD HH:MM:SS` in UTC; omitted means now.
    pub send_at: Option<String>,
    /// The key, when not in the query.
    pub apikey: Option<String>,
}

fn fail(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(MultiwhatsError {
            status: false,
            message: message.into(),
        }),
    )
        .into_response()
}

fn auth_failure(e: ApiError) -> Response {
    if let ApiError::TooManyRequests {
        message,
        retry_after_secs,
        ..
    } = &e
    {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            format!("{message}; retry in {retry_after_secs} s"),
        );
    }
    let status = match e {
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::UNAUTHORIZED,
    };
    fail(
        status,
        format!("apikey: {e}; add ?apikey=<your Switchboard API key> to the URL or \"apikey\" to the JSON body"),
    )
}

fn queue_failure(e: QueueError) -> Response {
    match e {
        QueueError::Invalid(m) => fail(StatusCode::BAD_REQUEST, m),
        QueueError::Insufficient(m) => fail(StatusCode::PAYMENT_REQUIRED, m),
        QueueError::NotFound(m) => fail(StatusCode::NOT_FOUND, m),
        QueueError::Store(e) => {
            tracing::error!(error = %e, "multiwhats: the store failed");
            fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "the queue could not be read or stored right now; try again",
            )
        }
    }
}

/// The key: from the body's `apikey` when given, else from the request (query or header).
async fn key<P: Need>(
    state: &AppState,
    principal: Result<Principal, ApiError>,
    body_key: Option<&str>,
) -> Result<KeyPrincipal, Response> {
    let principal = match body_key {
        Some(token) => state.auth.verify(token).await,
        None => principal,
    }
    .map_err(auth_failure)?;
    Auth::<P>::check(&principal)
        .map(|a| a.key().clone())
        .map_err(auth_failure)
}

/// Queues a text or button message to one number or a list (the MultiWhats API's
/// `send-dynamic`); a queue is a broadcast underneath (credits, counters, per-target rows),
/// `send_at` schedules it. Answers the queue object.
#[utoipa::path(post, path = "/compat/multiwhats/api/v1/basic/whatsapp/send-dynamic", tag = "compat-multiwhats",
    request_body = SendDynamicRequest,
    params(("apikey" = Option<String>, Query, description = "A Switchboard API key with send permission (or `apikey` in the body)")),
    responses(
        (status = 200, description = "The queue object (`id`, `platform`, `from_identifier`, counters, `status`, `send_at`, `extra_data`, `targets[]`)"),
        (status = 400, body = MultiwhatsError, description = "Malformed body or invalid field"),
        (status = 401, body = MultiwhatsError, description = "No key, or an unknown or revoked one"),
        (status = 402, body = MultiwhatsError, description = "The account's credits do not cover the targets"),
        (status = 403, body = MultiwhatsError, description = "The key cannot send"),
        (status = 404, body = MultiwhatsError, description = "`from` is not a WhatsApp channel of the account"),
    ))]
async fn send_dynamic_route(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let value: Value = match body
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON ({e}); send a JSON object with from, to, message and type"),
            )
        }
    };
    let body_key = value.get("apikey").and_then(Value::as_str);
    let key = match key::<CanSend>(&state, principal, body_key).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let request = match read(&value) {
        Ok(r) => r,
        Err(m) => return fail(StatusCode::BAD_REQUEST, m),
    };
    match send_dynamic(
        &SendParts::from(&state.gateway),
        &state.gateway.broadcasts,
        key.account_id,
        key.channel_id,
        &request,
        now_millis(),
    )
    .await
    {
        Ok(queue) => Json(queue).into_response(),
        Err(e) => queue_failure(e),
    }
}

/// A queue with live counters (`pending → sent → delivered/not_delivered → seen`, following
/// the targets' real statuses) and its targets.
#[utoipa::path(get, path = "/compat/multiwhats/api/v1/basic/whatsapp/queue/{id}", tag = "compat-multiwhats",
    params(("id" = String, Path, description = "The queue id send-dynamic answered"),
           ("apikey" = Option<String>, Query, description = "A Switchboard API key")),
    responses(
        (status = 200, description = "The queue object"),
        (status = 401, body = MultiwhatsError, description = "No key, or an unknown or revoked one"),
        (status = 404, body = MultiwhatsError, description = "No such queue in the account"),
    ))]
async fn queue_route(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
) -> Response {
    let key = match key::<CanRead>(&state, principal, None).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    match queue(
        &SendParts::from(&state.gateway),
        key.account_id,
        key.channel_id,
        &id,
    )
    .await
    {
        Ok(queue) => Json(queue).into_response(),
        Err(e) => queue_failure(e),
    }
}
