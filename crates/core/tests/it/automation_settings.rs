//! Bot settings: the WhatsApp Web bot platform's defaults and shapes, and every validation error.

use serde_json::json;
use switchboard_core::automation::settings::{
    DEFAULT_MESSAGE, DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS,
};
use switchboard_core::automation::{ActiveHours, BotSettings, FieldErrors};

fn errors(s: &BotSettings) -> FieldErrors {
    s.validate().expect_err("settings should be refused")
}

#[track_caller]
fn refused(s: &BotSettings, field: &str, says: &str) {
    crate::field_errors::assert_refused(&errors(s), field, says);
}

fn with(f: impl FnOnce(&mut BotSettings)) -> BotSettings {
    let mut s = BotSettings::default();
    f(&mut s);
    s
}

#[test]
fn defaults_are_seed_001s_create_response() {
    let s = BotSettings::default();
    assert_eq!(s.validate(), Ok(()));
    let v = serde_json::to_value(&s).expect("serializes");
    assert_eq!(v["bot_timezone"], "UTC");
    assert_eq!(v["bot_lang"], "en");
    assert_eq!(v["default_msg"], DEFAULT_MESSAGE);
    assert_eq!(
        v["actions"],
        json!({"send_default_msg": true, "reply_group_msgs": true, "reply_unread_msgs": true,
               "reply_msgs": true, "multi_device": false, "send_webhook": false})
    );
    assert_eq!(
        v["active_days"],
        json!({"monday": true, "tuesday": true, "wednesday": true, "thursday": true,
               "friday": true, "saturday": true, "sunday": true})
    );
    assert_eq!(v["active_hours"], json!({"from": "always", "to": "always"}));
    assert_eq!(v["away_msg"], serde_json::Value::Null);
    assert_eq!(v["default_msg_cooldown_secs"], 86_400);
    assert!(s.is_opt_out("STOP") && s.is_opt_in("START"));
    assert!(DEFAULT_OPT_OUT_KEYWORDS.len() >= 10 && DEFAULT_OPT_IN_KEYWORDS.len() >= 3);
}

#[test]
fn seed_settings_objects_deserialize() {
    // The seed's create response, with fields that are not bot settings (ignored).
    let created: BotSettings = serde_json::from_value(json!({
        "bot_name": "WhatsappClient (bot_number)",
        "status": "CONNECTED",
        "bot_timezone": "Africa/Harare",
        "bot_lang": "en",
        "default_msg": "{Hi|Hello} [name] your message has no keyword here.",
        "actions": {"send_default_msg": true, "reply_group_msgs": true, "reply_unread_msgs": true,
                    "reply_msgs": true, "multi_device": false, "send_webhook": false},
        "active_days": {"monday": true, "tuesday": true, "wednesday": true, "thursday": true,
                        "friday": true, "saturday": true, "sunday": true},
        "active_hours": {"from": "always", "to": "always"},
        "access_token": "0184-28a5-439a-a1cd-fc6f"
    }))
    .expect("seed create response");
    assert_eq!(created.validate(), Ok(()));
    assert_eq!(
        created,
        BotSettings {
            bot_name: "WhatsappClient (bot_number)".into(),
            bot_timezone: "Africa/Harare".into(),
            ..BotSettings::default()
        }
    );
    // updateGeneral's "+1" and updateActiveHours' "00:00"–"5:00".
    let partial: BotSettings = serde_json::from_value(json!({
        "bot_name": "Bot Name", "bot_timezone": "+1",
        "actions": {"multi_device": true},
        "active_hours": {"from": "00:00", "to": "5:00"}
    }))
    .expect("partial settings");
    assert_eq!(partial.validate(), Ok(()));
    assert!(partial.actions.multi_device && partial.actions.send_default_msg);
    assert_eq!(
        partial.active_hours,
        ActiveHours {
            from: "00:00".into(),
            to: "5:00".into()
        }
    );
    let round: BotSettings =
        serde_json::from_value(serde_json::to_value(&partial).expect("ser")).expect("de");
    assert_eq!(round, partial);
}

#[test]
fn accepted_variants() {
    for tz in [
        "UTC",
        "+1",
        "-03:30",
        "+05:45",
        "UTC+2",
        "America/New_York",
        "Asia/Kathmandu",
    ] {
        assert_eq!(
            with(|s| s.bot_timezone = tz.into()).validate(),
            Ok(()),
            "{tz}"
        );
    }
    for lang in ["en", "pt-BR", "pt_BR", "zh-Hant-TW", "yue"] {
        assert_eq!(
            with(|s| s.bot_lang = lang.into()).validate(),
            Ok(()),
            "{lang}"
        );
    }
    for (from, to) in [
        ("00:00", "5:00"),
        ("22:00", "06:00"),
        ("9:30", "24:00"),
        ("ALWAYS", " always "),
    ] {
        let s = with(|s| {
            s.active_hours = ActiveHours {
                from: from.into(),
                to: to.into(),
            }
        });
        assert_eq!(s.validate(), Ok(()), "{from}-{to}");
    }
    let s = with(|s| {
        s.default_msg.clear();
        s.opt_out_keywords.clear();
        s.opt_in_keywords.clear();
        s.opt_out_confirmation.clear();
        s.name_fallback.clear();
        s.away_msg = Some("Closed, back at 9".into());
        s.default_msg_cooldown_secs = 0;
        s.loop_guard.max_replies = 0;
    });
    assert_eq!(s.validate(), Ok(()));
}

