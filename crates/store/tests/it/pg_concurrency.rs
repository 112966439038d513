//! PostgreSQL only: several nodes (separate stores on one database) working at once.
//! Skipped without a server unless `CI=true` or `SWITCHBOARD_REQUIRE_POSTGRES=1`.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, ChannelId, DeliveryId, MessageId, SubscriptionId};
use switchboard_core::record::StatusReport;
use switchboard_core::status::MessageStatus;
use switchboard_core::subscription::{Delivery, DeliveryState, PayloadFormat, Subscription};
use switchboard_store::conformance::messages::outbound;
use switchboard_store::conformance::{account, channel, create_with_key};
use switchboard_store::messages::{
    DeliverySlots, DispatchOutcome, EventFilter, FinishDispatch, NewOutbound, OutboxClaim,
};
use switchboard_store::testing::{self, PgTestDb};
use switchboard_store::{Page, Store};
use tokio::sync::Barrier;

const NODES: usize = 4;
const LEASE: i64 = 600_000;

/// A fresh database and `NODES` stores on it, with one account and channel.
async fn nodes() -> Option<(PgTestDb, Vec<Arc<dyn Store>>, AccountId, ChannelId)> {
    let db = testing::postgres_db().await?;
    let mut stores = Vec::new();
    for _ in 0..NODES {
        stores.push(db.open().await.expect("open PostgreSQL store"));
    }
    let a = account("acme");
    let ch = channel(a.id, "5550001");
    create_with_key(&stores[0], &a, std::slice::from_ref(&ch)).await;
    Some((db, stores, a.id, ch.id))
}

async fn finish(db: PgTestDb, stores: Vec<Arc<dyn Store>>) {
    for s in stores {
        s.close().await;
    }
    db.cleanup().await;
}

async fn insert(
    store: &Arc<dyn Store>,
    acc: AccountId,
    ch: ChannelId,
    chat: &str,
    at: i64,
) -> MessageId {
    let m = outbound(acc, ch, chat, "x", at);
    let id = m.id;
    store
        .insert_outbound(&NewOutbound {
            message: m,
            template_category: None,
            idempotency: None,
            idempotency_ttl_ms: 86_400_000,
            not_before: at,
        })
        .await
        .unwrap();
    id
}

fn chat(i: usize) -> String {
    format!("1555{i:07}")
}

/// A page of the account's events after `cursor`.
async fn events(
    store: &Arc<dyn Store>,
    acc: AccountId,
    cursor: Option<&str>,
    limit: u32,
) -> Page<Event> {
    let filter = EventFilter::default();
    store
        .list_events(acc, &filter, cursor, limit)
        .await
        .unwrap()
}

/// One message in each of `n` chats, created at 1 000; their ids.
async fn one_per_chat(
    store: &Arc<dyn Store>,
    acc: AccountId,
    ch: ChannelId,
    n: usize,
) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(insert(store, acc, ch, &chat(i), 1_000).await);
    }
    ids
}

/// Every node claims batches with `claim` (given its store, owner name, time and batch size),
/// all starting at once, until a batch comes back empty; no `what` is claimed twice and all of `all` are.
async fn claim_race<T, F, Fut>(stores: &[Arc<dyn Store>], all: HashSet<T>, what: &str, claim: F)
where
    T: Copy + Eq + Hash + Debug + Send + 'static,
    F: Fn(Arc<dyn Store>, String, i64, u32) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Vec<T>> + Send,
{
    let start = Arc::new(Barrier::new(NODES));
    let mut tasks = Vec::new();
    for (n, store) in stores.iter().enumerate() {
        let (store, start, claim) = (store.clone(), start.clone(), claim.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut got = Vec::new();
            loop {
                let claimed = claim(store.clone(), format!("node-{n}"), 2_000, 7).await;
                if claimed.is_empty() {
                    return got;
                }
                got.extend(claimed);
            }
        }));
    }
    let mut seen = Vec::new();
    let mut per_node = Vec::new();
    for t in tasks {
        let got = t.await.unwrap();
        per_node.push(got.len());
        seen.extend(got);
    }
    let unique: HashSet<T> = seen.iter().copied().collect();
    assert_eq!(
        seen.len(),
        unique.len(),
        "a {what} was claimed twice (per node: {per_node:?})"
    );
    assert_eq!(unique, all, "every {what} is claimed");
}

