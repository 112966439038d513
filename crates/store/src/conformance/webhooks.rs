//! Conformance checks for webhook subscriptions, deliveries and the fan-out position.

use std::sync::Arc;

use switchboard_core::event::{self, Event};
use switchboard_core::id::{AccountId, DeliveryId, SubscriptionId};
use switchboard_core::subscription::{
    Attempt, Delivery, DeliveryState, PayloadFormat, Subscription,
};

use super::{account, channel, create_with_key, page_request, unique_number};
use crate::conformance::messages::outbound;
use crate::messages::{DeliveryOutcome, DeliverySlots, EventFilter, NewOutbound, ReplayFrom};
use crate::{PageRequest, Store};

const OWNER: &str = "node-a";
const LEASE: i64 = 30_000;
const DISABLE_AFTER: i64 = 5 * 86_400_000;

/// An enabled subscription of `account` to `events` (Switchboard format, example.com URL).
pub fn subscription(account: AccountId, events: &[&str]) -> Subscription {
    Subscription {
        id: SubscriptionId::new(),
        account_id: account,
        channel_id: None,
        url: "https://example.com/hooks".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        format: PayloadFormat::Switchboard,
        secret: "whsec_c2VjcmV0".into(),
        previous_secret: None,
        previous_expires_at: None,
        enabled: true,
        description: Some("test".into()),
        failing_since: None,
        disabled_reason: None,
        created_at: 1_000,
        updated_at: 1_000,
    }
}

