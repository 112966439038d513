//! Every message kind is accepted in its documented shapes, typed, and put on the wire in
//! canonical form.

use serde_json::{json, Value};
use switchboard_core::message::{
    parse_request, CardAction, CloudRequest, Header, InteractiveAction, MediaSource,
    MessageContent, MessageKind, Parameter, ReplyButton,
};
use switchboard_core::testing::{accept, chars, msg, refuse};

/// Accepts `body` and checks that the typed content survives a serde round trip.
#[track_caller]
fn ok(body: Value) -> MessageContent {
    let m = accept(&body);
    let wire = serde_json::to_value(&m.content).expect("content serializes");
    let back: MessageContent = serde_json::from_value(wire.clone())
        .unwrap_or_else(|e| panic!("round trip failed: {e}\n{wire:#}"));
    assert_eq!(back, m.content);
    assert_eq!(m.kind, m.message_kind().as_str());
    m.content
}

#[test]
fn text_is_canonicalized() {
    let m = accept(&json!({
        "messaging_product": "whatsapp",
        "to": "+1 (650) 555-1234",
        "type": "text",
        "text": {"body": "hello", "preview_url": true},
        "context": {"message_id": "wamid.ABC"},
        "biz_opaque_callback_data": "order-42"
    }));
    assert_eq!(m.to_input, "+1 (650) 555-1234");
    assert_eq!(m.address.as_str(), "16505551234");
    assert_eq!(m.context_message_id.as_deref(), Some("wamid.ABC"));
    assert!(m.is_free_form() && !m.is_template());
    assert_eq!(
        m.body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "text",
            "text": {"body": "hello", "preview_url": true},
            "context": {"message_id": "wamid.ABC"},
            "biz_opaque_callback_data": "order-42"
        })
    );
}

