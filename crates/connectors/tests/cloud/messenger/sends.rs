//! Every mapped kind accepted by the emulator and recorded as mapped; limits refused before
//! any call; uploads sent by attachment id.

use bytes::Bytes;
use serde_json::{json, Value};
use switchboard_connectors::messenger::{MessengerConnector, Platform};
use switchboard_connectors::{Connector, ErrorClass};

use super::*;

fn buttons() -> Value {
    json!({"type": "button", "header": {"type": "text", "text": "Order 42"},
        "body": {"text": "Ship it?"}, "footer": {"text": "Tap one"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
            {"type": "reply", "reply": {"id": "no", "title": "No"}}]}})
}

fn list() -> Value {
    json!({"type": "list", "body": {"text": "Pick a size"}, "action": {"button": "Sizes", "sections": [
        {"title": "Small", "rows": [{"id": "s", "title": "S"}]},
        {"title": "Large", "rows": [{"id": "l", "title": "L"}, {"id": "xl", "title": "XL"}]}]}})
}

fn cta() -> Value {
    json!({"type": "cta_url", "body": {"text": "Track your parcel"}, "action": {"name": "cta_url",
        "parameters": {"display_text": "Track", "url": "https://example.com/track/42"}}})
}

/// Sends every kind through `c` to `user` and returns the Send API bodies recorded.
async fn every_kind(m: &Meta, c: &MessengerConnector, user: &str, inbound_mid: &str) -> Vec<Value> {
    let mut text = canonical_to(user, "text", json!({"body": "Hello"}));
    text["context"] = json!({"message_id": inbound_mid});
    let bodies = [
        text,
        canonical_to(user, "image", json!({"link": "https://example.com/a.png"})),
        canonical_to(user, "video", json!({"link": "https://example.com/a.mp4"})),
        canonical_to(user, "audio", json!({"link": "https://example.com/a.mp3"})),
        canonical_to(
            user,
            "document",
            json!({"link": "https://example.com/a.pdf", "filename": "a.pdf"}),
        ),
        canonical_to(user, "interactive", buttons()),
        canonical_to(user, "interactive", list()),
        canonical_to(user, "interactive", cta()),
    ];
    let before = m.emu.sent_messages().len();
    for body in &bodies {
        let r = c
            .send(body)
            .await
            .unwrap_or_else(|e| panic!("{body}: {e:?}"));
        assert!(r.upstream_id.starts_with("m_"), "{r:?}");
        assert_eq!(r.wa_id.as_deref(), Some(user));
    }
    let sent = m.emu.sent_messages();
    assert_eq!(sent.len() - before, bodies.len());
    sent[before..].iter().map(|s| s.body.clone()).collect()
}

fn check_recorded(got: &[Value], user: &str, inbound_mid: &str) {
    for b in got {
        assert_eq!(b["recipient"]["id"], user);
        assert_eq!(b["messaging_type"], "RESPONSE");
    }
    assert_eq!(got[0]["message"], json!({"text": "Hello"}));
    assert_eq!(got[0]["reply_to"], json!({ "mid": inbound_mid }));
    for (i, kind) in [(1, "image"), (2, "video"), (3, "audio"), (4, "file")] {
        assert_eq!(got[i]["message"]["attachment"]["type"], kind);
        assert_eq!(
            got[i]["message"]["attachment"]["payload"]["is_reusable"],
            true
        );
    }
    assert_eq!(got[5]["message"]["text"], "Order 42\n\nShip it?\n\nTap one");
    assert_eq!(
        got[5]["message"]["quick_replies"],
        json!([{"content_type": "text", "title": "Yes", "payload": "yes"},
               {"content_type": "text", "title": "No", "payload": "no"}])
    );
    let rows: Vec<&str> = got[6]["message"]["quick_replies"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|q| q["payload"].as_str())
        .collect();
    assert_eq!(rows, ["s", "l", "xl"]);
    let payload = &got[7]["message"]["attachment"]["payload"];
    assert_eq!(payload["template_type"], "button");
    assert_eq!(
        payload["buttons"][0],
        json!({"type": "web_url", "url": "https://example.com/track/42", "title": "Track"})
    );
}

#[tokio::test]
async fn messenger_accepts_every_mapped_kind() {
    let m = Meta::start().await;
    let mid = m.user_writes(PAGE_ID, PSID, "hi").await;
    let got = every_kind(&m, &m.messenger, PSID, &mid).await;
    check_recorded(&got, PSID, &mid);
    assert!(m
        .emu
        .requests()
        .iter()
        .all(|r| r.path.contains(&format!("/v25.0/{PAGE_ID}/messages"))
            || !r.path.contains("/messages")));
}

