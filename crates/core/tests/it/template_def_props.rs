//! Property tests of `template_def`: no input makes `validate`, serde, the variable scanner
//! or `check_send` panic; accepted definitions are serde fixed points; variable numbering
//! and example counts are checked consistently, and so are send parameter counts.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use switchboard_core::message::{
    Component, Currency, DateTime, Language, Media, MediaSource, Parameter, Template, TemplateCard,
    BUTTON_SUB_TYPES,
};
use switchboard_core::template_def::{
    check_send, render, scan, validate, variables, ParameterFormat, TemplateDefinition,
    TemplateStatus, PARAMETER_COUNT_MISMATCH,
};

const KEYS: &[&str] = &[
    "name",
    "language",
    "category",
    "components",
    "parameter_format",
    "type",
    "format",
    "text",
    "example",
    "body_text",
    "header_text",
    "header_handle",
    "body_text_named_params",
    "param_name",
    "buttons",
    "url",
    "phone_number",
    "otp_type",
    "package_name",
    "signature_hash",
    "supported_apps",
    "zero_tap_terms_accepted",
    "flow_id",
    "flow_name",
    "flow_action",
    "cards",
    "limited_time_offer",
    "has_expiration",
    "add_security_recommendation",
    "code_expiration_minutes",
    "x",
];

const WORDS: &[&str] = &[
    "HEADER",
    "BODY",
    "FOOTER",
    "BUTTONS",
    "CAROUSEL",
    "LIMITED_TIME_OFFER",
    "TEXT",
    "IMAGE",
    "VIDEO",
    "DOCUMENT",
    "LOCATION",
    "QUICK_REPLY",
    "URL",
    "PHONE_NUMBER",
    "COPY_CODE",
    "FLOW",
    "OTP",
    "CATALOG",
    "MPM",
    "MARKETING",
    "UTILITY",
    "AUTHENTICATION",
    "NAMED",
    "POSITIONAL",
    "ONE_TAP",
    "ZERO_TAP",
    "en_US",
    "hello",
    "{{1}}",
    "Hi {{1}} and {{2}}!",
    "{{name}}",
    "https://x.com/{{1}}",
    "navigate",
    "",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-z_{} 0-9é]{0,16}".prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

/// Valid templates to mutate.
fn seeds() -> Vec<Value> {
    let card = json!({"components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::a"]}},
        {"type": "BODY", "text": "Rare lemons {{1}}", "example": {"body_text": [["#1"]]}},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "More"},
            {"type": "URL", "text": "Buy", "url": "https://x.com/{{1}}", "example": ["1"]}]}
    ]});
    vec![
        json!({"name": "summer_sale", "language": "en_US", "category": "MARKETING", "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Our {{1}} is on!", "example": {"header_text": ["Summer Sale"]}},
            {"type": "BODY", "text": "Shop through {{1}} with code {{2}} for {{3}} off.", "example": {"body_text": [["Aug", "25OFF", "25%"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop"},
                {"type": "URL", "text": "Shop", "url": "https://x.com/s?p={{1}}", "example": ["s"]},
                {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "16467043595"},
                {"type": "COPY_CODE", "example": "SAVE"},
                {"type": "FLOW", "text": "Book", "flow_id": "1", "flow_action": "navigate"}]}
        ]}),
        json!({"name": "login_code", "language": "en_US", "category": "AUTHENTICATION", "components": [
            {"type": "BODY", "add_security_recommendation": true},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "ONE_TAP", "package_name": "a.b", "signature_hash": "h"}]}
        ]}),
        json!({"name": "lemons", "language": "en_US", "category": "MARKETING", "parameter_format": "POSITIONAL", "components": [
            {"type": "BODY", "text": "Hello {{1}}, look.", "example": {"body_text": [["Pablo"]]}},
            {"type": "CAROUSEL", "cards": [card.clone(), card]}
        ]}),
        json!({"name": "named", "language": "es", "category": "MARKETING", "parameter_format": "NAMED", "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order {{id}}", "example": {"header_text_named_params": [{"param_name": "id", "example": "1"}]}},
            {"type": "BODY", "text": "Hi {{first}}, order {{id}} ships.", "example": {"body_text_named_params": [
                {"param_name": "first", "example": "Jo"}, {"param_name": "id", "example": "1"}]}},
            {"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": "Soon", "has_expiration": false}}
        ]}),
    ]
}

fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// `v` with the value at the `pick`-th pointer replaced by `x`, or removed when `x` is None.
fn mutate(mut v: Value, pick: usize, x: Option<Value>) -> Value {
    let mut all = Vec::new();
    pointers(&v, String::new(), &mut all);
    let Some(ptr) = all.get(pick % all.len().max(1)).cloned() else {
        return v;
    };
    match x {
        Some(x) => {
            if let Some(slot) = v.pointer_mut(&ptr) {
                *slot = x;
            }
        }
        None => {
            let (parent, key) = ptr.rsplit_once('/').unwrap_or(("", ""));
            match v.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(key);
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = key.parse::<usize>() {
                        if i < a.len() {
                            a.remove(i);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    v
}

/// An accepted definition is a serde fixed point, and validating what serde writes gives
/// it back.
fn fixed_point(def: &TemplateDefinition) -> Result<(), TestCaseError> {
    let written = serde_json::to_value(def).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let read: TemplateDefinition =
        serde_json::from_value(written.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&read, def);
    let again = validate(&written).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&again, def);
    Ok(())
}

/// A body with `k` distinct positional variables in a shuffled order, some repeated.
fn body_text(order: &[u32], repeat: bool) -> String {
    let mut s = String::from("Dear customer,");
    for n in order {
        s.push_str(&format!(" item {{{{{n}}}}} and"));
    }
    if repeat {
        if let Some(n) = order.first() {
            s.push_str(&format!(" again {{{{{n}}}}}"));
        }
    }
    s.push_str(" thanks.");
    s
}

fn body_template(text: &str, samples: Option<usize>) -> Value {
    let mut body = json!({"type": "BODY", "text": text});
    if let Some(e) = samples {
        let values: Vec<String> = (0..e).map(|i| format!("v{i}")).collect();
        body["example"] = json!({"body_text": [values]});
    }
    json!({"name": "numbered", "language": "en_US", "category": "UTILITY", "components": [body]})
}

fn arb_text_param() -> impl Strategy<Value = Parameter> {
    prop_oneof![
        ("[a-z \n\t]{0,12}", proptest::option::of("[a-z_]{1,8}")).prop_map(
            |(text, parameter_name)| {
                Parameter::Text {
                    text,
                    parameter_name,
                }
            }
        ),
        "[a-z]{1,6}".prop_map(|f| Parameter::Currency {
            currency: Currency {
                fallback_value: f,
                code: "USD".into(),
                amount_1000: 1000
            },
            parameter_name: None,
        }),
        "[a-z]{1,6}".prop_map(|f| Parameter::DateTime {
            date_time: DateTime {
                fallback_value: f,
                extra: Map::new()
            },
            parameter_name: None,
        }),
    ]
}

fn arb_param() -> impl Strategy<Value = Parameter> {
    let media = || Media {
        source: MediaSource::Id("1".into()),
        caption: None,
        filename: None,
        voice: None,
    };
    prop_oneof![
        arb_text_param(),
        Just(Parameter::Image { image: media() }),
        Just(Parameter::Video { video: media() }),
        Just(Parameter::Document { document: media() }),
        Just(Parameter::Payload {
            payload: "p".into()
        }),
        Just(Parameter::CouponCode {
            coupon_code: "C".into()
        }),
        Just(Parameter::Action { action: Map::new() }),
        Just(Parameter::Product {
            product: Map::new()
        }),
        Just(Parameter::LimitedTimeOffer {
            limited_time_offer: Map::new()
        }),
    ]
}

fn arb_flat_component() -> impl Strategy<Value = Component> {
    (
        prop::sample::select(&["header", "body", "button", "carousel", "limited_time_offer"][..]),
        proptest::option::of(prop::sample::select(&BUTTON_SUB_TYPES[..])),
        proptest::option::of(0u32..12),
        prop::collection::vec(arb_param(), 0..4),
    )
        .prop_map(|(kind, sub_type, index, parameters)| Component {
            kind: kind.to_string(),
            sub_type: sub_type.map(str::to_string),
            index,
            parameters,
            cards: Vec::new(),
        })
}

fn arb_components() -> impl Strategy<Value = Vec<Component>> {
    let card = (0u32..12, prop::collection::vec(arb_flat_component(), 0..4)).prop_map(
        |(card_index, components)| TemplateCard {
            card_index,
            components,
        },
    );
    prop::collection::vec(
        (arb_flat_component(), prop::collection::vec(card, 0..3)).prop_map(|(mut c, cards)| {
            if c.kind == "carousel" {
                c.cards = cards;
            }
            c
        }),
        0..6,
    )
}

fn definitions() -> Vec<TemplateDefinition> {
    let mut defs: Vec<TemplateDefinition> = seeds()
        .iter()
        .map(|v| validate(v).unwrap_or_else(|e| panic!("seed refused: {e}")))
        .collect();
    let lenient: TemplateDefinition = serde_json::from_value(json!({
        "name": "weird", "language": "en_US", "category": "MARKETING", "parameter_format": "NAMED",
        "components": [{"type": "BODY", "text": "Hi {{1}} {{x"}, {"type": "HEADER", "format": "GIF"},
            {"type": "BUTTONS", "buttons": [{"type": "URL"}, {"type": "OTP", "otp_type": "ONE_TAP"}]}]
    }))
    .unwrap_or_else(|e| panic!("lenient read: {e}"));
    defs.push(lenient);
    defs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn validate_never_panics_on_arbitrary_json(v in arb_json()) {
        if let Ok(def) = validate(&v) {
            fixed_point(&def)?;
        }
        let _ = serde_json::from_value::<TemplateDefinition>(v);
    }

    #[test]
    fn validate_never_panics_on_mutated_templates(
        seed in 0usize..4,
        edits in prop::collection::vec((any::<usize>(), proptest::option::of(arb_json())), 1..4),
    ) {
        let mut v = seeds()[seed].clone();
        for (pick, x) in edits {
            v = mutate(v, pick, x);
        }
        match validate(&v) {
            Ok(def) => fixed_point(&def)?,
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                let shown = if e.path.is_empty() { "request body" } else { e.path.as_str() };
                prop_assert!(e.details().starts_with(shown));
            }
        }
    }

    #[test]
    fn scanner_never_panics(s in "[{}a-z0-9 _é]{0,40}") {
        let _ = scan(&s);
        let _ = variables(&s, ParameterFormat::Positional);
        let _ = variables(&s, ParameterFormat::Named);
        let out = render(&s, |_| Some("v".to_string()));
        if scan(&s).is_err() {
            prop_assert_eq!(out, s);
        }
    }

    #[test]
    fn example_count_must_equal_variable_count(
        k in 0u32..15,
        delta in -1i64..=1,
        shuffle in any::<prop::sample::Index>(),
        repeat in any::<bool>(),
    ) {
        let mut order: Vec<u32> = (1..=k).collect();
        if !order.is_empty() {
            let at = shuffle.index(order.len());
            order.rotate_left(at);
        }
        let text = body_text(&order, repeat);
        let e = k as i64 + delta;
        prop_assume!(e >= 0);
        let samples = if k == 0 && e == 0 { None } else { Some(e as usize) };
        let result = validate(&body_template(&text, samples));
        if delta == 0 {
            prop_assert!(result.is_ok(), "{:?}", result.err());
        } else {
            let err = result.err().map(|e| e.path);
            let expected = if k == 0 { "components[0].example" } else { "components[0].example.body_text[0]" };
            prop_assert_eq!(err.as_deref(), Some(expected));
        }
    }

    #[test]
    fn numbering_gaps_are_refused(k in 2u32..15, gap in any::<prop::sample::Index>()) {
        let missing = 1 + gap.index(k as usize) as u32;
        let order: Vec<u32> = (1..=k + 1).filter(|n| *n != missing).collect();
        let result = validate(&body_template(&body_text(&order, false), Some(k as usize)));
        prop_assert_eq!(result.err().map(|e| e.path), Some("components[0].text".to_string()));
    }

    #[test]
    fn send_parameter_count_must_equal_variable_count(k in 0u32..12, m in 0usize..14) {
        let order: Vec<u32> = (1..=k).collect();
        let samples = if k == 0 { None } else { Some(k as usize) };
        let def = validate(&body_template(&body_text(&order, false), samples))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let send = Template {
            name: "numbered".into(),
            language: Language { code: "en_US".into(), policy: None },
            components: vec![Component {
                kind: "body".into(),
                sub_type: None,
                index: None,
                parameters: (0..m).map(|i| Parameter::Text { text: format!("p{i}"), parameter_name: None }).collect(),
                cards: Vec::new(),
            }],
        };
        let result = check_send(&def, TemplateStatus::Approved, &send);
        if m == k as usize {
            prop_assert_eq!(result, Ok(()));
        } else {
            let e = result.err().ok_or_else(|| TestCaseError::fail("accepted"))?;
            prop_assert_eq!(e.code, PARAMETER_COUNT_MISMATCH);
            prop_assert_eq!(e.path.as_str(), "template.components[0].parameters");
            let s = if k == 1 { "" } else { "s" };
            let expected = format!("body expects {k} parameter{s}, got {m}");
            prop_assert!(e.details.starts_with(&expected), "{}", e.details);
        }
    }

    #[test]
    fn check_send_never_panics(which in 0usize..5, components in arb_components(), status in 0usize..15) {
        let defs = definitions();
        let def = &defs[which % defs.len()];
        let send = Template {
            name: def.name.clone(),
            language: Language { code: def.language.clone(), policy: None },
            components,
        };
        let status = TemplateStatus::ALL[status];
        match check_send(def, status, &send) {
            Ok(()) => prop_assert!(status.is_sendable()),
            Err(e) => {
                prop_assert!(!e.details.is_empty());
                prop_assert!(e.path.starts_with("template."), "{}", e.path);
            }
        }
    }
}
