//! The fake phone's control routes, `/emulator/web/{channel_id}/{action}`: the phone scans, enters a
//! pair code, a contact writes, the server drops the connection, unlinks, replaces, bans.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::channel::WebShared;
use super::driver::FakeWebDriver;
use super::inbound;
use super::phone::{Ending, PhoneState};
use super::session::FakeSession;

/// Largest control body (an injected media file in base64).
const MAX_BODY_BYTES: usize = 96 * 1024 * 1024;

/// A refused control action: the HTTP status, a stable code and a message; the routes answer
/// `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct WebControlError {
    /// The HTTP status (400 malformed, 404 unknown, 409 wrong state, 503 not stored).
    pub status: u16,
    /// A stable code (`no_qr_code`, `wrong_pair_code`, `not_connected`, …).
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
}

impl WebControlError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }
}

impl IntoResponse for WebControlError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (status, Json(body)).into_response()
    }
}

/// The routes, state applied.
pub(crate) fn router(driver: FakeWebDriver) -> Router {
    Router::new()
        .route(
            "/emulator/web/{channel_id}/{action}",
            get(get_action).post(post_action),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(driver)
}

async fn get_action(
    State(driver): State<FakeWebDriver>,
    Path((channel_id, action)): Path<(String, String)>,
) -> Response {
    if action != "state" {
        return unknown_action(&action).into_response();
    }
    match driver.state(&channel_id).await {
        Some(state) => Json(state).into_response(),
        None => WebControlError::new(
            404,
            "unknown_channel",
            format!("the fake phone never saw channel {channel_id}"),
        )
        .into_response(),
    }
}

async fn post_action(
    State(driver): State<FakeWebDriver>,
    Path((channel_id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body = if body.is_empty() {
        Ok(json!({}))
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            WebControlError::bad_request("invalid_json", format!("invalid JSON body: {e}"))
        })
    };
    let outcome = match body {
        Ok(body) => driver.control(&channel_id, &action, body).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok((status, answer)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            (status, Json(answer)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

fn unknown_action(action: &str) -> WebControlError {
    WebControlError::new(
        404,
        "unknown_action",
        format!(
            "unknown action `{action}`: GET state; POST scan, enter-code, inbound, disconnect, \
             fail-reconnects, logout, replace, ban, outdated"
        ),
    )
}

fn body<T: DeserializeOwned>(body: Value) -> Result<T, WebControlError> {
    serde_json::from_value(body)
        .map_err(|e| WebControlError::bad_request("invalid_body", format!("invalid body: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scan {
    phone_number: String,
    push_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnterCode {
    code: String,
    push_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Disconnect {
    #[serde(default)]
    clean: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailReconnects {
    count: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ban {
    expires_in_ms: Option<u64>,
    code: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// Runs one action.
pub(crate) async fn run(
    shared: &Arc<WebShared>,
    channel_id: &str,
    action: &str,
    raw: Value,
) -> Result<(u16, Value), WebControlError> {
    let live = || {
        shared.live(channel_id).ok_or_else(|| {
            WebControlError::new(
                404,
                "no_session",
                format!("no session of the fake phone runs for channel {channel_id}"),
            )
        })
    };
    let ok = |v: Value| (200, v);
    match action {
        "scan" => {
            let b: Scan = body(raw)?;
            live()?.scan(&b.phone_number, b.push_name).await.map(ok)
        }
        "enter-code" => {
            let b: EnterCode = body(raw)?;
            live()?.enter_code(&b.code, b.push_name).await.map(ok)
        }
        "inbound" => inject(shared, channel_id, raw).await,
        "disconnect" => {
            let b: Disconnect = body(raw)?;
            live()?.drop_connection(b.clean).await.map(ok)
        }
        "fail-reconnects" => {
            let b: FailReconnects = body(raw)?;
            shared.with_channel(channel_id, |c| c.fail_reconnects = b.count);
            Ok(ok(json!({"fail_reconnects": b.count})))
        }
        "logout" | "replace" | "outdated" => {
            let _: Empty = body(raw)?;
            let ending = match action {
                "logout" => Ending::Unlinked,
                "replace" => Ending::Replaced,
                _ => Ending::Outdated,
            };
            live()?.ending(ending).await.map(ok)
        }
        "ban" => {
            let b: Ban = body(raw)?;
            let ending = Ending::Banned {
                code: b.code,
                expires_in_ms: b.expires_in_ms,
            };
            live()?.ending(ending).await.map(ok)
        }
        other => Err(unknown_action(other)),
    }
}

/// A contact writes: the message is kept until acknowledged, delivered now when connected
/// (200 `{stored: true}` once the receiver stored it, 503 otherwise), else at the next
/// connect (202 `{stored: false, queued: true}`).
async fn inject(
    shared: &Arc<WebShared>,
    channel_id: &str,
    raw: Value,
) -> Result<(u16, Value), WebControlError> {
    let injected = shared
        .with_channel(channel_id, |c| inbound::parse(channel_id, raw, &mut c.rng))
        .map_err(|e| WebControlError::bad_request("invalid_message", e))?;
    if let Some((handle, data)) = injected.media.clone() {
        shared.put_media(handle, data);
    }
    let message = injected.message;
    let id = message.id.clone();
    let queue = |shared: &WebShared| {
        shared.with_channel(channel_id, |c| c.pending.push(message.clone()));
    };
    let queued = (202, json!({"id": id, "stored": false, "queued": true}));
    let Some(session) = shared.live(channel_id) else {
        queue(shared);
        return Ok(queued);
    };
    let answer = {
        let phone = session.phone().await;
        queue(shared);
        if phone.stopped || phone.state != PhoneState::Connected {
            return Ok(queued);
        }
        session.deliver(&phone, vec![message.clone()]).await
    };
    stored(&session, id, answer.await)
}

fn stored(
    session: &FakeSession,
    id: String,
    answer: Result<(), String>,
) -> Result<(u16, Value), WebControlError> {
    match answer {
        Ok(()) => {
            session.acknowledged(std::slice::from_ref(&id));
            Ok((200, json!({"id": id, "stored": true})))
        }
        Err(e) => Err(WebControlError::new(
            503,
            "not_stored",
            format!("message {id} was not stored ({e}); it is redelivered at the next connect"),
        )),
    }
}
