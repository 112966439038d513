//! The Telegram Bot API emulator: methods, body encodings, answers and documented errors.

use serde_json::json;

use crate::common::status_and_json;
use crate::tg_harness::*;

#[tokio::test]
async fn get_me_tokens_paths_and_methods() {
    let tg = Tg::start().await;
    let (status, me) = tg.call("getMe", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(me["ok"], true);
    assert_eq!(me["result"]["id"], BOT_ID);
    assert_eq!(me["result"]["is_bot"], true);
    assert_eq!(me["result"]["username"], "shop_bot");
    let get = tg.http.get(tg.url("GETME")).send().await.unwrap();
    assert_eq!(
        get.status(),
        200,
        "method names are case-insensitive, GET works"
    );

    let call = |path: String| {
        let http = tg.http.clone();
        async move { status_and_json(http.post(path).send().await.unwrap()).await }
    };
    let unknown = call(format!("{}/telegram/bot1:nope/getMe", tg.base)).await;
    assert_tg_error(&unknown, 401, "Unauthorized");
    let malformed = call(format!("{}/telegram/bot0123:x/getMe", tg.base)).await;
    assert_tg_error(&malformed, 401, "Unauthorized: invalid token specified");
    let no_colon = call(format!("{}/telegram/botabc/getMe", tg.base)).await;
    assert_tg_error(&no_colon, 401, "Unauthorized: invalid token specified");
    let no_bot = call(format!("{}/telegram/{BOT_TOKEN}/getMe", tg.base)).await;
    assert_tg_error(&no_bot, 404, "Not Found");
    let method = tg.call("sendMediaGroup", json!({})).await;
    assert_tg_error(&method, 404, "Not Found: method not found");
}

#[tokio::test]
async fn send_message_in_json_form_and_multipart() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "/start").await;
    let m = tg
        .send_text(json!({"chat_id": USER, "text": "Pick one:", "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "order:77:yes"},
                                                 {"text": "Site", "url": "https://example.com"}]]}}))
        .await;
    assert_eq!(m["message_id"], 2, "the user's /start was message 1");
    assert_eq!(m["from"]["is_bot"], true);
    assert_eq!(m["from"]["id"], BOT_ID);
    assert_eq!(
        m["chat"],
        json!({"id": USER, "type": "private", "first_name": "Ana"})
    );
    assert_eq!(m["text"], "Pick one:");
    assert_eq!(
        m["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "order:77:yes"
    );
    assert!(m["date"].as_i64().unwrap() > 1_700_000_000);

    let markup = json!({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}).to_string();
    let chat = USER.to_string();
    let (status, f) = tg
        .form(
            "sendMessage",
            &[
                ("chat_id", &chat),
                ("text", "via form"),
                ("reply_markup", &markup),
                ("reply_parameters", r#"{"message_id":1}"#),
            ],
        )
        .await;
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["result"]["text"], "via form");
    assert_eq!(
        f["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "a"
    );
    assert_eq!(f["result"]["reply_to_message"]["text"], "/start");

    let form = reqwest::multipart::Form::new()
        .text("chat_id", chat.clone())
        .text("text", "via multipart");
    let (status, mp) = tg.multipart("sendMessage", form).await;
    assert_eq!(status, 200, "{mp}");
    assert_eq!(mp["result"]["text"], "via multipart");
    assert_eq!(mp["result"]["message_id"], 4);

    let sent = tg.emu.sent_messages();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].phone_number_id, BOT_ID.to_string());
    assert_eq!(sent[0].to, USER.to_string());
}

#[tokio::test]
async fn send_message_errors() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "hi").await;
    let e = tg
        .call("sendMessage", json!({"chat_id": 42, "text": "x"}))
        .await;
    assert_tg_error(&e, 400, "Bad Request: chat not found");
    let e = tg.call("sendMessage", json!({"text": "x"})).await;
    assert_tg_error(&e, 400, "Bad Request: chat_id is empty");
    let e = tg
        .call("sendMessage", json!({"chat_id": USER, "text": ""}))
        .await;
    assert_tg_error(&e, 400, "Bad Request: message text is empty");
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "é".repeat(4097)}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: message is too long");
    tg.send_text(json!({"chat_id": USER, "text": "é".repeat(4096)}))
        .await;
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "x".repeat(32769)}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: text is too long");
    let long = "x".repeat(65);
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": long}]]}}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: BUTTON_DATA_INVALID");
    tg.send_text(json!({"chat_id": USER, "text": "x",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "x".repeat(64)}]]}}))
        .await;
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "x",
            "reply_parameters": {"message_id": 999}}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: message to be replied not found");
    let m = tg
        .send_text(json!({"chat_id": USER, "text": "x",
            "reply_parameters": {"message_id": 999, "allow_sending_without_reply": true}}))
        .await;
    assert!(m.get("reply_to_message").is_none());
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "x", "reply_markup": "{not json"}),
        )
        .await;
    assert_eq!(e.0, 400);
    let huge: Vec<_> = (0..200)
        .map(|i| {
            json!([
                {"text": format!("button number {i}"), "url": "https://example.com/a/long/path"},
            ])
        })
        .collect();
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "x",
            "reply_markup": {"inline_keyboard": huge}}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: reply markup is too long");
    assert_eq!(tg.emu.sent_messages().len(), 3);
}

