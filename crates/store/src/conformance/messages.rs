//! Conformance checks for messages, the outbox, statuses, inbound messages and events.

use std::sync::Arc;

use serde_json::{json, Value};
use switchboard_core::event::{self, Event};
use switchboard_core::id::{AccountId, ChannelId, MessageId};
use switchboard_core::record::{MessageRecord, StatusReport};
use switchboard_core::status::{Direction, MessageStatus};

use super::{account, channel, create_with_key, edited, page_request, unique_number};
use crate::messages::{
    Claimed, DispatchOutcome, EventFilter, FinishDispatch, IdempotencyRecord, InsertOutcome,
    MessageFilter, NewInbound, NewOutbound, OutboxClaim, StatusOutcome,
};
use crate::{Page, PageRequest, Store};

pub(crate) const OWNER: &str = "node-a";
pub(crate) const LEASE: i64 = 60_000;

/// An account with one channel.
pub async fn setup(store: &Arc<dyn Store>) -> (AccountId, ChannelId) {
    let a = account("acme");
    let ch = channel(a.id, &unique_number('5'));
    create_with_key(store, &a, std::slice::from_ref(&ch)).await;
    (a.id, ch.id)
}

/// An outbound text message to `chat` created at `at`.
pub fn outbound(
    account: AccountId,
    channel: ChannelId,
    chat: &str,
    text: &str,
    at: i64,
) -> MessageRecord {
    MessageRecord {
        id: MessageId::new(),
        account_id: account,
        channel_id: channel,
        direction: Direction::Outbound,
        chat: chat.to_string(),
        kind: "text".into(),
        body: json!({"messaging_product": "whatsapp", "to": chat, "type": "text", "text": {"body": text}}),
        status: MessageStatus::Accepted,
        upstream_id: None,
        context_id: None,
        error: None,
        attempts: 0,
        created_at: at,
        updated_at: at,
    }
}

/// The message as a new outbox entry due at its creation.
pub fn new_outbound(m: MessageRecord) -> NewOutbound {
    let at = m.created_at;
    NewOutbound {
        message: m,
        template_category: None,
        idempotency: None,
        idempotency_ttl_ms: 86_400_000,
        not_before: at,
    }
}

/// The account's events.
pub async fn events_of(store: &Arc<dyn Store>, account: AccountId) -> Vec<Event> {
    store
        .list_events(account, &EventFilter::default(), None, 500)
        .await
        .unwrap()
        .items
}

/// The events' types.
pub fn types(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.kind.clone()).collect()
}

/// Stores `m` as a new outbound message.
pub async fn insert(store: &Arc<dyn Store>, m: &MessageRecord) {
    store
        .insert_outbound(&new_outbound(m.clone()))
        .await
        .unwrap();
}

/// The ids of the messages `owner` claims at `now` (up to ten).
pub(crate) async fn claim_ids(store: &Arc<dyn Store>, owner: &str, now: i64) -> Vec<MessageId> {
    let claimed = store
        .claim_outbox(&OutboxClaim {
            owner,
            now,
            lease_ms: LEASE,
            limit: 10,
            channels: None,
        })
        .await
        .unwrap();
    claimed.into_iter().map(|c| c.message.id).collect()
}

/// Finishes `owner`'s dispatch of message `id` with `outcome` at `at`.
pub(crate) async fn finish(
    store: &Arc<dyn Store>,
    id: MessageId,
    owner: &str,
    outcome: DispatchOutcome,
    at: i64,
) -> Option<MessageRecord> {
    store
        .finish_dispatch(FinishDispatch {
            id,
            owner,
            outcome,
            now: at,
        })
        .await
        .unwrap()
}

/// A retry no sooner than `not_before`, with the error if there was one.
pub(crate) fn retry(not_before: i64, error: Option<Value>, attempted: bool) -> DispatchOutcome {
    DispatchOutcome::Retry {
        not_before,
        error,
        attempted,
    }
}

/// The send answer naming the upstream id.
pub(crate) fn sent(upstream: &str) -> DispatchOutcome {
    DispatchOutcome::Sent {
        upstream_id: upstream.into(),
    }
}

/// Applies a report of `status` at `at` for the upstream message, received then.
async fn status_at(
    store: &Arc<dyn Store>,
    ch: ChannelId,
    upstream: &str,
    status: MessageStatus,
    at: i64,
) -> StatusOutcome {
    report_status(store, ch, upstream, status, at, at).await
}

