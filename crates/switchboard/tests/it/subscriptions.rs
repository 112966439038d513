//! Subscription management over real HTTP, on SQLite and PostgreSQL: the enabled flag
//! (PATCH), DELETE, channel-scoped subscriptions, and the 1 KB capture of an answer.

use crate::common::*;
use axum::http::StatusCode;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard::config::Config;

/// Length of the body a failing receiver answers with.
const LONG_ANSWER: usize = 5_000;

async fn patch(server: &TestServer, key: &str, id: &str, body: Value) -> Value {
    server
        .patch_json(&format!("/v1/subscriptions/{id}"), key, &body)
        .await
        .status(200)
}

async fn deliveries(server: &TestServer, key: &str, id: &str) -> Vec<Value> {
    let list = server
        .get(&format!("/v1/subscriptions/{id}/deliveries?limit=500"), key)
        .await
        .status(200);
    list["data"].as_array().unwrap().clone()
}

fn fast_webhooks(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.retry_schedule_ms = vec![30; 50];
    c.webhooks.poll_ms = 10;
}

async fn subscriptions_can_be_paused_scoped_and_deleted(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let key = ctx.key.as_str();
    let second = create_sandbox_channel(server, key, "second").await;
    let events = json!(["message.accepted"]);
    // The control subscription sees everything; once it has an event, the fan-out has
    // processed that event for every subscription.
    let control = Receiver::start(0).await;
    subscribe(server, key, json!({"url": control.url, "events": events})).await;
    let paused = Receiver::start(0).await;
    let paused_id =
        string(&subscribe(server, key, json!({"url": paused.url, "events": events})).await["id"]);
    let scoped = Receiver::start(0).await;
    let scoped_id = string(
        &subscribe(
            server,
            key,
            json!({"url": scoped.url, "events": events, "channel_id": second}),
        )
        .await["id"],
    );

    let view = patch(server, key, &paused_id, json!({"enabled": false})).await;
    assert_eq!(view["enabled"], false);
    let while_paused = send_template(server, &ctx, "15551260001").await;
    control.wait_for_message(&while_paused).await;
    assert!(deliveries(server, key, &paused_id).await.is_empty());
    let view = patch(server, key, &paused_id, json!({"enabled": true})).await;
    assert_eq!(view["enabled"], true);
    let after = send_template(server, &ctx, "15551260002").await;
    paused.wait_for_message(&after).await;
    control.wait_for_message(&after).await;
    assert_eq!(
        paused.messages(),
        vec![after.clone()],
        "nothing raised while it was disabled, everything after"
    );

    // Only the second channel's events reach the channel-scoped subscription.
    let on_second = send_template(
        server,
        &Ctx {
            key: ctx.key.clone(),
            channel: second.clone(),
        },
        "15551260003",
    )
    .await;
    scoped.wait_for_message(&on_second).await;
    paused.wait_for_message(&on_second).await;
    let recorded: Vec<String> = deliveries(server, key, &scoped_id)
        .await
        .iter()
        .map(|d| d["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        recorded.len(),
        1,
        "only the second channel's event: {recorded:?}"
    );
    assert_eq!(scoped.messages(), vec![on_second.clone()]);

    let resp = server
        .delete(&format!("/v1/subscriptions/{paused_id}"), key)
        .await;
    assert_eq!(resp.code, 204, "{}", resp.text);
    for (method, path) in [
        (Method::GET, format!("/v1/subscriptions/{paused_id}")),
        (Method::DELETE, format!("/v1/subscriptions/{paused_id}")),
        (
            Method::GET,
            format!("/v1/subscriptions/{paused_id}/deliveries"),
        ),
    ] {
        let resp = server.call(server.req(method, &path, key)).await;
        assert_eq!(resp.error(404), "not_found", "{path}");
    }
    let resp = server
        .patch_json(
            &format!("/v1/subscriptions/{paused_id}"),
            key,
            &json!({"enabled": true}),
        )
        .await;
    assert_eq!(resp.error(404), "not_found");
    let last = send_template(server, &ctx, "15551260004").await;
    control.wait_for_message(&last).await;
    assert_eq!(
        paused.messages(),
        vec![after, on_second],
        "a deleted subscription gets nothing"
    );
}

async fn an_attempt_keeps_the_first_kilobyte_of_the_answer(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let receiver = Receiver::start_answering(Answers {
        fail_first: 1,
        failure_body: "x".repeat(LONG_ANSWER),
        success: StatusCode::OK,
    })
    .await;
    let id = string(
        &subscribe(
            server,
            &ctx.key,
            json!({"url": receiver.url, "events": ["message.accepted"]}),
        )
        .await["id"],
    );
    let message = send_template(server, &ctx, "15551260101").await;
    receiver.wait_for_message(&message).await;
    let delivery = eventually(10, "the delivery recorded as delivered", || async {
        let list = deliveries(server, &ctx.key, &id).await;
        let first = list.first()?.clone();
        (first["state"] == "delivered").then_some(first)
    })
    .await;
    let detail = server
        .get(
            &format!("/v1/deliveries/{}", delivery["id"].as_str().unwrap()),
            &ctx.key,
        )
        .await
        .status(200);
    let log = detail["attempts_log"].as_array().unwrap();
    assert_eq!(log.len(), 2, "{detail}");
    assert_eq!(log[0]["status_code"], 500);
    let kept = log[0]["response"].as_str().unwrap();
    assert_eq!(
        kept.len(),
        1024,
        "the first 1 KB of a {LONG_ANSWER}-byte answer"
    );
    assert!(kept.bytes().all(|b| b == b'x'));
    assert_eq!(log[1]["status_code"], 200);
}

on_both_backends!(
    paused_scoped_deleted => super::subscriptions_can_be_paused_scoped_and_deleted where super::fast_webhooks,
    kilobyte_capture => super::an_attempt_keeps_the_first_kilobyte_of_the_answer where super::fast_webhooks,
);
