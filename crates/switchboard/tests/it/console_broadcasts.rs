//! The console's Broadcasts pages over real HTTP on SQLite and PostgreSQL: the list (empty,
//! many, hostile names escaped, CSP), the creation form through the API's service path (a
//! template to pasted numbers, a text, a CSV upload, refusals shown in the form with a 4xx),
//! the live progress fragment on `/console/live?scope=broadcasts`, a broadcast's page with its
//! targets and pause / resume / cancel, CSRF, permissions and another account's broadcast
//! (404).

use std::time::Duration;

use futures::StreamExt;
use reqwest::header::{COOKIE, ORIGIN};
use serde_json::{json, Value};
use switchboard::config::Config;

use crate::common::*;
use crate::console::{location, Browser};

/// An account with a sandbox channel (its templates synced) and `credits`, signed in.
struct Setup {
    key: String,
    channel: String,
    browser: Browser,
}

async fn setup(server: &TestServer, credits: i64) -> Setup {
    let (account, key) = create_account(server, "acme").await;
    let channel = create_sandbox_channel(server, &key, "sandbox").await;
    if credits > 0 {
        add_credits(server, &account, credits).await;
    }
    server
        .post(&format!("/v1/channels/{channel}/templates/sync"), &key)
        .await;
    let mut browser = Browser::new(server);
    browser.sign_in(&key).await;
    Setup {
        key,
        channel,
        browser,
    }
}

/// Posts the creation form as a browser does (multipart/form-data), `csv` as its file.
async fn post_form(s: &Setup, fields: &[(&str, &str)], csv: Option<&str>) -> Reply {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some(text) = csv {
        let part = reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
            .file_name("audience.csv")
            .mime_str("text/csv")
            .unwrap();
        form = form.part("csv", part);
    }
    let request = s
        .browser
        .http
        .post(format!("{}/console/broadcasts", s.browser.base))
        .header(
            COOKIE,
            format!("sb_session={}", s.browser.cookie.as_ref().unwrap()),
        )
        .header(ORIGIN, &s.browser.base)
        .multipart(form);
    Reply::read(request.send().await.unwrap()).await
}

/// The form's fields for hello_world to `numbers`, named `name`.
fn hello<'a>(
    s: &'a Setup,
    csrf: &'a str,
    name: &'a str,
    numbers: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("channel", s.channel.as_str()),
        ("name", name),
        ("kind", "template"),
        ("template", "hello_world|en_US"),
        ("audience", "numbers"),
        ("numbers", numbers),
    ]
}

/// The id of the broadcast a successful creation redirected to.
fn created_id(reply: &Reply) -> String {
    assert_eq!(reply.code, 303, "{}", reply.text);
    let to = location(reply);
    let id = to
        .strip_prefix("/console/broadcasts/")
        .and_then(|rest| rest.strip_suffix("?created=1"))
        .unwrap_or_else(|| panic!("redirected to {to}"));
    id.to_string()
}

async fn api_broadcast(server: &TestServer, s: &Setup, id: &str) -> Value {
    server
        .get(&format!("/v1/broadcasts/{id}"), &s.key)
        .await
        .status(200)
}