/// The messages `OWNER` claims at `now` (up to `limit`).
async fn claim(store: &Arc<dyn Store>, now: i64, limit: u32) -> Vec<Claimed> {
    store
        .claim_outbox(&OutboxClaim {
            owner: OWNER,
            now,
            lease_ms: LEASE,
            limit,
            channels: None,
        })
        .await
        .unwrap()
}

/// The account's first hundred events that `filter` matches.
async fn events_where(store: &Arc<dyn Store>, acc: AccountId, filter: EventFilter) -> Page<Event> {
    store.list_events(acc, &filter, None, 100).await.unwrap()
}

/// Applies a report of `status` at `at` for the upstream message, received at `now`.
async fn report_status(
    store: &Arc<dyn Store>,
    ch: ChannelId,
    upstream: &str,
    status: MessageStatus,
    at: i64,
    now: i64,
) -> StatusOutcome {
    let report = report(ch, upstream, status, at);
    store.apply_status(&report, now).await.unwrap()
}

/// The types of the events about message `id`, in order.
pub fn kinds_of(events: &[Event], id: MessageId) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.data["message"]["id"] == id.to_string())
        .map(|e| e.kind.clone())
        .collect()
}

/// Insert → claim → sent: status, history, events, outbox, upstream-id lookup.
pub async fn outbound_lifecycle(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let m = outbound(acc, ch, "15551230001", "hello", 1_000);
    assert_eq!(
        store
            .insert_outbound(&new_outbound(m.clone()))
            .await
            .unwrap(),
        InsertOutcome::Inserted
    );
    assert_eq!(store.outbox_len().await.unwrap(), 1);
    let claimed = claim(&store, 1_000, 10).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message, m);
    assert!(claim(&store, 1_001, 10).await.is_empty(), "leased");
    let done = finish(&store, m.id, OWNER, sent("wamid.A"), 1_100)
        .await
        .unwrap();
    assert_eq!(done.status, MessageStatus::Sent);
    assert_eq!(done.upstream_id.as_deref(), Some("wamid.A"));
    assert_eq!(done.attempts, 1);
    assert_eq!(store.outbox_len().await.unwrap(), 0);
    let found = store
        .find_by_upstream(ch, "wamid.A")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, m.id);
    let (got, history) = store.get_message(acc, m.id).await.unwrap().unwrap();
    assert_eq!(got.status, MessageStatus::Sent);
    assert_eq!(
        history.iter().map(|h| h.status).collect::<Vec<_>>(),
        vec![MessageStatus::Accepted, MessageStatus::Sent]
    );
    let events = events_of(&store, acc).await;
    assert_eq!(
        types(&events),
        vec![event::MESSAGE_ACCEPTED, event::MESSAGE_SENT]
    );
    assert_eq!(events[1].data["message"]["upstream_id"], "wamid.A");
    assert_eq!(events[1].chat.as_deref(), Some("15551230001"));
    assert!(events[0].seq < events[1].seq);
    assert!(
        store
            .get_message(AccountId::new(), m.id)
            .await
            .unwrap()
            .is_none(),
        "other account"
    );
}

/// The same key and body replays; another body is refused; an expired key is new again.
pub async fn idempotency_keys(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let record = |hash: &str| IdempotencyRecord {
        key: "order-42".into(),
        request_hash: hash.into(),
        response: json!({"messages": [{"id": "first"}]}),
    };
    let mut first = new_outbound(outbound(acc, ch, "15551230002", "a", 1_000));
    first.idempotency = Some(record("h1"));
    assert_eq!(
        store.insert_outbound(&first).await.unwrap(),
        InsertOutcome::Inserted
    );
    let mut again = new_outbound(outbound(acc, ch, "15551230002", "a", 2_000));
    again.idempotency = Some(record("h1"));
    assert_eq!(
        store.insert_outbound(&again).await.unwrap(),
        InsertOutcome::Replay(json!({"messages": [{"id": "first"}]}))
    );
    let mut other = new_outbound(outbound(acc, ch, "15551230002", "b", 2_000));
    other.idempotency = Some(record("h2"));
    assert_eq!(
        store.insert_outbound(&other).await.unwrap(),
        InsertOutcome::KeyReused
    );
    assert_eq!(
        store.outbox_len().await.unwrap(),
        1,
        "replays store nothing"
    );
    let mut later = new_outbound(outbound(acc, ch, "15551230002", "b", 1_000 + 86_400_000));
    later.idempotency = Some(record("h2"));
    assert_eq!(
        store.insert_outbound(&later).await.unwrap(),
        InsertOutcome::Inserted,
        "expired key"
    );
    let (b, _) = setup(&store).await;
    let mut foreign = new_outbound(outbound(b, ch, "15551230002", "a", 2_000));
    foreign.idempotency = Some(record("h9"));
    assert_eq!(
        store.insert_outbound(&foreign).await.unwrap(),
        InsertOutcome::Inserted,
        "keys are per account"
    );
}

