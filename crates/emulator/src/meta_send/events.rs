//! Webhooks of a page — `{object: "page"|"instagram", entry: [{id, time, messaging: [event]}]}`
//! signed with `X-Hub-Signature-256` — and the simulated users behind them: messages,
//! quick-reply taps, postbacks, reactions, blocks, echoes, delivery and read receipts.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_core::cloud_webhook::{sign, SIGNATURE_HEADER};

use super::validate::Outgoing;
use super::PageUser;
use crate::config::{PageConfig, PagePlatform};
use crate::error::EmulatorError;
use crate::simulate::{reply_text, scripted_reply};
use crate::state::{lock, now_millis, Inner};
use crate::webhook::{enqueue, Job, Post};

fn invalid(msg: impl Into<String>) -> EmulatorError {
    EmulatorError::InvalidMessage(msg.into())
}

/// Signs and queues one event on the page's lane for `user` (so a user's events arrive in
/// order). Nothing is sent without a webhook URL.
pub(crate) async fn emit(inner: &Arc<Inner>, page: &PageConfig, user: &str, event: Value) {
    let Some(url) = page.webhook_url.clone().filter(|u| !u.is_empty()) else {
        return;
    };
    let object = match page.platform {
        PagePlatform::Messenger => "page",
        PagePlatform::Instagram => "instagram",
    };
    let payload = json!({
        "object": object,
        "entry": [{"id": page.page_id, "time": now_millis(), "messaging": [event]}],
    });
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let post = Post {
        url,
        headers: vec![(SIGNATURE_HEADER.to_string(), sign(&page.app_secret, &body))],
        body,
    };
    let lane = format!("page:{}", page.page_id);
    enqueue(inner, &lane, user, Job::Post(Box::new(post))).await;
}

/// An event from `user` to the page.
fn from_user(page: &PageConfig, user: &str, key: &str, value: Value) -> Value {
    json!({
        "sender": {"id": user},
        "recipient": {"id": page.page_id},
        "timestamp": now_millis(),
        key: value,
    })
}

/// Runs `f` on the page's user (created on first contact) and returns the page.
fn with_user(
    inner: &Inner,
    page_id: &str,
    user: &str,
    f: impl FnOnce(&mut PageUser) -> Result<(), EmulatorError>,
) -> Result<Arc<PageConfig>, EmulatorError> {
    if user.is_empty() {
        return Err(invalid("a user id (PSID or IGSID) is required"));
    }
    let mut pages = lock(&inner.pages);
    let page = pages
        .by_id
        .get_mut(page_id)
        .ok_or_else(|| EmulatorError::UnknownPage(page_id.to_string()))?;
    f(page.users.entry(user.to_string()).or_default())?;
    Ok(page.config.clone())
}

fn opens_window(u: &mut PageUser, at_ms: i64) -> Result<(), EmulatorError> {
    if u.blocked {
        return Err(invalid("the user blocked the page; unblock first"));
    }
    u.last_inbound_ms = Some(u.last_inbound_ms.unwrap_or(at_ms).max(at_ms));
    Ok(())
}

/// The user writes to the page, opening the window. `body`: `{"text"?, "attachments"?:
/// [{type, payload:{url}}], "quick_reply"?: {"payload"} (a tapped quick reply; `text` is its
/// title), "reply_to"?: {"mid"}, "timestamp"? (unix ms; an old one leaves the window
/// closed)}`. Returns `{mid}`.
pub(crate) async fn writes(
    inner: &Arc<Inner>,
    page_id: &str,
    user: &str,
    body: Value,
) -> Result<Value, EmulatorError> {
    let at = body
        .get("timestamp")
        .and_then(Value::as_i64)
        .unwrap_or_else(now_millis);
    let mut message = serde_json::Map::new();
    for key in ["text", "attachments", "quick_reply", "reply_to"] {
        if let Some(v) = body.get(key) {
            message.insert(key.to_string(), v.clone());
        }
    }
    if !message.contains_key("text") && !message.contains_key("attachments") {
        return Err(invalid("a message needs text or attachments"));
    }
    let mid = inner.ids.mid();
    message.insert("mid".to_string(), json!(mid));
    let page = with_user(inner, page_id, user, |u| opens_window(u, at))?;
    let mut event = from_user(&page, user, "message", Value::Object(message));
    event["timestamp"] = json!(at);
    emit(inner, &page, user, event).await;
    Ok(json!({ "mid": mid }))
}