#[tokio::test]
async fn instagram_accepts_every_mapped_kind_on_both_logins() {
    let m = Meta::start().await;
    let mid = m.user_writes(IG_ID, IGSID, "hi").await;
    let got = every_kind(&m, &m.instagram, IGSID, &mid).await;
    check_recorded(&got, IGSID, &mid);
    assert!(m
        .emu
        .requests()
        .iter()
        .any(|r| r.path.contains(&format!("/v25.0/{IG_ID}/messages"))));
    // Facebook Login: the linked Page's token, sent to /me/messages.
    m.emu
        .add_page(PageConfig {
            page_id: IG_FB_PAGE.into(),
            platform: PagePlatform::Instagram,
            access_token: IG_FB_TOKEN.into(),
            app_secret: SECRET.into(),
            ..PageConfig::default()
        })
        .expect("linked account");
    m.user_writes(IG_FB_PAGE, IGSID, "hi").await;
    let c = MessengerConnector::instagram(
        m.client.clone(),
        &instagram_settings(Some(IG_FB_PAGE)),
        &m.base,
    );
    assert_eq!(c.target().path_id, "me");
    let r = c
        .send(&canonical_to(IGSID, "text", json!({"body": "via me"})))
        .await
        .expect("sent");
    assert!(r.upstream_id.starts_with("m_"));
    assert!(m
        .emu
        .requests()
        .iter()
        .any(|r| r.path.contains("/v25.0/me/messages")));
}

#[tokio::test]
async fn reactions_and_the_human_agent_tag() {
    let m = Meta::start().await;
    let mid = m.user_writes(PAGE_ID, PSID, "hi").await;
    let react = canonical_to(PSID, "reaction", json!({"message_id": mid, "emoji": "👍"}));
    let r = m.messenger.send(&react).await.expect("react");
    assert!(r.upstream_id.starts_with(&format!("react.{mid}.")), "{r:?}");
    let unreact = canonical_to(PSID, "reaction", json!({"message_id": mid, "emoji": ""}));
    let r2 = m.messenger.send(&unreact).await.expect("unreact");
    assert_ne!(r.upstream_id, r2.upstream_id);
    let actions: Vec<Value> = m
        .emu
        .requests()
        .into_iter()
        .map(|r| r.body)
        .filter(|b| b.get("sender_action").is_some())
        .collect();
    assert_eq!(
        actions[0],
        json!({"recipient": {"id": PSID}, "sender_action": "react", "payload": {"message_id": mid, "reaction": "👍"}})
    );
    assert_eq!(actions[1]["sender_action"], "unreact");
    assert!(
        m.emu.sent_messages().is_empty(),
        "sender actions are not messages"
    );

    // The user wrote 3 days ago: the standard window is closed, HUMAN_AGENT passes.
    let three_days = 3 * 24 * 3600 * 1000;
    let old = chrono_ms() - three_days;
    m.emu
        .page_user_writes(PAGE_ID, "777", json!({"text": "old", "timestamp": old}))
        .await
        .expect("old message");
    let plain = canonical_to("777", "text", json!({"body": "late"}));
    let err = m
        .messenger
        .send(&plain)
        .await
        .expect_err("outside the window");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(10)));
    assert_eq!(messenger::subcode(&err), Some(2018278));
    assert!(!messenger::is_channel_error(
        err.code,
        messenger::subcode(&err)
    ));
    let mut tagged = plain.clone();
    tagged["tag"] = json!("HUMAN_AGENT");
    m.messenger
        .send(&tagged)
        .await
        .expect("a person's reply within 7 days");
    let last = m.sent_bodies().pop().expect("recorded");
    assert_eq!(
        (last["messaging_type"].as_str(), last["tag"].as_str()),
        (Some("MESSAGE_TAG"), Some("HUMAN_AGENT"))
    );
}

