//! Every request example of `POST /{Version}/{Phone-Number-ID}/messages` in Meta's OAS
//! (extracted by `scripts/extract_oas_examples.py` into `fixtures/oas_message_examples.json`)
//! is accepted by `parse_request`, except the ones listed in [`REFUSED`]; and broken
//! variants of them are refused with the expected code and path.
//!
//! The examples are templates with placeholders. Before parsing, the test substitutes:
//! - `to` placeholders (`{{Recipient-Phone-Number}}`, `{{Recipient-WA-Phone-Number}}`) with a
//!   real number;
//! - placeholder media links (`<http(s)://audio-url>`, `http(s)://image-url`) with `https://…`;
//! - in "Send Multi-Product Message", `header.type: "<HEADER_TYPE>"` with `text` (a product
//!   list header must be text).

use std::collections::BTreeMap;

use serde_json::{json, Value};
use switchboard_core::message::{
    parse_request, CloudRequest, INVALID_PARAMETER, INVALID_VALUE, MISSING_PARAMETER,
    UNSUPPORTED_TYPE,
};
use switchboard_core::testing::{chars, refused_with};

const FIXTURE: &str = include_str!("../fixtures/oas_message_examples.json");

/// Examples deliberately refused: (name, code, path, reason).
const REFUSED: &[(&str, u32, &str, &str)] = &[(
    "Send Sample Issue Resolution Template",
    INVALID_PARAMETER,
    "template.components[1].parameters[0].text",
    "its quick-reply button parameters carry `text: true` / `text: false` (JSON booleans); \
     a text parameter must be a string",
)];

fn examples() -> BTreeMap<String, Value> {
    serde_json::from_str(FIXTURE).expect("fixture is a JSON object of examples")
}

/// Replaces placeholders (see the module docs).
fn substitute(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match (k.as_str(), &child) {
                    ("to", Value::String(s)) if s.starts_with("{{") => {
                        *child = Value::from("+16505551234");
                    }
                    ("link", Value::String(s)) if s.contains("http(s)://") => {
                        let fixed = s
                            .trim_start_matches('<')
                            .trim_end_matches('>')
                            .replace("http(s)://", "https://");
                        *child = Value::from(fixed);
                    }
                    ("type", Value::String(s)) if s == "<HEADER_TYPE>" => {
                        *child = Value::from("text");
                    }
                    _ => substitute(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(substitute),
        _ => {}
    }
}

fn example(name: &str) -> Value {
    let mut v = examples()
        .remove(name)
        .unwrap_or_else(|| panic!("no example {name:?}"));
    substitute(&mut v);
    v
}

#[test]
fn fixture_holds_all_fifty_examples() {
    assert_eq!(examples().len(), 50);
}

#[test]
fn every_supported_example_is_accepted() {
    let mut accepted = 0;
    for (name, mut body) in examples() {
        substitute(&mut body);
        let result = parse_request(&body);
        if let Some((_, code, path, reason)) = REFUSED.iter().find(|r| r.0 == name) {
            let e = result.expect_err(&format!("{name} should be refused: {reason}"));
            assert_eq!((e.code, e.path.as_str()), (*code, *path), "{name}: {e}");
            continue;
        }
        match result {
            Ok(CloudRequest::Send(m)) => {
                let digits: String = body["to"]
                    .as_str()
                    .unwrap_or_default()
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                assert_eq!(m.address.as_str(), digits, "{name}");
                assert_eq!(m.body["to"], digits.as_str(), "{name}");
                assert_eq!(m.body["messaging_product"], "whatsapp", "{name}");
                assert_eq!(m.body["type"], m.kind.as_str(), "{name}");
                assert!(m.body["recipient_type"].is_string(), "{name}");
                if let Some(t) = body.get("type").and_then(Value::as_str) {
                    assert_eq!(m.kind, t, "{name}");
                }
                assert_eq!(m.is_template(), m.kind == "template", "{name}");
                assert_eq!(
                    m.context_message_id.as_deref(),
                    body.pointer("/context/message_id").and_then(Value::as_str),
                    "{name}"
                );
                accepted += 1;
            }
            Ok(CloudRequest::MarkRead {
                message_id,
                typing_indicator,
            }) => {
                assert!(message_id.starts_with("wamid."), "{name}");
                assert!(typing_indicator, "{name}");
                accepted += 1;
            }
            Err(e) => panic!("{name} refused: {e}"),
        }
    }
    assert_eq!(accepted, 50 - REFUSED.len());
}

#[test]
fn examples_without_type_infer_it() {
    let m = switchboard_core::testing::accept(&example("Send Text Message with Preview URL"));
    assert_eq!(m.kind, "text");
    assert_eq!(m.body["type"], "text");
    let m = switchboard_core::testing::accept(&example("Send Reply to List Message"));
    assert_eq!(m.kind, "interactive");
}

/// A broken variant: which example, how to break it, and the expected refusal.
struct Broken {
    what: &'static str,
    example: &'static str,
    edit: fn(&mut Value),
    code: u32,
    path: &'static str,
}

fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    if let Some(obj) = v.pointer_mut(parent).and_then(Value::as_object_mut) {
        obj.remove(key);
    }
}