async fn broadcast_pages(server: &TestServer) {
    let s = setup(server, 60).await;
    let browser = &s.browser;

    // Empty, with the security headers and the live stream.
    let empty = browser.get("/console/broadcasts").await;
    assert_eq!(empty.code, 200, "{}", empty.text);
    assert!(empty.text.contains("No broadcast yet"));
    assert!(empty
        .text
        .contains("href=\"/console/broadcasts\" class=\"on\""));
    assert!(empty
        .text
        .contains("sse-connect=\"/console/live?scope=broadcasts"));
    let csp = empty.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!empty.text.contains("style="), "no inline style");
    let csrf = browser.csrf("/console/broadcasts").await;

    // Without the CSRF token: 403 and nothing created, urlencoded or multipart.
    let mut fields = hello(&s, "", "x", "15551110001");
    fields.remove(0);
    assert_eq!(browser.post("/console/broadcasts", &fields).await.code, 403);
    assert_eq!(post_form(&s, &fields, None).await.code, 403);
    let wrong = "0".repeat(64);
    assert_eq!(
        post_form(
            &s,
            &hello(&s, &wrong, "x", "15551110001"),
            Some("phone\n15551110001\n")
        )
        .await
        .code,
        403
    );
    let listed = server.get("/v1/broadcasts", &s.key).await.status(200);
    assert_eq!(data(&listed).len(), 0);

    // The live stream, opened before the broadcast exists.
    let live = browser
        .http
        .get(format!("{}/console/live?scope=broadcasts", browser.base))
        .header(
            COOKIE,
            format!("sb_session={}", browser.cookie.as_ref().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let mut stream = live.bytes_stream();

    // One recipient wrote before: their target links to the conversation in the Inbox.
    let ctx = Ctx {
        key: s.key.clone(),
        channel: s.channel.clone(),
    };
    let upstream = say(server, &ctx, "15551110001", "hi").await;
    wait_stored(server, &ctx, &upstream, 30).await;

    // Created from the form with a hostile name: listed, escaped, and its bar reaches 100 %
    // over the stream.
    let hostile = "<script>alert('bc')</script>";
    let numbers = "+1 555 111 0001\n15551110002\n\n15551110003\n";
    let id = created_id(&post_form(&s, &hello(&s, &csrf, hostile, numbers), None).await);
    let b = api_broadcast(server, &s, &id).await;
    assert_eq!(b["name"], hostile);
    assert_eq!(b["audience_size"], 3);
    assert_eq!(b["message"]["template"]["name"], "hello_world");
    let list = browser.get("/console/broadcasts").await.text;
    assert!(
        list.contains(&format!("href=\"/console/broadcasts/{id}\"")),
        "{list}"
    );
    assert!(!list.contains("<script>alert"), "{list}");
    assert!(list.contains("&#60;script&#62;alert("), "{list}");
    assert!(list.contains(&format!("sse-swap=\"progress-{id}\"")));

    let mut seen = String::new();
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(chunk)) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(&format!("event: progress-{id}"))
                && seen.contains("data-percent=\"100\"")
                && seen.contains(&format!("event: actions-{id}"))
            {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(finished, Ok(true), "{seen}");
    assert!(seen.contains("<progress value=\"3\" max=\"3\""), "{seen}");
    assert!(!seen.contains("alert("), "the fragment carries no name");

    // Its page: counters, the bar, no action once completed, the targets linked to the inbox.
    let page = eventually(30, "the targets to be sent", || async {
        let page = browser.get(&format!("/console/broadcasts/{id}")).await;
        assert_eq!(page.code, 200, "{}", page.text);
        (page.text.matches("<tr data-seq=").count() == 3 && page.text.contains("msg_"))
            .then_some(page.text)
    })
    .await;
    assert!(page.contains("data-status=\"completed\""), "{page}");
    assert!(page.contains("Nothing to pause or cancel"), "{page}");
    assert!(page.contains(&format!(
        "href=\"/console/inbox/{}/15551110001\"",
        s.channel
    )));
    assert!(
        !page.contains("/15551110002\""),
        "no link without a conversation"
    );
    let thread = browser
        .get(&format!("/console/inbox/{}/15551110001", s.channel))
        .await;
    assert_eq!(thread.code, 200, "the linked thread exists");
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("template hello_world (en_US)"));

    // Refusals show the form again, filled in, with what to fix.
    let bad_number = post_form(
        &s,
        &hello(&s, &csrf, "<b>kept</b>", "15551110001\nnot a number"),
        None,
    )
    .await;
    assert_eq!(bad_number.code, 400, "{}", bad_number.text);
    assert!(bad_number.text.contains("line 2"), "{}", bad_number.text);
    assert!(
        bad_number.text.contains("value=\"&#60;b&#62;kept"),
        "{}",
        bad_number.text
    );
    let mut unknown = hello(&s, &csrf, "", "15551110001");
    unknown[4] = ("template", "no_such_template|en_US");
    let refused = post_form(&s, &unknown, None).await;
    assert_eq!(refused.code, 400);
    assert!(
        refused.text.contains("no_such_template"),
        "{}",
        refused.text
    );
    let many: String = (0..80).map(|i| format!("155511120{i:02}\n")).collect();
    let poor = post_form(&s, &hello(&s, &csrf, "", &many), None).await;
    assert_eq!(poor.code, 402, "{}", poor.text);
    assert!(poor.text.contains("insufficient credits"), "{}", poor.text);
    let mut no_file = hello(&s, &csrf, "", "");
    no_file[5] = ("audience", "csv");
    let no_csv = post_form(&s, &no_file, None).await;
    assert_eq!(no_csv.code, 400);
    assert!(no_csv.text.contains("choose a CSV file"));
    let mut no_tag = hello(&s, &csrf, "", "");
    no_tag[5] = ("audience", "tag");
    assert_eq!(post_form(&s, &no_tag, None).await.code, 400);
    no_tag.push(("tag", "nobody-has-this"));
    let empty_tag = post_form(&s, &no_tag, None).await;
    assert_eq!(empty_tag.code, 400);
    assert!(
        empty_tag.text.contains("the audience is empty"),
        "{}",
        empty_tag.text
    );
    let mut bad_time = hello(&s, &csrf, "", "15551110001");
    bad_time.push(("send_at", "tomorrow"));
    assert_eq!(post_form(&s, &bad_time, None).await.code, 400);
    let listed = server.get("/v1/broadcasts", &s.key).await.status(200);
    assert_eq!(data(&listed).len(), 1, "nothing stored by a refusal");

    // A text, to the customer who wrote (their window is open); an empty text is refused.
    let text_fields = |text: &'static str| {
        vec![
            ("csrf", csrf.as_str()),
            ("channel", s.channel.as_str()),
            ("kind", "text"),
            ("text", text),
            ("audience", "numbers"),
            ("numbers", "15551110001"),
        ]
    };
    let empty_text = post_form(&s, &text_fields("  "), None).await;
    assert_eq!(empty_text.code, 400);
    assert!(empty_text.text.contains("write the text to send"));
    let text_id = created_id(&post_form(&s, &text_fields("Hi {{contact.name}} <i>"), None).await);
    let b = api_broadcast(server, &s, &text_id).await;
    assert_eq!(b["message"]["type"], "text");
    assert_eq!(b["message"]["text"]["body"], "Hi {{contact.name}} <i>");
    assert!(b["name"].is_null(), "no name given");
    let page = browser
        .get(&format!("/console/broadcasts/{text_id}"))
        .await
        .text;
    assert!(
        page.contains(&format!("<h1>{text_id}</h1>")),
        "named by its id"
    );
    assert!(
        page.contains("text: Hi {{contact.name}} &#60;i&#62;"),
        "{page}"
    );

    // A CSV audience, uploaded.
    let csv = "phone,name\n15551130001,Ana\n15551130002,Bo\n";
    let mut upload = hello(&s, &csrf, "from csv", "");
    upload[5] = ("audience", "csv");
    let csv_id = created_id(&post_form(&s, &upload, Some(csv)).await);
    let b = api_broadcast(server, &s, &csv_id).await;
    assert_eq!(b["audience_type"], "csv");
    assert_eq!(b["audience_size"], 2);

    // Pause, resume and cancel a scheduled broadcast from its page.
    let later =
        switchboard_core::time::to_rfc3339(switchboard_core::time::now_millis() + 3_600_000);
    let mut scheduled = hello(&s, &csrf, "later", "15551140001\n15551140002");
    scheduled.push(("send_at", &later));
    let later_id = created_id(&post_form(&s, &scheduled, None).await);
    let detail = format!("/console/broadcasts/{later_id}");
    let page = browser.get(&detail).await.text;
    assert!(page.contains("id=\"pause\"") && page.contains("id=\"cancel\""));
    assert!(!page.contains("id=\"resume\""));
    assert_eq!(
        browser.post(&format!("{detail}/pause"), &[]).await.code,
        403,
        "no CSRF token"
    );
    let paused = browser
        .post(&format!("{detail}/pause"), &[("csrf", &csrf)])
        .await;
    assert_eq!(location(&paused), format!("{detail}?done=pause"));
    assert_eq!(
        api_broadcast(server, &s, &later_id).await["status"],
        "paused"
    );
    let page = browser.get(&format!("{detail}?done=pause")).await.text;
    assert!(page.contains("id=\"resume\"") && !page.contains("id=\"pause\""));
    assert!(page.contains("Paused: no new target"));
    browser
        .post(&format!("{detail}/resume"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        api_broadcast(server, &s, &later_id).await["status"],
        "scheduled"
    );
    let canceled = browser
        .post(&format!("{detail}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(canceled.code, 303);
    assert_eq!(
        api_broadcast(server, &s, &later_id).await["status"],
        "canceled"
    );
    let again = browser
        .post(&format!("{detail}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.code, 409);
    assert!(again
        .text
        .contains("only a scheduled, running or paused broadcast can be canceled"));
    assert_eq!(
        browser
            .post(&format!("{detail}/explode"), &[("csrf", &csrf)])
            .await
            .code,
        404
    );

    // Many: every broadcast listed, the newest first.
    for i in 0..20 {
        server
            .post_json(
                "/v1/broadcasts",
                &s.key,
                json!({"channel_id": s.channel, "name": format!("bulk {i:02}"),
                       "message": {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}},
                       "audience": {"numbers": ["15551150001"]}, "send_at": later}),
            )
            .await
            .status(201);
    }
    let list = browser.get("/console/broadcasts").await.text;
    assert_eq!(list.matches("<tr id=\"bc-").count(), 24, "{list}");
    let newest = list.find("bulk 19").unwrap();
    assert!(newest < list.find("bulk 00").unwrap());
    assert!(newest < list.find(&id).unwrap());

    // The targets table pages.
    let paged = browser
        .get(&format!("/console/broadcasts/{id}?after=0"))
        .await;
    assert_eq!(paged.code, 200);
    assert_eq!(paged.text.matches("<tr data-seq=").count(), 2);
    assert_eq!(
        browser
            .get(&format!("/console/broadcasts/{id}?after=nope"))
            .await
            .code,
        400
    );

    // A read key sees the list and the page, without the form or the actions.
    let (_, reader) = create_key(server, &s.key, json!({"name": "r", "permission": "read"})).await;
    let mut reading = Browser::new(server);
    reading.sign_in(&reader).await;
    let list = reading.get("/console/broadcasts").await;
    assert_eq!(list.code, 200);
    assert!(list.text.contains(&id) && !list.text.contains("id=\"new-broadcast\""));
    let page = reading
        .get(&format!("/console/broadcasts/{later_id}"))
        .await
        .text;
    assert!(
        page.contains("need a key with the send permission"),
        "{page}"
    );
    let reader_csrf = reading.csrf("/console/broadcasts").await;
    assert_eq!(
        reading
            .post(&format!("{detail}/pause"), &[("csrf", &reader_csrf)])
            .await
            .code,
        403
    );

    // A key of another channel of the account sees none of this channel's broadcasts.
    let second = create_sandbox_channel(server, &s.key, "second").await;
    let (_, scoped) = create_key(
        server,
        &s.key,
        json!({"name": "scoped", "permission": "send", "channel_id": second}),
    )
    .await;
    let mut scoped_browser = Browser::new(server);
    scoped_browser.sign_in(&scoped).await;
    assert!(!scoped_browser
        .get("/console/broadcasts")
        .await
        .text
        .contains(&id));
    assert_eq!(scoped_browser.get(&detail).await.code, 404);

    // Another account: 404 for the page and its forms.
    let other = setup(server, 0).await;
    assert_eq!(other.browser.get(&detail).await.code, 404);
    let their_csrf = other.browser.csrf("/console/broadcasts").await;
    assert_eq!(
        other
            .browser
            .post(&format!("{detail}/cancel"), &[("csrf", &their_csrf)])
            .await
            .code,
        404
    );
    assert!(!other
        .browser
        .get("/console/broadcasts")
        .await
        .text
        .contains(&id));
    let mut theirs = hello(&other, &their_csrf, "", "15551110001");
    theirs[1] = ("channel", s.channel.as_str());
    let foreign = post_form(&other, &theirs, None).await;
    assert_eq!(foreign.code, 404, "another account's channel");
    assert_eq!(
        browser.get("/console/broadcasts/bc_nope").await.code,
        404,
        "a malformed id"
    );
}

/// Progress events often enough to watch.
fn quick(config: &mut Config) {
    config.broadcasts.poll_ms = 10;
    config.broadcasts.progress_interval_ms = 200;
}

on_both_backends!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    pages => super::broadcast_pages where super::quick,
);
