//! The statement budget of the hot path (issue 18 item 0): how many SQL statements one
//! accepted send, its dispatch, one upstream status, one webhook delivery and the event-log
//! followers cost, counted by `switchboard_store::statements` on both backends and held to
//! today's counts. Counts, not timings: a new statement on one of these paths fails here with
//! the list of statements seen.
//!
//! Print the lists: `cargo test -p switchboard --test it statement_budget -- --nocapture`.
//!
//! Determinism: the server runs on this test's current-thread runtime, so the counter's
//! subscriber sees every request span; requests are told apart by their span, background
//! work has none. The event-log followers (fan-out, bot, broadcast tracker) and the webhook
//! deliverer poll once an hour here, so they run only when the server starts: their cost
//! per message is the difference between a start with one message's events to follow and a
//! start with none. Polls on fixed timers (the dispatcher's claim every 250 ms and its
//! scheduled-message promotion, the Telegram poller's channel list every 5 s) come in
//! timing-dependent numbers: units made only of those, finding nothing, are left out
//! ([`idle_poll`]) and the rest is counted.

use std::time::Duration;

use crate::common::*;
use serde_json::json;
use switchboard::config::Config;
use switchboard_store::statements::{describe, StatementCounter, Unit, CONNECT, PING};

/// Today's counts (statements of each phase); raise one only with the reason in the commit.
struct Budget {
    send: usize,
    keyed_send: usize,
    dispatch: usize,
    status: usize,
    delivery: usize,
    followers: usize,
}

const SQLITE: Budget = Budget {
    send: 10,
    keyed_send: 12,
    dispatch: 18,
    status: 8,
    // 18 until the claim went per subscription: the subscriptions with delivery heads, then
    // each one's due heads as far as its slots go (one statement more per claim, so that an
    // endpoint at its cap costs a claim nothing).
    delivery: 20,
    followers: 11,
};

const POSTGRES: Budget = Budget {
    send: 10,
    keyed_send: 12,
    dispatch: 15,
    status: 9,
    delivery: 11,
    followers: 9,
};

const HOUR_MS: u64 = 3_600_000;

fn quiet(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = HOUR_MS;
    c.bot.poll_ms = HOUR_MS;
    c.broadcasts.poll_ms = HOUR_MS;
    c.templates.sync_enabled = false;
    c.media.sweep_interval_ms = HOUR_MS;
    StatementCounter::watch(&c.database_url());
}

/// The dispatcher's claim of due chat heads, polled every 250 ms.
const CLAIMS: [&str; 2] = [
    "FROM outbox_heads WHERE due <=",
    "FROM outbox_heads WHERE channel_id =",
];

/// Statements of the polls that run on fixed timers whatever the load: the claim, the
/// dispatcher's promotion of due scheduled messages (none in this test), the Telegram
/// poller's channel list (no Telegram channel here), the channel lease keeper's rounds
/// (PostgreSQL: its channel list, its leases read and renewed).
const TIMER_POLLS: &[&str] = &[
    CLAIMS[0],
    CLAIMS[1],
    "FROM scheduled_messages",
    "FROM channels ORDER BY id",
    "FROM channels WHERE 1 = 1 ORDER BY id",
    "FROM leases WHERE",
    "INSERT INTO leases",
    "UPDATE leases",
];

/// A background unit made only of timer polls with nothing to do (a claim that found
/// nothing: PostgreSQL no row; SQLite nothing but the poll, since a claim that finds a
/// message goes on to lease it).
fn idle_poll(unit: &Unit) -> bool {
    let claims = unit
        .statements
        .iter()
        .any(|s| CLAIMS.iter().any(|c| s.contains(c)));
    unit.request.is_none()
        && !(claims && unit.rows == Some(true))
        && unit.statements.iter().all(|s| {
            s == "SAVEPOINT job"
                || s == "RELEASE job"
                || marker(s)
                || s == "BEGIN"
                || s == "COMMIT"
                || TIMER_POLLS.iter().any(|p| s.contains(p))
        })
        && unit
            .statements
            .iter()
            .any(|s| TIMER_POLLS.iter().any(|p| s.contains(p)))
}

/// Statements only the webhook deliverer runs (its claim: the subscriptions with delivery
/// heads, their due heads; the event and subscription it reads, the attempt it records).
const DELIVERER: &[&str] = &[
    "FROM delivery_heads",
    "UPDATE deliveries",
    "INTO delivery_attempts",
    "FROM deliveries WHERE id",
    "FROM events WHERE id",
    "FROM subscriptions WHERE account_id",
    "UPDATE subscriptions",
];

/// A unit of the webhook deliverer.
fn deliverer(unit: &Unit) -> bool {
    unit.statements
        .iter()
        .any(|s| DELIVERER.iter().any(|d| s.contains(d)))
}

/// The record of a key's last use: written off the request path at most once a minute per
/// key (and once after each start), so not part of any one message's cost.
const KEY_USE: &str = "UPDATE api_keys SET last_used_at";