/// Only each chat's oldest pending message is claimable; others wait; leases expire.
pub async fn claims_keep_per_chat_order(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let a: Vec<_> = (0..3)
        .map(|i| outbound(acc, ch, "15551230010", &format!("a{i}"), 1_000 + i))
        .collect();
    let b: Vec<_> = (0..2)
        .map(|i| outbound(acc, ch, "15551230011", &format!("b{i}"), 1_010 + i))
        .collect();
    for m in a.iter().chain(b.iter()) {
        insert(&store, m).await;
    }
    let heads: Vec<MessageId> = claim_ids(&store, OWNER, 2_000).await;
    assert_eq!(heads, vec![a[0].id, b[0].id]);
    assert!(store
        .claim_outbox(&OutboxClaim {
            owner: "node-b",
            now: 2_001,
            lease_ms: LEASE,
            limit: 10,
            channels: None,
        })
        .await
        .unwrap()
        .is_empty());
    assert!(
        finish(&store, a[0].id, "node-b", sent("x"), 2_002)
            .await
            .is_none(),
        "another owner cannot finish a lease it does not hold"
    );
    finish(&store, a[0].id, OWNER, sent("wamid.a0"), 2_003)
        .await
        .unwrap();
    let next: Vec<MessageId> = claim_ids(&store, OWNER, 2_004).await;
    assert_eq!(
        next,
        vec![a[1].id],
        "b0 is still leased, a1 is the new head of chat a"
    );
    // Leases expire: another node takes over b0 and a1.
    let taken: Vec<MessageId> = claim_ids(&store, "node-b", 2_000 + LEASE + 10).await;
    assert_eq!(taken, vec![a[1].id, b[0].id]);
    assert!(store.release_leases_at_start().await.unwrap() <= 2);
}

/// Retries wait until due and count attempts; failures are final and evented.
pub async fn retries_and_failures(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let m = outbound(acc, ch, "15551230020", "x", 1_000);
    insert(&store, &m).await;
    claim(&store, 1_000, 1).await;
    let after = finish(
        &store,
        m.id,
        OWNER,
        retry(5_000, Some(json!({"code": 2})), true),
        1_100,
    )
    .await
    .unwrap();
    assert_eq!(after.attempts, 1);
    assert_eq!(after.status, MessageStatus::Accepted);
    assert_eq!(after.error, Some(json!({"code": 2})));
    assert!(claim(&store, 4_999, 1).await.is_empty(), "not due yet");
    assert_eq!(claim(&store, 5_000, 1).await.len(), 1);
    finish(&store, m.id, OWNER, retry(6_000, None, false), 5_001).await;
    claim(&store, 6_000, 1).await;
    let failed = finish(
        &store,
        m.id,
        OWNER,
        DispatchOutcome::Failed {
            error: json!({"code": 131026}),
        },
        6_100,
    )
    .await
    .unwrap();
    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(
        failed.attempts, 2,
        "the rate-limit deferral was not an attempt"
    );
    assert_eq!(failed.error, Some(json!({"code": 131026})));
    assert_eq!(store.outbox_len().await.unwrap(), 0);
    let events = events_of(&store, acc).await;
    assert_eq!(
        types(&events),
        vec![event::MESSAGE_ACCEPTED, event::MESSAGE_FAILED]
    );
    assert_eq!(events[1].data["message"]["error"]["code"], 131026);
}

async fn sent_message(
    store: &Arc<dyn Store>,
    acc: AccountId,
    ch: ChannelId,
    upstream: &str,
) -> MessageRecord {
    let m = outbound(acc, ch, "15551230030", "x", 1_000);
    insert(store, &m).await;
    claim(store, 1_000, 10).await;
    finish(store, m.id, OWNER, sent(upstream), 1_100)
        .await
        .unwrap()
}

