//! PostgreSQL only: how the planner runs the webhook delivery claim. A claim must read what it
//! claims, not what is queued: not every enabled subscription, not the deliveries waiting
//! behind a key's head in flight. Behaviour tests cannot see this (a plan that scans
//! everything returns the same rows), and the planner chooses differently on a new database
//! without statistics than after `ANALYZE`, so the plan is checked on both, by the rows it
//! actually visited (`EXPLAIN (ANALYZE)` in a transaction that is rolled back). Skipped
//! without a server unless `CI=true` or `SWITCHBOARD_REQUIRE_POSTGRES=1`.

use serde_json::Value;
use sqlx::{Connection, PgConnection, Row};
use switchboard_core::event::Event;
use switchboard_store::conformance::messages::outbound;
use switchboard_store::conformance::webhooks::{delivery, subscription};
use switchboard_store::conformance::{account, channel, create_with_key};
use switchboard_store::messages::{DeliverySlots, EventFilter, NewOutbound};
use switchboard_store::postgres::DELIVERY_CLAIM;
use switchboard_store::testing;

/// Subscriptions with nothing to deliver.
const IDLE_SUBSCRIPTIONS: usize = 200;
/// Deliveries queued behind each of two keys whose heads are in flight.
const QUEUED_PER_KEY: usize = 1_000;
/// Keys with one due delivery each: what the claim takes.
const DUE: usize = 10;
/// Rows and index probes the claim may visit in the tables it reads: a few per claimed
/// delivery and per subscription with heads. The plans this replaced visited every enabled
/// subscription and every delivery behind a busy head, and without statistics wrote the
/// leases through a scan of every delivery (over 2,000 here).
const VISIT_BUDGET: f64 = 100.0;

/// The tables of the claim's queue, and their indexes (bitmap index scans name no
/// relation). The event log is left out: this test's is a few pages, which the planner
/// rightly reads whole.
const TABLES: [&str; 3] = ["deliveries", "delivery_heads", "subscriptions"];

/// Rows a plan node and its children visited in [`TABLES`]: for each scan, the rows it
/// returned and removed by filters, and one probe per loop.
fn visits(node: &Value) -> f64 {
    let number = |key: &str| node.get(key).and_then(Value::as_f64).unwrap_or(0.0);
    let named = |key: &str| {
        node.get(key)
            .and_then(Value::as_str)
            .is_some_and(|name| TABLES.iter().any(|t| name.starts_with(t)))
    };
    let own = if named("Relation Name") || named("Index Name") {
        let loops = number("Actual Loops");
        let rows = number("Actual Rows")
            + number("Rows Removed by Filter")
            + number("Rows Removed by Index Recheck");
        loops * (rows + 1.0)
    } else {
        0.0
    };
    let children = node
        .get("Plans")
        .and_then(Value::as_array)
        .map(|plans| plans.iter().map(visits).sum())
        .unwrap_or(0.0);
    own + children
}

/// The claim at `now` explained with its actual rows, then rolled back: (rows visited in
/// [`TABLES`], deliveries claimed, the plan as text for a failure message).
async fn explain(conn: &mut PgConnection, now: i64) -> (f64, f64, String) {
    let mut tx = conn.begin().await.expect("begin");
    let row = sqlx::query(&format!("EXPLAIN (ANALYZE, FORMAT JSON) {DELIVERY_CLAIM}"))
        .bind(now)
        .bind(64_i64)
        .bind("plan-check")
        .bind(now + 30_000)
        .bind(Vec::<String>::new())
        .bind(Vec::<i64>::new())
        .bind(64_i64)
        .fetch_one(&mut *tx)
        .await
        .expect("explain the claim");
    let text: String = row.try_get_unchecked(0).expect("the plan as JSON text");
    tx.rollback().await.expect("roll back");
    let plan: Value = serde_json::from_str(&text).expect("a JSON plan");
    let root = &plan[0]["Plan"];
    let claimed = root["Actual Rows"].as_f64().unwrap_or(0.0);
    (visits(root), claimed, text)
}

#[tokio::test]
async fn the_delivery_claim_reads_what_it_claims() {
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let store = db.open().await.expect("open PostgreSQL store");
    let acme = account("acme");
    let ch = channel(acme.id, "5550101");
    create_with_key(&store, &acme, std::slice::from_ref(&ch)).await;
    store
        .insert_outbound(&NewOutbound {
            message: outbound(acme.id, ch.id, "15550000001", "x", 1_000),
            template_category: None,
            idempotency: None,
            idempotency_ttl_ms: 1,
            not_before: 1_000,
        })
        .await
        .expect("a message, for its event");
    let events: Vec<Event> = store
        .list_events(acme.id, &EventFilter::default(), None, 10)
        .await
        .expect("events")
        .items;
    let event = &events[0];
    let busy = subscription(acme.id, &["message.accepted"]);
    store.create_subscription(&busy).await.expect("subscribe");
    // Two keys with a long queue, whose heads a first claim takes (in flight from then on).
    let queued: Vec<_> = (0..2 * QUEUED_PER_KEY)
        .map(|i| delivery(&busy, event, &format!("chat-{}", i % 2), 1_000))
        .collect();
    store
        .create_deliveries(&queued, &event.cursor)
        .await
        .expect("queue deliveries");
    let in_flight = store
        .claim_deliveries("node-a", 1_000, 30_000, &DeliverySlots::up_to(64))
        .await
        .expect("claim the heads");
    assert_eq!(in_flight.len(), 2, "one head per key");
    let due: Vec<_> = (0..DUE)
        .map(|i| delivery(&busy, event, &format!("single-{i}"), 1_500))
        .collect();
    store
        .create_deliveries(&due, &event.cursor)
        .await
        .expect("due deliveries");
    for _ in 0..IDLE_SUBSCRIPTIONS {
        let idle = subscription(acme.id, &["message.accepted"]);
        store.create_subscription(&idle).await.expect("subscribe");
    }

    let mut conn = PgConnection::connect(&db.url).await.expect("connect");
    for stage in ["without statistics", "after ANALYZE"] {
        if stage == "after ANALYZE" {
            sqlx::query("ANALYZE")
                .execute(&mut conn)
                .await
                .expect("analyze");
        }
        let (visited, claimed, plan) = explain(&mut conn, 2_000).await;
        assert_eq!(claimed, DUE as f64, "{stage}: the due heads are claimed");
        assert!(
            visited <= VISIT_BUDGET,
            "{stage}: the claim visited {visited} rows for {claimed} deliveries (budget {VISIT_BUDGET}):\n{plan}"
        );
        println!("{stage}: the claim visited {visited} rows for {claimed} deliveries");
    }
    conn.close().await.expect("close");
    store.close().await;
    db.cleanup().await;
}
