//! Property tests: limits hold for every length, recipient normalization is idempotent,
//! the canonical body is a fixed point, and no input makes `parse_request` panic.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use switchboard_core::message::{parse_request, CloudRequest, INVALID_PARAMETER};
use switchboard_core::recipient::parse_recipient;
use switchboard_core::testing::msg;

const FIXTURE: &str = include_str!("../fixtures/oas_message_examples.json");

fn text_of(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), len).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_text_up_to_4096_chars_is_accepted(body in text_of(1..=4096)) {
        let r = parse_request(&msg("text", json!({ "body": body })));
        prop_assert!(matches!(r, Ok(CloudRequest::Send(_))), "{:?}", r.err());
    }

    #[test]
    fn any_text_over_4096_chars_is_refused(body in text_of(4097..=4300)) {
        let e = parse_request(&msg("text", json!({ "body": body }))).err();
        prop_assert_eq!(e.map(|e| (e.code, e.path)), Some((INVALID_PARAMETER, "text.body".to_string())));
    }

    #[test]
    fn button_count_and_title_length(n in 0usize..8, title_len in 0usize..30) {
        let buttons: Vec<Value> = (0..n)
            .map(|i| json!({"type": "reply", "reply": {"id": format!("{i}"), "title": format!("{i}{}", "é".repeat(title_len.saturating_sub(1)))}}))
            .collect();
        let body = msg("interactive", json!({"type": "button", "body": {"text": "b"}, "action": {"buttons": buttons}}));
        let ok = parse_request(&body).is_ok();
        prop_assert_eq!(ok, (1..=3).contains(&n) && (1..=20).contains(&title_len.max(1)));
    }

    #[test]
    fn recipient_normalization_is_idempotent(
        digits in "[1-9][0-9]{6,14}",
        sep in prop::sample::select(vec!["", " ", "-", "."]),
        plus in any::<bool>(),
    ) {
        if let Ok(id) = parse_recipient(&digits) {
            let spaced: String = digits
                .chars()
                .enumerate()
                .flat_map(|(i, c)| (if i > 0 && i % 3 == 0 { Some(sep) } else { None }).into_iter().flat_map(str::chars).chain([c]))
                .collect();
            let written = if plus { format!("+{spaced}") } else { spaced };
            for form in [id.to_string(), id.to_e164(), id.to_chat_id(), id.to_jid(), written] {
                let again = parse_recipient(&form);
                prop_assert_eq!(again.as_ref(), Ok(&id), "{}", form);
            }
        }
    }

    #[test]
    fn recipient_parsing_never_panics(s in ".{0,40}") {
        let _ = parse_recipient(&s);
    }
}

/// Arbitrary JSON built from the words the parser looks for, so that it goes deep.
fn arb_json() -> impl Strategy<Value = Value> {
    let words = prop::sample::select(vec![
        "messaging_product",
        "whatsapp",
        "to",
        "+16505551234",
        "type",
        "text",
        "body",
        "image",
        "id",
        "link",
        "https://e.com/a",
        "caption",
        "interactive",
        "button",
        "list",
        "action",
        "buttons",
        "reply",
        "title",
        "sections",
        "rows",
        "header",
        "footer",
        "template",
        "name",
        "language",
        "code",
        "components",
        "parameters",
        "currency",
        "index",
        "sub_type",
        "quick_reply",
        "flow",
        "cards",
        "card_index",
        "status",
        "read",
        "message_id",
        "location",
        "latitude",
        "longitude",
        "contacts",
        "reaction",
        "emoji",
        "carousel",
        "product_list",
        "catalog_id",
        "product_items",
        "cta_url",
        "url",
        "display_text",
        "parameters",
        "flow_action_payload",
        "date_time",
        "fallback_value",
        "amount_1000",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        words.clone().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((words.clone(), inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>()
            )),
        ]
    })
}

fn examples() -> Vec<Value> {
    let map: BTreeMap<String, Value> = serde_json::from_str(FIXTURE).unwrap_or_default();
    map.into_values()
        .map(|mut v| {
            if v.get("to")
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with("{{"))
            {
                v["to"] = json!("+16505551234");
            }
            v
        })
        .collect()
}

/// Every JSON pointer of `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, c)| pointers(c, format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let _ = parse_request(&v);
        let _ = parse_request(&json!({"messaging_product": "whatsapp", "to": "+16505551234", "interactive": v.clone(), "type": "interactive"}));
        let _ = parse_request(&json!({"messaging_product": "whatsapp", "to": "+16505551234", "template": v, "type": "template"}));
    }

    /// Replace any node of a real example with arbitrary JSON: never a panic, and whatever
    /// is accepted has a canonical body that is accepted again unchanged.
    #[test]
    fn mutated_examples_never_panic_and_canonical_bodies_are_fixed_points(
        which in any::<prop::sample::Index>(),
        node in any::<prop::sample::Index>(),
        replacement in arb_json(),
    ) {
        let all = examples();
        let mut v = which.get(&all).clone();
        let mut ptrs = Vec::new();
        pointers(&v, String::new(), &mut ptrs);
        let target = node.get(&ptrs).clone();
        if let Some(slot) = v.pointer_mut(&target) {
            *slot = replacement;
        }
        if let Ok(CloudRequest::Send(m)) = parse_request(&v) {
            match parse_request(&m.body) {
                Ok(CloudRequest::Send(again)) => {
                    prop_assert_eq!(&again.body, &m.body);
                    prop_assert_eq!(&again.content, &m.content);
                    prop_assert_eq!(&again.address, &m.address);
                }
                other => prop_assert!(false, "canonical body not accepted: {:?}", other),
            }
        }
    }
}