/// The user taps a postback button (or an ice breaker): `{title, payload}`. Opens the window.
/// Returns `{mid}`.
pub(crate) async fn postback(
    inner: &Arc<Inner>,
    page_id: &str,
    user: &str,
    body: Value,
) -> Result<Value, EmulatorError> {
    let payload = body
        .get("payload")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("a postback needs a \"payload\""))?;
    let title = body.get("title").and_then(Value::as_str).unwrap_or(payload);
    let mid = inner.ids.mid();
    let page = with_user(inner, page_id, user, |u| opens_window(u, now_millis()))?;
    let event = from_user(
        &page,
        user,
        "postback",
        json!({"mid": mid, "title": title, "payload": payload}),
    );
    emit(inner, &page, user, event).await;
    Ok(json!({ "mid": mid }))
}

/// The user reacts to message `mid`: `{mid, reaction?: "love"…, emoji?, action?: "react" |
/// "unreact"}`.
pub(crate) async fn reacts(
    inner: &Arc<Inner>,
    page_id: &str,
    user: &str,
    body: Value,
) -> Result<Value, EmulatorError> {
    let mid = body
        .get("mid")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("a reaction needs the \"mid\" it reacts to"))?;
    let action = body
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("react");
    let mut reaction = json!({"mid": mid, "action": action});
    if action == "react" {
        reaction["reaction"] = body.get("reaction").cloned().unwrap_or(json!("love"));
        reaction["emoji"] = body
            .get("emoji")
            .cloned()
            .unwrap_or(json!("\u{2764}\u{FE0F}"));
    }
    let page = with_user(inner, page_id, user, |_| Ok(()))?;
    emit(
        inner,
        &page,
        user,
        from_user(&page, user, "reaction", reaction),
    )
    .await;
    Ok(json!({ "mid": mid }))
}

/// The user blocks (or unblocks) the page; sends to a blocked user are 551/1545041. No webhook
/// (Meta sends none).
pub(crate) fn blocks(
    inner: &Inner,
    page_id: &str,
    user: &str,
    blocked: bool,
) -> Result<Value, EmulatorError> {
    with_user(inner, page_id, user, |u| {
        u.blocked = blocked;
        Ok(())
    })?;
    Ok(json!({ "blocked": blocked }))
}

/// After an accepted message: the echo (when the page wants echoes), then `delivery` and
/// `read` watermarks (Messenger) or `read.mid` (Instagram, which has no delivery receipts), and
/// a scripted reply.
pub(crate) fn after_send(
    inner: &Arc<Inner>,
    page: Arc<PageConfig>,
    out: &Outgoing,
    mid: &str,
    message: Value,
) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let inner = inner.clone();
    let user = out.recipient.clone();
    let mid = mid.to_string();
    let text = out.text.clone();
    let start = tokio::time::Instant::now();
    tokio::spawn(async move {
        if page.echoes {
            let mut echo = message;
            if let Some(o) = echo.as_object_mut() {
                o.insert("is_echo".into(), json!(true));
                o.insert("app_id".into(), json!(page.app_id));
                o.insert("mid".into(), json!(mid));
                o.remove("quick_replies");
            }
            let event = json!({
                "sender": {"id": page.page_id},
                "recipient": {"id": user},
                "timestamp": now_millis(),
                "message": echo,
            });
            emit(&inner, &page, &user, event).await;
        }
        let d = inner.config.status_delays.clone();
        let cap = |ms: u64| Duration::from_millis(ms.min(24 * 3600 * 1000));
        // Each watermark is the time of its receipt: everything sent before it is covered.
        if page.platform == PagePlatform::Messenger {
            tokio::time::sleep_until(start + cap(d.delivered_ms)).await;
            let delivery = json!({"mids": [mid], "watermark": now_millis()});
            let mut event = from_user(&page, &user, "delivery", delivery);
            if let Some(o) = event.as_object_mut() {
                o.remove("timestamp");
            }
            emit(&inner, &page, &user, event).await;
        }
        if inner.config.read_receipts {
            tokio::time::sleep_until(start + cap(d.read_ms.max(d.delivered_ms))).await;
            let read = match page.platform {
                PagePlatform::Messenger => json!({"watermark": now_millis()}),
                PagePlatform::Instagram => json!({"mid": mid}),
            };
            emit(&inner, &page, &user, from_user(&page, &user, "read", read)).await;
        }
        let Some(reply) = scripted_reply(&inner, text.as_deref())
            .as_ref()
            .and_then(reply_text)
        else {
            return;
        };
        tokio::time::sleep(Duration::from_millis(inner.config.reply_delay_ms)).await;
        if let Err(e) = writes(&inner, &page.page_id, &user, json!({"text": reply})).await {
            tracing::warn!(error = %e, "emulator scripted page reply not sent");
        }
    });
}
