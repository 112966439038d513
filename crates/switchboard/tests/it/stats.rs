//! Channel statistics over real HTTP, on SQLite and PostgreSQL: after a mix of sent,
//! delivered, read, failed and received traffic through the sandbox emulator, the monthly
//! and daily statistics equal counts computed from the message list; bad periods are 400.

use std::collections::BTreeMap;

use crate::common::*;
use serde_json::{json, Value};
use switchboard_core::stats::month_of;
use switchboard_core::time::{now_millis, parse_rfc3339};

async fn all_messages(server: &TestServer, ctx: &Ctx) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("/v1/channels/{}/messages?limit=500", ctx.channel);
        if let Some(a) = &after {
            path.push_str(&format!("&after={a}"));
        }
        let page = server.get(&path, &ctx.key).await.status(200);
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => return out,
        }
    }
    panic!("too many pages");
}

/// The statistics computed directly from the message list, with the same definitions.
fn expected(messages: &[Value], utility_price: f64) -> Value {
    let count = |dir: &str, statuses: &[&str]| {
        messages
            .iter()
            .filter(|m| m["direction"] == dir && statuses.contains(&m["status"].as_str().unwrap()))
            .count() as u64
    };
    let sent_like = ["sent", "delivered", "read", "played"];
    // Conversations: an inbound message opens one when its chat's previous inbound message
    // is 24 hours or more before it, or there is none.
    let mut by_chat: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for m in messages.iter().filter(|m| m["direction"] == "inbound") {
        by_chat
            .entry(m["chat"].as_str().unwrap().to_string())
            .or_default()
            .push(parse_rfc3339(m["created_at"].as_str().unwrap()).unwrap());
    }
    let mut opened = 0;
    for times in by_chat.values_mut() {
        times.sort();
        let mut prev: Option<i64> = None;
        for t in times.iter() {
            if prev.is_none_or(|p| t - p >= 86_400_000) {
                opened += 1;
            }
            prev = Some(*t);
        }
    }
    let templates = messages
        .iter()
        .filter(|m| {
            m["direction"] == "outbound"
                && m["type"] == "template"
                && sent_like.contains(&m["status"].as_str().unwrap())
        })
        .count() as u64;
    json!({
        "sent": count("outbound", &sent_like),
        "delivered": count("outbound", &["delivered", "read", "played"]),
        "read": count("outbound", &["read", "played"]),
        "failed": count("outbound", &["failed"]),
        "pending": count("outbound", &["accepted"]),
        "scheduled": count("outbound", &["scheduled"]),
        "canceled": count("outbound", &["canceled"]),
        "received": messages.iter().filter(|m| m["direction"] == "inbound").count() as u64,
        "conversations_opened": opened,
        "templates": if templates == 0 { json!([]) } else {
            json!([{"category": "UTILITY", "count": templates, "unit_price": utility_price,
                    "cost": (templates as f64 * utility_price * 1e6).round() / 1e6}])
        },
    })
}

fn counts_of(stats: &Value) -> Value {
    let mut v = json!({});
    for k in [
        "sent",
        "delivered",
        "read",
        "failed",
        "pending",
        "scheduled",
        "canceled",
        "received",
        "conversations_opened",
        "templates",
    ] {
        v[k] = stats[k].clone();
    }
    v
}

