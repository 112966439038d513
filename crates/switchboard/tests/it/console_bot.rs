//! The console's Bot page over real HTTP on SQLite and PostgreSQL: settings saved through the
//! same merge and validation as the API (bad input explained), rules created, edited, moved
//! and deleted, the dead-end warning, "try a message" naming the rule that fires while
//! sending and writing nothing, the worker's decisions in the log, hostile data escaped, CSRF,
//! read-only keys, other accounts' channels and the CSP header.

use serde_json::{json, Value};

use crate::common::*;
use crate::console::{location, signed_in};

const HOSTILE: &str = "<script>alert(1)</script>";
const ESCAPED: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

fn page_path(channel: &str) -> String {
    format!("/console/channels/{channel}/bot")
}

async fn api(server: &TestServer, ctx: &Ctx, tail: &str) -> Value {
    server
        .get(&format!("/v1/channels/{}/bot{tail}", ctx.channel), &ctx.key)
        .await
        .status(200)
}

async fn rules(server: &TestServer, ctx: &Ctx) -> Vec<Value> {
    data(&api(server, ctx, "/rules").await)
}

/// The settings form as the page fills it in, with `changes` on top.
fn settings_form<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", csrf),
        ("enabled", "on"),
        ("bot_name", "Switchboard bot"),
        ("bot_timezone", "UTC"),
        ("bot_lang", "en"),
        ("name_fallback", "there"),
        ("default_msg", "Sorry, I did not get that."),
        ("away_msg", ""),
        ("reply_msgs", "on"),
        ("send_default_msg", "on"),
        ("reply_group_msgs", "on"),
        ("reply_unread_msgs", "on"),
        ("monday", "on"),
        ("tuesday", "on"),
        ("wednesday", "on"),
        ("thursday", "on"),
        ("friday", "on"),
        ("saturday", "on"),
        ("sunday", "on"),
        ("hours_from", "always"),
        ("hours_to", "always"),
        ("default_cooldown", "0"),
        ("away_cooldown", "0"),
        ("step_timeout", "86400"),
        ("loop_max", "8"),
        ("loop_window", "60"),
        ("opt_out_keywords", "STOP, UNSUBSCRIBE"),
        ("opt_in_keywords", "START"),
        ("opt_out_confirmation", "Bye."),
        ("opt_in_confirmation", "Welcome back."),
    ];
    for (k, v) in changes {
        fields.retain(|(name, _)| name != k);
        if !v.is_empty() || *k == "away_msg" {
            fields.push((k, v));
        }
    }
    fields
}

fn rule_form<'a>(csrf: &'a str, pattern: &'a str, reply: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("match_kind", "exact"),
        ("pattern", pattern),
        ("reply_text", reply),
        ("reply_json", ""),
        ("case_insensitive", "on"),
        ("accent_insensitive", "on"),
        ("enabled", "on"),
        ("add_tags", ""),
        ("next_step", ""),
        ("only_in_step", ""),
    ]
}

