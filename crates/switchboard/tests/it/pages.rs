//! Messenger and Instagram channels end to end over real HTTP: a sandbox page on the mounted
//! emulator's Send API, a simulated user who writes, taps a quick reply and blocks the page;
//! replies with text, an image and buttons; Messenger's delivery and read watermarks and
//! Instagram's read receipts; webhook subscriptions; the signature check; the 24-hour window
//! refused before any upstream call and `HUMAN_AGENT` within 7 days; Meta's throttling retried.

use serde_json::{json, Value};

use crate::common::*;

fn private_targets(c: &mut switchboard::config::Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
}

on_both_backends! {
    a_messenger_page_chats_end_to_end => messenger_chats where private_targets,
    an_instagram_account_chats_end_to_end => instagram_chats where private_targets,
    forged_meta_signatures_are_refused => forged_signatures_are_refused,
    the_window_is_enforced_before_the_upstream => window_before_upstream,
    blocked_users_fail_and_throttling_is_retried => blocked_and_throttled,
    broadcasts_follow_the_page_window => broadcast_on_a_page,
    generic_templates_are_cards_of_pages_only => generic_templates,
}

/// A sandbox page of `kind` and its id in the emulator (the Page id or IG account id).
struct Page {
    account: String,
    ctx: Ctx,
    id: String,
    verify_token: String,
}

async fn page_of(server: &TestServer, kind: &str) -> Page {
    let (account, key) = create_account(server, kind).await;
    let created = server
        .post_json(
            "/v1/channels",
            &key,
            json!({"name": "shop", "kind": kind, "sandbox": true}),
        )
        .await
        .status(201);
    assert_eq!(created["kind"], kind);
    let id_field = if kind == "instagram" {
        "ig_account_id"
    } else {
        "page_id"
    };
    let id = string(&created["settings"][id_field]);
    let channel = string(&created["id"]);
    assert!(
        string(&created["webhook_url"]).ends_with(&format!("/webhooks/meta/{channel}")),
        "{created}"
    );
    Page {
        account,
        ctx: Ctx { key, channel },
        id,
        verify_token: string(&created["settings"]["verify_token"]),
    }
}

/// The user `user` acts through the sandbox route; returns the stored inbound message.
async fn user_does(server: &TestServer, page: &Page, user: &str, action: Value) -> Value {
    let mut body = action;
    body["from"] = json!(user);
    let upstream = inject(server, &page.ctx, &body).await;
    assert!(!upstream.is_empty(), "a mid is returned");
    wait_stored(server, &page.ctx, &upstream, 20).await
}

/// The first bytes of a PNG file (enough for the media store's type sniffing).
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A CDN on 127.0.0.1 answering every GET with `bytes` as `image/png`; returns its base URL.
async fn cdn_serving(bytes: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move || async move {
        ([(axum::http::header::CONTENT_TYPE, "image/png")], bytes)
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn text_to(user: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": user, "type": "text", "text": {"body": body}})
}

async fn emulator_sends_to(server: &TestServer, user: &str) -> usize {
    emulator_requests(server)
        .await
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/messages") && !p.contains("/emulator/"))
                && r["body"].to_string().contains(user)
        })
        .count()
}

async fn messenger_chats(server: &TestServer) {
    chats_end_to_end(server, "messenger", "delivered").await;
}

async fn instagram_chats(server: &TestServer) {
    chats_end_to_end(server, "instagram", "read").await;
}