#[test]
fn text_limits_count_characters() {
    for body in [
        chars('a', 4096),
        chars('é', 4096),
        chars('😀', 4096),
        "x".into(),
    ] {
        match ok(msg("text", json!({ "body": body }))) {
            MessageContent::Text { text } => assert_eq!(text.body, body),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn every_media_kind() {
    let cap = chars('c', 1024);
    let cases = [
        ("image", json!({"id": "123", "caption": cap})),
        ("image", json!({"link": "https://example.com/a.jpg"})),
        (
            "video",
            json!({"link": "http://example.com/v.mp4", "caption": "watch"}),
        ),
        ("audio", json!({"id": "55", "voice": true})),
        ("audio", json!({"link": "https://example.com/a.ogg"})),
        (
            "document",
            json!({"id": "9", "caption": "", "filename": "invoice.pdf"}),
        ),
        ("sticker", json!({"id": "7"})),
    ];
    for (kind, content) in cases {
        let c = ok(msg(kind, content.clone()));
        assert_eq!(c.kind().as_str(), kind);
        assert!(c.kind().is_media());
    }
    match ok(msg("audio", json!({"id": "55", "voice": true}))) {
        MessageContent::Audio { audio } => {
            assert_eq!(audio.source, MediaSource::Id("55".into()));
            assert_eq!(audio.voice, Some(true));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn location_accepts_numbers_and_strings() {
    for (lat, lon) in [
        (json!(37.758056), json!(-122.425332)),
        (json!("37.758056"), json!("-122.425332")),
        (json!(90), json!(-180)),
        (json!("-90"), json!("180.0")),
    ] {
        let c = ok(msg(
            "location",
            json!({"latitude": lat, "longitude": lon, "name": "HQ"}),
        ));
        assert!(matches!(c, MessageContent::Location { .. }));
    }
}

#[test]
fn contacts_one_to_five() {
    let card = json!({"name": {"formatted_name": "Ada"}, "birthday": "2000-02-29",
        "phones": [{"phone": "+1 650 555 1234", "type": "CELL", "wa_id": "16505551234"}]});
    for n in 1..=5 {
        let cards: Vec<Value> = std::iter::repeat_n(card.clone(), n).collect();
        let m = accept(
            &json!({"messaging_product": "whatsapp", "to": switchboard_core::testing::TO, "type": "contacts", "contacts": cards}),
        );
        match m.content {
            MessageContent::Contacts { contacts } => assert_eq!(contacts.len(), n),
            other => panic!("{other:?}"),
        }
    }
}

fn interactive(v: Value) -> InteractiveAction {
    match ok(msg("interactive", v)) {
        MessageContent::Interactive { interactive } => interactive.action,
        other => panic!("{other:?}"),
    }
}

#[test]
fn reply_buttons_with_media_header() {
    let buttons: Vec<Value> = (0..3)
        .map(|i| json!({"type": "reply", "reply": {"id": chars('i', 256 - i), "title": chars('t', 20 - i)}}))
        .collect();
    for header in [
        json!({"type": "text", "text": chars('h', 60)}),
        json!({"type": "image", "image": {"id": "1"}}),
        json!({"type": "video", "video": {"link": "https://example.com/v.mp4"}}),
        json!({"type": "document", "document": {"id": "2", "filename": "menu.pdf"}}),
    ] {
        let a = interactive(
            json!({"type": "button", "header": header, "body": {"text": chars('b', 1024)},
            "footer": {"text": chars('f', 60)}, "action": {"buttons": buttons}}),
        );
        match a {
            InteractiveAction::Button(b) => {
                assert_eq!(b.buttons.len(), 3);
                let ReplyButton::Reply { reply } = &b.buttons[2];
                assert_eq!(reply.title.len(), 18);
            }
            other => panic!("{other:?}"),
        }
    }
    // Titles count characters, not bytes.
    interactive(
        json!({"type": "button", "body": {"text": "b"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "1", "title": chars('😀', 20)}}]}}),
    );
}

#[test]
fn list_with_ten_rows_in_ten_sections() {
    let sections: Vec<Value> = (0..10)
        .map(|s| json!({"title": chars('s', 24), "rows": [{"id": format!("r{s}"), "title": chars('t', 24), "description": chars('d', 72)}]}))
        .collect();
    let a = interactive(
        json!({"type": "list", "header": {"type": "text", "text": "Menu"},
        "body": {"text": chars('b', 4096)}, "footer": {"text": "f"},
        "action": {"button": chars('x', 20), "sections": sections}}),
    );
    match a {
        InteractiveAction::List(l) => assert_eq!(l.sections.len(), 10),
        other => panic!("{other:?}"),
    }
    // One section needs no title; ten rows in one section.
    let rows: Vec<Value> = (0..10)
        .map(|i| json!({"id": format!("r{i}"), "title": "t"}))
        .collect();
    interactive(
        json!({"type": "list", "body": {"text": "b"}, "action": {"button": "Open", "sections": [{"rows": rows}]}}),
    );
}

#[test]
fn cta_url_and_location_request() {
    let a = interactive(
        json!({"type": "cta_url", "header": {"type": "image", "image": {"link": "https://example.com/i.png"}},
        "body": {"text": "See our site"}, "footer": {"text": "f"},
        "action": {"name": "cta_url", "parameters": {"display_text": chars('d', 20), "url": "https://example.com/?a=1"}}}),
    );
    assert!(matches!(a, InteractiveAction::CtaUrl(_)));
    let a = interactive(
        json!({"type": "location_request_message", "body": {"text": "Where are you?"},
        "action": {"name": "send_location"}}),
    );
    assert!(matches!(a, InteractiveAction::LocationRequestMessage(_)));
}

#[test]
fn commerce_kinds() {
    assert!(matches!(
        interactive(
            json!({"type": "product", "action": {"catalog_id": "1", "product_retailer_id": "sku"}})
        ),
        InteractiveAction::Product(_)
    ));
    let items: Vec<Value> = (0..30)
        .map(|i| json!({"product_retailer_id": format!("sku{i}")}))
        .collect();
    assert!(matches!(
        interactive(
            json!({"type": "product_list", "header": {"type": "text", "text": "Deals"}, "body": {"text": "b"},
            "action": {"catalog_id": "1", "sections": [{"title": "All", "product_items": items}]}})
        ),
        InteractiveAction::ProductList(_)
    ));
    assert!(matches!(
        interactive(
            json!({"type": "catalog_message", "body": {"text": "b"}, "action": {"name": "catalog_message"}})
        ),
        InteractiveAction::CatalogMessage(_)
    ));
    assert!(matches!(
        interactive(json!({"type": "order_status", "body": {"text": "Shipped!"},
            "action": {"name": "review_order", "parameters": {"reference_id": "r1", "order": {"status": "shipped"}}}})),
        InteractiveAction::OrderStatus(_)
    ));
}

#[test]
fn flows() {
    let a = interactive(
        json!({"type": "flow", "body": {"text": "Book"}, "action": {"name": "flow", "parameters": {
        "flow_message_version": "3", "flow_name": "booking", "flow_cta": chars('c', 30),
        "flow_action": "data_exchange", "flow_token": "t", "mode": "published"}}}),
    );
    match a {
        InteractiveAction::Flow(f) => {
            assert_eq!(f.parameters.flow_action.as_deref(), Some("data_exchange"))
        }
        other => panic!("{other:?}"),
    }
    interactive(
        json!({"type": "flow", "body": {"text": "Book"}, "action": {"name": "flow", "parameters": {
        "flow_message_version": "3", "flow_id": "123", "flow_cta": "Go"}}}),
    );
}

#[test]
fn carousels() {
    let card = |i: u32| {
        json!({"card_index": i, "type": "cta_url",
        "header": {"type": "image", "image": {"link": "https://example.com/i.png"}},
        "body": {"text": chars('c', 160)},
        "action": {"name": "cta_url", "parameters": {"display_text": "Buy", "url": "https://example.com"}}})
    };
    let cards: Vec<Value> = (0..10).map(card).collect();
    let a = interactive(
        json!({"type": "carousel", "body": {"text": "Offers"}, "action": {"cards": cards}}),
    );
    match a {
        InteractiveAction::Carousel(c) => {
            assert_eq!(c.cards.len(), 10);
            assert!(matches!(c.cards[0].action, CardAction::CtaUrl(_)));
            assert!(matches!(c.cards[0].header, Some(Header::Image { .. })));
        }
        other => panic!("{other:?}"),
    }
    let qr = |i: u32| {
        json!({"card_index": i, "header": {"type": "video", "video": {"id": "v"}},
        "action": {"buttons": [{"type": "quick_reply", "quick_reply": {"id": "a", "title": "Yes"}},
                               {"type": "quick_reply", "quick_reply": {"id": "b", "title": "No"}}]}})
    };
    let a = interactive(
        json!({"type": "carousel", "body": {"text": "Pick"}, "action": {"cards": [qr(0), qr(1)]}}),
    );
    match a {
        InteractiveAction::Carousel(c) => {
            assert!(matches!(c.cards[1].action, CardAction::QuickReplies { .. }))
        }
        other => panic!("{other:?}"),
    }
    let p = |i: u32| json!({"card_index": i, "type": "product", "action": {"catalog_id": "1", "product_retailer_id": format!("s{i}")}});
    interactive(
        json!({"type": "carousel", "body": {"text": "Shop"}, "action": {"cards": [p(0), p(1), p(2)]}}),
    );
}

#[test]
fn generic_templates() {
    let element = |i: usize| {
        json!({"title": chars('t', 80), "subtitle": format!("€{i}"),
        "image_url": "https://example.com/i.png",
        "default_action": {"type": "web_url", "url": "https://example.com/p"},
        "buttons": [{"type": "postback", "title": chars('b', 20), "payload": "BUY"},
                    {"type": "web_url", "title": "See", "url": "https://example.com/p"},
                    {"type": "phone_number", "title": "Call", "payload": "+15551234567"}]})
    };
    let elements: Vec<Value> = (0..10).map(element).collect();
    match interactive(json!({"type": "generic", "action": {"elements": elements}})) {
        InteractiveAction::Generic(g) => {
            assert_eq!(g.elements.len(), 10);
            assert_eq!(g.elements[0].buttons.len(), 3);
            assert_eq!(g.elements[0].buttons[2].type_name(), "phone_number");
        }
        other => panic!("{other:?}"),
    }
    interactive(
        json!({"type": "generic", "action": {"elements": [{"title": "Hat", "subtitle": "€20"}]}}),
    );
    let refused = |action: Value, extra: Value, path: &str| {
        let mut i = json!({"type": "generic", "action": action});
        for (k, v) in extra.as_object().expect("object") {
            i[k] = v.clone();
        }
        let e = refuse(&msg("interactive", i));
        assert_eq!(e.path, path, "{}", e.details);
    };
    let one = |e: Value| json!({"elements": [e]});
    refused(
        json!({"elements": []}),
        json!({}),
        "interactive.action.elements",
    );
    refused(
        json!({"elements": (0..11).map(element).collect::<Vec<_>>()}),
        json!({}),
        "interactive.action.elements[10]",
    );
    refused(
        one(json!({"title": "Hat"})),
        json!({}),
        "interactive.action.elements[0]",
    );
    refused(
        one(json!({"title": chars('t', 81), "subtitle": "x"})),
        json!({}),
        "interactive.action.elements[0].title",
    );
    refused(
        one(json!({"title": "Hat", "image_url": "ftp://x"})),
        json!({}),
        "interactive.action.elements[0].image_url",
    );
    refused(
        one(
            json!({"title": "Hat", "default_action": {"type": "postback", "url": "https://x.test"}}),
        ),
        json!({}),
        "interactive.action.elements[0].default_action.type",
    );
    refused(
        one(
            json!({"title": "Hat", "buttons": [{"type": "phone_number", "title": "Call", "payload": "555"}]}),
        ),
        json!({}),
        "interactive.action.elements[0].buttons[0].payload",
    );
    refused(
        one(
            json!({"title": "Hat", "buttons": (0..4).map(|_| json!({"type": "postback", "title": "x", "payload": "y"})).collect::<Vec<_>>()}),
        ),
        json!({}),
        "interactive.action.elements[0].buttons[3]",
    );
    refused(
        one(json!({"title": "Hat", "subtitle": "x"})),
        json!({"body": {"text": "b"}}),
        "interactive.body",
    );
}

#[test]
fn reactions() {
    for emoji in ["😀", "👍🏽", "❤️", "❤", "🇧🇷", "👨‍👩‍👧", ""] {
        match ok(msg(
            "reaction",
            json!({"message_id": "wamid.X", "emoji": emoji}),
        )) {
            MessageContent::Reaction { reaction } => {
                assert_eq!(reaction.is_removal(), emoji.is_empty())
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn templates() {
    let m = accept(&msg(
        "template",
        json!({"name": "hello_world", "language": {"code": "en_US"}}),
    ));
    assert!(m.is_template() && !m.is_free_form());
    let t = m.template.expect("template ref");
    assert_eq!(
        (t.name.as_str(), t.language_code.as_str()),
        ("hello_world", "en_US")
    );
    assert!(MessageKind::Template.allowed_outside_window());
    assert!(!MessageKind::Reaction.allowed_outside_window());

    let c = ok(msg(
        "template",
        json!({
            "name": "order_update",
            "language": {"code": "en", "policy": "deterministic"},
            "components": [
                {"type": "header", "parameters": [{"type": "document", "document": {"id": "d", "filename": "a.pdf"}}]},
                {"type": "body", "parameters": [
                    {"type": "text", "text": "Ada", "parameter_name": "customer"},
                    {"type": "currency", "currency": {"fallback_value": "$1", "code": "EUR", "amount_1000": 1000}},
                    {"type": "date_time", "date_time": {"fallback_value": "tomorrow"}}
                ]},
                {"type": "button", "sub_type": "url", "index": 0, "parameters": [{"type": "text", "text": "abc"}]},
                {"type": "button", "sub_type": "COPY_CODE", "index": "1", "parameters": [{"type": "coupon_code", "coupon_code": chars('C', 15)}]},
                {"type": "button", "sub_type": "quick_reply", "index": 2, "parameters": [{"type": "payload", "payload": "yes"}]},
                {"type": "limited_time_offer", "parameters": [{"type": "limited_time_offer", "limited_time_offer": {"expiration_time_ms": 1_700_000_000_000_i64}}]}
            ]
        }),
    ));
    match c {
        MessageContent::Template { template } => {
            assert_eq!(template.components.len(), 6);
            assert_eq!(
                template.components[3].sub_type.as_deref(),
                Some("copy_code")
            );
            assert_eq!(template.components[3].index, Some(1));
            assert!(matches!(
                template.components[1].parameters[1],
                Parameter::Currency { .. }
            ));
        }
        other => panic!("{other:?}"),
    }
    // Location header and a carousel.
    ok(msg(
        "template",
        json!({"name": "t", "language": {"code": "pt_BR"}, "components": [
            {"type": "header", "parameters": [{"type": "location", "location": {"latitude": "1.5", "longitude": 2, "name": "A"}}]},
            {"type": "carousel", "cards": [
                {"card_index": 0, "components": [
                    {"type": "header", "parameters": [{"type": "image", "image": {"id": "i"}}]},
                    {"type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [{"type": "payload", "payload": "p"}]}]},
                {"card_index": 1, "components": [
                    {"type": "header", "parameters": [{"type": "image", "image": {"id": "j"}}]},
                    {"type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [{"type": "payload", "payload": "q"}]}]}
            ]}
        ]}),
    ));
}

#[test]
fn mark_read_with_and_without_typing() {
    let r = parse_request(
        &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.A"}),
    );
    assert_eq!(
        r,
        Ok(CloudRequest::MarkRead {
            message_id: "wamid.A".into(),
            typing_indicator: false
        })
    );
    let r = parse_request(
        &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.A",
        "typing_indicator": {"type": "text"}}),
    );
    assert_eq!(
        r,
        Ok(CloudRequest::MarkRead {
            message_id: "wamid.A".into(),
            typing_indicator: true
        })
    );
}

#[test]
fn recipients_in_every_spelling() {
    for to in [
        "12020721369",
        "+12020721369",
        "+1 202-072-1369",
        "12020721369@c.us",
        "12020721369@s.whatsapp.net",
    ] {
        let mut v = msg("text", json!({"body": "hi"}));
        v["to"] = json!(to);
        let m = accept(&v);
        assert_eq!(m.address.as_str(), "12020721369");
        assert_eq!(m.to_input, to);
    }
}