async fn settings_are_saved_and_bad_input_explained(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let path = page_path(&ctx.channel);

    let menu = browser.get("/console/bot").await;
    assert_eq!(menu.code, 303);
    assert_eq!(location(&menu), path);
    let first = browser.get(&path).await;
    assert_eq!(first.code, 200, "{}", first.text);
    assert!(first.text.contains("The bot is off"));
    assert!(first.text.contains("No rule yet"));
    assert!(first.text.contains("No decision in the last seven days."));
    let csp = first.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!first.text.contains("style="));
    let csrf = browser.csrf(&path).await;

    // Saved: the API reads what the form set (Saturday and Sunday off, an away message).
    let form = settings_form(
        &csrf,
        &[
            ("bot_name", HOSTILE),
            ("bot_timezone", "Europe/Berlin"),
            ("saturday", ""),
            ("sunday", ""),
            ("hours_from", "09:00"),
            ("hours_to", "17:00"),
            ("away_msg", "We are closed."),
            ("default_cooldown", "3600"),
        ],
    );
    let saved = browser.post(&path, &form).await;
    assert_eq!(saved.code, 303, "{}", saved.text);
    assert_eq!(location(&saved), format!("{path}?done=settings"));
    let s = api(server, &ctx, "").await;
    assert_eq!(s["enabled"], true);
    assert_eq!(s["bot_name"], HOSTILE);
    assert_eq!(s["bot_timezone"], "Europe/Berlin");
    assert_eq!(s["active_days"]["saturday"], false);
    assert_eq!(s["active_days"]["monday"], true);
    assert_eq!(s["active_hours"]["from"], "09:00");
    assert_eq!(s["away_msg"], "We are closed.");
    assert_eq!(s["default_msg_cooldown_secs"], 3600);
    assert_eq!(s["opt_out_keywords"], json!(["STOP", "UNSUBSCRIBE"]));
    let page = browser.get(&location(&saved)).await;
    assert!(page.text.contains("Settings saved."));
    assert!(page.text.contains(ESCAPED));
    assert!(!page.text.contains(HOSTILE));
    assert!(!page.text.contains("The bot is off"));

    // Refused with the field to fix, the form kept, nothing saved.
    let bad_zone = settings_form(&csrf, &[("bot_timezone", "Mars/Olympus")]);
    let refused = browser.post(&path, &bad_zone).await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    let error = refused.text.split("id=\"settings-error\">").nth(1).unwrap();
    assert!(error.starts_with("bot_timezone"), "{error}");
    assert!(refused.text.contains("value=\"Mars/Olympus\""));
    let bad_number = settings_form(&csrf, &[("loop_max", "many")]);
    let refused = browser.post(&path, &bad_number).await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    assert!(refused.text.contains("loop_guard.max_replies: give"));
    let bad_hours = settings_form(&csrf, &[("hours_from", "25:99")]);
    assert_eq!(browser.post(&path, &bad_hours).await.code, 400);
    assert_eq!(api(server, &ctx, "").await["bot_timezone"], "Europe/Berlin");
}

