//! The 1msg dialect's history, acks, webhook and templates (`/compat/1msg/{channel_id}/…`,
//! key as `?token=`) on SQLite and PostgreSQL against the emulator: a customer's message and
//! the acks of a sent one reach a webhook set by `webhook` as `{"messages": […]}` and
//! `{"ack": […]}`; `settings` reads and changes it (a native subscription with format
//! `1msg`); `messages` pages and filters the history; `checkAcks` follows the real statuses;
//! `readMessage` marks read; templates listed, added (carousel included) and removed are
//! those of the native API; bad keys and other accounts' channels are refused in the
//! dialect's error shape.

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard::config::Config;

fn path(ctx: &Ctx, method: &str) -> String {
    format!("/compat/1msg/{}/{method}", ctx.channel)
}

async fn get(server: &TestServer, ctx: &Ctx, method: &str, query: &[(&str, &str)]) -> Reply {
    let mut q = vec![("token", ctx.key.as_str())];
    q.extend_from_slice(query);
    let request = server
        .req(Method::GET, &path(ctx, method), NO_KEY)
        .query(&q);
    server.call(request).await
}

async fn post(server: &TestServer, ctx: &Ctx, method: &str, body: &Value) -> Reply {
    let request = server
        .req(Method::POST, &path(ctx, method), NO_KEY)
        .query(&[("token", ctx.key.as_str())])
        .json(body);
    server.call(request).await
}

/// `text` percent-encoded for a form body.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// POSTs a form-encoded `form` to `method`.
async fn post_form(server: &TestServer, ctx: &Ctx, method: &str, form: String) -> Reply {
    let request = server
        .req(Method::POST, &path(ctx, method), NO_KEY)
        .query(&[("token", ctx.key.as_str())])
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    server.call(request).await
}

/// A 1msg error answer: HTTP `status`, `{error, code}`; returns the code.
#[track_caller]
fn dialect_error(answer: Value) -> String {
    assert!(answer["error"].is_string(), "{answer}");
    string(&answer["code"])
}

/// Every JSON body the receiver got.
fn bodies(receiver: &Receiver) -> Vec<Value> {
    receiver.got().into_iter().map(|r| r.json).collect()
}

/// The messages of `GET messages` with `query`.
async fn history(server: &TestServer, ctx: &Ctx, query: &[(&str, &str)]) -> Value {
    get(server, ctx, "messages", query).await.status(200)
}

fn bodies_of(answer: &Value) -> Vec<String> {
    answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| string(&m["body"]))
        .collect()
}

