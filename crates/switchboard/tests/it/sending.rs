//! Sending over real HTTP through the mounted sandbox emulator, on SQLite and PostgreSQL:
//! every kind reaches the upstream as exactly the Cloud API JSON, the Cloud API path for any
//! version, every limit of core's table refused in Meta's shape, idempotency, per-chat order,
//! the 24-hour window, statuses, listing, mark-as-read, delivery under injected upstream
//! faults, and the channel's local rate limit.

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard::config::Config;

async fn upstream_sends(server: &TestServer) -> Vec<Value> {
    let resp = server.get("/sandbox/emulator/messages", NO_KEY).await;
    resp.parse::<Vec<Value>>()
}

fn every_kind(to: &str, quoted: &str) -> Vec<Value> {
    let base = |kind: &str, content: Value| {
        let mut m = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind});
        m[kind] = content;
        m
    };
    let interactive = |content: Value| base("interactive", content);
    vec![
        base(
            "text",
            json!({"body": "see https://example.com", "preview_url": true}),
        ),
        base(
            "image",
            json!({"link": "https://example.com/a.jpg", "caption": "a cat"}),
        ),
        base(
            "video",
            json!({"id": "1166846181421424", "caption": "clip"}),
        ),
        base("audio", json!({"link": "https://example.com/a.mp3"})),
        base(
            "document",
            json!({"link": "https://example.com/a.pdf", "caption": "invoice", "filename": "invoice.pdf"}),
        ),
        base("sticker", json!({"id": "798882015472548"})),
        base(
            "location",
            json!({"latitude": "37.483307", "longitude": "122.148981", "name": "Pablo Morales", "address": "1 Hacker Way"}),
        ),
        base(
            "contacts",
            json!([{"name": {"formatted_name": "John Smith", "first_name": "John"}, "phones": [{"phone": "+1 (940) 555-1234", "type": "HOME"}]}]),
        ),
        interactive(
            json!({"type": "button", "header": {"type": "text", "text": "Menu"}, "body": {"text": "Pick one"}, "footer": {"text": "Thanks"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}, {"type": "reply", "reply": {"id": "no", "title": "No"}}]}}),
        ),
        interactive(
            json!({"type": "list", "body": {"text": "Choose"}, "action": {"button": "Options",
            "sections": [{"title": "A", "rows": [{"id": "a1", "title": "First", "description": "the first"}]}, {"title": "B", "rows": [{"id": "b1", "title": "Second"}]}]}}),
        ),
        interactive(
            json!({"type": "cta_url", "body": {"text": "Visit us"}, "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://example.com"}}}),
        ),
        interactive(
            json!({"type": "location_request_message", "body": {"text": "Where are you?"}, "action": {"name": "send_location"}}),
        ),
        interactive(
            json!({"type": "product", "body": {"text": "Our best"}, "action": {"catalog_id": "367025965434465", "product_retailer_id": "SKU-1"}}),
        ),
        interactive(
            json!({"type": "product_list", "header": {"type": "text", "text": "Shop"}, "body": {"text": "Picks"},
            "action": {"catalog_id": "367025965434465", "sections": [{"title": "Top", "product_items": [{"product_retailer_id": "SKU-1"}, {"product_retailer_id": "SKU-2"}]}]}}),
        ),
        interactive(
            json!({"type": "catalog_message", "body": {"text": "Browse"}, "action": {"name": "catalog_message", "parameters": {"thumbnail_product_retailer_id": "SKU-1"}}}),
        ),
        interactive(
            json!({"type": "flow", "body": {"text": "Book"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890",
            "flow_cta": "Book now", "flow_action": "navigate", "flow_action_payload": {"screen": "WELCOME"}}}}),
        ),
        base("reaction", json!({"message_id": quoted, "emoji": "👍"})),
        {
            let mut m = base("text", json!({"body": "a quoted reply"}));
            m["context"] = json!({"message_id": quoted});
            m
        },
        base(
            "template",
            json!({"name": "hello_world", "language": {"code": "en_US"}}),
        ),
    ]
}

