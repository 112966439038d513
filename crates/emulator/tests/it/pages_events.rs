//! Messenger and Instagram webhooks: signed envelopes, users' messages, quick-reply taps,
//! postbacks and reactions, echoes, delivery and read receipts, scripted replies, faults and
//! the control API.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_emulator::{Faults, PageConfig, PagePlatform, ScriptedReply};

use crate::common::{fast_config, post_json};
use crate::page_harness::*;

#[tokio::test]
async fn users_messages_taps_postbacks_and_reactions_arrive_signed() {
    let pg = Pg::start().await;
    let mid = pg.user_writes(PAGE_ID, PSID, "hello, world!").await;
    let (hook, e) = pg
        .event("the message", |e| e["message"]["mid"] == mid.as_str())
        .await;
    assert_eq!(hook.body["object"], "page");
    assert_eq!(hook.body["entry"][0]["id"], PAGE_ID);
    assert!(hook.body["entry"][0]["time"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(e["sender"], json!({"id": PSID}));
    assert_eq!(e["recipient"], json!({"id": PAGE_ID}));
    assert_eq!(e["message"]["text"], "hello, world!");
    assert!(e["timestamp"].as_i64().unwrap() > 1_700_000_000_000);

    let tap = pg
        .emu
        .page_user_writes(
            PAGE_ID,
            PSID,
            json!({"text": "Red", "quick_reply": {"payload": "C_RED"}}),
        )
        .await
        .unwrap();
    let (_, e) = pg
        .event("the quick reply", |e| e["message"]["mid"] == tap["mid"])
        .await;
    assert_eq!(e["message"]["quick_reply"], json!({"payload": "C_RED"}));
    assert_eq!(e["message"]["text"], "Red");

    let pb = pg.user_taps_agent(PAGE_ID, PSID).await;
    let (_, e) = pg
        .event("the postback", |e| e["postback"]["mid"] == pb)
        .await;
    assert_eq!(e["postback"]["payload"], "AGENT");
    assert_eq!(e["postback"]["title"], "Talk to us");

    pg.emu
        .page_user_reacts(PAGE_ID, PSID, json!({"mid": "m_abc", "reaction": "love"}))
        .await
        .unwrap();
    let (_, e) = pg
        .event("the reaction", |e| e["reaction"]["mid"] == "m_abc")
        .await;
    assert_eq!(e["reaction"]["action"], "react");
    assert_eq!(e["reaction"]["reaction"], "love");
    assert_eq!(e["reaction"]["emoji"], "\u{2764}\u{FE0F}");

    let ig = pg.user_writes(IG_ID, IGSID, "hi from ig").await;
    let (hook, e) = pg
        .event("the IG message", |e| e["message"]["mid"] == ig.as_str())
        .await;
    assert_eq!(hook.body["object"], "instagram");
    assert_eq!(hook.body["entry"][0]["id"], IG_ID);
    assert_eq!(e["sender"]["id"], IGSID);

    assert!(pg
        .emu
        .page_user_writes("nope", PSID, json!({"text": "x"}))
        .await
        .is_err());
    assert!(pg
        .emu
        .page_user_writes(PAGE_ID, PSID, json!({}))
        .await
        .is_err());
}

#[tokio::test]
async fn messenger_delivery_and_read_watermarks_instagram_seen() {
    let pg = Pg::start().await;
    pg.user_writes(PAGE_ID, PSID, "hi").await;
    let (_, sent) = pg
        .messenger(json!({"recipient": {"id": PSID}, "message": {"text": "Hello"}}))
        .await;
    let mid = sent["message_id"].as_str().unwrap().to_string();
    let (_, d) = pg
        .event("the delivery", |e| e["delivery"]["mids"][0] == mid.as_str())
        .await;
    assert_eq!(d["sender"]["id"], PSID);
    assert_eq!(d["recipient"]["id"], PAGE_ID);
    let watermark = d["delivery"]["watermark"].as_i64().unwrap();
    let (_, r) = pg
        .event("the read", |e| e["read"]["watermark"].is_i64())
        .await;
    assert!(r["read"]["watermark"].as_i64().unwrap() >= watermark);

    pg.user_writes(IG_ID, IGSID, "hi").await;
    let (_, sent) = pg
        .instagram(json!({"recipient": {"id": IGSID}, "message": {"text": "Hello"}}))
        .await;
    let ig_mid = sent["message_id"].as_str().unwrap().to_string();
    let (_, seen) = pg
        .event("messaging_seen", |e| e["read"]["mid"] == ig_mid.as_str())
        .await;
    assert_eq!(seen["sender"]["id"], IGSID);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ig_deliveries = pg
        .receiver
        .hooks()
        .into_iter()
        .filter(|h| h.body["object"] == "instagram")
        .filter(|h| h.body["entry"][0]["messaging"][0].get("delivery").is_some())
        .count();
    assert_eq!(ig_deliveries, 0, "Instagram has no delivery receipts");
}

#[tokio::test]
async fn echoes_and_scripted_replies() {
    let mut config = fast_config();
    config.scripted_replies = vec![ScriptedReply {
        when_text_contains: "size".into(),
        reply: json!({"type": "text", "text": {"body": "Medium"}}),
    }];
    let pg = Pg::start_with(config).await;
    pg.emu
        .add_page(PageConfig {
            page_id: PAGE_ID.into(),
            platform: PagePlatform::Messenger,
            access_token: PAGE_TOKEN.into(),
            app_secret: APP_SECRET.into(),
            webhook_url: Some(pg.receiver.url.clone()),
            app_id: "1517776481860111".into(),
            echoes: true,
        })
        .unwrap();
    pg.user_writes(PAGE_ID, PSID, "hi").await;
    let (_, sent) = pg
        .messenger(json!({
            "recipient": {"id": PSID},
            "message": {"text": "Which SIZE?", "metadata": "note-1"},
        }))
        .await;
    let mid = sent["message_id"].as_str().unwrap().to_string();
    let (_, echo) = pg
        .event("the echo", |e| e["message"]["is_echo"] == true)
        .await;
    assert_eq!(echo["sender"]["id"], PAGE_ID);
    assert_eq!(echo["recipient"]["id"], PSID);
    assert_eq!(echo["message"]["mid"], mid.as_str());
    assert_eq!(echo["message"]["app_id"], "1517776481860111");
    assert_eq!(echo["message"]["metadata"], "note-1");
    let (_, reply) = pg
        .event("the scripted reply", |e| e["message"]["text"] == "Medium")
        .await;
    assert_eq!(reply["sender"]["id"], PSID);
}

#[tokio::test]
async fn faults_5xx_timeout_and_throttling() {
    let pg = Pg::start().await;
    pg.user_writes(PAGE_ID, PSID, "hi").await;
    pg.user_writes(IG_ID, IGSID, "hi").await;
    let text = |u: &str| json!({"recipient": {"id": u}, "message": {"text": "x"}});
    pg.emu.set_faults(Faults {
        error_5xx_rate: 1.0,
        ..Faults::default()
    });
    let e = pg.messenger(text(PSID)).await;
    assert_eq!(e.0, 500);
    assert_eq!(e.1["error"]["code"], 2);
    assert_eq!(e.1["error"]["is_transient"], true);
    pg.emu.set_faults(Faults {
        timeout_rate: 1.0,
        timeout_ms: 30,
        ..Faults::default()
    });
    assert_eq!(pg.messenger(text(PSID)).await.0, 504);
    pg.emu.set_faults(Faults {
        channel_rate_limit_mps: Some(1),
        ..Faults::default()
    });
    assert_eq!(pg.messenger(text(PSID)).await.0, 200);
    assert_graph(&pg.messenger(text(PSID)).await, 400, 613, None);
    assert_eq!(
        pg.instagram(text(IGSID)).await.0,
        200,
        "limits are per page"
    );
    assert_graph(&pg.instagram(text(IGSID)).await, 400, 613, Some(2534040));
    assert_eq!(pg.emu.sent_messages().len(), 2);
}

#[tokio::test]
async fn control_api() {
    let pg = Pg::start().await;
    let post = |path: String, body: Value| {
        let http = pg.http.clone();
        let url = format!("{}{path}", pg.base);
        async move { post_json(&http, url, &body).await }
    };
    let added = post(
        "/emulator/pages".into(),
        json!({"page_id": "555", "platform": "instagram",
        "access_token": "t555", "app_secret": APP_SECRET, "webhook_url": pg.receiver.url}),
    )
    .await;
    assert_eq!(added, (200, json!({"success": true})));
    assert_eq!(
        post("/emulator/pages".into(), json!({"platform": "messenger"}))
            .await
            .0,
        400
    );
    let list: Value = pg
        .http
        .get(format!("{}/emulator/pages", pg.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p.get("access_token").is_none()));

    let w = post(
        "/emulator/pages/555/users/777/messages".into(),
        json!({"text": "hey"}),
    )
    .await;
    assert_eq!(w.0, 200, "{}", w.1);
    let (hook, _) = pg
        .event("the control message", |e| e["message"]["mid"] == w.1["mid"])
        .await;
    assert_eq!(hook.body["object"], "instagram");
    let sent = pg
        .send(
            "/v25.0/555/messages",
            "t555",
            json!({"recipient": {"id": "777"}, "message": {"text": "yo"}}),
        )
        .await;
    assert_eq!(sent.0, 200, "{}", sent.1);
    let pb = post(
        "/emulator/pages/555/users/777/postbacks".into(),
        json!({"payload": "GO"}),
    )
    .await;
    assert_eq!(pb.0, 200);
    let r = post(
        "/emulator/pages/555/users/777/reactions".into(),
        json!({"mid": sent.1["message_id"], "reaction": "like"}),
    )
    .await;
    assert_eq!(r.0, 200);
    assert_eq!(
        post("/emulator/pages/555/users/777/block".into(), json!({}))
            .await
            .0,
        200
    );
    let blocked = pg
        .send(
            "/v25.0/me/messages",
            "t555",
            json!({"recipient": {"id": "777"}, "message": {"text": "yo"}}),
        )
        .await;
    assert_graph(&blocked, 400, 551, Some(1545041));
    assert_eq!(
        post("/emulator/pages/555/users/777/unblock".into(), json!({}))
            .await
            .0,
        200
    );
    assert_eq!(
        post(
            "/emulator/pages/404/users/777/messages".into(),
            json!({"text": "x"})
        )
        .await
        .0,
        404
    );
    assert_eq!(
        post("/emulator/pages/555/users/777/messages".into(), json!({}))
            .await
            .0,
        400
    );
}
