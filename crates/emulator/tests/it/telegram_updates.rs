//! Telegram updates: webhook with the secret header, getUpdates long polling, simulated taps,
//! reactions and blocks, scripted replies, faults, the control API and the `/sandbox` mount.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard_emulator::{Faults, ScriptedReply};

use crate::common::{fast_config, post_json, serve_on_loopback};
use crate::tg_harness::*;

#[tokio::test]
async fn webhook_carries_one_update_with_the_secret_header() {
    let tg = Tg::start().await;
    let (status, set) = tg
        .call(
            "setWebhook",
            json!({"url": tg.receiver.url, "secret_token": "s3cr3t_-X"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        set,
        json!({"ok": true, "result": true, "description": "Webhook was set"})
    );
    let info = tg.call("getWebhookInfo", json!({})).await.1;
    assert_eq!(info["result"]["url"], tg.receiver.url.as_str());
    assert_eq!(info["result"]["pending_update_count"], 0);

    let a = tg.user_writes(USER, "/start promo").await;
    let hook = tg
        .receiver
        .wait_for("the message update", |b| {
            b["message"]["text"] == "/start promo"
        })
        .await;
    assert_eq!(
        hook.header("x-telegram-bot-api-secret-token").as_deref(),
        Some("s3cr3t_-X")
    );
    assert_eq!(
        hook.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(hook.body["update_id"], a["update_id"]);
    let exact: Value = serde_json::from_slice(&hook.raw_body).unwrap();
    assert_eq!(
        exact.as_object().unwrap().len(),
        2,
        "one update per POST: {exact}"
    );
    let m = &hook.body["message"];
    assert_eq!(
        m["from"],
        json!({"id": USER, "is_bot": false, "first_name": "Ana"})
    );
    assert_eq!(m["chat"]["type"], "private");
    assert_eq!(
        m["entities"],
        json!([{"offset": 0, "length": 6, "type": "bot_command"}])
    );

    let e = tg.call("getUpdates", json!({})).await;
    assert_tg_error(
        &e,
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
    let e = tg
        .call(
            "setWebhook",
            json!({"url": tg.receiver.url, "secret_token": "bad token!"}),
        )
        .await;
    assert_tg_error(
        &e,
        400,
        "Bad Request: secret token contains unallowed characters",
    );
    let d = tg.call("deleteWebhook", json!({})).await.1;
    assert_eq!(d["description"], "Webhook was deleted");
    let d = tg.call("deleteWebhook", json!({})).await.1;
    assert_eq!(d["description"], "Webhook is already deleted");
    assert_eq!(
        tg.call("getUpdates", json!({})).await.1,
        json!({"ok": true, "result": []})
    );

    // Without a secret, no header; updates queued meanwhile go to the new webhook.
    tg.user_writes(USER, "queued").await;
    assert_eq!(
        tg.call("getWebhookInfo", json!({})).await.1["result"]["pending_update_count"],
        1
    );
    tg.call("setWebhook", json!({"url": tg.receiver.url})).await;
    let hook = tg
        .receiver
        .wait_for("the queued update", |b| b["message"]["text"] == "queued")
        .await;
    assert_eq!(hook.header("x-telegram-bot-api-secret-token"), None);
    let deliveries = tg.emu.webhook_deliveries();
    assert!(deliveries.iter().all(|d| d.ok && d.url == tg.receiver.url));
}

#[tokio::test]
async fn get_updates_long_polls_and_confirms_by_offset() {
    let tg = Tg::start().await;
    let started = Instant::now();
    let empty = tg.call("getUpdates", json!({"timeout": 1})).await;
    assert_eq!(empty.1["result"], json!([]));
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited the timeout"
    );

    let poll = {
        let http = tg.http.clone();
        let url = tg.url("getUpdates");
        tokio::spawn(async move { post_json(&http, url, &json!({"timeout": 20})).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    tg.user_writes(USER, "one").await;
    let (_, got) = poll.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered when the update came"
    );
    let first = got["result"][0]["update_id"].as_i64().unwrap();
    assert_eq!(got["result"][0]["message"]["text"], "one");

    tg.user_writes(USER, "two").await;
    tg.user_writes(USER, "three").await;
    let all = tg.form("getUpdates", &[("limit", "2")]).await.1;
    assert_eq!(all["result"].as_array().unwrap().len(), 2, "limit");
    assert_eq!(
        all["result"][0]["update_id"], first,
        "unconfirmed updates stay"
    );
    let next = tg.call("getUpdates", json!({"offset": first + 1})).await.1;
    let texts: Vec<_> = next["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["message"]["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("two"), json!("three")]);
    let last = tg.call("getUpdates", json!({"offset": -1})).await.1;
    assert_eq!(last["result"].as_array().unwrap().len(), 1);
    assert_eq!(last["result"][0]["message"]["text"], "three");
    let again = tg.call("getUpdates", json!({})).await.1;
    assert_eq!(
        again["result"].as_array().unwrap().len(),
        1,
        "a negative offset forgot the rest"
    );

    // A second poller ends the waiting one with 409.
    let waiting = {
        let http = tg.http.clone();
        let url = tg.url("getUpdates");
        tokio::spawn(async move {
            post_json(&http, url, &json!({"offset": first + 100, "timeout": 20})).await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    tg.call("getUpdates", json!({"offset": first + 100})).await;
    let ended = waiting.await.unwrap();
    assert_tg_error(
        &ended,
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    );
}

#[tokio::test]
async fn taps_reactions_and_callback_answers() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "hi").await;
    let m = tg
        .send_text(json!({"chat_id": USER, "text": "first"}))
        .await;
    let skipped = tg
        .emu
        .telegram_user_reacts(BOT_ID, USER, m["message_id"].as_i64().unwrap(), Some("🔥"))
        .await
        .unwrap();
    let all = tg
        .call(
            "getUpdates",
            json!({
                "offset": skipped["update_id"],
                "allowed_updates": ["message", "callback_query", "message_reaction"],
            }),
        )
        .await;
    assert_eq!(
        all.1["result"],
        json!([]),
        "message_reaction is off by default"
    );
    let m = tg
        .send_text(json!({"chat_id": USER, "text": "Pick one:",
            "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "order:77:yes"}]]}}))
        .await;
    let id = m["message_id"].as_i64().unwrap();
    let tap = tg
        .emu
        .telegram_user_taps(BOT_ID, USER, id, "order:77:yes")
        .await
        .unwrap();
    let reaction = tg
        .emu
        .telegram_user_reacts(BOT_ID, USER, id, Some("👍"))
        .await
        .unwrap();
    let updates = tg.updates_from(&tap["update_id"]).await;
    let cq = &updates[0]["callback_query"];
    assert_eq!(cq["id"], tap["callback_query_id"]);
    assert_eq!(cq["data"], "order:77:yes");
    assert_eq!(cq["from"]["id"], USER);
    assert_eq!(cq["message"]["message_id"], id);
    assert_eq!(cq["message"]["text"], "Pick one:");
    assert!(cq["chat_instance"].is_string());
    let r = &updates[1]["message_reaction"];
    assert_eq!(updates[1]["update_id"], reaction["update_id"]);
    assert_eq!(r["message_id"], id);
    assert_eq!(r["new_reaction"], json!([{"type": "emoji", "emoji": "👍"}]));
    assert_eq!(r["user"]["id"], USER);

    let qid = cq["id"].as_str().unwrap();
    let ok = tg
        .call(
            "answerCallbackQuery",
            json!({"callback_query_id": qid, "text": "Done"}),
        )
        .await;
    assert_eq!(ok.1, json!({"ok": true, "result": true}));
    let again = tg
        .call("answerCallbackQuery", json!({"callback_query_id": qid}))
        .await;
    assert_tg_error(
        &again,
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    );
    assert!(tg
        .emu
        .telegram_user_taps(BOT_ID, USER, id, "other")
        .await
        .is_err());
    assert!(tg
        .emu
        .telegram_user_taps(BOT_ID, USER, 999, "order:77:yes")
        .await
        .is_err());
}

#[tokio::test]
async fn a_blocked_user_gives_403_and_my_chat_member() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "hi").await;
    tg.call("getUpdates", json!({"offset": -1})).await;
    let b = tg
        .emu
        .telegram_user_blocks(BOT_ID, USER, true)
        .await
        .unwrap();
    let e = tg
        .call("sendMessage", json!({"chat_id": USER, "text": "x"}))
        .await;
    assert_tg_error(&e, 403, "Forbidden: bot was blocked by the user");
    let u = tg
        .call("getUpdates", json!({"offset": b["update_id"]}))
        .await
        .1;
    let mcm = &u["result"][0]["my_chat_member"];
    assert_eq!(mcm["old_chat_member"]["status"], "member");
    assert_eq!(mcm["new_chat_member"]["status"], "kicked");
    assert_eq!(mcm["new_chat_member"]["user"]["id"], BOT_ID);
    assert_eq!(mcm["chat"]["id"], USER);
    tg.emu
        .telegram_user_blocks(BOT_ID, USER, false)
        .await
        .unwrap();
    tg.send_text(json!({"chat_id": USER, "text": "welcome back"}))
        .await;
}

#[tokio::test]
async fn faults_5xx_timeout_and_429() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "hi").await;
    tg.emu.set_faults(Faults {
        error_5xx_rate: 1.0,
        ..Faults::default()
    });
    let e = tg.call("getMe", json!({})).await;
    assert_tg_error(&e, 500, "Internal Server Error");
    tg.emu.set_faults(Faults {
        timeout_rate: 1.0,
        timeout_ms: 50,
        ..Faults::default()
    });
    let started = Instant::now();
    let e = tg
        .call("sendMessage", json!({"chat_id": USER, "text": "x"}))
        .await;
    assert_tg_error(&e, 502, "Bad Gateway");
    assert!(started.elapsed() >= Duration::from_millis(50));
    tg.emu.set_faults(Faults {
        channel_rate_limit_mps: Some(1),
        ..Faults::default()
    });
    tg.send_text(json!({"chat_id": USER, "text": "first"}))
        .await;
    let r = tg
        .http
        .post(tg.url("sendMessage"))
        .json(&json!({"chat_id": USER, "text": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
               "parameters": {"retry_after": 1}})
    );
    assert_eq!(
        tg.call("getMe", json!({})).await.0,
        200,
        "only sends are throttled"
    );
    assert_eq!(tg.emu.sent_messages().len(), 1);
}

#[tokio::test]
async fn scripted_users_reply() {
    let mut config = fast_config();
    config.scripted_replies = vec![ScriptedReply {
        when_text_contains: "price".into(),
        reply: json!({"type": "text", "text": {"body": "Too expensive"}}),
    }];
    let tg = Tg::start_with(config).await;
    tg.user_writes(USER, "hi").await;
    tg.call("getUpdates", json!({"offset": -1})).await;
    tg.send_text(json!({"chat_id": USER, "text": "The PRICE is 10"}))
        .await;
    let mut got = Value::Null;
    for _ in 0..300 {
        got = tg.call("getUpdates", json!({"timeout": 1})).await.1["result"].clone();
        if got
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["message"]["text"] == "Too expensive")
        {
            return;
        }
    }
    panic!("no scripted reply: {got}");
}

#[tokio::test]
async fn control_api_and_the_sandbox_mount() {
    let receiver = crate::raw_hooks::RawReceiver::start().await;
    let emu = switchboard_emulator::Emulator::new(fast_config());
    let app = axum::Router::new().nest_service("/sandbox", emu.router());
    let base = format!("{}/sandbox", serve_on_loopback(app).await);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move { post_json(&http, url, &body).await }
    };
    let added = post(
        "/emulator/telegram/bots",
        json!({"token": BOT_TOKEN, "username": "shop_bot",
        "first_name": "Shop", "webhook_url": receiver.url, "secret_token": "tok"}),
    )
    .await;
    assert_eq!(added, (200, json!({"success": true, "id": BOT_ID})));
    let bad = post("/emulator/telegram/bots", json!({"token": "nocolon"})).await;
    assert_eq!(bad.0, 400);
    let list = http
        .get(format!("{base}/emulator/telegram/bots"))
        .send()
        .await
        .unwrap();
    let list: Value = list.json().await.unwrap();
    assert_eq!(list[0]["id"], BOT_ID);
    assert!(list[0].get("token").is_none());

    let w = post(
        &format!("/emulator/telegram/bots/{BOT_ID}/users/{USER}/messages"),
        json!({"text": "hello"}),
    )
    .await;
    assert_eq!(w.0, 200, "{}", w.1);
    let hook = receiver
        .wait_for("the update", |b| b["message"]["text"] == "hello")
        .await;
    assert_eq!(
        hook.header("x-telegram-bot-api-secret-token").as_deref(),
        Some("tok")
    );
    let me = http
        .get(format!("{base}/telegram/bot{BOT_TOKEN}/getMe"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let sent = post(
        &format!("/telegram/bot{BOT_TOKEN}/sendMessage"),
        json!({"chat_id": USER, "text": "hi",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}}),
    )
    .await;
    let id = sent.1["result"]["message_id"].as_i64().unwrap();
    let tap = post(
        &format!("/emulator/telegram/bots/{BOT_ID}/users/{USER}/callback_queries"),
        json!({"message_id": id, "data": "go"}),
    )
    .await;
    assert_eq!(tap.0, 200, "{}", tap.1);
    receiver
        .wait_for("the tap", |b| b["callback_query"]["data"] == "go")
        .await;
    let set = post(
        &format!("/telegram/bot{BOT_TOKEN}/setWebhook"),
        json!({"url": receiver.url, "secret_token": "tok",
            "allowed_updates": ["message", "message_reaction", "my_chat_member"]}),
    )
    .await;
    assert_eq!(set.0, 200);
    let react = post(
        &format!("/emulator/telegram/bots/{BOT_ID}/users/{USER}/reactions"),
        json!({"message_id": id, "emoji": "🔥"}),
    )
    .await;
    assert_eq!(react.0, 200);
    receiver
        .wait_for("the reaction", |b| {
            b["message_reaction"]["new_reaction"][0]["emoji"] == "🔥"
        })
        .await;
    let block = post(
        &format!("/emulator/telegram/bots/{BOT_ID}/users/{USER}/block"),
        json!({}),
    )
    .await;
    assert_eq!(block.0, 200);
    receiver
        .wait_for("the block", |b| {
            b["my_chat_member"]["new_chat_member"]["status"] == "kicked"
        })
        .await;
    let unknown = post(
        &format!("/emulator/telegram/bots/42/users/{USER}/messages"),
        json!({"text": "x"}),
    )
    .await;
    assert_eq!(unknown.0, 404);
    let nonsense = post(
        &format!("/emulator/telegram/bots/{BOT_ID}/users/{USER}/dance"),
        json!({}),
    )
    .await;
    assert_eq!(nonsense.0, 404);
    let recorded = emu.requests();
    assert!(recorded
        .iter()
        .any(|r| r.path == "/sandbox/telegram/bot[redacted]/getMe"));
    assert!(recorded.iter().all(|r| !r.path.contains(BOT_TOKEN)));
    assert!(recorded.iter().all(|r| !r.path.contains("/emulator/")));
}

#[tokio::test]
async fn users_send_media_locations_contacts_and_replies() {
    let tg = Tg::start().await;
    let first = tg.user_writes(USER, "hi").await;
    let photo = tg
        .user_sends(
            USER,
            json!({
                "photo": {"data": "aGVsbG8="},
                "caption": "look",
                "reply_to_message_id": first["message_id"],
            }),
        )
        .await;
    let doc = tg
        .user_sends(
            USER,
            json!({"document": {"file_name": "inv.pdf", "mime_type": "application/pdf"}}),
        )
        .await;
    tg.user_sends(
        USER,
        json!({"location": {"latitude": 38.7, "longitude": -9.1}}),
    )
    .await;
    tg.user_sends(
        USER,
        json!({"contact": {"phone_number": "+351910000000", "first_name": "Rui"}}),
    )
    .await;
    let updates = tg.updates_from(&photo["update_id"]).await;
    let m = &updates[0]["message"];
    assert_eq!(m["caption"], "look");
    assert_eq!(m["reply_to_message"]["text"], "hi");
    assert_eq!(m["photo"][0]["file_size"], 5);
    let file_id = m["photo"][0]["file_id"].as_str().unwrap();
    let bytes = tg.download(file_id).await;
    assert_eq!(&bytes[..], b"hello");
    let d = &updates[1]["message"]["document"];
    assert_eq!(updates[1]["update_id"], doc["update_id"]);
    assert_eq!(d["file_name"], "inv.pdf");
    assert_eq!(d["mime_type"], "application/pdf");
    assert_eq!(updates[2]["message"]["location"]["latitude"], 38.7);
    assert_eq!(updates[3]["message"]["contact"]["first_name"], "Rui");
    // The bot can resend what the user sent, by file_id.
    let again = tg
        .call(
            "sendDocument",
            json!({"chat_id": USER, "document": d["file_id"]}),
        )
        .await;
    assert_eq!(again.0, 200, "{}", again.1);
    assert!(tg
        .emu
        .telegram_user_writes(BOT_ID, USER, json!({"caption": "only a caption"}))
        .await
        .is_err());
    assert!(tg
        .emu
        .telegram_user_writes(BOT_ID, USER, json!({"photo": {"data": "%%%"}}))
        .await
        .is_err());
    assert!(tg
        .emu
        .telegram_user_writes(BOT_ID, -5, json!({"text": "x"}))
        .await
        .is_err());
}

#[tokio::test]
async fn serve_registers_configured_bots_and_pages() {
    let mut config = fast_config();
    config.bots = vec![switchboard_emulator::BotConfig {
        token: BOT_TOKEN.into(),
        username: "shop_bot".into(),
        ..Default::default()
    }];
    config.pages = vec![switchboard_emulator::PageConfig {
        page_id: "42".into(),
        access_token: "pt".into(),
        ..Default::default()
    }];
    let config: switchboard_emulator::EmulatorConfig =
        serde_json::from_value(serde_json::to_value(&config).unwrap()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(switchboard_emulator::serve(
        config,
        Vec::new(),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let http = reqwest::Client::new();
    let me = post_json(
        &http,
        format!("{base}/telegram/bot{BOT_TOKEN}/getMe"),
        &json!({}),
    )
    .await;
    assert_eq!(me.1["result"]["username"], "shop_bot");
    let send = post_json(
        &http,
        format!("{base}/v25.0/me/messages?access_token=pt"),
        &json!({"recipient": {"id": "1"}, "message": {"text": "x"}}),
    )
    .await;
    assert_eq!(
        send.1["error"]["error_subcode"], 2018001,
        "served as a page"
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn webhook_failures_are_retried_and_reported() {
    let tg = Tg::start().await;
    let dead = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    tg.call("setWebhook", json!({"url": dead})).await;
    tg.user_writes(USER, "lost").await;
    let mut attempts = Vec::new();
    for _ in 0..3000 {
        attempts = tg.emu.webhook_deliveries();
        if attempts.len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(attempts.len(), 5, "max_attempts POSTs");
    assert!(attempts.iter().all(|a| !a.ok && a.url == dead));
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let info = tg.call("getWebhookInfo", json!({})).await.1["result"].clone();
    assert_eq!(info["last_error_message"], "Connection refused");
    assert!(info["last_error_date"].as_i64().unwrap() > 1_700_000_000);
    tg.call("setWebhook", json!({"url": tg.receiver.url})).await;
    let info = tg.call("getWebhookInfo", json!({})).await.1["result"].clone();
    assert!(info.get("last_error_date").is_none(), "{info}");
}