/// `unit` without its key-use record (on SQLite, the record's job in a group commit: its
/// savepoint and release too); `None` when nothing else is left.
fn without_key_use(unit: &Unit) -> Option<Unit> {
    let mut statements = unit.statements.clone();
    let Some(at) = statements.iter().position(|s| s.contains(KEY_USE)) else {
        return Some(unit.clone());
    };
    statements.remove(at);
    for job in ["SAVEPOINT job", "RELEASE job"] {
        if let Some(at) = statements.iter().position(|s| s == job) {
            statements.remove(at);
        }
    }
    statements
        .iter()
        .any(|s| !marker(s) && s != "BEGIN" && s != "COMMIT")
        .then(|| Unit {
            statements,
            ..unit.clone()
        })
}

/// How many key-use records `units` hold.
fn key_uses(units: &[Unit]) -> usize {
    units
        .iter()
        .flat_map(|u| &u.statements)
        .filter(|s| s.contains(KEY_USE))
        .count()
}

fn background(units: &[Unit]) -> Vec<Unit> {
    units
        .iter()
        .filter(|u| u.request.is_none() && !idle_poll(u))
        .filter_map(without_key_use)
        .collect()
}

fn of_request(units: &[Unit], prefix: &str) -> Vec<Vec<Unit>> {
    let mut labels: Vec<String> = Vec::new();
    for u in units {
        if let Some(label) = &u.request {
            if label.starts_with(prefix) && !labels.contains(label) {
                labels.push(label.clone());
            }
        }
    }
    labels
        .iter()
        .map(|l| {
            units
                .iter()
                .filter(|u| u.request.as_ref() == Some(l))
                .cloned()
                .collect()
        })
        .collect()
}

/// Statements, without PostgreSQL's pool pings: whether a connection was idle (pinged) or
/// newly opened depends on timing, so pings are reported, not budgeted.
fn count(units: &[Unit]) -> usize {
    units
        .iter()
        .flat_map(|u| &u.statements)
        .filter(|s| !marker(s))
        .count()
}

fn pings(units: &[Unit]) -> usize {
    units
        .iter()
        .flat_map(|u| &u.statements)
        .filter(|s| *s == PING)
        .count()
}

/// A pool ping or a new connection: a marker, not a statement.
fn marker(s: &str) -> bool {
    s == PING || s == CONNECT
}

/// `with` minus `without`, statement by statement (each text as many times as it is missing
/// from `without`).
fn difference(with: &[Unit], without: &[Unit]) -> Vec<Unit> {
    let mut spare: Vec<String> = without.iter().flat_map(|u| u.statements.clone()).collect();
    let mut out = Vec::new();
    for u in with {
        let statements: Vec<String> = u
            .statements
            .iter()
            .filter(|s| match spare.iter().position(|t| t == *s) {
                Some(at) => {
                    spare.remove(at);
                    false
                }
                None => true,
            })
            .cloned()
            .collect();
        if !statements.is_empty() {
            out.push(Unit {
                statements,
                ..u.clone()
            });
        }
    }
    out
}

fn report(backend: &str, phase: &str, units: &[Unit], budget: usize) -> Option<String> {
    let n = count(units);
    let transactions = units.iter().filter(|u| u.write).count();
    println!(
        "[{backend}] {phase}: {n} statements ({transactions} write transactions, {} pool pings), budget {budget}\n{}",
        pings(units),
        describe(units)
    );
    (n > budget).then(|| {
        format!(
            "{phase}: {n} statements, over the budget of {budget}:\n{}",
            describe(units)
        )
    })
}

/// Waits until no background unit other than timer polls came for `quiet_for`.
async fn settle(counter: &StatementCounter, seen: &mut Vec<Unit>) {
    let quiet_for = Duration::from_millis(600);
    let mut last_change = std::time::Instant::now();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while last_change.elapsed() < quiet_for && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let new = counter.take();
        if new.iter().any(|u| u.request.is_none() && !idle_poll(u)) {
            last_change = std::time::Instant::now();
        }
        seen.extend(new);
    }
}

