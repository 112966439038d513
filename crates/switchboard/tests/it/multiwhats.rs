//! The MultiWhats dialect (`/compat/multiwhats/api/v1/`) on SQLite and PostgreSQL: the
//! service's documented `send-dynamic` request sent verbatim (only the key and numbers
//! changed) on the sandbox channel, the queue object field for field, a broadcast with its
//! message in the native API underneath, the queue's counters following the emulator's
//! statuses, `send_at` scheduling, and errors as `{status: false, message}`.

use crate::common::*;
use serde_json::{json, Value};
use switchboard::config::Config;

const BASE: &str = "/compat/multiwhats/api/v1/basic/whatsapp";

/// An account with credits and a sandbox channel; returns it with the channel's number.
async fn setup(server: &TestServer, credits: i64) -> (Ctx, String) {
    let (account, key) = create_account(server, "acme").await;
    let channel = create_sandbox_channel(server, &key, "sandbox").await;
    add_credits(server, &account, credits).await;
    let view = server
        .get(&format!("/v1/channels/{channel}"), &key)
        .await
        .status(200);
    let number = string(&view["display_phone_number"]);
    (Ctx { key, channel }, number)
}

/// The seed's documented request, with our numbers.
fn documented(from: &str, to: &str) -> Value {
    json!({
        "from": from,
        "to": to,
        "message": "Hi, dear guest 👤 \n\nWe want to send message to you.\n\nDo you allow us for sending message to you? \n\n 📨",
        "type": "button",
        "buttons": ["👍 Yes", "⛔ No"]
    })
}

fn is_service_time(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    let b = s.as_bytes();
    s.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[16] == b':'
}

async fn queue(server: &TestServer, key: &str, id: &str) -> Reply {
    server
        .get(&format!("{BASE}/queue/{id}?apikey={key}"), NO_KEY)
        .await
}