/// 200 messages in 200 chats, four nodes claiming at once: each message is claimed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_share_a_message() {
    let Some((db, stores, acc, ch)) = nodes().await else {
        return;
    };
    let all: HashSet<MessageId> = one_per_chat(&stores[0], acc, ch, 200)
        .await
        .into_iter()
        .collect();
    let claim = |store: Arc<dyn Store>, owner: String, now, limit| async move {
        let claimed = store
            .claim_outbox(&OutboxClaim {
                owner: &owner,
                now,
                lease_ms: LEASE,
                limit,
                channels: None,
            })
            .await
            .unwrap();
        claimed
            .into_iter()
            .map(|c| c.message.id)
            .collect::<Vec<_>>()
    };
    claim_race(&stores, all, "message", claim).await;
    assert_eq!(
        stores[0].release_leases_at_start().await.unwrap(),
        0,
        "a no-op on PostgreSQL"
    );
    assert!(claim(stores[1].clone(), "late".into(), 2_001, 500)
        .await
        .is_empty());
    finish(db, stores).await;
}

/// Ten chats of ten messages dispatched by four nodes: per chat, one message in flight at a
/// time, in insertion order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chats_stay_in_order_across_nodes() {
    let Some((db, stores, acc, ch)) = nodes().await else {
        return;
    };
    let mut expected: HashMap<String, Vec<MessageId>> = HashMap::new();
    for round in 0..10 {
        for c in 0..10 {
            let id = insert(&stores[0], acc, ch, &chat(c), 1_000 + round).await;
            expected.entry(chat(c)).or_default().push(id);
        }
    }
    let in_flight = Arc::new(Mutex::new(HashSet::<String>::new()));
    let order = Arc::new(Mutex::new(HashMap::<String, Vec<MessageId>>::new()));
    let mut tasks = Vec::new();
    for (n, store) in stores.iter().enumerate() {
        let (store, in_flight, order) = (store.clone(), in_flight.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            let owner = format!("node-{n}");
            let deadline = Instant::now() + Duration::from_secs(60);
            while store.outbox_len().await.unwrap() > 0 {
                assert!(Instant::now() < deadline, "dispatch did not finish");
                let claimed = store
                    .claim_outbox(&OutboxClaim {
                        owner: &owner,
                        now: 2_000,
                        lease_ms: LEASE,
                        limit: 3,
                        channels: None,
                    })
                    .await
                    .unwrap();
                for c in &claimed {
                    let m = &c.message;
                    assert!(
                        in_flight.lock().unwrap().insert(m.chat.clone()),
                        "two messages of chat {} in flight",
                        m.chat
                    );
                    order
                        .lock()
                        .unwrap()
                        .entry(m.chat.clone())
                        .or_default()
                        .push(m.id);
                }
                for c in claimed {
                    let m = c.message;
                    in_flight.lock().unwrap().remove(&m.chat);
                    let done = store
                        .finish_dispatch(FinishDispatch {
                            id: m.id,
                            owner: &owner,
                            outcome: DispatchOutcome::Sent {
                                upstream_id: format!("wamid.{}", m.id),
                            },
                            now: 2_100,
                        })
                        .await
                        .unwrap();
                    assert!(done.is_some(), "lease lost");
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), expected);
    finish(db, stores).await;
}

/// Claimers narrowed to the channel race like unfiltered ones: each message claimed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn channel_claimers_never_share_a_message() {
    let Some((db, stores, acc, ch)) = nodes().await else {
        return;
    };
    let all: HashSet<MessageId> = one_per_chat(&stores[0], acc, ch, 200)
        .await
        .into_iter()
        .collect();
    let claim = move |store: Arc<dyn Store>, owner: String, now, limit| async move {
        let claimed = store
            .claim_outbox(&OutboxClaim {
                owner: &owner,
                now,
                lease_ms: LEASE,
                limit,
                channels: Some(&[ch]),
            })
            .await
            .unwrap();
        claimed
            .into_iter()
            .map(|c| c.message.id)
            .collect::<Vec<_>>()
    };
    claim_race(&stores, all, "message", claim).await;
    finish(db, stores).await;
}

