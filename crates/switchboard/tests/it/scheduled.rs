//! Scheduled sends over real HTTP through the sandbox emulator, on SQLite and PostgreSQL:
//! a scheduled message is not sent before its time and is sent after it, across a server
//! restart; it can be canceled until due and not after; it does not hold back other
//! messages; `send_at` is validated; the 24-hour window is checked when it becomes due.

use crate::common::*;
use serde_json::{json, Value};
use switchboard_core::time::{now_millis, parse_rfc3339, to_rfc3339};

fn text(to: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "later"}})
}

fn at(mut body: Value, field: &str, millis: i64) -> Value {
    body[field] = json!(to_rfc3339(millis));
    body
}

async fn schedule(server: &TestServer, ctx: &Ctx, body: &Value) -> String {
    let answer = send(server, ctx, body).await.status(200);
    assert_eq!(
        answer["messages"][0]["message_status"], "scheduled",
        "{answer}"
    );
    assert!(answer["send_at"].is_string(), "{answer}");
    string(&answer["messages"][0]["id"])
}

async fn cancel(server: &TestServer, key: &str, id: &str) -> Reply {
    server.post(&format!("/v1/messages/{id}/cancel"), key).await
}

const SENT: &[&str] = &["sent", "delivered", "read"];

/// Scheduled ~3 s ahead, the server restarted in between: not sent before its time, sent
/// after it, with `scheduled → accepted → sent` in its history and events.
async fn survives_restart(server: TestServer) -> TestServer {
    let ctx = setup_sandbox(&server).await;
    let due = now_millis() + 3_000;
    let id = schedule(
        &server,
        &ctx,
        &at(hello_world("15551239001"), "send_at", due),
    )
    .await;
    let listed = server
        .get(
            &format!("/v1/channels/{}/messages?status=scheduled", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    let ids: Vec<_> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(id)]);
    let server = server.restart(|_| {}).await;
    // Before its time it stays scheduled (only checked while clearly before the due time).
    while now_millis() < due - 300 {
        let m = message(&server, &ctx.key, &id).await;
        assert_eq!(m["status"], "scheduled", "sent before its time: {m}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let m = wait_status(&server, &ctx.key, &id, SENT).await;
    let history = m["status_history"].as_array().unwrap();
    let statuses: Vec<_> = history
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(&statuses[..3], &["scheduled", "accepted", "sent"], "{m}");
    let sent_at = parse_rfc3339(history[2]["at"].as_str().unwrap()).unwrap();
    assert!(sent_at >= due, "sent at {sent_at}, due {due}");
    let events = server
        .get("/v1/events?chat=15551239001", &ctx.key)
        .await
        .status(200);
    let types: Vec<_> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        &types[..3],
        &["message.scheduled", "message.accepted", "message.sent"],
        "{types:?}"
    );
    server
}

/// Cancel works until due (once), and is refused for due, sent and unknown messages.
async fn cancel_until_due(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let id = schedule(
        server,
        &ctx,
        &at(
            hello_world("15551239002"),
            "send_at",
            now_millis() + 600_000,
        ),
    )
    .await;
    let canceled = cancel(server, &ctx.key, &id).await.status(200);
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(
        cancel(server, &ctx.key, &id).await.error(409),
        "not_cancelable"
    );
    assert_eq!(message(server, &ctx.key, &id).await["status"], "canceled");
    // Due soon: once sent it cannot be canceled.
    let soon = schedule(
        server,
        &ctx,
        &at(hello_world("15551239003"), "send_at", now_millis() + 500),
    )
    .await;
    wait_status(server, &ctx.key, &soon, SENT).await;
    assert_eq!(
        cancel(server, &ctx.key, &soon).await.error(409),
        "not_cancelable"
    );
    // Never scheduled, unknown, another account's.
    let now_id = send_template(server, &ctx, "15551239004").await;
    wait_status(server, &ctx.key, &now_id, SENT).await;
    assert_eq!(
        cancel(server, &ctx.key, &now_id).await.error(409),
        "not_cancelable"
    );
    assert_eq!(
        cancel(server, &ctx.key, "msg_01jdxq5m3kf0b8v6a2w9y4c7td")
            .await
            .error(404),
        "not_found"
    );
    let other = setup_sandbox(server).await;
    let theirs = schedule(
        server,
        &other,
        &at(
            hello_world("15551239005"),
            "send_at",
            now_millis() + 600_000,
        ),
    )
    .await;
    assert_eq!(
        cancel(server, &ctx.key, &theirs).await.error(404),
        "not_found"
    );
    assert_eq!(
        message(server, &other.key, &theirs).await["status"],
        "scheduled"
    );
    let events = server
        .get("/v1/events?types=message.canceled", &ctx.key)
        .await
        .status(200);
    assert_eq!(events["data"].as_array().unwrap().len(), 1, "{events}");
}

/// A scheduled message holds back neither its own chat nor other chats.
async fn does_not_block(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let later = schedule(
        server,
        &ctx,
        &at(
            hello_world("15551239010"),
            "send_at",
            now_millis() + 600_000,
        ),
    )
    .await;
    let same_chat = send_template(server, &ctx, "15551239010").await;
    let other_chat = send_template(server, &ctx, "15551239011").await;
    wait_status(server, &ctx.key, &same_chat, SENT).await;
    wait_status(server, &ctx.key, &other_chat, SENT).await;
    assert_eq!(
        message(server, &ctx.key, &later).await["status"],
        "scheduled"
    );
}

/// `send_at` validation, the `scheduleDateTime` alias, and the window checked when due.
async fn validation_and_window(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let now = now_millis();
    for (body, why) in [
        (
            at(hello_world("15551239020"), "send_at", now - 3_600_000),
            "an hour ago",
        ),
        (
            at(
                hello_world("15551239020"),
                "send_at",
                now + 400 * 86_400_000,
            ),
            "400 days ahead",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "15551239020", "type": "template",
            "template": {"name": "hello_world", "language": {"code": "en_US"}},
            "send_at": "2030-01-01T10:00:00"}),
            "no offset",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "15551239020", "type": "template",
            "template": {"name": "hello_world", "language": {"code": "en_US"}},
            "send_at": 1_900_000_000}),
            "not a string",
        ),
        (
            at(
                at(hello_world("15551239020"), "send_at", now + 60_000),
                "scheduleDateTime",
                now + 60_000,
            ),
            "both fields",
        ),
    ] {
        let body_json = send(server, &ctx, &body).await.status(400);
        assert_eq!(body_json["error"]["code"], 100, "{why}: {body_json}");
        assert!(
            body_json["error"]["error_data"]["details"]
                .as_str()
                .is_some_and(|d| d.contains("send_at") || d.contains("scheduleDateTime")),
            "{why}: {body_json}"
        );
    }
    // A few seconds late: sent now.
    let answer = send(
        server,
        &ctx,
        &at(hello_world("15551239021"), "send_at", now - 5_000),
    )
    .await
    .status(200);
    assert_eq!(
        answer["messages"][0]["message_status"], "accepted",
        "{answer}"
    );
    // The alias schedules.
    let alias = schedule(
        server,
        &ctx,
        &at(
            hello_world("15551239022"),
            "scheduleDateTime",
            now + 600_000,
        ),
    )
    .await;
    assert_eq!(
        message(server, &ctx.key, &alias).await["status"],
        "scheduled"
    );
    // A free-form message to a customer who never wrote is accepted for later (the window is
    // checked when due) and fails with 131047 then.
    let closed = schedule(
        server,
        &ctx,
        &at(text("15551239023"), "send_at", now_millis() + 300),
    )
    .await;
    let m = wait_status(server, &ctx.key, &closed, &["failed"]).await;
    assert_eq!(m["error"]["code"], 131047, "{m}");
    assert_eq!(m["attempts"], 0, "{m}");
    // Sent now, the same message is refused at once.
    let refused = send(server, &ctx, &text("15551239023")).await.status(400);
    assert_eq!(refused["error"]["code"], 131047);
}

on_both_backends!(
    cancel_works_until_due => super::cancel_until_due,
    scheduled_messages_do_not_block_others => super::does_not_block,
    send_at_is_validated_and_the_window_checked_when_due => super::validation_and_window;
    by_value:
    scheduled_send_survives_restart => super::survives_restart,
);