/// Inbound → text, image and buttons → a quick-reply tap → receipts → webhook events.
/// `first_receipt` is the first status after `sent` the platform reports.
async fn chats_end_to_end(server: &TestServer, kind: &str, first_receipt: &str) {
    let page = page_of(server, kind).await;
    let ctx = &page.ctx;
    let events = Receiver::start(0).await;
    subscribe(
        server,
        &ctx.key,
        json!({"url": events.url, "events": ["message.received", "message.sent", "message.read"]}),
    )
    .await;
    let user = "6123450001";
    let hello = user_does(server, &page, user, json!({"text": "hello shop"})).await;
    assert_eq!(hello["type"], "text", "{hello}");
    assert_eq!(hello["content"]["text"]["body"], "hello shop");
    events.wait_for_message(&string(&hello["id"])).await;
    // Marking it read marks the conversation seen upstream.
    let read = send(
        server,
        ctx,
        &json!({"messaging_product": "whatsapp", "status": "read", "message_id": hello["id"]}),
    )
    .await
    .status(200);
    assert_eq!(read["success"], true, "{read}");
    assert_eq!(
        message(server, &ctx.key, &string(&hello["id"])).await["status"],
        "read"
    );

    let text = send_ok(server, ctx, &text_to(user, "Welcome!")).await;
    let image = send_ok(
        server,
        ctx,
        &json!({"messaging_product": "whatsapp", "to": user,
            "type": "image", "image": {"link": "https://example.com/cat.jpg"}}),
    )
    .await;
    let buttons = send_ok(
        server,
        ctx,
        &json!({"messaging_product": "whatsapp", "to": user,
        "type": "interactive", "interactive": {"type": "button", "body": {"text": "Confirm?"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "order-77-yes", "title": "Yes"}},
            {"type": "reply", "reply": {"id": "order-77-no", "title": "No"}}]}}}),
    )
    .await;
    for id in [&text, &image, &buttons] {
        let m = wait_status(server, &ctx.key, id, &["read", "failed"]).await;
        assert_eq!(m["status"], "read", "{m}");
        // The receipt is in the history (a delivery report may arrive after the read
        // watermark that covered the message, and is then recorded without moving it).
        eventually(
            20,
            &format!("{first_receipt} in the history of {id}"),
            || async {
                let m = message(server, &ctx.key, id).await;
                m["status_history"]
                    .as_array()
                    .is_some_and(|h| h.iter().any(|e| e["status"] == first_receipt))
                    .then_some(())
            },
        )
        .await;
    }
    events.wait_for_message(&text).await;

    // The quick reply the user taps comes back as a button reply with our id.
    let tapped = user_does(
        server,
        &page,
        user,
        json!({"text": "Yes", "quick_reply": {"payload": "order-77-yes"}}),
    )
    .await;
    let reply = &tapped["content"]["interactive"]["button_reply"];
    assert_eq!(reply["id"], "order-77-yes", "{tapped}");
    assert_eq!(reply["title"], "Yes", "{tapped}");
    events.wait_for_message(&string(&tapped["id"])).await;

    // A photo the user sends is fetched from its CDN URL into the media store.
    let cdn = cdn_serving(PNG).await;
    let photo = user_does(
        server,
        &page,
        user,
        json!({"attachments": [{"type": "image", "payload": {"url": format!("{cdn}/photo.png")}}]}),
    )
    .await;
    assert_eq!(photo["type"], "image", "{photo}");
    let media_id = string(&photo["content"]["image"]["media_id"]);
    let stored = server
        .get(&format!("/v1/media/{media_id}/content"), &ctx.key)
        .await;
    assert_eq!(stored.code, 200);
    assert_eq!(stored.bytes, PNG);

    // A reaction to our buttons message.
    let buttons_upstream = string(&message(server, &ctx.key, &buttons).await["upstream_id"]);
    let reacted = inject(
        server,
        ctx,
        &json!({"from": user, "reaction": {"mid": buttons_upstream, "emoji": "👍"}}),
    )
    .await;
    assert_eq!(
        reacted, buttons_upstream,
        "the answer names the message reacted to"
    );
    let reaction = eventually(20, "the reaction", || async {
        inbound_messages(server, ctx)
            .await
            .into_iter()
            .find(|m| m["type"] == "reaction")
    })
    .await;
    assert_eq!(reaction["type"], "reaction", "{reaction}");
    assert_eq!(
        reaction["content"]["reaction"]["message_id"],
        buttons_upstream.as_str()
    );

    // What the channel cannot carry is refused, naming what it can.
    let location = send(
        server,
        ctx,
        &json!({"messaging_product": "whatsapp", "to": user, "type": "location",
            "location": {"latitude": 1.0, "longitude": 2.0}}),
    )
    .await
    .status(422);
    let details = string(&location["error"]["error_data"]["details"]);
    assert!(details.starts_with("unsupported_message_kind"), "{details}");
    assert!(details.contains(kind), "{details}");
}

