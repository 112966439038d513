use serde_json::json;

use super::*;

fn send(v: Value) -> Value {
    to_send_api(&v, Platform::Messenger).expect("maps")
}

fn refused(v: Value, platform: Platform) -> LimitError {
    let e = check(&v, platform).expect_err("refused");
    assert_eq!(to_send_api(&v, platform).expect_err("same verdict"), e);
    e
}

fn buttons(n: usize, title: &str) -> Value {
    let b: Vec<Value> = (0..n)
        .map(|i| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": title}}))
        .collect();
    json!({"to": "6543210987", "type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Pick"}, "action": {"buttons": b}}})
}

#[test]
fn text_reply_and_tags() {
    let v = send(
        json!({"messaging_product": "whatsapp", "to": "6543210987", "type": "text",
        "text": {"body": "hi", "preview_url": true}, "context": {"message_id": "m_abc"}}),
    );
    assert_eq!(
        v,
        json!({"recipient": {"id": "6543210987"}, "messaging_type": "RESPONSE",
               "message": {"text": "hi"}, "reply_to": {"mid": "m_abc"}})
    );
    let v = send(json!({"to": "1", "type": "text", "text": {"body": "hi"}, "tag": "HUMAN_AGENT"}));
    assert_eq!(
        (v["messaging_type"].as_str(), v["tag"].as_str()),
        (Some("MESSAGE_TAG"), Some("HUMAN_AGENT"))
    );
    let v = send(
        json!({"to": "1", "type": "text", "text": {"body": "hi"}, "messaging_type": "UPDATE"}),
    );
    assert_eq!(v["messaging_type"], "UPDATE");
    assert!(v.get("tag").is_none());
    for (body, field) in [
        (
            json!({"to": "1", "type": "text", "text": {"body": "x"}, "tag": "ACCOUNT_UPDATE"}),
            "tag",
        ),
        (
            json!({"to": "1", "type": "text", "text": {"body": "x"}, "messaging_type": "MESSAGE_TAG"}),
            "tag",
        ),
        (
            json!({"to": "1", "type": "text", "text": {"body": "x"}, "messaging_type": "RESPONSE", "tag": "HUMAN_AGENT"}),
            "messaging_type",
        ),
        (
            json!({"to": "1", "type": "text", "text": {"body": "x"}, "messaging_type": "LATER"}),
            "messaging_type",
        ),
        (
            json!({"to": "+1 650", "type": "text", "text": {"body": "x"}}),
            "to",
        ),
    ] {
        assert_eq!(refused(body, Platform::Messenger).field, field);
    }
    assert_eq!(
        messaging(&json!({"tag": "HUMAN_AGENT", "messaging_type": "MESSAGE_TAG"})),
        Ok(Messaging::HumanAgent)
    );
}

#[test]
fn text_limits() {
    let at = |n: usize, p| {
        check(
            &json!({"to": "1", "type": "text", "text": {"body": "a".repeat(n)}}),
            p,
        )
    };
    assert!(at(1999, Platform::Messenger).is_ok());
    assert_eq!(
        at(2000, Platform::Messenger).expect_err("long").field,
        "text.body"
    );
    assert!(at(1000, Platform::Instagram).is_ok());
    assert!(at(1001, Platform::Instagram).is_err());
    // 400 three-byte characters: fine on Messenger, 1200 bytes on Instagram.
    let e = json!({"to": "1", "type": "text", "text": {"body": "€".repeat(400)}});
    assert!(check(&e, Platform::Messenger).is_ok());
    assert!(check(&e, Platform::Instagram).is_err());
}

#[test]
fn media_by_link_and_by_id() {
    let v = send(json!({"to": "1", "type": "image", "image": {"link": "https://x/a.png"}}));
    assert_eq!(
        v["message"],
        json!({"attachment": {"type": "image", "payload": {"url": "https://x/a.png", "is_reusable": true}}})
    );
    let v = send(
        json!({"to": "1", "type": "document", "document": {"id": "1857777774821032", "filename": "a.pdf"}}),
    );
    assert_eq!(
        v["message"],
        json!({"attachment": {"type": "file", "payload": {"attachment_id": "1857777774821032"}}})
    );
    for kind in ["video", "audio"] {
        let v = send(json!({"to": "1", "type": kind, kind: {"link": "https://x/a"}}));
        assert_eq!(v["message"]["attachment"]["type"], kind);
    }
    let e = refused(
        json!({"to": "1", "type": "image", "image": {"link": "https://x/a.png", "caption": "c"}}),
        Platform::Instagram,
    );
    assert_eq!(e.field, "image.caption");
}

#[test]
fn buttons_become_quick_replies() {
    let mut b = buttons(3, "Yes");
    b["interactive"]["header"] = json!({"type": "text", "text": "Order 42"});
    b["interactive"]["footer"] = json!({"text": "Reply below"});
    let v = send(b);
    assert_eq!(v["message"]["text"], "Order 42\n\nPick\n\nReply below");
    let q = v["message"]["quick_replies"].as_array().expect("replies");
    assert_eq!(q.len(), 3);
    assert_eq!(
        q[2],
        json!({"content_type": "text", "title": "Yes", "payload": "b2"})
    );
    let e = refused(buttons(2, &"t".repeat(21)), Platform::Messenger);
    assert_eq!(e.field, "interactive.action.buttons[0].reply.title");
    assert_eq!(
        refused(buttons(2, &"t".repeat(21)), Platform::Instagram).field,
        e.field
    );
    let e = refused(buttons(14, "t"), Platform::Messenger);
    assert_eq!(e.field, "interactive.action.buttons");
    let mut media = buttons(1, "t");
    media["interactive"]["header"] = json!({"type": "image", "image": {"link": "https://x/a.png"}});
    assert_eq!(
        refused(media, Platform::Messenger).field,
        "interactive.header"
    );
}

