//! `POST /{version}/{phone_number_id}/messages`: sends and read receipts.

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::classify::unexpected;
use super::client::{graph_url, Call};
use super::CloudClient;
use super::CloudTarget;
use crate::{ConnectorError, SendReceipt};

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    messages: Vec<MessageRef>,
    #[serde(default)]
    contacts: Vec<ContactRef>,
}

#[derive(Deserialize)]
struct MessageRef {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct ContactRef {
    #[serde(default)]
    wa_id: Option<String>,
}

/// `{"success": true}` answers (read receipts, template deletion).
#[derive(Deserialize)]
pub(crate) struct SuccessAnswer {
    #[serde(default)]
    pub(crate) success: Option<bool>,
}

#[derive(Serialize)]
struct MarkRead<'a> {
    messaging_product: &'static str,
    status: &'static str,
    message_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    typing_indicator: Option<TypingIndicator>,
}

#[derive(Serialize)]
struct TypingIndicator {
    #[serde(rename = "type")]
    kind: &'static str,
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// POSTs `body` (already serialized JSON) to the messages edge.
async fn post_messages<T: serde::de::DeserializeOwned>(
    c: &CloudClient,
    op: &'static str,
    target: &CloudTarget,
    body: Vec<u8>,
) -> Result<T, ConnectorError> {
    let url = graph_url(target, &[&target.phone_number_id, "messages"])?;
    let call = Call::new(op, Method::POST, url, target, c.config.request_timeout);
    let req = c.request(&call).header(CONTENT_TYPE, JSON).body(body);
    c.execute_json(&call, req).await
}

/// Sends one message; the body goes out byte for byte as `serde_json` writes it.
pub(crate) async fn send(
    c: &CloudClient,
    target: &CloudTarget,
    body: &Value,
) -> Result<SendReceipt, ConnectorError> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| ConnectorError::permanent(format!("cannot serialize the message: {e}")))?;
    let answer: SendAnswer = post_messages(c, "send", target, bytes).await?;
    let upstream_id = answer
        .messages
        .into_iter()
        .next()
        .and_then(|m| m.id)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| unexpected(200, "no message id in messages[0].id"))?;
    let wa_id = answer
        .contacts
        .into_iter()
        .next()
        .and_then(|c| c.wa_id)
        .filter(|w| !w.is_empty());
    Ok(SendReceipt {
        upstream_id,
        wa_id,
        media_id: None,
    })
}

/// Marks an inbound message read, optionally with a typing indicator.
pub(crate) async fn mark_read(
    c: &CloudClient,
    target: &CloudTarget,
    message_id: &str,
    typing_indicator: bool,
) -> Result<(), ConnectorError> {
    if message_id.is_empty() {
        return Err(ConnectorError::permanent(
            "missing message id to mark as read",
        ));
    }
    let body = MarkRead {
        messaging_product: "whatsapp",
        status: "read",
        message_id,
        typing_indicator: typing_indicator.then_some(TypingIndicator { kind: "text" }),
    };
    let bytes = serde_json::to_vec(&body)
        .map_err(|e| ConnectorError::permanent(format!("cannot serialize the request: {e}")))?;
    let answer: SuccessAnswer = post_messages(c, "mark_read", target, bytes).await?;
    expect_success(answer.success)
}

/// `{"success": true}` or a transient "unexpected answer".
pub(crate) fn expect_success(success: Option<bool>) -> Result<(), ConnectorError> {
    if success == Some(true) {
        Ok(())
    } else {
        Err(unexpected(200, "expected {\"success\":true}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_read_bodies() {
        let plain = MarkRead {
            messaging_product: "whatsapp",
            status: "read",
            message_id: "wamid.X",
            typing_indicator: None,
        };
        assert_eq!(
            serde_json::to_value(&plain).expect("json"),
            serde_json::json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"})
        );
        let typing = MarkRead {
            typing_indicator: Some(TypingIndicator { kind: "text" }),
            ..plain
        };
        assert_eq!(
            serde_json::to_value(&typing).expect("json"),
            serde_json::json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X",
                               "typing_indicator":{"type":"text"}})
        );
        assert!(expect_success(Some(true)).is_ok());
        assert_eq!(
            expect_success(Some(false)).expect_err("false").class,
            crate::ErrorClass::Transient
        );
        assert!(expect_success(None).is_err());
    }
}