async fn forged_signatures_are_refused(server: &TestServer) {
    let page = page_of(server, "messenger").await;
    let path = format!("/webhooks/meta/{}", page.ctx.channel);
    let body = json!({"object": "page", "entry": [{"id": page.id, "time": 1, "messaging": [
        {"sender": {"id": "6123450009"}, "recipient": {"id": page.id}, "timestamp": 1750000000000_i64,
         "message": {"mid": "m_forged", "text": "forged"}}]}]});
    for signature in [None, Some("sha256=00"), Some("not-a-signature")] {
        let mut request = server.req(reqwest::Method::POST, &path, NO_KEY).json(&body);
        if let Some(s) = signature {
            request = request.header("X-Hub-Signature-256", s);
        }
        assert_eq!(server.call(request).await.error(401), "unauthorized");
    }
    let list = server
        .get(
            &format!("/v1/channels/{}/messages", page.ctx.channel),
            &page.ctx.key,
        )
        .await
        .status(200);
    assert!(data(&list).is_empty(), "nothing stored: {list}");

    // The subscription handshake answers only the channel's verify token.
    let shown = server
        .get(&format!("/v1/channels/{}", page.ctx.channel), &page.ctx.key)
        .await
        .status(200);
    assert!(shown.to_string().contains("webhooks/meta"), "{shown}");
    let wrong = server
        .get(
            &format!("{path}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=42"),
            NO_KEY,
        )
        .await;
    assert_eq!(wrong.error(403), "forbidden");
    let challenge = server
        .call(server.req(reqwest::Method::GET, &path, NO_KEY).query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", page.verify_token.as_str()),
            ("hub.challenge", "1158201444"),
        ]))
        .await;
    assert_eq!(challenge.code, 200);
    assert_eq!(challenge.text, "1158201444");
    // A cloud webhook URL does not serve a page, nor the page URL a cloud channel.
    let cloud = server
        .get(&format!("/webhooks/cloud/{}", page.ctx.channel), NO_KEY)
        .await;
    assert_eq!(cloud.error(404), "not_found");

    // A malformed PSID is refused naming `to` and its form.
    let bad = send(server, &page.ctx, &text_to("not-a-psid", "hi"))
        .await
        .status(400);
    let details = string(&bad["error"]["error_data"]["details"]);
    assert!(
        details.starts_with("to:") && details.contains("PSID"),
        "{details}"
    );
}

async fn window_before_upstream(server: &TestServer) {
    for (kind, users) in [("messenger", "61234500"), ("instagram", "71234500")] {
        let page = page_of(server, kind).await;
        let day_ms = 24 * 3600 * 1000_i64;
        let now = switchboard_core::time::now_millis();
        // Two days ago: outside the 24 hours, inside HUMAN_AGENT's 7 days.
        let recent = &format!("{users}20");
        user_does(
            server,
            &page,
            recent,
            json!({"text": "hi", "timestamp": now - 2 * day_ms}),
        )
        .await;
        // Eight days ago: outside both.
        let old = &format!("{users}21");
        user_does(
            server,
            &page,
            old,
            json!({"text": "hi", "timestamp": now - 8 * day_ms}),
        )
        .await;
        let never = &format!("{users}22");
        for user in [recent, old, never] {
            let refused = send(server, &page.ctx, &text_to(user, "are you there?"))
                .await
                .status(400);
            assert_eq!(refused["error"]["code"], 10, "{refused}");
            let subcode = if kind == "messenger" {
                2018278
            } else {
                2534022
            };
            assert_eq!(refused["error"]["error_subcode"], subcode, "{refused}");
            let details = string(&refused["error"]["error_data"]["details"]);
            assert!(details.contains("HUMAN_AGENT"), "{details}");
            assert_eq!(emulator_sends_to(server, user).await, 0, "no upstream call");
        }
        let mut tagged = text_to(recent, "A colleague here: your refund is on its way.");
        tagged["tag"] = json!("HUMAN_AGENT");
        let id = send_ok(server, &page.ctx, &tagged).await;
        let m = wait_status(
            server,
            &page.ctx.key,
            &id,
            &["sent", "read", "delivered", "failed"],
        )
        .await;
        assert_ne!(m["status"], "failed", "{m}");
        let mut too_late = text_to(old, "sorry for the wait");
        too_late["tag"] = json!("HUMAN_AGENT");
        too_late["messaging_type"] = json!("MESSAGE_TAG");
        let refused = send(server, &page.ctx, &too_late).await.status(400);
        assert!(string(&refused["error"]["error_data"]["details"]).contains("7 days"));
        let mut other_tag = text_to(recent, "x");
        other_tag["tag"] = json!("CONFIRMED_EVENT_UPDATE");
        let refused = send(server, &page.ctx, &other_tag).await.status(400);
        assert!(string(&refused["error"]["error_data"]["details"]).contains("tag"));
    }
    // WhatsApp channels take no tag.
    let ctx = setup_sandbox(server).await;
    let mut tagged = text_message("15551230077", "hi");
    tagged["tag"] = json!("HUMAN_AGENT");
    let refused = send(server, &ctx, &tagged).await.status(400);
    assert!(string(&refused["error"]["error_data"]["details"]).contains("tag"));
}

