//! The bot's decision: every branch in its order, state updates, the decision log's
//! explanations, and a two-step button menu end to end.

use serde_json::{json, Value};
use switchboard_core::automation::reply::text_message;
use switchboard_core::automation::spintax::seeded_picker;
use switchboard_core::automation::{
    decide, ActiveDays, ActiveHours, BotSettings, ContactBotState, CooldownOf, Decision,
    InboundFacts, LoopCause, MatchKind, MatchedOn, Rule, RuleSet, SilentReason,
};

/// Wednesday 2025-06-04 12:00:00 UTC.
const NOON: i64 = 1_749_038_400_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn text(t: &str) -> InboundFacts {
    InboundFacts {
        text: Some(t.into()),
        contact_name: Some("Ada Lovelace".into()),
        phone: "+12020721369".into(),
        ..InboundFacts::default()
    }
}

fn rule(id: &str, pattern: &str, reply: Value) -> Rule {
    Rule {
        id: id.into(),
        position: 0,
        match_kind: MatchKind::Exact,
        pattern: pattern.into(),
        case_insensitive: true,
        accent_insensitive: true,
        reply,
        add_tags: Vec::new(),
        next_step: None,
        only_in_step: None,
        enabled: true,
    }
}

fn rules() -> RuleSet {
    let mut price = rule(
        "price",
        "price",
        text_message("{Our|The} price is 10 USD, [first_name]."),
    );
    price.match_kind = MatchKind::Contains;
    price.add_tags = vec!["lead".into()];
    RuleSet::compile(vec![price]).expect("valid rules")
}

fn run(
    settings: &BotSettings,
    inbound: &InboundFacts,
    state: &ContactBotState,
    now: i64,
) -> Decision {
    let d = decide(settings, &rules(), inbound, state, now, &mut |_| 0);
    assert!(!d.explain().is_empty());
    d
}

fn silent(d: &Decision) -> &SilentReason {
    match d {
        Decision::Silent { reason } => reason,
        other => panic!("expected silence, got {other:?}"),
    }
}

fn body(message: &Value) -> &str {
    message["text"]["body"].as_str().unwrap_or_default()
}

