//! `template_def::validate`: every rule accepted and refused with the right JSON path
//! (table-driven), and Meta's create-template examples (the OAS `message_templates` POST
//! and GET examples, and those of the seed services' documents) accepted and round-tripped
//! through serde.

use serde_json::{json, Value};
use switchboard_core::template_def::{
    validate, ButtonKind, Category, ComponentKind, HeaderFormat, ParameterFormat, TemplateButton,
    TemplateComponent, TemplateDefinition,
};

/// A valid MARKETING template using a text header, a body with 3 variables, a footer, a
/// quick reply and a URL button with a variable.
fn base() -> Value {
    json!({
        "name": "summer_sale",
        "language": "en_US",
        "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Our {{1}} is on!",
             "example": {"header_text": ["Summer Sale"]}},
            {"type": "BODY", "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off.",
             "example": {"body_text": [["the end of August", "25OFF", "25%"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "Unsubscribe"},
                {"type": "URL", "text": "Shop", "url": "https://example.com/shop?promo={{1}}",
                 "example": ["summer2023"]}
            ]}
        ]
    })
}

/// A valid AUTHENTICATION template with a copy-code OTP button.
fn auth() -> Value {
    json!({
        "name": "login_code",
        "language": "en_US",
        "category": "AUTHENTICATION",
        "components": [
            {"type": "BODY", "add_security_recommendation": true},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy Code"}]}
        ]
    })
}

/// A carousel card with an image header, a body with one variable and two buttons.
fn card(body_sample: &str) -> Value {
    json!({"components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U="]}},
        {"type": "BODY", "text": "Rare lemons {{1}}", "example": {"body_text": [[body_sample]]}},
        {"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": "Send more like this"},
            {"type": "URL", "text": "Buy now", "url": "https://www.test.com/shop?promo={{1}}",
             "example": ["https://www.test.com/shop?promo=summer_lemons_2023"]}
        ]}
    ]})
}

/// A valid MARKETING carousel template with `n` cards.
fn carousel(n: usize) -> Value {
    let cards: Vec<Value> = (0..n).map(|i| card(&format!("#{i}"))).collect();
    json!({
        "name": "lemon_carousel",
        "language": "en_US",
        "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Summer is here, {{1}}! Have a look at our lemons.",
             "example": {"body_text": [["Pablo"]]}},
            {"type": "CAROUSEL", "cards": cards}
        ]
    })
}

/// `v` with the value at JSON pointer `ptr` set to `x` (objects and arrays must exist).
fn with(mut v: Value, ptr: &str, x: Value) -> Value {
    let (parent, key) = ptr.rsplit_once('/').expect("pointer has a parent");
    let target = v.pointer_mut(parent).expect("parent exists");
    match target {
        Value::Object(m) => {
            m.insert(key.to_string(), x);
        }
        Value::Array(a) => {
            let i: usize = key.parse().expect("array index");
            if i == a.len() {
                a.push(x);
            } else {
                a[i] = x;
            }
        }
        _ => panic!("parent of {ptr} is not a container"),
    }
    v
}

/// `v` without the value at JSON pointer `ptr`.
fn without(mut v: Value, ptr: &str) -> Value {
    let (parent, key) = ptr.rsplit_once('/').expect("pointer has a parent");
    match v.pointer_mut(parent).expect("parent exists") {
        Value::Object(m) => {
            m.remove(key);
        }
        Value::Array(a) => {
            a.remove(key.parse::<usize>().expect("array index"));
        }
        _ => panic!("parent of {ptr} is not a container"),
    }
    v
}

#[track_caller]
fn accepted(v: &Value) -> TemplateDefinition {
    match validate(v) {
        Ok(d) => d,
        Err(e) => panic!("refused: {e}\n{v:#}"),
    }
}

fn buttons(list: Value) -> Value {
    with(base(), "/components/3/buttons", list)
}

fn qr(text: &str) -> Value {
    json!({"type": "QUICK_REPLY", "text": text})
}

fn url_button() -> Value {
    json!({"type": "URL", "text": "Open", "url": "https://example.com"})
}