/// Sends into five chats on one node while three others dispatch them: a message that joins
/// its chat while the chat's head is being sent (the head's row deleted in another
/// transaction) is never left without a head, and each chat keeps its order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sends_racing_dispatch_never_strand_a_chat() {
    let Some((db, stores, acc, ch)) = nodes().await else {
        return;
    };
    const CHATS: usize = 5;
    const ROUNDS: i64 = 40;
    let sender = stores[0].clone();
    let sending = tokio::spawn(async move {
        let mut expected: HashMap<String, Vec<MessageId>> = HashMap::new();
        for round in 0..ROUNDS {
            for c in 0..CHATS {
                let id = insert(&sender, acc, ch, &chat(c), 1_000 + round).await;
                expected.entry(chat(c)).or_default().push(id);
            }
            tokio::task::yield_now().await;
        }
        expected
    });
    let sent = Arc::new(Mutex::new(HashMap::<String, Vec<MessageId>>::new()));
    let total = CHATS * ROUNDS as usize;
    let mut tasks = Vec::new();
    for (n, store) in stores.iter().enumerate().skip(1) {
        let (store, sent) = (store.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            let owner = format!("node-{n}");
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let done: usize = sent.lock().unwrap().values().map(Vec::len).sum();
                if done == total {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "{done} of {total} sent: a chat is stranded"
                );
                let claimed = store
                    .claim_outbox(&OutboxClaim {
                        owner: &owner,
                        now: 10_000,
                        lease_ms: LEASE,
                        limit: 2,
                        channels: None,
                    })
                    .await
                    .unwrap();
                for c in claimed {
                    let m = c.message;
                    sent.lock()
                        .unwrap()
                        .entry(m.chat.clone())
                        .or_default()
                        .push(m.id);
                    let done = store
                        .finish_dispatch(FinishDispatch {
                            id: m.id,
                            owner: &owner,
                            outcome: DispatchOutcome::Sent {
                                upstream_id: format!("wamid.{}", m.id),
                            },
                            now: 10_100,
                        })
                        .await
                        .unwrap();
                    assert!(done.is_some(), "lease lost");
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let expected = sending.await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(*sent.lock().unwrap(), expected);
    assert_eq!(stores[0].outbox_len().await.unwrap(), 0);
    finish(db, stores).await;
}

/// A status report racing its message's send answer on another node is never lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn early_statuses_survive_the_race_with_the_send_answer() {
    let Some((db, stores, acc, ch)) = nodes().await else {
        return;
    };
    let ids = one_per_chat(&stores[0], acc, ch, 60).await;
    assert_eq!(
        stores[0]
            .claim_outbox(&OutboxClaim {
                owner: "node-0",
                now: 2_000,
                lease_ms: LEASE,
                limit: 100,
                channels: None,
            })
            .await
            .unwrap()
            .len(),
        60
    );
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().copied().enumerate() {
        let answer = stores[i % NODES].clone();
        let status = stores[(i + 1) % NODES].clone();
        let upstream = format!("wamid.race{i}");
        tasks.push(tokio::spawn(async move {
            let report = StatusReport {
                channel_id: ch,
                upstream_id: upstream.clone(),
                status: MessageStatus::Delivered,
                at: 2_050,
                error: None,
                upstream: None,
            };
            let (done, _) = tokio::join!(
                answer.finish_dispatch(FinishDispatch {
                    id,
                    owner: "node-0",
                    outcome: DispatchOutcome::Sent {
                        upstream_id: upstream
                    },
                    now: 2_100
                }),
                status.apply_status(&report, 2_060),
            );
            assert!(done.unwrap().is_some());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for id in ids {
        let (m, _) = stores[0].get_message(acc, id).await.unwrap().unwrap();
        assert_eq!(
            m.status,
            MessageStatus::Delivered,
            "the delivered report of {id} was lost"
        );
    }
    finish(db, stores).await;
}

/// A reader paging the event log while four nodes write sees every event exactly once, even
/// when transactions commit out of sequence order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_pages_never_skip_late_commits() {
    let Some((db, stores, acc, ch)) = nodes().await else {
        return;
    };
    const PER_NODE: usize = 50;
    let mut writers = Vec::new();
    for (n, store) in stores.iter().enumerate() {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..PER_NODE {
                insert(&store, acc, ch, &chat(n * PER_NODE + i), 1_000).await;
            }
        }));
    }
    let reader = stores[0].clone();
    let total = NODES * PER_NODE;
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.len() < total {
        assert!(
            Instant::now() < deadline,
            "only {} of {total} events seen",
            seen.len()
        );
        let page = events(&reader, acc, cursor.as_deref(), 7).await;
        if let Some(last) = page.items.last() {
            cursor = Some(last.cursor.clone());
        }
        seen.extend(page.items.into_iter().map(|e| e.id));
    }
    for w in writers {
        w.await.unwrap();
    }
    let rest = events(&reader, acc, cursor.as_deref(), 500).await;
    assert!(
        rest.items.is_empty(),
        "{} events after the last page",
        rest.items.len()
    );
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), total, "an event was listed twice");
    let from_start = events(&reader, acc, None, 500).await;
    assert_eq!(
        from_start.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        seen,
        "one log order"
    );
    finish(db, stores).await;
}