fn report(ch: ChannelId, upstream: &str, status: MessageStatus, at: i64) -> StatusReport {
    StatusReport {
        channel_id: ch,
        upstream_id: upstream.into(),
        status,
        at,
        error: None,
        upstream: None,
    }
}

/// Statuses never move backwards; late and repeated ones are recorded or ignored.
pub async fn statuses_are_monotonic(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let m = sent_message(&store, acc, ch, "wamid.M").await;
    let apply = |s, at| {
        let store = store.clone();
        async move {
            store
                .apply_status(&report(ch, "wamid.M", s, at), at)
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        apply(MessageStatus::Delivered, 2_000).await,
        StatusOutcome::Applied(_)
    ));
    assert!(matches!(
        apply(MessageStatus::Read, 3_000).await,
        StatusOutcome::Applied(_)
    ));
    assert_eq!(
        apply(MessageStatus::Delivered, 3_500).await,
        StatusOutcome::Recorded,
        "repeat"
    );
    assert_eq!(
        apply(MessageStatus::Sent, 3_600).await,
        StatusOutcome::Recorded,
        "repeat of sent"
    );
    let (got, history) = store.get_message(acc, m.id).await.unwrap().unwrap();
    assert_eq!(got.status, MessageStatus::Read);
    assert_eq!(
        history
            .iter()
            .map(|h| (h.status, h.applied))
            .collect::<Vec<_>>(),
        vec![
            (MessageStatus::Accepted, true),
            (MessageStatus::Sent, true),
            (MessageStatus::Delivered, true),
            (MessageStatus::Read, true),
        ]
    );
    // A read before delivered: the late delivered is recorded but does not regress.
    let m2 = {
        let m = outbound(acc, ch, "15551230031", "y", 1_000);
        insert(&store, &m).await;
        claim(&store, 1_000, 10).await;
        finish(&store, m.id, OWNER, sent("wamid.N"), 1_100)
            .await
            .unwrap()
    };
    status_at(&store, ch, "wamid.N", MessageStatus::Read, 2_000).await;
    assert_eq!(
        status_at(&store, ch, "wamid.N", MessageStatus::Delivered, 2_500).await,
        StatusOutcome::Recorded
    );
    let (got, history) = store.get_message(acc, m2.id).await.unwrap().unwrap();
    assert_eq!(got.status, MessageStatus::Read);
    assert_eq!(
        history.last().map(|h| (h.status, h.applied)),
        Some((MessageStatus::Delivered, false))
    );
    let events = events_of(&store, acc).await;
    let of_m2 = kinds_of(&events, m2.id);
    assert_eq!(
        of_m2,
        vec![
            event::MESSAGE_ACCEPTED,
            event::MESSAGE_SENT,
            event::MESSAGE_READ
        ]
    );
    // A failure with its error.
    let mut failed = report(ch, "wamid.M", MessageStatus::Failed, 4_000);
    failed.error = Some(json!([{"code": 131047}]));
    assert_eq!(
        store.apply_status(&failed, 4_000).await.unwrap(),
        StatusOutcome::Recorded,
        "read is final"
    );
}

