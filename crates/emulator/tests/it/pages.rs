//! The Messenger and Instagram Send API emulator: routes, tokens, bodies, answers, limits.

use serde_json::{json, Value};

use crate::common::{fast_config, Harness, PHONE_ID};
use crate::page_harness::*;

fn text_to(user: &str, text: &str) -> Value {
    json!({"recipient": {"id": user}, "messaging_type": "RESPONSE", "message": {"text": text}})
}

#[tokio::test]
async fn messenger_sends_by_me_and_page_id_with_either_token_placement() {
    let pg = Pg::start().await;
    pg.user_writes(PAGE_ID, PSID, "hi").await;
    let (status, a) = pg.messenger(text_to(PSID, "Hello")).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["recipient_id"], PSID);
    assert!(a["message_id"].as_str().unwrap().starts_with("m_"));
    assert_eq!(a.as_object().unwrap().len(), 2);

    let r = pg
        .http
        .post(format!("{}/v25.0/{PAGE_ID}/messages", pg.base))
        .bearer_auth(PAGE_TOKEN)
        .json(&text_to(PSID, "by id"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Form body with JSON-string fields, as Meta's own curl samples.
    let r = pg
        .http
        .post(format!(
            "{}/v25.0/me/messages?access_token={PAGE_TOKEN}",
            pg.base
        ))
        .form(&[
            ("recipient", format!("{{\"id\":\"{PSID}\"}}")),
            ("message", "{\"text\":\"form\"}".to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Multipart upload with the file in `filedata`.
    let form = image_upload(Some(PSID));
    let r = pg
        .http
        .post(format!(
            "{}/v25.0/me/messages?access_token={PAGE_TOKEN}",
            pg.base
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sent = pg.emu.sent_messages();
    assert_eq!(sent.len(), 4);
    assert!(sent
        .iter()
        .all(|s| s.phone_number_id == PAGE_ID && s.to == PSID));

    let typing = pg
        .messenger(json!({"recipient": {"id": PSID}, "sender_action": "typing_on"}))
        .await;
    assert_eq!(typing, (200, json!({"recipient_id": PSID})));
    let react = pg
        .messenger(json!({"recipient": {"id": PSID}, "sender_action": "react",
            "payload": {"message_id": a["message_id"], "reaction": "😊"}}))
        .await;
    assert_eq!(react, (200, json!({"recipient_id": PSID})));
    assert_eq!(pg.emu.sent_messages().len(), 4, "actions are not messages");
}

#[tokio::test]
async fn tokens_and_ids() {
    let pg = Pg::start().await;
    pg.user_writes(PAGE_ID, PSID, "hi").await;
    let e = pg
        .send("/v25.0/me/messages", "nobody", text_to(PSID, "x"))
        .await;
    assert_graph(&e, 401, 190, None);
    let e = pg
        .send(
            &format!("/v25.0/{PAGE_ID}/messages"),
            IG_TOKEN,
            text_to(PSID, "x"),
        )
        .await;
    assert_graph(&e, 400, 100, Some(33));
    let r = pg
        .http
        .post(format!("{}/v25.0/me/messages", pg.base))
        .json(&text_to(PSID, "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let e = pg
        .send("/25.0/me/messages", PAGE_TOKEN, text_to(PSID, "x"))
        .await;
    assert_eq!(e.1["error"]["code"], 2500);
}

#[tokio::test]
async fn a_phone_number_id_still_routes_to_the_cloud_api() {
    let h = Harness::start(fast_config()).await;
    h.emu
        .add_page(switchboard_emulator::PageConfig {
            page_id: PHONE_ID.into(),
            access_token: PAGE_TOKEN.into(),
            ..Default::default()
        })
        .unwrap();
    let (status, body) = h.send_text("16505551234", "hi").await;
    assert_eq!(status, 200, "the phone number wins: {body}");
    assert!(body["messages"][0]["id"]
        .as_str()
        .unwrap()
        .starts_with("wamid."));
}

/// A Messenger request to `PSID` with `message`.
fn to_psid(message: Value) -> Value {
    json!({"recipient": {"id": PSID}, "message": message})
}

/// A request to `PSID` with `messaging_type` (and `tag`).
fn typed(messaging_type: &str, tag: Option<&str>) -> Value {
    let mut v = to_psid(json!({"text": "x"}));
    v["messaging_type"] = json!(messaging_type);
    if let Some(t) = tag {
        v["tag"] = json!(t);
    }
    v
}

fn quick_replies(n: usize, title: &str) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|i| json!({"content_type": "text", "title": format!("{title}{i}"), "payload": "P"}))
        .collect();
    to_psid(json!({"text": "pick", "quick_replies": list}))
}

fn button_template(n: usize) -> Value {
    let buttons: Vec<Value> = (0..n)
        .map(|i| json!({"type": "postback", "title": format!("B{i}"), "payload": "P"}))
        .collect();
    let payload = json!({"template_type": "button", "text": "What next?", "buttons": buttons});
    to_psid(json!({"attachment": {"type": "template", "payload": payload}}))
}

#[tokio::test]
async fn messenger_limits_and_errors() {
    let pg = Pg::start().await;
    pg.user_writes(PAGE_ID, PSID, "hi").await;
    assert_graph(
        &pg.messenger(text_to("999", "x")).await,
        400,
        100,
        Some(2018001),
    );
    let both =
        json!({"recipient": {"id": PSID}, "message": {"text": "x"}, "sender_action": "typing_on"});
    assert_graph(&pg.messenger(both).await, 400, 100, Some(2018014));

    let generic = json!({"template_type": "generic", "elements": [{
        "title": "Blue hat", "subtitle": "€20", "image_url": "https://x/hat.jpg",
        "default_action": {"type": "web_url", "url": "https://x/hat"},
        "buttons": [{"type": "postback", "title": "Buy", "payload": "BUY_HAT"}]}]});
    let accepted = [
        text_to(PSID, &"é".repeat(1999)),
        quick_replies(13, "Q"),
        button_template(3),
        to_psid(json!({"attachment": {"type": "template", "payload": generic}})),
        to_psid(json!({"attachment": {"type": "video", "payload": {"url": "https://x/v.mp4"}}})),
        typed("UPDATE", None),
        typed("MESSAGE_TAG", Some("CUSTOMER_FEEDBACK")),
    ];
    for body in accepted {
        let got = pg.messenger(body.clone()).await;
        assert_eq!(got.0, 200, "{body} → {}", got.1);
    }
    let refused = [
        json!({"message": {"text": "x"}}),
        json!({"recipient": {"id": PSID}}),
        text_to(PSID, &"é".repeat(2000)),
        quick_replies(14, "Q"),
        quick_replies(1, &"x".repeat(21)),
        button_template(4),
        button_template(0),
        to_psid(json!({"attachment": {"type": "image", "payload": {}}})),
        typed("MESSAGE_TAG", Some("ACCOUNT_UPDATE")),
        typed("MESSAGE_TAG", None),
        typed("SOMETIMES", None),
        json!({"recipient": {"id": PSID}, "sender_action": "dance"}),
    ];
    for body in refused {
        assert_graph(&pg.messenger(body).await, 400, 100, None);
    }
}

#[tokio::test]
async fn windows_tags_and_blocked_users() {
    let pg = Pg::start().await;
    let day = 24 * 3600 * 1000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    pg.emu
        .page_user_writes(
            PAGE_ID,
            PSID,
            json!({"text": "old", "timestamp": now - day - 1000}),
        )
        .await
        .unwrap();
    let e = pg.messenger(text_to(PSID, "late")).await;
    assert_graph(&e, 400, 10, Some(2018278));
    let human = pg
        .messenger(json!({
            "recipient": {"id": PSID},
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
            "message": {"text": "agent"},
        }))
        .await;
    assert_eq!(human.0, 200, "HUMAN_AGENT reaches 7 days: {}", human.1);
    pg.emu
        .page_user_writes(
            IG_ID,
            IGSID,
            json!({"text": "old", "timestamp": now - 8 * day}),
        )
        .await
        .unwrap();
    let e = pg.instagram(text_to(IGSID, "late")).await;
    assert_graph(&e, 400, 10, Some(2534022));
    let e = pg
        .instagram(json!({
            "recipient": {"id": IGSID},
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
            "message": {"text": "agent"},
        }))
        .await;
    assert_graph(&e, 400, 10, Some(2534022));
    pg.user_taps_agent(PAGE_ID, PSID).await;
    assert_eq!(
        pg.messenger(text_to(PSID, "a postback opens it")).await.0,
        200
    );

    pg.emu.page_user_blocks(PAGE_ID, PSID, true).unwrap();
    let e = pg.messenger(text_to(PSID, "x")).await;
    assert_graph(&e, 400, 551, Some(1545041));
    pg.emu.page_user_blocks(PAGE_ID, PSID, false).unwrap();
    assert_eq!(pg.messenger(text_to(PSID, "x")).await.0, 200);
}

#[tokio::test]
async fn instagram_limits() {
    let pg = Pg::start().await;
    pg.user_writes(IG_ID, IGSID, "hi").await;
    let ok = pg.instagram(text_to(IGSID, &"a".repeat(1000))).await;
    assert_eq!(ok.0, 200);
    assert!(ok.1["message_id"].is_string());
    let e = pg.instagram(text_to(IGSID, &"é".repeat(501))).await;
    assert_graph(&e, 400, 100, None);
    let e = pg.instagram(text_to("42", "x")).await;
    assert_graph(&e, 400, 100, Some(2534014));
    let e = pg
        .instagram(json!({
            "recipient": {"id": IGSID},
            "messaging_type": "MESSAGE_TAG",
            "tag": "CUSTOMER_FEEDBACK",
            "message": {"text": "x"},
        }))
        .await;
    assert_graph(&e, 400, 100, None);
    let long_title = pg
        .instagram(
            json!({"recipient": {"id": IGSID}, "message": {"text": "pick",
            "quick_replies": [{"content_type": "text", "title": "x".repeat(30), "payload": "P"}]}}),
        )
        .await;
    assert_eq!(
        long_title.0, 200,
        "Instagram truncates long titles: {}",
        long_title.1
    );
    let heart = pg
        .instagram(
            json!({"recipient": {"id": IGSID}, "message": {"attachment": {"type": "like_heart"}}}),
        )
        .await;
    assert_eq!(heart.0, 200);
    let images: Vec<_> = (0..10)
        .map(|i| json!({"type": "image", "payload": {"url": format!("https://x/{i}.png")}}))
        .collect();
    let many = pg
        .instagram(json!({"recipient": {"id": IGSID}, "message": {"attachments": images}}))
        .await;
    assert_eq!(many.0, 200, "{}", many.1);
    let unreact = pg
        .instagram(json!({
            "recipient": {"id": IGSID},
            "sender_action": "unreact",
            "payload": {"message_id": "m_x"},
        }))
        .await;
    assert_eq!(unreact, (200, json!({"recipient_id": IGSID})));
    let e = pg
        .messenger(
            json!({"recipient": {"id": PSID}, "message": {"attachment": {"type": "like_heart"}}}),
        )
        .await;
    assert_eq!(e.0, 400, "like_heart is Instagram's");
}

#[tokio::test]
async fn saved_attachments_are_per_page() {
    let pg = Pg::start().await;
    pg.user_writes(PAGE_ID, PSID, "hi").await;
    pg.user_writes(IG_ID, IGSID, "hi").await;
    let up = pg
        .send(
            &format!("/v25.0/{PAGE_ID}/message_attachments"),
            PAGE_TOKEN,
            json!({
                "message": {"attachment": {"type": "image", "payload": {"url": "https://x/img.jpg", "is_reusable": true}}},
            }),
        )
        .await;
    assert_eq!(up.0, 200, "{}", up.1);
    let id = up.1["attachment_id"].as_str().unwrap().to_string();
    assert!(id.chars().all(|c| c.is_ascii_digit()));
    let by_id = |to: &str, id: &str| {
        json!({
            "recipient": {"id": to},
            "message": {"attachment": {"type": "file", "payload": {"attachment_id": id}}},
        })
    };
    assert_eq!(pg.messenger(by_id(PSID, &id)).await.0, 200);
    assert_graph(
        &pg.messenger(by_id(PSID, "123")).await,
        400,
        100,
        Some(2018074),
    );
    assert_graph(
        &pg.instagram(by_id(IGSID, &id)).await,
        400,
        100,
        Some(2018074),
    );

    let form = image_upload(None);
    let r = pg
        .http
        .post(format!(
            "{}/v25.0/me/message_attachments?access_token={IG_TOKEN}",
            pg.base
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let ig: Value = r.json().await.unwrap();
    let ig_id = ig["attachment_id"].as_str().unwrap();
    assert_eq!(pg.instagram(by_id(IGSID, ig_id)).await.0, 200);

    let reusable = pg
        .messenger(
            json!({"recipient": {"id": PSID}, "message": {"attachment": {"type": "image",
            "payload": {"url": "https://x/shirt.png", "is_reusable": true}}}}),
        )
        .await;
    let saved = reusable.1["attachment_id"].as_str().unwrap();
    assert_eq!(pg.messenger(by_id(PSID, saved)).await.0, 200);
    let missing = pg
        .send(
            &format!("/v25.0/{PAGE_ID}/message_attachments"),
            PAGE_TOKEN,
            json!({"message": {}}),
        )
        .await;
    assert_graph(&missing, 400, 100, None);
    let e = pg
        .send(
            &format!("/v25.0/{PAGE_ID}/message_attachments"),
            "nobody",
            json!({}),
        )
        .await;
    assert_graph(&e, 401, 190, None);
}