async fn webhook_gets_messages_and_acks(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let receiver = Receiver::start(0).await;
    let set = post(
        server,
        &ctx,
        "webhook",
        &json!({"webhookUrl": receiver.url}),
    )
    .await
    .status(200);
    assert_eq!(set["webhookUrl"], receiver.url.as_str());
    assert_eq!(set["ackNotificationsOn"], true);
    let settings = get(server, &ctx, "settings", &[]).await.status(200);
    assert_eq!(settings["webhookUrl"], receiver.url.as_str());
    let native = server.get("/v1/subscriptions", &ctx.key).await.status(200);
    let subs = data(&native);
    assert_eq!(subs.len(), 1, "{native}");
    assert_eq!(subs[0]["format"], "1msg");
    assert_eq!(subs[0]["channel_id"], ctx.channel.as_str());

    // A customer's message.
    let customer = "15551230101";
    let hello = say(server, &ctx, customer, "hi there").await;
    let stored = wait_stored(server, &ctx, &hello, 10).await;
    let inbound = eventually(20, "the inbound message at the webhook", || async {
        bodies(&receiver)
            .into_iter()
            .find(|b| b["messages"][0]["body"] == "hi there")
    })
    .await;
    assert_eq!(inbound["instanceId"], ctx.channel.as_str());
    let m = &inbound["messages"][0];
    assert_eq!(m["id"], stored["id"]);
    assert_eq!(m["type"], "chat");
    assert_eq!(m["fromMe"], false);
    assert_eq!(m["self"], 0);
    assert_eq!(m["senderName"], "Ana");
    assert_eq!(m["chatId"], format!("{customer}@c.us"));
    assert_eq!(m["author"], format!("{customer}@c.us"));
    assert!(m["time"].as_i64().unwrap() > 1_700_000_000, "{m}");
    assert!(m["messageNumber"].as_i64().unwrap() > 0, "{m}");

    // readMessage marks it read through the native read receipt.
    let read = post(server, &ctx, "readMessage", &json!({"messageId": m["id"]}))
        .await
        .status(200);
    assert_eq!(read["result"], "success");
    let native = message(server, &ctx.key, m["id"].as_str().unwrap()).await;
    assert_eq!(native["status"], "read");
    let unknown = post(
        server,
        &ctx,
        "readMessage",
        &json!({"messageId": "wamid.nope"}),
    )
    .await
    .status(404);
    assert_eq!(dialect_error(unknown), "not_found");

    // A message the business sends: its echo, then its acks up to read.
    let sent = send_ok(server, &ctx, &text_message(customer, "thanks")).await;
    let acks = eventually(30, "the sent, delivered and read acks", || async {
        let got = bodies(&receiver);
        let statuses: Vec<String> = got
            .iter()
            .filter(|b| b["ack"][0]["id"] == sent.as_str())
            .map(|b| string(&b["ack"][0]["status"]))
            .collect();
        ["sent", "delivered", "read"]
            .iter()
            .all(|s| statuses.iter().any(|t| t == s))
            .then_some(got)
    })
    .await;
    let echo = acks
        .iter()
        .find(|b| b["messages"][0]["id"] == sent.as_str())
        .expect("the echo of the sent message");
    assert_eq!(echo["messages"][0]["fromMe"], true);
    assert_eq!(echo["messages"][0]["body"], "thanks");
    let read_ack = acks
        .iter()
        .find(|b| b["ack"][0]["id"] == sent.as_str() && b["ack"][0]["status"] == "read")
        .unwrap();
    let a = &read_ack["ack"][0];
    assert_eq!(a["chatId"], format!("{customer}@c.us"));
    assert_eq!(a["phone"], customer);
    assert!(a["time"].is_i64(), "{a}");
    assert!(
        !acks.iter().any(|b| b["ack"][0]["id"] == stored["id"]),
        "reading a customer's message is no ack"
    );

    // A reaction to it is a message of type reaction quoting it.
    let upstream = string(&message(server, &ctx.key, &sent).await["upstream_id"]);
    inject(
        server,
        &ctx,
        &json!({"from": customer, "type": "reaction",
            "reaction": {"message_id": upstream, "emoji": "👍"}}),
    )
    .await;
    let reaction = eventually(20, "the reaction at the webhook", || async {
        bodies(&receiver)
            .into_iter()
            .find(|b| b["messages"][0]["type"] == "reaction")
    })
    .await;
    let r = &reaction["messages"][0];
    assert_eq!(r["body"], "👍");
    assert_eq!(r["quotedMsgId"], sent.as_str());
    assert_eq!(r["quotedMsgBody"], "thanks");

    // checkAcks follows the same statuses, by our id or the upstream's.
    let checked = get(server, &ctx, "checkAcks", &[("messageId", &sent)])
        .await
        .status(200);
    let statuses: Vec<String> = checked["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| string(&h["status"]))
        .collect();
    assert_eq!(statuses, ["sent", "delivered", "read"], "{checked}");
    let native = message(server, &ctx.key, &sent).await;
    let by_upstream = get(
        server,
        &ctx,
        "checkAcks",
        &[("messageId", native["upstream_id"].as_str().unwrap())],
    )
    .await
    .status(200);
    assert_eq!(by_upstream["hooks"], checked["hooks"]);
    let alias = get(server, &ctx, "hookInfo", &[("messageId", &sent)])
        .await
        .status(200);
    assert_eq!(alias["hooks"], checked["hooks"]);
    let missing = get(server, &ctx, "checkAcks", &[]).await.status(400);
    assert_eq!(dialect_error(missing), "invalid_query");
    let of_inbound = get(
        server,
        &ctx,
        "checkAcks",
        &[("messageId", &string(&stored["id"]))],
    )
    .await
    .status(404);
    dialect_error(of_inbound);

    // Settings: acks off, an unknown setting refused, the webhook removed.
    let off = post(
        server,
        &ctx,
        "settings",
        &json!({"ackNotificationsOn": false}),
    )
    .await
    .status(200);
    assert_eq!(off["ackNotificationsOn"], false);
    assert_eq!(off["webhookUrl"], receiver.url.as_str());
    let native = server.get("/v1/subscriptions", &ctx.key).await.status(200);
    let events = data(&native)[0]["events"].clone();
    assert!(
        !events
            .as_array()
            .unwrap()
            .contains(&json!("message.delivered")),
        "{events}"
    );
    let unknown = post(server, &ctx, "settings", &json!({"proxy": "x"}))
        .await
        .status(400);
    assert!(
        unknown["error"].as_str().unwrap().contains("webhookUrl"),
        "{unknown}"
    );
    let bad = post(server, &ctx, "webhook", &json!({"webhookUrl": "ftp://x"}))
        .await
        .status(400);
    assert_eq!(dialect_error(bad), "invalid_body");
    let removed = post(server, &ctx, "settings", &json!({"webhookUrl": null}))
        .await
        .status(200);
    assert_eq!(removed["webhookUrl"], Value::Null);
    let native = server.get("/v1/subscriptions", &ctx.key).await.status(200);
    assert!(data(&native).is_empty(), "{native}");
}

async fn messages_pages_and_filters(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (ann, bob) = ("15551230201", "15551230202");
    let mut stored = Vec::new();
    for (who, text) in [(ann, "one"), (ann, "two"), (bob, "three")] {
        let upstream = say(server, &ctx, who, text).await;
        stored.push(wait_stored(server, &ctx, &upstream, 10).await);
    }
    let mut reply = text_message(ann, "four");
    reply["context"] = json!({"message_id": stored[1]["upstream_id"]});
    let four = send_ok(server, &ctx, &reply).await;

    let all = history(server, &ctx, &[]).await;
    assert_eq!(bodies_of(&all), ["one", "two", "three", "four"], "{all}");
    let numbers: Vec<i64> = all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["messageNumber"].as_i64().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    assert_eq!(all["lastMessageNumber"], numbers[3]);
    assert_eq!(all["firstMessageNumber"], numbers[0]);
    let m = &all["messages"][3];
    assert_eq!(m["id"], four.as_str());
    assert_eq!(m["fromMe"], true);
    assert_eq!(m["self"], 1);
    assert_eq!(m["quotedMsgId"], stored[1]["id"]);
    assert_eq!(m["quotedMsgBody"], "two");
    assert_eq!(all["messages"][0]["senderName"], "Ana");

    // Paging forward by lastMessageNumber, backward by firstMessageNumber, and `last`.
    let first = history(server, &ctx, &[("limit", "2")]).await;
    assert_eq!(bodies_of(&first), ["one", "two"]);
    let after = first["lastMessageNumber"].to_string();
    let next = history(
        server,
        &ctx,
        &[("limit", "2"), ("lastMessageNumber", &after)],
    )
    .await;
    assert_eq!(bodies_of(&next), ["three", "four"]);
    let last = history(server, &ctx, &[("last", "true"), ("limit", "1")]).await;
    assert_eq!(bodies_of(&last), ["four"]);
    let before = last["firstMessageNumber"].to_string();
    let older = history(
        server,
        &ctx,
        &[("limit", "2"), ("firstMessageNumber", &before)],
    )
    .await;
    assert_eq!(bodies_of(&older), ["two", "three"]);
    let everything = history(server, &ctx, &[("limit", "0")]).await;
    assert_eq!(everything["messages"].as_array().unwrap().len(), 4);

    // Filters.
    let bobs = history(server, &ctx, &[("chatId", &format!("{bob}@c.us"))]).await;
    assert_eq!(bodies_of(&bobs), ["three"]);
    let one = history(server, &ctx, &[("msgId", &string(&stored[1]["id"]))]).await;
    assert_eq!(bodies_of(&one), ["two"]);
    let by_upstream = history(
        server,
        &ctx,
        &[("msgId", &string(&stored[1]["upstream_id"]))],
    )
    .await;
    assert_eq!(bodies_of(&by_upstream), ["two"]);
    let time = all["messages"][0]["time"].as_i64().unwrap();
    let future = (time + 3600).to_string();
    assert!(bodies_of(&history(server, &ctx, &[("min_time", &future)]).await).is_empty());
    let past = (time - 3600).to_string();
    assert!(bodies_of(&history(server, &ctx, &[("max_time", &past)]).await).is_empty());
    let window = history(
        server,
        &ctx,
        &[
            ("min_time", &past),
            ("max_time", &future),
            ("chatId", &format!("{ann}@c.us")),
        ],
    )
    .await;
    assert_eq!(bodies_of(&window), ["one", "two", "four"]);

    // Bad filters are 400 in the dialect's shape.
    for bad in [
        ("limit", "many"),
        ("lastMessageNumber", "-1"),
        ("chatId", "ann"),
        ("last", "maybe"),
    ] {
        let answer = get(server, &ctx, "messages", &[bad]).await.status(400);
        assert_eq!(dialect_error(answer), "invalid_query", "{bad:?}");
    }
}

fn order_update(name: &str) -> Value {
    json!({
        "name": name,
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "BODY", "text": "Hi {{1}}, your order is ready.",
             "example": {"body_text": [["Ann"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]}
        ]
    })
}

/// The seed's carousel example, with the two cards a carousel needs.
fn carousel(name: &str) -> Value {
    let card = json!({"components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW..."]}},
        {"text": "Carousel body {{1}}", "type": "BODY", "example": {"body_text": [["lemons"]]}},
        {"type": "BUTTONS", "buttons": [
            {"text": "Send more like this", "type": "QUICK_REPLY"},
            {"url": "https://www.test.com/shop?promo={{1}}", "text": "Buy now", "type": "URL",
             "example": ["https://www.test.com/shop?promo=summer_lemons_2023"]}
        ]}
    ]});
    json!({
        "name": name,
        "language": "en_US",
        "category": "MARKETING",
        "components": [
            {"text": "Test body text", "type": "BODY"},
            {"type": "CAROUSEL", "cards": [card.clone(), card]}
        ]
    })
}

