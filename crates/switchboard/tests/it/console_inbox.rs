//! The Inbox over real HTTP on SQLite and PostgreSQL: the conversations API (list, one, mark
//! read, window, scope) and the console's inbox and thread pages (empty, many and hostile
//! data, the composer with the window and the template picker, CSRF, 404 for another
//! account's conversation, CSP).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::common::*;

/// Unix seconds `ago` seconds before now.
fn unix_ago(ago: u64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    (now - ago).to_string()
}

async fn conversations(server: &TestServer, key: &str, query: &str) -> Value {
    server
        .get(&format!("/v1/conversations{query}"), key)
        .await
        .status(200)
}

/// A customer's text arrives; waits until it is stored.
async fn customer_says(server: &TestServer, ctx: &Ctx, from: &str, text: &str) -> Value {
    let upstream = say(server, ctx, from, text).await;
    wait_stored(server, ctx, &upstream, 30).await
}

async fn conversations_api(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let query = format!("?channel_id={}", ctx.channel);
    let empty = conversations(server, &ctx.key, &query).await;
    assert_eq!(empty, json!({"data": [], "next": null}));

    customer_says(server, &ctx, "15551230101", "first").await;
    customer_says(server, &ctx, "15551230101", "second").await;
    customer_says(server, &ctx, "15551230102", "other").await;
    let list = conversations(server, &ctx.key, &query).await;
    let rows = data(&list);
    assert_eq!(rows.len(), 2, "{list}");
    assert_eq!(rows[0]["chat"], "15551230102", "the last to write first");
    assert_eq!(rows[1]["chat"], "15551230101");
    assert_eq!(rows[1]["unread_count"], 2);
    assert_eq!(rows[1]["unread_capped"], false);
    assert_eq!(rows[1]["contact_name"], "Ana");
    assert_eq!(rows[1]["window_open"], true);
    assert!(rows[1]["window_expires_at"].is_string());
    assert_eq!(
        rows[1]["last_message"]["content"]["text"]["body"], "second",
        "{list}"
    );

    // A reply becomes the last message; paging by the cursor.
    let reply = send_ok(server, &ctx, &text_message("15551230101", "hello")).await;
    let page = conversations(server, &ctx.key, &format!("{query}&limit=1")).await;
    assert_eq!(data(&page).len(), 1);
    let next = string(&page["next"]);
    let rest = conversations(server, &ctx.key, &format!("{query}&limit=1&after={next}")).await;
    assert_eq!(data(&rest)[0]["chat"], "15551230101");
    assert_eq!(data(&rest)[0]["last_message"]["id"], reply.as_str());
    assert_eq!(rest["next"], Value::Null);

    // Mark read: the unread count drops to 0 (a `+` number is the same chat).
    let path = format!("/v1/conversations/{}/+1%20555%20123%200101", ctx.channel);
    let read = server
        .post(&format!("{path}/read"), &ctx.key)
        .await
        .status(200);
    assert_eq!(read["unread_count"], 0);
    assert!(read["read_up_to"].as_str().unwrap().starts_with("msg_"));
    let one = server.get(&path, &ctx.key).await.status(200);
    assert_eq!(one["unread_count"], 0);
    customer_says(server, &ctx, "15551230101", "third").await;
    let one = server.get(&path, &ctx.key).await.status(200);
    assert_eq!(one["unread_count"], 1, "a new message is unread again");

    // A customer whose last message is 25 hours old: the window is closed.
    let old = json!({"from": "15551230103", "type": "text", "text": {"body": "old"},
                     "timestamp": unix_ago(25 * 3600)});
    let upstream = inject(server, &ctx, &old).await;
    wait_stored(server, &ctx, &upstream, 30).await;
    let closed = server
        .get(
            &format!("/v1/conversations/{}/15551230103", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(closed["window_open"], false, "{closed}");
    let listed = conversations(server, &ctx.key, &query).await;
    assert_eq!(
        data(&listed).last().unwrap()["chat"],
        "15551230103",
        "the oldest inbound last"
    );

    // Errors: unknown conversation, bad cursor, bad channel, another account.
    let unknown = format!("/v1/conversations/{}/15559999999", ctx.channel);
    assert_eq!(server.get(&unknown, &ctx.key).await.error(404), "not_found");
    assert_eq!(
        server
            .post(&format!("{unknown}/read"), &ctx.key)
            .await
            .error(404),
        "not_found"
    );
    let bad = server
        .get(&format!("/v1/conversations{query}&after=nope"), &ctx.key)
        .await;
    assert_eq!(bad.code, 400, "{}", bad.text);
    let other = setup_sandbox(server).await;
    assert_eq!(
        server.get(&path, &other.key).await.error(404),
        "not_found",
        "another account's conversation"
    );
    assert_eq!(
        server
            .post(&format!("{path}/read"), &other.key)
            .await
            .error(404),
        "not_found"
    );
    let theirs = server
        .get(&format!("/v1/conversations{query}"), &other.key)
        .await;
    assert_eq!(theirs.code, 404, "another account's channel: {}", theirs.text);
    let all = conversations(server, &other.key, "").await;
    assert_eq!(all["data"], json!([]), "nothing of the first account");

    // A key limited to another channel of the account sees nothing of this one.
    let second = create_sandbox_channel(server, &ctx.key, "second").await;
    let (_, scoped) = create_key(
        server,
        &ctx.key,
        json!({"name": "scoped", "permission": "send", "channel_id": second}),
    )
    .await;
    assert_eq!(server.get(&path, &scoped).await.error(404), "not_found");
    assert_eq!(conversations(server, &scoped, "").await["data"], json!([]));
}

on_both_backends!(
    api => super::conversations_api,
);
