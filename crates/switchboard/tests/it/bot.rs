//! The bot through the emulator sandbox, on SQLite and PostgreSQL: the default message with a
//! spintax variant and the contact's name, a keyword → button menu → tapped button → next
//! step, active hours with and without an away message, group messages, STOP/START, the
//! decision log explaining each case, settings and rules validation, and a re-processed event
//! log that sends no duplicate reply.

use crate::common::*;
use serde_json::{json, Value};

async fn get(server: &TestServer, ctx: &Ctx, path: &str) -> Value {
    server.get(path, &ctx.key).await.status(200)
}

async fn put_settings(server: &TestServer, ctx: &Ctx, body: Value) -> Value {
    server
        .put_json(
            &format!("/v1/channels/{}/bot", ctx.channel),
            &ctx.key,
            &body,
        )
        .await
        .status(200)
}

async fn create_rule(server: &TestServer, ctx: &Ctx, body: Value) -> Value {
    server
        .post_json(
            &format!("/v1/channels/{}/bot/rules", ctx.channel),
            &ctx.key,
            &body,
        )
        .await
        .status(201)
}

/// The decision log of one contact, oldest first.
async fn decisions(server: &TestServer, ctx: &Ctx, contact: &str) -> Vec<Value> {
    let body = get(
        server,
        ctx,
        &format!(
            "/v1/channels/{}/bot/decisions?contact={contact}&limit=500",
            ctx.channel
        ),
    )
    .await;
    body["data"].as_array().cloned().unwrap_or_default()
}

/// Waits until the contact has `n` decisions with their replies handed to the outbox.
async fn wait_decisions(server: &TestServer, ctx: &Ctx, contact: &str, n: usize) -> Vec<Value> {
    eventually(20, &format!("{n} decisions for {contact}"), || async {
        let d = decisions(server, ctx, contact).await;
        (d.len() >= n && d.iter().all(|x| x["replies_done"] == true)).then_some(d)
    })
    .await
}

/// The bot's messages to a contact, oldest first.
async fn outbound(server: &TestServer, ctx: &Ctx, contact: &str) -> Vec<Value> {
    let body = get(
        server,
        ctx,
        &format!(
            "/v1/channels/{}/messages?chat={contact}&direction=outbound&limit=500",
            ctx.channel
        ),
    )
    .await;
    body["data"].as_array().cloned().unwrap_or_default()
}

/// An account with a sandbox channel whose bot is turned on.
async fn setup_bot(server: &TestServer) -> Ctx {
    let ctx = setup_sandbox(server).await;
    let s = put_settings(server, &ctx, json!({"enabled": true})).await;
    assert_eq!(s["enabled"], true);
    ctx
}

async fn contact_state(server: &TestServer, ctx: &Ctx, contact: &str) -> Value {
    get(
        server,
        ctx,
        &format!("/v1/channels/{}/bot/contacts/{contact}", ctx.channel),
    )
    .await
}