/// A pending delivery of `event` to `s` under ordering key `key`, due at `at`.
pub fn delivery(s: &Subscription, event: &Event, key: &str, at: i64) -> Delivery {
    Delivery {
        id: DeliveryId::new(),
        subscription_id: s.id,
        account_id: s.account_id,
        event_id: event.id.to_string(),
        ordering_key: key.to_string(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: at,
        last_status: None,
        last_error: None,
        created_at: at,
        finished_at: None,
    }
}

fn attempt(status: u16, at: i64) -> Attempt {
    Attempt {
        attempted_at: at,
        status_code: Some(status),
        latency_ms: 12,
        response: Some("ok".into()),
        error: None,
    }
}

/// Accounts with a channel, and `n` events (accepted messages) in account a.
/// The deliveries `OWNER` claims at `now` (up to ten), with their events.
async fn claim(store: &Arc<dyn Store>, now: i64) -> Vec<(Delivery, Event)> {
    store
        .claim_deliveries(OWNER, now, LEASE, &DeliverySlots::up_to(10))
        .await
        .unwrap()
}

/// The ids of the deliveries `OWNER` claims at `now` (up to ten).
async fn claim_ids(store: &Arc<dyn Store>, now: i64) -> Vec<DeliveryId> {
    claim(store, now).await.iter().map(|(d, _)| d.id).collect()
}

/// `OWNER`'s attempt of delivery `id` at `at`, answered with `status`, finished with
/// `outcome`.
async fn attempted(
    store: &Arc<dyn Store>,
    id: DeliveryId,
    outcome: DeliveryOutcome,
    status: u16,
    at: i64,
) -> Option<Delivery> {
    finish(store, id, OWNER, outcome, Some(&attempt(status, at)), at).await
}

/// Stores `ds` with the fan-out position `cursor`, and checks the position moved there.
async fn fan_out(store: &Arc<dyn Store>, ds: &[Delivery], cursor: &str) {
    store.create_deliveries(ds, cursor).await.unwrap();
    assert_eq!(
        store.fanout_position().await.unwrap().as_deref(),
        Some(cursor)
    );
}

/// A failed attempt to retry at `next_attempt_at`.
fn retry_at(next_attempt_at: i64) -> DeliveryOutcome {
    DeliveryOutcome::Retry { next_attempt_at }
}

/// Finishes `owner`'s delivery `id` with `outcome` (and `attempt`) at `now`.
async fn finish(
    store: &Arc<dyn Store>,
    id: DeliveryId,
    owner: &str,
    outcome: DeliveryOutcome,
    attempt: Option<&Attempt>,
    now: i64,
) -> Option<Delivery> {
    let finished = store.finish_delivery(id, owner, outcome, attempt, DISABLE_AFTER, now);
    finished.await.unwrap()
}

async fn setup(store: &Arc<dyn Store>, n: usize) -> (AccountId, AccountId, Vec<Event>) {
    let a = account("a");
    let b = account("b");
    let ch = channel(a.id, &unique_number('6'));
    create_with_key(store, &a, std::slice::from_ref(&ch)).await;
    create_with_key(store, &b, &[]).await;
    for i in 0..n {
        let m = outbound(
            a.id,
            ch.id,
            if i % 2 == 0 {
                "15550000001"
            } else {
                "15550000002"
            },
            "x",
            1_000 + i as i64,
        );
        store
            .insert_outbound(&NewOutbound {
                message: m,
                template_category: None,
                idempotency: None,
                idempotency_ttl_ms: 1,
                not_before: 1_000,
            })
            .await
            .unwrap();
    }
    let events = store
        .list_events(a.id, &EventFilter::default(), None, 500)
        .await
        .unwrap()
        .items;
    (a.id, b.id, events)
}

/// Subscriptions are stored, scoped to their account, updated and deleted.
pub async fn subscriptions_round_trip(store: Arc<dyn Store>) {
    let (a, b, _) = setup(&store, 0).await;
    let s = subscription(a, &["message.*"]);
    store.create_subscription(&s).await.unwrap();
    assert_eq!(
        store.get_subscription(a, s.id).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(store.get_subscription(b, s.id).await.unwrap(), None);
    let mut changed = s.clone();
    changed.url = "https://example.com/other".into();
    changed.previous_secret = Some("whsec_b2xk".into());
    changed.previous_expires_at = Some(9_000);
    changed.enabled = false;
    changed.updated_at = 2_000;
    assert!(store.update_subscription(&changed).await.unwrap());
    assert_eq!(
        store.get_subscription(a, s.id).await.unwrap(),
        Some(changed.clone())
    );
    assert!(store.enabled_subscriptions().await.unwrap().is_empty());
    let listed = store
        .list_subscriptions(a, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items, vec![changed]);
    assert!(store
        .list_subscriptions(b, &PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(!store.delete_subscription(b, s.id).await.unwrap());
    assert!(store.delete_subscription(a, s.id).await.unwrap());
    assert_eq!(store.get_subscription(a, s.id).await.unwrap(), None);
}

/// The fan-out reads every account's events in order and records its position atomically
/// with the deliveries it creates.
pub async fn fanout_position_moves_with_deliveries(store: Arc<dyn Store>) {
    let (a, _, events) = setup(&store, 3).await;
    assert_eq!(store.fanout_position().await.unwrap(), None);
    let all = store.list_all_events(None, 2).await.unwrap();
    assert_eq!(all.items.len(), 2);
    assert_eq!(all.items[0].id, events[0].id);
    let s = subscription(a, &["*"]);
    store.create_subscription(&s).await.unwrap();
    let ds: Vec<Delivery> = all
        .items
        .iter()
        .map(|e| delivery(&s, e, e.chat.as_deref().unwrap_or(""), 2_000))
        .collect();
    fan_out(&store, &ds, &all.items[1].cursor).await;
    let rest = store
        .list_all_events(Some(&all.items[1].cursor), 10)
        .await
        .unwrap();
    assert_eq!(
        rest.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![events[2].id]
    );
    fan_out(&store, &[], &rest.items[0].cursor).await;
    let listed = store
        .list_deliveries(a, s.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
}

/// Claims keep order per (subscription, key); failures retry, record attempts and disable a
/// subscription failing for too long; deferrals are not attempts.
pub async fn deliveries_are_ordered_retried_and_recorded(store: Arc<dyn Store>) {
    let (a, b, events) = setup(&store, 4).await;
    let s = subscription(a, &["message.accepted"]);
    store.create_subscription(&s).await.unwrap();
    // Keys: events 0 and 2 share chat 1; events 1 and 3 share chat 2.
    let ds: Vec<Delivery> = events
        .iter()
        .map(|e| delivery(&s, e, e.chat.as_deref().unwrap(), 2_000))
        .collect();
    store
        .create_deliveries(&ds, &events[3].cursor)
        .await
        .unwrap();
    let claimed = claim(&store, 2_000).await;
    let ids: Vec<DeliveryId> = claimed.iter().map(|(d, _)| d.id).collect();
    assert_eq!(ids, vec![ds[0].id, ds[1].id], "one per ordering key");
    assert_eq!(
        claimed[0].1.id, events[0].id,
        "the event comes with its delivery"
    );
    assert!(claim(&store, 2_001).await.is_empty(), "leased");

    // ds[0] fails: retry later; its key stays blocked, the other key moves on.
    let after = attempted(&store, ds[0].id, retry_at(9_000), 500, 2_100)
        .await
        .unwrap();
    assert_eq!(after.attempts, 1);
    assert_eq!(after.last_status, Some(500));
    assert_eq!(after.state, DeliveryState::Pending);
    assert!(finish(
        &store,
        ds[1].id,
        "node-b",
        DeliveryOutcome::Delivered,
        None,
        2_100
    )
    .await
    .is_none());
    let done = attempted(&store, ds[1].id, DeliveryOutcome::Delivered, 204, 2_100)
        .await
        .unwrap();
    assert_eq!(done.state, DeliveryState::Delivered);
    let next: Vec<DeliveryId> = claim_ids(&store, 2_200).await;
    assert_eq!(
        next,
        vec![ds[3].id],
        "chat 1 waits for its failing head; chat 2 goes on"
    );
    finish(
        &store,
        ds[3].id,
        OWNER,
        DeliveryOutcome::Deferred {
            next_attempt_at: 3_000,
        },
        None,
        2_200,
    )
    .await;
    let (d3, attempts) = store.get_delivery(a, ds[3].id).await.unwrap().unwrap();
    assert_eq!(d3.attempts, 0, "a deferral is not an attempt");
    assert!(attempts.is_empty());
    assert!(
        store.get_delivery(b, ds[3].id).await.unwrap().is_none(),
        "other account"
    );

    // A success cleared the failing mark; ds[0] fails again and keeps failing past the
    // disable threshold: the subscription is disabled with an event.
    assert_eq!(
        store
            .get_subscription(a, s.id)
            .await
            .unwrap()
            .unwrap()
            .failing_since,
        None
    );
    claim(&store, 9_000).await;
    attempted(&store, ds[0].id, retry_at(10_000), 502, 9_100)
        .await
        .unwrap();
    let failing = store.get_subscription(a, s.id).await.unwrap().unwrap();
    assert_eq!(failing.failing_since, Some(9_100));
    assert!(failing.enabled);
    let later = 9_100 + DISABLE_AFTER;
    claim(&store, later).await;
    attempted(&store, ds[0].id, DeliveryOutcome::GiveUp, 503, later)
        .await
        .unwrap();
    let disabled = store.get_subscription(a, s.id).await.unwrap().unwrap();
    assert!(!disabled.enabled);
    assert!(disabled.disabled_reason.is_some());
    let evs = store
        .list_events(
            a,
            &EventFilter {
                types: vec![event::SUBSCRIPTION_DISABLED.into()],
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(evs.items.len(), 1);
    assert_eq!(evs.items[0].data["subscription"]["id"], s.id.to_string());
    assert!(
        claim(&store, later + 10_000).await.is_empty(),
        "disabled subscriptions get nothing"
    );
    let (d0, attempts) = store.get_delivery(a, ds[0].id).await.unwrap().unwrap();
    assert_eq!(d0.state, DeliveryState::Failed);
    assert_eq!(
        attempts.iter().map(|x| x.status_code).collect::<Vec<_>>(),
        vec![Some(500), Some(502), Some(503)]
    );

    // A manual retry makes it pending and due again; re-enabling delivers it.
    let retried = store
        .retry_delivery(a, ds[0].id, later + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retried.state, DeliveryState::Pending);
    assert!(store
        .retry_delivery(b, ds[0].id, later)
        .await
        .unwrap()
        .is_none());
    let mut enabled = disabled.clone();
    enabled.enabled = true;
    enabled.failing_since = None;
    enabled.disabled_reason = None;
    store.update_subscription(&enabled).await.unwrap();
    let again: Vec<DeliveryId> = claim_ids(&store, later + 2).await;
    assert!(again.contains(&ds[0].id));
}

/// A claim leases no more of a subscription's deliveries than its slots: none of one with no
/// slot left (passed over, not leased), at most `per_subscription` of the others.
pub async fn claims_respect_each_subscriptions_slots(store: Arc<dyn Store>) {
    let (a, _, events) = setup(&store, 6).await;
    let first = subscription(a, &["message.accepted"]);
    let second = subscription(a, &["message.accepted"]);
    store.create_subscription(&first).await.unwrap();
    store.create_subscription(&second).await.unwrap();
    // Every delivery its own ordering key: all six are heads, the first subscription's first.
    let ds: Vec<Delivery> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let s = if i < 3 { &first } else { &second };
            delivery(s, e, &format!("key-{i}"), 2_000)
        })
        .collect();
    fan_out(&store, &ds, &events[5].cursor).await;
    let slots = |limit, per_subscription, busy: Vec<(SubscriptionId, u32)>| DeliverySlots {
        limit,
        per_subscription,
        busy,
    };
    let ids = |claimed: Vec<(Delivery, Event)>| -> Vec<DeliveryId> {
        claimed.iter().map(|(d, _)| d.id).collect()
    };
    let full = slots(10, 2, vec![(first.id, 0)]);
    let claimed = store.claim_deliveries(OWNER, 2_000, LEASE, &full).await;
    assert_eq!(
        ids(claimed.unwrap()),
        vec![ds[3].id, ds[4].id],
        "the full subscription is passed over; the other gets its two slots"
    );
    let one_each = slots(10, 1, vec![(second.id, 1)]);
    let claimed = store.claim_deliveries(OWNER, 2_000, LEASE, &one_each).await;
    assert_eq!(
        ids(claimed.unwrap()),
        vec![ds[0].id, ds[5].id],
        "one slot each, earliest first"
    );
    let claimed = store
        .claim_deliveries(OWNER, 2_000, LEASE, &slots(1, 5, Vec::new()))
        .await;
    assert_eq!(ids(claimed.unwrap()), vec![ds[1].id], "one in all");
    let claimed = store
        .claim_deliveries(OWNER, 2_000, LEASE, &DeliverySlots::up_to(10))
        .await;
    assert_eq!(
        ids(claimed.unwrap()),
        vec![ds[2].id],
        "what was passed over was not leased"
    );
}

/// Only each ordering key's oldest pending delivery is claimable, whatever happens to it:
/// the next waits while it is leased or deferred, takes over when it is delivered or given
/// up, a manual retry of an older delivery goes first again, an expired lease frees it, and
/// deleting the subscription leaves nothing to claim.
pub async fn a_keys_next_delivery_waits_for_its_head(store: Arc<dyn Store>) {
    let (a, _, events) = setup(&store, 5).await;
    let s = subscription(a, &["message.accepted"]);
    store.create_subscription(&s).await.unwrap();
    let ds: Vec<Delivery> = events
        .iter()
        .enumerate()
        .map(|(i, e)| delivery(&s, e, if i < 4 { "chat-1" } else { "chat-2" }, 2_000))
        .collect();
    fan_out(&store, &ds, &events[4].cursor).await;
    assert_eq!(
        claim_ids(&store, 2_000).await,
        vec![ds[0].id, ds[4].id],
        "one head per key"
    );
    assert!(
        claim_ids(&store, 2_001).await.is_empty(),
        "the next waits while the head is leased"
    );
    let deferred = DeliveryOutcome::Deferred {
        next_attempt_at: 2_100,
    };
    finish(&store, ds[0].id, OWNER, deferred, None, 2_002).await;
    assert!(
        claim_ids(&store, 2_050).await.is_empty(),
        "a deferred head is not due, and holds its key"
    );
    assert_eq!(claim_ids(&store, 2_100).await, vec![ds[0].id]);
    attempted(&store, ds[0].id, DeliveryOutcome::Delivered, 200, 2_101).await;
    assert_eq!(
        claim_ids(&store, 2_102).await,
        vec![ds[1].id],
        "delivered: the next takes over"
    );
    attempted(&store, ds[1].id, DeliveryOutcome::GiveUp, 500, 2_103).await;
    assert_eq!(
        claim_ids(&store, 2_104).await,
        vec![ds[2].id],
        "given up: the next takes over"
    );
    assert_eq!(
        claim_ids(&store, 2_000 + LEASE).await,
        vec![ds[4].id],
        "an expired lease frees a head again"
    );
    assert!(
        claim_ids(&store, 2_104 + LEASE - 1).await.is_empty(),
        "leased until the lease ends"
    );
    assert_eq!(claim_ids(&store, 2_104 + LEASE).await, vec![ds[2].id]);
    let now = 2_104 + LEASE;
    finish(&store, ds[2].id, OWNER, retry_at(now + 10), None, now).await;
    let retried = store.retry_delivery(a, ds[1].id, now + 1).await.unwrap();
    assert_eq!(retried.map(|d| d.state), Some(DeliveryState::Pending));
    assert_eq!(
        claim_ids(&store, now + 20).await,
        vec![ds[1].id],
        "a manual retry of an older delivery is its key's head again"
    );
    attempted(&store, ds[1].id, DeliveryOutcome::Delivered, 200, now + 21).await;
    assert_eq!(claim_ids(&store, now + 22).await, vec![ds[2].id]);
    assert!(store.delete_subscription(a, s.id).await.unwrap());
    let other = subscription(a, &["message.accepted"]);
    store.create_subscription(&other).await.unwrap();
    let fresh = delivery(&other, &events[0], "chat-1", now);
    store
        .create_deliveries(std::slice::from_ref(&fresh), &events[4].cursor)
        .await
        .unwrap();
    assert_eq!(
        claim_ids(&store, now + LEASE * 2).await,
        vec![fresh.id],
        "nothing of the deleted subscription is left to claim"
    );
}

/// Replays create new deliveries for matching events since a time or after an event.
pub async fn replays_create_deliveries(store: Arc<dyn Store>) {
    let (a, _, events) = setup(&store, 4).await;
    let s = subscription(a, &["message.accepted"]);
    store.create_subscription(&s).await.unwrap();
    let cases = [
        (ReplayFrom::Time(0), 100, 4, "from the start"),
        (
            ReplayFrom::Event(events[1].id.to_string()),
            100,
            2,
            "after an event",
        ),
        (ReplayFrom::Time(1_002), 100, 2, "since a time"),
        (ReplayFrom::Time(0), 3, 3, "bounded"),
    ];
    for (from, limit, created, why) in cases {
        let replayed = store.replay(&s, &from, 5_000, limit).await.unwrap();
        assert_eq!(replayed, created, "{why}");
    }
    let other = subscription(a, &["message.delivered"]);
    store.create_subscription(&other).await.unwrap();
    assert_eq!(
        store
            .replay(&other, &ReplayFrom::Time(0), 5_000, 100)
            .await
            .unwrap(),
        0,
        "filtered by type"
    );
    assert!(store
        .replay(&s, &ReplayFrom::Event("evt_nope".into()), 5_000, 100)
        .await
        .is_err());
    let listed = store
        .list_deliveries(a, s.id, &page_request(None, 500))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 11);
}

/// A test event is logged with its one delivery, claimed with it, and replayed to its own
/// subscription only (whatever that subscription's filter), never to another's.
pub async fn test_events_reach_their_subscription_only(store: Arc<dyn Store>) {
    let (a, b, before) = setup(&store, 2).await;
    let narrow = subscription(a, &["message.accepted"]);
    let every = subscription(a, &["*"]);
    store.create_subscription(&narrow).await.unwrap();
    store.create_subscription(&every).await.unwrap();
    let d = store.send_test_event(&narrow, 5_000).await.unwrap();
    assert_eq!(d.subscription_id, narrow.id);
    assert_eq!(d.state, DeliveryState::Pending);
    let logged = store
        .list_events(
            a,
            &EventFilter {
                types: vec![event::SUBSCRIPTION_TEST.into()],
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!(logged.items.len(), 1);
    assert_eq!(logged.items[0].id.to_string(), d.event_id);
    assert_eq!(
        logged.items[0].data["subscription"]["id"],
        narrow.id.to_string()
    );
    let claimed = claim(&store, 5_000).await;
    let (_, e) = claimed
        .iter()
        .find(|(c, _)| c.id == d.id)
        .expect("the test delivery is claimed with its event");
    assert_eq!(e.kind, event::SUBSCRIPTION_TEST);
    store
        .finish_delivery(
            d.id,
            OWNER,
            DeliveryOutcome::Retry {
                next_attempt_at: 9_000,
            },
            Some(&attempt(500, 5_001)),
            i64::MAX,
            5_001,
        )
        .await
        .unwrap();
    assert_eq!(
        store.delivery_event(a, d.id).await.unwrap().map(|e| e.kind),
        Some(event::SUBSCRIPTION_TEST.to_string())
    );
    assert_eq!(
        store.delivery_event(b, d.id).await.unwrap(),
        None,
        "another account's"
    );
    assert_eq!(
        store
            .replay(&narrow, &ReplayFrom::Time(0), 6_000, 100)
            .await
            .unwrap(),
        3,
        "its two matching events and its own test event"
    );
    assert_eq!(
        store
            .replay(&every, &ReplayFrom::Time(0), 6_000, 100)
            .await
            .unwrap(),
        before.len() as u64,
        "every event but another subscription's test event"
    );
}

/// The delivery log lists a subscription's deliveries newest first, in pages, with each
/// event's type and the last attempt's latency, within the account only.
pub async fn the_delivery_log_is_newest_first(store: Arc<dyn Store>) {
    let (a, b, events) = setup(&store, 3).await;
    let s = subscription(a, &["message.accepted"]);
    store.create_subscription(&s).await.unwrap();
    let ds: Vec<Delivery> = events
        .iter()
        .filter(|e| e.kind == event::MESSAGE_ACCEPTED)
        .enumerate()
        .map(|(i, e)| delivery(&s, e, &format!("k{i}"), 1_000))
        .collect();
    assert_eq!(ds.len(), 3);
    store
        .create_deliveries(&ds, &events.last().unwrap().cursor)
        .await
        .unwrap();
    let claimed = claim_ids(&store, 2_000).await;
    assert!(claimed.contains(&ds[0].id));
    store
        .finish_delivery(
            ds[0].id,
            OWNER,
            DeliveryOutcome::Delivered,
            Some(&attempt(200, 2_000)),
            i64::MAX,
            2_000,
        )
        .await
        .unwrap();
    let log = store.delivery_log(a, s.id, None, 10).await.unwrap();
    let mut newest_first: Vec<DeliveryId> = ds.iter().map(|d| d.id).collect();
    newest_first.sort_by_key(|id| std::cmp::Reverse(id.to_string()));
    assert_eq!(
        log.iter().map(|l| l.delivery.id).collect::<Vec<_>>(),
        newest_first
    );
    assert!(log.iter().all(|l| l.event_type == event::MESSAGE_ACCEPTED));
    let first = log.iter().find(|l| l.delivery.id == ds[0].id).unwrap();
    assert_eq!(first.last_latency_ms, Some(12));
    assert_eq!(first.delivery.last_status, Some(200));
    assert!(log
        .iter()
        .filter(|l| l.delivery.id != ds[0].id)
        .all(|l| l.last_latency_ms.is_none()));
    let page = store
        .delivery_log(a, s.id, Some(newest_first[0]), 1)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].delivery.id, newest_first[1]);
    assert!(
        store
            .delivery_log(b, s.id, None, 10)
            .await
            .unwrap()
            .is_empty(),
        "another account's"
    );
}