fn set(v: &mut Value, pointer: &str, new: Value) {
    match v.pointer_mut(pointer) {
        Some(slot) => *slot = new,
        None => {
            let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
            if let Some(obj) = v.pointer_mut(parent).and_then(Value::as_object_mut) {
                obj.insert(key.to_string(), new);
            }
        }
    }
}

fn push(v: &mut Value, pointer: &str, item: Value) {
    if let Some(arr) = v.pointer_mut(pointer).and_then(Value::as_array_mut) {
        arr.push(item);
    }
}

fn button(i: usize) -> Value {
    json!({"type": "reply", "reply": {"id": format!("id-{i}"), "title": format!("Button {i}")}})
}

fn row(s: usize, i: usize) -> Value {
    json!({"id": format!("s{s}-r{i}"), "title": format!("Row {i}")})
}

const BROKEN: &[Broken] = &[
    Broken {
        what: "missing to",
        example: "Send Text Message",
        edit: |v| remove(v, "/to"),
        code: MISSING_PARAMETER,
        path: "to",
    },
    Broken {
        what: "bad type",
        example: "Send Text Message",
        edit: |v| set(v, "/type", json!("carrier_pigeon")),
        code: UNSUPPORTED_TYPE,
        path: "type",
    },
    Broken {
        what: "4 reply buttons",
        example: "Send Reply Button",
        edit: |v| {
            push(v, "/interactive/action/buttons", button(3));
            push(v, "/interactive/action/buttons", button(4));
        },
        code: INVALID_PARAMETER,
        path: "interactive.action.buttons[3]",
    },
    Broken {
        what: "11 rows across sections",
        example: "Send List Message",
        edit: |v| {
            for i in 3..=7 {
                push(v, "/interactive/action/sections/0/rows", row(0, i));
            }
            for i in 3..=4 {
                push(v, "/interactive/action/sections/1/rows", row(1, i));
            }
        },
        code: INVALID_PARAMETER,
        path: "interactive.action.sections[1].rows[3]",
    },
    Broken {
        what: "4097-char body",
        example: "Send Text Message",
        edit: |v| set(v, "/text/body", json!(chars('a', 4097))),
        code: INVALID_PARAMETER,
        path: "text.body",
    },
    Broken {
        what: "empty body",
        example: "Send Text Message",
        edit: |v| set(v, "/text/body", json!("")),
        code: INVALID_PARAMETER,
        path: "text.body",
    },
    Broken {
        what: "caption on audio",
        example: "Send Audio Message by ID",
        edit: |v| set(v, "/audio/caption", json!("hi")),
        code: INVALID_PARAMETER,
        path: "audio.caption",
    },
    Broken {
        what: "both id and link",
        example: "Send Image Message by ID",
        edit: |v| set(v, "/image/link", json!("https://example.com/a.png")),
        code: INVALID_PARAMETER,
        path: "image",
    },
    Broken {
        what: "neither id nor link",
        example: "Send Image Message by ID",
        edit: |v| remove(v, "/image/id"),
        code: MISSING_PARAMETER,
        path: "image",
    },
    Broken {
        what: "non-http link",
        example: "Send Video Message by URL",
        edit: |v| set(v, "/video/link", json!("ftp://example.com/v.mp4")),
        code: INVALID_VALUE,
        path: "video.link",
    },
    Broken {
        what: "bad currency code",
        example: "Send Message Template Text",
        edit: |v| {
            set(
                v,
                "/template/components/0/parameters/1/currency/code",
                json!("DOLLARS"),
            )
        },
        code: INVALID_VALUE,
        path: "template.components[0].parameters[1].currency.code",
    },
    Broken {
        what: "fractional amount_1000",
        example: "Send Message Template Text",
        edit: |v| {
            set(
                v,
                "/template/components/0/parameters/1/currency/amount_1000",
                json!(100.5),
            )
        },
        code: INVALID_PARAMETER,
        path: "template.components[0].parameters[1].currency.amount_1000",
    },
    Broken {
        what: "missing messaging_product",
        example: "Send Text Message",
        edit: |v| remove(v, "/messaging_product"),
        code: MISSING_PARAMETER,
        path: "messaging_product",
    },
    Broken {
        what: "other messaging_product",
        example: "Send Text Message",
        edit: |v| set(v, "/messaging_product", json!("sms")),
        code: INVALID_PARAMETER,
        path: "messaging_product",
    },
    Broken {
        what: "unknown top-level field",
        example: "Send Text Message",
        edit: |v| set(v, "/priority", json!("high")),
        code: INVALID_PARAMETER,
        path: "priority",
    },
    Broken {
        what: "content of another kind",
        example: "Send Text Message",
        edit: |v| set(v, "/image", json!({"id": "1"})),
        code: INVALID_PARAMETER,
        path: "image",
    },
    Broken {
        what: "21-char button title",
        example: "Send Reply Button",
        edit: |v| {
            set(
                v,
                "/interactive/action/buttons/0/reply/title",
                json!(chars('b', 21)),
            )
        },
        code: INVALID_PARAMETER,
        path: "interactive.action.buttons[0].reply.title",
    },
    Broken {
        what: "duplicate button ids",
        example: "Send Reply Button",
        edit: |v| {
            set(
                v,
                "/interactive/action/buttons/1/reply/id",
                json!("<UNIQUE_BUTTON_ID_1>"),
            )
        },
        code: INVALID_VALUE,
        path: "interactive.action.buttons[1].reply.id",
    },
    Broken {
        what: "image header on a list",
        example: "Send List Message",
        edit: |v| {
            set(
                v,
                "/interactive/header",
                json!({"type": "image", "image": {"id": "1"}}),
            )
        },
        code: INVALID_VALUE,
        path: "interactive.header.type",
    },
    Broken {
        what: "untitled section among several",
        example: "Send List Message",
        edit: |v| remove(v, "/interactive/action/sections/1/title"),
        code: MISSING_PARAMETER,
        path: "interactive.action.sections[1].title",
    },
    Broken {
        what: "25-char row title",
        example: "Send List Message",
        edit: |v| {
            set(
                v,
                "/interactive/action/sections/0/rows/1/title",
                json!(chars('r', 25)),
            )
        },
        code: INVALID_PARAMETER,
        path: "interactive.action.sections[0].rows[1].title",
    },
    Broken {
        what: "product list without header",
        example: "Send Multi-Product Message",
        edit: |v| remove(v, "/interactive/header"),
        code: MISSING_PARAMETER,
        path: "interactive.header",
    },
    Broken {
        what: "31 products",
        example: "Send Multi-Product Message",
        edit: |v| {
            for i in 0..27 {
                push(
                    v,
                    "/interactive/action/sections/1/product_items",
                    json!({"product_retailer_id": format!("sku-{i}")}),
                );
            }
        },
        code: INVALID_PARAMETER,
        path: "interactive.action.sections[1].product_items[28]",
    },
    Broken {
        what: "header on a single product",
        example: "Send Single Product Message",
        edit: |v| {
            set(
                v,
                "/interactive/header",
                json!({"type": "text", "text": "Hi"}),
            )
        },
        code: INVALID_PARAMETER,
        path: "interactive.header",
    },
    Broken {
        what: "31-char flow_cta",
        example: "Send Published Flow by ID",
        edit: |v| {
            set(
                v,
                "/interactive/action/parameters/flow_cta",
                json!(chars('f', 31)),
            )
        },
        code: INVALID_PARAMETER,
        path: "interactive.action.parameters.flow_cta",
    },
    Broken {
        what: "flow mode",
        example: "Send Draft Flow by ID",
        edit: |v| set(v, "/interactive/action/parameters/mode", json!("beta")),
        code: INVALID_VALUE,
        path: "interactive.action.parameters.mode",
    },
    Broken {
        what: "flow by id and name",
        example: "Send Draft Flow by ID",
        edit: |v| set(v, "/interactive/action/parameters/flow_name", json!("x")),
        code: INVALID_PARAMETER,
        path: "interactive.action.parameters.flow_name",
    },
    Broken {
        what: "unsupported interactive type",
        example: "Send Reply Button",
        edit: |v| set(v, "/interactive/type", json!("voice_call")),
        code: UNSUPPORTED_TYPE,
        path: "interactive.type",
    },
    Broken {
        what: "latitude 91",
        example: "Send Location Message",
        edit: |v| set(v, "/location/latitude", json!(91)),
        code: INVALID_VALUE,
        path: "location.latitude",
    },
    Broken {
        what: "two emojis",
        example: "Send Reply with Reaction Message",
        edit: |v| set(v, "/reaction/emoji", json!("😀😀")),
        code: INVALID_VALUE,
        path: "reaction.emoji",
    },
    Broken {
        what: "group recipient",
        example: "Send Text Message",
        edit: |v| set(v, "/to", json!("120363025246125486@g.us")),
        code: INVALID_PARAMETER,
        path: "to",
    },
    Broken {
        what: "letters in recipient",
        example: "Send Text Message",
        edit: |v| set(v, "/to", json!("call me maybe")),
        code: INVALID_PARAMETER,
        path: "to",
    },
    Broken {
        what: "six contacts",
        example: "Send Contact Message",
        edit: |v| {
            let card = v.pointer("/contacts/0").cloned().unwrap_or(Value::Null);
            for _ in 0..5 {
                push(v, "/contacts", card.clone());
            }
        },
        code: INVALID_PARAMETER,
        path: "contacts[5]",
    },
    Broken {
        what: "bad birthday",
        example: "Send Contact Message",
        edit: |v| set(v, "/contacts/0/birthday", json!("18/08/2012")),
        code: INVALID_VALUE,
        path: "contacts[0].birthday",
    },
    Broken {
        what: "contact without formatted_name",
        example: "Send Contact Message",
        edit: |v| remove(v, "/contacts/0/name/formatted_name"),
        code: MISSING_PARAMETER,
        path: "contacts[0].name.formatted_name",
    },
    Broken {
        what: "template button without index",
        example: "Send Message Template Interactive",
        edit: |v| remove(v, "/template/components/2/index"),
        code: MISSING_PARAMETER,
        path: "template.components[2].index",
    },
    Broken {
        what: "template button index not numeric",
        example: "Send Message Template Interactive",
        edit: |v| set(v, "/template/components/2/index", json!("first")),
        code: INVALID_PARAMETER,
        path: "template.components[2].index",
    },
    Broken {
        what: "caption on a template image",
        example: "Send Message Template Media",
        edit: |v| {
            set(
                v,
                "/template/components/0/parameters/0/image/caption",
                json!("hi"),
            )
        },
        code: INVALID_PARAMETER,
        path: "template.components[0].parameters[0].image.caption",
    },
    Broken {
        what: "template without language",
        example: "Send Test Message",
        edit: |v| remove(v, "/template/language"),
        code: MISSING_PARAMETER,
        path: "template.language",
    },
    Broken {
        what: "context without message_id",
        example: "Send Reply to Text Message",
        edit: |v| set(v, "/context", json!({})),
        code: MISSING_PARAMETER,
        path: "context.message_id",
    },
    Broken {
        what: "typing indicator of another type",
        example: "Send typing indicator and read receipt",
        edit: |v| set(v, "/typing_indicator/type", json!("audio")),
        code: INVALID_VALUE,
        path: "typing_indicator.type",
    },
    Broken {
        what: "catalog message with a wrong action name",
        example: "Send Catalog Message",
        edit: |v| set(v, "/interactive/action/name", json!("catalog")),
        code: INVALID_VALUE,
        path: "interactive.action.name",
    },
    Broken {
        what: "order details with a bad currency",
        example: "Send Order Details Message",
        edit: |v| {
            set(
                v,
                "/interactive/action/parameters/currency",
                json!("rupees"),
            )
        },
        code: INVALID_VALUE,
        path: "interactive.action.parameters.currency",
    },
];

#[test]
fn broken_variants_are_refused_with_code_and_path() {
    assert!(BROKEN.len() >= 15);
    for b in BROKEN {
        let mut v = example(b.example);
        (b.edit)(&mut v);
        let e = refused_with(&v, b.code, b.path);
        assert!(!e.details.is_empty(), "{}", b.what);
    }
}

#[test]
fn broken_button_count_details_read_well() {
    let mut v = example("Send Reply Button");
    push(&mut v, "/interactive/action/buttons", button(3));
    push(&mut v, "/interactive/action/buttons", button(4));
    let e = refused_with(&v, INVALID_PARAMETER, "interactive.action.buttons[3]");
    assert!(
        e.details
            .starts_with("interactive.action.buttons: at most 3 reply buttons are allowed, got 4"),
        "{}",
        e.details
    );
}
