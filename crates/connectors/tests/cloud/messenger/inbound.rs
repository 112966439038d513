//! The emulator's signed webhooks, verified and translated: messages, taps, postbacks,
//! reactions, receipts and inbound media.

use axum::routing::get;
use axum::Router;
use serde_json::json;
use switchboard_connectors::messenger::Watermark;
use switchboard_connectors::Connector;
use switchboard_core::channel::capability::Receipt;

use super::*;

fn find_message(t: &Translated, id: &str) -> Option<Value> {
    messages(t).into_iter().find(|m| m["id"] == id)
}

#[tokio::test]
async fn user_messages_taps_postbacks_and_reactions_arrive_canonical() {
    let m = Meta::start().await;
    let mid = m.user_writes(PAGE_ID, PSID, "Do you ship?").await;
    let msg = m.hooks.wait("the text", |t| find_message(t, &mid)).await;
    assert_eq!(
        (msg["from"].as_str(), msg["type"].as_str()),
        (Some(PSID), Some("text"))
    );
    assert_eq!(msg["text"]["body"], "Do you ship?");

    let tap = m
        .emu
        .page_user_writes(
            PAGE_ID,
            PSID,
            json!({"text": "Yes", "quick_reply": {"payload": "yes"}, "reply_to": {"mid": mid}}),
        )
        .await
        .expect("tap")["mid"]
        .as_str()
        .expect("mid")
        .to_string();
    let msg = m
        .hooks
        .wait("the quick reply", |t| find_message(t, &tap))
        .await;
    assert_eq!(
        msg["interactive"],
        json!({"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}})
    );
    assert_eq!(msg["context"]["id"], mid.as_str());

    let pb = m
        .emu
        .page_user_postback(
            PAGE_ID,
            PSID,
            json!({"title": "Talk to us", "payload": "AGENT"}),
        )
        .await
        .expect("postback")["mid"]
        .as_str()
        .expect("mid")
        .to_string();
    let msg = m.hooks.wait("the postback", |t| find_message(t, &pb)).await;
    assert_eq!(msg["interactive"]["button_reply"]["id"], "AGENT");

    m.emu
        .page_user_reacts(PAGE_ID, PSID, json!({"mid": mid, "reaction": "love"}))
        .await
        .expect("reacts");
    let msg = m
        .hooks
        .wait("the reaction", |t| {
            messages(t).into_iter().find(|x| x["type"] == "reaction")
        })
        .await;
    assert_eq!(msg["reaction"]["message_id"], mid.as_str());
    assert_eq!(msg["reaction"]["emoji"], "\u{2764}\u{FE0F}");
}

#[tokio::test]
async fn messenger_receipts_are_statuses_and_watermarks_and_echoes_are_skipped() {
    let m = Meta::start().await;
    m.user_writes(PAGE_ID, PSID, "hi").await;
    let sent = m
        .messenger
        .send(&canonical_to(PSID, "text", json!({"body": "On its way"})))
        .await
        .expect("sent");
    let delivered = m
        .hooks
        .wait("the delivery", |t| {
            statuses(t)
                .into_iter()
                .find(|s| s["id"] == sent.upstream_id.as_str())
        })
        .await;
    assert_eq!(
        (
            delivered["status"].as_str(),
            delivered["recipient_id"].as_str()
        ),
        (Some("delivered"), Some(PSID))
    );
    let read: Watermark = m
        .hooks
        .wait("the read watermark", |t| {
            t.watermarks
                .iter()
                .find(|w| w.receipt == Receipt::Read)
                .cloned()
        })
        .await;
    assert_eq!(
        (read.user.as_str(), read.account_id.as_str()),
        (PSID, PAGE_ID)
    );
    assert!(read.watermark_ms > 0);
    let all = m.hooks.translated();
    assert!(all
        .iter()
        .any(|t| t.watermarks.iter().any(|w| w.receipt == Receipt::Delivered)));
    assert!(all.iter().any(|t| t.skipped > 0), "the echo is skipped");
    assert!(all.iter().all(|t| messages(t)
        .iter()
        .all(|x| x["id"] != sent.upstream_id.as_str())));
}

#[tokio::test]
async fn instagram_seen_is_a_read_status() {
    let m = Meta::start().await;
    m.user_writes(IG_ID, IGSID, "hi").await;
    let sent = m
        .instagram
        .send(&canonical_to(IGSID, "text", json!({"body": "Thanks!"})))
        .await
        .expect("sent");
    let read = m
        .hooks
        .wait("the seen event", |t| {
            statuses(t)
                .into_iter()
                .find(|s| s["id"] == sent.upstream_id.as_str())
        })
        .await;
    assert_eq!(read["status"], "read");
    assert!(m.hooks.translated().iter().all(|t| t.watermarks.is_empty()));
}

#[tokio::test]
async fn inbound_media_is_its_cdn_url() {
    let cdn =
        crate::common::serve(Router::new().route("/v/photo.jpg", get(|| async { "JPEGBYTES" })))
            .await;
    let m = Meta::start().await;
    let url = format!("{cdn}/v/photo.jpg?oh=signed");
    let mid = m
        .emu
        .page_user_writes(
            PAGE_ID,
            PSID,
            json!({"attachments": [{"type": "image", "payload": {"url": url}}]}),
        )
        .await
        .expect("writes")["mid"]
        .as_str()
        .expect("mid")
        .to_string();
    let msg = m.hooks.wait("the image", |t| find_message(t, &mid)).await;
    assert_eq!(msg["type"], "image");
    let id = msg["image"]["id"].as_str().expect("id");
    let info = m.messenger.media_info(id).await.expect("info");
    assert_eq!(info.mime_type, "image/jpeg");
    let resp = m
        .messenger
        .download_media(&info.url)
        .await
        .expect("download");
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), b"JPEGBYTES");
}