#[test]
fn lists_become_quick_replies() {
    let rows = |desc: Option<&str>| {
        let mut r = json!({"id": "r2", "title": "Two"});
        if let Some(d) = desc {
            r["description"] = json!(d);
        }
        json!({"to": "1", "type": "interactive", "interactive": {"type": "list",
            "body": {"text": "Choose"}, "action": {"button": "Menu", "sections": [
                {"title": "A", "rows": [{"id": "r1", "title": "One"}]},
                {"title": "B", "rows": [r]}]}}})
    };
    let v = send(rows(None));
    assert_eq!(v["message"]["text"], "Choose");
    assert_eq!(v["message"]["quick_replies"][1]["payload"], "r2");
    let e = refused(rows(Some("second")), Platform::Messenger);
    assert_eq!(
        e.field,
        "interactive.action.sections[1].rows[0].description"
    );
}

#[test]
fn cta_url_becomes_a_button_template() {
    let cta = |title: &str, body: &str| {
        json!({"to": "1", "type": "interactive", "interactive": {"type": "cta_url",
        "body": {"text": body}, "action": {"name": "cta_url", "parameters": {"display_text": title, "url": "https://example.com/x"}}}})
    };
    let v = send(cta("Visit", "See it"));
    assert_eq!(
        v["message"],
        json!({"attachment": {"type": "template", "payload": {"template_type": "button",
        "text": "See it", "buttons": [{"type": "web_url", "url": "https://example.com/x", "title": "Visit"}]}}})
    );
    assert_eq!(
        refused(cta(&"v".repeat(21), "x"), Platform::Messenger).field,
        "interactive.action.parameters.display_text"
    );
    assert_eq!(
        refused(cta("v", &"x".repeat(641)), Platform::Messenger).field,
        "interactive.body.text"
    );
}

#[test]
fn reactions_are_sender_actions() {
    let v = send(
        json!({"to": "1", "type": "reaction", "reaction": {"message_id": "m_1", "emoji": "😊"}}),
    );
    assert_eq!(
        v,
        json!({"recipient": {"id": "1"}, "sender_action": "react", "payload": {"message_id": "m_1", "reaction": "😊"}})
    );
    let v = send(
        json!({"to": "1", "type": "reaction", "reaction": {"message_id": "m_1", "emoji": ""}}),
    );
    assert_eq!(
        v,
        json!({"recipient": {"id": "1"}, "sender_action": "unreact", "payload": {"message_id": "m_1"}})
    );
}

#[test]
fn kinds_not_carried_are_refused_by_name() {
    for body in [
        json!({"to": "1", "type": "location", "location": {"latitude": 1.0, "longitude": 2.0}}),
        json!({"to": "1", "type": "sticker", "sticker": {"id": "1"}}),
        json!({"to": "1", "type": "template", "template": {"name": "hello", "language": {"code": "en"}}}),
    ] {
        let e = refused(body, Platform::Messenger);
        assert_eq!(e.field, "type");
        assert!(e.message.contains("messenger cannot carry"), "{e}");
    }
    let e = refused(
        json!({"to": "1", "type": "interactive", "interactive": {"type": "location_request_message",
        "body": {"text": "where?"}, "action": {"name": "send_location"}}}),
        Platform::Instagram,
    );
    assert_eq!(e.field, "interactive.type");
    assert_eq!(
        refused(json!({"to": "1", "type": "text"}), Platform::Messenger).field,
        "text"
    );
}

#[test]
fn generic_templates_keep_their_elements() {
    let elements = json!([
        {"title": "Blue hat", "subtitle": "€20", "image_url": "https://x.test/hat.jpg",
         "default_action": {"type": "web_url", "url": "https://x.test/hat"},
         "buttons": [{"type": "postback", "title": "Buy", "payload": "BUY_HAT"},
                     {"type": "web_url", "title": "See", "url": "https://x.test/hat"}]},
        {"title": "Red scarf", "subtitle": "€15"}
    ]);
    let body = json!({"to": "6543210987", "type": "interactive", "interactive": {
        "type": "generic", "action": {"elements": elements}}});
    for platform in [Platform::Messenger, Platform::Instagram] {
        let v = to_send_api(&body, platform).expect("maps");
        assert_eq!(
            v["message"],
            json!({"attachment": {"type": "template", "payload": {
                "template_type": "generic", "elements": elements}}}),
            "{platform:?}"
        );
    }
    let call = json!({"to": "6543210987", "type": "interactive", "interactive": {
        "type": "generic", "action": {"elements": [{"title": "Call us",
        "buttons": [{"type": "phone_number", "title": "Call", "payload": "+15551234567"}]}]}}});
    assert_eq!(
        send(call.clone())["message"]["attachment"]["payload"]["elements"][0]["buttons"][0]["type"],
        "phone_number"
    );
    let e = refused(call, Platform::Instagram);
    assert_eq!(
        e.field, "interactive.action.elements[0].buttons[0].type",
        "{e}"
    );
}
