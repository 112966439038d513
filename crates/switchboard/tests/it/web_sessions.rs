//! WhatsApp Web channels end to end over real HTTP, on the emulator's fake phone (the
//! session driver the sandbox mounts): start → QR codes (PNG and JSON) → the phone scans →
//! working; an inbound message stored once; sends with their statuses; a text fallback for
//! buttons; logout wipes the pairing; a restart resumes a paired session without a QR code;
//! pairing by code; failures (QR timeout, reconnects exhausted, the phone unlinking).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

fn quick_sessions(c: &mut switchboard::config::Config) {
    c.web.poll_ms = 50;
    c.web.lease_ttl_ms = 2_000;
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
    c.sandbox.web_reconnect_ms = 50;
}

/// Short QR codes: three of 300 ms.
fn short_qr_codes(c: &mut switchboard::config::Config) {
    quick_sessions(c);
    c.sandbox.web_qr_first_ms = 300;
    c.sandbox.web_qr_next_ms = 300;
    c.web.max_qr_codes = 3;
}

/// Two reconnects in a row at most.
fn few_restarts(c: &mut switchboard::config::Config) {
    quick_sessions(c);
    c.web.max_restarts = 2;
}

on_both_backends! {
    a_web_channel_pairs_sends_receives_and_logs_out => pairs_sends_receives_and_logs_out where quick_sessions,
    session_requests_are_checked => requests_are_checked where quick_sessions,
    a_pair_code_pairs_a_session => pair_code_pairs where quick_sessions,
    qr_codes_rotate_and_stop_with_qr_timeout => qr_timeout where short_qr_codes,
    a_ban_fails_the_session_and_its_queued_messages => banned where quick_sessions,
    a_dropped_connection_reconnects_then_fails_past_the_limit => reconnects where few_restarts,
    the_phone_unlinking_logs_the_session_out => unlinked where quick_sessions,
    inbound_media_and_groups_reach_webhooks => inbound_media_and_groups where quick_sessions,
    the_bot_answers_on_a_web_channel => bot_answers where quick_sessions;
    by_value:
    a_restart_resumes_a_paired_session_without_a_qr_code => restart_resumes where quick_sessions,
}

const PHONE: &str = "2349040613521";
const CUSTOMER: &str = "15551230001";

/// An account with a sandbox web channel.
async fn web_ctx(server: &TestServer) -> Ctx {
    let (_, key) = create_account(server, "web").await;
    let created = server
        .post_json(
            "/v1/channels",
            &key,
            json!({"name": "shop phone", "kind": "web", "sandbox": true}),
        )
        .await
        .status(201);
    assert_eq!(created["kind"], "web");
    Ctx {
        key,
        channel: string(&created["id"]),
    }
}

async fn session(server: &TestServer, ctx: &Ctx) -> Value {
    server
        .get(&format!("/v1/channels/{}/session", ctx.channel), &ctx.key)
        .await
        .status(200)
}

/// Polls the session until its state is `state`; returns it.
async fn wait_state(server: &TestServer, ctx: &Ctx, state: &str) -> Value {
    eventually(20, &format!("the session to be {state}"), || async {
        let s = session(server, ctx).await;
        (s["state"] == state).then_some(s)
    })
    .await
}

async fn control(server: &TestServer, ctx: &Ctx, action: &str) -> Value {
    let reply = server
        .post(&format!("/v1/channels/{}/{action}", ctx.channel), &ctx.key)
        .await;
    let code = reply.code;
    assert!(
        code == 200 || code == 202,
        "{action}: {code} {}",
        reply.text
    );
    reply.json()
}

/// The fake phone's route `action` for the channel.
fn phone(ctx: &Ctx, action: &str) -> String {
    format!("/sandbox/emulator/web/{}/{action}", ctx.channel)
}

/// Starts the session and has the phone scan its first QR code; returns the working session.
async fn pair(server: &TestServer, ctx: &Ctx) -> Value {
    control(server, ctx, "start").await;
    let pairing = wait_state(server, ctx, "scan_qr").await;
    assert_eq!(pairing["qr"]["number"], 1, "{pairing}");
    server
        .post_json(
            &phone(ctx, "scan"),
            NO_KEY,
            json!({"phone_number": PHONE, "push_name": "Shop"}),
        )
        .await
        .status(200);
    wait_state(server, ctx, "working").await
}

