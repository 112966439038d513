//! The console's Webhooks and API keys pages over real HTTP, and what they added to the
//! native API: a test event for one subscription and a key's last-used time. Rendering with
//! none, many and hostile subscriptions and answers; a failed delivery in the log, its
//! detail, retry and replay; the log's poll; CSRF, other accounts' ids, the CSP header;
//! keys created (the secret shown once), used (last used) and revoked (sessions end).

use serde_json::{json, Value};
use switchboard::config::Config;

use crate::common::*;
use crate::console::{assert_signed_out, location, signed_in, Browser};

const HOSTILE: &str = "<script>alert(1)</script>";
const HOSTILE_ANSWER: &str = "<img src=x onerror=alert(2)>";

/// The part of `text` from the first `from` to the next `to` after it.
fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from} in {text}"));
    let rest = &text[start..];
    let end = rest[from.len()..]
        .find(to)
        .map(|i| from.len() + i + to.len())
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The `data-delivery` ids of the log on `page`, newest first.
fn delivery_ids(page: &str) -> Vec<String> {
    page.match_indices("data-delivery=\"")
        .map(|(at, m)| {
            page[at + m.len()..at + m.len() + 30]
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The log row of the delivery `id` on `page`.
fn row<'a>(page: &'a str, id: &str) -> &'a str {
    between(page, &format!("data-delivery=\"{id}\""), "</tr>")
}

async fn subscriptions_render_empty_many_and_hostile(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let empty = browser.get("/console/webhooks").await;
    assert_eq!(empty.code, 200, "{}", empty.text);
    assert!(empty.text.contains("No subscription yet."));
    assert!(empty.text.contains("id=\"new-subscription\""));

    let receiver = Receiver::start(0).await;
    for i in 0..30 {
        subscribe(
            server,
            &ctx.key,
            json!({"url": format!("{}?n={i}", receiver.url), "events": ["message.*"], "description": format!("{HOSTILE} {i}")}),
        )
        .await;
    }
    let many = browser.get("/console/webhooks").await;
    assert_eq!(many.code, 200);
    assert_eq!(many.text.matches("<tr data-subscription=").count(), 30);
    assert_eq!(many.text.matches("badge ok\">healthy<").count(), 30);
    assert!(!many.text.contains(HOSTILE), "unescaped description");
    assert!(many
        .text
        .contains("&#60;script&#62;alert(1)&#60;/script&#62; 29"));
    assert!(!many.text.contains("whsec_"), "no secret on the list");
}

async fn creating_shows_the_secret_once_and_bad_input_is_explained(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let csrf = browser.csrf("/console/webhooks").await;
    let receiver = Receiver::start(0).await;
    let refused = browser
        .post(
            "/console/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "ftp://nowhere"),
                ("events", "*"),
                ("format", "switchboard"),
            ],
        )
        .await;
    assert_eq!(refused.code, 400);
    assert!(refused.text.contains("url:"), "{}", refused.text);
    assert!(
        refused.text.contains("value=\"ftp://nowhere\""),
        "the form keeps what was typed"
    );
    let bad_events = browser
        .post(
            "/console/webhooks",
            &[
                ("csrf", &csrf),
                ("url", &receiver.url),
                ("events", "message.nope"),
                ("format", "switchboard"),
            ],
        )
        .await;
    assert_eq!(bad_events.code, 400);
    assert!(
        bad_events.text.contains("is not an event type"),
        "{}",
        bad_events.text
    );

    let created = browser
        .post(
            "/console/webhooks",
            &[
                ("csrf", &csrf),
                ("url", &receiver.url),
                ("events", "message.*, channel.status"),
                ("format", "meta"),
                ("channel", &ctx.channel),
                ("description", HOSTILE),
            ],
        )
        .await;
    assert_eq!(created.code, 200, "{}", created.text);
    let secret = between(&created.text, "whsec_", "<");
    let secret = secret.trim_end_matches('<');
    assert!(secret.len() > 20, "{secret}");
    let listed = server.get("/v1/subscriptions", &ctx.key).await.status(200);
    let s = &data(&listed)[0];
    assert_eq!(s["events"], json!(["message.*", "channel.status"]));
    assert_eq!(s["format"], "meta");
    assert_eq!(s["channel_id"], ctx.channel.as_str());
    let id = s["id"].as_str().unwrap();
    let page = browser.get(&format!("/console/webhooks/{id}")).await;
    assert_eq!(page.code, 200);
    assert!(!page.text.contains(secret), "the secret is shown once only");
    assert!(!page.text.contains(HOSTILE));

    // Rotating shows the new secret once; the old one keeps signing for a while.
    let rotated = browser
        .post(
            &format!("/console/webhooks/{id}/rotate"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(rotated.code, 200);
    let new_secret = between(&rotated.text, "whsec_", "<").trim_end_matches('<');
    assert_ne!(new_secret, secret);
    assert!(rotated.text.contains("keeps signing"));
    let page = browser.get(&format!("/console/webhooks/{id}")).await;
    assert!(!page.text.contains(new_secret));
    assert!(page.text.contains("Previous secret"));

    // Disable, enable, delete: each a plain form and a redirect.
    let off = browser
        .post(
            &format!("/console/webhooks/{id}/enabled"),
            &[("csrf", &csrf), ("enabled", "false")],
        )
        .await;
    assert_eq!(off.code, 303);
    assert_eq!(
        location(&off),
        format!("/console/webhooks/{id}?switched=disabled")
    );
    let page = browser.get(&location(&off)).await;
    assert!(
        page.text
            .contains("id=\"health\"><span class=\"badge wait\">paused<"),
        "{}",
        page.text
    );
    assert!(page.text.contains("id=\"send-test\" disabled"));
    assert_eq!(
        server
            .post(&format!("/v1/subscriptions/{id}/test"), &ctx.key)
            .await
            .code,
        409,
        "no test event to a disabled subscription"
    );
    let on = browser
        .post(
            &format!("/console/webhooks/{id}/enabled"),
            &[("csrf", &csrf), ("enabled", "true")],
        )
        .await;
    assert_eq!(on.code, 303);
    let gone = browser
        .post(
            &format!("/console/webhooks/{id}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(gone.code, 303);
    assert_eq!(location(&gone), format!("/console/webhooks?deleted={id}"));
    server
        .get(&format!("/v1/subscriptions/{id}"), &ctx.key)
        .await
        .status(404);
}

async fn a_failed_delivery_is_logged_and_a_replay_succeeds(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let receiver = Receiver::start_answering(Answers {
        fail_first: 1,
        failure_body: HOSTILE_ANSWER.into(),
        success: reqwest::StatusCode::OK,
    })
    .await;
    let s = subscribe(
        server,
        &ctx.key,
        json!({"url": receiver.url, "events": ["message.delivered"]}),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    let path = format!("/console/webhooks/{id}");
    let empty = browser.get(&path).await;
    assert!(empty.text.contains("No delivery yet."));
    let csrf = browser.csrf(&path).await;

    let sent = browser
        .post(&format!("{path}/test"), &[("csrf", &csrf)])
        .await;
    assert_eq!(sent.code, 303, "{}", sent.text);
    assert!(location(&sent).starts_with(&format!("{path}?tested=dlv_")));
    let failed = eventually(
        15,
        "the test delivery's failed attempt in the log",
        || async {
            let page = browser.get(&path).await.text;
            let ids = delivery_ids(&page);
            let first = ids.first()?.clone();
            row(&page, &first)
                .contains("HTTP 500")
                .then_some((page, first))
        },
    )
    .await;
    let (page, first) = failed;
    let failed_row = row(&page, &first);
    assert!(failed_row.contains("subscription.test"));
    assert!(
        failed_row.contains("badge wait\">pending<"),
        "retried later: {failed_row}"
    );
    assert!(failed_row.contains(" ms<"), "the latency");
    assert!(
        page.contains("id=\"health\"><span class=\"badge bad\">failing<"),
        "the subscription is failing"
    );
    assert!(
        page.contains("hx-trigger=\"every 2s\""),
        "the newest page is polled"
    );

    // The delivery's page: the attempt with its code, latency and (escaped) answer, and the
    // request body.
    let detail = browser.get(&format!("{path}/deliveries/{first}")).await;
    assert_eq!(detail.code, 200, "{}", detail.text);
    assert!(detail.text.contains("badge bad\">500<"));
    assert!(
        !detail.text.contains(HOSTILE_ANSWER),
        "the answer is escaped"
    );
    assert!(detail.text.contains("&#60;img src=x onerror=alert(2)&#62;"));
    let request = between(&detail.text, "id=\"request\"", "</pre>");
    assert!(
        request.contains("&#34;type&#34;: &#34;subscription.test&#34;"),
        "{request}"
    );
    assert!(request.contains(id));

    // The endpoint works again (it failed once): retrying the failed delivery delivers it.
    let retried = browser
        .post(
            &format!("{path}/deliveries/{first}/retry"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(retried.code, 303);
    assert_eq!(location(&retried), format!("{path}?retried={first}"));
    eventually(15, "the retried delivery delivered", || async {
        let page = browser.get(&path).await.text;
        row(&page, &first)
            .contains("badge ok\">delivered<")
            .then_some(())
    })
    .await;

    // Replay from its event: a new delivery of the same event, delivered too.
    let replayed = browser
        .post(
            &format!("{path}/deliveries/{first}/replay"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(replayed.code, 303);
    assert_eq!(location(&replayed), format!("{path}?replayed=1"));
    let page = browser.get(&location(&replayed)).await.text;
    assert!(page.contains("Replay queued 1 delivery."));
    let (page, newest) = eventually(15, "the replayed delivery delivered", || async {
        let page = browser.get(&path).await.text;
        let ids = delivery_ids(&page);
        let newest = ids.iter().find(|i| **i != first)?.clone();
        row(&page, &newest)
            .contains("badge ok\">delivered<")
            .then_some((page, newest))
    })
    .await;
    assert!(row(&page, &newest).contains("HTTP 200"));
    assert!(row(&page, &newest).contains("subscription.test"));
    let delivered: Vec<_> = receiver
        .got()
        .into_iter()
        .filter(|r| r.json["type"] == "subscription.test")
        .collect();
    assert_eq!(delivered.len(), 2, "the retry and the replay");
    assert_eq!(delivered[0].id, delivered[1].id, "the same event twice");
}

async fn the_log_poll_answers_204_until_something_changes(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let receiver = Receiver::start(0).await;
    // Filtered to an event the setup does not cause, so the log stays empty until the test
    // event (which reaches its subscription whatever the filter).
    let s = subscribe(
        server,
        &ctx.key,
        json!({"url": receiver.url, "events": ["message.failed"]}),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    let page = browser.get(&format!("/console/webhooks/{id}")).await.text;
    let poll = between(&page, "hx-get=\"", "\"");
    let poll = poll["hx-get=\"".len()..]
        .trim_end_matches('"')
        .replace("&amp;", "&");
    let same = browser.get(&poll).await;
    assert_eq!(same.code, 204, "{}", same.text);
    server
        .post(&format!("/v1/subscriptions/{id}/test"), &ctx.key)
        .await
        .status(202);
    let changed = browser.get(&poll).await;
    assert_eq!(changed.code, 200);
    assert!(
        changed.text.starts_with("<div id=\"log\""),
        "a fragment: {}",
        changed.text
    );
    assert!(!changed.text.contains("<html"), "not the whole page");
    assert!(changed.text.contains("subscription.test"));
    assert!(
        changed
            .text
            .contains("<dd id=\"health\" hx-swap-oob=\"true\">"),
        "the health, swapped out of band"
    );
}

async fn editing_changes_the_url_filter_format_and_note(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let first = Receiver::start(0).await;
    let second = Receiver::start(0).await;
    let created = subscribe(
        server,
        &ctx.key,
        json!({"url": first.url, "events": ["message.*"], "description": "old"}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/console/webhooks/{id}");
    let edit = format!("{path}/edit");
    let browser = signed_in(server, &ctx.key).await;
    let page = browser.get(&path).await;
    assert!(page.text.contains(&format!(
        "id=\"edit-url\" name=\"url\" value=\"{}\"",
        first.url
    )));
    assert!(!page.text.contains("id=\"edit-subscription\" open"));
    let csrf = browser.csrf(&path).await;

    // Refused: the page again with the form as typed, open, and why; nothing changed.
    let refused = browser
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("url", "ftp://nowhere"),
                ("events", "*"),
                ("format", "switchboard"),
            ],
        )
        .await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    assert!(refused.text.contains("url:"));
    assert!(refused.text.contains("value=\"ftp://nowhere\""));
    assert!(refused.text.contains("id=\"edit-subscription\" open"));
    let bad_format = browser
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("url", &second.url),
                ("events", "*"),
                ("format", "xml"),
            ],
        )
        .await;
    assert_eq!(bad_format.code, 400);
    assert!(bad_format.text.contains("is not a payload format"));
    let unchanged = server
        .get(&format!("/v1/subscriptions/{id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(unchanged["url"], first.url.as_str());

    // Changed: the API shows it, the page says so (the note escaped), and the next test
    // event goes to the new URL in the new format.
    let changed = browser
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("url", &second.url),
                ("events", "message.received, channel.status"),
                ("format", "meta"),
                ("description", HOSTILE),
            ],
        )
        .await;
    assert_eq!(changed.code, 303, "{}", changed.text);
    assert_eq!(location(&changed), format!("{path}?edited=1"));
    let shown = browser.get(&location(&changed)).await;
    assert!(shown.text.contains("Subscription changed"));
    assert!(!shown.text.contains(HOSTILE));
    let api = server
        .get(&format!("/v1/subscriptions/{id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(api["url"], second.url.as_str());
    assert_eq!(api["events"], json!(["message.received", "channel.status"]));
    assert_eq!(api["format"], "meta");
    assert_eq!(api["description"], HOSTILE);
    server
        .post(&format!("/v1/subscriptions/{id}/test"), &ctx.key)
        .await
        .status(202);
    second.wait_for(1, "the test event at the new URL").await;
    assert!(first.got().is_empty(), "nothing went to the old URL");

    // An empty note removes it.
    let cleared = browser
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("url", &second.url),
                ("events", "*"),
                ("format", "switchboard"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(cleared.code, 303);
    let api = server
        .get(&format!("/v1/subscriptions/{id}"), &ctx.key)
        .await
        .status(200);
    assert!(api["description"].is_null(), "{api}");
}

async fn forms_need_the_csrf_token_and_other_accounts_ids_are_not_found(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (_, other_key) = create_account(server, "other").await;
    let receiver = Receiver::start(0).await;
    let mine = subscribe(server, &ctx.key, json!({"url": receiver.url})).await;
    let theirs = subscribe(server, &other_key, json!({"url": receiver.url})).await;
    let (mine, theirs) = (mine["id"].as_str().unwrap(), theirs["id"].as_str().unwrap());
    let their_delivery = server
        .post(&format!("/v1/subscriptions/{theirs}/test"), &other_key)
        .await
        .status(202);
    let their_delivery = their_delivery["id"].as_str().unwrap();
    let my_delivery = server
        .post(&format!("/v1/subscriptions/{mine}/test"), &ctx.key)
        .await
        .status(202);
    let my_delivery = my_delivery["id"].as_str().unwrap();
    let browser = signed_in(server, &ctx.key).await;
    let csrf = browser.csrf("/console/webhooks").await;

    for path in [
        format!("/console/webhooks/{mine}/test"),
        format!("/console/webhooks/{mine}/rotate"),
        format!("/console/webhooks/{mine}/delete"),
        format!("/console/webhooks/{mine}/edit"),
        format!("/console/webhooks/{mine}/deliveries/{my_delivery}/replay"),
        "/console/webhooks".to_string(),
        "/console/keys".to_string(),
    ] {
        let missing = browser.post(&path, &[("url", "http://x.example")]).await;
        assert_eq!(missing.code, 403, "{path} without a token");
        let wrong = browser.post(&path, &[("csrf", &"0".repeat(64))]).await;
        assert_eq!(wrong.code, 403, "{path} with a wrong token");
        let foreign = browser
            .post_from(&path, &[("csrf", &csrf)], Some("http://evil.example"))
            .await;
        assert_eq!(foreign.code, 403, "{path} from another origin");
    }
    server
        .get(&format!("/v1/subscriptions/{mine}"), &ctx.key)
        .await
        .status(200);

    for path in [
        format!("/console/webhooks/{theirs}"),
        format!("/console/webhooks/{theirs}/log"),
        format!("/console/webhooks/{theirs}/deliveries/{their_delivery}"),
        format!("/console/webhooks/{mine}/deliveries/{their_delivery}"),
        "/console/webhooks/not-an-id".to_string(),
    ] {
        assert_eq!(browser.get(&path).await.code, 404, "{path}");
    }
    for path in [
        format!("/console/webhooks/{theirs}/test"),
        format!("/console/webhooks/{theirs}/rotate"),
        format!("/console/webhooks/{theirs}/delete"),
        format!("/console/webhooks/{theirs}/edit"),
        format!("/console/webhooks/{mine}/deliveries/{their_delivery}/retry"),
        format!("/console/webhooks/{theirs}/deliveries/{their_delivery}/replay"),
    ] {
        let reply = browser.post(&path, &[("csrf", &csrf)]).await;
        assert_eq!(reply.code, 404, "{path}: {}", reply.text);
    }
    server
        .get(&format!("/v1/subscriptions/{theirs}"), &other_key)
        .await
        .status(200);

    // A read key sees neither page (the native API needs an account-wide manage key too).
    let (_, read) = create_key(server, &ctx.key, json!({"permission": "read"})).await;
    let reader = signed_in(server, &read).await;
    assert_eq!(reader.get("/console/webhooks").await.code, 403);
    assert_eq!(reader.get("/console/keys").await.code, 403);
}

async fn the_pages_carry_the_csp_and_no_inline_script_or_style(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let receiver = Receiver::start(0).await;
    let s = subscribe(
        server,
        &ctx.key,
        json!({"url": receiver.url, "description": HOSTILE}),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    let d = server
        .post(&format!("/v1/subscriptions/{id}/test"), &ctx.key)
        .await
        .status(202);
    let browser = signed_in(server, &ctx.key).await;
    for path in [
        "/console/webhooks".to_string(),
        format!("/console/webhooks/{id}"),
        format!(
            "/console/webhooks/{id}/deliveries/{}",
            d["id"].as_str().unwrap()
        ),
        "/console/keys".to_string(),
    ] {
        let reply = browser.get(&path).await;
        assert_eq!(reply.code, 200, "{path}");
        assert_eq!(
            reply
                .headers
                .get("content-security-policy")
                .unwrap()
                .to_str()
                .unwrap(),
            switchboard_console::headers::CSP,
            "{path}"
        );
        assert_eq!(
            reply.headers.get("cache-control").unwrap(),
            "no-store",
            "{path}"
        );
        let page = &reply.text;
        assert!(!page.contains(HOSTILE), "{path}: unescaped");
        for (at, _) in page.match_indices("<script") {
            let tag = &page[at..at + page[at..].find('>').unwrap()];
            assert!(
                tag.contains(" src=\"/console/static/"),
                "{path}: inline script {tag}"
            );
        }
        for bad in [
            "<style",
            " style=",
            "javascript:",
            " onclick=",
            " onerror=",
            " hx-on",
        ] {
            assert!(!page.contains(bad), "{path}: {bad}");
        }
        assert!(
            page.contains("href=\"/console/webhooks\""),
            "{path}: the menu links the page"
        );
    }
}

async fn keys_are_created_once_used_and_revoked(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let mut browser = signed_in(server, &ctx.key).await;
    let page = browser.get("/console/keys").await;
    assert_eq!(page.code, 200);
    assert!(page.text.contains("(this session)"));
    let csrf = browser.csrf("/console/keys").await;
    let refused = browser
        .post("/console/keys", &[("csrf", &csrf), ("permission", "root")])
        .await;
    assert_eq!(refused.code, 400);
    assert!(refused.text.contains("permission:"), "{}", refused.text);
    let created = browser
        .post(
            "/console/keys",
            &[
                ("csrf", &csrf),
                ("name", HOSTILE),
                ("permission", "read"),
                ("channel", &ctx.channel),
            ],
        )
        .await;
    assert_eq!(created.code, 200, "{}", created.text);
    assert!(!created.text.contains(HOSTILE));
    let shown = between(&created.text, "id=\"secret\" class=\"secret\">", "</code>");
    let secret = shown["id=\"secret\" class=\"secret\">".len()..]
        .trim_end_matches("</code>")
        .to_string();
    assert!(secret.starts_with("sb_"), "{secret}");
    assert!(
        created.text.contains(&format!("Bearer {secret}")),
        "a ready curl line"
    );
    let again = browser.get("/console/keys").await;
    assert!(!again.text.contains(&secret), "shown once only");
    assert_eq!(again.text.matches("<tr data-key=").count(), 2);

    // The new key works, and its use shows as its last use, natively and on the page.
    let keys = server.get("/v1/keys", &ctx.key).await.status(200);
    let new = data(&keys)
        .into_iter()
        .find(|k| k["permission"] == "read")
        .unwrap();
    assert_eq!(new["last_used_at"], Value::Null);
    assert_eq!(new["channel_id"], ctx.channel.as_str());
    let key_id = new["id"].as_str().unwrap().to_string();
    server.get("/v1/channels", &secret).await.status(200);
    let used = eventually(10, "the key's last use recorded", || async {
        let keys = server.get("/v1/keys", &ctx.key).await.status(200);
        data(&keys)
            .into_iter()
            .find(|k| k["id"] == key_id.as_str())
            .and_then(|k| k["last_used_at"].as_str().map(str::to_string))
    })
    .await;
    let page = browser.get("/console/keys").await.text;
    assert!(
        between(&page, &format!("data-key=\"{key_id}\""), "</tr>").contains(&used),
        "the page shows the last use"
    );

    // Revoking from the console: the key stops working and its console sessions end.
    let mut other = Browser::new(server);
    other.sign_in(&secret).await;
    assert_eq!(other.get("/console/channels").await.code, 200);
    let revoked = browser
        .post(
            &format!("/console/keys/{key_id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.code, 303);
    assert_eq!(
        location(&revoked),
        format!("/console/keys?revoked={key_id}")
    );
    assert_eq!(server.get("/v1/channels", &secret).await.code, 401);
    assert_signed_out(&other.get("/console/channels").await);
    let page = browser.get(&location(&revoked)).await.text;
    assert!(between(&page, &format!("data-key=\"{key_id}\""), "</tr>").contains(">revoked<"));

    // Revoking the session's own key signs it out.
    let own = page
        .split("<tr data-key=\"")
        .find(|row| row.contains("(this session)"))
        .and_then(|row| row.split('"').next())
        .unwrap()
        .to_string();
    assert_ne!(own, key_id);
    let out = browser
        .post(&format!("/console/keys/{own}/revoke"), &[("csrf", &csrf)])
        .await;
    assert_eq!(out.code, 303);
    assert_signed_out(&browser.get("/console/keys").await);
    browser.cookie = None;
}

async fn the_native_test_event_reaches_one_subscription_only(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (_, other_key) = create_account(server, "other").await;
    let tested = Receiver::start(0).await;
    let bystander = Receiver::start(0).await;
    let s = subscribe(
        server,
        &ctx.key,
        json!({"url": tested.url, "events": ["message.read"], "format": "meta"}),
    )
    .await;
    subscribe(
        server,
        &ctx.key,
        json!({"url": bystander.url, "events": ["*"]}),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    let d = server
        .post(&format!("/v1/subscriptions/{id}/test"), &ctx.key)
        .await
        .status(202);
    assert_eq!(d["subscription_id"], id);
    assert_eq!(d["state"], "pending");
    let event_id = d["event_id"].as_str().unwrap().to_string();
    let got = eventually(10, "the test event delivered", || async {
        tested.got().into_iter().find(|r| r.id == event_id)
    })
    .await;
    assert_eq!(
        got.json["type"], "subscription.test",
        "Switchboard's envelope, whatever the format"
    );
    assert_eq!(got.json["data"]["subscription"]["id"], id);
    assert!(!got.signature.is_empty(), "signed like any delivery");
    let delivery = eventually(10, "the delivery recorded", || async {
        let d = server
            .get(
                &format!("/v1/deliveries/{}", d["id"].as_str().unwrap()),
                &ctx.key,
            )
            .await
            .status(200);
        (d["state"] == "delivered").then_some(d)
    })
    .await;
    assert_eq!(delivery["attempts_log"][0]["status_code"], 204);
    // The test event is in the log, but the other subscription (every event) did not get it.
    let events = server
        .get("/v1/events?types=subscription.test", &ctx.key)
        .await
        .status(200);
    assert!(data(&events).iter().any(|e| e["id"] == event_id.as_str()));
    server
        .post(&format!("/v1/subscriptions/{id}/test"), &ctx.key)
        .await
        .status(202);
    let bystander_deliveries = server
        .get(
            &format!(
                "/v1/subscriptions/{}/deliveries",
                data(&server.get("/v1/subscriptions", &ctx.key).await.status(200))[1]["id"]
                    .as_str()
                    .unwrap()
            ),
            &ctx.key,
        )
        .await
        .status(200);
    assert!(
        data(&bystander_deliveries)
            .iter()
            .all(|d| d["event_id"] != event_id.as_str()),
        "no test event to another subscription"
    );
    assert!(bystander
        .got()
        .iter()
        .all(|r| r.json["type"] != "subscription.test"));
    server
        .post(&format!("/v1/subscriptions/{id}/test"), &other_key)
        .await
        .status(404);
    server
        .post("/v1/subscriptions/sub_nope/test", &ctx.key)
        .await
        .status(404);
}

/// Webhooks to the tests' receivers on 127.0.0.1; a failed attempt is retried ten minutes
/// later (after the test), so what moves a delivery on is the console's retry or replay.
fn local_webhooks(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.retry_schedule_ms = vec![600_000];
    c.webhooks.poll_ms = 20;
    c.webhooks.request_timeout_ms = 5_000;
}

on_both_backends!(
    subscriptions_render => super::subscriptions_render_empty_many_and_hostile where super::local_webhooks,
    creating_shows_the_secret_once => super::creating_shows_the_secret_once_and_bad_input_is_explained where super::local_webhooks,
    a_failed_delivery_then_replay => super::a_failed_delivery_is_logged_and_a_replay_succeeds where super::local_webhooks,
    the_log_poll => super::the_log_poll_answers_204_until_something_changes where super::local_webhooks,
    editing => super::editing_changes_the_url_filter_format_and_note where super::local_webhooks,
    csrf_and_other_accounts => super::forms_need_the_csrf_token_and_other_accounts_ids_are_not_found where super::local_webhooks,
    csp_and_no_inline_code => super::the_pages_carry_the_csp_and_no_inline_script_or_style where super::local_webhooks,
    keys_created_used_revoked => super::keys_are_created_once_used_and_revoked where super::local_webhooks,
    native_test_event => super::the_native_test_event_reaches_one_subscription_only where super::local_webhooks,
);
