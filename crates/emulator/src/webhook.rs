//! Webhook delivery: per-number lanes (a customer always uses the same lane, so its webhooks
//! arrive in order), status batching, signing, and retries with backoff.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::Value;
use switchboard_core::cloud_webhook::{
    sign, Change, Entry, InboundMessage, MessagesValue, Metadata, StatusUpdate,
    TemplateStatusUpdate, WebhookContact, WebhookPayload, OBJECT_WABA, SIGNATURE_HEADER,
};
use tokio::sync::mpsc;

use crate::config::PhoneNumberConfig;
use crate::records::WebhookDelivery;
use crate::state::{lock, now_millis, Inner};

/// Capacity of one lane's queue.
const LANE_CAPACITY: usize = 8192;

/// One thing to post.
#[derive(Debug, Clone)]
pub(crate) enum Job {
    /// A status update (batched with its neighbours).
    Status(StatusUpdate),
    /// A customer message.
    Inbound(Box<(WebhookContact, InboundMessage)>),
    /// A template review result.
    Template(TemplateStatusUpdate),
    /// A ready-made POST (Telegram updates, Messenger and Instagram events).
    Post(Box<Post>),
}

/// A ready-made webhook POST.
#[derive(Debug, Clone)]
pub(crate) struct Post {
    /// Target URL.
    pub url: String,
    /// Extra headers (`Content-Type: application/json` is always sent).
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// Queues `job` on `phone`'s lane for `key` (the customer, or the template name). Dropped with
/// a warning when no Tokio runtime is running.
pub(crate) async fn enqueue(inner: &Arc<Inner>, phone: &str, key: &str, job: Job) {
    let Some(tx) = lane(inner, phone, key) else {
        tracing::warn!(phone, "emulator webhook dropped: no Tokio runtime");
        return;
    };
    if tx.send(job).await.is_err() {
        tracing::warn!(phone, "emulator webhook lane closed");
    }
}

fn lane(inner: &Arc<Inner>, phone: &str, key: &str) -> Option<mpsc::Sender<Job>> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let mut lanes = lock(&inner.lanes);
    let senders = lanes.entry(phone.to_string()).or_insert_with(|| {
        let n = inner.config.webhook_lanes.max(1);
        (0..n)
            .map(|_| {
                let (tx, rx) = mpsc::channel(LANE_CAPACITY);
                handle.spawn(run_lane(Arc::downgrade(inner), phone.to_string(), rx));
                tx
            })
            .collect()
    });
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    let idx = (h.finish() % senders.len().max(1) as u64) as usize;
    senders.get(idx).cloned()
}

async fn run_lane(inner: Weak<Inner>, phone: String, mut rx: mpsc::Receiver<Job>) {
    let mut carry: Option<Job> = None;
    loop {
        let first = match carry.take() {
            Some(j) => j,
            None => match rx.recv().await {
                Some(j) => j,
                None => return,
            },
        };
        let Some(inner) = inner.upgrade() else {
            return;
        };
        match first {
            Job::Status(s) => {
                let max = inner.config.max_statuses_per_webhook.max(1);
                let mut batch = vec![s];
                while batch.len() < max {
                    match rx.try_recv() {
                        Ok(Job::Status(s)) => batch.push(s),
                        Ok(other) => {
                            carry = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let value = MessagesValue {
                    statuses: Some(batch),
                    ..messages_value(&inner, &phone)
                };
                deliver(&inner, &phone, Change::messages(value)).await;
            }
            Job::Inbound(b) => {
                let (contact, message) = *b;
                let value = MessagesValue {
                    contacts: Some(vec![contact]),
                    messages: Some(vec![message]),
                    ..messages_value(&inner, &phone)
                };
                deliver(&inner, &phone, Change::messages(value)).await;
            }
            Job::Template(t) => {
                deliver(&inner, &phone, Change::template_status(t)).await;
            }
            Job::Post(p) => post_with_retry(&inner, &p).await,
        }
    }
}

fn messages_value(inner: &Inner, phone: &str) -> MessagesValue {
    let display = inner
        .phone(phone)
        .map(|p| p.display_phone_number.clone())
        .unwrap_or_default();
    MessagesValue {
        messaging_product: "whatsapp".to_string(),
        metadata: Metadata {
            display_phone_number: display,
            phone_number_id: phone.to_string(),
            extra: Default::default(),
        },
        ..Default::default()
    }
}

/// The full payload for one change of `phone`'s WABA.
pub(crate) fn payload(p: &PhoneNumberConfig, change: Change) -> WebhookPayload {
    WebhookPayload {
        object: OBJECT_WABA.to_string(),
        entry: vec![Entry {
            id: p.waba_id.clone(),
            changes: vec![change],
            extra: Default::default(),
        }],
        extra: Default::default(),
    }
}

/// POSTs one change to `phone`'s webhook URL, retrying per the policy. Bounded by
/// `max_attempts`.
async fn deliver(inner: &Arc<Inner>, phone: &str, change: Change) {
    let Some(p) = inner.phone(phone) else {
        return;
    };
    let Some(url) = p.webhook_url.clone().filter(|u| !u.is_empty()) else {
        return;
    };
    let body = match serde_json::to_vec(&payload(&p, change)) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "emulator webhook payload not serializable");
            return;
        }
    };
    let signature = sign(&p.app_secret, &body);
    let post = Post {
        url,
        headers: vec![(SIGNATURE_HEADER.to_string(), signature)],
        body,
    };
    post_with_retry(inner, &post).await;
}

/// POSTs `post`, retrying per the policy (bounded by `max_attempts`), recording each attempt.
pub(crate) async fn post_with_retry(inner: &Inner, post: &Post) {
    let body_json: Value = serde_json::from_slice(&post.body).unwrap_or(Value::Null);
    let policy = &inner.config.webhook_retry;
    let attempts = policy.max_attempts.max(1);
    let mut backoff = policy.initial_backoff_ms;
    for attempt in 1..=attempts {
        let mut req = inner
            .http
            .post(&post.url)
            .header("Content-Type", "application/json")
            .timeout(Duration::from_millis(policy.request_timeout_ms.max(1)))
            .body(post.body.clone());
        for (k, v) in &post.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let result = req.send().await;
        let (status, error) = match &result {
            Ok(r) => (Some(r.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let ok = result.as_ref().is_ok_and(|r| r.status().is_success());
        if !ok {
            let message = match &result {
                Ok(r) => format!("Wrong response from the webhook: {}", r.status()),
                Err(e) if e.is_timeout() => "Read timeout expired".to_string(),
                Err(e) if e.is_connect() => "Connection refused".to_string(),
                Err(e) => e.to_string(),
            };
            lock(&inner.webhook_errors).insert(post.url.clone(), (now_millis() / 1000, message));
        }
        lock(&inner.records).deliveries.push(WebhookDelivery {
            url: post.url.clone(),
            body: body_json.clone(),
            attempt,
            status,
            error,
            ok,
            time_ms: now_millis(),
        });
        if ok {
            return;
        }
        if attempt < attempts {
            tokio::time::sleep(Duration::from_millis(backoff)).await;
            backoff = backoff.saturating_mul(2).min(policy.max_backoff_ms);
        }
    }
    tracing::warn!(url = post.url, attempts, "emulator webhook given up");
}