#[test]
fn default_message_with_spintax_and_name() {
    let s = BotSettings::default();
    let d = run(&s, &text("hi"), &ContactBotState::default(), NOON);
    match &d {
        Decision::DefaultMessage { message } => {
            assert_eq!(
                body(message),
                "Hi Ada Lovelace your message has no keyword here."
            );
            assert_eq!(message["type"], "text");
            assert!(message.get("to").is_none());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.code(), "default_message");
    let d = decide(
        &s,
        &rules(),
        &text("hi"),
        &ContactBotState::default(),
        NOON,
        &mut |n| n - 1,
    );
    assert_eq!(
        d.message().map(body),
        Some("Hello Ada Lovelace your message has no keyword here.")
    );
    let mut nameless = text("hi");
    nameless.contact_name = None;
    let d = run(&s, &nameless, &ContactBotState::default(), NOON);
    assert_eq!(
        d.message().map(body),
        Some("Hi there your message has no keyword here.")
    );
}

#[test]
fn default_message_cooldown() {
    let s = BotSettings::default();
    let mut state = ContactBotState::default();
    let first = run(&s, &text("hi"), &state, NOON);
    state.apply(&first, &s, NOON);
    let d = run(&s, &text("hello?"), &state, NOON + MINUTE);
    assert_eq!(
        silent(&d),
        &SilentReason::Cooldown {
            message: CooldownOf::DefaultMessage,
            until: NOON + DAY
        }
    );
    assert!(
        d.explain().contains("2025-06-05T12:00:00"),
        "{}",
        d.explain()
    );
    assert_eq!(d.code(), "silent.cooldown");
    assert!(matches!(
        run(&s, &text("hi"), &state, NOON + DAY),
        Decision::DefaultMessage { .. }
    ));
    // 0 means every time.
    let every = BotSettings {
        default_msg_cooldown_secs: 0,
        ..BotSettings::default()
    };
    assert!(matches!(
        run(&every, &text("hi"), &state, NOON + MINUTE),
        Decision::DefaultMessage { .. }
    ));
}

#[test]
fn no_default_message() {
    let mut s = BotSettings::default();
    s.actions.send_default_msg = false;
    assert_eq!(
        silent(&run(&s, &text("hi"), &ContactBotState::default(), NOON)),
        &SilentReason::NoRuleMatched
    );
    let s = BotSettings {
        default_msg: " ".into(),
        ..BotSettings::default()
    };
    assert_eq!(
        silent(&run(&s, &text("hi"), &ContactBotState::default(), NOON)),
        &SilentReason::NoRuleMatched
    );
    // Renders to nothing: "[name]" for a nameless contact with an empty fallback.
    let s = BotSettings {
        default_msg: "[name]".into(),
        name_fallback: String::new(),
        ..BotSettings::default()
    };
    let mut nameless = text("hi");
    nameless.contact_name = None;
    let d = run(&s, &nameless, &ContactBotState::default(), NOON);
    assert_eq!(silent(&d), &SilentReason::NoRuleMatched);
    assert_eq!(d.code(), "silent.no_rule_matched");
}

#[test]
fn rule_reply_with_tags() {
    let d = run(
        &BotSettings::default(),
        &text("What's the PRICE?"),
        &ContactBotState::default(),
        NOON,
    );
    match &d {
        Decision::Reply {
            rule_id,
            matched_on,
            message,
            add_tags,
            next_step,
            in_step,
        } => {
            assert_eq!(rule_id, "price");
            assert_eq!(
                matched_on,
                &MatchedOn::Text {
                    kind: MatchKind::Contains,
                    pattern: "price".into()
                }
            );
            assert_eq!(body(message), "Our price is 10 USD, Ada.");
            assert_eq!(add_tags, &["lead"]);
            assert_eq!((next_step, in_step), (&None, &None));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.explain(),
        "Rule `price` matched the text (contains `price`), so its reply was sent."
    );
    // Rules answer every time: no cooldown.
    let mut state = ContactBotState::default();
    state.apply(&d, &BotSettings::default(), NOON);
    assert!(matches!(
        run(&BotSettings::default(), &text("price"), &state, NOON + 1),
        Decision::Reply { .. }
    ));
}

#[test]
fn own_and_non_conversational_messages_are_ignored() {
    let s = BotSettings::default();
    let mut own = text("STOP");
    own.is_from_me = true;
    let d = run(&s, &own, &ContactBotState::default(), NOON);
    assert_eq!(silent(&d), &SilentReason::OwnMessage);
    assert_eq!(d.code(), "silent.own_message");
    let mut reaction = text("STOP");
    reaction.is_notification = true;
    assert_eq!(
        silent(&run(&s, &reaction, &ContactBotState::default(), NOON)),
        &SilentReason::NotConversational
    );
}

#[test]
fn group_messages() {
    let mut group = text("price");
    group.is_group = true;
    let on = BotSettings::default();
    assert!(matches!(
        run(&on, &group, &ContactBotState::default(), NOON),
        Decision::Reply { .. }
    ));
    let mut off = BotSettings::default();
    off.actions.reply_group_msgs = false;
    let d = run(&off, &group, &ContactBotState::default(), NOON);
    assert_eq!(silent(&d), &SilentReason::GroupMessage);
    assert!(d.explain().contains("reply_group_msgs"));
    // Opt-out keywords are not taken from groups: STOP in a group is an ordinary message.
    let mut stop = text("STOP");
    stop.is_group = true;
    assert!(matches!(
        run(&on, &stop, &ContactBotState::default(), NOON),
        Decision::DefaultMessage { .. }
    ));
}

#[test]
fn opt_out_is_always_honoured_and_confirmed_once() {
    let mut s = BotSettings::default();
    s.actions.reply_msgs = false;
    s.active_days = ActiveDays::all(false);
    let mut inbound = text("Stop!");
    inbound.is_automated = true;
    inbound.is_unread_backlog = true;
    s.actions.reply_unread_msgs = false;
    let d = run(&s, &inbound, &ContactBotState::default(), NOON);
    match &d {
        Decision::OptOut {
            confirmation: Some(c),
            already_opted_out: false,
        } => {
            assert!(body(c).contains("unsubscribed"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.opt_out_change(), Some(true));
    assert_eq!(d.code(), "opt_out");
    assert!(d.explain().contains("opted out of marketing"));
    inbound.contact_opted_out = true;
    let again = run(&s, &inbound, &ContactBotState::default(), NOON);
    assert_eq!(
        again,
        Decision::OptOut {
            confirmation: None,
            already_opted_out: true
        }
    );
    assert!(again.message().is_none());
    assert!(again.explain().contains("already opted out"));
    // Other languages; no confirmation text.
    let quiet = BotSettings {
        opt_out_confirmation: String::new(),
        ..BotSettings::default()
    };
    let d = run(&quiet, &text("Arrêt"), &ContactBotState::default(), NOON);
    assert_eq!(
        d,
        Decision::OptOut {
            confirmation: None,
            already_opted_out: false
        }
    );
    assert!(d.explain().contains("no confirmation text"));
}

#[test]
fn opted_out_contacts_get_silence_until_they_opt_in() {
    let s = BotSettings::default();
    let mut inbound = text("price");
    inbound.contact_opted_out = true;
    let d = run(&s, &inbound, &ContactBotState::default(), NOON);
    assert_eq!(silent(&d), &SilentReason::OptedOut);
    inbound.text = Some("start".into());
    let d = run(&s, &inbound, &ContactBotState::default(), NOON);
    match &d {
        Decision::OptIn {
            confirmation: Some(c),
        } => assert!(body(c).contains("subscribed again")),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.opt_out_change(), Some(false));
    assert_eq!(d.code(), "opt_in");
    // START from a contact who never opted out is an ordinary message (a rule may use it).
    let start_rule =
        RuleSet::compile(vec![rule("start", "start", text_message("Welcome!"))]).expect("rule");
    let d = decide(
        &s,
        &start_rule,
        &text("START"),
        &ContactBotState::default(),
        NOON,
        &mut |_| 0,
    );
    assert!(matches!(&d, Decision::Reply { rule_id, .. } if rule_id == "start"));
    let quiet = BotSettings {
        opt_in_confirmation: String::new(),
        ..BotSettings::default()
    };
    inbound.text = Some("START".into());
    assert_eq!(
        run(&quiet, &inbound, &ContactBotState::default(), NOON),
        Decision::OptIn { confirmation: None }
    );
}

#[test]
fn bot_disabled_and_unread_backlog() {
    let mut s = BotSettings::default();
    s.actions.reply_msgs = false;
    let d = run(&s, &text("price"), &ContactBotState::default(), NOON);
    assert_eq!(silent(&d), &SilentReason::BotDisabled);
    assert!(d.explain().contains("reply_msgs"));

    let mut backlog = text("price");
    backlog.is_unread_backlog = true;
    assert!(matches!(
        run(
            &BotSettings::default(),
            &backlog,
            &ContactBotState::default(),
            NOON
        ),
        Decision::Reply { .. }
    ));
    let mut s = BotSettings::default();
    s.actions.reply_unread_msgs = false;
    let d = run(&s, &backlog, &ContactBotState::default(), NOON);
    assert_eq!(silent(&d), &SilentReason::UnreadBacklog);
    assert!(d.explain().contains("reply_unread_msgs"));
}

#[test]
fn loop_guard() {
    let s = BotSettings::default();
    let mut bot = text("price");
    bot.is_automated = true;
    let d = run(&s, &bot, &ContactBotState::default(), NOON);
    assert_eq!(
        silent(&d),
        &SilentReason::LoopGuard {
            cause: LoopCause::SenderIsAutomated
        }
    );
    assert_eq!(d.code(), "silent.loop_guard");

    // Another bot echoing our message back.
    let mut state = ContactBotState::default();
    let first = run(&s, &text("hi"), &state, NOON);
    state.apply(&first, &s, NOON);
    let echo = first.message().map(body).unwrap_or_default().to_string();
    let d = run(&s, &text(&format!("  {echo} ")), &state, NOON + MINUTE);
    assert_eq!(
        silent(&d),
        &SilentReason::LoopGuard {
            cause: LoopCause::EchoOfOurMessage
        }
    );
    // Short messages are never taken for echoes.
    state.last_bot_text = Some("price".into());
    assert!(matches!(
        run(&s, &text("price"), &state, NOON),
        Decision::Reply { .. }
    ));

    // Too many bot messages within the window.
    let mut state = ContactBotState::default();
    let mut now = NOON;
    for _ in 0..8 {
        let d = run(&s, &text("price"), &state, now);
        assert!(matches!(d, Decision::Reply { .. }));
        state.apply(&d, &s, now);
        now += 1_000;
    }
    let d = run(&s, &text("price"), &state, now);
    assert_eq!(
        silent(&d),
        &SilentReason::LoopGuard {
            cause: LoopCause::TooManyReplies {
                count: 8,
                window_secs: 60
            }
        }
    );
    assert!(d.explain().contains("8 messages in the last 60 s"));
    state.apply(&d, &s, now);
    assert_eq!(state.recent_bot_messages.len(), 8);
    assert!(matches!(
        run(&s, &text("price"), &state, NOON + MINUTE + 1),
        Decision::Reply { .. }
    ));
    let off = BotSettings {
        loop_guard: switchboard_core::automation::LoopGuard {
            max_replies: 0,
            window_secs: 60,
        },
        ..BotSettings::default()
    };
    assert!(matches!(
        run(&off, &text("price"), &state, now),
        Decision::Reply { .. }
    ));
}

#[test]
fn outside_active_hours() {
    // 09:00–17:00 in Berlin; NOON UTC is 14:00 there, 21:00 UTC is 23:00.
    let s = BotSettings {
        bot_timezone: "Europe/Berlin".into(),
        active_hours: ActiveHours {
            from: "09:00".into(),
            to: "17:00".into(),
        },
        ..BotSettings::default()
    };
    let late = NOON + 9 * 3_600_000;
    assert!(matches!(
        run(&s, &text("price"), &ContactBotState::default(), NOON),
        Decision::Reply { .. }
    ));
    let d = run(&s, &text("price"), &ContactBotState::default(), late);
    assert_eq!(
        silent(&d),
        &SilentReason::OutsideActiveHours {
            local_time: "Wed 2025-06-04 23:00 (Europe/Berlin)".into()
        }
    );
    assert!(d.explain().contains("no away message"));
    // Inactive day.
    let mut closed = s.clone();
    closed.active_days.wednesday = false;
    assert!(matches!(
        silent(&run(
            &closed,
            &text("price"),
            &ContactBotState::default(),
            NOON
        )),
        SilentReason::OutsideActiveHours { .. }
    ));

    let away = BotSettings {
        away_msg: Some("{Closed|We are closed}, [name]. [time] here.".into()),
        ..s
    };
    let mut state = ContactBotState::default();
    let d = run(&away, &text("price"), &state, late);
    match &d {
        Decision::AwayMessage {
            message,
            local_time,
        } => {
            assert_eq!(body(message), "Closed, Ada Lovelace. 23:00 here.");
            assert_eq!(local_time, "Wed 2025-06-04 23:00 (Europe/Berlin)");
        }
        other => panic!("{other:?}"),
    }
    assert!(d.explain().contains("away message was sent"));
    state.apply(&d, &away, late);
    assert_eq!(state.last_away_msg_at, Some(late));
    let d = run(&away, &text("hello?"), &state, late + MINUTE);
    assert_eq!(
        silent(&d),
        &SilentReason::Cooldown {
            message: CooldownOf::AwayMessage,
            until: late + DAY
        }
    );
    assert!(d.explain().contains("away message was already sent"));
    // The away message's cooldown does not touch the default message's.
    assert!(matches!(
        run(&away, &text("hi"), &state, NOON + DAY),
        Decision::DefaultMessage { .. }
    ));
}

#[test]
fn decisions_serialize_for_the_log() {
    let d = run(
        &BotSettings::default(),
        &text("price"),
        &ContactBotState::default(),
        NOON,
    );
    let v = serde_json::to_value(&d).expect("ser");
    assert_eq!(v["decision"], "reply");
    assert_eq!(
        v["matched_on"],
        json!({"on": "text", "kind": "contains", "pattern": "price"})
    );
    let back: Decision = serde_json::from_value(v).expect("de");
    assert_eq!(back, d);
    let s = Decision::Silent {
        reason: SilentReason::Cooldown {
            message: CooldownOf::DefaultMessage,
            until: 5,
        },
    };
    let v = serde_json::to_value(&s).expect("ser");
    assert_eq!(
        v,
        json!({"decision": "silent", "reason": {"kind": "cooldown", "message": "default_message", "until": 5}})
    );
    assert_eq!(serde_json::from_value::<Decision>(v).expect("de"), s);
    let state: ContactBotState = serde_json::from_value(json!({})).expect("empty state");
    assert_eq!(state, ContactBotState::default());
}

/// A keyword opens a button menu; tapping a button leads to the next step's reply; the menu
/// ends; the step also expires.
#[test]
fn two_step_menu_end_to_end() {
    let settings = BotSettings::default();
    let mut menu = rule(
        "menu",
        "menu",
        json!({"type": "interactive", "interactive": {
            "type": "button",
            "body": {"text": "{Hi|Hello} [first_name], what do you need?"},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": "menu_sales", "title": "Sales"}},
                {"type": "reply", "reply": {"id": "menu_support", "title": "Support"}}
            ]}
        }}),
    );
    menu.next_step = Some("main".into());
    let mut sales = rule(
        "sales",
        "menu_sales",
        json!({"type": "interactive", "interactive": {
            "type": "list", "body": {"text": "Which product?"},
            "action": {"button": "Products", "sections": [{"title": "All", "rows": [
                {"id": "prod_a", "title": "Product A"}, {"id": "prod_b", "title": "Product B"}]}]}
        }}),
    );
    sales.only_in_step = Some("main".into());
    sales.next_step = Some("sales".into());
    sales.add_tags = vec!["sales-lead".into()];
    let mut support = rule(
        "support",
        "menu_support",
        text_message("Support is on its way."),
    );
    support.only_in_step = Some("main".into());
    let mut product_a = rule(
        "product-a",
        "prod_a",
        text_message("Product A costs 10 USD, [name]."),
    );
    product_a.only_in_step = Some("sales".into());
    let rules = RuleSet::compile(vec![menu, sales, support, product_a]).expect("menu rules");
    assert!(rules.dead_end_steps().is_empty());

    let mut state = ContactBotState::default();
    let mut now = NOON;
    let mut pick = seeded_picker(42);
    let mut step = |inbound: InboundFacts, state: &mut ContactBotState, now: i64| {
        let d = decide(&settings, &rules, &inbound, state, now, &mut pick);
        state.apply(&d, &settings, now);
        d
    };

    // 1. A tap on a menu button before the menu was shown answers nothing special.
    let early = InboundFacts {
        reply_id: Some("menu_sales".into()),
        ..text("Sales")
    };
    assert_eq!(step(early, &mut state, now).code(), "default_message");

    // 2. The keyword opens the menu.
    now += DAY;
    let d = step(text("Menu"), &mut state, now);
    let Decision::Reply {
        rule_id,
        message,
        next_step,
        ..
    } = &d
    else {
        panic!("{d:?}")
    };
    assert_eq!(rule_id, "menu");
    assert_eq!(next_step.as_deref(), Some("main"));
    let greeting = message["interactive"]["body"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        ["Hi Ada, what do you need?", "Hello Ada, what do you need?"].contains(&greeting),
        "{greeting}"
    );
    assert_eq!(
        message["interactive"]["action"]["buttons"][0]["reply"]["id"],
        "menu_sales"
    );
    assert_eq!(state.step.as_deref(), Some("main"));
    assert_eq!(d.explain(), "Rule `menu` matched the text (exact `menu`), so its reply was sent; the contact moves to step `main`.");

    // 3. The customer taps "Sales": matched by the button id, in step `main`.
    now += MINUTE;
    let tap = InboundFacts {
        reply_id: Some("menu_sales".into()),
        ..text("Sales")
    };
    let d = step(tap, &mut state, now);
    let Decision::Reply {
        rule_id,
        matched_on,
        add_tags,
        in_step,
        message,
        ..
    } = &d
    else {
        panic!("{d:?}")
    };
    assert_eq!(rule_id, "sales");
    assert_eq!(
        matched_on,
        &MatchedOn::ReplyId {
            id: "menu_sales".into()
        }
    );
    assert_eq!(in_step.as_deref(), Some("main"));
    assert_eq!(add_tags, &["sales-lead"]);
    assert_eq!(message["interactive"]["type"], "list");
    assert_eq!(state.step.as_deref(), Some("sales"));
    assert!(d
        .explain()
        .contains("button/list reply id `menu_sales` in step `main`"));

    // 4. A list row tap in step `sales`; the menu ends.
    now += MINUTE;
    let row = InboundFacts {
        reply_id: Some("prod_a".into()),
        ..text("Product A")
    };
    let d = step(row, &mut state, now);
    assert_eq!(
        d.message().map(body),
        Some("Product A costs 10 USD, Ada Lovelace.")
    );
    assert!(d.explain().ends_with("the menu ends."));
    assert_eq!(state.step, None);

    // 5. The old button no longer leads anywhere once the menu has ended: the default
    //    message answers (its cooldown from step 1 has passed), then is held back.
    now += MINUTE;
    let stale = InboundFacts {
        reply_id: Some("menu_sales".into()),
        ..text("Sales")
    };
    assert_eq!(
        step(stale.clone(), &mut state, now).code(),
        "default_message"
    );
    assert_eq!(
        step(stale, &mut state, now + MINUTE).code(),
        "silent.cooldown"
    );

    // 6. A step expires after step_timeout_secs (one day): just before, the button works;
    //    at the timeout, it no longer does and the step is forgotten.
    now += DAY;
    assert_eq!(step(text("menu"), &mut state, now).code(), "reply");
    let tap = InboundFacts {
        reply_id: Some("menu_support".into()),
        ..text("Support")
    };
    let d = decide(&settings, &rules, &tap, &state, now + DAY - 1, &mut |_| 0);
    assert!(matches!(&d, Decision::Reply { rule_id, .. } if rule_id == "support"));
    assert_eq!(step(tap, &mut state, now + DAY).code(), "default_message");
    assert_eq!(state.step, None, "expired step forgotten");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn facts() -> impl Strategy<Value = InboundFacts> {
        (
            proptest::option::of(prop_oneof![
                Just("STOP".to_string()),
                Just("start".to_string()),
                Just("price".to_string()),
                any::<String>(),
            ]),
            proptest::option::of("[a-z_{}|\\[\\]]{0,12}"),
            any::<[bool; 6]>(),
            proptest::option::of(any::<String>()),
            any::<String>(),
        )
            .prop_map(|(text, reply_id, f, contact_name, phone)| InboundFacts {
                text,
                reply_id,
                is_group: f[0],
                is_from_me: f[1],
                is_automated: f[2],
                is_notification: f[3],
                is_unread_backlog: f[4],
                contact_opted_out: f[5],
                contact_name,
                phone,
            })
    }

    fn state() -> impl Strategy<Value = ContactBotState> {
        (
            proptest::option::of(any::<i64>()),
            proptest::option::of(any::<i64>()),
            proptest::option::of("[a-z]{1,5}"),
            proptest::option::of(any::<i64>()),
            proptest::collection::vec(any::<i64>(), 0..12),
            proptest::option::of(any::<String>()),
        )
            .prop_map(|(d, a, step, entered, recent, last)| ContactBotState {
                last_default_msg_at: d,
                last_away_msg_at: a,
                step,
                step_entered_at: entered,
                recent_bot_messages: recent,
                last_bot_text: last,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        #[test]
        fn decide_never_panics_and_always_explains(
            inbound in facts(),
            mut st in state(),
            now in any::<i64>(),
            seed in any::<u64>(),
            flags in any::<[bool; 4]>(),
            tz in prop_oneof![Just("UTC"), Just("America/New_York"), Just("+05:45"), Just("bogus")],
            cooldown in prop_oneof![Just(0u64), Just(86_400u64), Just(u64::MAX)],
        ) {
            let mut s = BotSettings {
                bot_timezone: tz.into(),
                away_msg: flags[0].then(|| "{Away|Closed} [name]".to_string()),
                default_msg_cooldown_secs: cooldown,
                away_msg_cooldown_secs: cooldown,
                step_timeout_secs: cooldown,
                ..BotSettings::default()
            };
            s.actions.reply_group_msgs = flags[1];
            s.actions.reply_msgs = flags[2];
            s.actions.reply_unread_msgs = flags[3];
            let rs = rules();
            let d = decide(&s, &rs, &inbound, &st, now, &mut seeded_picker(seed));
            prop_assert!(!d.explain().is_empty());
            prop_assert!(!d.code().is_empty());
            if inbound.is_from_me {
                prop_assert_eq!(d.code(), "silent.own_message");
            }
            if let Some(m) = d.message() {
                prop_assert!(m.get("to").is_none());
            }
            st.apply(&d, &s, now);
            prop_assert!(st.recent_bot_messages.len() <= s.loop_guard.max_replies as usize + 1);
        }
    }
}