#[tokio::test]
async fn media_by_upload_file_id_and_url() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "hi").await;
    let chat = USER.to_string();
    let form = reqwest::multipart::Form::new()
        .text("chat_id", chat.clone())
        .text("caption", "Invoice")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(b"\xff\xd8\xffjpeg".to_vec())
                .file_name("a.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let (status, p) = tg.multipart("sendPhoto", form).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["result"]["caption"], "Invoice");
    let photo = &p["result"]["photo"][0];
    assert_eq!(photo["file_size"], 7);
    let file_id = photo["file_id"].as_str().unwrap().to_string();

    let (status, f) = tg.call("getFile", json!({"file_id": file_id})).await;
    assert_eq!(status, 200);
    assert_eq!(f["result"]["file_size"], 7);
    let bytes = tg.download(&file_id).await;
    assert_eq!(&bytes[..], b"\xff\xd8\xffjpeg");
    let missing = tg
        .http
        .get(format!(
            "{}/telegram/file/bot{BOT_TOKEN}/photos/nope.jpg",
            tg.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let e = tg.call("getFile", json!({"file_id": "nope"})).await;
    assert_tg_error(&e, 400, "Bad Request: invalid file_id");

    let again = tg
        .call("sendPhoto", json!({"chat_id": USER, "photo": file_id}))
        .await;
    assert_eq!(again.0, 200);
    assert_eq!(again.1["result"]["photo"][0]["file_id"], file_id.as_str());
    let e = tg
        .call("sendVideo", json!({"chat_id": USER, "video": file_id}))
        .await;
    assert_tg_error(&e, 400, "Bad Request: type of file mismatch");
    let e = tg
        .call(
            "sendPhoto",
            json!({"chat_id": USER, "photo": "AgACAgIAunknown"}),
        )
        .await;
    assert_tg_error(
        &e,
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    );
    let e = tg.call("sendPhoto", json!({"chat_id": USER})).await;
    assert_tg_error(&e, 400, "Bad Request: there is no photo in the request");
    let e = tg
        .call(
            "sendPhoto",
            json!({"chat_id": USER, "photo": "https://x/a.jpg", "caption": "c".repeat(1025)}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: message caption is too long");

    let d = tg
        .call(
            "sendDocument",
            json!({"chat_id": USER, "document": "https://x/inv.pdf?x=1"}),
        )
        .await;
    assert_eq!(d.0, 200, "{}", d.1);
    assert_eq!(d.1["result"]["document"]["file_name"], "inv.pdf");
    let e = tg
        .call(
            "sendDocument",
            json!({"chat_id": USER, "document": "https://x/page.html"}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: wrong type of the web page content");

    let form = reqwest::multipart::Form::new()
        .text("chat_id", chat.clone())
        .text("audio", "attach://song")
        .part(
            "song",
            reqwest::multipart::Part::bytes(b"ID3".to_vec()).file_name("s.mp3"),
        );
    let (status, a) = tg.multipart("sendAudio", form).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["result"]["audio"]["file_size"], 3);
    for (method, field) in [
        ("sendVideo", "video"),
        ("sendSticker", "sticker"),
        ("sendVoice", "voice"),
    ] {
        let (status, v) = tg
            .call(method, json!({"chat_id": USER, field: "https://x/file"}))
            .await;
        assert_eq!(status, 200, "{method}: {v}");
        assert!(v["result"][field]["file_id"].is_string(), "{method}: {v}");
    }
    let other = tg
        .call(
            "sendSticker",
            json!({"chat_id": USER, "sticker": "https://x/s.webp"}),
        )
        .await;
    let sticker_id = other.1["result"]["sticker"]["file_id"].as_str().unwrap();
    assert_eq!(other.1["result"]["sticker"]["type"], "regular");
    // A file_id is per bot: another bot cannot use it.
    tg.emu
        .add_bot(switchboard_emulator::BotConfig {
            token: "7000000002:other".into(),
            ..Default::default()
        })
        .unwrap();
    tg.emu
        .telegram_user_writes(7000000002, USER, json!({"text": "hi"}))
        .await
        .unwrap();
    let r = tg
        .http
        .post(format!(
            "{}/telegram/bot7000000002:other/sendSticker",
            tg.base
        ))
        .json(&json!({"chat_id": USER, "sticker": sticker_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn location_contact_actions_and_reactions() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "hi").await;
    let l = tg
        .form(
            "sendLocation",
            &[
                ("chat_id", &USER.to_string()),
                ("latitude", "38.7"),
                ("longitude", "-9.1"),
            ],
        )
        .await;
    assert_eq!(l.0, 200, "{}", l.1);
    assert_eq!(
        l.1["result"]["location"],
        json!({"latitude": 38.7, "longitude": -9.1})
    );
    let e = tg
        .call(
            "sendLocation",
            json!({"chat_id": USER, "latitude": 91, "longitude": 0}),
        )
        .await;
    assert_eq!(e.0, 400);
    let v = tg
        .call(
            "sendVenue",
            json!({"chat_id": USER, "latitude": 38.7, "longitude": -9.1,
                "title": "Shop", "address": "Rua 1"}),
        )
        .await;
    assert_eq!(v.0, 200, "{}", v.1);
    assert_eq!(v.1["result"]["venue"]["title"], "Shop");
    assert_eq!(v.1["result"]["venue"]["address"], "Rua 1");
    let untitled = tg
        .call(
            "sendVenue",
            json!({"chat_id": USER, "latitude": 38.7, "longitude": -9.1, "address": "Rua 1"}),
        )
        .await;
    assert_eq!(untitled.0, 400, "{}", untitled.1);
    let c = tg
        .call(
            "sendContact",
            json!({"chat_id": USER, "phone_number": "+351910000000", "first_name": "Rui"}),
        )
        .await;
    assert_eq!(
        c.1["result"]["contact"],
        json!({"phone_number": "+351910000000", "first_name": "Rui"})
    );
    assert_eq!(
        tg.call(
            "sendChatAction",
            json!({"chat_id": USER, "action": "typing"})
        )
        .await
        .1["result"],
        true
    );
    let e = tg
        .call(
            "sendChatAction",
            json!({"chat_id": USER, "action": "dancing"}),
        )
        .await;
    assert_eq!(e.0, 400);

    let ok = tg
        .call(
            "setMessageReaction",
            json!({"chat_id": USER, "message_id": 1,
            "reaction": [{"type": "emoji", "emoji": "👍"}]}),
        )
        .await;
    assert_eq!(ok.1, json!({"ok": true, "result": true}));
    let cleared = tg
        .call(
            "setMessageReaction",
            json!({"chat_id": USER, "message_id": 1}),
        )
        .await;
    assert_eq!(cleared.1["result"], true);
    let e = tg
        .call(
            "setMessageReaction",
            json!({"chat_id": USER, "message_id": 1,
            "reaction": [{"type": "emoji", "emoji": "👍"}, {"type": "emoji", "emoji": "🔥"}]}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: REACTIONS_TOO_MANY");
    let e = tg
        .call(
            "setMessageReaction",
            json!({"chat_id": USER, "message_id": 1,
            "reaction": [{"type": "emoji", "emoji": "🦀"}]}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: REACTION_INVALID");
    let e = tg
        .call(
            "setMessageReaction",
            json!({"chat_id": USER, "message_id": 99,
            "reaction": [{"type": "emoji", "emoji": "🔥"}]}),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: message to react not found");
}

#[tokio::test]
async fn parse_modes_count_the_parsed_text_and_refuse_bad_markup() {
    let tg = Tg::start().await;
    tg.user_writes(USER, "hi").await;
    let html = format!("<b>{}</b>", "x".repeat(4096));
    tg.send_text(json!({"chat_id": USER, "text": html, "parse_mode": "HTML"}))
        .await;
    let e = tg
        .call(
            "sendMessage",
            json!({
                "chat_id": USER,
                "text": format!("<b>{}</b>", "x".repeat(4097)),
                "parse_mode": "HTML",
            }),
        )
        .await;
    assert_tg_error(&e, 400, "Bad Request: message is too long");
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "<div>x</div>", "parse_mode": "HTML"}),
        )
        .await;
    assert_tg_error(
        &e,
        400,
        "Bad Request: can't parse entities: Unsupported start tag \"div\" at byte offset 0",
    );
    let e = tg
        .call(
            "sendMessage",
            json!({"chat_id": USER, "text": "Total: 10.50", "parse_mode": "MarkdownV2"}),
        )
        .await;
    assert_tg_error(
        &e,
        400,
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    tg.send_text(json!({"chat_id": USER, "text": "Total: 10\\.50", "parse_mode": "MarkdownV2"}))
        .await;
    let e = tg
        .call(
            "sendPhoto",
            json!({
                "chat_id": USER,
                "photo": "https://x/a.jpg",
                "caption": "*open",
                "parse_mode": "Markdown",
            }),
        )
        .await;
    assert_tg_error(
        &e,
        400,
        "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0",
    );
}