async fn blocked_and_throttled(server: &TestServer) {
    let page = page_of(server, "messenger").await;
    let user = "6123450030";
    user_does(server, &page, user, json!({"text": "hi"})).await;
    server
        .post_json(
            &format!("/sandbox/emulator/pages/{}/users/{user}/block", page.id),
            NO_KEY,
            json!({}),
        )
        .await
        .status(200);
    let refused = send_ok(server, &page.ctx, &text_to(user, "still there?")).await;
    let failed = wait_status(server, &page.ctx.key, &refused, &["failed", "sent"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed["error"].to_string().contains("551"), "{failed}");
    assert_eq!(failed["attempts"], 1, "permanent: not retried: {failed}");
    let channel = server
        .get(
            &format!("/v1/channels/{}/status", page.ctx.channel),
            &page.ctx.key,
        )
        .await
        .status(200);
    assert_eq!(
        channel["status"], "active",
        "a blocked user is no channel error: {channel}"
    );

    // One call per second: the second of two quick sends is throttled (613), retried after a
    // backoff and delivered.
    let other = "6123450031";
    user_does(server, &page, other, json!({"text": "hello"})).await;
    emulator_faults(server, json!({"channel_rate_limit_mps": 1})).await;
    let first = send_ok(server, &page.ctx, &text_to(other, "one")).await;
    let second = send_ok(server, &page.ctx, &text_to(other, "two")).await;
    for id in [&first, &second] {
        let m = wait_status_at(
            server,
            &page.ctx.key,
            &format!("/v1/messages/{id}"),
            &["sent", "delivered", "read", "failed"],
            30,
        )
        .await;
        assert_ne!(m["status"], "failed", "{m}");
    }
    let requests = emulator_requests(server).await;
    let throttled = requests
        .iter()
        .filter(|r| {
            r["status"] == 400 && r["path"].as_str().is_some_and(|p| p.ends_with("/messages"))
        })
        .count();
    assert!(
        throttled >= 1,
        "the emulator throttled at least once: {requests:?}"
    );
}

async fn broadcast_on_a_page(server: &TestServer) {
    let page = page_of(server, "messenger").await;
    add_credits(server, &page.account, 10).await;
    let now = switchboard_core::time::now_millis();
    let recent = "6123450040";
    let lapsed = "6123450041";
    user_does(server, &page, recent, json!({"text": "hi"})).await;
    user_does(
        server,
        &page,
        lapsed,
        json!({"text": "hi", "timestamp": now - 2 * 24 * 3600 * 1000}),
    )
    .await;
    // PSIDs are 16 digits: kept as given, not read as phone numbers.
    let created = server
        .post_json(
            "/v1/broadcasts",
            &page.ctx.key,
            &json!({"channel_id": page.ctx.channel,
                "message": {"type": "text", "text": {"body": "Our shop opens at 9 tomorrow"}},
                "audience": {"numbers": [recent, lapsed]}}),
        )
        .await
        .status(201);
    let id = string(&created["id"]);
    let done = wait_status_at(
        server,
        &page.ctx.key,
        &format!("/v1/broadcasts/{id}"),
        &["completed"],
        60,
    )
    .await;
    assert_eq!(done["counters"]["failed"], 1, "{done}");
    let targets = server
        .get(&format!("/v1/broadcasts/{id}/targets"), &page.ctx.key)
        .await
        .status(200);
    let of = |user: &str| {
        data(&targets)
            .into_iter()
            .find(|t| t.to_string().contains(user))
            .unwrap_or_else(|| panic!("{user} in {targets}"))
    };
    let failed = of(lapsed);
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], 10, "{failed}");
    assert_eq!(failed["error"]["error_subcode"], 2018278, "{failed}");
    assert_ne!(of(recent)["status"], "failed", "{targets}");
    assert_eq!(
        emulator_sends_to(server, lapsed).await,
        0,
        "no upstream call"
    );
    // A kind the page cannot carry is refused when the broadcast is created.
    let refused = server
        .post_json(
            "/v1/broadcasts",
            &page.ctx.key,
            &json!({"channel_id": page.ctx.channel,
                "message": {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}},
                "audience": {"numbers": [recent]}}),
        )
        .await;
    assert_eq!(refused.error(422), "unsupported_message_kind");
}

