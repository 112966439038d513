//! Keyword rules: every match kind, case and accent folding, button/list ids, steps, order,
//! and validation.

use serde_json::{json, Value};
use switchboard_core::automation::reply::text_message;
use switchboard_core::automation::{MatchKind, MatchedOn, Rule, RuleSet};

fn rule(id: &str, kind: MatchKind, pattern: &str) -> Rule {
    Rule {
        id: id.into(),
        position: 0,
        match_kind: kind,
        pattern: pattern.into(),
        case_insensitive: true,
        accent_insensitive: true,
        reply: text_message(&format!("reply of {id}")),
        add_tags: Vec::new(),
        next_step: None,
        only_in_step: None,
        enabled: true,
    }
}

fn set(rules: Vec<Rule>) -> RuleSet {
    RuleSet::compile(rules).unwrap_or_else(|e| panic!("rules refused: {e:?}"))
}

fn hit(set: &RuleSet, text: &str) -> Option<String> {
    set.find(Some(text), None, None).map(|m| m.rule.id.clone())
}

#[test]
fn match_kinds() {
    let s = set(vec![rule("exact", MatchKind::Exact, "price list")]);
    assert_eq!(hit(&s, "  Price   LIST "), Some("exact".into()));
    assert_eq!(hit(&s, "price list please"), None);

    let s = set(vec![rule("contains", MatchKind::Contains, "price")]);
    assert_eq!(hit(&s, "What is the PRICE?"), Some("contains".into()));
    assert_eq!(hit(&s, "pricey"), Some("contains".into()));
    assert_eq!(hit(&s, "cost"), None);

    let s = set(vec![rule("starts", MatchKind::StartsWith, "order")]);
    assert_eq!(hit(&s, " Order 123"), Some("starts".into()));
    assert_eq!(hit(&s, "my order"), None);

    let s = set(vec![rule("re", MatchKind::Regex, r"^order\s+#?(\d{3,})$")]);
    assert_eq!(hit(&s, "ORDER #12345"), Some("re".into()));
    assert_eq!(hit(&s, "order #12"), None);
    let s = set(vec![rule("word", MatchKind::Regex, r"\bhi\b")]);
    assert_eq!(hit(&s, "hi there"), Some("word".into()));
    assert_eq!(hit(&s, "this"), None);
}

#[test]
fn case_and_accent_options() {
    let mut strict = rule("strict", MatchKind::Exact, "Menú");
    strict.case_insensitive = false;
    strict.accent_insensitive = false;
    let s = set(vec![strict.clone()]);
    assert_eq!(hit(&s, "Menú"), Some("strict".into()));
    assert_eq!(hit(&s, "menú"), None);
    assert_eq!(hit(&s, "Menu"), None);

    let s = set(vec![rule("loose", MatchKind::Exact, "Menú")]);
    for t in ["menu", "MENU", "Menú", "ménu"] {
        assert_eq!(hit(&s, t), Some("loose".into()), "{t}");
    }
    let mut re = rule("re", MatchKind::Regex, "^caf[eé]$");
    re.case_insensitive = false;
    let s = set(vec![re.clone()]);
    assert_eq!(hit(&s, "Café"), None);
    assert_eq!(hit(&s, "cafe"), Some("re".into()));
    assert_eq!(
        hit(&s, "café"),
        Some("re".into()),
        "accents stripped from the text"
    );
    re.accent_insensitive = false;
    re.pattern = "^café$".into();
    let s = set(vec![re]);
    assert_eq!(hit(&s, "cafe"), None);
    assert_eq!(hit(&s, "café"), Some("re".into()));
}

#[test]
fn order_is_position_then_id_and_disabled_rules_never_answer() {
    let mut a = rule("b-late", MatchKind::Contains, "hi");
    a.position = 2;
    let mut b = rule("z-early", MatchKind::Contains, "hi");
    b.position = 1;
    let mut c = rule("a-early", MatchKind::Contains, "hi");
    c.position = 1;
    c.enabled = false;
    let s = set(vec![a, b, c]);
    assert_eq!(s.len(), 2);
    assert_eq!(hit(&s, "hi"), Some("z-early".into()));
    let ids: Vec<_> = s.rules().map(|r| r.rule().id.as_str()).collect();
    assert_eq!(ids, ["z-early", "b-late"]);
    assert!(RuleSet::default().is_empty());
}