/// The sessions carried by the account's `channel.status` events, oldest first (events of
/// the channel's own status carry none and are left out).
async fn session_events(server: &TestServer, ctx: &Ctx) -> Vec<Value> {
    let events = server
        .get("/v1/events?types=channel.status&limit=500", &ctx.key)
        .await
        .status(200);
    data(&events)
        .iter()
        .map(|e| e["data"]["session"].clone())
        .filter(|s| !s.is_null())
        .collect()
}

/// The states of [`session_events`].
fn states_of(sessions: &[Value]) -> Vec<String> {
    sessions
        .iter()
        .filter_map(|s| s["state"].as_str().map(str::to_string))
        .collect()
}

/// What the fake phone says about the session (its sent messages, its QR codes).
async fn phone_state(server: &TestServer, ctx: &Ctx) -> Value {
    server.get(&phone(ctx, "state"), NO_KEY).await.status(200)
}

async fn pairs_sends_receives_and_logs_out(server: &TestServer) {
    let ctx = web_ctx(server).await;
    let fresh = session(server, &ctx).await;
    assert_eq!(fresh["state"], "stopped");
    assert!(fresh["paired_as"].is_null());

    control(server, &ctx, "start").await;
    let pairing = wait_state(server, &ctx, "scan_qr").await;
    let code = string(&pairing["qr"]["code"]);
    assert!(code.starts_with("2@"), "{pairing}");

    // The QR code as an image and as JSON.
    let png = server
        .call(
            server
                .req(
                    Method::GET,
                    &format!("/v1/channels/{}/qr", ctx.channel),
                    &ctx.key,
                )
                .header("accept", "image/png"),
        )
        .await;
    assert_eq!(png.code, 200);
    assert_eq!(png.headers["content-type"], "image/png");
    assert_eq!(&png.bytes[..8], b"\x89PNG\r\n\x1a\n");
    let as_json = server
        .get(
            &format!("/v1/channels/{}/qr?format=json", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(as_json["code"], code.as_str());
    assert!(as_json["image_base64"]
        .as_str()
        .is_some_and(|b| b.len() > 100));
    assert_eq!(as_json["number"], 1);

    server
        .post_json(
            &phone(&ctx, "scan"),
            NO_KEY,
            json!({"phone_number": PHONE, "push_name": "Shop"}),
        )
        .await
        .status(200);
    let working = wait_state(server, &ctx, "working").await;
    assert_eq!(working["paired_as"]["phone_number"], PHONE, "{working}");
    assert!(working["qr"].is_null());

    // Each change was a channel.status event carrying the session, the QR code included.
    let sessions = session_events(server, &ctx).await;
    let states = states_of(&sessions);
    let at = |wanted: &str| {
        states
            .iter()
            .position(|s| s == wanted)
            .unwrap_or_else(|| panic!("{wanted} in {states:?}"))
    };
    assert!(
        at("starting") < at("scan_qr") && at("scan_qr") < at("working"),
        "in order: {states:?}"
    );
    assert!(
        sessions.iter().any(|s| s["qr"]["code"] == code.as_str()),
        "a QR event: {sessions:?}"
    );

    // An inbound message is stored once.
    let inbound = server
        .post_json(
            &phone(&ctx, "inbound"),
            NO_KEY,
            json!({"from": CUSTOMER, "type": "text", "body": "hello shop", "push_name": "Ana"}),
        )
        .await
        .status(200);
    let upstream = string(&inbound["id"]);
    let stored = wait_stored(server, &ctx, &upstream, 20).await;
    assert_eq!(stored["type"], "text", "{stored}");
    assert_eq!(stored["chat"], CUSTOMER, "{stored}");
    assert_eq!(stored["content"]["text"]["body"], "hello shop", "{stored}");

    // A text and a reply go out under stable WhatsApp ids and reach read.
    let sent = send_ok(server, &ctx, &text_message(CUSTOMER, "hi Ana")).await;
    let read = wait_status(server, &ctx.key, &sent, &["read"]).await;
    let wa_id = string(&read["upstream_id"]);
    assert!(wa_id.starts_with("3EB0"), "{read}");
    let reply = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "a reply"},
            "context": {"message_id": stored["id"]}}),
    )
    .await;
    wait_status(server, &ctx.key, &reply, &["delivered", "read"]).await;
    let on_phone = phone_state(server, &ctx).await;
    let sent_ids: Vec<&str> = on_phone["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(sent_ids.contains(&wa_id.as_str()), "{on_phone}");

    // An image uploaded to our media store, and a reaction to the customer's message.
    use base64::Engine;
    let picture = crate::media::png(2048);
    let uploaded = server
        .post_json(
            "/v1/media",
            &ctx.key,
            json!({"data": format!("data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&picture)),
                "filename": "photo.png"}),
        )
        .await;
    assert!(
        uploaded.code == 200 || uploaded.code == 201,
        "{}",
        uploaded.text
    );
    let media = string(&uploaded.json()["id"]);
    let image = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "image",
                "image": {"id": media, "caption": "your receipt"}}),
    )
    .await;
    wait_status(server, &ctx.key, &image, &["delivered", "read"]).await;
    let reaction = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "reaction",
                "reaction": {"message_id": stored["id"], "emoji": "👍"}}),
    )
    .await;
    let reacted = wait_status(server, &ctx.key, &reaction, &["sent", "delivered", "read"]).await;
    let on_phone = phone_state(server, &ctx).await;
    let kinds: Vec<(String, Value)> = on_phone["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .map(|m| (m["kind"].as_str().unwrap_or("").to_string(), m.clone()))
        .collect();
    let sent_image = kinds
        .iter()
        .find(|(k, _)| k == "image")
        .unwrap_or_else(|| panic!("an image on the phone: {on_phone}"));
    assert_eq!(sent_image.1["media_size"], 2048, "{on_phone}");
    assert!(
        kinds
            .iter()
            .any(|(k, m)| k == "reaction" && m["id"].as_str() == reacted["upstream_id"].as_str()),
        "the reaction on the phone: {on_phone}"
    );

    // Buttons are refused (422) unless a text fallback is asked for.
    let buttons = json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Pick one"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "Alpha"}},
                               {"type": "reply", "reply": {"id": "b", "title": "Beta"}}]}}});
    let refused = send(server, &ctx, &buttons).await;
    assert_eq!(refused.code, 422, "{}", refused.text);
    let mut with_fallback = buttons.clone();
    with_fallback["fallback"] = json!("text");
    let fallback = send_ok(server, &ctx, &with_fallback).await;
    let fallback = wait_status(server, &ctx.key, &fallback, &["delivered", "read"]).await;
    assert_eq!(fallback["type"], "text", "{fallback}");
    assert_eq!(
        fallback["content"]["text"]["body"],
        "Pick one\n\n1. Alpha\n2. Beta"
    );
    assert_eq!(
        fallback["content"]["choices"]["options"][1],
        json!({"n": 2, "id": "b", "title": "Beta"}),
        "the options offered are recorded: {fallback}"
    );
    // The customer answers by number, then by title: each comes back as the button reply
    // it stands for, quoting the question; anything else stays a text.
    for (said, id, title) in [("2", "b", "Beta"), ("alpha", "a", "Alpha")] {
        let inbound = server
            .post_json(
                &phone(&ctx, "inbound"),
                NO_KEY,
                json!({"from": CUSTOMER, "type": "text", "body": said}),
            )
            .await
            .status(200);
        let answer = wait_stored(server, &ctx, &string(&inbound["id"]), 20).await;
        assert_eq!(answer["type"], "interactive", "{said}: {answer}");
        assert_eq!(
            answer["content"]["interactive"]["button_reply"],
            json!({"id": id, "title": title}),
            "{answer}"
        );
        assert_eq!(
            answer["context_message_id"], fallback["upstream_id"],
            "{answer}"
        );
    }
    let inbound = server
        .post_json(
            &phone(&ctx, "inbound"),
            NO_KEY,
            json!({"from": CUSTOMER, "type": "text", "body": "3"}),
        )
        .await
        .status(200);
    let other = wait_stored(server, &ctx, &string(&inbound["id"]), 20).await;
    assert_eq!(other["type"], "text", "{other}");

    // A recipient not on WhatsApp (the sandbox's numbers ending in 0404) fails with 131026.
    let nobody = send_ok(server, &ctx, &text_message("15551230404", "hello?")).await;
    let failed = wait_status(server, &ctx.key, &nobody, &["failed"]).await;
    assert!(failed.to_string().contains("131026"), "{failed}");

    // Logout unpairs: the next start shows QR codes again.
    let out = control(server, &ctx, "logout").await;
    assert_eq!(out["state"], "failed");
    assert_eq!(out["reason"], "logged_out");
    assert!(out["paired_as"].is_null());
    let code = server
        .get(&format!("/v1/channels/{}/qr", ctx.channel), &ctx.key)
        .await
        .error(409);
    assert_eq!(code, "session_state");
    control(server, &ctx, "start").await;
    wait_state(server, &ctx, "scan_qr").await;
    control(server, &ctx, "stop").await;
    assert_eq!(session(server, &ctx).await["state"], "stopped");
}

