//! The table of limit violations: every message Meta refuses, with its code and the JSON path
//! at fault. Shared by core's `message_limits` test and the HTTP sending test of
//! `crates/switchboard`, so both layers run the same cases.

use crate::message::{
    INVALID_PARAMETER as P100, INVALID_VALUE as V131009, MISSING_PARAMETER as M131008,
    UNSUPPORTED_TYPE as U131051,
};
use serde_json::{json, Value};

use super::{chars, msg, TO};

/// `n` reply buttons.
pub fn buttons(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"type": "reply", "reply": {"id": format!("id{i}"), "title": format!("T{i}")}}))
        .collect()
}

/// A reply-button message with `action_buttons`.
pub fn button_msg(action_buttons: Vec<Value>) -> Value {
    msg(
        "interactive",
        json!({"type": "button", "body": {"text": "b"}, "action": {"buttons": action_buttons}}),
    )
}

/// A list message with `action`.
pub fn list_msg(action: Value) -> Value {
    msg(
        "interactive",
        json!({"type": "list", "body": {"text": "b"}, "action": action}),
    )
}

/// `n` list rows with ids `{prefix}{i}`.
pub fn rows(n: usize, prefix: &str) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"id": format!("{prefix}{i}"), "title": "t"}))
        .collect()
}

