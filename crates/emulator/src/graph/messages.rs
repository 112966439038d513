//! `POST /{version}/{phone_number_id}/messages`: sends and mark-as-read.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::message::{parse_request, CloudRequest, OutboundMessage};

use super::{authorize_phone, check_version, gate, json_body};
use crate::config::PhoneNumberConfig;
use crate::error::GraphError;
use crate::meta_send;
use crate::records::SentMessage;
use crate::simulate::{self, text_of, undeliverable_error, window_error, Accepted};
use crate::state::{lock, now_millis, now_secs, Inner};

/// The handler. An id that is `me` or a registered page (and not a phone number) goes to the
/// Messenger/Instagram Send API.
pub(crate) async fn post(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if meta_send::serves(&inner, &id) {
        return meta_send::send::post(&inner, &version, &id, query.as_deref(), &headers, body)
            .await
            .into_response();
    }
    match handle(&inner, &version, &id, &headers, &body).await {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn handle(
    inner: &Arc<Inner>,
    version: &str,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, GraphError> {
    check_version(version, &format!("/{id}/messages"))?;
    let phone = authorize_phone(inner, headers, id, "POST")?;
    gate(inner).await?;
    let value = json_body(body)?;
    let is_read = value.get("status").and_then(Value::as_str) == Some("read");
    if !is_read {
        rate_limits(inner, id, &value)?;
    }
    let request = parse_request(&value).map_err(|e| GraphError::from(&e))?;
    match request {
        CloudRequest::MarkRead { message_id, .. } => {
            if lock(&inner.inbound_ids).contains(id, &message_id) {
                Ok(json!({"success": true}))
            } else {
                Err(GraphError::invalid(format!(
                    "Message with id {message_id} was not received by phone number {id}."
                )))
            }
        }
        CloudRequest::Send(m) => send(inner, phone, m, value),
    }
}

/// Throughput per number (130429), then pair rate (131056).
fn rate_limits(inner: &Inner, phone: &str, value: &Value) -> Result<(), GraphError> {
    let faults = inner.faults();
    let now = Instant::now();
    if let Some(limit) = faults.throughput_limit_mps {
        if !lock(&inner.throughput).admit(phone, limit, now) {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                130429,
                "Rate limit hit",
                format!(
                    "Cloud API message throughput ({limit} messages per second) has been reached."
                ),
            ));
        }
    }
    if let Some(rate) = &faults.pair_rate_limit {
        let to: String = value
            .get("to")
            .and_then(Value::as_str)
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if !to.is_empty() && !lock(&inner.pairs).admit(phone, &to, rate, now) {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                131056,
                "(Business Account, Consumer Account) pair rate limit hit",
                "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
            ));
        }
    }
    Ok(())
}

fn send(
    inner: &Arc<Inner>,
    phone: Arc<PhoneNumberConfig>,
    m: OutboundMessage,
    raw: Value,
) -> Result<Value, GraphError> {
    let category = if m.kind == "template" {
        check_template(inner, &phone.waba_id, &m.body)?
    } else {
        "service".to_string()
    };
    let wamid = inner.ids.wamid();
    lock(&inner.records).sent.push(SentMessage {
        wamid: wamid.clone(),
        phone_number_id: phone.phone_number_id.clone(),
        to: m.address.to_string(),
        body: raw,
        time_ms: now_millis(),
    });
    let failure = if inner.undeliverable(m.address.as_str()) {
        Some(undeliverable_error())
    } else if inner.config.enforce_window
        && m.kind != "template"
        && !inner.window_open(&phone.phone_number_id, m.address.as_str(), now_secs())
    {
        Some(window_error())
    } else {
        None
    };
    let mut answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": m.to_input, "wa_id": m.address}],
        "messages": [{"id": wamid}],
    });
    if m.kind == "template" {
        answer["messages"][0]["message_status"] = json!("accepted");
    }
    simulate::spawn(
        inner.clone(),
        Accepted {
            phone,
            wamid,
            wa_id: m.address.into_string(),
            kind: m.kind,
            category,
            text: text_of(&m.body),
            failure,
            accepted_at: tokio::time::Instant::now(),
        },
    );
    Ok(answer)
}

/// 132001 unless the template exists, approved, in that language; 132000 when the body (or
/// text header) parameter count differs from the template's placeholders. Returns the
/// template's category in lowercase.
fn check_template(inner: &Inner, waba: &str, body: &Value) -> Result<String, GraphError> {
    let name = body
        .pointer("/template/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let language = body
        .pointer("/template/language/code")
        .or_else(|| body.pointer("/template/language"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let templates = lock(&inner.templates);
    let template = templates
        .find(waba, name, language)
        .filter(|t| t.status == "APPROVED")
        .ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                132001,
                "Template name does not exist in the translation",
                format!("template name ({name}) does not exist in {language}"),
            )
        })?;
    let (body_expected, header_expected) = template.placeholder_counts();
    let given = |kind: &str, text_only: bool| -> usize {
        body.pointer("/template/components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| {
                c.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case(kind))
            })
            .filter_map(|c| c.get("parameters").and_then(Value::as_array))
            .flatten()
            .filter(|p| !text_only || p.get("type").and_then(Value::as_str) == Some("text"))
            .count()
    };
    for (kind, expected, got) in [
        ("body", body_expected, given("body", false)),
        ("header", header_expected, given("header", true)),
    ] {
        if expected != got {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                132000,
                "Number of parameters does not match the expected number of params",
                format!(
                    "{kind}: number of localizable_params ({got}) does not match the expected number of params ({expected})"
                ),
            ));
        }
    }
    Ok(template.category.to_ascii_lowercase())
}
