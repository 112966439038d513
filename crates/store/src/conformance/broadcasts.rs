//! Conformance tests for broadcasts, run on every backend: credits reserved up front and
//! refunded for targets never sent, batches materialized once, feeding guarded on pending,
//! statuses tracked monotonically, and counters always equal to the target rows.

use std::sync::Arc;

use serde_json::{json, Value};
use switchboard_core::broadcast::{BroadcastRecord, BroadcastStatus, Counters, TargetStatus};
use switchboard_core::id::{AccountId, BroadcastId, ChannelId};
use switchboard_core::status::MessageStatus;

use crate::broadcasts::{
    ContactAudience, ControlAction, ControlOutcome, CreateBroadcastOutcome, FeedAction, FeedItem,
    MaterializeBatch, NewTarget, TrackedStatus,
};
use crate::conformance::messages::{new_outbound, outbound, setup, types};
use crate::credits::CreditChange;
use crate::events::EventFilter;
use crate::{PageRequest, Store};

fn broadcast(account: AccountId, channel: ChannelId, size: i64, at: i64) -> BroadcastRecord {
    BroadcastRecord {
        id: BroadcastId::new(),
        account_id: account,
        channel_id: channel,
        name: Some("spring".into()),
        message: json!({"type": "text", "text": {"body": "hi {{contact.name}}"}}),
        audience: json!({"numbers": []}),
        marketing: false,
        template_category: None,
        status: BroadcastStatus::Running,
        send_at: None,
        audience_size: size,
        credits_per_target: 1,
        credits_reserved: size,
        credits_refunded: 0,
        counters: Counters::default(),
        audience_cursor: None,
        materialized: false,
        error: None,
        created_at: at,
        updated_at: at,
        finished_at: None,
    }
}

fn target(wa_id: &str) -> NewTarget {
    NewTarget {
        wa_id: wa_id.to_string(),
        fields: json!({"name": wa_id}),
    }
}

/// The first batch of broadcast `id`'s targets, up to the audience cursor `to_cursor`.
fn first_batch<'a>(
    id: BroadcastId,
    to_cursor: &'a str,
    targets: &'a [NewTarget],
    done: bool,
) -> MaterializeBatch<'a> {
    MaterializeBatch {
        id,
        from_cursor: None,
        to_cursor,
        targets,
        done,
    }
}

async fn credit(store: &Arc<dyn Store>, account: AccountId, amount: i64) {
    store
        .change_credits(
            &CreditChange {
                account_id: account,
                amount,
                reason: "admin_credit",
                reference: None,
            },
            1,
        )
        .await
        .unwrap();
}

async fn get(store: &Arc<dyn Store>, b: &BroadcastRecord) -> BroadcastRecord {
    store
        .get_broadcast(b.account_id, b.id)
        .await
        .unwrap()
        .expect("broadcast")
}

/// The counters equal the counts over the target rows.
async fn assert_counters_match(store: &Arc<dyn Store>, b: &BroadcastRecord) {
    let b = get(store, b).await;
    let rows = store.count_targets(b.id).await.unwrap();
    assert_eq!(b.counters.by_status(), rows, "{:?}", b.counters);
    assert_eq!(b.counters.total, rows.iter().sum::<i64>());
}

async fn all_event_types(store: &Arc<dyn Store>) -> Vec<String> {
    types(&store.list_all_events(None, 10_000).await.unwrap().items)
}