#[test]
fn button_and_list_ids_match_exactly() {
    let mut sales = rule("sales", MatchKind::Contains, "menu_sales");
    sales.only_in_step = Some("menu".into());
    let mut title = rule("title", MatchKind::Exact, "Sales");
    title.only_in_step = Some("menu".into());
    let s = set(vec![title, sales]);
    let m = s
        .find(Some("Sales"), Some("menu_sales"), Some("menu"))
        .expect("id match");
    assert_eq!(m.rule.id, "sales");
    assert_eq!(
        m.on,
        MatchedOn::ReplyId {
            id: "menu_sales".into()
        }
    );
    // Ids are compared exactly; the title still matches as text.
    let m = s
        .find(Some("Sales"), Some("MENU_SALES"), Some("menu"))
        .expect("text match");
    assert_eq!(m.rule.id, "title");
    assert_eq!(
        m.on,
        MatchedOn::Text {
            kind: MatchKind::Exact,
            pattern: "Sales".into()
        }
    );
    assert!(
        s.find(None, Some("menu_sales"), None).is_none(),
        "wrong step"
    );
    assert!(s.find(None, Some(" "), Some("menu")).is_none());
}

#[test]
fn steps_scope_rules_and_win_over_general_ones() {
    let general = rule("general", MatchKind::Exact, "1");
    let mut in_menu = rule("in-menu", MatchKind::Exact, "1");
    in_menu.only_in_step = Some("menu".into());
    in_menu.position = 99;
    let mut elsewhere = rule("elsewhere", MatchKind::Exact, "1");
    elsewhere.only_in_step = Some("other".into());
    elsewhere.position = -5;
    let s = set(vec![general, in_menu, elsewhere]);
    let id = |step: Option<&str>| s.find(Some("1"), None, step).map(|m| m.rule.id.clone());
    assert_eq!(id(Some("menu")), Some("in-menu".into()));
    assert_eq!(id(Some("other")), Some("elsewhere".into()));
    assert_eq!(id(Some("unknown")), Some("general".into()));
    assert_eq!(id(None), Some("general".into()));
    // A tapped id beats a text match, even a step's.
    let mut by_id = rule("by-id", MatchKind::Exact, "btn_1");
    by_id.position = 100;
    let mut text_in_step = rule("text", MatchKind::Contains, "o");
    text_in_step.only_in_step = Some("menu".into());
    let s = set(vec![by_id, text_in_step]);
    let m = s
        .find(Some("Option one"), Some("btn_1"), Some("menu"))
        .expect("match");
    assert_eq!(m.rule.id, "by-id");
}

#[test]
fn dead_end_steps_are_reported() {
    let mut a = rule("a", MatchKind::Exact, "menu");
    a.next_step = Some("menu".into());
    let mut b = rule("b", MatchKind::Exact, "x");
    b.next_step = Some("nowhere".into());
    let mut c = rule("c", MatchKind::Exact, "1");
    c.only_in_step = Some("menu".into());
    let s = set(vec![a, b, c]);
    assert_eq!(
        s.dead_end_steps(),
        [("b".to_string(), "nowhere".to_string())]
    );
}

#[track_caller]
fn refused(r: Rule, field: &str, says: &str) {
    let errs = r.validate().expect_err("rule should be refused");
    crate::field_errors::assert_refused(&errs, field, says);
}

fn with(f: impl FnOnce(&mut Rule)) -> Rule {
    let mut r = rule("r1", MatchKind::Exact, "hello");
    f(&mut r);
    r
}