#[test]
fn every_validation_error_names_its_field() {
    refused(
        &with(|s| s.bot_name = "  ".into()),
        "bot_name",
        "give the bot a name",
    );
    refused(
        &with(|s| s.bot_name = "x".repeat(101)),
        "bot_name",
        "at most 100",
    );
    refused(
        &with(|s| s.bot_timezone = "Mars/Olympus".into()),
        "bot_timezone",
        "not a known IANA",
    );
    refused(
        &with(|s| s.bot_timezone = "+15".into()),
        "bot_timezone",
        "outside",
    );
    refused(
        &with(|s| s.bot_timezone = "+1:99".into()),
        "bot_timezone",
        "minutes",
    );
    refused(
        &with(|s| s.bot_timezone = String::new()),
        "bot_timezone",
        "IANA",
    );
    refused(
        &with(|s| s.bot_lang = "english!".into()),
        "bot_lang",
        "language tag",
    );
    refused(
        &with(|s| s.bot_lang = "e".into()),
        "bot_lang",
        "language tag",
    );
    refused(
        &with(|s| s.default_msg = "x".repeat(4097)),
        "default_msg",
        "at most 4096",
    );
    refused(
        &with(|s| s.away_msg = Some(" ".into())),
        "away_msg",
        "set it to null",
    );
    refused(
        &with(|s| s.away_msg = Some("x".repeat(4097))),
        "away_msg",
        "at most 4096",
    );
    let hours = |from: &str, to: &str| {
        with(|s| {
            s.active_hours = ActiveHours {
                from: from.into(),
                to: to.into(),
            }
        })
    };
    refused(
        &hours("always", "17:00"),
        "active_hours.to",
        "\"always\" too",
    );
    refused(
        &hours("09:00", "always"),
        "active_hours.from",
        "\"always\" too",
    );
    refused(&hours("9", "17:00"), "active_hours.from", "HH:MM");
    refused(
        &hours("09:00", "25:00"),
        "active_hours.to",
        "hours go from 0 to 23",
    );
    refused(
        &hours("24:00", "05:00"),
        "active_hours.from",
        "hours go from 0 to 23",
    );
    refused(&hours("09:60", "17:00"), "active_hours.from", "minutes");
    refused(&hours("09:0", "17:00"), "active_hours.from", "HH:MM");
    refused(&hours("-1:00", "17:00"), "active_hours.from", "HH:MM");
    refused(&hours("noon", "17:00"), "active_hours.from", "HH:MM");
    refused(
        &with(|s| s.default_msg_cooldown_secs = u64::MAX),
        "default_msg_cooldown_secs",
        "366 days",
    );
    refused(
        &with(|s| s.away_msg_cooldown_secs = 400 * 86_400),
        "away_msg_cooldown_secs",
        "366 days",
    );
    refused(
        &with(|s| s.step_timeout_secs = 400 * 86_400),
        "step_timeout_secs",
        "366 days",
    );
    refused(
        &with(|s| s.name_fallback = "x".repeat(101)),
        "name_fallback",
        "at most 100",
    );
    refused(
        &with(|s| s.opt_out_keywords = vec!["x".into(); 51]),
        "opt_out_keywords",
        "at most 50",
    );
    refused(
        &with(|s| s.opt_out_keywords = vec!["!!".into()]),
        "opt_out_keywords[0]",
        "letter or digit",
    );
    refused(
        &with(|s| s.opt_out_keywords = vec!["STOP".into(), "stop!".into()]),
        "opt_out_keywords[1]",
        "listed twice",
    );
    refused(
        &with(|s| s.opt_in_keywords = vec!["y".repeat(65)]),
        "opt_in_keywords[0]",
        "at most 64",
    );
    refused(
        &with(|s| s.opt_in_keywords.push("Stop".into())),
        &format!("opt_in_keywords[{}]", DEFAULT_OPT_IN_KEYWORDS.len()),
        "also an opt-out keyword",
    );
    refused(
        &with(|s| s.opt_out_confirmation = "x".repeat(5000)),
        "opt_out_confirmation",
        "at most 4096",
    );
    refused(
        &with(|s| s.opt_in_confirmation = "x".repeat(5000)),
        "opt_in_confirmation",
        "at most 4096",
    );
    refused(
        &with(|s| s.loop_guard.max_replies = 1001),
        "loop_guard.max_replies",
        "at most 1000",
    );
    refused(
        &with(|s| s.loop_guard.window_secs = 0),
        "loop_guard.window_secs",
        "between 1 and 86400",
    );
}

#[test]
fn all_errors_are_reported_together() {
    let s = with(|s| {
        s.bot_name.clear();
        s.bot_timezone = "nowhere".into();
        s.active_hours.from = "25:00".into();
        s.active_hours.to = "26:00".into();
    });
    let errs = errors(&s);
    assert!(errs.has("bot_name") && errs.has("bot_timezone") && errs.has("active_hours.from"));
    assert_eq!(errs.first().map(|e| e.field.as_str()), Some("bot_name"));
    assert!(errs.to_string().contains("bot_timezone: "));
}

#[test]
fn keywords_ignore_case_accents_and_punctuation() {
    let s = BotSettings::default();
    for yes in [
        "stop", " STOP ", "Stop!", "arrêt", "Opt-out", "opt out", "STOPP.", "Baja",
    ] {
        assert!(s.is_opt_out(yes), "{yes}");
    }
    for no in ["please stop", "stopping", "", "!!!", "don't stop"] {
        assert!(!s.is_opt_out(no), "{no}");
    }
    assert!(s.is_opt_in("Start") && s.is_opt_in("unstop") && !s.is_opt_in("start now"));
}