async fn budget(server: TestServer) -> TestServer {
    let backend = server.config.database_url();
    let backend_name = if backend.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let limits = if backend_name == "sqlite" {
        &SQLITE
    } else {
        &POSTGRES
    };
    let counter = StatementCounter::watching(&backend).expect("the config change watches");
    let _capture = counter.capture();
    let ctx = setup_sandbox(&server).await;
    let receiver = Receiver::start(0).await;
    let sub = subscribe(
        &server,
        &ctx.key,
        json!({"url": receiver.url, "events": ["message.delivered"]}),
    )
    .await;
    let sub_id = sub["id"].as_str().expect("subscription id").to_string();
    // The customer writes first: a text needs the 24-hour window open.
    let customer = "15551240001";
    let upstream = say(&server, &ctx, customer, "hi").await;
    wait_stored(&server, &ctx, &upstream, 20).await;
    // A first message warms every cache (channel, connector, template and key caches,
    // prepared statements, pooled connections).
    let warm = send_ok(&server, &ctx, &text_message(customer, "warm")).await;
    wait_status(&server, &ctx.key, &warm, &["read"]).await;
    // The followers and the deliverer catch up at a start.
    let server = server.restart(quiet).await;
    receiver.wait_for(1, "the warm-up delivery").await;
    let mut ignored = Vec::new();
    settle(&counter, &mut ignored).await;

    // 1–3: the send, its dispatch, its statuses. The emulator posts `sent` 5 ms after it
    // accepted the send; when that beats the dispatcher's own record of the send (a loaded
    // machine), the status is parked and applied by the finish: another path, measured
    // again with a new message after the followers caught up.
    let mut server = server;
    let mut deliveries = 1;
    let mut attempt = 0;
    let units = loop {
        attempt += 1;
        counter.take();
        let id = send_ok(&server, &ctx, &text_message(customer, "measured")).await;
        wait_status(&server, &ctx.key, &id, &["read"]).await;
        let mut units = counter.take();
        settle(&counter, &mut units).await;
        let parked = units.iter().any(|u| {
            u.statements
                .iter()
                .any(|s| s.contains("INTO pending_statuses"))
        });
        if !parked {
            break units;
        }
        assert!(attempt < 5, "the `sent` status beat the dispatcher 5 times");
        println!("[{backend_name}] the `sent` status came before the dispatcher's record: measuring again");
        server = server.restart(quiet).await;
        deliveries += 1;
        receiver
            .wait_for(deliveries, "the delivery of the parked message")
            .await;
        settle(&counter, &mut Vec::new()).await;
    };
    assert!(
        key_uses(&units) <= 1,
        "a key's use is recorded at most once a minute, seen {} times:\n{}",
        key_uses(&units),
        describe(&units)
    );
    let mut over = Vec::new();
    let sends = of_request(
        &units,
        &format!("POST /v1/channels/{}/messages", ctx.channel),
    );
    assert_eq!(
        sends.len(),
        1,
        "one send request; units seen:\n{}",
        units
            .iter()
            .map(|u| format!("{:?} {:?}", u.request, u.statements))
            .collect::<Vec<_>>()
            .join("\n")
    );
    over.extend(report(
        backend_name,
        "1. send (POST to its answer)",
        &sends[0],
        limits.send,
    ));
    over.extend(report(
        backend_name,
        "2. dispatch (claim, send upstream, finish)",
        &background(&units),
        limits.dispatch,
    ));
    let statuses = of_request(&units, "POST /webhooks/");
    assert_eq!(statuses.len(), 3, "sent, delivered and read webhooks");
    for (name, status) in ["sent", "delivered", "read"].iter().zip(&statuses) {
        over.extend(report(
            backend_name,
            &format!("3. status webhook ({name})"),
            status,
            limits.status,
        ));
    }

    // 4–5: the followers and the deliverer over the message's events, then over none.
    let server = server.restart(quiet).await;
    deliveries += 1;
    receiver.wait_for(deliveries, "the measured delivery").await;
    eventually(20, "the delivery recorded", || async {
        let list = server
            .get(&format!("/v1/subscriptions/{sub_id}/deliveries"), &ctx.key)
            .await
            .status(200);
        let done = data(&list)
            .iter()
            .filter(|d| d["attempts"].as_u64().unwrap_or(0) >= 1)
            .count();
        (done >= deliveries).then_some(())
    })
    .await;
    let mut with_events = counter.take();
    settle(&counter, &mut with_events).await;
    let server = server.restart(quiet).await;
    let mut idle = Vec::new();
    settle(&counter, &mut idle).await;
    let per_message = difference(&background(&with_events), &background(&idle));
    println!(
        "[{backend_name}] a start with nothing to follow: {} background statements\n{}",
        count(&background(&idle)),
        describe(&background(&idle))
    );
    let (delivery, followers): (Vec<Unit>, Vec<Unit>) =
        per_message.into_iter().partition(deliverer);
    over.extend(report(
        backend_name,
        "4. webhook delivery (claim, POST, record)",
        &delivery,
        limits.delivery,
    ));
    over.extend(report(
        backend_name,
        "5. event-log followers (fan-out, bot, broadcast tracker) over the message's events",
        &followers,
        limits.followers,
    ));

    // 1'. A send with an Idempotency-Key (its request only).
    counter.take();
    let request = server
        .req(
            reqwest::Method::POST,
            &format!("/v1/channels/{}/messages", ctx.channel),
            &ctx.key,
        )
        .header("Idempotency-Key", "budget-1")
        .json(&text_message(customer, "keyed"));
    server.call(request).await.status(200);
    let units = counter.take();
    let keyed = of_request(
        &units,
        &format!("POST /v1/channels/{}/messages", ctx.channel),
    );
    assert_eq!(keyed.len(), 1, "one keyed send request");
    over.extend(report(
        backend_name,
        "1'. send with an Idempotency-Key",
        &keyed[0],
        limits.keyed_send,
    ));
    assert!(over.is_empty(), "over budget:\n{}", over.join("\n"));
    server
}

on_both_backends! {
    ;
    by_value:
    hot_path_statements => budget where quiet,
}
