//! Conformance checks for scheduled sends: held outside the outbox, promoted when due (or
//! failed outside the window), cancelable until then.

use std::sync::Arc;

use serde_json::json;
use switchboard_core::event;
use switchboard_core::id::AccountId;
use switchboard_core::record::MessageRecord;
use switchboard_core::status::MessageStatus;

use crate::conformance::account;
use crate::conformance::messages::{events_of, inbound, new_outbound, outbound, setup, types};
use crate::messages::{InsertOutcome, NewOutbound, OutboxClaim};
use crate::schedule::CancelOutcome;
use crate::Store;

const OWNER: &str = "node-a";
const LEASE: i64 = 60_000;

fn scheduled(mut m: MessageRecord, send_at: i64) -> NewOutbound {
    m.status = MessageStatus::Scheduled;
    let mut new = new_outbound(m);
    new.not_before = send_at;
    new
}

fn template(mut m: MessageRecord) -> MessageRecord {
    m.kind = "template".into();
    m.body = json!({"messaging_product": "whatsapp", "to": m.chat, "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}}});
    m
}

/// A scheduled message waits outside the outbox without holding back its chat, is promoted
/// to the outbox's tail when due, and a free-form one is failed if the window is closed then.
pub async fn scheduled_messages_wait_then_join_the_outbox(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    // The window of chat A is open (an inbound message at 1_000); chat B never wrote.
    assert!(store
        .insert_inbound(&inbound(acc, ch, "15550000001", "wamid.in1", 1_000), 1_000)
        .await
        .unwrap());
    let later = outbound(acc, ch, "15550000001", "later", 2_000);
    let tpl = template(outbound(acc, ch, "15550000002", "", 2_001));
    let closed = outbound(acc, ch, "15550000002", "free-form, no window", 2_002);
    for new in [
        scheduled(later.clone(), 10_000),
        scheduled(tpl.clone(), 10_000),
        scheduled(closed.clone(), 10_001),
    ] {
        assert_eq!(
            store.insert_outbound(&new).await.unwrap(),
            InsertOutcome::Inserted
        );
    }
    assert_eq!(store.outbox_len().await.unwrap(), 0, "not in the outbox");
    assert_eq!(store.next_scheduled().await.unwrap(), Some(10_000));
    // An immediate message of the same chat goes first.
    let now_msg = outbound(acc, ch, "15550000001", "now", 3_000);
    store
        .insert_outbound(&new_outbound(now_msg.clone()))
        .await
        .unwrap();
    let claimed = store
        .claim_outbox(&OutboxClaim {
            owner: OWNER,
            now: 3_000,
            lease_ms: LEASE,
            limit: 10,
            channels: None,
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message.id, now_msg.id);
    // Not due yet: nothing moves.
    let p = store.promote_scheduled(9_999, 100).await.unwrap();
    assert!(p.promoted.is_empty() && p.failed.is_empty());
    assert_eq!(p.next_due, Some(10_000));
    let got = store.get_message(acc, later.id).await.unwrap().unwrap().0;
    assert_eq!(got.status, MessageStatus::Scheduled);
    // Due: the text (window open) and the template (no window needed) join the outbox; the
    // free-form message to the chat without a window fails with 131047.
    let p = store.promote_scheduled(10_001, 100).await.unwrap();
    let mut ids: Vec<_> = p.promoted.iter().map(|m| m.id.to_string()).collect();
    ids.sort();
    let mut want = vec![later.id.to_string(), tpl.id.to_string()];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(p.promoted.len(), 2);
    assert!(p
        .promoted
        .iter()
        .all(|m| m.status == MessageStatus::Accepted));
    assert_eq!(p.failed.len(), 1);
    assert_eq!(p.failed[0].id, closed.id);
    assert_eq!(p.failed[0].status, MessageStatus::Failed);
    assert_eq!(p.failed[0].error.as_ref().unwrap()["code"], 131047);
    assert_eq!(p.next_due, None);
    assert_eq!(store.next_scheduled().await.unwrap(), None);
    assert_eq!(store.outbox_len().await.unwrap(), 3);
    // The promoted message of chat A queues behind the message of A still in flight.
    let claimed = store
        .claim_outbox(&OutboxClaim {
            owner: OWNER,
            now: 10_002,
            lease_ms: LEASE,
            limit: 10,
            channels: None,
        })
        .await
        .unwrap();
    let claimed: Vec<_> = claimed.iter().map(|c| c.message.id).collect();
    assert_eq!(claimed, vec![tpl.id], "chat A's head is still leased");
    // Promotion happens once.
    let p = store.promote_scheduled(20_000, 100).await.unwrap();
    assert!(p.promoted.is_empty() && p.failed.is_empty());
    let (m, history) = store.get_message(acc, later.id).await.unwrap().unwrap();
    assert_eq!(m.status, MessageStatus::Accepted);
    let statuses: Vec<_> = history.iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        vec![MessageStatus::Scheduled, MessageStatus::Accepted]
    );
    let events = events_of(&store, acc).await;
    let of_later: Vec<_> = events
        .iter()
        .filter(|e| e.data["message"]["id"] == later.id.to_string())
        .map(|e| e.kind.clone())
        .collect();
    assert_eq!(
        of_later,
        vec![event::MESSAGE_SCHEDULED, event::MESSAGE_ACCEPTED]
    );
    assert!(types(&events).contains(&event::MESSAGE_FAILED.to_string()));
}

/// A scheduled message can be canceled until it is due, by its account only, once.
pub async fn scheduled_messages_can_be_canceled_until_due(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let a = template(outbound(acc, ch, "15550000003", "", 1_000));
    let b = template(outbound(acc, ch, "15550000003", "", 1_001));
    store
        .insert_outbound(&scheduled(a.clone(), 5_000))
        .await
        .unwrap();
    store
        .insert_outbound(&scheduled(b.clone(), 5_000))
        .await
        .unwrap();
    let other: AccountId = account("other").id;
    assert_eq!(
        store.cancel_scheduled(other, a.id, 2_000).await.unwrap(),
        CancelOutcome::NotFound
    );
    match store.cancel_scheduled(acc, a.id, 2_000).await.unwrap() {
        CancelOutcome::Canceled(m) => {
            assert_eq!(m.status, MessageStatus::Canceled);
            assert_eq!(m.updated_at, 2_000);
        }
        other => panic!("expected Canceled, got {other:?}"),
    }
    assert!(matches!(
        store.cancel_scheduled(acc, a.id, 2_001).await.unwrap(),
        CancelOutcome::NotScheduled(m) if m.status == MessageStatus::Canceled
    ));
    // Due and promoted: too late.
    let p = store.promote_scheduled(5_000, 100).await.unwrap();
    assert_eq!(p.promoted.len(), 1, "the canceled one is not promoted");
    assert!(matches!(
        store.cancel_scheduled(acc, b.id, 5_001).await.unwrap(),
        CancelOutcome::NotScheduled(m) if m.status == MessageStatus::Accepted
    ));
    // An ordinary message is not cancelable either.
    let c = outbound(acc, ch, "15550000004", "now", 6_000);
    store
        .insert_outbound(&new_outbound(c.clone()))
        .await
        .unwrap();
    assert!(matches!(
        store.cancel_scheduled(acc, c.id, 6_001).await.unwrap(),
        CancelOutcome::NotScheduled(_)
    ));
    let events = events_of(&store, acc).await;
    assert_eq!(
        types(&events)
            .iter()
            .filter(|t| *t == event::MESSAGE_CANCELED)
            .count(),
        1
    );
    let (_, history) = store.get_message(acc, a.id).await.unwrap().unwrap();
    assert_eq!(
        history.iter().map(|h| h.status).collect::<Vec<_>>(),
        vec![MessageStatus::Scheduled, MessageStatus::Canceled]
    );
}