/// Reservation, materialization, feeding and tracking through to `broadcast.finished`.
pub async fn broadcasts_reserve_feed_and_track(store: Arc<dyn Store>) {
    let (account, channel) = setup(&store).await;
    credit(&store, account, 10).await;

    // More than the balance: refused, nothing stored.
    let too_big = broadcast(account, channel, 11, 100);
    assert_eq!(
        store.create_broadcast(&too_big).await.unwrap(),
        CreateBroadcastOutcome::Insufficient {
            needed: 11,
            available: 10
        }
    );
    assert!(store
        .list_broadcasts(account, &PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(store.credit_balance(account).await.unwrap(), 10);

    let b = broadcast(account, channel, 6, 100);
    assert_eq!(
        store.create_broadcast(&b).await.unwrap(),
        CreateBroadcastOutcome::Created
    );
    assert_eq!(store.credit_balance(account).await.unwrap(), 4);
    let movements = store.credit_movements(account, 1).await.unwrap();
    assert_eq!(movements[0].reason, "broadcast_reserve");
    assert_eq!(movements[0].amount, -6);

    // Batch 1: a repeated number is stored once.
    let batch1 = [
        target("15550000001"),
        target("15550000002"),
        target("15550000001"),
    ];
    let first = first_batch(b.id, "3", &batch1, false);
    assert!(store.materialize_targets(&first, 101).await.unwrap());
    // The same batch again (another node, a restart) finds the cursor moved: nothing written.
    assert!(!store.materialize_targets(&first, 101).await.unwrap());
    let batch2 = [target("15550000003"), target("15550000004")];
    assert!(store
        .materialize_targets(
            &MaterializeBatch {
                id: b.id,
                from_cursor: Some("3"),
                to_cursor: "5",
                targets: &batch2,
                done: true,
            },
            102,
        )
        .await
        .unwrap());
    let now = get(&store, &b).await;
    assert!(now.materialized);
    assert_eq!(now.counters.total, 4);
    assert_eq!(now.counters.pending, 4);
    // Two of the six reserved never materialized: refunded.
    assert_eq!(now.credits_refunded, 2);
    assert_eq!(store.credit_balance(account).await.unwrap(), 6);
    assert_counters_match(&store, &b).await;

    let pending = store.pending_targets(b.id, 10).await.unwrap();
    assert_eq!(
        pending.iter().map(|t| t.seq).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    assert_eq!(pending[0].fields["name"], "15550000001");
    assert!(!pending[0].opted_out);

    let m0 = outbound(account, channel, "15550000001", "hi 1", 103);
    let m1 = outbound(account, channel, "15550000002", "hi 2", 103);
    let items = vec![
        FeedItem {
            seq: 0,
            action: FeedAction::Queue(Box::new(new_outbound(m0.clone()))),
        },
        FeedItem {
            seq: 1,
            action: FeedAction::Queue(Box::new(new_outbound(m1.clone()))),
        },
        FeedItem {
            seq: 2,
            action: FeedAction::Fail(json!({"code": 100})),
        },
        FeedItem {
            seq: 3,
            action: FeedAction::Skip(json!({"reason": "opted_out"})),
        },
    ];
    let fed = store.feed_targets(b.id, &items, 103).await.unwrap();
    assert_eq!((fed.queued, fed.ended, fed.finished), (2, 2, false));
    assert_eq!(store.outbox_len().await.unwrap(), 2);
    // Fed again: every target is past pending, nothing is inserted twice.
    let again = vec![FeedItem {
        seq: 0,
        action: FeedAction::Queue(Box::new(new_outbound(outbound(
            account,
            channel,
            "15550000001",
            "hi 1",
            104,
        )))),
    }];
    assert_eq!(
        store.feed_targets(b.id, &again, 104).await.unwrap().queued,
        0
    );
    assert_eq!(store.outbox_len().await.unwrap(), 2);
    assert_eq!(store.credit_balance(account).await.unwrap(), 8);
    assert_counters_match(&store, &b).await;

    let tracked = |id, status, error: Option<Value>| TrackedStatus {
        message_id: id,
        status,
        error,
    };
    let moved = store
        .track_statuses(
            &[
                tracked(m0.id, MessageStatus::Sent, None),
                tracked(m0.id, MessageStatus::Read, None),
                tracked(m0.id, MessageStatus::Delivered, None),
            ],
            "p1",
            0,
            105,
        )
        .await
        .unwrap();
    assert_eq!(
        moved, 2,
        "a late delivered after read does not move the target"
    );
    assert_eq!(
        store.broadcast_position().await.unwrap().as_deref(),
        Some("p1")
    );
    assert!(all_event_types(&store)
        .await
        .contains(&"broadcast.progress".to_string()));
    assert_counters_match(&store, &b).await;

    // The upstream refused m1 before sending it: failed and refunded; the broadcast ends.
    store
        .track_statuses(
            &[tracked(
                m1.id,
                MessageStatus::Failed,
                Some(json!({"code": 131026})),
            )],
            "p2",
            60_000,
            106,
        )
        .await
        .unwrap();
    let done = get(&store, &b).await;
    assert_eq!(done.status, BroadcastStatus::Completed);
    assert_eq!(done.finished_at, Some(106));
    assert_eq!(
        (
            done.counters.seen,
            done.counters.failed,
            done.counters.skipped
        ),
        (1, 2, 1)
    );
    assert_eq!(done.credits_refunded, 5);
    assert_eq!(store.credit_balance(account).await.unwrap(), 9);
    assert_counters_match(&store, &b).await;
    let finished = all_event_types(&store)
        .await
        .iter()
        .filter(|t| *t == "broadcast.finished")
        .count();
    assert_eq!(finished, 1);
    let failed = store
        .list_targets(
            account,
            b.id,
            Some(TargetStatus::Failed),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(failed.items.len(), 2);
    assert_eq!(failed.items[0].error, Some(json!({"code": 131026})));
    assert_eq!(failed.items[0].message_id, Some(m1.id));
    assert_eq!(failed.items[1].message_id, None);
    // Another account sees nothing.
    let (other, _) = setup(&store).await;
    assert!(store.get_broadcast(other, b.id).await.unwrap().is_none());
    assert!(store
        .list_targets(other, b.id, None, &PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());
}

/// Pause, resume and cancel move the status where allowed; cancel refunds what is left.
/// Contact audiences are counted and paged by tags and ids.
pub async fn broadcasts_pause_resume_cancel_and_audiences(store: Arc<dyn Store>) {
    let (account, channel) = setup(&store).await;
    credit(&store, account, 100).await;
    let mut b = broadcast(account, channel, 10, 200);
    b.send_at = Some(10_000);
    b.status = BroadcastStatus::Scheduled;
    store.create_broadcast(&b).await.unwrap();
    let batch = [target("15550000011"), target("15550000012")];
    store
        .materialize_targets(&first_batch(b.id, "2", &batch, false), 201)
        .await
        .unwrap();

    let control = |action| {
        let store = store.clone();
        async move {
            store
                .control_broadcast(account, b.id, action, 300)
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        control(ControlAction::Resume).await,
        ControlOutcome::WrongState(_)
    ));
    let ControlOutcome::Changed(p) = control(ControlAction::Pause).await else {
        panic!("a scheduled broadcast can be paused");
    };
    assert_eq!(p.status, BroadcastStatus::Paused);
    let ControlOutcome::Changed(r) = control(ControlAction::Resume).await else {
        panic!("a paused broadcast can be resumed");
    };
    assert_eq!(
        r.status,
        BroadcastStatus::Scheduled,
        "send_at is still ahead"
    );
    let ControlOutcome::Changed(c) = control(ControlAction::Cancel).await else {
        panic!("an open broadcast can be canceled");
    };
    assert_eq!(c.status, BroadcastStatus::Canceled);
    // Pause and resume each appended a progress event with the new status; the cancel that
    // ended it, the finished event.
    let events = store
        .list_events(account, &EventFilter::default(), None, 100)
        .await
        .unwrap();
    let said: Vec<(String, String)> = events
        .items
        .iter()
        .filter(|e| e.data["broadcast"]["id"] == b.id.to_string())
        .map(|e| {
            (
                e.kind.clone(),
                e.data["broadcast"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            ("broadcast.progress".to_string(), "paused".to_string()),
            ("broadcast.progress".to_string(), "scheduled".to_string()),
            ("broadcast.finished".to_string(), "canceled".to_string()),
        ]
    );
    assert_eq!(c.counters.canceled, 2);
    assert_eq!(c.credits_refunded, 10);
    assert!(c.finished_at.is_some());
    assert_eq!(store.credit_balance(account).await.unwrap(), 100);
    assert!(matches!(
        control(ControlAction::Cancel).await,
        ControlOutcome::WrongState(_)
    ));
    assert_counters_match(&store, &b).await;
    let (other, _) = setup(&store).await;
    assert_eq!(
        store
            .control_broadcast(other, b.id, ControlAction::Pause, 300)
            .await
            .unwrap(),
        ControlOutcome::NotFound
    );
    assert!(store
        .open_broadcasts()
        .await
        .unwrap()
        .iter()
        .all(|o| o.id != b.id));
    // A paused broadcast does not take feeds.
    let mut paused = broadcast(account, channel, 1, 400);
    paused.status = BroadcastStatus::Paused;
    store.create_broadcast(&paused).await.unwrap();
    let one = [target("15550000021")];
    store
        .materialize_targets(&first_batch(paused.id, "1", &one, true), 401)
        .await
        .unwrap();
    let m = outbound(account, channel, "15550000021", "x", 402);
    let fed = store
        .feed_targets(
            paused.id,
            &[FeedItem {
                seq: 0,
                action: FeedAction::Queue(Box::new(new_outbound(m))),
            }],
            402,
        )
        .await
        .unwrap();
    assert_eq!(fed.queued, 0);
    assert!(store
        .open_broadcasts()
        .await
        .unwrap()
        .iter()
        .any(|o| o.id == paused.id));

    // Contact audiences.
    for (wa, tags) in [
        ("15550000031", vec!["vip"]),
        ("15550000032", vec!["vip", "eu"]),
        ("15550000033", vec!["eu"]),
    ] {
        let tags: Vec<String> = tags.into_iter().map(str::to_string).collect();
        store
            .add_contact_tags(account, wa, &tags, 500)
            .await
            .unwrap();
    }
    store
        .set_contact_opt_out(account, "15550000032", true, 501)
        .await
        .unwrap();
    let vip = ContactAudience::Tags(vec!["vip".into()]);
    assert_eq!(store.count_audience(account, &vip).await.unwrap(), 2);
    assert_eq!(
        store
            .count_audience(
                account,
                &ContactAudience::Tags(vec!["vip".into(), "eu".into()])
            )
            .await
            .unwrap(),
        3
    );
    let (other_account, _) = setup(&store).await;
    assert_eq!(store.count_audience(other_account, &vip).await.unwrap(), 0);
    let page1 = store
        .audience_contacts(account, &vip, None, 1)
        .await
        .unwrap();
    assert_eq!(page1.len(), 1);
    let page2 = store
        .audience_contacts(account, &vip, Some(page1[0].id), 10)
        .await
        .unwrap();
    assert_eq!(page2.len(), 1);
    assert_ne!(page1[0].wa_id, page2[0].wa_id);
    let ids = ContactAudience::Ids(vec![page1[0].id, page2[0].id]);
    assert_eq!(store.count_audience(account, &ids).await.unwrap(), 2);
    assert_eq!(store.count_audience(other_account, &ids).await.unwrap(), 0);

    // The feeder sees the opt-out of a target's contact.
    let mut tagged = broadcast(account, channel, 2, 600);
    tagged.marketing = true;
    store.create_broadcast(&tagged).await.unwrap();
    let targets = [target("15550000031"), target("15550000032")];
    store
        .materialize_targets(&first_batch(tagged.id, "2", &targets, true), 601)
        .await
        .unwrap();
    let pending = store.pending_targets(tagged.id, 10).await.unwrap();
    assert_eq!(
        pending.iter().map(|t| t.opted_out).collect::<Vec<_>>(),
        vec![false, true]
    );
}
