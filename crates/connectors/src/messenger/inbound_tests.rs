//! The example events of Meta's Messenger and Instagram webhook pages, translated.

use serde_json::json;
use switchboard_core::cloud_webhook::{ChangeValue, WebhookPayload};

use super::*;

fn page(object: &str, events: Vec<Value>) -> Value {
    json!({"object": object, "entry": [{"id": "PAGE_ID", "time": 1458692752478_i64, "messaging": events}]})
}

/// The single canonical message or status list of a one-event body, parsed by core.
fn one(object: &str, event: Value) -> (Value, Translated) {
    let t = translate(&page(object, vec![event])).expect("translates");
    let parsed: WebhookPayload = serde_json::from_value(t.payload.clone()).expect("core parses it");
    assert_eq!(parsed.object, "whatsapp_business_account");
    let value = match parsed
        .entry
        .first()
        .and_then(|e| e.changes.first())
        .map(|c| &c.value)
    {
        Some(ChangeValue::Messages(m)) => serde_json::to_value(m.as_ref()).expect("value"),
        _ => Value::Null,
    };
    (value, t)
}

#[test]
fn messenger_message_events() {
    let (v, _) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1458692752478_i64,
        "message": {"mid": "m_1457764197618:41d102a3e1ae206a38", "text": "hello, world!",
            "reply_to": {"mid": "m_1fTq8oLum", "is_self_reply": false}}}),
    );
    assert_eq!(v["metadata"]["phone_number_id"], "PAGE_ID");
    assert_eq!(v["messaging_product"], "messenger");
    assert_eq!(v["contacts"][0]["wa_id"], "PSID");
    let m = &v["messages"][0];
    assert_eq!(m["from"], "PSID");
    assert_eq!(m["id"], "m_1457764197618:41d102a3e1ae206a38");
    assert_eq!(m["timestamp"], "1458692752");
    assert_eq!(m["type"], "text");
    assert_eq!(m["text"]["body"], "hello, world!");
    assert_eq!(m["context"]["id"], "m_1fTq8oLum");

    let (v, _) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1,
        "message": {"mid": "m_2", "text": "Red", "quick_reply": {"payload": "C_RED"}}}),
    );
    assert_eq!(v["messages"][0]["type"], "interactive");
    assert_eq!(
        v["messages"][0]["interactive"],
        json!({"type": "button_reply", "button_reply": {"id": "C_RED", "title": "Red"}})
    );

    let (v, _) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1,
        "message": {"mid": "m_3", "attachments": [
            {"type": "image", "payload": {"url": "https://cdn/a.jpg", "sticker_id": 369239263222822_i64}},
            {"type": "file", "payload": {"url": "https://cdn/b.pdf"}},
            {"type": "fallback", "payload": {"url": "https://x", "title": "link"}}]}}),
    );
    let msgs = v["messages"].as_array().expect("messages");
    assert_eq!(msgs.len(), 3);
    assert_eq!(
        (msgs[0]["id"].as_str(), msgs[0]["type"].as_str()),
        (Some("m_3"), Some("image"))
    );
    assert_eq!(msgs[0]["image"]["id"], "https://cdn/a.jpg");
    assert_eq!(
        (msgs[1]["id"].as_str(), msgs[1]["type"].as_str()),
        (Some("m_3#2"), Some("document"))
    );
    assert_eq!(msgs[2]["type"], "unsupported");
    assert_eq!(msgs[2]["errors"][0]["code"], 131051);
}

#[test]
fn stickers_arrive_once() {
    let (v, _) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1,
        "message": {"mid": "m_s", "attachments": [
            {"type": "image", "payload": {"url": "https://cdn/s.png", "sticker_id": 369239263222822_i64}},
            {"type": "sticker", "payload": {"url": "https://cdn/s.png", "sticker_id": 369239263222822_i64}}]}}),
    );
    let msgs = v["messages"].as_array().expect("messages");
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        (msgs[0]["id"].as_str(), msgs[0]["type"].as_str()),
        (Some("m_s"), Some("sticker"))
    );
    assert_eq!(msgs[0]["sticker"]["id"], "https://cdn/s.png");
}

