//! `template_def::check_send`: template sends (parsed by the message model) checked
//! against stored definitions, with Meta's codes and the JSON path at fault (table-driven).

use serde_json::{json, Value};
use switchboard_core::message::{parse_message, MessageContent, Template, INVALID_PARAMETER};
use switchboard_core::template_def::{
    check_send, check_send_among, validate, Category, TemplateDefinition, TemplateSendError,
    TemplateStatus, PARAMETER_COUNT_MISMATCH, PARAMETER_FORMAT_MISMATCH, TEMPLATE_DISABLED,
    TEMPLATE_NOT_FOUND, TEMPLATE_PAUSED, TEMPLATE_TEXT_TOO_LONG,
};

/// MARKETING: text header with 1 variable, body with 3, footer, quick reply (index 0), URL
/// with a variable (index 1), phone number (index 2).
fn promo() -> TemplateDefinition {
    def(json!({
        "name": "summer_sale", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Our {{1}} is on!", "example": {"header_text": ["Summer Sale"]}},
            {"type": "BODY", "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off.",
             "example": {"body_text": [["the end of August", "25OFF", "25%"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "Unsubscribe"},
                {"type": "URL", "text": "Shop", "url": "https://example.com/shop?promo={{1}}", "example": ["summer2023"]},
                {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "16467043595"}
            ]}
        ]
    }))
}

/// UTILITY: image header, body with 2 variables, static URL (index 0), copy code (index 1).
fn receipt() -> TemplateDefinition {
    def(json!({
        "name": "receipt", "language": "en_US", "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1h"]}},
            {"type": "BODY", "text": "Thanks {{1}}, your order {{2}} is confirmed.", "example": {"body_text": [["Mark", "123"]]}},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Support", "url": "https://example.com/support"},
                {"type": "COPY_CODE", "example": "SAVE10"}
            ]}
        ]
    }))
}

fn named() -> TemplateDefinition {
    def(json!({
        "name": "order_named", "language": "en_US", "category": "UTILITY", "parameter_format": "NAMED",
        "components": [
            {"type": "BODY", "text": "Thank you, {{first_name}}! Order {{order_id}} is ready.",
             "example": {"body_text_named_params": [
                {"param_name": "first_name", "example": "Jo"}, {"param_name": "order_id", "example": "1"}]}}
        ]
    }))
}

fn otp() -> TemplateDefinition {
    def(json!({
        "name": "login_code", "language": "en_US", "category": "AUTHENTICATION",
        "components": [
            {"type": "BODY", "add_security_recommendation": true},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy Code"}]}
        ]
    }))
}

fn lemons() -> TemplateDefinition {
    let card = json!({"components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1h"]}},
        {"type": "BODY", "text": "Rare lemons {{1}}", "example": {"body_text": [["#1"]]}},
        {"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": "More like this"},
            {"type": "URL", "text": "Buy", "url": "https://example.com/shop?item={{1}}", "example": ["1"]}]}
    ]});
    def(json!({
        "name": "lemons", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Summer is here, {{1}}! Look at our lemons.", "example": {"body_text": [["Pablo"]]}},
            {"type": "CAROUSEL", "cards": [card.clone(), card]}
        ]
    }))
}

fn offer() -> TemplateDefinition {
    def(json!({
        "name": "flash_offer", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": "Expiring offer!", "has_expiration": true}},
            {"type": "BODY", "text": "Good news! Use the code below for 25% off.", "example": null},
            {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "CARIBE25"}]}
        ]
    }))
}

#[track_caller]
fn def(mut v: Value) -> TemplateDefinition {
    // `"example": null` marks "no example" in fixtures.
    if let Some(comps) = v["components"].as_array_mut() {
        for c in comps {
            if c.get("example") == Some(&Value::Null) {
                c.as_object_mut().map(|m| m.remove("example"));
            }
        }
    }
    validate(&v).unwrap_or_else(|e| panic!("definition refused: {e}"))
}

/// The template of a send with `components`.
#[track_caller]
fn send(name: &str, components: Value) -> Template {
    send_in(name, "en_US", components)
}

#[track_caller]
fn send_in(name: &str, language: &str, components: Value) -> Template {
    let body = json!({
        "messaging_product": "whatsapp", "to": "+16505551234", "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components}
    });
    match parse_message(&body) {
        Ok(m) => match m.content {
            MessageContent::Template { template } => template,
            other => panic!("not a template: {other:?}"),
        },
        Err(e) => panic!("the message model refused the send: {e}\n{body:#}"),
    }
}