/// 200 webhook deliveries over 200 ordering keys, four nodes claiming at once: each delivery
/// is claimed once, with its own event.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_delivery_claimers_never_share_a_delivery() {
    let Some((db, stores, acc, ch)) = nodes().await else {
        return;
    };
    one_per_chat(&stores[0], acc, ch, 200).await;
    let events = events(&stores[0], acc, None, 500).await.items;
    assert_eq!(events.len(), 200);
    let s = Subscription {
        id: SubscriptionId::new(),
        account_id: acc,
        channel_id: None,
        url: "https://example.com/hooks".into(),
        events: vec!["*".into()],
        format: PayloadFormat::Switchboard,
        secret: "whsec_c2VjcmV0".into(),
        previous_secret: None,
        previous_expires_at: None,
        enabled: true,
        description: None,
        failing_since: None,
        disabled_reason: None,
        created_at: 1_000,
        updated_at: 1_000,
    };
    stores[0].create_subscription(&s).await.unwrap();
    let deliveries: Vec<Delivery> = events
        .iter()
        .map(|e| Delivery {
            id: DeliveryId::new(),
            subscription_id: s.id,
            account_id: acc,
            event_id: e.id.to_string(),
            ordering_key: e.chat.clone().unwrap(),
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: 1_500,
            last_status: None,
            last_error: None,
            created_at: 1_500,
            finished_at: None,
        })
        .collect();
    let all: HashSet<DeliveryId> = deliveries.iter().map(|d| d.id).collect();
    stores[0]
        .create_deliveries(&deliveries, &events[199].cursor)
        .await
        .unwrap();
    let claim = |store: Arc<dyn Store>, owner: String, now, limit| async move {
        let claimed = store
            .claim_deliveries(&owner, now, LEASE, &DeliverySlots::up_to(limit))
            .await
            .unwrap();
        claimed
            .into_iter()
            .map(|(d, e)| {
                assert_eq!(
                    d.event_id,
                    e.id.to_string(),
                    "a delivery comes with its event"
                );
                d.id
            })
            .collect::<Vec<_>>()
    };
    claim_race(&stores, all, "delivery", claim).await;
    assert!(claim(stores[1].clone(), "late".into(), 2_001, 500)
        .await
        .is_empty());
    finish(db, stores).await;
}

/// A malformed cursor is refused.
#[tokio::test]
async fn malformed_event_cursors_are_refused() {
    let Some((db, stores, acc, _)) = nodes().await else {
        return;
    };
    for bad in ["12", "x.1", "1.y", "-1.2", "1.2.3"] {
        let err = stores[0]
            .list_events(acc, &EventFilter::default(), Some(bad), 10)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("invalid event cursor"),
            "{bad}: {err}"
        );
    }
    finish(db, stores).await;
}
