//! PostgreSQL only: concurrent sends are written in group commits (one transaction for many),
//! each answered after its commit, a bad one failing alone, idempotency keys honoured inside
//! a batch. Skipped without a server unless `CI=true` or `SWITCHBOARD_REQUIRE_POSTGRES=1`.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;
use sqlx::Connection;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_store::conformance::messages::outbound;
use switchboard_store::conformance::{account, channel, create_with_key};
use switchboard_store::messages::{IdempotencyRecord, InsertOutcome, NewOutbound};
use switchboard_store::testing::{self, PgTestDb};
use switchboard_store::{Store, StoreResult};

const BURST: usize = 300;

async fn setup() -> Option<(PgTestDb, Arc<dyn Store>, AccountId, ChannelId)> {
    let db = testing::postgres_db().await?;
    let store = db.open().await.expect("open PostgreSQL store");
    let a = account("acme");
    let ch = channel(a.id, "5550001");
    create_with_key(&store, &a, std::slice::from_ref(&ch)).await;
    Some((db, store, a.id, ch.id))
}

fn send(acc: AccountId, ch: ChannelId, chat: &str, key: Option<(&str, &str)>) -> NewOutbound {
    let message = outbound(acc, ch, chat, "hello", 1_000);
    let idempotency = key.map(|(key, hash)| IdempotencyRecord {
        key: key.to_string(),
        request_hash: hash.to_string(),
        response: json!({"id": message.id.to_string()}),
    });
    NewOutbound {
        message,
        template_category: None,
        idempotency,
        idempotency_ttl_ms: 86_400_000,
        not_before: 1_000,
    }
}

/// Sends all of `sends` at once; the answers in the same order.
async fn burst(store: &Arc<dyn Store>, sends: &[NewOutbound]) -> Vec<StoreResult<InsertOutcome>> {
    let tasks: Vec<_> = sends
        .iter()
        .map(|s| {
            let (store, s) = (store.clone(), s.clone());
            tokio::spawn(async move { store.insert_outbound(&s).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// How many transactions wrote the `message.accepted` events.
async fn accept_transactions(url: &str) -> (i64, i64) {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT txid::text) FROM events WHERE type = 'message.accepted'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sends_shares_transactions_and_every_row_is_written() {
    let Some((db, store, acc, ch)) = setup().await else {
        return;
    };
    let sends: Vec<NewOutbound> = (0..BURST)
        .map(|i| send(acc, ch, &format!("1555{:07}", i % 50), None))
        .collect();
    let answers = burst(&store, &sends).await;
    assert!(answers
        .iter()
        .all(|a| matches!(a, Ok(InsertOutcome::Inserted))));
    assert_eq!(store.outbox_len().await.unwrap(), BURST as u64);
    let (events, transactions) = accept_transactions(&db.url).await;
    assert_eq!(events, BURST as i64);
    assert!(
        transactions < BURST as i64 / 2,
        "{BURST} concurrent sends took {transactions} transactions: not grouped"
    );
    // Each message, its history entry and its recipient's contact exist.
    for s in sends.iter().step_by(37) {
        let (m, history) = store
            .get_message(acc, s.message.id)
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(m, s.message);
        assert_eq!(history.len(), 1);
    }
    let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(contacts, 50, "one contact per recipient");
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_send_fails_alone_and_its_batch_mates_are_written() {
    let Some((db, store, acc, ch)) = setup().await else {
        return;
    };
    let mut sends: Vec<NewOutbound> = (0..50)
        .map(|i| send(acc, ch, &format!("1555{i:07}"), None))
        .collect();
    // A channel that does not exist breaks the messages' foreign key.
    let bad = 17;
    sends[bad] = send(acc, ChannelId::new(), "15550009999", None);
    let answers = burst(&store, &sends).await;
    for (i, answer) in answers.iter().enumerate() {
        if i == bad {
            assert!(answer.is_err(), "the bad send must fail: {answer:?}");
        } else {
            assert!(
                matches!(answer, Ok(InsertOutcome::Inserted)),
                "send {i}: {answer:?}"
            );
        }
    }
    assert_eq!(store.outbox_len().await.unwrap(), 49);
    assert!(store
        .get_message(acc, sends[bad].message.id)
        .await
        .unwrap()
        .is_none());
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_hold_inside_a_burst() {
    let Some((db, store, acc, ch)) = setup().await else {
        return;
    };
    // Stored before the burst: a replay.
    let first = send(acc, ch, "15550000001", Some(("stored", "h1")));
    assert_eq!(
        store.insert_outbound(&first).await.unwrap(),
        InsertOutcome::Inserted
    );
    let mut sends = vec![
        send(acc, ch, "15550000001", Some(("stored", "h1"))),
        send(acc, ch, "15550000001", Some(("stored", "other body"))),
        send(acc, ch, "15550000002", Some(("twice", "h2"))),
        send(acc, ch, "15550000002", Some(("twice", "h2"))),
        send(acc, ch, "15550000003", Some(("fresh", "h3"))),
    ];
    for i in 0..40 {
        sends.push(send(acc, ch, &format!("1666{i:07}"), None));
    }
    let answers: Vec<InsertOutcome> = burst(&store, &sends)
        .await
        .into_iter()
        .map(|a| a.unwrap())
        .collect();
    assert_eq!(
        answers[0],
        InsertOutcome::Replay(json!({"id": first.message.id.to_string()}))
    );
    assert_eq!(answers[1], InsertOutcome::KeyReused);
    // The same key twice in one burst: one is written, the other replays its answer.
    let twice: HashSet<String> = answers[2..4].iter().map(|a| format!("{a:?}")).collect();
    assert_eq!(twice.len(), 2, "{:?}", &answers[2..4]);
    assert!(answers[2..4].contains(&InsertOutcome::Inserted));
    assert_eq!(answers[4], InsertOutcome::Inserted);
    assert!(answers[5..].iter().all(|a| *a == InsertOutcome::Inserted));
    // first + one of "twice" + "fresh" + 40 plain.
    assert_eq!(store.outbox_len().await.unwrap(), 43);
    store.close().await;
    db.cleanup().await;
}