async fn requests_are_checked(server: &TestServer) {
    let ctx = web_ctx(server).await;
    let pair_path = format!("/v1/channels/{}/pair", ctx.channel);
    // Not pairing yet.
    let code = server
        .post_json(&pair_path, &ctx.key, json!({"phone_number": PHONE}))
        .await
        .error(409);
    assert_eq!(code, "session_state");
    let code = server
        .post_json(&pair_path, &ctx.key, json!({"phone_number": "call me"}))
        .await
        .error(400);
    assert_eq!(code, "invalid_parameter");
    let code = server
        .get(
            &format!("/v1/channels/{}/qr?format=gif", ctx.channel),
            &ctx.key,
        )
        .await
        .error(400);
    assert_eq!(code, "invalid_parameter");
    // Sessions exist only on web channels.
    let sandbox = create_sandbox_channel(server, &ctx.key, "cloud sandbox").await;
    let code = server
        .post(&format!("/v1/channels/{sandbox}/start"), &ctx.key)
        .await
        .error(422);
    assert_eq!(code, "not_a_web_channel");
    // Sending on a stopped session fails the message with a reason to start it.
    let id = send_ok(server, &ctx, &text_message(CUSTOMER, "anyone?")).await;
    let failed = wait_status(server, &ctx.key, &id, &["failed"]).await;
    assert!(failed.to_string().contains("start it"), "{failed}");
    // Another account sees nothing.
    let (_, other) = create_account(server, "other").await;
    server
        .get(&format!("/v1/channels/{}/session", ctx.channel), &other)
        .await
        .error(404);
}

