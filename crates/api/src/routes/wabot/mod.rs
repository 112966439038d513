//! The WhatsApp Web bot platform's API at `/compat/wabot/`: instances (WhatsApp Web
//! channels with an instance token), bot settings (the native bot), sends and its webhook,
//! translated onto the native services. The key is `Authorization: Bearer <key>`; an
//! instance request names the instance by `session_id` and proves it with `access_token`,
//! in the query or the body. Bodies are JSON (whatever the `Content-Type`: the platform's
//! samples send JSON without one), form-encoded, or multipart where a file is sent.
//! Answers are `{status: true, message, data}`; errors `{status: false, message, code}`.

mod instances;
mod media;
mod send;
mod settings;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};
use switchboard_core::channel::Channel;
use switchboard_service::wabot::{self, InstanceError};
use switchboard_store::wabot_instances::WabotInstance;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::access::{Auth, Need};
use crate::auth::{KeyPrincipal, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// The bot platform routes, under `/compat/wabot/`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(instances::router())
        .merge(settings::router())
        .merge(send::router())
        .merge(media::router())
}

/// A request's fields (of its body or its query).
pub(crate) type Fields = Map<String, Value>;

/// The dialect's error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WabotError {
    /// Always false.
    pub status: bool,
    /// What is wrong and how to fix it.
    pub message: String,
    /// A stable machine-readable code (the native API's codes).
    pub code: String,
}

/// The dialect's answer: `{status: true, message, data}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WabotAnswer {
    /// Always true.
    pub status: bool,
    /// What was done, in words.
    pub message: String,
    /// The answer's object (a list for `GET whatsapp`).
    pub data: Value,
}

/// A success answer.
pub(crate) fn answer(message: &str, data: Value) -> Response {
    Json(WabotAnswer {
        status: true,
        message: message.into(),
        data,
    })
    .into_response()
}

/// A native error in the dialect's shape; unexpected errors stay opaque.
pub(crate) fn fail(e: ApiError) -> Response {
    let (status, code) = e.status_and_code();
    let mut message = match &e {
        ApiError::Internal(detail) => crate::error::opaque_internal(detail, "x-request-id"),
        other => other.to_string(),
    };
    if matches!(e, ApiError::Unauthorized(_)) && !message.contains("access_token") {
        message.push_str("; send your Switchboard API key as Authorization: Bearer <key>");
    }
    let mut response = (
        status,
        Json(WabotError {
            status: false,
            message,
            code: code.to_string(),
        }),
    )
        .into_response();
    if let ApiError::TooManyRequests {
        retry_after_secs, ..
    } = &e
    {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from(*retry_after_secs),
        );
    }
    response
}

/// The handler's answer, or its error in the dialect's shape.
pub(crate) fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(fail)
}

impl From<InstanceError> for ApiError {
    fn from(e: InstanceError) -> Self {
        match e {
            InstanceError::Missing(m) => ApiError::BadRequest {
                code: "invalid_parameter",
                message: m,
            },
            InstanceError::NotFound(m) => ApiError::NotFound(m),
            e @ InstanceError::WrongToken(_) => ApiError::Unauthorized(e.to_string()),
            InstanceError::Service(e) => ApiError::from(e),
        }
    }
}

/// The calling key, allowed what `P` needs.
pub(crate) fn key<P: Need>(
    principal: Result<Principal, ApiError>,
) -> Result<KeyPrincipal, ApiError> {
    Ok(Auth::<P>::check(&principal?)?.key().clone())
}

/// A body's fields: a JSON object (whatever the content type, when it looks like one), or a
/// form-encoded body; an empty body is no fields.
pub(crate) fn body_fields(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Map<String, Value>, ApiError> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Ok(Map::new());
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let looks_json = trimmed.first() == Some(&b'{') || trimmed.first() == Some(&b'[');
    if content_type.starts_with("application/x-www-form-urlencoded") && !looks_json {
        return Ok(form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect());
    }
    match serde_json::from_slice::<Value>(trimmed) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::BadRequest {
            code: "invalid_body",
            message: "the body must be a JSON object".into(),
        }),
        Err(e) => Err(ApiError::BadRequest {
            code: "invalid_body",
            message: format!("the body is not valid JSON ({e}); send a JSON object, or a form-encoded body with Content-Type application/x-www-form-urlencoded"),
        }),
    }
}

