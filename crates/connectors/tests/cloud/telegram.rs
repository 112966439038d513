//! The Telegram connector over real HTTP against the emulator's Bot API: each canonical
//! kind's mapping, uploads with the send, replies, reactions, media download, errors and
//! their classes.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connectors::telegram::mapping::to_call;
use switchboard_connectors::{
    Attachment, CloudClient, Connector, ConnectorConfig, ErrorClass, TelegramConnector,
    TelegramTarget,
};
use switchboard_core::channel::telegram::callback_data;
use switchboard_emulator::{BotConfig, Emulator, EmulatorConfig, Faults};

use crate::common::serve;

const TOKEN: &str = "700123:AAH-connector-test-secret";
const BOT: i64 = 700123;
const USER: i64 = 5550100;

async fn bot() -> (Emulator, TelegramConnector) {
    let emulator = Emulator::new(EmulatorConfig::default());
    emulator
        .add_bot(BotConfig {
            token: TOKEN.into(),
            username: "test_bot".into(),
            first_name: "Test".into(),
            webhook_url: None,
            secret_token: None,
        })
        .unwrap();
    let base = serve(emulator.router()).await;
    let client = CloudClient::new(ConnectorConfig {
        request_timeout: Duration::from_secs(5),
        ..ConnectorConfig::default()
    })
    .unwrap();
    let target = TelegramTarget {
        base_url: format!("{base}/telegram"),
        bot_token: TOKEN.into(),
        webhook_secret: "hook-secret".into(),
    };
    (emulator, TelegramConnector::new(client, target))
}

fn body(kind: &str, content: Value) -> Value {
    json!({"messaging_product": "whatsapp", "to": USER.to_string(), "type": kind, kind: content})
}