async fn default_message_with_spintax_and_name(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let settings = get(server, &ctx, &format!("/v1/channels/{}/bot", ctx.channel)).await;
    assert_eq!(settings["enabled"], false, "off until turned on");
    // Before the bot is turned on, customers' messages are not its business. (The worker
    // reads the log in order: once another channel's later message is decided, this one was
    // read, while the bot was still off.)
    say(server, &ctx, "15551230010", "hi").await;
    let other = setup_bot(server).await;
    say(server, &other, "15551230011", "hi").await;
    wait_decisions(server, &other, "15551230011", 1).await;
    put_settings(server, &ctx, json!({"enabled": true})).await;
    assert_eq!(
        settings["default_msg"],
        "{Hi|Hello} [name] your message has no keyword here."
    );
    assert_eq!(settings["actions"]["send_default_msg"], true);
    assert_eq!(settings["active_hours"]["from"], "always");

    say(server, &ctx, "15551230001", "hi").await;
    let d = wait_decisions(server, &ctx, "15551230001", 1).await;
    assert_eq!(d[0]["decision"], "default_message", "{d:?}");
    assert!(d[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("No rule matched"));
    let sent = outbound(server, &ctx, "15551230001").await;
    assert_eq!(sent.len(), 1);
    let body = sent[0]["content"]["text"]["body"].as_str().unwrap();
    assert!(
        body == "Hi Ana your message has no keyword here."
            || body == "Hello Ana your message has no keyword here.",
        "{body}"
    );
    assert_eq!(d[0]["reply_message_ids"][0], sent[0]["id"]);
    assert_eq!(d[0]["reply"]["text"]["body"], body);
    // The message written before, read first, got neither a decision nor a reply.
    assert!(decisions(server, &ctx, "15551230010").await.is_empty());
    assert!(outbound(server, &ctx, "15551230010").await.is_empty());

    // Within the cooldown the default message is not sent again, and the log says why.
    say(server, &ctx, "15551230001", "anyone there?").await;
    let d = wait_decisions(server, &ctx, "15551230001", 2).await;
    assert_eq!(d[1]["decision"], "silent.cooldown");
    assert!(d[1]["explanation"]
        .as_str()
        .unwrap()
        .contains("already sent to this contact recently"));
    assert_eq!(outbound(server, &ctx, "15551230001").await.len(), 1);
    let state = contact_state(server, &ctx, "15551230001").await;
    assert!(state["last_default_msg_at"].is_string(), "{state}");
    assert_eq!(state["opted_out"], false);
    assert_eq!(state["name"], "Ana");
}

async fn keyword_menu_and_button_step(server: &TestServer) {
    let ctx = setup_bot(server).await;
    let menu = create_rule(
        server,
        &ctx,
        json!({"pattern": "menu", "reply": {"type": "interactive", "interactive": {
            "type": "button", "body": {"text": "{Hi|Hello} [name], how can we help?"},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": "sales", "title": "Sales"}},
                {"type": "reply", "reply": {"id": "support", "title": "Support"}}]}}},
            "next_step": "menu"}),
    )
    .await;
    // A step no rule answers in yet is a warning, not an error.
    assert!(!menu["warnings"].as_array().unwrap().is_empty(), "{menu}");
    let sales = create_rule(
        server,
        &ctx,
        json!({"pattern": "sales", "only_in_step": "menu", "add_tags": ["sales-lead"],
            "reply": {"type": "text", "text": {"body": "Our sales team will call you, [name]."}}}),
    )
    .await;
    assert_eq!(sales["position"], 1);
    assert!(sales.get("warnings").is_none(), "{sales}");

    say(server, &ctx, "15551230002", "Menú").await;
    let d = wait_decisions(server, &ctx, "15551230002", 1).await;
    assert_eq!(d[0]["decision"], "reply");
    assert_eq!(d[0]["rule_id"], menu["id"]);
    let sent = outbound(server, &ctx, "15551230002").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["type"], "interactive");
    let text = sent[0]["content"]["interactive"]["body"]["text"]
        .as_str()
        .unwrap();
    assert!(text.ends_with("Ana, how can we help?"), "{text}");
    assert_eq!(
        contact_state(server, &ctx, "15551230002").await["step"],
        "menu"
    );

    // The customer taps "Sales": the button id leads to the step's rule.
    inject(
        server,
        &ctx,
        &json!({"from": "15551230002", "type": "interactive", "profile": {"name": "Ana"},
            "interactive": {"type": "button_reply", "button_reply": {"id": "sales", "title": "Sales"}}}),
    )
    .await;
    let d = wait_decisions(server, &ctx, "15551230002", 2).await;
    assert_eq!(d[1]["decision"], "reply");
    assert_eq!(d[1]["rule_id"], sales["id"]);
    assert_eq!(d[1]["details"]["matched_on"]["on"], "reply_id");
    assert!(d[1]["explanation"]
        .as_str()
        .unwrap()
        .contains("button/list reply id `sales` in step `menu`"));
    let sent = outbound(server, &ctx, "15551230002").await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1]["content"]["text"]["body"],
        "Our sales team will call you, Ana."
    );
    let state = contact_state(server, &ctx, "15551230002").await;
    assert_eq!(state["tags"], json!(["sales-lead"]));
    assert!(state["step"].is_null(), "the menu ended: {state}");

    // Outside the menu step, "sales" is not a keyword: the default message answers.
    say(server, &ctx, "15551230002", "sales").await;
    let d = wait_decisions(server, &ctx, "15551230002", 3).await;
    assert_eq!(d[2]["decision"], "default_message");

    // Rules: read, change, reorder, delete.
    let path = format!("/v1/channels/{}/bot/rules", ctx.channel);
    let listed = get(server, &ctx, &path).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    let patched = server
        .patch_json(
            &format!("{path}/{}", sales["id"].as_str().unwrap()),
            &ctx.key,
            &json!({"match_kind": "contains", "enabled": false}),
        )
        .await
        .status(200);
    assert_eq!(patched["match_kind"], "contains");
    assert_eq!(patched["enabled"], false);
    assert_eq!(patched["pattern"], "sales");
    let reordered = server
        .post_json(
            &format!("{path}/reorder"),
            &ctx.key,
            &json!({"order": [sales["id"], menu["id"]]}),
        )
        .await
        .status(200);
    assert_eq!(reordered["data"][0]["id"], sales["id"]);
    assert_eq!(reordered["data"][1]["position"], 1);
    let code = server
        .post_json(
            &format!("{path}/reorder"),
            &ctx.key,
            &json!({"order": [sales["id"]]}),
        )
        .await
        .error(400);
    assert_eq!(code, "invalid_parameter");
    let gone = server
        .delete(
            &format!("{path}/{}", sales["id"].as_str().unwrap()),
            &ctx.key,
        )
        .await;
    assert_eq!(gone.code, 204);
    let missing = server
        .get(
            &format!("{path}/{}", sales["id"].as_str().unwrap()),
            &ctx.key,
        )
        .await;
    assert_eq!(missing.code, 404);
}

