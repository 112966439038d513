//! Telegram channels end to end over real HTTP: a sandbox bot on the mounted emulator, a
//! simulated user who writes, taps and blocks; replies with text, an image and buttons;
//! statuses that stop at `sent`; webhook subscriptions; the secret-token check; a 429 with
//! `retry_after` retried and delivered.

use serde_json::{json, Value};
use switchboard_core::channel::telegram::callback_data;

use crate::common::*;

fn private_targets(c: &mut switchboard::config::Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
}

on_both_backends! {
    a_telegram_bot_chats_end_to_end => chats_end_to_end where private_targets,
    a_forged_secret_token_is_refused => forged_secrets_are_refused,
    blocked_users_fail_and_throttling_is_waited_out => blocked_and_throttled,
    media_and_replies_travel_both_ways => media_and_replies;
    by_value:
    polling_receives_each_update_once_across_a_restart => polling_across_a_restart,
}

/// An account with a sandbox telegram channel; returns it and its bot id.
async fn telegram_ctx(server: &TestServer) -> (Ctx, i64) {
    let (_, key) = create_account(server, "tg").await;
    let created = server
        .post_json(
            "/v1/channels",
            &key,
            json!({"name": "shop bot", "kind": "telegram", "sandbox": true}),
        )
        .await
        .status(201);
    assert_eq!(created["kind"], "telegram");
    let channel = string(&created["id"]);
    let bots = server
        .get("/sandbox/emulator/telegram/bots", NO_KEY)
        .await
        .status(200);
    let url = format!("/webhooks/telegram/{channel}");
    let bot = bots
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["webhook_url"].as_str().is_some_and(|u| u.ends_with(&url)))
        .unwrap_or_else(|| panic!("the bot's webhook points at {url}: {bots}"))
        .clone();
    (Ctx { key, channel }, bot["id"].as_i64().unwrap())
}

/// The user `user` writes `text` through the sandbox route; returns the stored message.
async fn user_writes(server: &TestServer, ctx: &Ctx, user: i64, text: &str) -> Value {
    let upstream = inject(
        server,
        ctx,
        &json!({"from": user, "text": text, "first_name": "Ana"}),
    )
    .await;
    assert_eq!(upstream.split(':').next(), Some(user.to_string().as_str()));
    wait_stored(server, ctx, &upstream, 20).await
}