#[test]
fn canonical_kinds_map_to_bot_api_methods() {
    let call = to_call(&body("text", json!({"body": "hi", "preview_url": true}))).unwrap();
    assert_eq!(call.method, "sendMessage");
    assert_eq!(call.params["chat_id"], json!(USER));
    assert_eq!(call.params["link_preview_options"]["is_disabled"], false);
    let call = to_call(&body("audio", json!({"id": "file-1", "voice": true}))).unwrap();
    assert_eq!(
        (call.method, call.media_field),
        ("sendVoice", Some("voice"))
    );
    let call = to_call(&body(
        "location",
        json!({"latitude": 38.7, "longitude": -9.1}),
    ))
    .unwrap();
    assert_eq!(call.method, "sendLocation");
    let long = "l".repeat(80);
    let call = to_call(&body(
        "interactive",
        json!({"type": "list", "header": {"type": "text", "text": "Menu"},
            "body": {"text": "Pick"}, "footer": {"text": "thanks"},
            "action": {"button": "Open", "sections": [{"title": "S", "rows": [
                {"id": long, "title": "Long"}, {"id": "short", "title": "Short"}]}]}}),
    ))
    .unwrap();
    assert_eq!(call.params["text"], "Menu\n\nPick\n\nthanks");
    let rows = call.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap();
    assert_eq!(rows[0][0]["callback_data"], callback_data(&long));
    assert!(rows[0][0]["callback_data"].as_str().unwrap().len() <= 64);
    assert_eq!(rows[1][0]["callback_data"], "short");
    let call = to_call(&body(
        "interactive",
        json!({"type": "cta_url", "body": {"text": "See"}, "action": {"name": "cta_url",
            "parameters": {"display_text": "Site", "url": "https://example.com"}}}),
    ))
    .unwrap();
    assert_eq!(
        call.params["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://example.com"
    );
    let mut reply = body("text", json!({"body": "re"}));
    reply["context"] = json!({"message_id": "5550100:41"});
    assert_eq!(
        to_call(&reply).unwrap().params["reply_parameters"]["message_id"],
        41
    );
    reply["context"] = json!({"message_id": "wamid.nope"});
    assert!(!to_call(&reply).unwrap_err().is_retryable());
}

#[tokio::test]
async fn sends_every_kind_and_ids_are_chat_scoped() {
    let (emulator, tg) = bot().await;
    emulator
        .telegram_user_writes(BOT, USER, json!({"text": "start"}))
        .await
        .unwrap();
    let text = tg
        .send(&body("text", json!({"body": "hello"})))
        .await
        .unwrap();
    let (chat, number) = text.upstream_id.split_once(':').unwrap();
    assert_eq!(chat, USER.to_string());
    assert!(number.parse::<i64>().is_ok());
    let mut reply = body("text", json!({"body": "a reply"}));
    reply["context"] = json!({"message_id": text.upstream_id});
    tg.send(&reply).await.unwrap();
    tg.send(&body(
        "image",
        json!({"link": "https://example.com/a.jpg", "caption": "c"}),
    ))
    .await
    .unwrap();
    tg.send(&body(
        "location",
        json!({"latitude": 38.7, "longitude": -9.1}),
    ))
    .await
    .unwrap();
    tg.send(&body(
        "contacts",
        json!([{"name": {"formatted_name": "Ana B", "first_name": "Ana"},
        "phones": [{"phone": "+351 912 345 678"}]}]),
    ))
    .await
    .unwrap();
    tg.send(&body(
        "interactive",
        json!({"type": "button", "body": {"text": "Ok?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}),
    ))
    .await
    .unwrap();
    let reaction = tg
        .send(&body(
            "reaction",
            json!({"message_id": text.upstream_id, "emoji": "👍"}),
        ))
        .await
        .unwrap();
    assert!(reaction.upstream_id.contains(":reaction:"));

    // An upload travels with the send; Telegram's file_id comes back to be reused.
    let bytes = bytes::Bytes::from_static(b"%PDF-1.4 test");
    let attachment = Attachment {
        len: bytes.len() as u64,
        body: reqwest::Body::from(bytes),
        mime_type: "application/pdf".into(),
        filename: "invoice.pdf".into(),
    };
    let doc = body(
        "document",
        json!({"id": "med_placeholder", "caption": "invoice"}),
    );
    let sent = tg.send_with_attachment(&doc, attachment).await.unwrap();
    let file_id = sent.media_id.expect("file_id");
    let again = body("document", json!({"id": file_id}));
    tg.send(&again).await.unwrap();
    // And inbound media is fetched through getFile.
    let info = tg.media_info(&file_id).await.unwrap();
    let downloaded = tg
        .download_media(&info.url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&downloaded[..], b"%PDF-1.4 test");
}

#[tokio::test]
async fn errors_are_classified() {
    let (emulator, tg) = bot().await;
    let unknown = tg
        .send(&body("text", json!({"body": "hi"})))
        .await
        .unwrap_err();
    assert_eq!(unknown.class, ErrorClass::Permanent);
    assert!(
        unknown.message.contains("chat not found"),
        "{}",
        unknown.message
    );
    emulator
        .telegram_user_writes(BOT, USER, json!({"text": "hi"}))
        .await
        .unwrap();
    emulator
        .telegram_user_blocks(BOT, USER, true)
        .await
        .unwrap();
    let blocked = tg
        .send(&body("text", json!({"body": "hi"})))
        .await
        .unwrap_err();
    assert_eq!(
        (blocked.class, blocked.http_status),
        (ErrorClass::Permanent, Some(403))
    );
    emulator
        .telegram_user_blocks(BOT, USER, false)
        .await
        .unwrap();
    emulator.set_faults(Faults {
        channel_rate_limit_mps: Some(1),
        ..Faults::default()
    });
    let mut throttled = None;
    for _ in 0..3 {
        if let Err(e) = tg.send(&body("text", json!({"body": "fast"}))).await {
            throttled = Some(e);
            break;
        }
    }
    let throttled = throttled.expect("a 429");
    assert_eq!(throttled.class, ErrorClass::RateLimited);
    assert_eq!(throttled.retry_after, Some(Duration::from_secs(1)));
    let wrong = TelegramConnector::new(
        CloudClient::new(ConnectorConfig::default()).unwrap(),
        TelegramTarget {
            bot_token: "700123:wrong".into(),
            ..tg.target().clone()
        },
    );
    let unauthorized = wrong
        .send(&body("text", json!({"body": "x"})))
        .await
        .unwrap_err();
    assert_eq!(unauthorized.http_status, Some(401));
    assert!(
        !unauthorized.message.contains("wrong"),
        "token scrubbed: {}",
        unauthorized.message
    );
    // setWebhook and getUpdates.
    tg.connect_inbound(None).await.unwrap();
    emulator.set_faults(Faults::default());
    emulator
        .telegram_user_writes(BOT, USER, json!({"text": "poll me"}))
        .await
        .unwrap();
    let updates = tg.poll_inbound(0, 1).await.unwrap();
    assert!(
        updates.iter().any(|u| u["message"]["text"] == "poll me"),
        "{updates:?}"
    );
}
