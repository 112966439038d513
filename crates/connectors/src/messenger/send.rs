//! `POST /{v}/{id}/messages`: one canonical message, mapped and checked, then sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::classify::unexpected;
use super::http::{call, edge_url};
use super::outbound::to_send_api;
use super::PageTarget;
use crate::cloud::CloudClient;
use crate::{ConnectorError, SendReceipt};

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    recipient_id: Option<Value>,
    #[serde(default)]
    message_id: Option<String>,
}

static REACTIONS: AtomicU64 = AtomicU64::new(0);

/// The local id of a reaction: Meta answers a `react`/`unreact` with no message id, so the
/// receipt carries `{action}.{target mid}.{unix ms}.{n}`, unique per process.
fn reaction_id(action: &str, target_mid: &str) -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let n = REACTIONS.fetch_add(1, Ordering::Relaxed);
    format!("{action}.{target_mid}.{ms}.{n}")
}

/// Maps `body` (a limit violation is a permanent error naming the field, before any call),
/// sends it, and reads `{recipient_id, message_id}`.
pub(crate) async fn send(
    c: &CloudClient,
    target: &PageTarget,
    body: &Value,
) -> Result<SendReceipt, ConnectorError> {
    let wire = to_send_api(body, target.platform).map_err(|e| {
        ConnectorError::permanent(format!(
            "cannot send this message to {}: {e}",
            target.platform.as_str()
        ))
    })?;
    let action = wire.get("sender_action").and_then(Value::as_str);
    let call = call(
        if action.is_some() { "react" } else { "send" },
        Method::POST,
        edge_url(target, "messages")?,
        Some(&target.access_token),
        c.config().request_timeout,
    );
    let answer: SendAnswer = c.execute_json(&call, c.request(&call).json(&wire)).await?;
    let wa_id = match answer.recipient_id {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let upstream_id = match (answer.message_id.filter(|m| !m.is_empty()), action) {
        (Some(mid), _) => mid,
        (None, Some(action)) => {
            let target_mid = wire
                .pointer("/payload/message_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            reaction_id(action, target_mid)
        }
        (None, None) => return Err(unexpected(200, "no message_id")),
    };
    Ok(SendReceipt {
        upstream_id,
        wa_id,
        media_id: None,
    })
}

/// Sends a sender action (`mark_seen`, `typing_on`) to `recipient`.
pub(crate) async fn sender_action(
    c: &CloudClient,
    target: &PageTarget,
    recipient: &str,
    action: &str,
) -> Result<(), ConnectorError> {
    let call = call(
        "sender action",
        Method::POST,
        edge_url(target, "messages")?,
        Some(&target.access_token),
        c.config().request_timeout,
    );
    let wire = serde_json::json!({"recipient": {"id": recipient}, "sender_action": action});
    c.execute(&call, c.request(&call).json(&wire))
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaction_ids_are_unique() {
        let a = reaction_id("react", "m_1");
        let b = reaction_id("react", "m_1");
        assert!(a.starts_with("react.m_1."), "{a}");
        assert_ne!(a, b);
    }
}