async fn chats_end_to_end(server: &TestServer) {
    let (ctx, bot) = telegram_ctx(server).await;
    let events = Receiver::start(0).await;
    subscribe(
        server,
        &ctx.key,
        json!({"url": events.url, "events": ["message.received", "message.sent"]}),
    )
    .await;
    let user = 5_550_001_i64;
    let hello = user_writes(server, &ctx, user, "hello shop").await;
    assert_eq!(hello["type"], "text", "{hello}");
    let to = user.to_string();

    // A text, an image by link and buttons whose reply id is longer than callback_data allows.
    let text = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": user,
        "type": "text", "text": {"body": "Welcome!"}}),
    )
    .await;
    let image = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": to,
        "type": "image", "image": {"link": "https://example.com/cat.jpg", "caption": "our cat"}}),
    )
    .await;
    let long_id = format!("order-{}", "7".repeat(70));
    let buttons = send_ok(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": to,
        "type": "interactive", "interactive": {"type": "button", "body": {"text": "Confirm?"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": long_id, "title": "Yes"}},
            {"type": "reply", "reply": {"id": "no", "title": "No"}}]}}}),
    )
    .await;
    let mut sent = Vec::new();
    for id in [&text, &image, &buttons] {
        sent.push(wait_status(server, &ctx.key, id, &["sent", "failed"]).await);
    }
    for m in &sent {
        assert_eq!(m["status"], "sent", "{m}");
    }
    events.wait_for_message(&text).await;

    // The user taps "Yes": the tap arrives with the original id, and the query is answered.
    let upstream = string(&sent[2]["upstream_id"]);
    let (chat, number) = upstream.split_once(':').unwrap();
    assert_eq!(chat, to);
    let tap = server
        .post_json(
            &format!("/sandbox/emulator/telegram/bots/{bot}/users/{user}/callback_queries"),
            NO_KEY,
            json!({"message_id": number.parse::<i64>().unwrap(), "data": callback_data(&long_id)}),
        )
        .await
        .status(200);
    let tapped = wait_stored(
        server,
        &ctx,
        &format!("cb:{}", string(&tap["callback_query_id"])),
        20,
    )
    .await;
    let reply = &tapped["content"]["interactive"]["button_reply"];
    assert_eq!(reply["id"], long_id.as_str(), "{tapped}");
    assert_eq!(reply["title"], "Yes", "{tapped}");
    let answered = eventually(10, "answerCallbackQuery", || async {
        emulator_requests(server).await.into_iter().find(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/answerCallbackQuery"))
        })
    })
    .await;
    assert_eq!(answered["status"], 200, "{answered}");
    events.wait_for_message(&string(&tapped["id"])).await;

    // The user reacts to the buttons message: a reaction event on our message's upstream id.
    let reacted = server
        .post_json(
            &format!("/sandbox/emulator/telegram/bots/{bot}/users/{user}/reactions"),
            NO_KEY,
            json!({"message_id": number.parse::<i64>().unwrap(), "emoji": "👍"}),
        )
        .await
        .status(200);
    let reaction = wait_stored(
        server,
        &ctx,
        &format!("{upstream}:reaction:{}", reacted["update_id"]),
        20,
    )
    .await;
    assert_eq!(reaction["type"], "reaction", "{reaction}");
    assert_eq!(reaction["content"]["reaction"]["emoji"], "👍");
    assert_eq!(
        reaction["content"]["reaction"]["message_id"],
        upstream.as_str()
    );

    // Telegram has no receipts: nothing moves past sent.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    for id in [&text, &image, &buttons] {
        assert_eq!(message(server, &ctx.key, id).await["status"], "sent");
    }
    // A Telegram chat id is the contact's address.
    assert!(!hello["id"].is_null());
}