/// Refusals: (label, template, expected path, a fragment of the message).
fn refusals() -> Vec<(&'static str, Value, &'static str, &'static str)> {
    let long = |n: usize| "a".repeat(n);
    vec![
        ("not an object", json!([1]), "", "JSON object"),
        (
            "unknown top-level field",
            with(base(), "/foo", json!(1)),
            "foo",
            "allowed",
        ),
        ("no name", without(base(), "/name"), "name", "required"),
        (
            "name with spaces",
            with(base(), "/name", json!("Summer Sale")),
            "name",
            "try `summer_sale`",
        ),
        (
            "name upper-case",
            with(base(), "/name", json!("SummerSale")),
            "name",
            "lower-case",
        ),
        (
            "name too long",
            with(base(), "/name", json!(long(513))),
            "name",
            "at most 512",
        ),
        (
            "empty name",
            with(base(), "/name", json!("")),
            "name",
            "empty",
        ),
        (
            "name not a string",
            with(base(), "/name", json!(7)),
            "name",
            "string",
        ),
        (
            "unsupported language",
            with(base(), "/language", json!("en_UK")),
            "language",
            "en_GB",
        ),
        (
            "malformed language",
            with(base(), "/language", json!("en-us")),
            "language",
            "did you mean `en_US`",
        ),
        (
            "no language",
            without(base(), "/language"),
            "language",
            "required",
        ),
        (
            "unknown category",
            with(base(), "/category", json!("PROMO")),
            "category",
            "MARKETING, UTILITY, AUTHENTICATION",
        ),
        (
            "no category",
            without(base(), "/category"),
            "category",
            "required",
        ),
        (
            "unknown parameter_format",
            with(base(), "/parameter_format", json!("BOTH")),
            "parameter_format",
            "POSITIONAL, NAMED",
        ),
        (
            "extra field of the wrong type",
            with(base(), "/allow_category_change", json!("yes")),
            "allow_category_change",
            "true or false",
        ),
        (
            "no components",
            without(base(), "/components"),
            "components",
            "required",
        ),
        (
            "empty components",
            with(base(), "/components", json!([])),
            "components",
            "BODY",
        ),
        (
            "components not an array",
            with(base(), "/components", json!({})),
            "components",
            "array",
        ),
        (
            "component not an object",
            with(base(), "/components/2", json!("FOOTER")),
            "components[2]",
            "JSON object",
        ),
        (
            "no body",
            with(
                base(),
                "/components",
                json!([{"type": "FOOTER", "text": "x"}]),
            ),
            "components",
            "add a BODY",
        ),
        (
            "two bodies",
            with(
                base(),
                "/components/2",
                json!({"type": "BODY", "text": "again"}),
            ),
            "components[2].type",
            "at most one BODY",
        ),
        (
            "two headers",
            with(
                base(),
                "/components/2",
                json!({"type": "HEADER", "format": "LOCATION"}),
            ),
            "components[2].type",
            "at most one HEADER",
        ),
        (
            "unknown component type",
            with(base(), "/components/2/type", json!("TITLE")),
            "components[2].type",
            "HEADER, BODY, FOOTER",
        ),
        (
            "unknown component field",
            with(base(), "/components/2/example", json!({})),
            "components[2].example",
            "allowed: type, text",
        ),
        (
            "body too long",
            with(
                base(),
                "/components/1/text",
                json!(format!("Hi {{{{1}}}} {{{{2}}}} {{{{3}}}} {}", long(1020))),
            ),
            "components[1].text",
            "at most 1024",
        ),
        (
            "body empty",
            with(base(), "/components/1/text", json!("   ")),
            "components[1].text",
            "empty",
        ),
        (
            "header too long",
            with(
                base(),
                "/components/0/text",
                json!(format!("{} {{{{1}}}}", long(56))),
            ),
            "components[0].text",
            "at most 60",
        ),
        (
            "footer too long",
            with(base(), "/components/2/text", json!(long(61))),
            "components[2].text",
            "at most 60",
        ),
        (
            "footer variable",
            with(base(), "/components/2/text", json!("Code {{1}} inside")),
            "components[2].text",
            "cannot have variables",
        ),
        (
            "header with two variables",
            with(base(), "/components/0/text", json!("{{1}} and {{2}}")),
            "components[0].text",
            "at most 1 variable",
        ),
        (
            "body numbering gap",
            with(
                base(),
                "/components/1/text",
                json!("Hi {{1}}, {{2}} and {{4}}."),
            ),
            "components[1].text",
            "no {{3}}",
        ),
        (
            "body numbering from 2",
            with(
                base(),
                "/components/1/text",
                json!("Hi {{2}}, {{3}} and {{4}}."),
            ),
            "components[1].text",
            "no {{1}}",
        ),
        (
            "malformed variable",
            with(
                base(),
                "/components/1/text",
                json!("Hi {{ 1 }} and {{2}} {{3}}."),
            ),
            "components[1].text",
            "not a valid variable",
        ),
        (
            "unclosed variable",
            with(
                base(),
                "/components/1/text",
                json!("Hi {{1}} {{2}} {{3}} and {{4."),
            ),
            "components[1].text",
            "never closed",
        ),
        (
            "too few body samples",
            with(
                base(),
                "/components/1/example/body_text/0",
                json!(["a", "b"]),
            ),
            "components[1].example.body_text[0]",
            "has 2 sample value(s) but the body text has 3 variable(s)",
        ),
        (
            "too many body samples",
            with(
                base(),
                "/components/1/example/body_text/0",
                json!(["a", "b", "c", "d"]),
            ),
            "components[1].example.body_text[0]",
            "give exactly one value per variable",
        ),
        (
            "empty body sample",
            with(base(), "/components/1/example/body_text/0/1", json!("")),
            "components[1].example.body_text[0][1]",
            "empty",
        ),
        (
            "body samples missing",
            without(base(), "/components/1/example"),
            "components[1].example",
            "3 variable(s)",
        ),
        (
            "body samples without variables",
            with(base(), "/components/1/text", json!("No variables here.")),
            "components[1].example",
            "no variables",
        ),
        (
            "two sample lists",
            with(
                base(),
                "/components/1/example/body_text/1",
                json!(["a", "b", "c"]),
            ),
            "components[1].example.body_text[1]",
            "at most 1",
        ),
        (
            "sample list not a list",
            with(base(), "/components/1/example/body_text/0", json!("a")),
            "components[1].example.body_text[0]",
            "list of sample values",
        ),
        (
            "header samples for a body",
            with(
                base(),
                "/components/1/example",
                json!({"header_text": ["x"]}),
            ),
            "components[1].example.header_text",
            "allowed: body_text",
        ),
        (
            "body starts with a variable",
            with(
                with(
                    base(),
                    "/components/1/text",
                    json!("{{1}} is ending, use {{2}} for {{3}} off."),
                ),
                "/components/1/example/body_text/0",
                json!(["a", "b", "c"]),
            ),
            "components[1].text",
            "cannot start with a variable",
        ),
        (
            "body ends with a variable",
            with(
                base(),
                "/components/1/text",
                json!("Shop by {{1}} with code {{2}} for {{3}}  "),
            ),
            "components[1].text",
            "cannot end with a variable",
        ),
        (
            "header sample count",
            with(
                base(),
                "/components/0/example/header_text",
                json!(["a", "b"]),
            ),
            "components[0].example.header_text",
            "has 2 sample value(s)",
        ),
        (
            "header samples missing",
            without(base(), "/components/0/example"),
            "components[0].example",
            "1 variable(s)",
        ),
        (
            "header samples without variable",
            with(base(), "/components/0/text", json!("Summer Sale")),
            "components[0].example",
            "no variables",
        ),
        (
            "header without format",
            without(base(), "/components/0/format"),
            "components[0].format",
            "required",
        ),
        (
            "header format GIF",
            with(base(), "/components/0/format", json!("GIF")),
            "components[0].format",
            "TEXT, IMAGE, VIDEO",
        ),
        (
            "image header without sample",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "IMAGE"}),
            ),
            "components[0].example",
            "header_handle",
        ),
        (
            "image header with text",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "IMAGE", "text": "x", "example": {"header_handle": ["h"]}}),
            ),
            "components[0].text",
            "no text",
        ),
        (
            "two sample handles",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "VIDEO", "example": {"header_handle": ["a", "b"]}}),
            ),
            "components[0].example.header_handle[1]",
            "at most 1",
        ),
        (
            "location header with sample",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "LOCATION", "example": {"header_handle": ["h"]}}),
            ),
            "components[0].example",
            "no example",
        ),
        (
            "named variable in a positional template",
            with(
                base(),
                "/components/1/text",
                json!("Hi {{name}}, use {{2}} for {{3}}."),
            ),
            "components[1].text",
            "set parameter_format to NAMED",
        ),
        (
            "positional variable in a named template",
            with(base(), "/parameter_format", json!("NAMED")),
            "components[0].text",
            "parameter_format is NAMED",
        ),
        (
            "button label too long",
            with(base(), "/components/3/buttons/0/text", json!(long(26))),
            "components[3].buttons[0].text",
            "at most 25",
        ),
        (
            "no buttons",
            buttons(json!([])),
            "components[3].buttons",
            "at least 1",
        ),
        (
            "eleven buttons",
            buttons(json!((0..11)
                .map(|i| qr(&format!("Option {i}")))
                .collect::<Vec<_>>())),
            "components[3].buttons[10]",
            "at most 10",
        ),
        (
            "three URL buttons",
            buttons(json!([url_button(), url_button(), url_button()])),
            "components[3].buttons[2]",
            "at most 2 URL",
        ),
        (
            "two phone buttons",
            buttons(
                json!([{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "16467043595"}, {"type": "PHONE_NUMBER", "text": "Call 2", "phone_number": "+16467043596"}]),
            ),
            "components[3].buttons[1]",
            "at most 1 PHONE_NUMBER",
        ),
        (
            "two copy-code buttons",
            buttons(
                json!([{"type": "COPY_CODE", "example": "A"}, {"type": "COPY_CODE", "example": "B"}]),
            ),
            "components[3].buttons[1]",
            "at most 1 COPY_CODE",
        ),
        (
            "quick replies split",
            buttons(json!([qr("a"), url_button(), qr("b")])),
            "components[3].buttons[2]",
            "grouped together",
        ),
        (
            "URL variable not at the end",
            with(
                base(),
                "/components/3/buttons/1/url",
                json!("https://example.com/{{1}}/x"),
            ),
            "components[3].buttons[1].url",
            "very end",
        ),
        (
            "URL with two variables",
            with(
                base(),
                "/components/3/buttons/1/url",
                json!("https://example.com/{{1}}{{2}}"),
            ),
            "components[3].buttons[1].url",
            "only one variable",
        ),
        (
            "URL named variable",
            with(
                base(),
                "/components/3/buttons/1/url",
                json!("https://example.com/{{id}}"),
            ),
            "components[3].buttons[1].url",
            "always {{1}}",
        ),
        (
            "URL variable as host",
            with(
                base(),
                "/components/3/buttons/1/url",
                json!("https://{{1}}"),
            ),
            "components[3].buttons[1].url",
            "host before the variable",
        ),
        (
            "URL variable without sample",
            without(base(), "/components/3/buttons/1/example"),
            "components[3].buttons[1].example",
            "one sample value",
        ),
        (
            "static URL with sample",
            with(
                base(),
                "/components/3/buttons/1/url",
                json!("https://example.com/shop"),
            ),
            "components[3].buttons[1].example",
            "no variable",
        ),
        (
            "URL not http",
            with(
                base(),
                "/components/3/buttons/1/url",
                json!("ftp://example.com/x"),
            ),
            "components[3].buttons[1].url",
            "http",
        ),
        (
            "URL too long",
            with(
                base(),
                "/components/3/buttons/1/url",
                json!(format!("https://e.com/{}", long(2000))),
            ),
            "components[3].buttons[1].url",
            "at most 2000",
        ),
        (
            "bad phone number",
            buttons(json!([{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "call me"}])),
            "components[3].buttons[0].phone_number",
            "country code",
        ),
        (
            "copy code too long",
            buttons(json!([{"type": "COPY_CODE", "example": long(16)}])),
            "components[3].buttons[0].example",
            "at most 15",
        ),
        (
            "OTP outside authentication",
            buttons(json!([{"type": "OTP", "otp_type": "COPY_CODE"}])),
            "components[3].buttons[0].type",
            "only for AUTHENTICATION",
        ),
        (
            "unknown button type",
            buttons(json!([{"type": "WEBSITE", "text": "x"}])),
            "components[3].buttons[0].type",
            "QUICK_REPLY, URL",
        ),
        (
            "unknown button field",
            buttons(json!([{"type": "QUICK_REPLY", "text": "x", "payload": "y"}])),
            "components[3].buttons[0].payload",
            "allowed: type, text",
        ),
        (
            "flow without a flow",
            buttons(json!([{"type": "FLOW", "text": "Go"}])),
            "components[3].buttons[0]",
            "one of flow_id, flow_name or flow_json",
        ),
        (
            "flow with two flows",
            buttons(json!([{"type": "FLOW", "text": "Go", "flow_id": "1", "flow_name": "n"}])),
            "components[3].buttons[0].flow_name",
            "only one of",
        ),
        (
            "flow action unknown",
            buttons(json!([{"type": "FLOW", "text": "Go", "flow_id": "1", "flow_action": "open"}])),
            "components[3].buttons[0].flow_action",
            "navigate or data_exchange",
        ),
        (
            "catalog beside another button",
            buttons(json!([{"type": "CATALOG", "text": "View catalog"}, qr("No")])),
            "components[3].buttons[0]",
            "only button",
        ),
        (
            "add_security_recommendation outside authentication",
            with(
                base(),
                "/components/1/add_security_recommendation",
                json!(true),
            ),
            "components[1].add_security_recommendation",
            "only AUTHENTICATION",
        ),
        (
            "code_expiration_minutes outside authentication",
            with(base(), "/components/2/code_expiration_minutes", json!(5)),
            "components[2].code_expiration_minutes",
            "only AUTHENTICATION",
        ),
        (
            "authentication header",
            with(
                auth(),
                "/components/3",
                json!({"type": "HEADER", "format": "LOCATION"}),
            ),
            "components[3]",
            "no header",
        ),
        (
            "authentication body text",
            with(auth(), "/components/0/text", json!("Your code is {{1}}")),
            "components[0].text",
            "fixed body text",
        ),
        (
            "authentication without buttons",
            without(auth(), "/components/2"),
            "components",
            "one OTP button",
        ),
        (
            "authentication quick reply",
            with(auth(), "/components/2/buttons/0", qr("Not me")),
            "components[2].buttons[0]",
            "exactly one button, of type OTP",
        ),
        (
            "authentication two OTP buttons",
            with(
                auth(),
                "/components/2/buttons/1",
                json!({"type": "OTP", "otp_type": "COPY_CODE"}),
            ),
            "components[2].buttons[1]",
            "exactly one button",
        ),
        (
            "code expiry out of range",
            with(auth(), "/components/1/code_expiration_minutes", json!(91)),
            "components[1].code_expiration_minutes",
            "1 to 90",
        ),
        (
            "one-tap without app",
            with(auth(), "/components/2/buttons/0/otp_type", json!("ONE_TAP")),
            "components[2].buttons[0]",
            "package_name and signature_hash",
        ),
        (
            "one-tap without hash",
            with(
                with(auth(), "/components/2/buttons/0/otp_type", json!("ONE_TAP")),
                "/components/2/buttons/0/package_name",
                json!("com.example.app"),
            ),
            "components[2].buttons[0].signature_hash",
            "required",
        ),
        (
            "zero-tap without terms",
            with(
                with(
                    with(
                        auth(),
                        "/components/2/buttons/0/otp_type",
                        json!("ZERO_TAP"),
                    ),
                    "/components/2/buttons/0/package_name",
                    json!("com.example.app"),
                ),
                "/components/2/buttons/0/signature_hash",
                json!("K8a/AINcGX7"),
            ),
            "components[2].buttons[0].zero_tap_terms_accepted",
            "must be true",
        ),
        (
            "copy-code OTP with package",
            with(auth(), "/components/2/buttons/0/package_name", json!("a.b")),
            "components[2].buttons[0].package_name",
            "only applies to ONE_TAP",
        ),
        (
            "one card",
            carousel(1),
            "components[1].cards",
            "at least 2 cards",
        ),
        (
            "eleven cards",
            carousel(11),
            "components[1].cards[10]",
            "at most 10",
        ),
        (
            "card text header",
            with(
                carousel(2),
                "/components/1/cards/0/components/0",
                json!({"type": "HEADER", "format": "TEXT", "text": "Hi"}),
            ),
            "components[1].cards[0].components[0].format",
            "IMAGE or VIDEO",
        ),
        (
            "cards of different headers",
            with(
                carousel(2),
                "/components/1/cards/1/components/0/format",
                json!("VIDEO"),
            ),
            "components[1].cards[1].components[0].format",
            "its header is IMAGE, this card's is VIDEO",
        ),
        (
            "cards of different buttons",
            with(
                carousel(2),
                "/components/1/cards/1/components/2/buttons/0",
                json!({"type": "PHONE_NUMBER", "text": "Call", "phone_number": "16467043595"}),
            ),
            "components[1].cards[1].components[2].buttons",
            "its buttons are [QUICK_REPLY, URL]",
        ),
        (
            "cards of different body variables",
            with(
                with(
                    carousel(2),
                    "/components/1/cards/1/components/1/text",
                    json!("Rare lemons {{1}} and {{2}}"),
                ),
                "/components/1/cards/1/components/1/example/body_text/0",
                json!(["a", "b"]),
            ),
            "components[1].cards[1].components[1].text",
            "its body has 1 variable(s), this card's has 2",
        ),
        (
            "card without buttons",
            without(carousel(2), "/components/1/cards/0/components/2"),
            "components[1].cards[0].components",
            "add the card's buttons",
        ),
        (
            "card without header",
            without(carousel(2), "/components/1/cards/0/components/0"),
            "components[1].cards[0].components",
            "add the card's header",
        ),
        (
            "card with three buttons",
            with(
                carousel(2),
                "/components/1/cards/0/components/2/buttons/2",
                qr("More"),
            ),
            "components[1].cards[0].components[2].buttons[2]",
            "at most 2",
        ),
        (
            "card body too long",
            with(
                carousel(2),
                "/components/1/cards/0/components/1/text",
                json!(format!("{} {{{{1}}}}", long(160))),
            ),
            "components[1].cards[0].components[1].text",
            "at most 160",
        ),
        (
            "card footer",
            with(
                carousel(2),
                "/components/1/cards/0/components/3",
                json!({"type": "FOOTER", "text": "x"}),
            ),
            "components[1].cards[0].components[3].type",
            "only HEADER, BODY and BUTTONS",
        ),
        (
            "card body variable without sample",
            without(carousel(2), "/components/1/cards/0/components/1/example"),
            "components[1].cards[0].components[1].example",
            "1 variable(s)",
        ),
        (
            "carousel beside a header",
            with(
                carousel(2),
                "/components/2",
                json!({"type": "HEADER", "format": "LOCATION"}),
            ),
            "components[2]",
            "no header of its own",
        ),
        (
            "carousel beside buttons",
            with(
                carousel(2),
                "/components/2",
                json!({"type": "BUTTONS", "buttons": [qr("a")]}),
            ),
            "components[2]",
            "no buttons of its own",
        ),
        (
            "offer in a utility template",
            with(
                with(base(), "/category", json!("UTILITY")),
                "/components/2",
                json!({"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": "Expiring!"}}),
            ),
            "components[2]",
            "only allowed in MARKETING",
        ),
        (
            "offer with a footer",
            with(
                base(),
                "/components/4",
                json!({"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": "Expiring!", "has_expiration": true}}),
            ),
            "components[2]",
            "cannot have a footer",
        ),
        (
            "offer text too long",
            with(
                without(base(), "/components/2"),
                "/components/2",
                json!({"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": long(17)}}),
            ),
            "components[2].limited_time_offer.text",
            "at most 16",
        ),
    ]
}

