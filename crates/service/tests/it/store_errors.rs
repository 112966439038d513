//! A transient store error is "try again later", never "gone": the dispatcher does not fail a
//! message whose channel could not be read, and the webhook deliverer does not give up a
//! delivery whose subscription or channel could not be read, and the fan-out does not pass over
//! events whose subscriptions could not be read.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use switchboard_connectors::{Connector, ConnectorError, MediaInfo, SendReceipt};
use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, DeliveryId, SubscriptionId};
use switchboard_core::status::MessageStatus;
use switchboard_core::subscription::{Delivery, DeliveryState, PayloadFormat, Subscription};
use switchboard_core::time::now_millis;
use switchboard_service::dispatch::{self, DispatchSettings};
use switchboard_service::webhooks::{deliver, fanout, WebhookSettings};
use switchboard_store::conformance::messages::{new_outbound, outbound, setup};
use switchboard_store::messages::{DispatchOutcome, EventFilter, FinishDispatch, OutboxClaim};
use switchboard_store::{testing, PageRequest, Store};
use tokio_util::sync::CancellationToken;

use super::faulty_store::FaultyStore;
use super::support;

/// An upstream that accepts every message.
#[derive(Default)]
pub(super) struct AcceptingUpstream {
    sent: AtomicUsize,
}

fn refused() -> ConnectorError {
    ConnectorError::permanent("not used by this test")
}

#[async_trait]
impl Connector for AcceptingUpstream {
    async fn send(&self, _body: &serde_json::Value) -> Result<SendReceipt, ConnectorError> {
        let n = self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(SendReceipt {
            upstream_id: format!("wamid.test{n}"),
            wa_id: None,
            media_id: None,
        })
    }
    async fn mark_read(&self, _: &str, _: &str, _: bool) -> Result<(), ConnectorError> {
        Err(refused())
    }
    async fn upload_media(
        &self,
        _: bytes::Bytes,
        _: &str,
        _: &str,
    ) -> Result<String, ConnectorError> {
        Err(refused())
    }
    async fn upload_media_stream(
        &self,
        _: reqwest::Body,
        _: u64,
        _: &str,
        _: &str,
    ) -> Result<String, ConnectorError> {
        Err(refused())
    }
    async fn media_info(&self, _: &str) -> Result<MediaInfo, ConnectorError> {
        Err(refused())
    }
    async fn download_media(&self, _: &str) -> Result<reqwest::Response, ConnectorError> {
        Err(refused())
    }
    async fn list_templates(
        &self,
        _: Option<&str>,
    ) -> Result<Vec<serde_json::Value>, ConnectorError> {
        Err(refused())
    }
    async fn create_template(
        &self,
        _: &serde_json::Value,
    ) -> Result<serde_json::Value, ConnectorError> {
        Err(refused())
    }
    async fn delete_template(&self, _: &str) -> Result<(), ConnectorError> {
        Err(refused())
    }
}

async fn wait_for<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..500 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn dispatch_retries_when_the_channel_cannot_be_read(real: Arc<dyn Store>) {
    let faulty = Arc::new(FaultyStore::new(real.clone()));
    faulty.faults.fail("find_channel", 3);
    let store: Arc<dyn Store> = faulty.clone();
    let (account, channel) = setup(&real).await;
    let m = outbound(account, channel, "15551230001", "hello", now_millis());
    real.insert_outbound(&new_outbound(m.clone()))
        .await
        .unwrap();

    let upstream = Arc::new(AcceptingUpstream::default());
    let parts = support::parts(store, upstream.clone());
    let cancel = CancellationToken::new();
    let settings = DispatchSettings {
        poll_ms: 10,
        retry_base_ms: 10,
        ..DispatchSettings::default()
    };
    let worker = dispatch::spawn(parts.dispatch(), settings, cancel.clone());
    wait_for("the message to be sent", || {
        let real = real.clone();
        async move {
            let (stored, _) = real.get_message(account, m.id).await.unwrap().unwrap();
            assert_ne!(
                stored.status,
                MessageStatus::Failed,
                "a store error failed the message: {:?}",
                stored.error
            );
            stored.status == MessageStatus::Sent
        }
    })
    .await;
    cancel.cancel();
    worker.await.unwrap();
    assert_eq!(faulty.faults.failed("find_channel"), 3);
    assert_eq!(upstream.sent.load(Ordering::SeqCst), 1);
    let (stored, _) = real.get_message(account, m.id).await.unwrap().unwrap();
    assert_eq!(stored.attempts, 1, "store errors are not attempts");
}

