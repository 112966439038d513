//! The Inbox over real HTTP on SQLite and PostgreSQL: the conversations API (list, one, mark
//! read, window, scope) and the console's inbox and thread pages (empty, many and hostile
//! data, the composer with the window and the template picker, the other message kinds,
//! CSRF, 404 for another account's conversation, CSP).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::{json, Value};

use crate::common::*;

/// Unix seconds `ago` seconds before now.
fn unix_ago(ago: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (now - ago).to_string()
}

async fn conversations(server: &TestServer, key: &str, query: &str) -> Value {
    server
        .get(&format!("/v1/conversations{query}"), key)
        .await
        .status(200)
}

/// A customer's text arrives; waits until it is stored.
async fn customer_says(server: &TestServer, ctx: &Ctx, from: &str, text: &str) -> Value {
    let upstream = say(server, ctx, from, text).await;
    wait_stored(server, ctx, &upstream, 30).await
}

async fn conversations_api(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let query = format!("?channel_id={}", ctx.channel);
    let empty = conversations(server, &ctx.key, &query).await;
    assert_eq!(empty, json!({"data": [], "next": null}));

    customer_says(server, &ctx, "15551230101", "first").await;
    customer_says(server, &ctx, "15551230101", "second").await;
    customer_says(server, &ctx, "15551230102", "other").await;
    let list = conversations(server, &ctx.key, &query).await;
    let rows = data(&list);
    assert_eq!(rows.len(), 2, "{list}");
    assert_eq!(rows[0]["chat"], "15551230102", "the last to write first");
    assert_eq!(rows[1]["chat"], "15551230101");
    assert_eq!(rows[1]["unread_count"], 2);
    assert_eq!(rows[1]["unread_capped"], false);
    assert_eq!(rows[1]["contact_name"], "Ana");
    assert_eq!(rows[1]["window_open"], true);
    assert!(rows[1]["window_expires_at"].is_string());
    assert_eq!(
        rows[1]["last_message"]["content"]["text"]["body"], "second",
        "{list}"
    );

    // A reply becomes the last message; paging by the cursor.
    let reply = send_ok(server, &ctx, &text_message("15551230101", "hello")).await;
    let page = conversations(server, &ctx.key, &format!("{query}&limit=1")).await;
    assert_eq!(data(&page).len(), 1);
    let next = string(&page["next"]);
    let rest = conversations(server, &ctx.key, &format!("{query}&limit=1&after={next}")).await;
    assert_eq!(data(&rest)[0]["chat"], "15551230101");
    assert_eq!(data(&rest)[0]["last_message"]["id"], reply.as_str());
    assert_eq!(rest["next"], Value::Null);

    // Mark read: the unread count drops to 0 (a `+` number is the same chat).
    let path = format!("/v1/conversations/{}/+1%20555%20123%200101", ctx.channel);
    let read = server
        .post(&format!("{path}/read"), &ctx.key)
        .await
        .status(200);
    assert_eq!(read["unread_count"], 0);
    assert!(read["read_up_to"].as_str().unwrap().starts_with("msg_"));
    let one = server.get(&path, &ctx.key).await.status(200);
    assert_eq!(one["unread_count"], 0);
    customer_says(server, &ctx, "15551230101", "third").await;
    let one = server.get(&path, &ctx.key).await.status(200);
    assert_eq!(one["unread_count"], 1, "a new message is unread again");

    // A customer whose last message is 25 hours old: the window is closed.
    let old = json!({"from": "15551230103", "type": "text", "text": {"body": "old"},
                     "timestamp": unix_ago(25 * 3600)});
    let upstream = inject(server, &ctx, &old).await;
    wait_stored(server, &ctx, &upstream, 30).await;
    let closed = server
        .get(
            &format!("/v1/conversations/{}/15551230103", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(closed["window_open"], false, "{closed}");
    let listed = conversations(server, &ctx.key, &query).await;
    assert_eq!(
        data(&listed).last().unwrap()["chat"],
        "15551230103",
        "the oldest inbound last"
    );

    // Errors: unknown conversation, bad cursor, bad channel, another account.
    let unknown = format!("/v1/conversations/{}/15559999999", ctx.channel);
    assert_eq!(server.get(&unknown, &ctx.key).await.error(404), "not_found");
    assert_eq!(
        server
            .post(&format!("{unknown}/read"), &ctx.key)
            .await
            .error(404),
        "not_found"
    );
    let bad = server
        .get(&format!("/v1/conversations{query}&after=nope"), &ctx.key)
        .await;
    assert_eq!(bad.code, 400, "{}", bad.text);
    let other = setup_sandbox(server).await;
    assert_eq!(
        server.get(&path, &other.key).await.error(404),
        "not_found",
        "another account's conversation"
    );
    assert_eq!(
        server
            .post(&format!("{path}/read"), &other.key)
            .await
            .error(404),
        "not_found"
    );
    let theirs = server
        .get(&format!("/v1/conversations{query}"), &other.key)
        .await;
    assert_eq!(
        theirs.code, 404,
        "another account's channel: {}",
        theirs.text
    );
    let all = conversations(server, &other.key, "").await;
    assert_eq!(all["data"], json!([]), "nothing of the first account");

    // A key limited to another channel of the account sees nothing of this one.
    let second = create_sandbox_channel(server, &ctx.key, "second").await;
    let (_, scoped) = create_key(
        server,
        &ctx.key,
        json!({"name": "scoped", "permission": "send", "channel_id": second}),
    )
    .await;
    assert_eq!(server.get(&path, &scoped).await.error(404), "not_found");
    assert_eq!(conversations(server, &scoped, "").await["data"], json!([]));
}

/// A browser without JavaScript, signed in with a key: no redirects followed.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Browser {
    async fn signed_in(server: &TestServer, key: &str) -> Browser {
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        let reply = http
            .post(format!("{}/console/sign-in", server.base))
            .header(ORIGIN, &server.base)
            .form(&[("key", key)])
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 303);
        let cookie = reply.headers()[SET_COOKIE].to_str().unwrap();
        let cookie = cookie
            .strip_prefix("sb_session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        Browser {
            http,
            base: server.base.clone(),
            cookie,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, format!("sb_session={}", self.cookie));
        Reply::read(request.send().await.unwrap()).await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, format!("sb_session={}", self.cookie))
            .header(ORIGIN, &self.base)
            .form(fields);
        Reply::read(request.send().await.unwrap()).await
    }

    /// The page at `path` (200) and its CSRF token.
    async fn page(&self, path: &str) -> (String, String) {
        let page = self.get(path).await;
        assert_eq!(page.code, 200, "{path}: {}", page.text);
        let start = page
            .text
            .find("name=\"csrf\" value=\"")
            .expect("a CSRF field")
            + 19;
        let csrf = page.text[start..start + 64].to_string();
        (page.text, csrf)
    }
}

