//! The 1msg API at `/compat/1msg/{channel_id}/`: a WhatsApp Business channel's methods, the key
//! as the `token` query parameter (any place a Switchboard key is read also works), bodies as
//! JSON or form-encoded (multipart where a file is sent), recipients by `phone` or `chatId`
//! (`…@c.us`), translated onto the native services. Errors are `{"error": …, "code": …}`
//! (send methods add `"sent": false`).

mod account;
mod history;
mod send;
mod templates;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_core::channel::Channel;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::access::{Need, ScopedChannel};
use crate::error::ApiError;
use crate::state::AppState;

/// The 1msg routes, under `/compat/1msg/{channel_id}/`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(account::router())
        .merge(history::router())
        .merge(send::router())
        .merge(templates::router())
}

/// The dialect's error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneMsgError {
    /// What is wrong and how to fix it.
    pub error: String,
    /// A stable machine-readable code (the native API's codes).
    pub code: String,
    /// `false` on the send methods' errors; absent elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<bool>,
}

/// An error answer of a non-send method.
pub(crate) fn fail(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(OneMsgError {
            error: message.into(),
            code: code.to_string(),
            sent: None,
        }),
    )
        .into_response()
}

/// A native error in the dialect's shape (`sent: false` when `sending`); unexpected errors
/// stay opaque, as the native API answers them.
pub(crate) fn from_api_error(e: ApiError, sending: bool) -> Response {
    let (status, code) = e.status_and_code();
    let mut message = match &e {
        ApiError::Internal(detail) => crate::error::opaque_internal(detail, "x-request-id"),
        other => other.to_string(),
    };
    if matches!(e, ApiError::Unauthorized(_)) {
        message.push_str("; add ?token=<your Switchboard API key> to the URL");
    }
    let retry = match &e {
        ApiError::TooManyRequests {
            retry_after_secs, ..
        } => Some(*retry_after_secs),
        _ => None,
    };
    let mut response = (
        status,
        Json(OneMsgError {
            error: message,
            code: code.to_string(),
            sent: sending.then_some(false),
        }),
    )
        .into_response();
    if let Some(secs) = retry {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(secs),
        );
    }
    response
}

/// The route's channel (`{channel_id}`), of the key's account and in its scope, the key
/// allowed what `P` needs; rejections in the dialect's error shape.
pub(crate) struct OneMsgChannel<P> {
    /// The channel and the calling key.
    pub scoped: ScopedChannel<P>,
}

impl<P> OneMsgChannel<P> {
    /// The channel.
    pub fn channel(&self) -> &Channel {
        &self.scoped.channel
    }
}

impl<P: Need> FromRequestParts<AppState> for OneMsgChannel<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let sending = parts.method == axum::http::Method::POST
            && parts
                .uri
                .path()
                .rsplit('/')
                .next()
                .is_some_and(|last| last.starts_with("send"));
        ScopedChannel::<P>::from_request_parts(parts, state)
            .await
            .map(|scoped| Self { scoped })
            .map_err(|e| from_api_error(e, sending))
    }
}

/// A request body's fields: a JSON object, or a form-encoded body (`application/x-www-form-
/// urlencoded`, values as strings); an empty body is no fields.
pub(crate) fn body_fields(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the body must be a JSON object (or a form-encoded body)".into()),
        Err(e) => Err(format!(
            "the body is not valid JSON ({e}); send a JSON object, or a form-encoded body with Content-Type application/x-www-form-urlencoded"
        )),
    }
}

/// A body's fields (JSON or form-encoded); an unreadable or oversized body, or one of another
/// shape, is a 4xx in the dialect's error shape.
pub(crate) fn read_fields(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Map<String, Value>, Box<Response>> {
    let body = body.map_err(|e| {
        Box::new(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than allowed",
            )
        } else {
            fail(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                format!("the request body could not be read: {e}"),
            )
        })
    })?;
    body_fields(headers, &body)
        .map_err(|m| Box::new(fail(StatusCode::BAD_REQUEST, "invalid_body", m)))
}

/// A whole request's body fields (JSON or form-encoded), read up to `limit` bytes; a larger
/// body is 413 and a body of another shape 400, in the dialect's error shape.
pub(crate) async fn request_fields(
    request: Request,
    limit: usize,
) -> Result<Map<String, Value>, Box<Response>> {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return Err(Box::new(from_api_error(
            ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes")),
            false,
        )));
    };
    body_fields(&parts.headers, &bytes)
        .map_err(|m| Box::new(fail(StatusCode::BAD_REQUEST, "invalid_body", m)))
}