async fn rules_are_created_edited_moved_and_deleted(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let path = page_path(&ctx.channel);
    let csrf = browser.csrf(&path).await;
    let rules_path = format!("{path}/rules");

    for (pattern, reply) in [("hours", "9 to 5"), ("price", HOSTILE), ("menu", "1 or 2")] {
        let added = browser
            .post(&rules_path, &rule_form(&csrf, pattern, reply))
            .await;
        assert_eq!(added.code, 303, "{}", added.text);
    }
    let listed = rules(server, &ctx).await;
    let patterns: Vec<&str> = listed
        .iter()
        .map(|r| r["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(patterns, ["hours", "price", "menu"]);
    let ids: Vec<String> = listed.iter().map(|r| string(&r["id"])).collect();
    let page = browser.get(&path).await;
    assert_eq!(page.text.matches("data-rule=\"rule_").count(), 3);
    assert!(page.text.contains(ESCAPED));
    assert!(!page.text.contains(HOSTILE));

    // A bad regex: 400 naming the pattern, the form kept.
    let mut bad = rule_form(&csrf, "(unclosed", "x");
    bad.retain(|(k, _)| *k != "match_kind");
    bad.push(("match_kind", "regex"));
    let refused = browser.post(&rules_path, &bad).await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    let error = refused.text.split("id=\"rule-error\">").nth(1).unwrap();
    assert!(error.starts_with("pattern"), "{error}");
    assert!(refused.text.contains("value=\"(unclosed\""));
    let bad_json = browser
        .post(
            &rules_path,
            &[
                ("csrf", csrf.as_str()),
                ("match_kind", "exact"),
                ("pattern", "x"),
                ("reply_json", "{nope"),
            ],
        )
        .await;
    assert_eq!(bad_json.code, 400);
    assert!(bad_json.text.contains("reply_json: not JSON"));
    assert_eq!(rules(server, &ctx).await.len(), 3, "nothing added");

    // Edit: the first rule matches "opening hours" now and leads to a step no rule answers in.
    let mut edit = rule_form(&csrf, "opening hours", "9 to 5, Monday to Friday");
    edit.retain(|(k, _)| *k != "next_step");
    edit.push(("next_step", "opening"));
    let edited = browser
        .post(&format!("{rules_path}/{}", ids[0]), &edit)
        .await;
    assert_eq!(edited.code, 303, "{}", edited.text);
    let first = &rules(server, &ctx).await[0];
    assert_eq!(first["pattern"], "opening hours");
    assert_eq!(first["reply"]["text"]["body"], "9 to 5, Monday to Friday");
    assert_eq!(first["next_step"], "opening");
    let page = browser.get(&path).await;
    assert!(
        page.text.contains("leads to step `opening`"),
        "the dead-end warning: {}",
        page.text
    );

    // Move the last one up, then the first one down.
    let up = browser
        .post(
            &format!("{rules_path}/{}/move", ids[2]),
            &[("csrf", csrf.as_str()), ("direction", "up")],
        )
        .await;
    assert_eq!(up.code, 303, "{}", up.text);
    let order = |list: Vec<Value>| list.iter().map(|r| string(&r["id"])).collect::<Vec<_>>();
    assert_eq!(
        order(rules(server, &ctx).await),
        [ids[0].clone(), ids[2].clone(), ids[1].clone()]
    );
    let down = browser
        .post(
            &format!("{rules_path}/{}/move", ids[0]),
            &[("csrf", csrf.as_str()), ("direction", "down")],
        )
        .await;
    assert_eq!(down.code, 303);
    assert_eq!(
        order(rules(server, &ctx).await),
        [ids[2].clone(), ids[0].clone(), ids[1].clone()]
    );
    let sideways = browser
        .post(
            &format!("{rules_path}/{}/move", ids[0]),
            &[("csrf", csrf.as_str()), ("direction", "left")],
        )
        .await;
    assert_eq!(sideways.code, 400);

    // Delete.
    let deleted = browser
        .post(
            &format!("{rules_path}/{}/delete", ids[1]),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(deleted.code, 303);
    assert_eq!(
        order(rules(server, &ctx).await),
        [ids[2].clone(), ids[0].clone()]
    );
    let again = browser
        .post(
            &format!("{rules_path}/{}/delete", ids[1]),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(again.code, 404);
}

/// What a trial could have written or sent: the channel's messages, the bot's decisions, the
/// account's events and the emulator's requests.
async fn footprint(server: &TestServer, ctx: &Ctx) -> (Value, Value, usize, usize) {
    let messages = server
        .get(
            &format!("/v1/channels/{}/messages?limit=500", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    let decisions = api(server, ctx, "/decisions?limit=500").await;
    let events = server
        .get("/v1/events?limit=500", &ctx.key)
        .await
        .status(200);
    (
        messages["data"].clone(),
        decisions["data"].clone(),
        data(&events).len(),
        emulator_requests(server).await.len(),
    )
}

async fn trying_a_message_names_the_rule_and_changes_nothing(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    // The new channel's background template sync is done before anything is counted.
    let templates = format!("/v1/channels/{}/templates?name=hello_world", ctx.channel);
    eventually(30, "the new channel's background sync", || async {
        let listed = server.get(&templates, &ctx.key).await.status(200);
        (!data(&listed).is_empty()).then_some(())
    })
    .await;
    let browser = signed_in(server, &ctx.key).await;
    let path = page_path(&ctx.channel);
    let csrf = browser.csrf(&path).await;
    let rules_path = format!("{path}/rules");
    browser
        .post(&rules_path, &rule_form(&csrf, "hours", "We open at 9"))
        .await;
    browser
        .post(&rules_path, &rule_form(&csrf, "hi", "Hello [name]!"))
        .await;
    let hi_rule = string(&rules(server, &ctx).await[1]["id"]);
    let try_path = format!("{path}/try");

    // The bot is off: the trial still says what it would do, and that it is off.
    let before = footprint(server, &ctx).await;
    let tried = browser
        .post(
            &try_path,
            &[("csrf", csrf.as_str()), ("text", " HI "), ("number", "")],
        )
        .await;
    assert_eq!(tried.code, 200, "{}", tried.text);
    let trial = tried.text.split("id=\"trial\"").nth(1).unwrap();
    assert!(trial.contains("data-code=\"reply\""), "{trial}");
    assert!(
        trial.contains(&format!("Rule 2 fires (is exactly “hi”): {hi_rule}")),
        "{trial}"
    );
    assert!(trial.contains("Hello there!"), "{trial}");
    assert!(trial.contains("The bot is off"));
    assert!(
        tried.text.contains("value=\" HI \""),
        "the typed text is kept"
    );

    // Turned on: a customer with a number; no rule matches: the default message.
    let on = settings_form(&csrf, &[]);
    assert_eq!(browser.post(&path, &on).await.code, 303);
    let before_on = footprint(server, &ctx).await;
    let tried = browser
        .post(
            &try_path,
            &[
                ("csrf", csrf.as_str()),
                ("text", "something else"),
                ("number", "+1 555 123 0101"),
            ],
        )
        .await;
    assert_eq!(tried.code, 200, "{}", tried.text);
    let trial = tried.text.split("id=\"trial\"").nth(1).unwrap();
    assert!(trial.contains("data-code=\"default_message\""), "{trial}");
    assert!(trial.contains("Sorry, I did not get that."));
    assert!(!trial.contains("The bot is off"));
    // An opt-out keyword: said, not done.
    let tried = browser
        .post(
            &try_path,
            &[
                ("csrf", csrf.as_str()),
                ("text", "stop"),
                ("number", "15551230101"),
            ],
        )
        .await;
    assert!(
        tried.text.contains("data-code=\"opt_out\""),
        "{}",
        tried.text
    );
    // Hostile text and a bad number.
    let tried = browser
        .post(&try_path, &[("csrf", csrf.as_str()), ("text", HOSTILE)])
        .await;
    assert_eq!(tried.code, 200);
    assert!(!tried.text.contains(HOSTILE));
    let refused = browser
        .post(
            &try_path,
            &[("csrf", csrf.as_str()), ("text", "hi"), ("number", "abc")],
        )
        .await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    assert!(refused.text.contains("number: give the customer"));
    let refused = browser
        .post(&try_path, &[("csrf", csrf.as_str()), ("text", "  ")])
        .await;
    assert_eq!(refused.code, 400);

    // Nothing was sent or written by any trial: the settings save wrote only its own change.
    let after = footprint(server, &ctx).await;
    assert_eq!(after, before_on, "a trial wrote or sent something");
    assert_eq!(after.0, before.0, "no message");
    assert_eq!(after.1, before.1, "no decision");
    assert_eq!(after.3, before.3, "no upstream request");
    let contact = server
        .get(
            &format!("/v1/channels/{}/bot/contacts/15551230101", ctx.channel),
            &ctx.key,
        )
        .await;
    assert_eq!(contact.code, 404, "no contact state: {}", contact.text);

    // The worker, deciding for real with the same function, answers with the same rule; its
    // decision shows in the log.
    say(server, &ctx, "15551230102", "hi").await;
    let decision = eventually(30, "the worker's decision", || async {
        data(&api(server, &ctx, "/decisions").await)
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(decision["rule_id"], hi_rule.as_str());
    assert_eq!(decision["reply"]["text"]["body"], "Hello Ana!");
    let page = browser.get(&path).await;
    let log = page.text.split("id=\"decisions\"").nth(1).unwrap();
    assert!(
        log.contains("15551230102") && log.contains("Hello Ana!"),
        "{log}"
    );
}

async fn csrf_keys_and_other_accounts(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let path = page_path(&ctx.channel);
    let csrf = browser.csrf(&path).await;

    // Without the token: 403 and nothing saved.
    let mut form = settings_form(&csrf, &[]);
    form.retain(|(k, _)| *k != "csrf");
    assert_eq!(browser.post(&path, &form).await.code, 403);
    let mut rule = rule_form(&csrf, "hi", "x");
    rule.retain(|(k, _)| *k != "csrf");
    assert_eq!(
        browser.post(&format!("{path}/rules"), &rule).await.code,
        403
    );
    assert_eq!(
        browser
            .post(&format!("{path}/try"), &[("text", "hi")])
            .await
            .code,
        403
    );
    assert_eq!(api(server, &ctx, "").await["enabled"], false);
    assert!(rules(server, &ctx).await.is_empty());

    // Another account's channel and rule: 404.
    let other = setup_sandbox(server).await;
    let theirs = server
        .post_json(
            &format!("/v1/channels/{}/bot/rules", other.channel),
            &other.key,
            &json!({"pattern": "x", "reply": {"type": "text", "text": {"body": "y"}}}),
        )
        .await
        .status(201);
    let their_path = page_path(&other.channel);
    assert_eq!(browser.get(&their_path).await.code, 404);
    let with_token = settings_form(&csrf, &[]);
    assert_eq!(browser.post(&their_path, &with_token).await.code, 404);
    assert_eq!(
        browser
            .post(
                &format!("{their_path}/try"),
                &[("csrf", csrf.as_str()), ("text", "x")]
            )
            .await
            .code,
        404
    );
    let their_rule = string(&theirs["id"]);
    for tail in ["", "/delete", "/move"] {
        let reply = browser
            .post(
                &format!("{path}/rules/{their_rule}{tail}"),
                &[
                    ("csrf", csrf.as_str()),
                    ("pattern", "x"),
                    ("reply_text", "y"),
                    ("match_kind", "exact"),
                    ("direction", "up"),
                ],
            )
            .await;
        assert_eq!(reply.code, 404, "{tail}: {}", reply.text);
    }
    assert_eq!(api(server, &other, "").await["enabled"], false);

    // A key limited to another channel of the account: this channel is not found, and the
    // menu entry goes to its own channel.
    let second = create_sandbox_channel(server, &ctx.key, "second").await;
    let (_, scoped) = create_key(
        server,
        &ctx.key,
        json!({"name": "scoped", "permission": "manage", "channel_id": second}),
    )
    .await;
    let limited = signed_in(server, &scoped).await;
    assert_eq!(limited.get(&path).await.code, 404);
    let menu = limited.get("/console/bot").await;
    assert_eq!(location(&menu), page_path(&second));
    assert_eq!(limited.get(&page_path(&second)).await.code, 200);

    // A read key sees the page without the forms, may try, and may not save.
    let (_, read) = create_key(
        server,
        &ctx.key,
        json!({"name": "reader", "permission": "read"}),
    )
    .await;
    let reader = signed_in(server, &read).await;
    let seen = reader.get(&path).await;
    assert_eq!(seen.code, 200, "{}", seen.text);
    assert!(!seen.text.contains("id=\"save-settings\""));
    assert!(!seen.text.contains("id=\"new-rule\""));
    let read_csrf = reader.csrf(&path).await;
    assert_eq!(
        reader
            .post(&path, &settings_form(&read_csrf, &[]))
            .await
            .code,
        403
    );
    assert_eq!(
        reader
            .post(
                &format!("{path}/try"),
                &[("csrf", read_csrf.as_str()), ("text", "hi")]
            )
            .await
            .code,
        200
    );
}

on_both_backends!(
    settings => super::settings_are_saved_and_bad_input_explained,
    rules => super::rules_are_created_edited_moved_and_deleted,
    try_a_message => super::trying_a_message_names_the_rule_and_changes_nothing,
    csrf_keys_and_other_accounts => super::csrf_keys_and_other_accounts,
);
