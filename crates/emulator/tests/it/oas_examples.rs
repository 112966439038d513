//! Meta's OAS request examples of `POST /{Version}/{Phone-Number-ID}/messages` (the fixture
//! of `crates/core/tests/oas_examples.rs`), sent over real HTTP to a running emulator: every
//! supported example is accepted with Meta's success shape, the ones in [`REFUSED`] are
//! refused with the listed code, and broken variants are refused in Meta's envelope.
//!
//! Before posting, the examples' placeholders are substituted as in the core test (`to`
//! placeholders → a real number, `http(s)://…` media links → `https://…`, `<HEADER_TYPE>` →
//! `text`), plus what only a running emulator needs:
//! - a template name that is not a valid template name (`template-name`, `<TEMPLATE_NAME>`;
//!   Meta, and the emulator, refuse to create templates so named) becomes the example's name in
//!   snake case, and the language placeholder `language-and-locale-code` becomes `en_US`;
//! - the mark-as-read example's `message_id` becomes the wamid of an injected inbound message
//!   (the emulator, like Meta, only marks messages the number received).
//!
//! Then every template the examples name is created (with components matching the examples'
//! parameters) and approved, and every recipient writes first so the 24-hour window is open.
//! `context.message_id` and `reaction.message_id` keep the examples' values: the emulator does
//! not look them up.
//!
//! The template-creation and media-upload examples are in `oas_create_examples.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_core::message::{
    INVALID_PARAMETER, INVALID_VALUE, MISSING_PARAMETER, UNSUPPORTED_TYPE,
};
use switchboard_emulator::EmulatorConfig;

use crate::common::*;

const FIXTURE: &str = include_str!("../../../core/tests/fixtures/oas_message_examples.json");

/// The one mark-as-read / typing-indicator example.
const MARK_READ: &str = "Send typing indicator and read receipt";

/// Examples deliberately expected to be refused: (name, code, details prefix, reason).
const REFUSED: &[(&str, u32, &str, &str)] = &[(
    "Send Sample Issue Resolution Template",
    INVALID_PARAMETER,
    "template.components[1].parameters[0].text",
    "its quick-reply button parameters carry `text: true` / `text: false` (JSON booleans); \
     a text parameter must be a string (the core test refuses it for the same reason)",
)];

fn messages_path() -> String {
    format!("/v23.0/{PHONE_ID}/messages")
}

fn templates_path() -> String {
    format!("/v23.0/{WABA_ID}/message_templates")
}

fn config() -> EmulatorConfig {
    let mut c = fast_config();
    c.review_delay_ms = 0;
    c
}

fn is_template_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn snake_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The core test's substitutions (see the module docs).
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

/// Template name and language placeholders (see the module docs).
fn substitute_template(example: &str, v: &mut Value) {
    let Some(t) = v.get_mut("template") else {
        return;
    };
    if t["name"].as_str().is_some_and(|n| !is_template_name(n)) {
        t["name"] = json!(snake_case(example));
    }
    if t.pointer("/language/code") == Some(&json!("language-and-locale-code")) {
        t["language"]["code"] = json!("en_US");
    }
}

/// All 50 examples, substituted (the mark-as-read one still has its example `message_id`).
fn examples() -> BTreeMap<String, Value> {
    let mut all: BTreeMap<String, Value> =
        serde_json::from_str(FIXTURE).expect("fixture is a JSON object of examples");
    for (name, v) in all.iter_mut() {
        substitute(v);
        substitute_template(name, v);
    }
    all
}

