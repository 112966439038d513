//! Broadcasts over real HTTP through the sandbox emulator, on SQLite and PostgreSQL: a
//! 10,000-target broadcast finishes with counters equal to its target rows; insufficient
//! credits are refused before anything is sent; pause stops new sends, resume finishes,
//! cancel refunds the rest; opted-out contacts are skipped for a marketing template whose
//! parameters are rendered per target; a one-to-one message overtakes a running broadcast.

use crate::common::*;
use serde_json::{json, Value};
use switchboard::config::Config;

/// An account with a sandbox channel and credits.
struct Setup {
    account: String,
    key: String,
    channel: String,
}

async fn setup(server: &TestServer, credits: i64) -> Setup {
    let (account, key) = create_account(server, "acme").await;
    let channel = create_sandbox_channel(server, &key, "sandbox").await;
    if credits > 0 {
        add_credits(server, &account, credits).await;
    }
    Setup {
        account,
        key,
        channel,
    }
}

fn hello_world() -> Value {
    json!({"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}})
}

async fn create(server: &TestServer, s: &Setup, body: Value) -> Reply {
    let mut body = body;
    body["channel_id"] = json!(s.channel);
    server.post_json("/v1/broadcasts", &s.key, &body).await
}

async fn get(server: &TestServer, s: &Setup, path: &str) -> Value {
    server.get(path, &s.key).await.status(200)
}

async fn broadcast(server: &TestServer, s: &Setup, id: &str) -> Value {
    get(server, s, &format!("/v1/broadcasts/{id}")).await
}

async fn control(server: &TestServer, s: &Setup, id: &str, action: &str) -> Reply {
    server
        .post(&format!("/v1/broadcasts/{id}/{action}"), &s.key)
        .await
}

async fn balance(server: &TestServer, s: &Setup) -> i64 {
    get(server, s, &format!("/v1/accounts/{}/credits", s.account)).await["balance"]
        .as_i64()
        .unwrap()
}

async fn emulator_messages(server: &TestServer) -> Vec<Value> {
    server
        .get("/sandbox/emulator/messages", NO_KEY)
        .await
        .parse::<Vec<Value>>()
}

/// Every target row of a broadcast, read through the paged targets endpoint.
async fn all_targets(server: &TestServer, s: &Setup, id: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    for _ in 0..1000 {
        let page = get(
            server,
            s,
            &format!("/v1/broadcasts/{id}/targets?limit=500&after={after}"),
        )
        .await;
        out.extend(page["data"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => return out,
        }
    }
    panic!("too many target pages");
}

/// The counters equal the counts over the target rows.
fn assert_counters_match(b: &Value, targets: &[Value]) {
    let counters = &b["counters"];
    assert_eq!(counters["total"].as_u64().unwrap() as usize, targets.len());
    for status in [
        "pending",
        "queued",
        "sent",
        "delivered",
        "not_delivered",
        "seen",
        "failed",
        "skipped",
        "canceled",
    ] {
        let rows = targets.iter().filter(|t| t["status"] == status).count();
        assert_eq!(
            counters[status].as_u64().unwrap() as usize,
            rows,
            "{status}: {counters}"
        );
    }
}

/// The broadcast and its target rows read while nothing moved (statuses keep arriving after
/// `completed`): the counters before and after reading the rows are equal.
async fn stable_snapshot(server: &TestServer, s: &Setup, id: &str) -> (Value, Vec<Value>) {
    eventually(60, &format!("broadcast {id} to hold still"), || async {
        let before = broadcast(server, s, id).await;
        let targets = all_targets(server, s, id).await;
        let after = broadcast(server, s, id).await;
        (before["counters"] == after["counters"]).then_some((after, targets))
    })
    .await
}

async fn wait_status(server: &TestServer, s: &Setup, id: &str, status: &str) -> Value {
    let path = format!("/v1/broadcasts/{id}");
    wait_status_at(server, &s.key, &path, &[status], 300).await
}

/// Numbers that the sandbox delivers (none ends in its undeliverable suffix 0404).
fn numbers(prefix: &str, n: usize) -> Vec<String> {
    (0..)
        .map(|i| format!("{prefix}{i:04}"))
        .filter(|p| !p.ends_with("0404"))
        .take(n)
        .collect()
}

/// Targets of the big test: 10,000 (the issue's figure), except PostgreSQL in a debug build,
/// where 2,000 keep `cargo test` short (PostgreSQL runs the 10,000 in `cargo test
/// --release`); `SWITCHBOARD_BROADCAST_TARGETS` overrides both.
fn big_n(server: &TestServer) -> usize {
    let postgres = server.config.database_url.starts_with("postgres");
    std::env::var("SWITCHBOARD_BROADCAST_TARGETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) && postgres {
            2_000
        } else {
            10_000
        })
        .clamp(10, 90_000)
}

async fn ten_thousand_targets(server: &TestServer) {
    let n = big_n(server);
    let s = setup(server, n as i64 + 5).await;
    let mut audience: Vec<Value> = (0..10)
        .flat_map(|block| numbers(&format!("1555{block}00"), 9_000))
        .take(n - 2)
        .map(Value::String)
        .collect();
    // One number the upstream cannot deliver to (failed after sending: not_delivered) and
    // one that is not a number at all (failed before sending: refunded).
    audience.push(json!("15559990404"));
    audience.push(json!("12"));
    let created = create(
        server,
        &s,
        json!({"name": "spring sale", "message": hello_world(), "audience": {"numbers": audience}}),
    )
    .await
    .status(201);
    let id = created["id"].as_str().unwrap().to_string();
    let started = std::time::Instant::now();
    assert!(id.starts_with("bc_"));
    assert_eq!(created["audience_size"], n);
    assert_eq!(created["credits_reserved"], n);
    assert_eq!(balance(server, &s).await, 5);

    wait_status(server, &s, &id, "completed").await;
    eprintln!("{n} targets sent in {:?}", started.elapsed());
    // Statuses keep arriving after the last send: wait until every sent message settled
    // (a snapshot where nothing moves any more, to compare with the rows).
    let mut b = broadcast(server, &s, &id).await;
    for _ in 0..1200 {
        let c = &b["counters"];
        // The sandbox reads every delivered message: settled when all are seen.
        if c["sent"] == 0 && c["delivered"] == 0 && c["not_delivered"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        b = broadcast(server, &s, &id).await;
    }
    assert_eq!(
        b["counters"]["sent"], 0,
        "every delivery status arrives: {b}"
    );
    eprintln!("{n} targets settled in {:?}", started.elapsed());
    let c = &b["counters"];
    assert_eq!(c["total"], n);
    assert_eq!(c["failed"], 1);
    assert_eq!(
        c["delivered"].as_i64().unwrap() + c["seen"].as_i64().unwrap(),
        n as i64 - 2
    );
    assert!(b["finished_at"].is_string());
    let targets = all_targets(server, &s, &id).await;
    assert_counters_match(&b, &targets);
    let failed: Vec<&Value> = targets.iter().filter(|t| t["status"] == "failed").collect();
    assert_eq!(failed[0]["wa_id"], "12");
    assert!(failed[0]["message_id"].is_null());
    assert!(failed[0]["error"]["details"].is_string(), "{}", failed[0]);
    let undelivered: Vec<&Value> = targets
        .iter()
        .filter(|t| t["status"] == "not_delivered")
        .collect();
    assert_eq!(undelivered[0]["wa_id"], "15559990404");
    // The invalid number was refunded; the undeliverable one was sent, so it is not.
    assert_eq!(b["credits_refunded"], 1);
    assert_eq!(balance(server, &s).await, 6);
    // Every valid number reached the upstream (a send retried after a timeout under load may
    // reach it twice: that is the dispatcher's documented duplicate window, not the feeder's).
    let reached: std::collections::HashSet<String> = emulator_messages(server)
        .await
        .iter()
        .filter_map(|m| m["to"].as_str().map(str::to_string))
        .collect();
    assert_eq!(reached.len(), n - 1);

    // Exactly one broadcast.finished event.
    let events = get(server, &s, "/v1/events?types=broadcast.finished").await;
    let finished: Vec<&Value> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["broadcast"]["id"] == id.as_str())
        .collect();
    assert_eq!(finished.len(), 1, "{events}");
    assert_eq!(finished[0]["data"]["broadcast"]["status"], "completed");
    let progress = get(server, &s, "/v1/events?types=broadcast.progress").await;
    assert!(!progress["data"].as_array().unwrap().is_empty());

    // Filters, paging, listing, isolation.
    let page = get(
        server,
        &s,
        &format!("/v1/broadcasts/{id}/targets?status=failed"),
    )
    .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let list = get(server, &s, "/v1/broadcasts").await;
    assert_eq!(list["data"][0]["id"], id.as_str());
    let other = setup(server, 0).await;
    let foreign = server
        .get(&format!("/v1/broadcasts/{id}"), &other.key)
        .await;
    assert_eq!(foreign.error(404), "not_found");
    let bad = server
        .get(&format!("/v1/broadcasts/{id}/targets?status=lost"), &s.key)
        .await;
    assert_eq!(bad.error(400), "invalid_parameter");
}

async fn insufficient_credits_send_nothing(server: &TestServer) {
    let s = setup(server, 2).await;
    let refused = create(
        server,
        &s,
        json!({"message": hello_world(), "audience": {"numbers": ["15551230001", "15551230002", "15551230003"]}}),
    )
    .await;
    assert_eq!(refused.code, 402);
    let body: Value = refused.json();
    assert_eq!(body["error"]["code"], "insufficient_credits");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains('3') && message.contains('2'), "{message}");
    assert_eq!(balance(server, &s).await, 2);
    assert!(get(server, &s, "/v1/broadcasts").await["data"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(emulator_messages(server).await.is_empty());

    // Invalid requests are 400 with a stable code, nothing stored either.
    let cases = [
        (
            json!({"message": {"type": "template", "template": {"name": "no_such_template", "language": {"code": "en_US"}}}, "audience": {"numbers": ["15551230001"]}}),
            "invalid_message",
        ),
        (
            json!({"message": hello_world(), "audience": {"numbers": []}}),
            "invalid_audience",
        ),
        (
            json!({"message": hello_world(), "audience": {"phones": ["1"]}}),
            "invalid_audience",
        ),
        (json!({"message": hello_world()}), "invalid_audience"),
        (
            json!({"message": hello_world(), "audience": {"numbers": ["15551230001"]}, "send_at": "tomorrow"}),
            "invalid_send_at",
        ),
        (
            json!({"message": {"to": "15551230001", "type": "text", "text": {"body": "x"}}, "audience": {"numbers": ["15551230001"]}}),
            "invalid_message",
        ),
    ];
    for (body, code) in cases {
        assert_eq!(create(server, &s, body).await.error(400), code);
    }
    // A read key cannot create; an unknown channel is 404.
    let (_, reader) = create_key(server, &s.key, json!({"name": "r", "permission": "read"})).await;
    let denied = server.post_json("/v1/broadcasts", &reader, &json!({"channel_id": s.channel, "message": hello_world(), "audience": {"numbers": ["15551230001"]}})).await;
    assert_eq!(denied.code, 403);
    assert_eq!(balance(server, &s).await, 2);
}

async fn pause_resume_cancel(server: &TestServer) {
    let s = setup(server, 1_000).await;
    let audience = numbers("1555200", 300);
    let created = create(
        server,
        &s,
        json!({"message": hello_world(), "audience": {"numbers": audience}}),
    )
    .await
    .status(201);
    let id = created["id"].as_str().unwrap().to_string();
    eventually(30, "the first sends", || async {
        let b = broadcast(server, &s, &id).await;
        (b["counters"]["sent"].as_i64().unwrap()
            + b["counters"]["delivered"].as_i64().unwrap()
            + b["counters"]["seen"].as_i64().unwrap()
            > 0)
        .then_some(())
    })
    .await;
    let paused = control(server, &s, &id, "pause").await.status(200);
    assert_eq!(paused["status"], "paused");
    let at_pause = paused["counters"]["pending"].as_i64().unwrap();
    assert_eq!(
        control(server, &s, &id, "pause").await.error(409),
        "not_pausable"
    );
    // What was queued drains; nothing new is queued while paused.
    let drained = eventually(30, "the queued messages to be answered", || async {
        let b = broadcast(server, &s, &id).await;
        (b["counters"]["queued"] == 0).then_some(b)
    })
    .await;
    let pending = drained["counters"]["pending"].as_i64().unwrap();
    assert!(pending > 0, "{drained}");
    assert_eq!(pending, at_pause, "nothing was fed after the pause");
    let sent_while_paused = emulator_messages(server).await.len();
    assert!(sent_while_paused <= 300 - at_pause as usize);
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let b = broadcast(server, &s, &id).await;
        assert_eq!(b["counters"]["pending"].as_i64().unwrap(), pending);
        assert_eq!(emulator_messages(server).await.len(), sent_while_paused);
    }

    let resumed = control(server, &s, &id, "resume").await.status(200);
    assert_eq!(resumed["status"], "running");
    let done = wait_status(server, &s, &id, "completed").await;
    assert_eq!(done["counters"]["pending"], 0);
    assert_eq!(
        control(server, &s, &id, "resume").await.error(409),
        "not_resumable"
    );
    assert_eq!(
        control(server, &s, &id, "cancel").await.error(409),
        "not_cancelable"
    );
    assert_eq!(balance(server, &s).await, 700);

    // Cancel: scheduled in the future, so nothing is sent; every target is refunded.
    let send_at =
        switchboard_core::time::to_rfc3339(switchboard_core::time::now_millis() + 3_600_000);
    let later = create(
            server,
            &s,
            json!({"message": hello_world(), "audience": {"numbers": numbers("1555300", 50)}, "send_at": send_at}),
        )
        .await.status(201);
    assert_eq!(later["status"], "scheduled");
    let later_id = later["id"].as_str().unwrap().to_string();
    assert_eq!(balance(server, &s).await, 650);
    eventually(30, "the scheduled audience to be materialized", || async {
        let b = broadcast(server, &s, &later_id).await;
        (b["materialized"] == true).then_some(())
    })
    .await;
    let canceled = control(server, &s, &later_id, "cancel").await.status(200);
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["counters"]["canceled"], 50);
    assert_eq!(canceled["credits_refunded"], 50);
    assert!(canceled["finished_at"].is_string());
    assert_eq!(balance(server, &s).await, 700);
    let targets = all_targets(server, &s, &later_id).await;
    assert_counters_match(&canceled, &targets);
    let credits = get(server, &s, &format!("/v1/accounts/{}/credits", s.account)).await;
    assert_eq!(credits["movements"][0]["reason"], "broadcast_refund");
    assert_eq!(credits["movements"][0]["reference"], later_id.as_str());
}

async fn marketing_skips_opted_out_and_renders_fields(server: &TestServer) {
    let s = setup(server, 100).await;
    // Contacts come from inbound messages (with their profile names).
    for (wa, name) in [
        ("15551230101", "Ana"),
        ("15551230102", "Bo"),
        ("15551230103", "Cy"),
    ] {
        server.post_json(&format!("/v1/channels/{}/sandbox/inbound", s.channel), &s.key, &json!({"from": wa, "type": "text", "text": {"body": "hi"}, "profile": {"name": name}})).await.status(202);
    }
    // Inbound messages are processed concurrently: wait for every contact, not only the last.
    eventually(20, "the contacts to exist", || async {
        for wa in ["15551230101", "15551230102", "15551230103"] {
            let r = server.get(&format!("/v1/contacts/{wa}"), &s.key).await;
            if r.code != 200 {
                return None;
            }
        }
        Some(())
    })
    .await;
    // Tags and the opt-out through the contacts API (the inbound created the contacts).
    let patch = |wa: &'static str, body: Value| {
        let path = format!("/v1/contacts/{wa}");
        let key = s.key.clone();
        async move { server.patch_json(&path, &key, &body).await.status(200) }
    };
    patch("15551230101", json!({"add_tags": ["vip"]})).await;
    let opted = patch(
        "15551230102",
        json!({"add_tags": ["vip"], "opted_out": true}),
    )
    .await;
    assert_eq!(opted["opted_out"], true, "{opted}");

    let template = server
        .post_json(
            &format!("/v1/channels/{}/templates", s.channel),
            &s.key,
            &json!({"name": "vip_offer", "language": "en_US", "category": "MARKETING",
                "components": [{"type": "BODY", "text": "Hi {{1}}, a gift awaits in {{2}}.",
                                "example": {"body_text": [["Ann", "Lisbon"]]}}]}),
        )
        .await
        .status(201);
    let template_id = template["id"].as_str().unwrap().to_string();
    eventually(30, "the template to be approved", || async {
        let t = get(
            server,
            &s,
            &format!("/v1/channels/{}/templates/{template_id}", s.channel),
        )
        .await;
        (t["status"] == "APPROVED").then_some(())
    })
    .await;
    let message = json!({"type": "template", "template": {"name": "vip_offer", "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "{{contact.name|friend}}"},
            {"type": "text", "text": "{{contact.custom.city|Lisbon}}"}]}]}});
    let by_tag = create(
        server,
        &s,
        json!({"message": message, "audience": {"tags": ["vip"]}}),
    )
    .await
    .status(201);
    assert_eq!(by_tag["audience_size"], 2);
    assert_eq!(by_tag["template_category"], "MARKETING");
    let id = by_tag["id"].as_str().unwrap().to_string();
    wait_status(server, &s, &id, "completed").await;
    let (done, targets) = stable_snapshot(server, &s, &id).await;
    assert_eq!(done["counters"]["skipped"], 1);
    assert_eq!(done["credits_refunded"], 1);
    assert_counters_match(&done, &targets);
    let skipped = targets.iter().find(|t| t["status"] == "skipped").unwrap();
    assert_eq!(skipped["wa_id"], "15551230102");
    assert_eq!(skipped["error"]["reason"], "opted_out");

    // Numbers with their own fields.
    let by_numbers = create(
        server,
        &s,
        json!({"message": message, "audience": {"numbers": [
                {"phone": "+1 555 123 0104", "name": "Di", "fields": {"city": "Porto"}},
                "15551230105"]}}),
    )
    .await
    .status(201);
    let numbers_id = by_numbers["id"].as_str().unwrap().to_string();
    wait_status(server, &s, &numbers_id, "completed").await;

    let sent = emulator_messages(server).await;
    let params = |to: &str| -> Vec<String> {
        let m = sent
            .iter()
            .find(|m| m["to"] == to)
            .unwrap_or_else(|| panic!("nothing sent to {to}"));
        m["body"]["template"]["components"][0]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(params("15551230101"), ["Ana", "Lisbon"]);
    assert_eq!(params("15551230104"), ["Di", "Porto"]);
    assert_eq!(params("15551230105"), ["friend", "Lisbon"]);
    assert!(sent.iter().all(|m| m["to"] != "15551230102"));

    // By contact id: the opted-out one is skipped as well.
    let cy = server
        .get("/v1/contacts/15551230103", &s.key)
        .await
        .status(200);
    let by_id = create(
        server,
        &s,
        json!({"message": message, "audience": {"contact_ids": [cy["id"]]}}),
    )
    .await
    .status(201);
    let by_id_id = by_id["id"].as_str().unwrap().to_string();
    wait_status(server, &s, &by_id_id, "completed").await;
    assert_eq!(params_after(server, "15551230103").await, ["Cy", "Lisbon"]);
}