#[test]
fn postbacks_reactions_and_echoes() {
    let (v, _) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1527459824000_i64,
        "postback": {"mid": "m_p", "title": "Talk to us", "payload": "AGENT",
            "referral": {"ref": "x", "source": "SHORTLINK", "type": "OPEN_THREAD"}}}),
    );
    assert_eq!(v["messages"][0]["id"], "m_p");
    assert_eq!(
        v["messages"][0]["interactive"]["button_reply"],
        json!({"id": "AGENT", "title": "Talk to us"})
    );

    let (v, _) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1458668856463_i64,
        "reaction": {"reaction": "love", "emoji": "\u{2764}\u{FE0F}", "action": "react", "mid": "m_r"}}),
    );
    let m = &v["messages"][0];
    assert_eq!(m["type"], "reaction");
    assert_eq!(
        m["reaction"],
        json!({"message_id": "m_r", "emoji": "\u{2764}\u{FE0F}"})
    );
    assert_eq!(m["id"], "reaction.m_r.PSID.1458668856463");
    let (v, _) = one(
        "instagram",
        json!({"sender": {"id": "IGSID"}, "recipient": {"id": "IG_ID"}, "timestamp": 2,
        "reaction": {"mid": "aWdf", "action": "unreact"}}),
    );
    assert_eq!(v["messages"][0]["reaction"]["emoji"], "");

    let (v, t) = one(
        "page",
        json!({"sender": {"id": "PAGE_ID"}, "recipient": {"id": "PSID"}, "timestamp": 1457764197627_i64,
        "message": {"is_echo": true, "app_id": 1517776481860111_i64, "metadata": "x", "mid": "mid.1457764197618:41d", "text": "…"}}),
    );
    assert!(v.is_null());
    assert_eq!(t.skipped, 1);
    assert_eq!(t.payload["entry"], json!([]));
}

#[test]
fn messenger_receipts_are_watermarks() {
    let (v, t) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"},
        "delivery": {"mids": ["mid.1458668856218:ed81099e15d3f4f233"], "watermark": 1458668856253_i64}}),
    );
    assert_eq!(
        v["statuses"][0],
        json!({"id": "mid.1458668856218:ed81099e15d3f4f233", "status": "delivered",
        "timestamp": "1458668856", "recipient_id": "PSID"})
    );
    assert_eq!(
        t.watermarks,
        vec![Watermark {
            receipt: Receipt::Delivered,
            user: "PSID".into(),
            account_id: "PAGE_ID".into(),
            watermark_ms: 1458668856253
        }]
    );
    let (v, t) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1458668856463_i64,
        "read": {"watermark": 1458668856253_i64}}),
    );
    assert!(v.is_null());
    assert_eq!(t.watermarks[0].receipt, Receipt::Read);
    assert_eq!(t.watermarks[0].watermark_ms, 1458668856253);
    // A delivery without mids is only a watermark.
    let (v, t) = one(
        "page",
        json!({"sender": {"id": "PSID"}, "recipient": {"id": "PAGE_ID"}, "delivery": {"watermark": 5}}),
    );
    assert!(v.is_null());
    assert_eq!(t.watermarks.len(), 1);
}

#[test]
fn instagram_events() {
    let (v, _) = one(
        "instagram",
        json!({"sender": {"id": "IGSID"}, "recipient": {"id": "IG_ID"}, "timestamp": 1569262485349_i64,
        "message": {"mid": "aWdf1", "text": "hi", "attachments": [{"type": "image", "payload": {"url": "https://cdn/i.png"}}],
            "reply_to": {"mid": "aWdf0"}, "referral": {"source": "ADS", "type": "OPEN_THREAD", "ad_id": "1", "ref": "r"}}}),
    );
    assert_eq!(v["messaging_product"], "instagram");
    let msgs = v["messages"].as_array().expect("messages");
    assert_eq!(
        (msgs[0]["id"].as_str(), msgs[0]["type"].as_str()),
        (Some("aWdf1"), Some("text"))
    );
    assert_eq!(
        (msgs[1]["id"].as_str(), msgs[1]["type"].as_str()),
        (Some("aWdf1#1"), Some("image"))
    );
    assert_eq!(msgs[1]["context"]["id"], "aWdf0");
    assert_eq!(msgs[0]["referral"]["ad_id"], "1");
    let (v, t) = one(
        "instagram",
        json!({"sender": {"id": "IGSID"}, "recipient": {"id": "IG_ID"}, "timestamp": 1569262485349_i64,
        "read": {"mid": "aWdf1"}}),
    );
    assert_eq!(v["statuses"][0]["status"], "read");
    assert_eq!(v["statuses"][0]["id"], "aWdf1");
    assert!(t.watermarks.is_empty());
    let (v, _) = one(
        "instagram",
        json!({"sender": {"id": "IGSID"}, "recipient": {"id": "IG_ID"}, "timestamp": 1,
        "message": {"mid": "aWdf2", "is_unsupported": true}}),
    );
    assert_eq!(v["messages"][0]["type"], "unsupported");
    let (v, _) = one(
        "instagram",
        json!({"sender": {"id": "IGSID"}, "recipient": {"id": "IG_ID"}, "timestamp": 1,
        "message": {"mid": "aWdf3", "is_deleted": true}}),
    );
    assert!(v.is_null());
}

#[test]
fn foreign_bodies_are_errors() {
    assert!(translate(&json!({"object": "whatsapp_business_account", "entry": []})).is_err());
    assert!(translate(&json!({"entry": []})).is_err());
    assert!(translate(&json!({"object": "page"})).is_err());
    let t = translate(&json!({"object": "page", "entry": [{"id": 1, "messaging": [{"optin": {}}]}, {"id": "2", "standby": [{}]}]}))
        .expect("translates");
    assert_eq!(t.skipped, 1);
}