/// Cards (the generic template) reach a page's Send API as Meta's generic template, and a
/// postback button's tap comes back as a button reply carrying its payload; a WhatsApp
/// channel refuses them before any upstream call.
async fn generic_templates(server: &TestServer) {
    let page = page_of(server, "messenger").await;
    let ctx = &page.ctx;
    let user = "6123450009";
    user_does(server, &page, user, json!({"text": "show me hats"})).await;
    let elements = json!([
        {"title": "Blue hat", "subtitle": "€20", "image_url": "https://example.com/hat.jpg",
         "default_action": {"type": "web_url", "url": "https://example.com/hat"},
         "buttons": [{"type": "postback", "title": "Buy", "payload": "BUY_BLUE_HAT"},
                     {"type": "phone_number", "title": "Call us", "payload": "+15551234567"}]},
        {"title": "Red scarf", "subtitle": "€15"}
    ]);
    let cards = json!({"messaging_product": "whatsapp", "to": user, "type": "interactive",
        "interactive": {"type": "generic", "action": {"elements": elements}}});
    let id = send_ok(server, ctx, &cards).await;
    let m = wait_status(server, &ctx.key, &id, &["delivered", "read", "failed"]).await;
    assert_ne!(m["status"], "failed", "{m}");
    let sent = emulator_requests(server)
        .await
        .into_iter()
        .find(|r| r["body"]["message"]["attachment"]["payload"]["template_type"] == "generic")
        .expect("the generic template reached the Send API");
    assert_eq!(
        sent["body"]["message"]["attachment"]["payload"]["elements"], elements,
        "{sent}"
    );
    let tapped = user_does(
        server,
        &page,
        user,
        json!({"postback": {"title": "Buy", "payload": "BUY_BLUE_HAT"}}),
    )
    .await;
    assert_eq!(
        tapped["content"]["interactive"]["button_reply"]["id"], "BUY_BLUE_HAT",
        "{tapped}"
    );

    // Over the limits: refused with the element named, before any upstream call.
    let mut long = cards.clone();
    long["interactive"]["action"]["elements"][1]["title"] = json!("x".repeat(81));
    let refused = send(server, ctx, &long).await.status(400);
    assert_eq!(
        refused["error"]["error_data"]["details"]
            .as_str()
            .map(|d| d.starts_with("interactive.action.elements[1].title")),
        Some(true),
        "{refused}"
    );

    // WhatsApp has no generic template.
    let wa = setup_sandbox(server).await;
    let phone = "15551240009";
    let upstream = say(server, &wa, phone, "hi").await;
    wait_stored(server, &wa, &upstream, 20).await;
    let mut on_whatsapp = cards.clone();
    on_whatsapp["to"] = json!(phone);
    let refused = send(server, &wa, &on_whatsapp).await.status(422);
    let details = refused["error"]["error_data"]["details"]
        .as_str()
        .unwrap_or_default();
    assert!(
        details.starts_with("unsupported_message_kind") && details.contains("interactive/generic"),
        "{refused}"
    );
}