async fn stats_match_the_message_table(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let month = month_of(now_millis());
    // Customers write (two open windows; a second message of the same chat opens nothing).
    for (from, body) in [
        ("15551238001", "hi"),
        ("15551238002", "hello"),
        ("15551238001", "again"),
    ] {
        inject(
            server,
            &ctx,
            &json!({"from": from, "type": "text", "text": {"body": body}}),
        )
        .await;
    }
    eventually(20, "inbound messages stored", || async {
        let page = server
            .get(
                &format!("/v1/channels/{}/messages?direction=inbound", ctx.channel),
                &ctx.key,
            )
            .await
            .status(200);
        (page["data"].as_array().unwrap().len() == 3).then_some(())
    })
    .await;
    // Replies in the window, templates to others, and undeliverable numbers (fail).
    for to in ["15551238001", "15551238002"] {
        send(server, &ctx, &json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "thanks"}})).await.status(200);
    }
    for to in ["15551238003", "15551238004", "15551238005"] {
        send_template(server, &ctx, to).await;
    }
    let undeliverable = format!("1555128{}", switchboard::SANDBOX_UNDELIVERABLE_SUFFIX);
    send_template(server, &ctx, &undeliverable).await;
    // A scheduled and a canceled one.
    let later = json!({"messaging_product": "whatsapp", "to": "15551238006", "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
        "send_at": switchboard_core::time::to_rfc3339(now_millis() + 3_600_000)});
    for _ in 0..2 {
        send(server, &ctx, &later).await.status(200);
    }
    let scheduled = server
        .get(
            &format!("/v1/channels/{}/messages?status=scheduled", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    let first = scheduled["data"][0]["id"].as_str().unwrap().to_string();
    server
        .post(&format!("/v1/messages/{first}/cancel"), &ctx.key)
        .await
        .status(200);
    // Wait until nothing is pending and the failure arrived, then compare (statuses may
    // still move from delivered to read, so compare a consistent pair of reads).
    let utility_price = server.config.pricing.categories["UTILITY"];
    let (want, got) = eventually(30, "statistics to equal the message table", || async {
        let before = all_messages(server, &ctx).await;
        let stats = server
            .get(
                &format!("/v1/channels/{}/stats?month={month}", ctx.channel),
                &ctx.key,
            )
            .await
            .status(200);
        let after = all_messages(server, &ctx).await;
        let want = expected(&after, utility_price);
        let settled = want["pending"] == 0 && want["failed"] == 1 && want["sent"] == 5;
        (settled && before == after && counts_of(&stats) == want).then_some((want, stats))
    })
    .await;
    assert_eq!(want["received"], 3);
    assert_eq!(want["conversations_opened"], 2);
    assert_eq!(want["scheduled"], 1);
    assert_eq!(want["canceled"], 1);
    assert_eq!(got["date"], month);
    assert_eq!(got["currency"], server.config.pricing.currency);
    assert_eq!(got["time_zone"], "UTC");
    assert_eq!(got["templates_cost"], want["templates"][0]["cost"]);
    // The one failure, by the code the sandbox gave it.
    let failed = all_messages(server, &ctx)
        .await
        .into_iter()
        .find(|m| m["status"] == "failed")
        .unwrap();
    let error = &failed["error"][0];
    let code = &error["code"];
    assert!(code.is_number(), "{failed}");
    let title = ["title", "message"]
        .iter()
        .find_map(|k| error[k].as_str().filter(|t| !t.is_empty()))
        .unwrap_or_default();
    assert_eq!(
        got["failures"],
        json!([{"code": code.to_string(), "title": title, "count": 1}])
    );
    // The daily series sums to the month, and today holds everything.
    let daily = server
        .get(
            &format!("/v1/channels/{}/stats/daily?month={month}", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    let days = daily["days"].as_array().unwrap();
    assert!((28..=31).contains(&days.len()));
    let sent: u64 = days.iter().map(|d| d["sent"].as_u64().unwrap()).sum();
    assert_eq!(sent, got["sent"].as_u64().unwrap());
    let today = switchboard_core::stats::day_name(now_millis() / switchboard_core::stats::DAY_MS);
    let day = server
        .get(
            &format!(
                "/v1/channels/{}/stats/daily?from={today}&to={today}",
                ctx.channel
            ),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(day["days"].as_array().unwrap().len(), 1);
    assert_eq!(day["days"][0]["date"], today);
    assert_eq!(day["days"][0]["received"], 3);
}

async fn bad_periods(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let base = format!("/v1/channels/{}/stats", ctx.channel);
    for q in [
        "?month=13.2026",
        "?month=2026-03",
        "?month=03/2026",
        "?month=",
        "?month=3.26",
    ] {
        let r = server.get(&format!("{base}{q}"), &ctx.key).await;
        assert_eq!(r.error(400), "invalid_period", "{q}");
    }
    for q in [
        "?from=2026-01-01",
        "?from=2026-02-01&to=2026-01-01",
        "?from=2024-01-01&to=2026-01-01",
        "?month=01.2026&from=2026-01-01&to=2026-01-02",
        "?from=yesterday&to=2026-01-01",
    ] {
        let r = server.get(&format!("{base}/daily{q}"), &ctx.key).await;
        assert_eq!(r.error(400), "invalid_period", "{q}");
    }
    // Default: the current month, empty.
    let s = server.get(&base, &ctx.key).await.status(200);
    assert_eq!(s["date"], month_of(now_millis()));
    assert_eq!(s["sent"], 0);
    assert_eq!(s["templates_cost"], 0.0);
    assert_eq!(s["failures"], json!([]));
    // Another account's channel is not found.
    let other = setup_sandbox(server).await;
    let r = server.get(&base, &other.key).await;
    assert_eq!(r.error(404), "not_found");
}

fn priced(config: &mut switchboard::config::Config) {
    config.pricing.categories.insert("UTILITY".into(), 0.0313);
}

on_both_backends!(
    stats_match_the_message_table => super::stats_match_the_message_table where super::priced,
    bad_periods_are_refused => super::bad_periods,
);