async fn every_kind_reaches_the_upstream_exactly(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let customer = "15551230001";
    let quoted = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &quoted, 10).await;
    let mut ids = Vec::new();
    for body in every_kind(&format!("+{customer}"), &quoted) {
        ids.push(send_ok(server, &ctx, &body).await);
    }
    let mut expected = Vec::new();
    for id in &ids {
        let m = wait_status(server, &ctx.key, id, &["sent", "delivered", "read"]).await;
        expected.push((
            m["upstream_id"].as_str().unwrap().to_string(),
            m["content"].clone(),
        ));
    }
    let sent = upstream_sends(server).await;
    assert_eq!(
        sent.len(),
        ids.len(),
        "each message reached the upstream once"
    );
    for (wamid, content) in expected {
        let at_upstream = sent
            .iter()
            .find(|s| s["wamid"] == wamid.as_str())
            .expect("recorded by the emulator");
        assert_eq!(
            at_upstream["body"], content,
            "the upstream got exactly the canonical JSON"
        );
        assert_eq!(at_upstream["body"]["to"], customer, "recipient normalized");
    }
}

async fn invalid_messages_get_meta_errors(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let to = "15551230002";
    let upstream = say(server, &ctx, to, "hi").await;
    wait_stored(server, &ctx, &upstream, 10).await;
    let long = "x".repeat(4097);
    let buttons: Vec<Value> = (0..4).map(|i| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": format!("B{i}")}})).collect();
    let cases = [
        (
            json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": long}}),
            100,
            "text.body",
        ),
        (
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}),
            131008,
            "to",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "not a number", "type": "text", "text": {"body": "x"}}),
            100,
            "to",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": to, "type": "interactive", "interactive": {"type": "button", "body": {"text": "x"}, "action": {"buttons": buttons}}}),
            100,
            "interactive.action.buttons",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": to, "type": "audio", "audio": {"link": "https://e.com/a.mp3", "caption": "no"}}),
            100,
            "audio.caption",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": to, "type": "hologram"}),
            131051,
            "type",
        ),
    ];
    for (body, code, path) in cases {
        let answer = send(server, &ctx, &body).await.status(400);
        assert_eq!(answer["error"]["code"], code, "{answer}");
        assert_eq!(answer["error"]["type"], "OAuthException");
        let details = answer["error"]["error_data"]["details"].as_str().unwrap();
        assert!(details.contains(path), "{details} should name {path}");
        assert!(answer["error"]["fbtrace_id"]
            .as_str()
            .unwrap()
            .starts_with("req_"));
    }
    let resp = server
        .call(
            server
                .req(
                    Method::POST,
                    &format!("/v1/channels/{}/messages", ctx.channel),
                    &ctx.key,
                )
                .header("content-type", "application/json")
                .body("{oops"),
        )
        .await;
    assert_eq!(resp.code, 400, "{}", resp.text);
    let listed = server
        .get(
            &format!("/v1/channels/{}/messages?direction=outbound", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert!(
        listed["data"].as_array().unwrap().is_empty(),
        "nothing stored for refused messages"
    );
    // Auth errors on the Cloud path are Meta-shaped too.
    let resp = server
        .post_json(
            &format!("/v23.0/{}/messages", ctx.channel),
            NO_KEY,
            &text_message(to, "x"),
        )
        .await;
    assert_eq!(resp.code, 401, "{}", resp.text);
    let body: Value = resp.json();
    assert_eq!(body["error"]["code"], 190);
}

async fn idempotency_replays_the_first_answer(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let path = format!("/v1/channels/{}/messages", ctx.channel);
    let send = |body: Value| {
        server.call(
            server
                .req(Method::POST, &path, &ctx.key)
                .header("Idempotency-Key", "order-1001")
                .json(&body),
        )
    };
    let first = send(hello_world("15551230003")).await;
    assert!(first.headers.get("idempotent-replayed").is_none());
    let first = first.status(200);
    let again = send(hello_world("15551230003")).await;
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.status(200), first);
    send(hello_world("15551230004")).await.status(422);
    // The same key and body on another channel of the account is another request: 422, and
    // never the first channel's answer.
    let second = create_sandbox_channel(server, &ctx.key, "second").await;
    server
        .call(
            server
                .req(
                    Method::POST,
                    &format!("/v1/channels/{second}/messages"),
                    &ctx.key,
                )
                .header("Idempotency-Key", "order-1001")
                .json(&hello_world("15551230003")),
        )
        .await
        .status(422);
    let id = first["messages"][0]["id"].as_str().unwrap();
    wait_status(server, &ctx.key, id, &["read"]).await;
    let listed = server
        .get(&format!("/v1/channels/{}/messages", ctx.channel), &ctx.key)
        .await
        .status(200);
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        1,
        "one message stored"
    );
    assert_eq!(upstream_sends(server).await.len(), 1, "one message sent");
}