/// Whether a request carries a multipart body.
pub(crate) fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"))
}

/// The recipient of a send: `chatId` (`12020721369@c.us`) or `phone` (digits, a number or a
/// string; spaces, dashes, dots and brackets in it are ignored), as a WhatsApp id (digits
/// only). An empty one counts as not given (1msg's catalog sample sends `"chatId": ""`).
pub(crate) fn recipient(fields: &Map<String, Value>) -> Result<String, String> {
    let given = |name: &str| {
        fields
            .get(name)
            .filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
    };
    let (chat_id, phone) = (given("chatId"), given("phone"));
    let raw = match (chat_id, phone) {
        (Some(Value::String(c)), _) => {
            let number = c.strip_suffix("@c.us").ok_or_else(|| {
                format!("chatId: {c:?} is not a chat id; use the form 12020721369@c.us, or give phone instead")
            })?;
            number.to_string()
        }
        (Some(other), _) => {
            return Err(format!(
                "chatId: must be a string like 12020721369@c.us, got {other}"
            ))
        }
        (None, Some(Value::Number(n))) => n.to_string(),
        (None, Some(Value::String(s))) => s
            .trim()
            .trim_start_matches('+')
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect(),
        (None, Some(other)) => {
            return Err(format!(
                "phone: must be a number like 12020721369, got {other}"
            ))
        }
        (None, None) => {
            return Err(
                "give the recipient as chatId (12020721369@c.us) or phone (12020721369)".into(),
            )
        }
    };
    if raw.is_empty() || raw.len() > 15 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{raw:?} is not a phone number; give the international number in digits, with the country code and without +"
        ));
    }
    Ok(raw)
}

/// The answer of every send method: `{sent, id, message: "Sent to …@c.us", description}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentAnswer {
    /// Always true (a refused send is an error answer).
    pub sent: bool,
    /// The message's Switchboard id (`msg_…`, known at once; the upstream's `wamid.…` comes
    /// later): the id `checkAcks`, `messages`, `quotedMsgId` and the webhooks use (they take
    /// the `wamid.…` too).
    pub id: String,
    /// `Sent to <number>@c.us`.
    pub message: String,
    /// `Message has been sent to the provider`.
    pub description: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_recipient_is_a_chat_id_or_a_phone() {
        assert_eq!(
            recipient(&fields(json!({"chatId": "12020721369@c.us"}))).as_deref(),
            Ok("12020721369")
        );
        assert_eq!(
            recipient(&fields(json!({"phone": 12020721369u64}))).as_deref(),
            Ok("12020721369")
        );
        assert_eq!(
            recipient(&fields(json!({"phone": "+12020721369"}))).as_deref(),
            Ok("12020721369")
        );
        assert_eq!(
            recipient(&fields(json!({"chatId": "", "phone": "12020721369"}))).as_deref(),
            Ok("12020721369")
        );
        assert_eq!(
            recipient(&fields(json!({"phone": "+1 (202) 072-1369"}))).as_deref(),
            Ok("12020721369")
        );
        assert!(recipient(&fields(json!({"chatId": "12020721369@g.us"}))).is_err());
        assert!(recipient(&fields(json!({}))).is_err());
        assert!(recipient(&fields(json!({"phone": "abc"}))).is_err());
    }

    #[test]
    fn bodies_are_json_or_form_encoded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let body = Bytes::from_static(
            b"body=%F0%9F%91%8D&quotedMsgId=wamid.HBgLdemo-text-001&chatId=12020721369%40c.us",
        );
        let map = body_fields(&headers, &body).unwrap();
        assert_eq!(map["body"], "👍");
        assert_eq!(map["chatId"], "12020721369@c.us");
        let json = body_fields(&HeaderMap::new(), &Bytes::from_static(b"{\"a\":1}")).unwrap();
        assert_eq!(json["a"], 1);
        assert!(body_fields(&HeaderMap::new(), &Bytes::from_static(b"[1]")).is_err());
        assert!(body_fields(&HeaderMap::new(), &Bytes::from_static(b""))
            .unwrap()
            .is_empty());
    }
}