#[test]
fn every_rule_is_refused_at_its_path() {
    let mut failures = Vec::new();
    for (label, template, path, fragment) in refusals() {
        match validate(&template) {
            Ok(_) => failures.push(format!("{label}: accepted")),
            Err(e) if e.path != path || !e.message.contains(fragment) => failures.push(format!(
                "{label}: got `{}` / `{}`, expected path `{path}` and a message with `{fragment}`",
                e.path, e.message
            )),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_refusal_says_what_to_fix_at_a_path() {
    for (label, template, _, _) in refusals() {
        let Err(e) = validate(&template) else {
            continue;
        };
        let details = e.details();
        assert!(
            details.starts_with(if e.path.is_empty() {
                "request body"
            } else {
                &e.path
            }),
            "{label}: {details}"
        );
        assert!(e.message.len() > 10, "{label}: {details}");
    }
}

/// Acceptances: (label, template).
fn acceptances() -> Vec<(&'static str, Value)> {
    vec![
        ("base", base()),
        ("lower-case types and category", {
            let mut v = base();
            v["category"] = json!("marketing");
            for c in v["components"].as_array_mut().expect("components") {
                let t = c["type"].as_str().expect("type").to_ascii_lowercase();
                c["type"] = json!(t);
            }
            v
        }),
        (
            "repeated variable",
            with(
                base(),
                "/components/1/text",
                json!("Hi {{1}}: {{2}}, {{3}}, again {{1}}."),
            ),
        ),
        (
            "body of 1024 characters",
            with(
                without(base(), "/components/1/example"),
                "/components/1/text",
                json!("é".repeat(1024)),
            ),
        ),
        (
            "header of 60 characters",
            with(
                without(base(), "/components/0/example"),
                "/components/0/text",
                json!("h".repeat(60)),
            ),
        ),
        (
            "button label of 25 characters",
            with(
                base(),
                "/components/3/buttons/0/text",
                json!("b".repeat(25)),
            ),
        ),
        (
            "ten quick replies",
            buttons(json!((0..10)
                .map(|i| qr(&format!("Option {i}")))
                .collect::<Vec<_>>())),
        ),
        (
            "quick replies after other buttons",
            buttons(
                json!([url_button(), {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+1 646-704-3595"}, qr("a"), qr("b")]),
            ),
        ),
        (
            "two URL buttons",
            buttons(json!([url_button(), url_button()])),
        ),
        (
            "copy code, URL and quick reply",
            buttons(
                json!([qr("Stop"), {"type": "COPY_CODE", "example": "SUMMER2023"}, url_button()]),
            ),
        ),
        (
            "flow by name",
            buttons(
                json!([{"type": "FLOW", "text": "Book", "flow_name": "booking", "flow_action": "NAVIGATE", "navigate_screen": "START", "icon": "document"}]),
            ),
        ),
        (
            "flow by numeric id",
            buttons(
                json!([{"type": "FLOW", "text": "Book", "flow_id": 1234567890u64, "flow_action": "data_exchange"}]),
            ),
        ),
        (
            "voice call",
            buttons(json!([{"type": "VOICE_CALL", "text": "Call us on WhatsApp"}])),
        ),
        (
            "catalog alone",
            buttons(json!([{"type": "CATALOG", "text": "View catalog"}])),
        ),
        (
            "MPM alone",
            buttons(json!([{"type": "MPM", "text": "View items"}])),
        ),
        (
            "image header",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2UvanBn:ARYy"]}}),
            ),
        ),
        (
            "document header",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "DOCUMENT", "example": {"header_handle": ["4::YXBwbGljYXRpb24vcGRm:ARZ"]}}),
            ),
        ),
        (
            "location header",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "LOCATION"}),
            ),
        ),
        (
            "product header",
            with(
                base(),
                "/components/0",
                json!({"type": "HEADER", "format": "PRODUCT"}),
            ),
        ),
        (
            "no header, footer or buttons",
            json!({"name": "plain", "language": "pt_BR", "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Your order shipped."}]}),
        ),
        (
            "named parameters",
            json!({
                "name": "order_named", "language": "en_US", "category": "UTILITY", "parameter_format": "NAMED",
                "components": [
                    {"type": "HEADER", "format": "TEXT", "text": "Order {{order_id}}",
                     "example": {"header_text_named_params": [{"param_name": "order_id", "example": "335628"}]}},
                    {"type": "BODY", "text": "Thank you, {{first_name}}! Order {{order_id}} ships on {{date}}. See you, {{first_name}}.",
                     "example": {"body_text_named_params": [
                        {"param_name": "date", "example": "Jan 1"},
                        {"param_name": "first_name", "example": "Jessica"},
                        {"param_name": "order_id", "example": "SKBUP2-4CPIG9"}]}}
                ]
            }),
        ),
        ("authentication copy code", auth()),
        (
            "authentication without footer",
            without(auth(), "/components/1"),
        ),
        (
            "authentication one-tap with apps",
            with(
                with(auth(), "/components/2/buttons/0/otp_type", json!("ONE_TAP")),
                "/components/2/buttons/0/supported_apps",
                json!([{"package_name": "com.example.app", "signature_hash": "K8a/AINcGX7"}]),
            ),
        ),
        (
            "authentication zero-tap",
            json!({"name": "zero_tap_code", "language": "en_US", "category": "AUTHENTICATION", "message_send_ttl_seconds": 60,
            "components": [{"type": "BODY", "add_security_recommendation": true},
                {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "ZERO_TAP", "text": "Copy Code", "autofill_text": "Autofill",
                    "package_name": "com.example.app", "signature_hash": "K8a/AINcGX7", "zero_tap_terms_accepted": true}]}]}),
        ),
        ("carousel of 2", carousel(2)),
        ("carousel of 10", carousel(10)),
        (
            "limited-time offer",
            json!({"name": "limited_offer", "language": "en_US", "category": "MARKETING",
            "components": [
                {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1h"]}},
                {"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": "Expiring offer!", "has_expiration": true}},
                {"type": "BODY", "text": "Good news, {{1}}! Use code {{2}} to get 25% off.", "example": {"body_text": [["Pablo", "CARIBE25"]]}},
                {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "CARIBE25"},
                    {"type": "URL", "text": "Book now!", "url": "https://awesomedestinations.com/offers?code={{1}}", "example": ["https://awesomedestinations.com/offers?ref=n3mtql"]}]}
            ]}),
        ),
        ("extras", {
            let mut v = base();
            v["allow_category_change"] = json!(true);
            v["message_send_ttl_seconds"] = json!(3600);
            v["sub_category"] = json!("ORDER_STATUS");
            v
        }),
    ]
}