async fn outside_active_hours(server: &TestServer) {
    let ctx = setup_bot(server).await;
    let all_off = json!({"monday": false, "tuesday": false, "wednesday": false,
        "thursday": false, "friday": false, "saturday": false, "sunday": false});
    put_settings(
        server,
        &ctx,
        json!({"active_days": all_off, "bot_timezone": "Europe/Berlin"}),
    )
    .await;
    say(server, &ctx, "15551230003", "hi").await;
    let d = wait_decisions(server, &ctx, "15551230003", 1).await;
    assert_eq!(d[0]["decision"], "silent.outside_active_hours");
    assert!(d[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("(Europe/Berlin)"));
    assert!(d[0]["reply"].is_null());
    assert!(outbound(server, &ctx, "15551230003").await.is_empty());

    // With an away message, it answers instead (once per cooldown).
    let s = put_settings(
        server,
        &ctx,
        json!({"away_msg": "We are closed, [name]. Back {soon|tomorrow}!"}),
    )
    .await;
    assert_eq!(s["active_days"]["monday"], false, "nested objects merge");
    say(server, &ctx, "15551230003", "hello?").await;
    let d = wait_decisions(server, &ctx, "15551230003", 2).await;
    assert_eq!(d[1]["decision"], "away_message");
    let sent = outbound(server, &ctx, "15551230003").await;
    assert_eq!(sent.len(), 1);
    let body = sent[0]["content"]["text"]["body"].as_str().unwrap();
    assert!(body.starts_with("We are closed, Ana. Back "), "{body}");

    // A window that wraps past midnight is accepted; bad values are 400s naming the field.
    put_settings(
        server,
        &ctx,
        json!({"active_hours": {"from": "22:00", "to": "6:00"}}),
    )
    .await;
    for (body, field) in [
        (json!({"bot_timezone": "Mars/Olympus"}), "bot_timezone"),
        (
            json!({"active_hours": {"from": "25:00", "to": "06:00"}}),
            "active_hours.from",
        ),
        (
            json!({"active_days": {"funday": true}}),
            "active_days.funday",
        ),
        (json!({"bot_name": 5}), "bot_name"),
        (
            json!({"loop_guard": {"window_secs": 0}}),
            "loop_guard.window_secs",
        ),
    ] {
        let response = server
            .put_json(
                &format!("/v1/channels/{}/bot", ctx.channel),
                &ctx.key,
                &body,
            )
            .await;
        let err = response.status(400);
        assert_eq!(err["error"]["code"], "invalid_parameter");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{body}: {message}");
    }
    let response = server.post_json(&format!("/v1/channels/{}/bot/rules", ctx.channel), &ctx.key, &json!({"match_kind": "regex", "pattern": "(unclosed", "reply": {"type": "text", "text": {"body": "x"}}})).await;
    let err = response.status(400);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("pattern"));
}