/// A watermark covers the chat's sent messages accepted up to it: delivered takes those
/// `sent`, read those `sent` or `delivered`; other chats, later and unsent messages are left.
pub async fn watermarks_find_what_they_cover(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let chat = "15551230040";
    let mut ids = Vec::new();
    for (n, at) in [1_000, 1_001, 1_002].into_iter().enumerate() {
        let m = outbound(acc, ch, chat, "w", at);
        insert(&store, &m).await;
        claim(&store, at, 10).await;
        finish(&store, m.id, OWNER, sent(&format!("mid.{n}")), at + 10)
            .await
            .unwrap();
        ids.push(m.id);
    }
    insert(&store, &outbound(acc, ch, chat, "queued", 1_003)).await;
    insert(&store, &outbound(acc, ch, "15551230041", "other", 1_000)).await;
    status_at(&store, ch, "mid.0", MessageStatus::Delivered, 1_100).await;
    let covered = |receipt, until| {
        let store = store.clone();
        async move {
            store
                .below_watermark(ch, chat, receipt, until, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        covered(MessageStatus::Delivered, 5_000).await,
        ids[1..].to_vec()
    );
    assert_eq!(covered(MessageStatus::Read, 5_000).await, ids);
    assert_eq!(covered(MessageStatus::Read, 1_001).await, ids[..2].to_vec());
    let first = store
        .below_watermark(ch, chat, MessageStatus::Read, 5_000, 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1, "the limit holds");
}

/// A status that overtakes the send answer is kept and applied when the answer arrives.
pub async fn early_statuses_are_applied(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let m = outbound(acc, ch, "15551230040", "x", 1_000);
    insert(&store, &m).await;
    claim(&store, 1_000, 1).await;
    assert_eq!(
        status_at(&store, ch, "wamid.E", MessageStatus::Delivered, 1_050).await,
        StatusOutcome::Pending
    );
    assert_eq!(
        report_status(&store, ch, "wamid.E", MessageStatus::Sent, 1_040, 1_060).await,
        StatusOutcome::Pending
    );
    let done = finish(&store, m.id, OWNER, sent("wamid.E"), 1_100)
        .await
        .unwrap();
    assert_eq!(done.status, MessageStatus::Delivered);
    let events = events_of(&store, acc).await;
    assert_eq!(
        types(&events),
        vec![
            event::MESSAGE_ACCEPTED,
            event::MESSAGE_SENT,
            event::MESSAGE_DELIVERED
        ]
    );
    // Applied once: a second send answer cannot happen, and a repeat status is ignored.
    assert_eq!(
        status_at(&store, ch, "wamid.E", MessageStatus::Delivered, 1_200).await,
        StatusOutcome::Recorded
    );
}

/// An inbound text message.
pub fn inbound(acc: AccountId, ch: ChannelId, from: &str, upstream: &str, at: i64) -> NewInbound {
    NewInbound {
        message: MessageRecord {
            id: MessageId::new(),
            account_id: acc,
            channel_id: ch,
            direction: Direction::Inbound,
            chat: from.into(),
            kind: "text".into(),
            body: json!({"from": from, "id": upstream, "type": "text", "text": {"body": "hi"}}),
            status: MessageStatus::Received,
            upstream_id: Some(upstream.into()),
            context_id: None,
            error: None,
            attempts: 0,
            created_at: at,
            updated_at: at,
        },
        profile_name: Some("Ana".into()),
        event_type: event::MESSAGE_RECEIVED,
        upstream: None,
    }
}

/// Inbound messages are deduplicated, open the window and can be marked read.
pub async fn inbound_messages_open_the_window(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    assert_eq!(store.last_inbound(ch, "15551230050").await.unwrap(), None);
    let first = inbound(acc, ch, "15551230050", "wamid.in1", 10_000);
    assert!(store.insert_inbound(&first, 10_001).await.unwrap());
    assert!(
        !store
            .insert_inbound(
                &inbound(acc, ch, "15551230050", "wamid.in1", 10_000),
                10_002
            )
            .await
            .unwrap(),
        "duplicate"
    );
    assert_eq!(
        store.last_inbound(ch, "15551230050").await.unwrap(),
        Some(10_000)
    );
    assert!(store
        .insert_inbound(&inbound(acc, ch, "15551230050", "wamid.in0", 9_000), 10_003)
        .await
        .unwrap());
    assert_eq!(
        store.last_inbound(ch, "15551230050").await.unwrap(),
        Some(10_000),
        "an older message does not shrink the window"
    );
    assert!(store
        .insert_inbound(
            &inbound(acc, ch, "15551230050", "wamid.in2", 12_000),
            12_001
        )
        .await
        .unwrap());
    assert_eq!(
        store.last_inbound(ch, "15551230050").await.unwrap(),
        Some(12_000),
        "a newer message moves the window, also after it was read"
    );
    let read = store
        .mark_inbound_read(acc, first.message.id, 11_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.status, MessageStatus::Read);
    assert!(store
        .mark_inbound_read(AccountId::new(), first.message.id, 11_000)
        .await
        .unwrap()
        .is_none());
    let events = events_of(&store, acc).await;
    assert_eq!(
        types(&events),
        vec![
            event::MESSAGE_RECEIVED,
            event::MESSAGE_RECEIVED,
            event::MESSAGE_RECEIVED,
            event::MESSAGE_READ
        ]
    );
    assert_eq!(events[0].data["message"]["direction"], "inbound");
}

/// The default message filter changed by `edit`.
fn filter(edit: impl FnOnce(&mut MessageFilter)) -> MessageFilter {
    edited(edit)
}

/// Listing filters by channel, chat, direction, status, time and id, and pages.
pub async fn messages_are_listed_with_filters(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let m = outbound(
            acc,
            ch,
            if i % 2 == 0 {
                "15551230060"
            } else {
                "15551230061"
            },
            "x",
            1_000 + i,
        );
        ids.push(m.id);
        store.insert_outbound(&new_outbound(m)).await.unwrap();
    }
    store
        .insert_inbound(&inbound(acc, ch, "15551230060", "wamid.in", 2_000), 2_000)
        .await
        .unwrap();
    let list = |f: MessageFilter, limit: u32, after: Option<String>| {
        let store = store.clone();
        async move {
            store
                .list_messages(acc, &f, &page_request(after, limit))
                .await
                .unwrap()
        }
    };
    let counts = [
        (MessageFilter::default(), 6),
        (filter(|f| f.chat = Some("15551230060".into())), 4),
        (filter(|f| f.direction = Some(Direction::Inbound)), 1),
        (filter(|f| f.status = Some(MessageStatus::Accepted)), 5),
        (filter(|f| f.message_id = Some(ids[3])), 1),
        (filter(|f| f.upstream_id = Some("wamid.in".into())), 1),
    ];
    for (f, expected) in counts {
        let listed = list(f.clone(), 100, None).await;
        assert_eq!(listed.items.len(), expected, "{f:?}");
    }
    let window = list(
        filter(|f| (f.since, f.until) = (Some(1_001), Some(1_003))),
        100,
        None,
    )
    .await;
    assert_eq!(
        window.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[1..3].to_vec()
    );
    let by_channel = filter(|f| f.channel_id = Some(ch));
    let first = list(by_channel.clone(), 4, None).await;
    assert_eq!(first.items.len(), 4);
    let second = list(by_channel, 4, first.next.clone()).await;
    assert_eq!(second.items.len(), 2);
    assert!(second.next.is_none());
    let latest = store
        .latest_messages(
            acc,
            &filter(|f| f.direction = Some(Direction::Outbound)),
            "",
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        latest.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[3..5].to_vec(),
        "the newest two, oldest first"
    );
    let before = store
        .latest_messages(acc, &MessageFilter::default(), &ids[3].to_string(), 2)
        .await
        .unwrap();
    assert_eq!(
        before.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[1..3].to_vec(),
        "the two before the cursor"
    );
    let other = store
        .list_messages(
            AccountId::new(),
            &MessageFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(other.items.is_empty());
}

/// Events are listed in order, filtered by type (with wildcards) and paged by cursor.
pub async fn events_are_listed_in_order(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let m = sent_message(&store, acc, ch, "wamid.V").await;
    status_at(&store, ch, "wamid.V", MessageStatus::Delivered, 2_000).await;
    store
        .insert_inbound(&inbound(acc, ch, "15551230070", "wamid.in7", 3_000), 3_000)
        .await
        .unwrap();
    let all = store
        .list_events(acc, &EventFilter::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(
        types(&all.items),
        vec![
            event::MESSAGE_ACCEPTED,
            event::MESSAGE_SENT,
            event::MESSAGE_DELIVERED,
            event::MESSAGE_RECEIVED
        ]
    );
    assert_eq!(all.items[0].data["message"]["id"], m.id.to_string());
    let wildcard = events_where(
        &store,
        acc,
        EventFilter {
            types: vec!["message.*".into()],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(wildcard.items.len(), 4);
    let exact = events_where(
        &store,
        acc,
        EventFilter {
            types: vec![event::MESSAGE_SENT.into(), event::MESSAGE_RECEIVED.into()],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        types(&exact.items),
        vec![event::MESSAGE_SENT, event::MESSAGE_RECEIVED]
    );
    let chat = events_where(
        &store,
        acc,
        EventFilter {
            chat: Some("15551230070".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(chat.items.len(), 1);
    let page1 = store
        .list_events(acc, &EventFilter::default(), None, 3)
        .await
        .unwrap();
    assert_eq!(page1.items.len(), 3);
    let page2 = store
        .list_events(acc, &EventFilter::default(), page1.next.as_deref(), 3)
        .await
        .unwrap();
    assert_eq!(types(&page2.items), vec![event::MESSAGE_RECEIVED]);
    assert!(page2.next.is_none());
    assert_eq!(page1.next.as_deref(), Some(page1.items[2].cursor.as_str()));
    assert!(store
        .list_events(AccountId::new(), &EventFilter::default(), None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
}