fn location(reply: &Reply) -> String {
    reply
        .headers
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The sandbox's hello_world template is approved once the channel's templates are synced.
async fn sync_templates(server: &TestServer, ctx: &Ctx) {
    server
        .post(
            &format!("/v1/channels/{}/templates/sync", ctx.channel),
            &ctx.key,
        )
        .await;
}

async fn inbox_pages(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = Browser::signed_in(server, &ctx.key).await;

    // Empty, with the security headers.
    let empty = browser.get("/console/inbox").await;
    assert_eq!(empty.code, 200);
    assert!(empty.text.contains("No conversation yet"));
    assert!(empty.text.contains("href=\"/console/inbox\" class=\"on\""));
    let csp = empty.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!empty.text.contains("<script>"), "no inline script");

    // Hostile customer data is escaped; the unread badge counts.
    let hostile = json!({"from": "15551230201", "type": "text",
        "text": {"body": "<img src=x onerror=alert(1)>"},
        "profile": {"name": "<script>alert('name')</script>"}});
    let upstream = inject(server, &ctx, &hostile).await;
    wait_stored(server, &ctx, &upstream, 30).await;
    let inbox = browser.get("/console/inbox").await.text;
    assert!(
        !inbox.contains("<script>alert") && !inbox.contains("<img src=x"),
        "{inbox}"
    );
    assert!(inbox.contains("&#60;script&#62;alert("), "{inbox}");
    assert!(
        inbox.contains("<span class=\"badge unread\">1</span>"),
        "{inbox}"
    );
    assert!(inbox.contains("sse-connect=\"/console/live?scope=inbox"));

    // Many conversations.
    for i in 0..25 {
        say(
            server,
            &ctx,
            &format!("155512303{i:02}"),
            &format!("hello {i}"),
        )
        .await;
    }
    let many = eventually(30, "25 more conversations", || async {
        let text = browser.get("/console/inbox").await.text;
        (text.matches("<tr id=\"cv-").count() == 26).then_some(text)
    })
    .await;
    assert!(many.contains("hello 24"));

    // The thread: escaped, marks the conversation read, the composer is open.
    let thread = format!("/console/inbox/{}/15551230201", ctx.channel);
    let (page, csrf) = browser.page(&thread).await;
    assert!(
        !page.contains("<img src=x") && page.contains("&#60;img src=x"),
        "{page}"
    );
    assert!(
        page.contains("window closes in 23 h") || page.contains("window closes in 24 h"),
        "{page}"
    );
    assert!(
        page.contains("id=\"free-form\">") && page.contains("<div id=\"template-picker\" hidden>")
    );
    let api = format!("/v1/conversations/{}/15551230201", ctx.channel);
    assert_eq!(
        server.get(&api, &ctx.key).await.status(200)["unread_count"],
        0
    );

    // Replying: 403 without the token, sent with it.
    let send = format!("{thread}/send");
    assert_eq!(browser.post(&send, &[("text", "hi")]).await.code, 403);
    let wrong = "0".repeat(64);
    assert_eq!(
        browser
            .post(&send, &[("csrf", &wrong), ("text", "hi")])
            .await
            .code,
        403
    );
    let sent = browser
        .post(&send, &[("csrf", &csrf), ("text", "We're on it <b>")])
        .await;
    assert_eq!(sent.code, 303, "{}", sent.text);
    assert_eq!(location(&sent), thread);
    let out = server
        .get(
            &format!(
                "/v1/channels/{}/messages?chat=15551230201&direction=outbound",
                ctx.channel
            ),
            &ctx.key,
        )
        .await
        .status(200);
    let out = data(&out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["content"]["text"]["body"], "We're on it <b>");
    let id = string(&out[0]["id"]);
    wait_status(server, &ctx.key, &id, &["read"]).await;
    let (page, _) = browser.page(&thread).await;
    assert!(
        page.contains(&format!("id=\"st-{id}\" sse-swap=\"st-{id}\"")),
        "{page}"
    );
    assert!(page.contains("class=\"tick read\""), "{page}");

    // A closed window: the composer is the template picker; a text is refused before Meta.
    let old = json!({"from": "15551230202", "type": "text", "text": {"body": "old"},
                     "timestamp": unix_ago(25 * 3600)});
    let upstream = inject(server, &ctx, &old).await;
    wait_stored(server, &ctx, &upstream, 30).await;
    sync_templates(server, &ctx).await;
    let closed = format!("/console/inbox/{}/15551230202", ctx.channel);
    let (page, csrf) = browser.page(&closed).await;
    assert!(page.contains("window closed"), "{page}");
    assert!(
        page.contains("id=\"free-form\" hidden>") && page.contains("<div id=\"template-picker\">")
    );
    assert!(
        page.contains("name=\"name\" value=\"hello_world\""),
        "{page}"
    );
    let refused = browser
        .post(
            &format!("{closed}/send"),
            &[("csrf", &csrf), ("text", "hi")],
        )
        .await;
    assert_eq!(refused.code, 303);
    assert!(
        location(&refused).contains("?error="),
        "{}",
        location(&refused)
    );
    let template = browser
        .post(
            &format!("{closed}/template"),
            &[
                ("csrf", &csrf),
                ("name", "hello_world"),
                ("language", "en_US"),
            ],
        )
        .await;
    assert_eq!(location(&template), closed, "sent");
    let unknown = browser
        .post(
            &format!("{closed}/template"),
            &[("csrf", &csrf), ("name", "nope"), ("language", "en_US")],
        )
        .await;
    assert!(location(&unknown).contains("?error="));

    // A failed reply shows the upstream's code and a Retry that sends it again.
    customer_says(server, &ctx, "15551230404", "call me").await;
    let failing = format!("/console/inbox/{}/15551230404", ctx.channel);
    let (_, csrf) = browser.page(&failing).await;
    browser
        .post(
            &format!("{failing}/send"),
            &[("csrf", &csrf), ("text", "calling")],
        )
        .await;
    let page = eventually(30, "the reply to fail", || async {
        let (page, _) = browser.page(&failing).await;
        page.contains("class=\"tick failed\"").then_some(page)
    })
    .await;
    assert!(page.contains("131026"), "{page}");
    let start = page.find("action=\"/console/inbox/").unwrap();
    let retry = page[start..].find("/retry/").map(|i| start + i).unwrap();
    let action = &page[start + 8..page[retry..].find('"').unwrap() + retry];
    let again = browser.post(action, &[("csrf", &csrf)]).await;
    assert_eq!(again.code, 303, "{action}: {}", again.text);
    assert_eq!(location(&again), failing);

    // The live stream of a thread sends a new message's bubble.
    let live = browser
        .http
        .get(format!(
            "{}/console/live?scope=thread&channel={}&chat=15551230201",
            browser.base, ctx.channel
        ))
        .header(COOKIE, format!("sb_session={}", browser.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let mut body = live.bytes_stream();
    say(server, &ctx, "15551230201", "<b>live</b>").await;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(Ok(chunk)) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: message") && seen.contains("&#60;b&#62;live") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{seen}");
    assert!(!seen.contains("<b>live"));

    // Another account: 404 for this account's conversation, its forms too.
    let other = setup_sandbox(server).await;
    let stranger = Browser::signed_in(server, &other.key).await;
    assert_eq!(stranger.get(&thread).await.code, 404);
    let (_, their_csrf) = stranger.page("/console/inbox").await;
    assert_eq!(
        stranger
            .post(&send, &[("csrf", &their_csrf), ("text", "x")])
            .await
            .code,
        404
    );
    assert_eq!(
        browser
            .get(&format!("/console/inbox/{}/15559999999", ctx.channel))
            .await
            .code,
        404,
        "no such conversation"
    );
    assert!(!stranger
        .get("/console/inbox")
        .await
        .text
        .contains("15551230201"));
}

/// The composer's other kinds: each form becomes the Cloud-shaped message the API would
/// send; a bad field comes back to the thread with what to fix and sends nothing; a closed
/// window hides them.
async fn composer_other_kinds(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    customer_says(server, &ctx, "15551230301", "where are you?").await;
    let browser = Browser::signed_in(server, &ctx.key).await;
    let thread = format!("/console/inbox/{}/15551230301", ctx.channel);
    let (page, csrf) = browser.page(&thread).await;
    assert!(
        page.contains("<details class=\"other-kinds\" id=\"other-kinds\">"),
        "{page}"
    );
    let other = format!("{thread}/send-other");
    let forms: [&[(&str, &str)]; 4] = [
        &[
            ("kind", "location"),
            ("latitude", "52.52"),
            ("longitude", "13.405"),
            ("name", "Shop <1>"),
        ],
        &[
            ("kind", "buttons"),
            ("body", "Delivery today?"),
            ("button1", "Yes"),
            ("button2", "No"),
        ],
        &[
            ("kind", "contact"),
            ("contact_name", "Support"),
            ("contact_phone", "+1 555 0100"),
        ],
        &[
            ("kind", "image"),
            ("link", "https://example.com/shop.png"),
            ("caption", "our shop"),
        ],
    ];
    for fields in forms {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let sent = browser.post(&other, &all).await;
        assert_eq!(sent.code, 303, "{}", sent.text);
        assert_eq!(location(&sent), thread, "{fields:?}");
    }
    let out = server
        .get(
            &format!(
                "/v1/channels/{}/messages?chat=15551230301&direction=outbound",
                ctx.channel
            ),
            &ctx.key,
        )
        .await
        .status(200);
    let mut kinds: Vec<(String, Value)> = data(&out)
        .iter()
        .map(|m| (string(&m["type"]), m["content"].clone()))
        .collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["contacts", "image", "interactive", "location"]);
    assert_eq!(kinds[3].1["location"]["name"], "Shop <1>");
    assert_eq!(kinds[3].1["location"]["longitude"], 13.405);
    assert_eq!(
        kinds[2].1["interactive"]["action"]["buttons"][1]["reply"]["title"],
        "No"
    );
    assert_eq!(kinds[1].1["image"]["caption"], "our shop");
    assert_eq!(
        kinds[0].1["contacts"][0]["name"]["formatted_name"],
        "Support"
    );

    // Any message as JSON (here a list), addressed to the conversation.
    let list = json!({"type": "interactive", "interactive": {"type": "list",
        "body": {"text": "Pick a size"},
        "action": {"button": "Sizes", "sections": [{"title": "Sizes",
            "rows": [{"id": "s", "title": "Small"}, {"id": "l", "title": "Large"}]}]}}});
    let sent = browser
        .post(
            &other,
            &[
                ("csrf", &csrf),
                ("kind", "json"),
                ("message", &list.to_string()),
            ],
        )
        .await;
    assert_eq!(location(&sent), thread, "{}", location(&sent));
    let lists = server
        .get(
            &format!(
                "/v1/channels/{}/messages?chat=15551230301&direction=outbound",
                ctx.channel
            ),
            &ctx.key,
        )
        .await
        .status(200);
    assert!(data(&lists)
        .iter()
        .any(|m| m["content"]["interactive"]["type"] == "list"
            && m["content"]["to"] == "15551230301"));

    // Refused before anything is stored: the form's own check, then the send service's.
    let before = data(&lists).len();
    for fields in [
        vec![
            ("csrf", csrf.as_str()),
            ("kind", "location"),
            ("latitude", "north"),
            ("longitude", "1"),
        ],
        vec![
            ("csrf", csrf.as_str()),
            ("kind", "buttons"),
            ("body", "x"),
            ("button1", &"b".repeat(21)),
        ],
    ] {
        let refused = browser.post(&other, &fields).await;
        assert_eq!(refused.code, 303);
        assert!(
            location(&refused).contains("?error="),
            "{fields:?}: {}",
            location(&refused)
        );
    }
    assert!(location(
        &browser
            .post(
                &other,
                &[
                    ("csrf", &csrf),
                    ("kind", "location"),
                    ("latitude", "north"),
                    ("longitude", "1")
                ]
            )
            .await
    )
    .contains("latitude"));
    let after = server
        .get(
            &format!(
                "/v1/channels/{}/messages?chat=15551230301&direction=outbound",
                ctx.channel
            ),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(data(&after).len(), before);
    assert_eq!(
        browser.post(&other, &[("kind", "location")]).await.code,
        403,
        "no CSRF token"
    );

    // A file from the composer: stored, sent as the kind its bytes are, previewed in the
    // thread from the console's media route; refused files come back with why.
    let upload = |token: Option<String>, name: &str, mime: &str, bytes: Vec<u8>| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(token) = token {
            form = form.text("csrf", token);
        }
        form = form.text("caption", "the <b>shop</b>");
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap();
        form = form.part("file", part);
        browser
            .http
            .post(format!("{}{thread}/upload", browser.base))
            .header(COOKIE, format!("sb_session={}", browser.cookie))
            .header(ORIGIN, &browser.base)
            .multipart(form)
            .send()
    };
    let png = crate::media::png(300);
    let forbidden = upload(None, "shop.png", "image/png", png.clone())
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    let sent = upload(Some(csrf.clone()), "shop.png", "image/png", png.clone())
        .await
        .unwrap();
    assert_eq!(sent.status(), 303);
    assert_eq!(sent.headers()[LOCATION].to_str().unwrap(), thread);
    let out = server
        .get(
            &format!(
                "/v1/channels/{}/messages?chat=15551230301&direction=outbound",
                ctx.channel
            ),
            &ctx.key,
        )
        .await
        .status(200);
    let uploaded = data(&out)
        .into_iter()
        .find(|m| {
            m["content"]["image"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("med_"))
        })
        .expect("the uploaded image was sent by its media id");
    assert_eq!(uploaded["content"]["image"]["caption"], "the <b>shop</b>");
    let media = string(&uploaded["content"]["image"]["id"]);
    let (page, _) = browser.page(&thread).await;
    assert!(
        page.contains(&format!("<img src=\"/console/media/{media}\"")),
        "{page}"
    );
    let served = browser.get(&format!("/console/media/{media}")).await;
    assert_eq!(served.code, 200);
    assert_eq!(served.headers["content-type"], "image/png");
    let html = upload(
        Some(csrf.clone()),
        "page.html",
        "text/html",
        b"<html><script>x</script>".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(html.status(), 303);
    assert!(
        html.headers()[LOCATION]
            .to_str()
            .unwrap()
            .contains("?error=file"),
        "not a type WhatsApp takes: {:?}",
        html.headers()[LOCATION]
    );
    let other = setup_sandbox(server).await;
    let stranger = Browser::signed_in(server, &other.key).await;
    assert_eq!(
        stranger.get(&format!("/console/media/{media}")).await.code,
        404
    );
}

on_both_backends!(
    api => super::conversations_api,
    pages => super::inbox_pages,
    other_kinds => super::composer_other_kinds,
);