async fn group_messages(server: &TestServer) {
    let ctx = setup_bot(server).await;
    put_settings(
        server,
        &ctx,
        json!({"actions": {"reply_group_msgs": false}}),
    )
    .await;
    inject(
        server,
        &ctx,
        &json!({"from": "15551230004", "group_id": "Y2FwaV9ncm91cDox", "type": "text",
            "text": {"body": "hi all"}, "profile": {"name": "Ana"}}),
    )
    .await;
    let d = wait_decisions(server, &ctx, "15551230004", 1).await;
    assert_eq!(d[0]["decision"], "silent.group_message");
    assert!(d[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("reply_group_msgs"));
    assert!(outbound(server, &ctx, "15551230004").await.is_empty());

    put_settings(server, &ctx, json!({"actions": {"reply_group_msgs": true}})).await;
    inject(
        server,
        &ctx,
        &json!({"from": "15551230004", "group_id": "Y2FwaV9ncm91cDox", "type": "text",
            "text": {"body": "hi again"}, "profile": {"name": "Ana"}}),
    )
    .await;
    let d = wait_decisions(server, &ctx, "15551230004", 2).await;
    assert_eq!(d[1]["decision"], "default_message");
    assert_eq!(outbound(server, &ctx, "15551230004").await.len(), 1);
}

/// Sends a template (no parameters) to the STOP test's contact.
async fn send_named_template(server: &TestServer, ctx: &Ctx, name: &str) -> Reply {
    send(
        server,
        ctx,
        &json!({"messaging_product": "whatsapp", "to": "15551230005", "type": "template",
                      "template": {"name": name, "language": {"code": "en_US"}}}),
    )
    .await
}

async fn stop_and_start(server: &TestServer) {
    let ctx = setup_bot(server).await;
    say(server, &ctx, "15551230005", "STOP").await;
    let d = wait_decisions(server, &ctx, "15551230005", 1).await;
    assert_eq!(d[0]["decision"], "opt_out");
    assert!(d[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("opted out of marketing"));
    let state = contact_state(server, &ctx, "15551230005").await;
    assert_eq!(state["opted_out"], true);
    assert!(state["opted_out_at"].is_string());
    let sent = outbound(server, &ctx, "15551230005").await;
    assert_eq!(sent.len(), 1, "confirmed once");
    assert!(sent[0]["content"]["text"]["body"]
        .as_str()
        .unwrap()
        .contains("unsubscribed"));

    // Again (in another language): no second confirmation; anything else: silence.
    say(server, &ctx, "15551230005", "Arrêt!").await;
    say(server, &ctx, "15551230005", "hi").await;
    let d = wait_decisions(server, &ctx, "15551230005", 3).await;
    assert_eq!(d[1]["decision"], "opt_out");
    assert_eq!(d[1]["details"]["already_opted_out"], true);
    assert_eq!(d[2]["decision"], "silent.opted_out");
    assert_eq!(outbound(server, &ctx, "15551230005").await.len(), 1);

    // The opt-out is an event in the log.
    let events = get(server, &ctx, "/v1/events?types=contact.*").await;
    assert!(
        events["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "contact.opted_out" && e["chat"] == "15551230005"),
        "{events}"
    );

    // A marketing template to the opted-out contact is refused at once with Meta's 131050;
    // a utility template still goes.
    let created = server
        .post_json(
            &format!("/v1/channels/{}/templates", ctx.channel),
            &ctx.key,
            &json!({"name": "weekend_sale", "language": "en_US", "category": "MARKETING",
                          "components": [{"type": "BODY", "text": "This weekend: 20% off."}]}),
        )
        .await
        .status(201);
    let template_id = created["id"].as_str().unwrap().to_string();
    eventually(20, "the marketing template to be approved", || async {
        let t = get(
            server,
            &ctx,
            &format!("/v1/channels/{}/templates/{template_id}", ctx.channel),
        )
        .await;
        (t["status"] == "APPROVED").then_some(())
    })
    .await;
    let refused = send_named_template(server, &ctx, "weekend_sale")
        .await
        .status(400);
    assert_eq!(refused["error"]["code"], 131050, "{refused}");
    assert!(refused["error"]["error_data"]["details"]
        .as_str()
        .unwrap()
        .contains("stop receiving marketing"));
    send_named_template(server, &ctx, "hello_world")
        .await
        .status(200);

    say(server, &ctx, "15551230005", "start").await;
    let d = wait_decisions(server, &ctx, "15551230005", 4).await;
    assert_eq!(d[3]["decision"], "opt_in");
    assert_eq!(
        contact_state(server, &ctx, "15551230005").await["opted_out"],
        false
    );
    // The opt-in confirmation follows the STOP confirmation and the utility template.
    assert_eq!(outbound(server, &ctx, "15551230005").await.len(), 3);
    send_named_template(server, &ctx, "weekend_sale")
        .await
        .status(200);
}

async fn scopes_and_isolation(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let other = setup_sandbox(server).await;
    let (_, reader) = create_key(
        server,
        &ctx.key,
        json!({"name": "reader", "permission": "read"}),
    )
    .await;
    let path = format!("/v1/channels/{}/bot", ctx.channel);
    let ok = server.get(&path, &reader).await;
    assert_eq!(ok.code, 200);
    let denied = server
        .put_json(&path, &reader, &json!({"bot_name": "x"}))
        .await;
    assert_eq!(denied.code, 403);
    let foreign = server.get(&path, &other.key).await;
    assert_eq!(foreign.code, 404);
    let foreign = server.get(&format!("{path}/decisions"), &other.key).await;
    assert_eq!(foreign.code, 404);
}

async fn loop_guard(server: &TestServer) {
    let ctx = setup_bot(server).await;
    put_settings(
        server,
        &ctx,
        json!({"default_msg_cooldown_secs": 0, "loop_guard": {"max_replies": 2, "window_secs": 3600}}),
    )
    .await;
    for text in ["one", "two", "three"] {
        say(server, &ctx, "15551230008", text).await;
    }
    let d = wait_decisions(server, &ctx, "15551230008", 3).await;
    assert_eq!(d[0]["decision"], "default_message");
    assert_eq!(d[1]["decision"], "default_message");
    assert_eq!(d[2]["decision"], "silent.loop_guard");
    assert_eq!(
        d[2]["details"]["reason"]["cause"]["cause"],
        "too_many_replies"
    );
    assert_eq!(outbound(server, &ctx, "15551230008").await.len(), 2);
    assert_eq!(
        contact_state(server, &ctx, "15551230008").await["recent_bot_messages"],
        2
    );

    // Another bot echoing our message word for word gets no answer.
    say(server, &ctx, "15551230009", "hi").await;
    wait_decisions(server, &ctx, "15551230009", 1).await;
    let ours = outbound(server, &ctx, "15551230009").await[0]["content"]["text"]["body"]
        .as_str()
        .unwrap()
        .to_string();
    say(server, &ctx, "15551230009", &ours).await;
    let d = wait_decisions(server, &ctx, "15551230009", 2).await;
    assert_eq!(d[1]["decision"], "silent.loop_guard");
    assert_eq!(
        d[1]["details"]["reason"]["cause"]["cause"],
        "echo_of_our_message"
    );
    assert_eq!(outbound(server, &ctx, "15551230009").await.len(), 1);
}

/// Simulates a crash after a reply went to the outbox but before the decision recorded it:
/// the decisions' replies are marked unsent and the bot worker is rewound to the start of the
/// event log (the server is stopped).
fn crash_before_recording_replies(config: switchboard::Config) {
    let database_url = config.database_url.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            const FORGET: &str =
                "UPDATE bot_decisions SET replies_done = {no}, reply_message_ids = '[]'";
            if let Some(path) = database_url.strip_prefix("sqlite://") {
                let c = rusqlite::Connection::open(path).expect("sqlite");
                c.execute(&FORGET.replace("{no}", "0"), []).expect("update");
            } else {
                let pool = sqlx::PgPool::connect(&database_url)
                    .await
                    .expect("postgres");
                sqlx::query(&FORGET.replace("{no}", "FALSE"))
                    .execute(&pool)
                    .await
                    .expect("update");
                pool.close().await;
            }
            let store = switchboard::secrets::open_store(&config)
                .await
                .expect("store");
            store.set_bot_position("").await.expect("rewind");
            store.close().await;
        });
    })
    .join()
    .expect("crash thread");
}