fn example(name: &str) -> Value {
    examples()
        .remove(name)
        .unwrap_or_else(|| panic!("no example {name:?}"))
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("{{{{{i}}}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A sample value for a send parameter, for the creation request's `example`.
fn sample(p: &Value) -> String {
    let v = p
        .get("text")
        .or_else(|| p.pointer("/currency/fallback_value"))
        .or_else(|| p.pointer("/date_time/fallback_value"))
        .unwrap_or(&Value::Null);
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// A creation request for the template a template send names, with a body (and text header)
/// of as many placeholders as the send has parameters, a media header when the send has one,
/// and one button per button component of the send.
fn template_definition(send: &Value) -> Value {
    let t = &send["template"];
    let mut components = Vec::new();
    let mut buttons = Vec::new();
    let mut category = "UTILITY";
    let mut has_body = false;
    for c in t["components"].as_array().into_iter().flatten() {
        let params = c["parameters"].as_array().cloned().unwrap_or_default();
        let samples: Vec<String> = params.iter().map(sample).collect();
        let kind = c["type"].as_str().unwrap_or("").to_ascii_lowercase();
        match kind.as_str() {
            "header" => match params.first().and_then(|p| p["type"].as_str()) {
                Some("text") => components.push(json!({
                    "type": "HEADER", "format": "TEXT", "text": placeholders(params.len()),
                    "example": {"header_text": samples},
                })),
                Some(media) => components.push(json!({
                    "type": "HEADER", "format": media.to_ascii_uppercase(),
                    "example": {"header_handle": ["4::aW1hZ2UvanBlZw==:ARa"]},
                })),
                None => {}
            },
            "body" => {
                has_body = true;
                components.push(json!({
                    "type": "BODY", "text": format!("Hello {}", placeholders(params.len())),
                    "example": {"body_text": [samples]},
                }));
            }
            "button" => {
                let sub = c["sub_type"].as_str().unwrap_or("").to_ascii_lowercase();
                buttons.push(match sub.as_str() {
                    "quick_reply" => {
                        json!({"type": "QUICK_REPLY", "text": format!("Option {}", c["index"])})
                    }
                    "catalog" => {
                        category = "MARKETING";
                        json!({"type": "CATALOG", "text": "View catalog"})
                    }
                    "flow" => json!({"type": "FLOW", "text": "Open form",
                                     "flow_id": "1234567890", "flow_action": "navigate"}),
                    other => json!({"type": other.to_ascii_uppercase(), "text": "Open"}),
                });
            }
            _ => {}
        }
    }
    if !has_body {
        components.push(json!({"type": "BODY", "text": "Thanks for your interest."}));
    }
    if !buttons.is_empty() {
        components.push(json!({"type": "BUTTONS", "buttons": buttons}));
    }
    json!({
        "name": t["name"],
        "language": t.pointer("/language/code").cloned().unwrap_or(Value::Null),
        "category": category,
        "components": components,
    })
}

/// The emulator's templates as (name, language) → status.
async fn template_statuses(h: &Harness) -> BTreeMap<(String, String), String> {
    let (status, body) = h.get(&format!("{}?limit=1000", templates_path())).await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
            ((s("name"), s("language")), s("status"))
        })
        .collect()
}

/// Creates every template the examples name that the WABA lacks, and waits (a bounded poll,
/// at most 30 s) until all of them are approved.
async fn create_templates(h: &Harness, all: &BTreeMap<String, Value>) {
    let mut wanted: BTreeMap<(String, String), Value> = BTreeMap::new();
    for send in all.values().filter(|v| v["type"] == "template") {
        let def = template_definition(send);
        let key = (
            def["name"].as_str().unwrap_or_default().to_string(),
            def["language"].as_str().unwrap_or_default().to_string(),
        );
        if let Some(other) = wanted.insert(key.clone(), def.clone()) {
            assert_eq!(other, def, "two examples need different templates {key:?}");
        }
    }
    let existing = template_statuses(h).await;
    for (key, def) in &wanted {
        if existing.contains_key(key) {
            continue;
        }
        let (status, body) = h.post(&templates_path(), def).await;
        assert_eq!(status, 200, "creating {key:?}: {body}");
    }
    for _ in 0..3000 {
        let now = template_statuses(h).await;
        if wanted
            .keys()
            .all(|k| now.get(k).map(String::as_str) == Some("APPROVED"))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "templates not approved in time: {:?}",
        template_statuses(h).await
    );
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Every recipient of the examples writes first, opening its window; returns an inbound wamid
/// of [`CUSTOMER`].
async fn open_windows(h: &Harness, all: &BTreeMap<String, Value>) -> String {
    let recipients: BTreeSet<String> = all
        .values()
        .filter_map(|v| v["to"].as_str().map(digits))
        .chain([CUSTOMER.to_string()])
        .collect();
    let mut inbound = String::new();
    for wa_id in &recipients {
        let wamid = h.customer_writes(wa_id, "Hi, I have a question").await;
        if wa_id == CUSTOMER {
            inbound = wamid;
        }
    }
    inbound
}

/// A running emulator with the examples' templates approved and windows open; returns the
/// substituted examples (mark-as-read pointing at a received message).
async fn prepared() -> (Harness, BTreeMap<String, Value>) {
    let h = Harness::start(config()).await;
    let mut all = examples();
    assert_eq!(all.len(), 50);
    create_templates(&h, &all).await;
    let inbound = open_windows(&h, &all).await;
    all.get_mut(MARK_READ).expect("mark-as-read example")["message_id"] = json!(inbound);
    (h, all)
}

/// Asserts Meta's error envelope (`message`, `type`, `code`, `error_data{messaging_product,
/// details}`, `fbtrace_id`) with `status`, `code` and `type`; returns the details.
#[track_caller]
pub(crate) fn assert_envelope(
    what: &str,
    got: &(u16, Value),
    status: u16,
    code: u32,
    kind: &str,
) -> String {
    let (s, body) = got;
    assert_eq!(*s, status, "{what}: {body}");
    let e = &body["error"];
    assert_eq!(e["code"], code, "{what}: {body}");
    assert_eq!(e["type"], kind, "{what}: {body}");
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
    assert!(e["fbtrace_id"].is_string(), "{what}: {body}");
    assert_eq!(
        e["error_data"]["messaging_product"], "whatsapp",
        "{what}: {body}"
    );
    e["error_data"]["details"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no details in {body}"))
        .to_string()
}

#[tokio::test]
async fn oas_examples_are_accepted_over_http() {
    let (h, all) = prepared().await;

    // Why template name placeholders are substituted: such names cannot be created.
    let literal: Value = serde_json::from_str(FIXTURE).expect("fixture");
    let literal_name = &literal["Send Message Template Text"]["template"]["name"];
    assert_eq!(literal_name, "template-name");
    let got = h
        .post(
            &templates_path(),
            &json!({"name": literal_name, "category": "UTILITY", "language": "en_US",
                    "components": [{"type": "BODY", "text": "Hi {{1}}"}]}),
        )
        .await;
    assert_envelope("literal template name", &got, 400, 100, "OAuthException");

    let mut sent = Vec::new();
    let mut marked = 0;
    for (name, body) in &all {
        let (status, answer) = h.post(&messages_path(), body).await;
        if let Some((_, code, path, reason)) = REFUSED.iter().find(|r| r.0 == name.as_str()) {
            let details = assert_envelope(
                &format!("{name} (expected refused: {reason})"),
                &(status, answer),
                400,
                *code,
                "OAuthException",
            );
            assert!(details.starts_with(path), "{name}: {details}");
            continue;
        }
        assert_eq!(status, 200, "{name} refused: {answer}\nbody: {body:#}");
        if name == MARK_READ {
            assert_eq!(answer, json!({"success": true}), "{name}");
            marked += 1;
            continue;
        }
        let to = body["to"].as_str().expect("to");
        assert_eq!(answer["messaging_product"], "whatsapp", "{name}: {answer}");
        assert_eq!(answer["contacts"][0]["input"], to, "{name}: {answer}");
        assert_eq!(
            answer["contacts"][0]["wa_id"],
            digits(to),
            "{name}: {answer}"
        );
        let wamid = wamid_of(&answer);
        assert!(wamid.starts_with("wamid."), "{name}: {answer}");
        if body["type"] == "template" {
            assert_eq!(
                answer["messages"][0]["message_status"], "accepted",
                "{name}"
            );
        }
        sent.push((name.clone(), wamid));
    }
    assert_eq!(marked, 1);
    assert_eq!(sent.len() + marked, all.len() - REFUSED.len());
    assert_eq!(sent.len(), 48);

    let recorded: BTreeSet<String> = h.emu.sent_messages().into_iter().map(|m| m.wamid).collect();
    assert_eq!(
        recorded.len(),
        sent.len(),
        "refused examples are not recorded"
    );
    assert!(sent.iter().all(|(_, w)| recorded.contains(w)));

    // The windows were open and the templates approved: every send's first status is `sent`.
    let me = h.receiver.clone();
    let wamids: Vec<String> = sent.iter().map(|(_, w)| w.clone()).collect();
    h.receiver
        .wait_until("a first status of every accepted send", move |_| {
            wamids.iter().all(|w| !me.statuses_of(w).is_empty())
        })
        .await;
    for (name, wamid) in &sent {
        let first = &h.receiver.statuses_of(wamid)[0];
        assert_eq!(first.status, "sent", "{name}: {first:?}");
    }
}

/// A broken variant: which example, how to break it, and the expected refusal.
struct Broken {
    what: &'static str,
    example: &'static str,
    edit: fn(&mut Value),
    code: u32,
    /// What `error.error_data.details` starts with (the JSON path, where there is one).
    details: &'static str,
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

const BROKEN: &[Broken] = &[
    Broken {
        what: "missing to",
        example: "Send Text Message",
        edit: |v| remove(v, "/to"),
        code: MISSING_PARAMETER,
        details: "to",
    },
    Broken {
        what: "unknown type",
        example: "Send Text Message",
        edit: |v| set(v, "/type", json!("carrier_pigeon")),
        code: UNSUPPORTED_TYPE,
        details: "type",
    },
    Broken {
        what: "4 reply buttons",
        example: "Send Reply Button",
        edit: |v| {
            push(v, "/interactive/action/buttons", button(3));
            push(v, "/interactive/action/buttons", button(4));
        },
        code: INVALID_PARAMETER,
        details: "interactive.action.buttons",
    },
    Broken {
        what: "4097-char text",
        example: "Send Text Message",
        edit: |v| set(v, "/text/body", json!("a".repeat(4097))),
        code: INVALID_PARAMETER,
        details: "text.body",
    },
    Broken {
        what: "caption on audio",
        example: "Send Audio Message by ID",
        edit: |v| set(v, "/audio/caption", json!("hi")),
        code: INVALID_PARAMETER,
        details: "audio.caption",
    },
    Broken {
        what: "both id and link",
        example: "Send Image Message by ID",
        edit: |v| set(v, "/image/link", json!("https://example.com/a.png")),
        code: INVALID_PARAMETER,
        details: "image",
    },
    Broken {
        what: "neither id nor link",
        example: "Send Image Message by ID",
        edit: |v| remove(v, "/image/id"),
        code: MISSING_PARAMETER,
        details: "image",
    },
    Broken {
        what: "non-http link",
        example: "Send Video Message by URL",
        edit: |v| set(v, "/video/link", json!("ftp://example.com/v.mp4")),
        code: INVALID_VALUE,
        details: "video.link",
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
        details: "template.components[0].parameters[1].currency.code",
    },
    Broken {
        what: "template without language",
        example: "Send Test Message",
        edit: |v| remove(v, "/template/language"),
        code: MISSING_PARAMETER,
        details: "template.language",
    },
    Broken {
        what: "missing messaging_product",
        example: "Send Text Message",
        edit: |v| remove(v, "/messaging_product"),
        code: MISSING_PARAMETER,
        details: "messaging_product",
    },
    Broken {
        what: "latitude 91",
        example: "Send Location Message",
        edit: |v| set(v, "/location/latitude", json!(91)),
        code: INVALID_VALUE,
        details: "location.latitude",
    },
    Broken {
        what: "two emojis",
        example: "Send Reply with Reaction Message",
        edit: |v| set(v, "/reaction/emoji", json!("😀😀")),
        code: INVALID_VALUE,
        details: "reaction.emoji",
    },
    Broken {
        what: "context without message_id",
        example: "Send Reply to Text Message",
        edit: |v| set(v, "/context", json!({})),
        code: MISSING_PARAMETER,
        details: "context.message_id",
    },
    Broken {
        what: "typing indicator of another type",
        example: MARK_READ,
        edit: |v| set(v, "/typing_indicator/type", json!("audio")),
        code: INVALID_VALUE,
        details: "typing_indicator.type",
    },
    Broken {
        what: "unknown template",
        example: "Send Message Template Text",
        edit: |v| set(v, "/template/name", json!("no_such_template")),
        code: 132001,
        details: "template name (no_such_template) does not exist in en_US",
    },
    Broken {
        what: "approved template in another language",
        example: "Send Test Message",
        edit: |v| set(v, "/template/language/code", json!("pt_BR")),
        code: 132001,
        details: "template name (hello_world) does not exist in pt_BR",
    },
    Broken {
        what: "one body parameter too few",
        example: "Send Message Template Text",
        edit: |v| {
            if let Some(params) = v
                .pointer_mut("/template/components/0/parameters")
                .and_then(Value::as_array_mut)
            {
                params.pop();
            }
        },
        code: 132000,
        details: "body: number of localizable_params (2) does not match the expected number of params (3)",
    },
    Broken {
        what: "a body parameter on a template without placeholders",
        example: "Send Test Message",
        edit: |v| {
            set(
                v,
                "/template/components",
                json!([{"type": "body", "parameters": [{"type": "text", "text": "extra"}]}]),
            )
        },
        code: 132000,
        details: "body: number of localizable_params (1) does not match the expected number of params (0)",
    },
];

#[tokio::test]
async fn oas_broken_variants_are_refused_over_http() {
    assert!(BROKEN.len() >= 12);
    let (h, all) = prepared().await;
    let get = |name: &str| all.get(name).cloned().expect("example");

    for b in BROKEN {
        let mut v = get(b.example);
        (b.edit)(&mut v);
        let got = h.post(&messages_path(), &v).await;
        let details = assert_envelope(b.what, &got, 400, b.code, "OAuthException");
        let message = got.1["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("(#{}) ", b.code)),
            "{}: {message}",
            b.what
        );
        assert!(
            details.starts_with(b.details),
            "{}: details {details:?} should start with {:?}",
            b.what,
            b.details
        );
    }

    // Auth and object errors (before validation, so any example serves).
    let text = get("Send Text Message");
    for token in [Some("wrong-token"), None] {
        let got = h.post_with(&messages_path(), &text, token).await;
        let details = assert_envelope("bad token", &got, 401, 190, "OAuthException");
        assert!(details.contains("access token"), "{details}");
    }
    // Meta answers an unknown (or invisible) object with GraphMethodException, subcode 33.
    let got = h.post("/v23.0/999000111/messages", &text).await;
    let details = assert_envelope(
        "unknown phone number id",
        &got,
        400,
        100,
        "GraphMethodException",
    );
    assert!(details.contains("'999000111'"), "{details}");
    assert_eq!(got.1["error"]["error_subcode"], 33);

    // Mark-as-read of the example's own message_id: never received by this number.
    let got = h.post(&messages_path(), &example(MARK_READ)).await;
    let details = assert_envelope(
        "mark-as-read of an unknown id",
        &got,
        400,
        100,
        "OAuthException",
    );
    assert!(details.contains("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUYzMjEzNDM2RTZGQ0MzMDJBRgA="));

    assert!(
        h.emu.sent_messages().is_empty(),
        "no refused variant is recorded as sent"
    );
}
