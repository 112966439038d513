//! The simulated customer: statuses after an accepted send, and scripted replies.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use switchboard_core::cloud_webhook::{
    Conversation, ConversationOrigin, Pricing, StatusUpdate, WebhookError, WebhookErrorData,
};
use tokio::time::Instant;

use crate::config::PhoneNumberConfig;
use crate::state::{now_secs, Inner};
use crate::webhook::{enqueue, Job};

const ERROR_HREF: &str =
    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

/// An accepted send, as the customer simulation needs it.
#[derive(Debug, Clone)]
pub(crate) struct Accepted {
    pub phone: Arc<PhoneNumberConfig>,
    pub wamid: String,
    pub wa_id: String,
    pub kind: String,
    /// `service`, or the template's category in lowercase.
    pub category: String,
    /// Text looked at by scripted replies.
    pub text: Option<String>,
    /// Why the message fails instead of being delivered.
    pub failure: Option<WebhookError>,
    pub accepted_at: Instant,
}

/// A webhook error object with Meta's shape.
pub(crate) fn webhook_error(code: i64, title: &str, details: &str) -> WebhookError {
    WebhookError {
        code,
        title: Some(title.to_string()),
        message: Some(title.to_string()),
        error_data: Some(WebhookErrorData {
            details: Some(details.to_string()),
            extra: Map::new(),
        }),
        href: Some(ERROR_HREF.to_string()),
        extra: Map::new(),
    }
}

/// 131026: the recipient is not on WhatsApp.
pub(crate) fn undeliverable_error() -> WebhookError {
    webhook_error(
        131026,
        "Message undeliverable",
        "Message Undeliverable. The recipient's phone number is not a WhatsApp phone number.",
    )
}

/// 131047: the customer-service window is closed.
pub(crate) fn window_error() -> WebhookError {
    webhook_error(
        131047,
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    )
}

/// Starts the customer simulation for `acc` in the background.
pub(crate) fn spawn(inner: Arc<Inner>, acc: Accepted) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    tokio::spawn(async move { run(inner, acc).await });
}

fn status(acc: &Accepted, status: &str) -> StatusUpdate {
    StatusUpdate {
        id: acc.wamid.clone(),
        status: status.to_string(),
        timestamp: now_secs().to_string(),
        recipient_id: acc.wa_id.clone(),
        ..Default::default()
    }
}

fn conversation_id(acc: &Accepted) -> String {
    let digest = Sha256::digest(
        format!(
            "{}|{}|{}",
            acc.phone.phone_number_id, acc.wa_id, acc.category
        )
        .as_bytes(),
    );
    hex::encode(&digest[..16])
}

fn billed(acc: &Accepted, mut s: StatusUpdate, with_expiry: bool) -> StatusUpdate {
    let service = acc.category == "service";
    s.conversation = Some(Conversation {
        id: Some(conversation_id(acc)),
        expiration_timestamp: with_expiry.then(|| (now_secs() + 24 * 3600).to_string()),
        origin: Some(ConversationOrigin {
            kind: acc.category.clone(),
            extra: Map::new(),
        }),
        extra: Map::new(),
    });
    let mut extra = Map::new();
    extra.insert(
        "type".to_string(),
        json!(if service {
            "free_customer_service"
        } else {
            "regular"
        }),
    );
    s.pricing = Some(Pricing {
        billable: Some(!service),
        pricing_model: Some("PMP".to_string()),
        category: Some(acc.category.clone()),
        extra,
    });
    s
}

async fn emit(inner: &Arc<Inner>, acc: &Accepted, s: StatusUpdate) {
    enqueue(
        inner,
        &acc.phone.phone_number_id,
        &acc.wa_id,
        Job::Status(s),
    )
    .await;
}

/// `base + ms`, with `ms` capped at one day so no configuration can overflow the clock.
fn deadline(base: Instant, ms: u64) -> Instant {
    base + Duration::from_millis(ms.min(24 * 3600 * 1000))
}

async fn run(inner: Arc<Inner>, acc: Accepted) {
    let d = inner.config.status_delays.clone();
    let sent_at = d.sent_ms;
    let delivered_at = d.delivered_ms.max(sent_at);
    let read_at = d.read_ms.max(delivered_at);
    tokio::time::sleep_until(deadline(acc.accepted_at, sent_at)).await;
    if let Some(err) = &acc.failure {
        let mut s = status(&acc, "failed");
        s.errors = Some(vec![err.clone()]);
        emit(&inner, &acc, s).await;
        return;
    }
    emit(&inner, &acc, billed(&acc, status(&acc, "sent"), true)).await;
    if acc.kind == "reaction" {
        return;
    }
    tokio::time::sleep_until(deadline(acc.accepted_at, delivered_at)).await;
    emit(&inner, &acc, billed(&acc, status(&acc, "delivered"), false)).await;
    if inner.config.read_receipts {
        tokio::time::sleep_until(deadline(acc.accepted_at, read_at)).await;
        emit(&inner, &acc, status(&acc, "read")).await;
    }
    let Some(reply) = scripted_reply(&inner, acc.text.as_deref()) else {
        return;
    };
    tokio::time::sleep(Duration::from_millis(inner.config.reply_delay_ms)).await;
    let mut reply = reply;
    if let Some(obj) = reply.as_object_mut() {
        obj.insert("from".to_string(), Value::String(acc.wa_id.clone()));
    }
    if let Err(e) = crate::inbound::inject(&inner, &acc.phone.phone_number_id, reply).await {
        tracing::warn!(error = %e, "emulator scripted reply not injected");
    }
}

/// The first scripted reply whose phrase occurs (case-insensitively) in `text`.
pub(crate) fn scripted_reply(inner: &Inner, text: Option<&str>) -> Option<Value> {
    let text = text?.to_lowercase();
    inner
        .config
        .scripted_replies
        .iter()
        .find(|r| {
            !r.when_text_contains.is_empty() && text.contains(&r.when_text_contains.to_lowercase())
        })
        .map(|r| r.reply.clone())
}

/// The text a scripted reply looks at: `text.body`, or an interactive message's `body.text`.
pub(crate) fn text_of(body: &Value) -> Option<String> {
    body.pointer("/text/body")
        .or_else(|| body.pointer("/interactive/body/text"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The text of a scripted reply for the Telegram and Messenger/Instagram users: `text.body`
/// (the WhatsApp shape) or `text`.
pub(crate) fn reply_text(reply: &Value) -> Option<String> {
    reply
        .pointer("/text/body")
        .or_else(|| reply.get("text"))
        .and_then(Value::as_str)
        .map(str::to_string)
}