#[test]
fn valid_templates_are_accepted() {
    let mut failures = Vec::new();
    for (label, template) in acceptances() {
        if let Err(e) = validate(&template) {
            failures.push(format!("{label}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Upper-cases what serde writes upper-case (`type`, `format`, `category`, `otp_type`,
/// `parameter_format`), as Meta's own answers do.
fn canonical(v: &Value) -> Value {
    fn walk(v: &mut Value, key: Option<&str>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m.iter_mut() {
                    walk(child, Some(k));
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key)),
            Value::String(s)
                if matches!(
                    key,
                    Some("type" | "format" | "category" | "otp_type" | "parameter_format")
                ) =>
            {
                *s = s.to_ascii_uppercase();
            }
            _ => {}
        }
    }
    let mut v = v.clone();
    walk(&mut v, None);
    v
}

#[test]
fn accepted_templates_round_trip_through_serde() {
    for (label, template) in acceptances() {
        let def = accepted(&template);
        let written = serde_json::to_value(&def).expect("serializes");
        assert_eq!(written, canonical(&template), "{label}");
        let read: TemplateDefinition = serde_json::from_value(written).expect("reads back");
        assert_eq!(read, def, "{label}");
    }
}

/// The request examples of `POST /{Version}/{WABA-ID}/message_templates` in Meta's OAS
/// (`business-messaging-api_v23.0.yaml`), with placeholders (`<TEMPLATE_NAME>`,
/// `{{Flow-ID}}`, `{{Flow-Name}}`, `<SCREEN_ID>`) replaced by real values.
fn oas_create_examples() -> Vec<(&'static str, Value)> {
    vec![
        ("Create Flow Template Message by Flow JSON", json!({
            "category": "MARKETING",
            "components": [
                {"text": "Check out this new offer", "type": "body"},
                {"buttons": [{"flow_action": "navigate",
                    "flow_json": "{\"version\":\"5.0\",\"screens\":[{\"id\":\"WELCOME_SCREEN\",\"layout\":{\"type\":\"SingleColumnLayout\",\"children\":[{\"type\":\"TextHeading\",\"text\":\"Hello World\"},{\"type\":\"Footer\",\"label\":\"Complete\",\"on-click-action\":{\"name\":\"complete\",\"payload\":{}}}]},\"title\":\"Welcome\",\"terminal\":true,\"success\":true,\"data\":{}}]}",
                    "navigate_screen": "WELCOME_SCREEN", "text": "Check out this offer!", "type": "FLOW"}],
                 "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "flow_offer_json"
        })),
        ("Create Flow Template Message by ID", json!({
            "category": "MARKETING",
            "components": [
                {"text": "Check out this new offer", "type": "body"},
                {"buttons": [{"flow_action": "navigate", "flow_id": "1234567890", "navigate_screen": "WELCOME_SCREEN",
                    "text": "Check out this offer!", "type": "FLOW"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "flow_offer_id"
        })),
        ("Create Flow Template Message by Name", json!({
            "category": "MARKETING",
            "components": [
                {"text": "Check out this new offer", "type": "body"},
                {"buttons": [{"flow_action": "navigate", "flow_name": "offer_flow", "navigate_screen": "WELCOME_SCREEN",
                    "text": "Check out this offer!", "type": "FLOW"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "flow_offer_name"
        })),
        ("Create authentication template w/ OTP copy code button", json!({
            "category": "AUTHENTICATION",
            "components": [
                {"add_security_recommendation": true, "type": "BODY"},
                {"code_expiration_minutes": 10, "type": "FOOTER"},
                {"buttons": [{"otp_type": "COPY_CODE", "text": "Copy Code", "type": "OTP"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "authentication_code_copy_code_button"
        })),
        ("Create authentication template w/ OTP one-tap autofill button", json!({
            "category": "AUTHENTICATION",
            "components": [
                {"add_security_recommendation": true, "type": "BODY"},
                {"code_expiration_minutes": 10, "type": "FOOTER"},
                {"buttons": [{"autofill_text": "Autofill", "otp_type": "ONE_TAP", "package_name": "com.example.luckyshrub",
                    "signature_hash": "K8a%2FAINcGX7", "text": "Copy Code", "type": "OTP"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "authentication_code_autofill_button"
        })),
        ("Create multi-product message template", json!({
            "category": "MARKETING",
            "components": [
                {"example": {"header_text": ["Pablo"]}, "format": "TEXT", "text": "Forget something {{1}}?", "type": "HEADER"},
                {"example": {"body_text": [["10OFF"]]},
                 "text": "Looks like you left some items in your cart! Use code {{1}} and you can get 10% off of all of them!", "type": "BODY"},
                {"buttons": [{"text": "View items", "type": "MPM"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "abandoned_cart"
        })),
        ("Create template w/ document header, text body, a phone number button, and a URL button", json!({
            "category": "UTILITY",
            "components": [
                {"example": {"header_handle": ["4::YXBwbGljYXRpb24vcGRm:ARZVv4zuogJMxmAdS3_6T4o_K4ll2806avA7rWpikisTzYPsXXUeKk0REjS-hIM1rYrizHD7rQXj951TKgUFblgd_BDWVROCwRkg9Vhjj-cHNQ:e:1681237341:634974688087057:100089620928913:ARa1ZDhwbLZM3EENeeg"]},
                 "format": "DOCUMENT", "type": "HEADER"},
                {"example": {"body_text": [["Mark", "860198-230332"]]},
                 "text": "Thank you for your order, {{1}}! Your order number is {{2}}. Tap the PDF linked above to view your receipt. If you have any questions, please use the buttons below to contact support. Thanks again!",
                 "type": "BODY"},
                {"buttons": [{"phone_number": "16467043595", "text": "Call", "type": "PHONE_NUMBER"},
                    {"text": "Contact Support", "type": "URL", "url": "https://www.examplesite.com/support"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "order_confirmation"
        })),
        ("Create template w/ image header, text body, text footer, and 2 call-to-action buttons", json!({
            "category": "MARKETING",
            "components": [
                {"example": {"header_handle": ["4::aW1hZ2UvanBn:ARYytyb0kLp5htbBB8vWlclG5M9gMBxiEyt4FNCvrueWBOmFmRAztEuNtPGUnEC22Etc_SAAVU0YJOk3B7A-JuR1241_nq7gfITFxXKdDGnfvw:e:1681000441:634974688087057:100089620928913:ARbB4l0IPRncfMF-1sE\n4::aW1hZ2UvanBn:ARZewDmbZuoq3rGUO1WgXjJEYcI1Tt7jr_Z6o2-oD5rg4--AQarBV_S1BYEcR8INJkctK0lNJmQ5v7PsBo-vqB-N0DSTe2-G6jHOlxKc12KSSg:e:1681000441:634974688087057:100089620928913:ARZQmT7tfO0sW--3oLo\n4::aW1hZ2UvanBn:ARZkcJXFoEMa0YMMd2WQT8aVMJFaUPlSYW9xXshyh1bP-Pd6JP4t2VbrZezqGOEfC-acYkRZA5Q31FX7dEE_hQ9a-0i-b-RaueQrWO6vWk-7bQ:e:1681000441:634974688087057:100089620928913:ARYlgv7ErOQGsZYClfs"]},
                 "format": "IMAGE", "type": "HEADER"},
                {"example": {"body_text": [["Mark", "Tuscan Getaway package", "800"]]},
                 "text": "Hi {{1}}! For a limited time only you can get our {{2}} for as low as {{3}}. Tap the Offer Details button for more information.",
                 "type": "BODY"},
                {"text": "Offer valid until May 31, 2023", "type": "FOOTER"},
                {"buttons": [{"phone_number": "16467043595", "text": "Call", "type": "PHONE_NUMBER"},
                    {"example": ["summer2023"], "text": "Shop Now", "type": "URL",
                     "url": "https://damp-sea-63235.herokuapp.com/shop?promo={{1}}"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "limited_time_offer_tuscan_getaway_2023"
        })),
        ("Create template w/ location header, text body, text footer, and a website buttons", json!({
            "category": "UTILITY",
            "components": [
                {"format": "LOCATION", "type": "HEADER"},
                {"example": {"body_text": [["Mark", "566701"]]},
                 "text": "Good news {{1}}! Your order #{{2}} is on its way to the location above. Thank you for your order!", "type": "BODY"},
                {"text": "To stop receiving delivery updates, tap the button below.", "type": "FOOTER"},
                {"buttons": [{"text": "Stop Delivery Updates", "type": "QUICK_REPLY"}], "type": "BUTTONS"}
            ],
            "language": "en_US",
            "name": "order_delivery_update"
        })),
        ("Create template w/ text header, text body, text footer, and 2 quick reply buttons", json!({
            "category": "MARKETING",
            "components": [
                {"example": {"header_text": ["Summer Sale"]}, "format": "TEXT", "text": "Our {{1}} is on!", "type": "HEADER"},
                {"example": {"body_text": [["the end of August", "25OFF", "25%"]]},
                 "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise.", "type": "BODY"},
                {"text": "Use the buttons below to manage your marketing subscriptions", "type": "FOOTER"},
                {"buttons": [{"text": "Unsubcribe from Promos", "type": "QUICK_REPLY"},
                    {"text": "Unsubscribe from All", "type": "QUICK_REPLY"}], "type": "BUTTONS"}
            ],
            "language": "en",
            "name": "seasonal_promotion_text_only"
        })),
    ]
}

#[test]
fn meta_create_examples_are_accepted_and_round_trip() {
    for (label, example) in oas_create_examples() {
        let def = accepted(&example);
        let written = serde_json::to_value(&def).expect("serializes");
        assert_eq!(written, canonical(&example), "{label}");
        let via_serde: TemplateDefinition =
            serde_json::from_value(example.clone()).expect("serde reads it");
        assert_eq!(via_serde, def, "{label}");
        assert!(
            def.components.iter().all(|c| c.kind().is_some()),
            "{label}: every component typed"
        );
        assert!(
            def.buttons().iter().all(|b| b.kind().is_some()),
            "{label}: every button typed"
        );
    }
}

#[test]
fn meta_create_examples_typed() {
    let all: Vec<TemplateDefinition> = oas_create_examples()
        .iter()
        .map(|(_, v)| accepted(v))
        .collect();
    let by_name = |n: &str| {
        all.iter()
            .find(|d| d.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let otp = by_name("authentication_code_copy_code_button");
    assert_eq!(otp.category(), Category::Authentication);
    assert_eq!(
        otp.body().and_then(|b| b.add_security_recommendation),
        Some(true)
    );
    assert_eq!(
        otp.footer().and_then(|f| f.code_expiration_minutes),
        Some(10)
    );
    assert_eq!(otp.buttons()[0].kind(), Some(ButtonKind::Otp));

    let tuscan = by_name("limited_time_offer_tuscan_getaway_2023");
    assert!(tuscan.is_marketing());
    assert_eq!(tuscan.header().map(|h| h.format), Some(HeaderFormat::Image));
    let TemplateButton::Url(url) = &tuscan.buttons()[1] else {
        panic!("URL button")
    };
    assert!(url.has_variable());
    assert_eq!(
        url.example.as_deref(),
        Some(&["summer2023".to_string()][..])
    );

    let flow = by_name("flow_offer_id");
    let TemplateButton::Flow(f) = &flow.buttons()[0] else {
        panic!("flow button")
    };
    assert_eq!(f.flow_action.as_deref(), Some("navigate"));
    assert_eq!(flow.parameter_format(), ParameterFormat::Positional);
    assert_eq!(flow.reference().language_code, "en_US");
}

/// The answer examples of `GET /{Version}/{WABA-ID}/message_templates` carry `id`,
/// `status` and `previous_category`: serde keeps them in `extra` and writes them back;
/// `validate` (for create requests) accepts the template once they are removed.
#[test]
fn meta_list_examples_round_trip() {
    let data = json!([
        {"category": "MARKETING",
         "components": [
            {"format": "TEXT", "text": "Hello World", "type": "HEADER"},
            {"text": "Welcome and congratulations!! This message demonstrates your ability to send a message notification from WhatsApp Business Platform’s Cloud API. Thank you for taking the time to test with us.", "type": "BODY"},
            {"text": "WhatsApp Business API Team", "type": "FOOTER"}],
         "id": "1192339204654487", "language": "en_US", "name": "hello_world",
         "previous_category": "ACCOUNT_UPDATE", "status": "APPROVED"},
        {"category": "MARKETING",
         "components": [
            {"format": "TEXT", "text": "Fall Sale", "type": "HEADER"},
            {"example": {"body_text": [["Mark", "FALL25"]]},
             "text": "Hi {{1}}, our Fall Sale is on! Use promo code {{2}} Get an extra 25% off every order above $350!", "type": "BODY"},
            {"text": "Not interested in any of our sales? Tap Stop Promotions", "type": "FOOTER"},
            {"buttons": [{"text": "Stop promotions", "type": "QUICK_REPLY"}], "type": "BUTTONS"}],
         "id": "920070352646140", "language": "en_US", "name": "2023_april_promo", "status": "APPROVED"}
    ]);
    for t in data.as_array().expect("list") {
        let def: TemplateDefinition = serde_json::from_value(t.clone()).expect("reads");
        assert_eq!(serde_json::to_value(&def).expect("writes"), *t);
        assert_eq!(def.extra.get("status"), Some(&json!("APPROVED")));
        let mut create = t.clone();
        for k in ["id", "status", "previous_category"] {
            create.as_object_mut().expect("object").remove(k);
        }
        assert_eq!(accepted(&create), {
            let mut d = def.clone();
            d.extra.clear();
            d
        });
    }
}

/// Seed 002 (a hosted WhatsApp API's `/addTemplate`) documents two component lists.
#[test]
fn seed_examples() {
    let appointment = json!({
        "name": "appointment_reminder", "language": "en", "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://test.net/v.jpg"]}},
            {"text": "We remind you that you have an appointment at {{1}} with the dentist tomorrow. Are you confirming your appointment with the doctor?", "type": "BODY", "example": {"body_text": [["9:00"]]}},
            {"text": "white", "type": "FOOTER"},
            {"type": "BUTTONS", "buttons": [{"text": "Yes", "type": "QUICK_REPLY"}, {"text": "No", "type": "QUICK_REPLY"}]}
        ]
    });
    let def = accepted(&appointment);
    assert_eq!(serde_json::to_value(&def).expect("writes"), appointment);

    // The carousel example has one card (WhatsApp needs 2 to 10) whose body variable has no
    // sample value: refused, first for the card count, then for the missing sample.
    let seed_card = json!({"components": [
        {"type": "HEADER", "format": "VIDEO", "example": {"header_handle": ["4::aW..."]}},
        {"text": "Carousel body {{1}}", "type": "BODY"},
        {"type": "BUTTONS", "buttons": [
            {"text": "Send more like this", "type": "QUICK_REPLY"},
            {"url": "https://www.test.com/shop?promo={{1}}", "text": "Buy now", "type": "URL",
             "example": ["https://www.test.com/shop?promo=summer_lemons_2023"]}]}
    ]});
    let seed = json!({"name": "test_carousel", "language": "en_US", "category": "MARKETING",
        "components": [{"text": "Test body text", "type": "BODY"}, {"type": "CAROUSEL", "cards": [seed_card]}]});
    let e = validate(&seed).expect_err("one card");
    assert_eq!(e.path, "components[1].cards");
    let two = with(seed.clone(), "/components/1/cards/1", seed_card.clone());
    let e = validate(&two).expect_err("no sample");
    assert_eq!(e.path, "components[1].cards[0].components[1].example");
    let mut fixed = two;
    for i in 0..2 {
        fixed = with(
            fixed,
            &format!("/components/1/cards/{i}/components/1/example"),
            json!({"body_text": [["lemons"]]}),
        );
    }
    let def = accepted(&fixed);
    let carousel = def.carousel().expect("carousel");
    assert_eq!(carousel.cards.len(), 2);
    assert_eq!(
        carousel.cards[1].header().map(|h| h.format),
        Some(HeaderFormat::Video)
    );
    assert_eq!(carousel.cards[0].buttons().len(), 2);
    assert!(carousel.cards[0].body().is_some());
}

#[test]
fn accessors() {
    let def = accepted(&base());
    assert_eq!(def.category(), Category::Marketing);
    assert!(def.is_marketing());
    assert_eq!(
        def.header().and_then(|h| h.text.as_deref()),
        Some("Our {{1}} is on!")
    );
    assert_eq!(
        def.footer().and_then(|f| f.text.as_deref()),
        Some("Reply STOP to opt out")
    );
    assert_eq!(def.buttons().len(), 2);
    assert_eq!(def.buttons()[0].text(), Some("Unsubscribe"));
    assert!(def.carousel().is_none());
    assert!(def.limited_time_offer().is_none());
    assert_eq!(
        def.components.iter().map(|c| c.kind()).collect::<Vec<_>>(),
        vec![
            Some(ComponentKind::Header),
            Some(ComponentKind::Body),
            Some(ComponentKind::Footer),
            Some(ComponentKind::Buttons)
        ]
    );
    let offer = accepted(
        &acceptances()
            .into_iter()
            .find(|(l, _)| *l == "limited-time offer")
            .expect("case")
            .1,
    );
    assert_eq!(
        offer
            .limited_time_offer()
            .map(|l| l.limited_time_offer.has_expiration),
        Some(Some(true))
    );
    assert!(matches!(
        offer.components[1],
        TemplateComponent::LimitedTimeOffer(_)
    ));
}