async fn the_documented_request_queues_and_counters_follow(server: &TestServer) {
    let (ctx, from) = setup(server, 10).await;
    let customer = "905374937766";
    let hello = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &hello, 10).await;

    let q = server
        .post_json(
            &format!("{BASE}/send-dynamic?apikey={}", ctx.key),
            NO_KEY,
            &documented(&from, customer),
        )
        .await
        .status(200);
    assert_eq!(q["platform"], "whatsapp");
    assert_eq!(q["from_identifier"], from.as_str());
    assert_eq!(q["message"], documented(&from, customer)["message"]);
    assert_eq!(q["file_url"], 0);
    assert_eq!(q["queue_type"], "normal");
    assert_eq!(q["message_type"], "button");
    assert_eq!(q["total_credit"], 1);
    assert_eq!(q["target_count"], 1);
    for counter in [
        "pending_count",
        "sent_count",
        "delivered_count",
        "not_delivered_count",
        "seen_count",
    ] {
        assert!(q[counter].is_i64(), "{counter}: {q}");
    }
    for time in ["send_at", "created_at", "updated_at"] {
        assert!(is_service_time(&q[time]), "{time}: {q}");
    }
    assert_eq!(q["extra_data"]["buttons"], json!(["👍 Yes", "⛔ No"]));
    assert_eq!(q["extra_data"]["options"], Value::Null);
    assert!(q["user_id"].is_string());
    assert_eq!(q["social_media_account_id"], ctx.channel.as_str());
    let id = string(&q["id"]);
    let targets = q["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0]["target_identifier"], customer);
    assert_eq!(targets[0]["queue_id"], id.as_str());
    assert!(is_service_time(&targets[0]["created_at"]));

    // The counters follow the emulator's statuses.
    let done = eventually(30, "the queue to be delivered", || async {
        let q = queue(server, &ctx.key, &id).await.status(200);
        (q["delivered_count"].as_i64().unwrap() + q["seen_count"].as_i64().unwrap() == 1
            && q["pending_count"] == 0)
            .then_some(q)
    })
    .await;
    assert_eq!(done["status"], "done", "{done}");
    let target = &done["targets"][0];
    assert!(
        ["delivered", "seen"].contains(&target["status"].as_str().unwrap()),
        "{target}"
    );

    // Underneath: a broadcast, and the message in the history.
    let native = server
        .get(&format!("/v1/broadcasts/{id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(native["audience_size"], 1);
    let m = message(server, &ctx.key, target["id"].as_str().unwrap()).await;
    assert_eq!(m["chat"], customer);
    let buttons = &m["content"]["interactive"]["action"]["buttons"];
    assert_eq!(buttons[1]["reply"], json!({"id": "2", "title": "⛔ No"}));
}

async fn body_keys_lists_texts_and_schedules(server: &TestServer) {
    let (ctx, from) = setup(server, 10).await;
    let customers = ["905374930001", "905374930002"];
    for c in customers {
        let hello = say(server, &ctx, c, "hi").await;
        wait_stored(server, &ctx, &hello, 10).await;
    }
    let q = server
        .post_json(
            &format!("{BASE}/send-dynamic"),
            NO_KEY,
            &json!({"apikey": ctx.key, "from": ctx.channel, "to": customers, "message": "Hello", "type": "text"}),
        )
        .await
        .status(200);
    assert_eq!(q["message_type"], "text");
    assert_eq!(q["target_count"], 2);
    assert_eq!(q["from_identifier"], from.as_str());
    assert_eq!(q["extra_data"]["buttons"], Value::Null);
    let id = string(&q["id"]);
    eventually(30, "both sent", || async {
        let q = queue(server, &ctx.key, &id).await.status(200);
        (q["pending_count"] == 0).then_some(())
    })
    .await;

    // A customer who never wrote: the window refuses the button message, the target counts
    // as not delivered and its credit is refunded.
    let q = server
        .post_json(
            &format!("{BASE}/send-dynamic?apikey={}", ctx.key),
            NO_KEY,
            &documented(&from, "905374930003"),
        )
        .await
        .status(200);
    let id = string(&q["id"]);
    let q = eventually(30, "the closed window to fail the target", || async {
        let q = queue(server, &ctx.key, &id).await.status(200);
        (q["not_delivered_count"] == 1).then_some(q)
    })
    .await;
    assert_eq!(q["targets"][0]["status"], "failed", "{q}");
    eventually(10, "the refund", || async {
        let q = queue(server, &ctx.key, &id).await.status(200);
        (q["total_credit"] == 0).then_some(())
    })
    .await;

    let in_a_month = switchboard_core::time::now_millis() + 30 * 24 * 3600 * 1000;
    let later = switchboard_core::multiwhats::format_time(in_a_month);
    let mut body = documented(&from, customers[0]);
    body["send_at"] = json!(later);
    let q = server
        .post_json(
            &format!("{BASE}/send-dynamic?apikey={}", ctx.key),
            NO_KEY,
            &body,
        )
        .await
        .status(200);
    assert_eq!(q["send_at"], later.as_str());
    assert_eq!(q["status"], "waiting");
    assert_eq!(q["pending_count"], 1);
    let native = server
        .get(&format!("/v1/broadcasts/{}", string(&q["id"])), &ctx.key)
        .await
        .status(200);
    assert_eq!(native["status"], "scheduled");
}

async fn errors_use_the_service_shape(server: &TestServer) {
    let (ctx, from) = setup(server, 10).await;
    let customer = "905374930009";
    let path = format!("{BASE}/send-dynamic");
    let error = |reply: Reply, status: u16| {
        let body = reply.status(status);
        assert_eq!(body["status"], false, "{body}");
        string(&body["message"])
    };
    error(
        server
            .post_json(&path, NO_KEY, &documented(&from, customer))
            .await,
        401,
    );
    error(
        server
            .post_json(
                &format!("{path}?apikey=sk_wrong"),
                NO_KEY,
                &documented(&from, customer),
            )
            .await,
        401,
    );
    error(queue(server, "sk_wrong", "brd_x").await, 401);

    // Another account's channel and queue are not found.
    let (other, other_from) = setup(server, 10).await;
    let keyed = format!("{path}?apikey={}", ctx.key);
    error(
        server
            .post_json(&keyed, NO_KEY, &documented(&other_from, customer))
            .await,
        404,
    );
    let hello = say(server, &other, customer, "hi").await;
    wait_stored(server, &other, &hello, 10).await;
    let theirs = server
        .post_json(
            &format!("{path}?apikey={}", other.key),
            NO_KEY,
            &documented(&other_from, customer),
        )
        .await
        .status(200);
    error(
        queue(server, &ctx.key, theirs["id"].as_str().unwrap()).await,
        404,
    );
    error(queue(server, &ctx.key, "nonsense").await, 404);

    // Malformed bodies say what to fix.
    let resp = server
        .call(
            server
                .req(reqwest::Method::POST, &keyed, NO_KEY)
                .header("content-type", "application/json")
                .body("{oops"),
        )
        .await;
    assert_eq!(resp.code, 400, "{}", resp.text);
    assert_eq!(resp.json()["status"], false);
    for (key, value, named) in [
        ("type", json!("video"), "type"),
        ("buttons", json!(["1", "2", "3", "4"]), "buttons"),
        ("to", json!([]), "to"),
        ("send_at", json!("next week"), "send_at"),
    ] {
        let mut body = documented(&from, customer);
        body[key] = value;
        let message = error(server.post_json(&keyed, NO_KEY, &body).await, 400);
        assert!(message.starts_with(named), "{message}");
    }
    let mut body = documented(&from, customer);
    body["to"] = json!("not a number");
    error(server.post_json(&keyed, NO_KEY, &body).await, 400);
}

fn fast(config: &mut Config) {
    config.broadcasts.poll_ms = 10;
    config.broadcasts.progress_interval_ms = 100;
}

on_both_backends!(
    documented_request => super::the_documented_request_queues_and_counters_follow where super::fast,
    keys_lists_schedules => super::body_keys_lists_texts_and_schedules where super::fast,
    errors => super::errors_use_the_service_shape where super::fast,
);
