//! The control API under `/emulator/` (no Graph auth): records, faults, phone numbers,
//! customer messages, reset.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::config::{Faults, PhoneNumberConfig};
use crate::emulator::Emulator;
use crate::error::EmulatorError;
use crate::state::{read, Inner};

/// A control API error: `{"error":{"message"}}`.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": {"message": message.into()}}))).into_response()
}

/// The JSON body, or a 400.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {e}"),
        ))
    })
}

/// A simulated user's action body: its JSON, `{}` when empty, or a 400.
pub(crate) fn action_body(body: &[u8]) -> Result<Value, Box<Response>> {
    if body.is_empty() {
        Ok(json!({}))
    } else {
        parse(body)
    }
}

/// A simulated user's action as an answer: the JSON, 404 for an unknown bot, number or page,
/// 400 otherwise.
pub(crate) fn outcome(result: Result<Value, EmulatorError>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(
            e @ (EmulatorError::UnknownBot(_)
            | EmulatorError::UnknownPage(_)
            | EmulatorError::UnknownPhoneNumber(_)),
        ) => error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

fn emulator(inner: Arc<Inner>) -> Emulator {
    Emulator::from_inner(inner)
}

/// `GET /emulator/requests`.
pub(crate) async fn requests(State(inner): State<Arc<Inner>>) -> Response {
    Json(emulator(inner).requests()).into_response()
}

/// `GET /emulator/messages`.
pub(crate) async fn messages(State(inner): State<Arc<Inner>>) -> Response {
    Json(emulator(inner).sent_messages()).into_response()
}

/// `GET /emulator/webhooks`.
pub(crate) async fn webhooks(State(inner): State<Arc<Inner>>) -> Response {
    Json(emulator(inner).webhook_deliveries()).into_response()
}

/// `GET /emulator/faults`.
pub(crate) async fn get_faults(State(inner): State<Arc<Inner>>) -> Response {
    Json(inner.faults()).into_response()
}

/// `POST /emulator/faults`: replaces the faults.
pub(crate) async fn set_faults(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    match parse::<Faults>(&body) {
        Ok(f) => {
            emulator(inner).set_faults(f);
            Json(json!({"success": true})).into_response()
        }
        Err(r) => *r,
    }
}

/// `GET /emulator/phone_numbers`: the numbers, secrets redacted.
pub(crate) async fn list_phone_numbers(State(inner): State<Arc<Inner>>) -> Response {
    let mut list: Vec<Value> = read(&inner.phones)
        .values()
        .map(|p| {
            json!({
                "phone_number_id": p.phone_number_id,
                "waba_id": p.waba_id,
                "display_phone_number": p.display_phone_number,
                "verified_name": p.verified_name,
                "webhook_url": p.webhook_url,
            })
        })
        .collect();
    list.sort_by(|a, b| {
        a["phone_number_id"]
            .to_string()
            .cmp(&b["phone_number_id"].to_string())
    });
    Json(list).into_response()
}

/// `POST /emulator/phone_numbers`: adds or replaces one number.
pub(crate) async fn add_phone_number(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    match parse::<PhoneNumberConfig>(&body) {
        Ok(p) if p.phone_number_id.is_empty() || p.waba_id.is_empty() => error(
            StatusCode::BAD_REQUEST,
            "phone_number_id and waba_id are required",
        ),
        Ok(p) => {
            emulator(inner).add_phone_number(p);
            Json(json!({"success": true})).into_response()
        }
        Err(r) => *r,
    }
}

/// `POST /emulator/customers/{phone}/messages`: the customer `{phone}` writes.
///
/// Body: `{"phone_number_id"?: "…", "message": {…}}`, or the message itself. The message's
/// `from` is set to `{phone}`. Without `phone_number_id` the only registered number is used.
pub(crate) async fn inject(
    State(inner): State<Arc<Inner>>,
    Path(customer): Path<String>,
    body: Bytes,
) -> Response {
    let value: Value = match parse(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let wrapped = value.get("message").is_some_and(Value::is_object) && value.get("type").is_none();
    let (phone_id, mut message) = if wrapped {
        (
            value
                .get("phone_number_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            value.get("message").cloned().unwrap_or(Value::Null),
        )
    } else {
        (None, value)
    };
    let phone_id = match phone_id {
        Some(p) => p,
        None => {
            let phones = read(&inner.phones);
            if phones.len() != 1 {
                return error(
                    StatusCode::BAD_REQUEST,
                    "phone_number_id is required when the emulator has other than one number",
                );
            }
            phones.keys().next().cloned().unwrap_or_default()
        }
    };
    if let Some(obj) = message.as_object_mut() {
        obj.insert("from".to_string(), Value::String(customer));
    }
    match emulator(inner).inject_inbound(&phone_id, message).await {
        Ok(id) => Json(json!({"id": id})).into_response(),
        Err(e @ EmulatorError::UnknownPhoneNumber(_)) => {
            error(StatusCode::NOT_FOUND, e.to_string())
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// `POST /emulator/reset`: clears requests, sent messages and webhook deliveries.
pub(crate) async fn reset(State(inner): State<Arc<Inner>>) -> Response {
    emulator(inner).reset();
    Json(json!({"success": true})).into_response()
}