async fn per_chat_order_is_kept(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let main = "15551230100";
    let others: Vec<String> = (0..10).map(|i| format!("155512302{i:02}")).collect();
    let upstream = say(server, &ctx, main, "hi").await;
    wait_stored(server, &ctx, &upstream, 10).await;
    for o in &others {
        let upstream = say(server, &ctx, o, "hi").await;
        wait_stored(server, &ctx, &upstream, 10).await;
    }
    let mut last = String::new();
    for i in 0..100 {
        last = send_ok(server, &ctx, &text_message(main, &format!("main {i:03}"))).await;
        let other = &others[i % others.len()];
        send_ok(server, &ctx, &text_message(other, &format!("other {i:03}"))).await;
    }
    wait_status(server, &ctx.key, &last, &["sent", "delivered", "read"]).await;
    eventually(20, "all 200 sends at the upstream", || async {
        (upstream_sends(server).await.len() == 200).then_some(())
    })
    .await;
    let sent = upstream_sends(server).await;
    let main_bodies: Vec<String> = sent
        .iter()
        .filter(|s| s["to"] == main)
        .map(|s| s["body"]["text"]["body"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..100).map(|i| format!("main {i:03}")).collect();
    assert_eq!(
        main_bodies, expected,
        "one chat's messages reach the upstream in order"
    );
    for o in &others {
        let bodies: Vec<&str> = sent
            .iter()
            .filter(|s| s["to"] == o.as_str())
            .map(|s| s["body"]["text"]["body"].as_str().unwrap())
            .collect();
        let mut sorted = bodies.clone();
        sorted.sort();
        assert_eq!(bodies, sorted, "chat {o} in order");
    }
    let first_other = sent.iter().position(|s| s["to"] != main).unwrap();
    let last_main = sent.iter().rposition(|s| s["to"] == main).unwrap();
    assert!(
        first_other < last_main,
        "other chats interleave with the busy one"
    );
}

async fn the_window_is_enforced_and_templates_pass(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let to = "15551230005";
    let answer = send(server, &ctx, &text_message(to, "hello"))
        .await
        .status(400);
    assert_eq!(answer["error"]["code"], 131047);
    let answer = send(server, &ctx, &hello_world(to)).await.status(200);
    assert!(answer["window_expires_at"].is_null());
    say(server, &ctx, to, "hello back").await;
    let answer = eventually(10, "the window to open", || async {
        let reply = send(server, &ctx, &text_message(to, "thanks for writing")).await;
        (reply.code == 200).then_some(reply)
    })
    .await
    .status(200);
    assert!(answer["window_expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(answer["contacts"][0]["wa_id"], to);
    assert_eq!(answer["messaging_product"], "whatsapp");
}

async fn statuses_reach_read_and_are_monotonic(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let id = send_ok(server, &ctx, &hello_world("15551230006")).await;
    let m = wait_status(server, &ctx.key, &id, &["read"]).await;
    let history: Vec<&str> = m["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(&history[..2], ["accepted", "sent"]);
    assert!(history.contains(&"delivered"));
    assert_eq!(history.last(), Some(&"read"));
    assert!(m["upstream_id"].as_str().unwrap().starts_with("wamid."));
    assert_eq!(m["attempts"], 1);
    // An undeliverable number fails with Meta's 131026 kept on the message.
    let failed = send_ok(
        server,
        &ctx,
        &hello_world(&format!(
            "1555123{}",
            switchboard::SANDBOX_UNDELIVERABLE_SUFFIX
        )),
    )
    .await;
    let m = wait_status(server, &ctx.key, &failed, &["failed"]).await;
    assert_eq!(m["error"][0]["code"], 131026, "{m}");
}

async fn listing_filters_and_pages(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(send_ok(server, &ctx, &hello_world(&format!("1555123050{i}"))).await);
    }
    let inbound = say(server, &ctx, "15551230509", "hi").await;
    wait_stored(server, &ctx, &inbound, 10).await;
    let ctx = &ctx;
    let list = |query: String| {
        let path = format!("/v1/channels/{}/messages?{query}", ctx.channel);
        async move { server.get(&path, &ctx.key).await.status(200) }
    };
    let page1 = list("limit=4&direction=outbound".into()).await;
    assert_eq!(page1["data"].as_array().unwrap().len(), 4);
    let next = page1["next"].as_str().unwrap().to_string();
    let page2 = list(format!("limit=4&direction=outbound&after={next}")).await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert!(page2["next"].is_null());
    let chat = list("chat=%2B1%20555%20123%200502".into()).await;
    assert_eq!(chat["data"][0]["id"], ids[2].as_str());
    let inbound_only = list("direction=inbound".into()).await;
    assert_eq!(inbound_only["data"][0]["content"]["text"]["body"], "hi");
    let by_id = list(format!("message_id={}", ids[4])).await;
    assert_eq!(by_id["data"].as_array().unwrap().len(), 1);
    let future = list("since=2100-01-01T00:00:00Z".into()).await;
    assert!(future["data"].as_array().unwrap().is_empty());
    let resp = server
        .get(
            &format!("/v1/channels/{}/messages?status=lost", ctx.channel),
            &ctx.key,
        )
        .await;
    assert_eq!(resp.error(400), "invalid_parameter");
    let resp = server
        .get(&format!("/v1/messages/{}", ids[0]), "sb_nope")
        .await;
    assert_eq!(resp.code, 401, "{}", resp.text);
    let (_, other_key) = create_account(server, "other").await;
    let resp = server
        .get(&format!("/v1/messages/{}", ids[0]), &other_key)
        .await;
    assert_eq!(resp.error(404), "not_found", "another account's message");
}

async fn inbound_messages_are_marked_read(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let upstream = say(server, &ctx, "15551230007", "please read me").await;
    let m = wait_stored(server, &ctx, &upstream, 10).await;
    assert_eq!(m["status"], "received");
    let resp = server
        .post_json(
            &format!("/v23.0/{}/messages", ctx.channel),
            &ctx.key,
            &json!({"messaging_product": "whatsapp", "status": "read", "message_id": upstream}),
        )
        .await;
    assert_eq!(resp.status(200), json!({"success": true}));
    let after = message(server, &ctx.key, m["id"].as_str().unwrap()).await;
    assert_eq!(after["status"], "read");
    let resp = send(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.unknown"}),
    )
    .await;
    let body = resp.status(400);
    assert_eq!(body["error"]["code"], 100);
}

async fn faults_lose_nothing_and_keep_order(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let chats: Vec<String> = (0..5).map(|i| format!("155512307{i:02}")).collect();
    for c in &chats {
        let upstream = say(server, &ctx, c, "hi").await;
        wait_stored(server, &ctx, &upstream, 10).await;
    }
    // The hangs end in a 504 well within the test server's 10 s upstream timeout, so every
    // fault is an answered failure and an exact count at the upstream cannot be upset by a
    // slow machine; the server's own timeout is exercised by faults_small.rs.
    let resp = server
        .post_json(
            "/sandbox/emulator/faults",
            NO_KEY,
            &json!({"error_5xx_rate": 0.2, "timeout_rate": 0.05, "timeout_ms": 1500}),
        )
        .await;
    resp.ok();
    let mut ids = Vec::new();
    for i in 0..60 {
        let chat = &chats[i % chats.len()];
        ids.push(
            send_ok(
                server,
                &ctx,
                &text_message(chat, &format!("{chat} #{i:03}")),
            )
            .await,
        );
    }
    for id in &ids {
        wait_status(server, &ctx.key, id, &["sent", "delivered", "read"]).await;
    }
    let sent = upstream_sends(server).await;
    assert_eq!(
        sent.len(),
        60,
        "each message accepted upstream exactly once"
    );
    for c in &chats {
        let bodies: Vec<&str> = sent
            .iter()
            .filter(|s| s["to"] == c.as_str())
            .map(|s| s["body"]["text"]["body"].as_str().unwrap())
            .collect();
        let mut sorted = bodies.clone();
        sorted.sort();
        assert_eq!(bodies, sorted, "order kept for {c}");
    }
    let retried = {
        let mut n = 0;
        for id in &ids {
            if message(server, &ctx.key, id).await["attempts"]
                .as_u64()
                .unwrap()
                > 1
            {
                n += 1;
            }
        }
        n
    };
    assert!(retried > 0, "faults were injected and retried");
}

async fn the_cloud_path_sends_for_any_version(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let mut sent_ids = Vec::new();
    for (version, to) in [("v23.0", "15551230801"), ("v19.0", "15551230802")] {
        let upstream = say(server, &ctx, to, "hi").await;
        wait_stored(server, &ctx, &upstream, 10).await;
        let body = text_message(to, &format!("through {version}"));
        let answer = server
            .post_json(
                &format!("/{version}/{}/messages", ctx.channel),
                &ctx.key,
                &body,
            )
            .await
            .status(200);
        assert_eq!(answer["messaging_product"], "whatsapp", "{answer}");
        assert_eq!(answer["contacts"][0]["input"], to, "{answer}");
        assert_eq!(answer["contacts"][0]["wa_id"], to, "{answer}");
        let id = answer["messages"][0]["id"].as_str().unwrap().to_string();
        let m = wait_status(server, &ctx.key, &id, &["sent", "delivered", "read"]).await;
        sent_ids.push((m["upstream_id"].as_str().unwrap().to_string(), body));
    }
    let upstream = upstream_sends(server).await;
    assert_eq!(upstream.len(), 2, "each send reached the emulator once");
    for (wamid, body) in &sent_ids {
        let at = upstream
            .iter()
            .find(|s| s["wamid"] == wamid.as_str())
            .expect("recorded by the emulator");
        assert_eq!(at["body"]["text"], body["text"]);
    }
    for bad in ["23.0", "v23", "vX.0", "v23.0.1"] {
        let resp = server
            .post_json(
                &format!("/{bad}/{}/messages", ctx.channel),
                &ctx.key,
                &text_message("15551230801", "never sent"),
            )
            .await;
        let answer = resp.status(404);
        assert_eq!(answer["error"]["code"], 100, "{bad}: {answer}");
        let details = answer["error"]["error_data"]["details"].as_str().unwrap();
        assert!(
            details.contains(bad) && details.contains("v23.0"),
            "{bad}: the details name the segment and the expected form: {details}"
        );
    }
    let outbound = server
        .get(
            &format!("/v1/channels/{}/messages?direction=outbound", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(
        outbound["data"].as_array().unwrap().len(),
        2,
        "nothing stored for a malformed version"
    );
}

/// Whether `details` names `path`: it contains the whole path, or starts with a leading part
/// of it that ends at a segment boundary (`interactive.action.sections: …` for a row).
fn names_path(details: &str, path: &str) -> bool {
    details.contains(path)
        || path
            .match_indices(['.', '['])
            .any(|(i, _)| details.starts_with(&format!("{}:", &path[..i])))
}

async fn every_limit_of_the_table_is_refused(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let cases = switchboard_core::testing::limit_cases::cases();
    assert!(cases.len() > 90, "the whole table of core's limit test");
    for (what, body, code, path) in cases {
        let reply = send(server, &ctx, &body).await;
        assert_eq!(reply.code, 400, "{what}: {}", reply.text);
        let answer = reply.json();
        let error = &answer["error"];
        assert_eq!(error["code"], code, "{what}: {answer}");
        assert_eq!(error["type"], "OAuthException", "{what}");
        let details = error["error_data"]["details"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no error_data.details in {answer}"));
        let library = switchboard_core::message::parse_request(&body)
            .expect_err(&format!("{what}: the library accepts it"));
        assert_eq!(
            details, library.details,
            "{what}: the library's explanation"
        );
        assert!(
            path.is_empty() || names_path(details, path),
            "{what}: {details:?} does not name {path}"
        );
    }
    let listed = server
        .get(&format!("/v1/channels/{}/messages", ctx.channel), &ctx.key)
        .await
        .status(200);
    assert!(
        listed["data"].as_array().unwrap().is_empty(),
        "nothing stored for refused messages"
    );
    assert!(upstream_sends(server).await.is_empty(), "nothing sent");
}

/// With `channel_mps` = 5 the channel's bucket holds 5 tokens and earns 5 a second, so the
/// emulator never sees more than 5 + 5 sends in any second, and 30 sends queued at once take
/// at least (30 − 5) / 5 = 5 s. Both are bounds a slow machine only moves further away from.
async fn the_channel_rate_is_kept(server: &TestServer) {
    let mps = server.config.dispatch.channel_mps;
    assert_eq!(mps, 5.0);
    let burst = mps;
    let ctx = setup_sandbox(server).await;
    // One send first: the sandbox's first send is slow (it loads its tables), and a slow
    // first send bunched with the next ones would only blur the picture.
    let warm = send_ok(server, &ctx, &hello_world("15551230999")).await;
    wait_status(server, &ctx.key, &warm, &["sent", "delivered", "read"]).await;
    // Queued all at once, so that without the limit they would leave in a rush.
    let batch = 30;
    let bodies: Vec<Value> = (0..batch)
        .map(|i| hello_world(&format!("155512309{i:02}")))
        .collect();
    let ids =
        futures::future::join_all(bodies.iter().map(|body| send_ok(server, &ctx, body))).await;
    let sent = eventually(60, "all paced sends at the upstream", || async {
        let sent = upstream_sends(server).await;
        (sent.len() > batch).then_some(sent)
    })
    .await;
    assert_eq!(sent.len(), batch + 1, "each message sent once");
    let mut times: Vec<i64> = sent
        .iter()
        .map(|s| s["time_ms"].as_i64().unwrap())
        .collect();
    times.sort();
    let most = (mps + burst) as usize;
    for (i, start) in times.iter().enumerate() {
        let in_second = times[i..].iter().take_while(|t| **t < start + 1000).count();
        assert!(
            in_second <= most,
            "{in_second} sends within 1 s from {start}, at most {most} allowed: {times:?}"
        );
    }
    // The batch was queued after the warm-up send was accepted upstream, and its 30 tokens
    // need 5 s of refill beyond the 5 the bucket holds.
    let least_ms = ((batch as f64 - burst) / mps * 1000.0) as i64;
    let span = times[batch] - times[0];
    assert!(
        span >= least_ms - 10,
        "30 sends took {span} ms, the channel rate allows no less than {least_ms} ms: {times:?}"
    );
    for id in &ids {
        wait_status(server, &ctx.key, id, &["sent", "delivered", "read"]).await;
    }
}

/// What real Cloud API client libraries send: `null` for optional fields and JSON-encoded
/// strings for object and array parameters. Both are read as Meta reads them; the upstream
/// gets the plain message.
async fn client_library_bodies_are_read_like_meta(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let customer = "15551230009";
    let upstream = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &upstream, 10).await;
    let location = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": customer, "type": "location", "context": null,
            "location": {"latitude": 37.48, "longitude": 122.14, "name": null, "address": null}}),
    )
    .await;
    let contacts = json!([{"name": {"formatted_name": "John Smith", "first_name": "John"},
        "phones": [{"phone": "+1 (940) 555-1234", "type": "HOME"}]}]);
    let card = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": customer, "type": "contacts",
            "contacts": contacts.to_string()}),
    )
    .await;
    let m = wait_status(server, &ctx.key, &location, &["sent", "delivered", "read"]).await;
    assert_eq!(
        m["content"]["location"],
        json!({"latitude": 37.48, "longitude": 122.14})
    );
    let m = wait_status(server, &ctx.key, &card, &["sent", "delivered", "read"]).await;
    assert_eq!(m["content"]["contacts"], contacts);
    let sent = upstream_sends(server).await;
    let wamid = m["upstream_id"].as_str().unwrap();
    let at_upstream = sent.iter().find(|s| s["wamid"] == wamid).unwrap();
    assert_eq!(
        at_upstream["body"]["contacts"], contacts,
        "decoded on the wire"
    );

    let answer = send(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": customer, "type": "contacts",
            "contacts": "[{\"name\": "}),
    )
    .await
    .status(400);
    assert_eq!(answer["error"]["code"], 100, "{answer}");
    let details = answer["error"]["error_data"]["details"].as_str().unwrap();
    assert!(details.contains("not valid JSON"), "{details}");
    let answer = send(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": null, "type": "text", "text": {"body": "x"}}),
    )
    .await
    .status(400);
    assert_eq!(
        answer["error"]["code"], 131008,
        "a null required field is missing: {answer}"
    );
}

on_both_backends!(
    every_kind => super::every_kind_reaches_the_upstream_exactly,
    invalid_messages => super::invalid_messages_get_meta_errors,
    idempotency => super::idempotency_replays_the_first_answer,
    per_chat_order => super::per_chat_order_is_kept,
    window => super::the_window_is_enforced_and_templates_pass,
    statuses => super::statuses_reach_read_and_are_monotonic,
    listing => super::listing_filters_and_pages,
    mark_read => super::inbound_messages_are_marked_read,
    faults => super::faults_lose_nothing_and_keep_order,
    cloud_path => super::the_cloud_path_sends_for_any_version,
    limit_table => super::every_limit_of_the_table_is_refused,
    client_library_bodies => super::client_library_bodies_are_read_like_meta,
    channel_rate => super::the_channel_rate_is_kept where |c: &mut Config| c.dispatch.channel_mps = 5.0,
);