/// The body's and the query's fields of a request.
pub(crate) fn request_fields(
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Fields, Fields), ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the request body is larger than allowed".into())
        } else {
            ApiError::BadRequest {
                code: "unreadable_body",
                message: format!("the request body could not be read: {e}"),
            }
        }
    })?;
    Ok((body_fields(headers, &body)?, query_fields(uri)))
}

/// The query's parameters.
pub(crate) fn query_fields(uri: &Uri) -> Map<String, Value> {
    uri.query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// `name` from the body, else from the query (an empty value counts as not given).
pub(crate) fn param(
    body: &Map<String, Value>,
    query: &Map<String, Value>,
    name: &str,
) -> Option<String> {
    let text = |m: &Map<String, Value>| {
        m.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    text(body).or_else(|| text(query))
}

/// The instance `session_id` names, its `access_token` checked (body or query).
pub(crate) async fn instance(
    state: &AppState,
    key: &KeyPrincipal,
    body: &Map<String, Value>,
    query: &Map<String, Value>,
) -> Result<(Channel, WabotInstance), ApiError> {
    Ok(wabot::open(
        state.store().as_ref(),
        key.account_id,
        key.channel_id,
        param(body, query, "session_id").as_deref(),
        param(body, query, "access_token").as_deref(),
    )
    .await?)
}

/// The instance's settings object, as the platform shows it.
pub(crate) fn settings_object(i: &wabot::Instance) -> Value {
    let s = &i.settings;
    let number = i
        .session
        .paired_as
        .as_ref()
        .map(|p| p.phone_number().to_string());
    let connected =
        i.session.state == switchboard_core::channel::web_session::SessionState::Working;
    json!({
        "bot_number": number,
        "bot_name": s.bot_name,
        "status": if connected { "CONNECTED" } else { "DISCONNECTED" },
        "bot_timezone": s.bot_timezone,
        "bot_lang": s.bot_lang,
        "default_msg": s.default_msg,
        "actions": s.actions,
        "active_days": s.active_days,
        "active_hours": s.active_hours,
        "access_token": i.record.access_token,
        "enabled": s.enabled,
    })
}

/// The instance object of `createNewWhatsapp` and the list.
pub(crate) fn instance_object(i: &wabot::Instance) -> Value {
    let id = i.channel.id.to_string();
    json!({
        "settings": settings_object(i),
        "_id": id,
        "user_id": i.channel.account_id.to_string(),
        "session_id": id,
        "session_state": i.session.state.as_str(),
        "webhookUrl": i.webhook.as_ref().map(|w| w.url.clone()),
        "createdAt": switchboard_core::time::to_rfc3339(i.channel.created_at),
        "updatedAt": switchboard_core::time::to_rfc3339(i.channel.updated_at.max(i.session.updated_at)),
        "__v": 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_json_even_without_a_json_content_type() {
        let mut form = HeaderMap::new();
        form.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let json_body = Bytes::from_static(b"{\n\"chatId\": \"2349048988056\"\n}");
        assert_eq!(
            body_fields(&form, &json_body).expect("json")["chatId"],
            "2349048988056"
        );
        let form_body = Bytes::from_static(b"chatId=2349048988056&caption=Yo");
        assert_eq!(
            body_fields(&form, &form_body).expect("form")["caption"],
            "Yo"
        );
        assert!(body_fields(&HeaderMap::new(), &Bytes::from_static(b"  "))
            .expect("empty")
            .is_empty());
        assert!(body_fields(&HeaderMap::new(), &Bytes::from_static(b"{oops")).is_err());
    }
}