async fn native_names(server: &TestServer, ctx: &Ctx) -> Vec<String> {
    let list = server
        .get(
            &format!("/v1/channels/{}/templates?limit=500", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    data(&list).iter().map(|t| string(&t["name"])).collect()
}

async fn templates_are_the_native_ones(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    // The sandbox's own templates, synced now rather than by the background worker.
    server
        .post(
            &format!("/v1/channels/{}/templates/sync", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    let before = get(server, &ctx, "templates", &[]).await.status(200);
    let native = native_names(server, &ctx).await;
    assert!(!native.is_empty());
    assert_eq!(before["total"], native.len(), "{before}");

    let added = post(server, &ctx, "addTemplate", &order_update("order_ready"))
        .await
        .status(200);
    assert_eq!(added["name"], "order_ready");
    assert_eq!(added["language"], "en_US");
    assert!(
        added["status"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| !c.is_ascii_uppercase()),
        "{added}"
    );
    let cards = post(server, &ctx, "addTemplate", &carousel("summer_cards"))
        .await
        .status(200);
    assert_eq!(cards["components"][1]["type"], "CAROUSEL", "{cards}");
    assert_eq!(cards["components"][1]["cards"].as_array().unwrap().len(), 2);

    let components = percent(&order_update("x")["components"].to_string());
    let form = format!("name=form_made&category=UTILITY&language=en_US&components={components}");
    let formed = post_form(server, &ctx, "addTemplate", form)
        .await
        .status(200);
    assert_eq!(formed["name"], "form_made");

    let native = native_names(server, &ctx).await;
    assert!(native.contains(&"form_made".to_string()), "{native:?}");
    assert!(native.contains(&"order_ready".to_string()), "{native:?}");
    assert!(native.contains(&"summer_cards".to_string()), "{native:?}");
    let listed = get(server, &ctx, "templates", &[]).await.status(200);
    assert_eq!(listed["total"], native.len());
    let ours = listed["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "order_ready")
        .cloned()
        .unwrap();
    assert_eq!(ours["category"], "UTILITY");
    assert_eq!(ours["components"][0]["type"], "BODY");
    assert!(ours["namespace"].is_string());

    let removed = post(
        server,
        &ctx,
        "removeTemplate",
        &json!({"name": "order_ready"}),
    )
    .await
    .status(200);
    assert_eq!(removed["result"], "success");
    assert!(!native_names(server, &ctx)
        .await
        .contains(&"order_ready".to_string()));
    let gone = post(
        server,
        &ctx,
        "removeTemplate",
        &json!({"name": "order_ready"}),
    )
    .await
    .status(404);
    dialect_error(gone);
    let nameless = post(server, &ctx, "addTemplate", &json!({"category": "UTILITY"}))
        .await
        .status(400);
    assert_eq!(dialect_error(nameless), "invalid_body");
    let mut one_card = carousel("one_card");
    one_card["components"][1]["cards"]
        .as_array_mut()
        .unwrap()
        .pop();
    let refused = post(server, &ctx, "addTemplate", &one_card)
        .await
        .status(400);
    assert!(
        refused["error"].as_str().unwrap().contains("card"),
        "{refused}"
    );
}

async fn keys_and_channels_are_checked(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let other = Ctx {
        key: create_account(server, "other").await.1,
        channel: ctx.channel.clone(),
    };
    for method in ["messages", "templates", "settings", "checkAcks"] {
        let answer = get(server, &other, method, &[("messageId", "msg_x")])
            .await
            .status(404);
        dialect_error(answer);
        let bad = Ctx {
            key: "sk_not_a_key".into(),
            channel: ctx.channel.clone(),
        };
        let answer = get(server, &bad, method, &[]).await.status(401);
        assert!(
            answer["error"].as_str().unwrap().contains("token"),
            "{answer}"
        );
    }
    let form = format!("webhookUrl={}", percent("https://example.com/hook"));
    let set = post_form(server, &ctx, "webhook", form).await.status(200);
    assert_eq!(set["webhookUrl"], "https://example.com/hook");
    let native = subscribe(
        server,
        &ctx.key,
        json!({"url": "https://example.com/native", "format": "1msg"}),
    )
    .await;
    assert_eq!(
        native["format"], "1msg",
        "the native API takes the format too"
    );
    let huge = post_form(server, &ctx, "readMessage", "x".repeat(16 * 1024))
        .await
        .status(413);
    assert_eq!(dialect_error(huge), "payload_too_large");
    let answer = post(
        server,
        &other,
        "webhook",
        &json!({"webhookUrl": "https://example.com/h"}),
    )
    .await
    .status(404);
    dialect_error(answer);
    assert!(data(
        &server
            .get("/v1/subscriptions", &other.key)
            .await
            .status(200)
    )
    .is_empty());
}

fn small_bodies(c: &mut Config) {
    c.http.body_limit_bytes = 8 * 1024;
}

fn fast_webhooks(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
    c.webhooks.retry_schedule_ms = vec![50; 50];
}

on_both_backends!(
    webhook => super::webhook_gets_messages_and_acks where super::fast_webhooks,
    messages => super::messages_pages_and_filters,
    templates => super::templates_are_the_native_ones,
    access => super::keys_and_channels_are_checked where super::small_bodies,
);