async fn pair_code_pairs(server: &TestServer) {
    let ctx = web_ctx(server).await;
    control(server, &ctx, "start").await;
    wait_state(server, &ctx, "scan_qr").await;
    let code = server
        .post_json(
            &format!("/v1/channels/{}/pair", ctx.channel),
            &ctx.key,
            json!({"phone_number": format!("+{PHONE}")}),
        )
        .await
        .status(200);
    let text = string(&code["code"]);
    assert_eq!(text.len(), 8, "{code}");
    assert_eq!(code["display"], format!("{}-{}", &text[..4], &text[4..]));
    assert_eq!(code["phone_number"], PHONE);
    let shown = eventually(20, "the pair code in the session", || async {
        let s = session(server, &ctx).await;
        (s["pair_code"]["code"] == text.as_str()).then_some(s)
    })
    .await;
    assert_eq!(shown["pair_code"]["phone_number"], PHONE, "{shown}");
    let wrong = server
        .post_json(
            &phone(&ctx, "enter-code"),
            NO_KEY,
            json!({"code": "WRONG123"}),
        )
        .await;
    assert_eq!(wrong.code, 400, "{}", wrong.text);
    server
        .post_json(&phone(&ctx, "enter-code"), NO_KEY, json!({"code": text}))
        .await
        .status(200);
    let working = wait_state(server, &ctx, "working").await;
    assert_eq!(working["paired_as"]["phone_number"], PHONE, "{working}");
}