fn chrono_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[tokio::test]
async fn limits_are_refused_before_any_call() {
    let m = Meta::start().await;
    let too_many: Vec<Value> = (0..14)
        .map(|i| json!({"id": format!("r{i}"), "title": format!("Row {i}")}))
        .collect();
    let cases = [
        (
            Platform::Messenger,
            canonical_to(PSID, "text", json!({"body": "a".repeat(2000)})),
            "text.body",
        ),
        (
            Platform::Instagram,
            canonical_to(IGSID, "text", json!({"body": "é".repeat(501)})),
            "text.body",
        ),
        (
            Platform::Messenger,
            canonical_to(
                PSID,
                "interactive",
                json!({"type": "list", "body": {"text": "x"},
            "action": {"button": "b", "sections": [{"rows": too_many}]}}),
            ),
            "interactive.action.sections",
        ),
        (
            Platform::Instagram,
            canonical_to(
                IGSID,
                "interactive",
                json!({"type": "button", "body": {"text": "x"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A title over twenty chars"}}]}}),
            ),
            "interactive.action.buttons[0].reply.title",
        ),
        (
            Platform::Messenger,
            canonical_to(
                PSID,
                "image",
                json!({"link": "https://x/a.png", "caption": "c"}),
            ),
            "image.caption",
        ),
        (
            Platform::Messenger,
            canonical_to(PSID, "location", json!({"latitude": 1.0, "longitude": 2.0})),
            "type",
        ),
        (
            Platform::Messenger,
            {
                let mut b = canonical_to(PSID, "text", json!({"body": "x"}));
                b["tag"] = json!("POST_PURCHASE_UPDATE");
                b
            },
            "tag",
        ),
    ];
    for (platform, body, field) in cases {
        let e = messenger::check(&body, platform).expect_err("refused");
        assert_eq!(e.field, field, "{body}");
        let c = match platform {
            Platform::Messenger => &m.messenger,
            Platform::Instagram => &m.instagram,
        };
        let err = c.send(&body).await.expect_err("refused");
        assert_eq!(err.class, ErrorClass::Permanent);
        assert!(err.message.contains(field), "{err:?}");
    }
    assert_eq!(m.send_api_requests(), 0, "nothing reached the emulator");
}

#[tokio::test]
async fn upload_then_send_by_attachment_id() {
    let m = Meta::start().await;
    m.user_writes(PAGE_ID, PSID, "hi").await;
    let id = m
        .messenger
        .upload_media(
            Bytes::from_static(b"%PDF-1.4 test"),
            "application/pdf",
            "terms.pdf",
        )
        .await
        .expect("uploaded");
    assert!(!id.is_empty());
    let upload = m
        .emu
        .requests()
        .into_iter()
        .find(|r| r.path.contains("/message_attachments"))
        .expect("upload request");
    assert!(
        upload
            .path
            .contains(&format!("/v25.0/{PAGE_ID}/message_attachments")),
        "{}",
        upload.path
    );
    let r = m
        .messenger
        .send(&canonical_to(PSID, "document", json!({ "id": id })))
        .await
        .expect("sent by id");
    assert!(r.upstream_id.starts_with("m_"));
    let last = m.sent_bodies().pop().expect("recorded");
    assert_eq!(
        last["message"]["attachment"],
        json!({"type": "file", "payload": {"attachment_id": id}})
    );
    // Streamed uploads too, on Instagram; an id the account did not save is refused by Meta.
    m.user_writes(IG_ID, IGSID, "hi").await;
    let body = reqwest::Body::from(vec![0u8; 64]);
    let ig = m
        .instagram
        .upload_media_stream(body, 64, "image/png", "a.png")
        .await
        .expect("streamed");
    m.instagram
        .send(&canonical_to(IGSID, "image", json!({ "id": ig })))
        .await
        .expect("sent by id");
    let err = m
        .instagram
        .send(&canonical_to(IGSID, "image", json!({ "id": id })))
        .await
        .expect_err("another account's attachment");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(100)));
    assert_eq!(messenger::subcode(&err), Some(2018074));
}

#[tokio::test]
async fn templates_are_refused_without_a_call() {
    let m = Meta::start().await;
    for err in [
        m.messenger
            .list_templates(None)
            .await
            .expect_err("no templates"),
        m.instagram
            .create_template(&json!({"name": "x"}))
            .await
            .expect_err("no templates"),
        m.messenger
            .delete_template("x")
            .await
            .expect_err("no templates"),
    ] {
        assert_eq!(err.class, ErrorClass::Permanent);
    }
    assert!(m.emu.requests().is_empty());
}

#[tokio::test]
async fn mark_read_marks_the_conversation_seen() {
    let m = Meta::start().await;
    let mid = m.user_writes(PAGE_ID, PSID, "hi").await;
    m.messenger
        .mark_read(PSID, &mid, true)
        .await
        .expect("marked seen");
    let actions: Vec<Value> = m
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.status == 200 && r.body.get("sender_action").is_some())
        .map(|r| r.body)
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0]["sender_action"], "mark_seen");
    assert_eq!(actions[0]["recipient"]["id"], PSID);
    assert_eq!(actions[1]["sender_action"], "typing_on");
}