async fn params_after(server: &TestServer, to: &str) -> Vec<String> {
    let sent = emulator_messages(server).await;
    let m = sent.iter().find(|m| m["to"] == to).expect("sent");
    m["body"]["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_string())
        .collect()
}

async fn one_to_one_overtakes_a_broadcast(server: &TestServer) {
    let s = setup(server, 1_000).await;
    let created = create(
        server,
        &s,
        json!({"message": hello_world(), "audience": {"numbers": numbers("1555400", 200)}}),
    )
    .await
    .status(201);
    let id = created["id"].as_str().unwrap().to_string();
    eventually(30, "the broadcast to start sending", || async {
        let sent = emulator_messages(server).await.len();
        (sent > 0).then_some(())
    })
    .await;
    let ctx = Ctx {
        key: s.key.clone(),
        channel: s.channel.clone(),
    };
    let one = send_template(server, &ctx, "15557770001").await;
    eventually(30, "the one-to-one message to be sent", || async {
        let m = get(server, &s, &format!("/v1/messages/{one}")).await;
        (m["status"] != "accepted").then_some(())
    })
    .await;
    let b = broadcast(server, &s, &id).await;
    assert_eq!(
        b["status"], "running",
        "the reply did not wait for the broadcast: {b}"
    );
    assert!(b["counters"]["pending"].as_i64().unwrap() > 0, "{b}");
    // It went out after at most a window of broadcast messages.
    let sent = emulator_messages(server).await;
    let position = sent
        .iter()
        .position(|m| m["to"] == "15557770001")
        .expect("sent upstream");
    assert!(position < 200, "{position}");
    wait_status(server, &s, &id, "completed").await;
}

/// The broadcast tests' config: a fast channel for the big run; a slow one (50 messages per
/// second, window 5) where pausing and overtaking must be observable.
fn fast(config: &mut Config) {
    config.sandbox.webhook_lanes = 64;
    config.broadcasts.window = 300;
    config.broadcasts.poll_ms = 10;
    config.broadcasts.progress_interval_ms = 200;
}

fn slow(config: &mut Config) {
    config.broadcasts.window = 5;
    config.broadcasts.poll_ms = 10;
    config.dispatch.channel_mps = 50.0;
}

on_both_backends!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    ten_thousand_targets_finish_with_counters_equal_to_rows => super::ten_thousand_targets where super::fast,
    insufficient_credits_are_refused_before_anything_is_sent => super::insufficient_credits_send_nothing where super::fast,
    pause_stops_resume_finishes_cancel_refunds => super::pause_resume_cancel where super::slow,
    marketing_skips_opted_out_and_renders_fields => super::marketing_skips_opted_out_and_renders_fields where super::fast,
    a_one_to_one_message_overtakes_a_running_broadcast => super::one_to_one_overtakes_a_broadcast where super::slow,
);