/// A sent message's `message.sent` event and an enabled subscription to every event in Meta's
/// format (which reads the event's channel), posting to a counting receiver.
async fn sent_event_and_subscription(
    real: &Arc<dyn Store>,
) -> (AccountId, Event, Subscription, Arc<AtomicUsize>) {
    let (account, channel) = setup(real).await;
    // A sent message: `message.sent` has a payload in Meta's format.
    let m = outbound(account, channel, "15551230002", "hello", now_millis());
    real.insert_outbound(&new_outbound(m.clone()))
        .await
        .unwrap();
    let claimed = real
        .claim_outbox(&OutboxClaim {
            owner: "test",
            now: now_millis(),
            lease_ms: 60_000,
            limit: 10,
            channels: None,
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let sent = DispatchOutcome::Sent {
        upstream_id: "wamid.sent".into(),
    };
    real.finish_dispatch(FinishDispatch {
        id: m.id,
        owner: "test",
        outcome: sent,
        now: now_millis(),
    })
    .await
    .unwrap();
    let events: Vec<Event> = real
        .list_events(account, &EventFilter::default(), None, 10)
        .await
        .unwrap()
        .items;
    let event = events
        .iter()
        .find(|e| e.kind == "message.sent")
        .expect("the sent message's event")
        .clone();
    let support::Receiver { url, hits, .. } = support::receiver(Duration::ZERO).await;
    let now = now_millis();
    let subscription = Subscription {
        id: SubscriptionId::new(),
        account_id: account,
        channel_id: None,
        url,
        events: vec!["*".into()],
        // The Meta format reads the event's channel.
        format: PayloadFormat::Meta,
        secret: "whsec_c2VjcmV0".into(),
        previous_secret: None,
        previous_expires_at: None,
        enabled: true,
        description: None,
        failing_since: None,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    real.create_subscription(&subscription).await.unwrap();
    (account, event, subscription, hits)
}

/// Webhook settings for these tests: the local receiver allowed, polled often.
fn quick_webhooks() -> WebhookSettings {
    WebhookSettings {
        allow_private_targets: true,
        poll_ms: 10,
        ..WebhookSettings::default()
    }
}

async fn deliveries_wait_out_store_errors(real: Arc<dyn Store>, method: &'static str) {
    let faulty = Arc::new(FaultyStore::new(real.clone()));
    let store: Arc<dyn Store> = faulty.clone();
    let (account, event, subscription, hits) = sent_event_and_subscription(&real).await;
    let now = now_millis();
    let delivery = Delivery {
        id: DeliveryId::new(),
        subscription_id: subscription.id,
        account_id: account,
        event_id: event.id.to_string(),
        ordering_key: "k".into(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: now,
        last_status: None,
        last_error: None,
        created_at: now,
        finished_at: None,
    };
    faulty.faults.fail(method, 2);
    real.create_deliveries(std::slice::from_ref(&delivery), &event.id.to_string())
        .await
        .unwrap();

    let parts = support::parts(store, Arc::new(AcceptingUpstream::default()));
    let cancel = CancellationToken::new();
    let settings = quick_webhooks();
    let worker = deliver::spawn(parts.webhooks(), settings, cancel.clone()).unwrap();
    wait_for("the delivery to be made", || {
        let real = real.clone();
        let id = delivery.id;
        async move {
            let (stored, _) = real.get_delivery(account, id).await.unwrap().unwrap();
            assert_ne!(
                stored.state,
                DeliveryState::Failed,
                "a store error gave the delivery up: {:?}",
                stored.last_error
            );
            stored.state == DeliveryState::Delivered
        }
    })
    .await;
    cancel.cancel();
    worker.await.unwrap();
    assert_eq!(faulty.faults.failed(method), 2);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

async fn fanout_waits_out_a_subscriptions_store_error(real: Arc<dyn Store>) {
    let faulty = Arc::new(FaultyStore::new(real.clone()));
    let store: Arc<dyn Store> = faulty.clone();
    let (account, event, subscription, hits) = sent_event_and_subscription(&real).await;
    faulty.faults.fail("enabled_subscriptions", 1);

    let parts = support::parts(store, Arc::new(AcceptingUpstream::default()));
    let cancel = CancellationToken::new();
    let settings = quick_webhooks();
    let fanning = fanout::spawn(parts.webhooks(), settings.clone(), cancel.clone());
    let delivering = deliver::spawn(parts.webhooks(), settings, cancel.clone()).unwrap();
    wait_for("the event's delivery to be made", || {
        let real = real.clone();
        let hits = hits.clone();
        async move {
            let deliveries = real
                .list_deliveries(account, subscription.id, &PageRequest::default())
                .await
                .unwrap()
                .items;
            deliveries
                .iter()
                .any(|d| d.event_id == event.id.to_string() && d.state == DeliveryState::Delivered)
                && hits.load(Ordering::SeqCst) > 0
        }
    })
    .await;
    cancel.cancel();
    fanning.await.unwrap();
    delivering.await.unwrap();
    assert_eq!(faulty.faults.failed("enabled_subscriptions"), 1);
}

#[tokio::test]
async fn fanout_subscriptions_store_error_sqlite() {
    let db = testing::sqlite().await;
    fanout_waits_out_a_subscriptions_store_error(db.store.clone()).await;
}

#[tokio::test]
async fn fanout_subscriptions_store_error_postgres() {
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let store = db.open().await.expect("open PostgreSQL store");
    fanout_waits_out_a_subscriptions_store_error(store.clone()).await;
    store.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn dispatch_store_error_sqlite() {
    let db = testing::sqlite().await;
    dispatch_retries_when_the_channel_cannot_be_read(db.store.clone()).await;
}

#[tokio::test]
async fn delivery_subscription_store_error_sqlite() {
    let db = testing::sqlite().await;
    deliveries_wait_out_store_errors(db.store.clone(), "get_subscription").await;
}

#[tokio::test]
async fn delivery_channel_store_error_sqlite() {
    let db = testing::sqlite().await;
    deliveries_wait_out_store_errors(db.store.clone(), "find_channel").await;
}