#[test]
fn every_rule_validation_error() {
    assert_eq!(with(|_| {}).validate(), Ok(()));
    refused(with(|r| r.id = String::new()), "id", "must not be empty");
    refused(with(|r| r.id = " r1".into()), "id", "whitespace");
    refused(with(|r| r.id = "x".repeat(65)), "id", "at most 64");
    refused(
        with(|r| r.pattern = "  ".into()),
        "pattern",
        "give the keyword",
    );
    refused(
        with(|r| r.pattern = "x".repeat(513)),
        "pattern",
        "at most 512",
    );
    refused(
        with(|r| r.pattern = "\u{301}".into()),
        "pattern",
        "accents are ignored",
    );
    refused(
        with(|r| {
            r.match_kind = MatchKind::Regex;
            r.pattern = "(unclosed".into();
        }),
        "pattern",
        "not a valid regex",
    );
    refused(
        with(|r| {
            r.match_kind = MatchKind::Regex;
            r.pattern = r"\w{1000}\w{1000}".into();
        }),
        "pattern",
        "too large",
    );
    refused(
        with(|r| {
            r.match_kind = MatchKind::Regex;
            r.pattern = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        }),
        "pattern",
        "not a valid regex",
    );
    refused(with(|r| r.reply = json!("hi")), "reply", "message object");
    refused(
        with(|r| r.reply = json!({"to": "123", "type": "text", "text": {"body": "x"}})),
        "reply.to",
        "remove it",
    );
    refused(
        with(|r| r.reply = json!({"type": "text", "text": {"body": ""}})),
        "reply.text.body",
        "",
    );
    refused(
        with(|r| r.reply = json!({"type": "carrier_pigeon"})),
        "reply.type",
        "not supported",
    );
    refused(
        with(|r| r.add_tags = vec!["t".into(); 21]),
        "add_tags",
        "at most 20",
    );
    refused(
        with(|r| r.add_tags = vec!["".into()]),
        "add_tags[0]",
        "must not be empty",
    );
    refused(
        with(|r| r.add_tags = vec!["a".into(), "a".into()]),
        "add_tags[1]",
        "listed twice",
    );
    refused(
        with(|r| r.next_step = Some("x".repeat(65))),
        "next_step",
        "at most 64",
    );
    refused(
        with(|r| r.only_in_step = Some(" ".into())),
        "only_in_step",
        "must not be empty",
    );
}

#[test]
fn every_reply_kind_is_accepted() {
    let replies: Vec<Value> = vec![
        text_message("{Hi|Hello} [name]"),
        json!({"type": "image", "image": {"link": "https://example.com/a.png", "caption": "[name]"}}),
        json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]}}}),
        json!({"type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick"},
            "action": {"button": "Options", "sections": [{"title": "S", "rows": [{"id": "r1", "title": "R"}]}]}}}),
        json!({"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
        json!({"messaging_product": "whatsapp", "type": "location", "location": {"latitude": 1.0, "longitude": 2.0}}),
    ];
    for reply in replies {
        let r = with(|r| r.reply = reply.clone());
        assert_eq!(r.validate(), Ok(()), "{reply}");
    }
}

#[test]
fn sets_refuse_or_skip_invalid_rules() {
    let good = rule("good", MatchKind::Exact, "hi");
    let bad = with(|r| {
        r.id = "bad".into();
        r.match_kind = MatchKind::Regex;
        r.pattern = "[".into();
    });
    let dup = rule("good", MatchKind::Exact, "other");
    let errs = RuleSet::compile(vec![good.clone(), bad.clone(), dup.clone()]).expect_err("refused");
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0].rule_id, "bad");
    assert!(errs[0].errors.has("pattern"));
    assert!(errs[1].errors.has("id"), "duplicate id: {}", errs[1]);
    let (s, errs) = RuleSet::compile_lenient(vec![good, bad, dup]);
    assert_eq!(errs.len(), 2);
    assert_eq!(s.len(), 1);
    assert_eq!(hit(&s, "hi"), Some("good".into()));
    // A disabled invalid rule is still reported.
    let mut off = with(|r| r.pattern = String::new());
    off.enabled = false;
    assert!(RuleSet::compile(vec![off]).is_err());
}

#[test]
fn rules_deserialize_with_defaults() {
    let r: Rule = serde_json::from_value(json!({
        "id": "r", "pattern": "hi", "reply": {"type": "text", "text": {"body": "Hello"}}
    }))
    .expect("minimal rule");
    assert_eq!(r.match_kind, MatchKind::Exact);
    assert!(r.case_insensitive && r.accent_insensitive && r.enabled);
    assert_eq!(r.position, 0);
    let v = serde_json::to_value(&r).expect("ser");
    assert_eq!(v["match_kind"], "exact");
    let kinds: Vec<MatchKind> =
        serde_json::from_value(json!(["exact", "contains", "starts_with", "regex"]))
            .expect("kinds");
    assert_eq!(
        kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        ["exact", "contains", "starts_with", "regex"]
    );
}