async fn reprocessing_sends_no_duplicate(server: TestServer) -> TestServer {
    let ctx = setup_bot(&server).await;
    say(&server, &ctx, "15551230006", "hi").await;
    let first = wait_decisions(&server, &ctx, "15551230006", 1).await;
    let sent = outbound(&server, &ctx, "15551230006").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(first[0]["reply_message_ids"], json!([sent[0]["id"]]));

    let server = server
        .restart(|config| crash_before_recording_replies(config.clone()))
        .await;
    // The worker reads the whole log again: the unfinished decision is finished by sending
    // its stored reply with the same idempotency key, which answers the first message id.
    let again = eventually(20, "the decision finished again", || async {
        let d = decisions(&server, &ctx, "15551230006").await;
        (d.len() == 1 && d[0]["replies_done"] == true).then_some(d)
    })
    .await;
    assert_eq!(again[0]["id"], first[0]["id"]);
    assert_eq!(again[0]["reply_message_ids"], json!([sent[0]["id"]]));
    say(&server, &ctx, "15551230007", "hi").await;
    wait_decisions(&server, &ctx, "15551230007", 1).await;
    assert_eq!(outbound(&server, &ctx, "15551230007").await.len(), 1);
    // Still one decision and one reply for the first contact.
    assert_eq!(decisions(&server, &ctx, "15551230006").await.len(), 1);
    assert_eq!(outbound(&server, &ctx, "15551230006").await.len(), 1);
    server
}

on_both_backends!(
    default_message => super::default_message_with_spintax_and_name,
    keyword_menu => super::keyword_menu_and_button_step,
    active_hours => super::outside_active_hours,
    groups => super::group_messages,
    opt_out => super::stop_and_start,
    scopes => super::scopes_and_isolation,
    loops => super::loop_guard;
    by_value:
    reprocessing_sends_no_duplicate => super::reprocessing_sends_no_duplicate,
);
