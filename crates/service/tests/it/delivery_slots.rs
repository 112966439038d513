//! The deliverer leases only the deliveries it can send now: an endpoint at its concurrency
//! cap has none of its deliveries leased and put back (each would be a write for nothing),
//! and never gets more attempts at once than the cap.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::event::Event;
use switchboard_core::subscription::{Delivery, DeliveryState, Subscription};
use switchboard_core::time::now_millis;
use switchboard_service::webhooks::{deliver, WebhookSettings};
use switchboard_store::conformance::messages::{new_outbound, outbound, setup};
use switchboard_store::conformance::webhooks;
use switchboard_store::messages::EventFilter;
use switchboard_store::{testing, Store};
use tokio_util::sync::CancellationToken;

use super::faulty_store::FaultyStore;
use super::store_errors::AcceptingUpstream;
use super::support;

/// Deliveries to the one endpoint, each of its own chat (so order never holds one back).
const DELIVERIES: usize = 12;
/// The endpoint's concurrency cap.
const CAP: usize = 2;

async fn a_busy_endpoint_gets_no_lease_it_cannot_use(real: Arc<dyn Store>) {
    let faulty = Arc::new(FaultyStore::new(real.clone()));
    let store: Arc<dyn Store> = faulty.clone();
    let (account, channel) = setup(&real).await;
    let now = now_millis();
    for i in 0..DELIVERIES {
        let chat = format!("1555123{i:04}");
        let m = outbound(account, channel, &chat, "hello", now);
        real.insert_outbound(&new_outbound(m)).await.unwrap();
    }
    let events: Vec<Event> = real
        .list_events(account, &EventFilter::default(), None, 100)
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), DELIVERIES, "one accepted event per message");
    let receiver = support::receiver(Duration::from_millis(30)).await;
    let subscription = Subscription {
        url: receiver.url.clone(),
        events: vec!["*".into()],
        ..webhooks::subscription(account, &[])
    };
    real.create_subscription(&subscription).await.unwrap();
    let deliveries: Vec<Delivery> = events
        .iter()
        .map(|e| webhooks::delivery(&subscription, e, e.chat.as_deref().unwrap(), now))
        .collect();
    real.create_deliveries(&deliveries, &events[DELIVERIES - 1].cursor)
        .await
        .unwrap();

    let parts = support::parts(store, Arc::new(AcceptingUpstream::default()));
    let cancel = CancellationToken::new();
    let settings = WebhookSettings {
        allow_private_targets: true,
        poll_ms: 10,
        per_endpoint_concurrency: CAP,
        ..WebhookSettings::default()
    };
    let worker = deliver::spawn(parts.webhooks(), settings, cancel.clone()).unwrap();
    for _ in 0..500 {
        if receiver.hits.load(Ordering::SeqCst) >= DELIVERIES {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The last answers' records.
    for _ in 0..100 {
        if faulty.faults.calls("finish_delivery") >= DELIVERIES as u32 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cancel.cancel();
    worker.await.unwrap();
    assert_eq!(receiver.hits.load(Ordering::SeqCst), DELIVERIES);
    assert!(
        receiver.most_at_once.load(Ordering::SeqCst) <= CAP,
        "at most {CAP} attempts at once, saw {}",
        receiver.most_at_once.load(Ordering::SeqCst)
    );
    assert_eq!(
        faulty.faults.calls("finish_delivery"),
        DELIVERIES as u32,
        "one record per attempt: nothing was leased only to be put back"
    );
    for d in &deliveries {
        let (stored, attempts) = real.get_delivery(account, d.id).await.unwrap().unwrap();
        assert_eq!(stored.state, DeliveryState::Delivered);
        assert_eq!(attempts.len(), 1);
    }
}

#[tokio::test]
async fn busy_endpoint_leases_sqlite() {
    let db = testing::sqlite().await;
    a_busy_endpoint_gets_no_lease_it_cannot_use(db.store.clone()).await;
}

#[tokio::test]
async fn busy_endpoint_leases_postgres() {
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let store = db.open().await.expect("open PostgreSQL store");
    a_busy_endpoint_gets_no_lease_it_cannot_use(store.clone()).await;
    store.close().await;
}