async fn restart_resumes(server: TestServer) -> TestServer {
    let ctx = web_ctx(&server).await;
    pair(&server, &ctx).await;
    let server = server.restart(|_| {}).await;
    // The restarted node resumes it: a second `working`, and no QR code since pairing.
    let states = eventually(20, "the session to resume", || async {
        let states = states_of(&session_events(&server, &ctx).await);
        (states.iter().filter(|s| *s == "working").count() >= 2).then_some(states)
    })
    .await;
    let first_working = states.iter().position(|s| s == "working").expect("working");
    assert!(
        !states[first_working..].iter().any(|s| s == "scan_qr"),
        "no QR after pairing: {states:?}"
    );
    let working = session(&server, &ctx).await;
    assert_eq!(working["state"], "working", "{working}");
    assert_eq!(working["paired_as"]["phone_number"], PHONE, "{working}");
    // It still sends.
    let sent = send_ok(&server, &ctx, &text_message(CUSTOMER, "after restart")).await;
    wait_status(&server, &ctx.key, &sent, &["delivered", "read"]).await;
    server
}

async fn qr_timeout(server: &TestServer) {
    let ctx = web_ctx(server).await;
    control(server, &ctx, "start").await;
    let failed = wait_state(server, &ctx, "failed").await;
    assert_eq!(failed["reason"], "qr_timeout", "{failed}");
    assert!(failed["qr"].is_null());
    let sessions = session_events(server, &ctx).await;
    let numbers: Vec<i64> = sessions
        .iter()
        .filter_map(|s| s["qr"]["number"].as_i64())
        .collect();
    assert_eq!(
        numbers,
        vec![1, 2, 3],
        "one event per code, three codes: {sessions:?}"
    );
    // A new start gives new codes.
    control(server, &ctx, "start").await;
    let again = wait_state(server, &ctx, "scan_qr").await;
    assert_eq!(again["qr"]["number"], 1, "{again}");
}

async fn banned(server: &TestServer) {
    let ctx = web_ctx(server).await;
    pair(server, &ctx).await;
    server
        .post_json(
            &phone(&ctx, "ban"),
            NO_KEY,
            json!({"expires_in_ms": 3_600_000}),
        )
        .await
        .status(200);
    let failed = wait_state(server, &ctx, "failed").await;
    assert_eq!(failed["reason"], "banned", "{failed}");
    let queued = send_ok(server, &ctx, &text_message(CUSTOMER, "are you there?")).await;
    let message = wait_status(server, &ctx.key, &queued, &["failed"]).await;
    let error = message.to_string();
    assert!(
        error.contains("banned"),
        "the error names the ban: {message}"
    );
}