fn text(t: &str) -> Value {
    json!({"type": "text", "text": t})
}

fn header_text(t: &str) -> Value {
    json!({"type": "header", "parameters": [text(t)]})
}

fn body(values: &[&str]) -> Value {
    json!({"type": "body", "parameters": values.iter().map(|v| text(v)).collect::<Vec<_>>()})
}

fn button(sub_type: &str, index: u32, parameters: Value) -> Value {
    json!({"type": "button", "sub_type": sub_type, "index": index, "parameters": parameters})
}

fn image() -> Value {
    json!({"type": "header", "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}]})
}

/// A complete, correct send of `promo()`.
fn promo_ok() -> Value {
    json!([
        header_text("Winter Sale"),
        body(&["Friday", "WINTER", "30%"]),
        button("url", 1, json!([text("winter2024")]))
    ])
}

fn card(i: u32, value: &str) -> Value {
    json!({"card_index": i, "components": [
        {"type": "header", "parameters": [{"type": "image", "image": {"id": "1234"}}]},
        body(&[value]),
        button("url", 1, json!([text(value)]))
    ]})
}

/// Cases: (label, definition, status, send, expected code and path, fragment of details).
type Case = (
    &'static str,
    TemplateDefinition,
    TemplateStatus,
    Template,
    Option<(u32, &'static str, &'static str)>,
);

fn cases() -> Vec<Case> {
    use TemplateStatus::*;
    let promo_with = |f: &dyn Fn(&mut Value)| {
        let mut c = promo_ok();
        f(&mut c);
        send("summer_sale", c)
    };
    vec![
        ("promo complete", promo(), Approved, send("summer_sale", promo_ok()), None),
        ("quick-reply payload given", promo(), Approved,
            promo_with(&|c| c.as_array_mut().expect("list").push(button("quick_reply", 0, json!([{"type": "payload", "payload": "STOP"}])))), None),
        ("flagged is sendable", promo(), Flagged, send("summer_sale", promo_ok()), None),
        ("currency and date_time where text is expected", promo(), Approved,
            promo_with(&|c| c[1] = json!({"type": "body", "parameters": [
                {"type": "date_time", "date_time": {"fallback_value": "Feb 25"}},
                text("CODE"),
                {"type": "currency", "currency": {"fallback_value": "$10", "code": "USD", "amount_1000": 10000}}]})),
            None),
        ("pending", promo(), Pending, send("summer_sale", promo_ok()),
            Some((TEMPLATE_NOT_FOUND, "template.name", "still in review (PENDING)"))),
        ("rejected", promo(), Rejected, send("summer_sale", promo_ok()),
            Some((TEMPLATE_NOT_FOUND, "template.name", "REJECTED"))),
        ("paused", promo(), Paused, send("summer_sale", promo_ok()),
            Some((TEMPLATE_PAUSED, "template.name", "PAUSED"))),
        ("disabled", promo(), Disabled, send("summer_sale", promo_ok()),
            Some((TEMPLATE_DISABLED, "template.name", "DISABLED"))),
        ("unknown status", promo(), Unknown, send("summer_sale", promo_ok()),
            Some((TEMPLATE_NOT_FOUND, "template.name", "not APPROVED"))),
        ("other name", promo(), Approved, send("winter_sale", promo_ok()),
            Some((TEMPLATE_NOT_FOUND, "template.name", "template name (winter_sale) does not exist"))),
        ("other language", promo(), Approved, send_in("summer_sale", "fr", promo_ok()),
            Some((TEMPLATE_NOT_FOUND, "template.language.code", "it exists in en_US"))),
        ("body one short", promo(), Approved, promo_with(&|c| c[1] = body(&["Friday", "WINTER"])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[1].parameters", "body expects 3 parameters, got 2"))),
        ("body one over", promo(), Approved, promo_with(&|c| c[1] = body(&["a", "b", "c", "d"])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[1].parameters", "body expects 3 parameters, got 4"))),
        ("body missing", promo(), Approved, send("summer_sale", json!([header_text("x"), button("url", 1, json!([text("x")]))])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "body expects 3 parameters, got 0"))),
        ("header missing", promo(), Approved, promo_with(&|c| { c.as_array_mut().expect("list").remove(0); }),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "header expects 1 parameter, got 0"))),
        ("text header given an image", promo(), Approved, promo_with(&|c| c[0] = image()),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[0].parameters[0].type", "expected TEXT, received IMAGE"))),
        ("header on a template without one", named(), Approved,
            send("order_named", json!([header_text("x"),
                {"type": "body", "parameters": [{"type": "text", "text": "Jo", "parameter_name": "first_name"}, {"type": "text", "text": "1", "parameter_name": "order_id"}]}])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[0]", "no header"))),
        ("button index beyond the template", promo(), Approved,
            promo_with(&|c| c.as_array_mut().expect("list").push(button("quick_reply", 5, json!([{"type": "payload", "payload": "x"}])))),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[3].index", "3 buttons (index 0 to 2); there is no button at index 5"))),
        ("button sub_type differs", promo(), Approved,
            promo_with(&|c| c[2] = button("quick_reply", 1, json!([{"type": "payload", "payload": "x"}]))),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[2].sub_type", "a URL button; set sub_type to url (got quick_reply)"))),
        ("URL variable missing", promo(), Approved, promo_with(&|c| { c.as_array_mut().expect("list").remove(2); }),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "button 1 (URL) expects 1 parameter, got 0"))),
        ("phone button given parameters", promo(), Approved,
            promo_with(&|c| c.as_array_mut().expect("list").push(button("url", 2, json!([text("x")])))),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[3]", "PHONE_NUMBER button, which takes no parameters"))),
        ("newline in a body parameter", promo(), Approved, promo_with(&|c| c[1] = body(&["Fri\nday", "W", "3"])),
            Some((INVALID_PARAMETER, "template.components[1].parameters[0].text", "new-line/tab"))),
        ("five spaces in a header parameter", promo(), Approved, promo_with(&|c| c[0] = header_text("a     b")),
            Some((INVALID_PARAMETER, "template.components[0].parameters[0].text", "4 consecutive spaces"))),
        ("body too long once filled", promo(), Approved, promo_with(&|c| c[1] = body(&[&"x".repeat(1000), "W", "3"])),
            Some((TEMPLATE_TEXT_TOO_LONG, "template.components[1].parameters", "over the limit of 1024"))),
        ("header too long once filled", promo(), Approved, promo_with(&|c| c[0] = header_text(&"x".repeat(60))),
            Some((TEMPLATE_TEXT_TOO_LONG, "template.components[0].parameters", "over the limit of 60"))),
        ("image header and copy code", receipt(), Approved,
            send("receipt", json!([image(), body(&["Mark", "1"]), button("copy_code", 1, json!([{"type": "coupon_code", "coupon_code": "SAVE10"}]))])),
            None),
        ("image header missing", receipt(), Approved,
            send("receipt", json!([body(&["Mark", "1"]), button("copy_code", 1, json!([{"type": "coupon_code", "coupon_code": "S"}]))])),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components", "expected IMAGE, received nothing"))),
        ("image header given text", receipt(), Approved,
            send("receipt", json!([header_text("x"), body(&["Mark", "1"]), button("copy_code", 1, json!([{"type": "coupon_code", "coupon_code": "S"}]))])),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[0].parameters[0].type", "expected IMAGE, received TEXT"))),
        ("image header given a video", receipt(), Approved,
            send("receipt", json!([{"type": "header", "parameters": [{"type": "video", "video": {"id": "1"}}]}, body(&["Mark", "1"]), button("copy_code", 1, json!([{"type": "coupon_code", "coupon_code": "S"}]))])),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[0].parameters[0].type", "expected IMAGE, received VIDEO"))),
        ("copy code missing", receipt(), Approved, send("receipt", json!([image(), body(&["Mark", "1"])])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "button 1 (COPY_CODE) expects 1 parameter, got 0"))),
        ("static URL given a parameter", receipt(), Approved,
            send("receipt", json!([image(), body(&["Mark", "1"]), button("url", 0, json!([text("x")])), button("copy_code", 1, json!([{"type": "coupon_code", "coupon_code": "S"}]))])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[2].parameters", "button 0 (URL) expects 0 parameters, got 1"))),
        ("named parameters", named(), Approved,
            send("order_named", json!([{"type": "body", "parameters": [
                {"type": "text", "text": "1", "parameter_name": "order_id"},
                {"type": "text", "text": "Jo", "parameter_name": "first_name"}]}])),
            None),
        ("named parameter without a name", named(), Approved,
            send("order_named", json!([{"type": "body", "parameters": [
                {"type": "text", "text": "1", "parameter_name": "order_id"}, text("Jo")]}])),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[0].parameters[1]", "needs parameter_name"))),
        ("unknown named parameter", named(), Approved,
            send("order_named", json!([{"type": "body", "parameters": [
                {"type": "text", "text": "1", "parameter_name": "order"}, {"type": "text", "text": "Jo", "parameter_name": "first_name"}]}])),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[0].parameters[0].parameter_name", "`order` is not a parameter"))),
        ("named parameter twice", named(), Approved,
            send("order_named", json!([{"type": "body", "parameters": [
                {"type": "text", "text": "1", "parameter_name": "first_name"}, {"type": "text", "text": "Jo", "parameter_name": "first_name"}]}])),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[0].parameters[1].parameter_name", "given twice"))),
        ("named count", named(), Approved,
            send("order_named", json!([{"type": "body", "parameters": [{"type": "text", "text": "1", "parameter_name": "first_name"}]}])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[0].parameters", "body expects 2 parameters, got 1; give one parameter per variable (first_name, order_id)"))),
        ("authentication", otp(), Approved,
            send("login_code", json!([body(&["123456"]), button("url", 0, json!([text("123456")]))])), None),
        ("authentication without the button", otp(), Approved, send("login_code", json!([body(&["123456"])])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "button 0 (OTP) expects 1 parameter, got 0"))),
        ("authentication without the code", otp(), Approved, send("login_code", json!([button("url", 0, json!([text("1")]))])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "body expects 1 parameter, got 0"))),
        ("carousel", lemons(), Approved,
            send("lemons", json!([body(&["Ann"]), {"type": "carousel", "cards": [card(0, "a"), card(1, "b")]}])), None),
        ("carousel cards in any order", lemons(), Approved,
            send("lemons", json!([body(&["Ann"]), {"type": "carousel", "cards": [card(1, "b"), card(0, "a")]}])), None),
        ("carousel missing", lemons(), Approved, send("lemons", json!([body(&["Ann"])])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "carousel expects 2 cards, got 0"))),
        ("carousel one card short", lemons(), Approved,
            send("lemons", json!([body(&["Ann"]), {"type": "carousel", "cards": [card(0, "a")]}])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[1].cards", "carousel expects 2 cards, got 1"))),
        ("carousel card beyond the template", lemons(), Approved,
            send("lemons", json!([body(&["Ann"]), {"type": "carousel", "cards": [card(0, "a"), card(4, "b")]}])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[1].cards[1].card_index", "there is no card 4"))),
        ("carousel card without its image", lemons(), Approved,
            send("lemons", json!([body(&["Ann"]), {"type": "carousel", "cards": [card(0, "a"),
                {"card_index": 1, "components": [body(&["b"]), button("url", 1, json!([text("b")]))]}]}])),
            Some((PARAMETER_FORMAT_MISMATCH, "template.components[1].cards[1].components", "card 1: header: Format mismatch, expected IMAGE"))),
        ("carousel card body short", lemons(), Approved,
            send("lemons", json!([body(&["Ann"]), {"type": "carousel", "cards": [card(0, "a"),
                {"card_index": 1, "components": [
                    {"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]},
                    {"type": "body", "parameters": []},
                    button("url", 1, json!([text("b")]))]}]}])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[1].cards[1].components[1].parameters", "card 1: body expects 1 parameter, got 0"))),
        ("carousel on a template without one", promo(), Approved,
            promo_with(&|c| c.as_array_mut().expect("list").push(json!({"type": "carousel", "cards": [card(0, "a")]}))),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[3]", "no carousel"))),
        ("offer", offer(), Approved,
            send("flash_offer", json!([
                {"type": "limited_time_offer", "parameters": [{"type": "limited_time_offer", "limited_time_offer": {"expiration_time_ms": 1_209_600_000}}]},
                button("copy_code", 0, json!([{"type": "coupon_code", "coupon_code": "CARIBE25"}]))])),
            None),
        ("offer expiry missing", offer(), Approved,
            send("flash_offer", json!([button("copy_code", 0, json!([{"type": "coupon_code", "coupon_code": "CARIBE25"}]))])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components", "limited_time_offer expects 1 parameter, got 0"))),
        ("body parameters for a body without variables", offer(), Approved,
            send("flash_offer", json!([
                {"type": "limited_time_offer", "parameters": [{"type": "limited_time_offer", "limited_time_offer": {"expiration_time_ms": 1}}]},
                body(&["x"]),
                button("copy_code", 0, json!([{"type": "coupon_code", "coupon_code": "C"}]))])),
            Some((PARAMETER_COUNT_MISMATCH, "template.components[1].parameters", "body expects 0 parameters, got 1; the body has no variables"))),
    ]
}

#[test]
fn sends_are_checked_with_metas_codes() {
    let mut failures = Vec::new();
    for (label, definition, status, template, expected) in cases() {
        let got = check_send(&definition, status, &template);
        match (&got, expected) {
            (Ok(()), None) => {}
            (Err(e), Some((code, path, fragment)))
                if e.code == code && e.path == path && e.details.contains(fragment) => {}
            _ => failures.push(format!("{label}: got {got:?}, expected {expected:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_render_as_meta_errors() {
    let def = promo();
    let e = check_send(
        &def,
        TemplateStatus::Approved,
        &send(
            "summer_sale",
            json!([
                header_text("x"),
                body(&["a"]),
                button("url", 1, json!([text("x")]))
            ]),
        ),
    )
    .expect_err("count");
    let meta = serde_json::to_value(e.to_meta("trace")).expect("serializes");
    assert_eq!(meta["error"]["code"], 132_000);
    assert_eq!(
        meta["error"]["message"],
        "(#132000) Number of parameters does not match the expected number of params"
    );
    assert!(meta["error"]["error_data"]["details"]
        .as_str()
        .is_some_and(|d| d.starts_with("body expects 3 parameters, got 1")));
    let m = switchboard_core::message::MessageError::from(&e);
    assert_eq!(
        (m.code, m.path.as_str()),
        (132_000, "template.components[1].parameters")
    );
}

#[test]
fn finds_the_template_among_the_channels() {
    let promo = promo();
    let mut spanish = promo.clone();
    spanish.language = "es".to_string();
    let receipt = receipt();
    let all = [
        (&receipt, TemplateStatus::Approved),
        (&spanish, TemplateStatus::Approved),
        (&promo, TemplateStatus::Approved),
    ];
    let used = check_send_among(&all, &send("summer_sale", promo_ok())).expect("found");
    assert_eq!(used.language, "en_US");
    assert_eq!(used.category(), Category::Marketing);
    assert!(used.is_marketing());

    let e: TemplateSendError =
        check_send_among(&all, &send_in("summer_sale", "fr", promo_ok())).expect_err("no fr");
    assert_eq!(
        (e.code, e.path.as_str()),
        (TEMPLATE_NOT_FOUND, "template.language.code")
    );
    assert!(
        e.details.contains("it exists in en_US, es"),
        "{}",
        e.details
    );

    let e = check_send_among(&all, &send("no_such", json!([]))).expect_err("no name");
    assert_eq!(
        (e.code, e.path.as_str()),
        (TEMPLATE_NOT_FOUND, "template.name")
    );
    assert!(
        e.details.contains("no template of that name"),
        "{}",
        e.details
    );

    let pending = [(&promo, TemplateStatus::Pending)];
    let e = check_send_among(&pending, &send("summer_sale", promo_ok())).expect_err("pending");
    assert_eq!(e.code, TEMPLATE_NOT_FOUND);

    let e = check_send_among(&[], &send("summer_sale", promo_ok())).expect_err("empty");
    assert_eq!(e.path, "template.name");
}

/// A synced definition may hold parts this model cannot type: they are not checked, and
/// the rest still is.
#[test]
fn unknown_parts_of_synced_templates_are_not_checked() {
    let synced: TemplateDefinition = serde_json::from_value(json!({
        "name": "calls", "language": "en_US", "category": "MARKETING", "status": "APPROVED",
        "components": [
            {"type": "BODY", "text": "Can we call you, {{1}}?"},
            {"type": "CALL_PERMISSION_REQUEST"},
            {"type": "BUTTONS", "buttons": [{"type": "SOMETHING_NEW", "text": "New"}, {"type": "QUICK_REPLY", "text": "No"}]}
        ]
    }))
    .expect("reads");
    let ok = send(
        "calls",
        json!([
            body(&["Ann"]),
            button(
                "flow",
                0,
                json!([{"type": "action", "action": {"flow_token": "t"}}])
            )
        ]),
    );
    assert_eq!(check_send(&synced, TemplateStatus::Approved, &ok), Ok(()));
    let short = send("calls", json!([]));
    let e = check_send(&synced, TemplateStatus::Approved, &short).expect_err("body");
    assert_eq!(e.code, PARAMETER_COUNT_MISMATCH);
}