/// A flow message whose parameters are the defaults with `params` merged in (null removes).
pub fn flow(params: Value) -> Value {
    let mut p = json!({"flow_message_version": "3", "flow_id": "1", "flow_cta": "Go"});
    if let (Some(base), Some(extra)) = (p.as_object_mut(), params.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    msg(
        "interactive",
        json!({"type": "flow", "body": {"text": "b"}, "action": {"name": "flow", "parameters": p}}),
    )
}

/// A template message with `components`.
pub fn template(components: Value) -> Value {
    msg(
        "template",
        json!({"name": "t", "language": {"code": "en"}, "components": components}),
    )
}

/// A carousel message with `cards`.
pub fn carousel(cards: Vec<Value>) -> Value {
    msg(
        "interactive",
        json!({"type": "carousel", "body": {"text": "b"}, "action": {"cards": cards}}),
    )
}

/// A carousel card `i` with a `header` media header.
pub fn media_card(i: u32, header: &str) -> Value {
    json!({"card_index": i, "type": "cta_url", "header": {"type": header, header: {"id": "m"}},
        "action": {"name": "cta_url", "parameters": {"display_text": "Go", "url": "https://e.com"}}})
}

/// The table: (what, body, Meta code, JSON path at fault).
pub fn cases() -> Vec<(&'static str, Value, u32, &'static str)> {
    let sec = |t: &str, n: usize, p: &str| json!({"title": t, "rows": rows(n, p)});
    vec![
        // Envelope
        ("body not an object", json!([1]), P100, ""),
        (
            "messaging_product missing",
            json!({"to": TO, "text": {"body": "x"}}),
            M131008,
            "messaging_product",
        ),
        (
            "messaging_product wrong",
            json!({"messaging_product": "WhatsApp", "to": TO, "text": {"body": "x"}}),
            P100,
            "messaging_product",
        ),
        (
            "to not a string",
            json!({"messaging_product": "whatsapp", "to": 12020721369_u64, "text": {"body": "x"}}),
            P100,
            "to",
        ),
        (
            "to too short",
            json!({"messaging_product": "whatsapp", "to": "+1 202", "text": {"body": "x"}}),
            P100,
            "to",
        ),
        (
            "type not a string",
            json!({"messaging_product": "whatsapp", "to": TO, "type": 1, "text": {"body": "x"}}),
            P100,
            "type",
        ),
        ("unknown type", msg("poll", json!({})), U131051, "type"),
        (
            "content missing",
            json!({"messaging_product": "whatsapp", "to": TO, "type": "image"}),
            M131008,
            "image",
        ),
        (
            "no content, no type",
            json!({"messaging_product": "whatsapp", "to": TO}),
            M131008,
            "text",
        ),
        (
            "two contents, no type",
            json!({"messaging_product": "whatsapp", "to": TO, "text": {"body": "x"}, "image": {"id": "1"}}),
            M131008,
            "type",
        ),
        (
            "recipient_type group",
            json!({"messaging_product": "whatsapp", "recipient_type": "group", "to": TO, "text": {"body": "x"}}),
            P100,
            "recipient_type",
        ),
        (
            "recipient_type other",
            json!({"messaging_product": "whatsapp", "recipient_type": "team", "to": TO, "text": {"body": "x"}}),
            V131009,
            "recipient_type",
        ),
        (
            "callback data too long",
            json!({"messaging_product": "whatsapp", "to": TO, "text": {"body": "x"}, "biz_opaque_callback_data": chars('d', 513)}),
            P100,
            "biz_opaque_callback_data",
        ),
        (
            "context unknown field",
            json!({"messaging_product": "whatsapp", "to": TO, "text": {"body": "x"}, "context": {"message_id": "m", "from": "1"}}),
            P100,
            "context.from",
        ),
        // Text
        (
            "text 4097",
            msg("text", json!({"body": chars('a', 4097)})),
            P100,
            "text.body",
        ),
        (
            "text 4097 emoji",
            msg("text", json!({"body": chars('😀', 4097)})),
            P100,
            "text.body",
        ),
        (
            "text body missing",
            msg("text", json!({"preview_url": true})),
            M131008,
            "text.body",
        ),
        (
            "text preview_url string",
            msg("text", json!({"body": "x", "preview_url": "yes"})),
            P100,
            "text.preview_url",
        ),
        (
            "text unknown field",
            msg("text", json!({"body": "x", "format": "md"})),
            P100,
            "text.format",
        ),
        // Media
        (
            "caption 1025",
            msg("image", json!({"id": "1", "caption": chars('c', 1025)})),
            P100,
            "image.caption",
        ),
        (
            "caption on sticker",
            msg("sticker", json!({"id": "1", "caption": "c"})),
            P100,
            "sticker.caption",
        ),
        (
            "filename on image",
            msg("image", json!({"id": "1", "filename": "a.png"})),
            P100,
            "image.filename",
        ),
        (
            "voice on video",
            msg("video", json!({"id": "1", "voice": true})),
            P100,
            "video.voice",
        ),
        (
            "empty media id",
            msg("audio", json!({"id": ""})),
            P100,
            "audio.id",
        ),
        (
            "relative link",
            msg("document", json!({"link": "/files/a.pdf"})),
            V131009,
            "document.link",
        ),
        // Location
        (
            "longitude 181",
            msg("location", json!({"latitude": 0, "longitude": 181})),
            V131009,
            "location.longitude",
        ),
        (
            "latitude text",
            msg("location", json!({"latitude": "north", "longitude": 1})),
            P100,
            "location.latitude",
        ),
        (
            "latitude missing",
            msg("location", json!({"longitude": 1})),
            M131008,
            "location.latitude",
        ),
        (
            "latitude bool",
            msg("location", json!({"latitude": true, "longitude": 1})),
            P100,
            "location.latitude",
        ),
        // Contacts
        (
            "no contacts",
            json!({"messaging_product": "whatsapp", "to": TO, "type": "contacts", "contacts": []}),
            P100,
            "contacts",
        ),
        (
            "contacts object",
            json!({"messaging_product": "whatsapp", "to": TO, "type": "contacts", "contacts": {}}),
            P100,
            "contacts",
        ),
        (
            "feb 29 2023",
            json!({"messaging_product": "whatsapp", "to": TO, "type": "contacts", "contacts": [{"name": {"formatted_name": "A"}, "birthday": "2023-02-29"}]}),
            V131009,
            "contacts[0].birthday",
        ),
        (
            "contact unknown field",
            json!({"messaging_product": "whatsapp", "to": TO, "type": "contacts", "contacts": [{"name": {"formatted_name": "A"}, "nickname": "x"}]}),
            P100,
            "contacts[0].nickname",
        ),
        // Reply buttons
        (
            "no buttons",
            button_msg(vec![]),
            P100,
            "interactive.action.buttons",
        ),
        (
            "4 buttons",
            button_msg(buttons(4)),
            P100,
            "interactive.action.buttons[3]",
        ),
        (
            "button id 257",
            button_msg(vec![
                json!({"type": "reply", "reply": {"id": chars('i', 257), "title": "t"}}),
            ]),
            P100,
            "interactive.action.buttons[0].reply.id",
        ),
        (
            "button title 21 emoji",
            button_msg(vec![
                json!({"type": "reply", "reply": {"id": "i", "title": chars('😀', 21)}}),
            ]),
            P100,
            "interactive.action.buttons[0].reply.title",
        ),
        (
            "duplicate titles",
            button_msg(vec![
                json!({"type": "reply", "reply": {"id": "a", "title": "Yes"}}),
                json!({"type": "reply", "reply": {"id": "b", "title": "Yes"}}),
            ]),
            V131009,
            "interactive.action.buttons[1].reply.title",
        ),
        (
            "button type",
            button_msg(vec![
                json!({"type": "url", "reply": {"id": "a", "title": "Yes"}}),
            ]),
            V131009,
            "interactive.action.buttons[0].type",
        ),
        (
            "interactive body 1025",
            msg(
                "interactive",
                json!({"type": "button", "body": {"text": chars('b', 1025)}, "action": {"buttons": buttons(1)}}),
            ),
            P100,
            "interactive.body.text",
        ),
        (
            "interactive body missing",
            msg(
                "interactive",
                json!({"type": "button", "action": {"buttons": buttons(1)}}),
            ),
            M131008,
            "interactive.body",
        ),
        (
            "footer 61",
            msg(
                "interactive",
                json!({"type": "button", "body": {"text": "b"}, "footer": {"text": chars('f', 61)}, "action": {"buttons": buttons(1)}}),
            ),
            P100,
            "interactive.footer.text",
        ),
        (
            "header text 61",
            msg(
                "interactive",
                json!({"type": "button", "header": {"type": "text", "text": chars('h', 61)}, "body": {"text": "b"}, "action": {"buttons": buttons(1)}}),
            ),
            P100,
            "interactive.header.text",
        ),
        (
            "header caption",
            msg(
                "interactive",
                json!({"type": "button", "header": {"type": "image", "image": {"id": "1", "caption": "c"}}, "body": {"text": "b"}, "action": {"buttons": buttons(1)}}),
            ),
            P100,
            "interactive.header.image.caption",
        ),
        (
            "header mismatched key",
            msg(
                "interactive",
                json!({"type": "button", "header": {"type": "image", "video": {"id": "1"}}, "body": {"text": "b"}, "action": {"buttons": buttons(1)}}),
            ),
            P100,
            "interactive.header.video",
        ),
        (
            "interactive type missing",
            msg("interactive", json!({"body": {"text": "b"}, "action": {}})),
            M131008,
            "interactive.type",
        ),
        // Lists
        (
            "list body 4097",
            msg(
                "interactive",
                json!({"type": "list", "body": {"text": chars('b', 4097)}, "action": {"button": "B", "sections": [sec("s", 1, "r")]}}),
            ),
            P100,
            "interactive.body.text",
        ),
        (
            "list button 21",
            list_msg(json!({"button": chars('x', 21), "sections": [sec("s", 1, "r")]})),
            P100,
            "interactive.action.button",
        ),
        (
            "11 sections",
            list_msg(
                json!({"button": "B", "sections": (0..11).map(|i| sec("s", 1, &format!("s{i}r"))).collect::<Vec<_>>()}),
            ),
            P100,
            "interactive.action.sections[10]",
        ),
        (
            "section title 25",
            list_msg(json!({"button": "B", "sections": [sec(&chars('s', 25), 1, "r")]})),
            P100,
            "interactive.action.sections[0].title",
        ),
        (
            "11 rows in one section",
            list_msg(json!({"button": "B", "sections": [sec("s", 11, "r")]})),
            P100,
            "interactive.action.sections[0].rows[10]",
        ),
        (
            "row id 201",
            list_msg(
                json!({"button": "B", "sections": [{"rows": [{"id": chars('i', 201), "title": "t"}]}]}),
            ),
            P100,
            "interactive.action.sections[0].rows[0].id",
        ),
        (
            "row ids repeat across sections",
            list_msg(json!({"button": "B", "sections": [sec("a", 1, "r"), sec("b", 1, "r")]})),
            V131009,
            "interactive.action.sections[1].rows[0].id",
        ),
        (
            "row description 73",
            list_msg(
                json!({"button": "B", "sections": [{"rows": [{"id": "i", "title": "t", "description": chars('d', 73)}]}]}),
            ),
            P100,
            "interactive.action.sections[0].rows[0].description",
        ),
        (
            "row title 25",
            list_msg(
                json!({"button": "B", "sections": [{"rows": [{"id": "i", "title": chars('t', 25)}]}]}),
            ),
            P100,
            "interactive.action.sections[0].rows[0].title",
        ),
        (
            "section without rows",
            list_msg(json!({"button": "B", "sections": [{"title": "s", "rows": []}]})),
            P100,
            "interactive.action.sections[0].rows",
        ),
        // CTA URL, location request
        (
            "display_text 21",
            msg(
                "interactive",
                json!({"type": "cta_url", "body": {"text": "b"}, "action": {"name": "cta_url", "parameters": {"display_text": chars('d', 21), "url": "https://e.com"}}}),
            ),
            P100,
            "interactive.action.parameters.display_text",
        ),
        (
            "javascript url",
            msg(
                "interactive",
                json!({"type": "cta_url", "body": {"text": "b"}, "action": {"name": "cta_url", "parameters": {"display_text": "d", "url": "javascript:alert(1)"}}}),
            ),
            V131009,
            "interactive.action.parameters.url",
        ),
        (
            "cta name",
            msg(
                "interactive",
                json!({"type": "cta_url", "body": {"text": "b"}, "action": {"name": "url", "parameters": {"display_text": "d", "url": "https://e.com"}}}),
            ),
            V131009,
            "interactive.action.name",
        ),
        (
            "location request header",
            msg(
                "interactive",
                json!({"type": "location_request_message", "header": {"type": "text", "text": "h"}, "body": {"text": "b"}, "action": {"name": "send_location"}}),
            ),
            P100,
            "interactive.header",
        ),
        (
            "location request footer",
            msg(
                "interactive",
                json!({"type": "location_request_message", "body": {"text": "b"}, "footer": {"text": "f"}, "action": {"name": "send_location"}}),
            ),
            P100,
            "interactive.footer",
        ),
        (
            "location request name",
            msg(
                "interactive",
                json!({"type": "location_request_message", "body": {"text": "b"}, "action": {"name": "location"}}),
            ),
            V131009,
            "interactive.action.name",
        ),
        // Commerce
        (
            "product without catalog",
            msg(
                "interactive",
                json!({"type": "product", "action": {"product_retailer_id": "s"}}),
            ),
            M131008,
            "interactive.action.catalog_id",
        ),
        (
            "product list image header",
            msg(
                "interactive",
                json!({"type": "product_list", "header": {"type": "image", "image": {"id": "1"}}, "body": {"text": "b"}, "action": {"catalog_id": "1", "sections": [{"title": "a", "product_items": [{"product_retailer_id": "s"}]}]}}),
            ),
            V131009,
            "interactive.header.type",
        ),
        (
            "31 products in a section",
            msg(
                "interactive",
                json!({"type": "product_list", "header": {"type": "text", "text": "h"}, "body": {"text": "b"}, "action": {"catalog_id": "1", "sections": [{"title": "a", "product_items": (0..31).map(|i| json!({"product_retailer_id": format!("s{i}")})).collect::<Vec<_>>()}]}}),
            ),
            P100,
            "interactive.action.sections[0].product_items[30]",
        ),
        (
            "catalog header",
            msg(
                "interactive",
                json!({"type": "catalog_message", "header": {"type": "text", "text": "h"}, "body": {"text": "b"}, "action": {"name": "catalog_message"}}),
            ),
            P100,
            "interactive.header",
        ),
        (
            "order status unknown",
            msg(
                "interactive",
                json!({"type": "order_status", "body": {"text": "b"}, "action": {"name": "review_order", "parameters": {"reference_id": "r", "order": {"status": "lost"}}}}),
            ),
            V131009,
            "interactive.action.parameters.order.status",
        ),
        // Flows
        (
            "flow version 2",
            flow(json!({"flow_message_version": "2"})),
            V131009,
            "interactive.action.parameters.flow_message_version",
        ),
        (
            "flow version number",
            flow(json!({"flow_message_version": 3})),
            P100,
            "interactive.action.parameters.flow_message_version",
        ),
        (
            "flow without id or name",
            flow(json!({"flow_id": null})),
            M131008,
            "interactive.action.parameters.flow_id",
        ),
        (
            "data_exchange with payload",
            flow(json!({"flow_action": "data_exchange", "flow_action_payload": {"screen": "A"}})),
            P100,
            "interactive.action.parameters.flow_action_payload",
        ),
        (
            "navigate without payload",
            flow(json!({"flow_action": "navigate"})),
            M131008,
            "interactive.action.parameters.flow_action_payload",
        ),
        (
            "empty flow data",
            flow(json!({"flow_action_payload": {"screen": "A", "data": {}}})),
            V131009,
            "interactive.action.parameters.flow_action_payload.data",
        ),
        (
            "flow_action other",
            flow(json!({"flow_action": "open"})),
            V131009,
            "interactive.action.parameters.flow_action",
        ),
        // Carousels
        (
            "one card",
            carousel(vec![media_card(0, "image")]),
            P100,
            "interactive.action.cards",
        ),
        (
            "11 cards",
            carousel((0..11).map(|i| media_card(i, "image")).collect()),
            P100,
            "interactive.action.cards[10]",
        ),
        (
            "mixed headers",
            carousel(vec![media_card(0, "image"), media_card(1, "video")]),
            V131009,
            "interactive.action.cards[1]",
        ),
        (
            "repeated card index",
            carousel(vec![media_card(0, "image"), media_card(0, "image")]),
            V131009,
            "interactive.action.cards[1].card_index",
        ),
        (
            "card index 10",
            carousel(vec![media_card(0, "image"), media_card(10, "image")]),
            V131009,
            "interactive.action.cards[1].card_index",
        ),
        (
            "card document header",
            carousel(vec![media_card(0, "document"), media_card(1, "document")]),
            V131009,
            "interactive.action.cards[0].header.type",
        ),
        (
            "carousel header",
            msg(
                "interactive",
                json!({"type": "carousel", "header": {"type": "text", "text": "h"}, "body": {"text": "b"}, "action": {"cards": []}}),
            ),
            P100,
            "interactive.header",
        ),
        // Reactions
        (
            "reaction letter",
            msg("reaction", json!({"message_id": "m", "emoji": "a"})),
            V131009,
            "reaction.emoji",
        ),
        (
            "reaction two emojis",
            msg("reaction", json!({"message_id": "m", "emoji": "👍👍"})),
            V131009,
            "reaction.emoji",
        ),
        (
            "reaction without message",
            msg("reaction", json!({"emoji": "👍"})),
            M131008,
            "reaction.message_id",
        ),
        // Templates
        (
            "template name 513",
            msg(
                "template",
                json!({"name": chars('n', 513), "language": {"code": "en"}}),
            ),
            P100,
            "template.name",
        ),
        (
            "template policy",
            msg(
                "template",
                json!({"name": "t", "language": {"code": "en", "policy": "fallback"}}),
            ),
            V131009,
            "template.language.policy",
        ),
        (
            "template namespace",
            msg(
                "template",
                json!({"name": "t", "namespace": "x", "language": {"code": "en"}}),
            ),
            P100,
            "template.namespace",
        ),
        (
            "amount_1000 string",
            template(
                json!([{"type": "body", "parameters": [{"type": "currency", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": "1000"}}]}]),
            ),
            P100,
            "template.components[0].parameters[0].currency.amount_1000",
        ),
        (
            "currency lower case",
            template(
                json!([{"type": "body", "parameters": [{"type": "currency", "currency": {"fallback_value": "$1", "code": "usd", "amount_1000": 1000}}]}]),
            ),
            V131009,
            "template.components[0].parameters[0].currency.code",
        ),
        (
            "date_time without fallback",
            template(
                json!([{"type": "body", "parameters": [{"type": "date_time", "date_time": {"year": 2024}}]}]),
            ),
            M131008,
            "template.components[0].parameters[0].date_time.fallback_value",
        ),
        (
            "image in body",
            template(
                json!([{"type": "body", "parameters": [{"type": "image", "image": {"id": "1"}}]}]),
            ),
            V131009,
            "template.components[0].parameters[0].type",
        ),
        (
            "two header parameters",
            template(
                json!([{"type": "header", "parameters": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]),
            ),
            P100,
            "template.components[0].parameters[1]",
        ),
        (
            "unknown sub_type",
            template(
                json!([{"type": "button", "sub_type": "call", "index": 0, "parameters": [{"type": "text", "text": "a"}]}]),
            ),
            V131009,
            "template.components[0].sub_type",
        ),
        (
            "button without sub_type",
            template(
                json!([{"type": "button", "index": 0, "parameters": [{"type": "text", "text": "a"}]}]),
            ),
            M131008,
            "template.components[0].sub_type",
        ),
        (
            "button index 10",
            template(
                json!([{"type": "button", "sub_type": "url", "index": 10, "parameters": [{"type": "text", "text": "a"}]}]),
            ),
            V131009,
            "template.components[0].index",
        ),
        (
            "button index repeated",
            template(json!([
            {"type": "button", "sub_type": "url", "index": 0, "parameters": [{"type": "text", "text": "a"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "p"}]}])),
            V131009,
            "template.components[1].index",
        ),
        (
            "payload on url button",
            template(
                json!([{"type": "button", "sub_type": "url", "index": 0, "parameters": [{"type": "payload", "payload": "p"}]}]),
            ),
            V131009,
            "template.components[0].parameters[0].type",
        ),
        (
            "coupon 16",
            template(
                json!([{"type": "button", "sub_type": "copy_code", "index": 0, "parameters": [{"type": "coupon_code", "coupon_code": chars('c', 16)}]}]),
            ),
            P100,
            "template.components[0].parameters[0].coupon_code",
        ),
        (
            "two body components",
            template(
                json!([{"type": "body", "parameters": []}, {"type": "body", "parameters": []}]),
            ),
            V131009,
            "template.components[1].type",
        ),
        (
            "index on body",
            template(json!([{"type": "body", "index": 0, "parameters": []}])),
            P100,
            "template.components[0].index",
        ),
        (
            "footer component",
            template(json!([{"type": "footer", "parameters": []}])),
            V131009,
            "template.components[0].type",
        ),
        (
            "parameter type unknown",
            template(json!([{"type": "body", "parameters": [{"type": "money", "money": 1}]}])),
            V131009,
            "template.components[0].parameters[0].type",
        ),
        (
            "empty text parameter",
            template(json!([{"type": "body", "parameters": [{"type": "text", "text": ""}]}])),
            P100,
            "template.components[0].parameters[0].text",
        ),
        (
            "carousel inside a card",
            template(
                json!([{"type": "carousel", "cards": [{"card_index": 0, "components": [{"type": "carousel", "cards": []}]}]}]),
            ),
            V131009,
            "template.components[0].cards[0].components[0].type",
        ),
        // Mark as read
        (
            "read without message_id",
            json!({"messaging_product": "whatsapp", "status": "read"}),
            M131008,
            "message_id",
        ),
        (
            "status delivered",
            json!({"messaging_product": "whatsapp", "status": "delivered", "message_id": "m"}),
            V131009,
            "status",
        ),
        (
            "read with to",
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": "m", "to": TO}),
            P100,
            "to",
        ),
    ]
}