async fn reconnects(server: &TestServer) {
    let ctx = web_ctx(server).await;
    pair(server, &ctx).await;
    // One drop: reconnected by itself.
    server
        .post_json(&phone(&ctx, "disconnect"), NO_KEY, json!({"clean": false}))
        .await
        .status(200);
    eventually(20, "a reconnect", || async {
        let sessions = session_events(server, &ctx).await;
        let drop_at = sessions.iter().position(|s| {
            s["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("reconnecting"))
        })?;
        sessions[drop_at..]
            .iter()
            .any(|s| s["state"] == "working" && s["restarts"] == 0)
            .then_some(())
    })
    .await;
    // Reconnects that keep failing end the session.
    server
        .post_json(
            &phone(&ctx, "fail-reconnects"),
            NO_KEY,
            json!({"count": 100}),
        )
        .await
        .status(200);
    server
        .post_json(&phone(&ctx, "disconnect"), NO_KEY, json!({}))
        .await
        .status(200);
    let failed = wait_state(server, &ctx, "failed").await;
    assert_eq!(failed["reason"], "restart_limit", "{failed}");
}

async fn unlinked(server: &TestServer) {
    let ctx = web_ctx(server).await;
    pair(server, &ctx).await;
    server
        .post_json(&phone(&ctx, "logout"), NO_KEY, json!({}))
        .await
        .status(200);
    let failed = wait_state(server, &ctx, "failed").await;
    assert_eq!(failed["reason"], "logged_out", "{failed}");
    assert!(failed["paired_as"].is_null(), "{failed}");
    // Its keys are gone: a start pairs again.
    control(server, &ctx, "start").await;
    wait_state(server, &ctx, "scan_qr").await;
}

async fn inbound_media_and_groups(server: &TestServer) {
    let ctx = web_ctx(server).await;
    let hooks = Receiver::start(0).await;
    subscribe(
        server,
        &ctx.key,
        json!({"url": hooks.url, "events": ["message.received"]}),
    )
    .await;
    pair(server, &ctx).await;
    let picture = vec![
        0x89u8, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13,
    ];
    use base64::Engine;
    let image = server
        .post_json(
            &phone(&ctx, "inbound"),
            NO_KEY,
            json!({"from": CUSTOMER, "type": "image", "mime_type": "image/png",
                   "caption": "my receipt",
                   "data_base64": base64::engine::general_purpose::STANDARD.encode(&picture)}),
        )
        .await
        .status(200);
    let stored = wait_stored(server, &ctx, &string(&image["id"]), 20).await;
    assert_eq!(stored["type"], "image", "{stored}");
    assert_eq!(
        stored["content"]["image"]["caption"], "my receipt",
        "{stored}"
    );
    let media_url = string(&stored["content"]["image"]["media_url"]);
    let media_path = media_url
        .split_once("/v1/")
        .map(|(_, p)| format!("/v1/{p}"))
        .expect("our media url");
    let bytes = server.get(&media_path, &ctx.key).await;
    assert_eq!(bytes.code, 200);
    assert_eq!(bytes.bytes, picture, "the downloaded bytes are the phone's");
    hooks.wait_for_message(&string(&stored["id"])).await;

    // A group message: from is the group, with the member beside it; a reply goes there.
    let group = "120363025246125888@g.us";
    let said = server
        .post_json(
            &phone(&ctx, "inbound"),
            NO_KEY,
            json!({"from": "15551230002", "group": group, "type": "text", "body": "hi all"}),
        )
        .await
        .status(200);
    let in_group = wait_stored(server, &ctx, &string(&said["id"]), 20).await;
    assert_eq!(in_group["chat"], group, "{in_group}");
    assert_eq!(in_group["content"]["from"], group, "{in_group}");
    assert_eq!(in_group["content"]["group_id"], group, "{in_group}");
    assert_eq!(
        in_group["content"]["participant"], "15551230002",
        "{in_group}"
    );
    let answer = send_ok(server, &ctx, &text_message(group, "hello group")).await;
    wait_status(server, &ctx.key, &answer, &["delivered", "read"]).await;
    let on_phone = phone_state(server, &ctx).await;
    assert!(
        on_phone["sent"]
            .as_array()
            .expect("sent")
            .iter()
            .any(|m| m["to"] == group),
        "{on_phone}"
    );
}

async fn bot_answers(server: &TestServer) {
    let ctx = web_ctx(server).await;
    let settings = server
        .put_json(
            &format!("/v1/channels/{}/bot", ctx.channel),
            &ctx.key,
            json!({"enabled": true}),
        )
        .await
        .status(200);
    assert_eq!(settings["enabled"], true, "{settings}");
    server
        .post_json(
            &format!("/v1/channels/{}/bot/rules", ctx.channel),
            &ctx.key,
            json!({"pattern": "menu",
                   "reply": {"type": "text", "text": {"body": "Today: soup, [name]"}}}),
        )
        .await
        .status(201);
    pair(server, &ctx).await;
    server
        .post_json(
            &phone(&ctx, "inbound"),
            NO_KEY,
            json!({"from": CUSTOMER, "type": "text", "body": "Menu", "push_name": "Ana"}),
        )
        .await
        .status(200);
    // No 24-hour window applies, and the bot's reply goes out on the session.
    let answer = eventually(20, "the bot's reply on the phone", || async {
        let on_phone = phone_state(server, &ctx).await;
        on_phone["sent"].as_array().and_then(|sent| {
            sent.iter()
                .find(|m| m["text"].as_str().is_some_and(|t| t.starts_with("Today")))
                .cloned()
        })
    })
    .await;
    assert_eq!(answer["text"], "Today: soup, Ana", "{answer}");
    assert_eq!(
        answer["to"].as_str().map(|t| t.starts_with(CUSTOMER)),
        Some(true),
        "{answer}"
    );
}