async fn forged_secrets_are_refused(server: &TestServer) {
    let (ctx, _) = telegram_ctx(server).await;
    let update = json!({"update_id": 1, "message": {"message_id": 9, "date": 1750000000,
        "from": {"id": 42, "is_bot": false, "first_name": "Eve"},
        "chat": {"id": 42, "type": "private"}, "text": "forged"}});
    let path = format!("/webhooks/telegram/{}", ctx.channel);
    for secret in [None, Some("not-the-secret")] {
        let mut request = server
            .req(reqwest::Method::POST, &path, NO_KEY)
            .json(&update);
        if let Some(s) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        let reply = server.call(request).await;
        assert_eq!(reply.error(401), "unauthorized");
    }
    let list = server
        .get(&format!("/v1/channels/{}/messages", ctx.channel), &ctx.key)
        .await
        .status(200);
    assert!(data(&list).is_empty(), "nothing stored: {list}");

    // A malformed chat id is refused naming `to` and its form.
    let bad = send(server, &ctx, &text_message("not-a-chat", "hi"))
        .await
        .status(400);
    let details = bad["error"]["error_data"]["details"].as_str().unwrap();
    assert!(
        details.starts_with("to:") && details.contains("chat_id"),
        "{details}"
    );
    // A webhook bot needs a public URL to give setWebhook; without one nothing is stored.
    let refused = server
        .post_json(
            "/v1/channels",
            &ctx.key,
            json!({"name": "real bot", "kind": "telegram",
                "settings": {"bot_token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}}),
        )
        .await;
    assert_eq!(refused.error(422), "public_url_required");
    let channels = server.get("/v1/channels", &ctx.key).await.status(200);
    assert_eq!(data(&channels).len(), 1, "{channels}");
}

async fn blocked_and_throttled(server: &TestServer) {
    let (ctx, bot) = telegram_ctx(server).await;
    let user = 5_550_002_i64;
    user_writes(server, &ctx, user, "hi").await;
    server
        .post_json(
            &format!("/sandbox/emulator/telegram/bots/{bot}/users/{user}/block"),
            NO_KEY,
            json!({}),
        )
        .await
        .status(200);
    let refused = send_ok(
        server,
        &ctx,
        &text_message(&user.to_string(), "still there?"),
    )
    .await;
    let failed = wait_status(server, &ctx.key, &refused, &["failed", "sent"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed.to_string().contains("blocked"), "{failed}");
    let channel = server
        .get(&format!("/v1/channels/{}/status", ctx.channel), &ctx.key)
        .await
        .status(200);
    assert!(
        channel.to_string().contains("\"active\""),
        "a blocked user is no channel error: {channel}"
    );

    // One send per second: the second of two quick sends gets 429 retry_after 1, waits it out
    // and is delivered.
    let other = 5_550_003_i64;
    user_writes(server, &ctx, other, "hello").await;
    emulator_faults(server, json!({"channel_rate_limit_mps": 1})).await;
    let first = send_ok(server, &ctx, &text_message(&other.to_string(), "one")).await;
    let second = send_ok(server, &ctx, &text_message(&other.to_string(), "two")).await;
    for id in [&first, &second] {
        let m = wait_status_at(
            server,
            &ctx.key,
            &format!("/v1/messages/{id}"),
            &["sent", "failed"],
            30,
        )
        .await;
        assert_eq!(m["status"], "sent", "{m}");
    }
    let throttled: Vec<Value> = emulator_requests(server)
        .await
        .into_iter()
        .filter(|r| r["status"] == 429)
        .collect();
    assert!(
        !throttled.is_empty(),
        "the emulator answered 429 at least once"
    );
}

/// The README's capability matrix says what `Capabilities::of` says, kind by kind.
#[test]
fn capability_matrix() {
    use switchboard_core::channel::capability::{AddressForm, Capabilities};
    use switchboard_core::channel::ChannelKind;
    let readme = include_str!("../../../../README.md");
    let rows: Vec<Vec<String>> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| kind | messages | receipts | window | address |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert_eq!(
        rows.len(),
        ChannelKind::ALL.len(),
        "one row per kind: {rows:?}"
    );
    for row in rows {
        let kind = ChannelKind::parse(&row[0]).unwrap_or_else(|| panic!("kind {}", row[0]));
        let c = Capabilities::of(kind);
        assert_eq!(row[1], c.carried(), "{kind:?} messages");
        let receipts: Vec<&str> = c.receipts.iter().map(|r| r.as_str()).collect();
        let receipts = if receipts.is_empty() {
            "none".to_string()
        } else {
            receipts.join(", ")
        };
        assert_eq!(row[2], receipts, "{kind:?} receipts");
        let window = match c.window {
            None => "none".to_string(),
            Some(w) => format!("{} h", w.standard_ms / 3_600_000),
        };
        assert_eq!(row[3], window, "{kind:?} window");
        let address = match c.address {
            AddressForm::WaId => "wa_id",
            AddressForm::WaIdOrGroup => "wa_id or group",
            AddressForm::TelegramChat => "chat_id",
            AddressForm::Psid => "psid",
            AddressForm::Igsid => "igsid",
        };
        assert_eq!(row[4], address, "{kind:?} address");
    }
}

/// A Telegram Bot API of its own (it outlives the server's restart, as Telegram would).
async fn standalone_bot_api(token: &str) -> (switchboard_emulator::Emulator, String) {
    let emulator =
        switchboard_emulator::Emulator::new(switchboard_emulator::EmulatorConfig::default());
    emulator
        .add_bot(switchboard_emulator::BotConfig {
            token: token.to_string(),
            username: "polling_bot".into(),
            first_name: "Polling".into(),
            webhook_url: None,
            secret_token: None,
        })
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/telegram", listener.local_addr().unwrap());
    let router = emulator.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (emulator, url)
}

async fn inbound_texts(server: &TestServer, ctx: &Ctx) -> Vec<String> {
    inbound_messages(server, ctx)
        .await
        .iter()
        .filter_map(|m| m["content"]["text"]["body"].as_str().map(str::to_string))
        .collect()
}

async fn polling_across_a_restart(server: TestServer) -> TestServer {
    let token = "900001:polling-bot-secret";
    let (bot_api, base_url) = standalone_bot_api(token).await;
    let (_, key) = create_account(&server, "poll").await;
    let created = server
        .post_json(
            "/v1/channels",
            &key,
            json!({"name": "poller", "kind": "telegram", "settings": {
                "bot_token": token, "inbound": "polling", "base_url": base_url}}),
        )
        .await
        .status(201);
    let ctx = Ctx {
        key,
        channel: string(&created["id"]),
    };
    // Switching such a bot to webhooks needs a public URL this server does not have.
    let refused = server
        .patch_json(
            &format!("/v1/channels/{}", ctx.channel),
            &ctx.key,
            json!({"settings": {"inbound": "webhook"}}),
        )
        .await;
    assert_eq!(refused.error(422), "public_url_required");
    let user = 5_550_010_i64;
    bot_api
        .telegram_user_writes(900001, user, json!({"text": "before"}))
        .await
        .unwrap();
    eventually(30, "the first update", || async {
        (inbound_texts(&server, &ctx).await == ["before"]).then_some(())
    })
    .await;

    let server = server.restart(|_| {}).await;
    bot_api
        .telegram_user_writes(900001, user, json!({"text": "after"}))
        .await
        .unwrap();
    eventually(30, "the second update", || async {
        inbound_texts(&server, &ctx)
            .await
            .contains(&"after".to_string())
            .then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut texts = inbound_texts(&server, &ctx).await;
    texts.sort();
    assert_eq!(texts, ["after", "before"], "each update once");
    server
}

async fn media_and_replies(server: &TestServer) {
    use base64::Engine as _;
    let (ctx, _) = telegram_ctx(server).await;
    let user = 5_550_020_i64;
    let first = user_writes(server, &ctx, user, "send me the menu").await;

    // Our media, uploaded to Telegram with the send; the second send reuses its file_id.
    let pdf = b"%PDF-1.4 menu".to_vec();
    let data = format!(
        "data:application/pdf;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&pdf)
    );
    let media = server
        .post_json(
            "/v1/media",
            &ctx.key,
            json!({"data": data, "filename": "menu.pdf"}),
        )
        .await
        .status(201);
    let media_id = string(&media["id"]);
    let doc = |caption: &str| {
        json!({"messaging_product": "whatsapp", "to": user, "type": "document",
            "document": {"id": media_id, "caption": caption},
            "context": {"message_id": first["id"]}})
    };
    let one = send_ok(server, &ctx, &doc("menu")).await;
    let one = wait_status(server, &ctx.key, &one, &["sent", "failed"]).await;
    assert_eq!(one["status"], "sent", "{one}");
    let two = send_ok(server, &ctx, &doc("again")).await;
    assert_eq!(
        wait_status(server, &ctx.key, &two, &["sent", "failed"]).await["status"],
        "sent"
    );
    let sends: Vec<Value> = emulator_requests(server)
        .await
        .into_iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/sendDocument"))
        })
        .collect();
    assert_eq!(sends.len(), 2, "{sends:?}");
    assert_eq!(
        sends[0]["body"]["content_type"]
            .as_str()
            .map(|c| c.starts_with("multipart/")),
        Some(true),
        "{sends:?}"
    );
    assert!(
        sends[1]["body"]["document"].is_string(),
        "the file_id is reused: {sends:?}"
    );
    // Our message id quoted in `context` became a reply to the user's message.
    let number = string(&first["upstream_id"])
        .split(':')
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(
        sends[1]["body"]["reply_parameters"]["message_id"], number,
        "{sends:?}"
    );

    // A photo from the user lands in the media store.
    let photo = base64::engine::general_purpose::STANDARD.encode(b"\xff\xd8\xff photo bytes");
    let upstream = inject(
        server,
        &ctx,
        &json!({"from": user, "photo": {"data": photo, "mime_type": "image/jpeg"}, "caption": "look"}),
    )
    .await;
    let got = wait_stored(server, &ctx, &upstream, 20).await;
    assert_eq!(got["type"], "image", "{got}");
    assert_eq!(got["content"]["image"]["caption"], "look");
    let stored = string(&got["content"]["image"]["media_id"]);
    let content = server
        .get(&format!("/v1/media/{stored}/content"), &ctx.key)
        .await;
    assert_eq!(content.code, 200);
}
