//! The web console over real HTTP: sign-in and out, one-time links, expiry, revocation, CSRF,
//! security headers, escaping, the live stream, and the session cookie refused on `/v1`.

use std::time::Duration;

use futures::StreamExt;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::json;

use crate::common::*;

/// A browser without JavaScript: no redirects followed, one session cookie.
pub(crate) struct Browser {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) cookie: Option<String>,
}

impl Browser {
    pub(crate) fn new(server: &TestServer) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
            cookie: None,
        }
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(c) => request.header(COOKIE, format!("sb_session={c}")),
            None => request,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        let request = self.with_cookie(self.http.get(format!("{}{path}", self.base)));
        Reply::read(request.send().await.unwrap()).await
    }

    /// Posts a form from `origin` (the console's own when `None`).
    pub(crate) async fn post_from(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Reply {
        let origin = origin
            .map(str::to_string)
            .unwrap_or_else(|| self.base.clone());
        let request = self
            .with_cookie(self.http.post(format!("{}{path}", self.base)))
            .header(ORIGIN, origin)
            .form(fields);
        Reply::read(request.send().await.unwrap()).await
    }

    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.post_from(path, fields, None).await
    }

    /// Signs in with `key`; keeps the session cookie and returns the answer.
    pub(crate) async fn sign_in(&mut self, key: &str) -> Reply {
        let reply = self.post("/console/sign-in", &[("key", key)]).await;
        if let Some(id) = session_cookie(&reply) {
            self.cookie = Some(id);
        }
        reply
    }

    /// The CSRF token of the signed-in page at `path`.
    pub(crate) async fn csrf(&self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.code, 200, "{}", page.text);
        let start = page
            .text
            .find("name=\"csrf\" value=\"")
            .expect("a CSRF field")
            + 19;
        page.text[start..start + 64].to_string()
    }
}

/// A browser signed in with `key` (the sign-in answered 303).
pub(crate) async fn signed_in(server: &TestServer, key: &str) -> Browser {
    let mut browser = Browser::new(server);
    let reply = browser.sign_in(key).await;
    assert_eq!(reply.code, 303, "{}", reply.text);
    browser
}

fn session_cookie(reply: &Reply) -> Option<String> {
    let header = reply.headers.get(SET_COOKIE)?.to_str().ok()?;
    let value = header.strip_prefix("sb_session=")?.split(';').next()?;
    (!value.is_empty()).then(|| value.to_string())
}

pub(crate) fn location(reply: &Reply) -> String {
    reply
        .headers
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub(crate) fn assert_signed_out(reply: &Reply) {
    assert_eq!(reply.code, 303, "{}", reply.text);
    assert_eq!(location(reply), "/console/sign-in");
}

#[tokio::test]
async fn root_redirects_to_the_console_and_pages_need_a_session() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let browser = Browser::new(&server);
    let root = browser.get("/").await;
    assert!(matches!(root.code, 303 | 307 | 308), "{}", root.code);
    assert_eq!(location(&root), "/console");
    assert_signed_out(&browser.get("/console/channels").await);
    assert_signed_out(&browser.get("/console").await);
    let sign_in = browser.get("/console/sign-in").await;
    assert_eq!(sign_in.code, 200);
    assert!(sign_in.text.contains("name=\"key\""));
}

#[tokio::test]
async fn sign_in_makes_a_strict_http_only_session_and_sign_out_ends_it() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let mut browser = Browser::new(&server);
    let bad = browser.sign_in("sb_not_a_real_key").await;
    assert_eq!(bad.code, 401);
    assert!(bad.text.contains("invalid or revoked API key"));
    assert!(session_cookie(&bad).is_none());

    let reply = browser.sign_in(&ctx.key).await;
    assert_eq!(reply.code, 303, "{}", reply.text);
    assert_eq!(location(&reply), "/console/channels");
    let cookie = reply.headers.get(SET_COOKIE).unwrap().to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert!(
        !cookie.contains(&ctx.key),
        "the key never goes to the browser"
    );
    assert_eq!(browser.cookie.as_ref().unwrap().len(), 64);

    let page = browser.get("/console/channels").await;
    assert_eq!(page.code, 200);
    assert!(page.text.contains("acme"), "the shell shows the account");
    assert!(page.text.contains(&ctx.channel));

    let csrf = browser.csrf("/console/channels").await;
    let out = browser.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_signed_out(&out);
    assert!(out
        .headers
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_signed_out(&browser.get("/console/channels").await);
}

#[tokio::test]
async fn secure_cookies_behind_https() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let browser = Browser::new(&server);
    let reply = browser
        .http
        .post(format!("{}/console/sign-in", server.base))
        .header(ORIGIN, &server.base)
        .header("x-forwarded-proto", "https")
        .form(&[("key", ctx.key.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = reply.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn every_console_response_carries_the_security_headers() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&ctx.key).await;
    for path in [
        "/console/sign-in",
        "/console/channels",
        "/console/events",
        "/console/nope",
        "/console/static/vendor/htmx.min.js",
    ] {
        let reply = browser.get(path).await;
        let csp = reply
            .headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"))
            .to_str()
            .unwrap();
        assert_eq!(csp, switchboard_console::headers::CSP, "{path}");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(
            reply.headers.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
    }
    let js = browser.get("/console/static/vendor/htmx.min.js").await;
    assert_eq!(js.code, 200);
    assert!(js
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(browser.get("/console/nope").await.code, 404);
    assert_eq!(browser.get("/console/static/../Cargo.toml").await.code, 404);
}

#[tokio::test]
async fn csrf_refuses_missing_or_wrong_tokens_and_foreign_origins() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&ctx.key).await;
    let csrf = browser.csrf("/console/channels").await;
    let channels = |list: serde_json::Value| data(&list).len();
    let before = channels(server.get("/v1/channels", &ctx.key).await.ok());

    let missing = browser.post("/console/channels/sandbox", &[]).await;
    assert_eq!(missing.code, 403, "{}", missing.text);
    let wrong = browser
        .post("/console/channels/sandbox", &[("csrf", &"0".repeat(64))])
        .await;
    assert_eq!(wrong.code, 403);
    let foreign = browser
        .post_from(
            "/console/channels/sandbox",
            &[("csrf", &csrf)],
            Some("http://evil.example"),
        )
        .await;
    assert_eq!(foreign.code, 403);
    // No Origin and no Referer at all: refused too.
    let bare = browser
        .with_cookie(
            browser
                .http
                .post(format!("{}/console/channels/sandbox", server.base)),
        )
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
    // A foreign site cannot even sign in (login CSRF).
    let login = browser
        .post_from(
            "/console/sign-in",
            &[("key", &ctx.key)],
            Some("http://evil.example"),
        )
        .await;
    assert_eq!(login.code, 403);
    assert_eq!(
        channels(server.get("/v1/channels", &ctx.key).await.ok()),
        before
    );

    // The form's hidden field, then htmx's header: both accepted.
    let added = browser
        .post("/console/channels/sandbox", &[("csrf", &csrf)])
        .await;
    assert_eq!(added.code, 303, "{}", added.text);
    assert!(location(&added).starts_with("/console/channels?added=ch_"));
    let by_header = browser
        .with_cookie(
            browser
                .http
                .post(format!("{}/console/channels/sandbox", server.base)),
        )
        .header(ORIGIN, &server.base)
        .header("x-csrf-token", &csrf)
        .form(&[("name", "by htmx")])
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 303);
    let listed = server.get("/v1/channels", &ctx.key).await.ok();
    assert_eq!(channels(listed), before + 2);
}

#[tokio::test]
async fn channel_detail_shows_the_timeline_and_deletes_with_confirmation() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&ctx.key).await;
    let path = format!("/console/channels/{}", ctx.channel);
    let page = browser.get(&path).await;
    assert_eq!(page.code, 200, "{}", page.text);
    assert!(page.text.contains("Status timeline"));
    assert!(
        page.text.contains("created"),
        "the channel.status event of its creation"
    );
    let csrf = browser.csrf(&path).await;
    let delete = format!("{path}/delete");
    let unconfirmed = browser
        .post(&delete, &[("csrf", &csrf), ("confirm", "nope")])
        .await;
    assert_eq!(unconfirmed.code, 400);
    server
        .get(&format!("/v1/channels/{}", ctx.channel), &ctx.key)
        .await
        .ok();
    let deleted = browser
        .post(&delete, &[("csrf", &csrf), ("confirm", "sandbox")])
        .await;
    assert_eq!(deleted.code, 303, "{}", deleted.text);
    assert_eq!(
        server
            .get(&format!("/v1/channels/{}", ctx.channel), &ctx.key)
            .await
            .code,
        404
    );
    // Another account's channel (or a deleted one) is not found.
    let (_, other) = create_account(&server, "other").await;
    let theirs = create_sandbox_channel(&server, &other, "theirs").await;
    assert_eq!(
        browser
            .get(&format!("/console/channels/{theirs}"))
            .await
            .code,
        404
    );
    assert_eq!(browser.get("/console/channels/not-an-id").await.code, 404);
}

#[tokio::test]
async fn hostile_names_are_escaped_and_pages_have_no_inline_script_or_style() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let hostile = "<script>alert(1)</script>";
    let id = create_sandbox_channel(&server, &ctx.key, hostile).await;
    let mut browser = Browser::new(&server);
    let sign_in = browser.get("/console/sign-in").await.text;
    browser.sign_in(&ctx.key).await;
    let pages = [
        sign_in,
        browser.get("/console/channels").await.text,
        browser.get(&format!("/console/channels/{id}")).await.text,
        browser.get("/console/events").await.text,
    ];
    for page in &pages {
        assert!(!page.contains(hostile), "unescaped: {page}");
        for (at, _) in page.match_indices("<script") {
            let tag = &page[at..at + page[at..].find('>').unwrap()];
            assert!(
                tag.contains(" src=\"/console/static/"),
                "inline script: {tag}"
            );
        }
        assert!(!page.contains("<style"), "inline style element");
        assert!(!page.contains(" style="), "inline style attribute");
        assert!(!page.contains("javascript:"));
        for handler in [" onclick=", " onload=", " onerror=", " onsubmit=", " hx-on"] {
            assert!(!page.contains(handler), "inline handler {handler}");
        }
    }
    assert!(
        pages[1].contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        pages[1]
    );
    assert!(pages[2].contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
}

#[tokio::test]
async fn the_session_cookie_is_never_accepted_on_the_api() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&ctx.key).await;
    assert_eq!(browser.get("/console/channels").await.code, 200);
    for path in ["/v1/channels", "/v1/events", "/v1/keys"] {
        let reply = browser.get(path).await;
        assert_eq!(reply.code, 401, "{path}: {}", reply.text);
    }
}

#[tokio::test]
async fn revoking_the_key_ends_its_sessions() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let (key_id, secret) = create_key(&server, &ctx.key, json!({"permission": "read"})).await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&secret).await;
    let page = browser.get("/console/channels").await;
    assert_eq!(page.code, 200);
    assert!(
        !page.text.contains("add-sandbox"),
        "a read key cannot add channels"
    );
    server
        .delete(&format!("/v1/keys/{key_id}"), &ctx.key)
        .await
        .status(204);
    assert_signed_out(&browser.get("/console/channels").await);
    // Gone for good, not just refused once.
    assert_signed_out(&browser.get("/console/events").await);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_end() {
    for (idle, max) in [(1, 3600), (3600, 1)] {
        let server = TestServer::start_changed(Backend::Sqlite, |c| {
            c.console.session_idle_seconds = idle;
            c.console.session_max_seconds = max;
        })
        .await
        .unwrap();
        let ctx = setup_sandbox(&server).await;
        let mut browser = Browser::new(&server);
        browser.sign_in(&ctx.key).await;
        assert_eq!(browser.get("/console/channels").await.code, 200);
        tokio::time::sleep(Duration::from_millis(1_300)).await;
        assert_signed_out(&browser.get("/console/channels").await);
    }
}

#[tokio::test]
async fn the_admin_key_signs_in_to_the_accounts_without_account_pages() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let mut browser = Browser::new(&server);
    let reply = browser.sign_in(ADMIN_KEY).await;
    assert_eq!(location(&reply), "/console/accounts");
    let home = browser.get("/console/accounts").await;
    assert_eq!(home.code, 200);
    assert!(home.text.contains("admin key"));
    assert_eq!(browser.get("/console/channels").await.code, 403);
}

#[tokio::test]
async fn the_first_start_link_signs_in_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let mut config = test_config(dir.path(), url);
    config.bootstrap = true;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = switchboard::Server::prepare(config).await.unwrap();
    let link =
        switchboard::bootstrap::console_link(server.store().as_ref(), &server.bootstrap, &base)
            .await
            .expect("a link at first start");
    let api_key = server
        .bootstrap
        .default_account
        .as_ref()
        .unwrap()
        .api_key
        .clone();
    let account = server
        .bootstrap
        .default_account
        .as_ref()
        .unwrap()
        .account_id
        .parse()
        .unwrap();
    assert_eq!(
        server.store().credit_balance(account).await.unwrap(),
        switchboard::bootstrap::FIRST_START_CREDITS,
        "the default account can try a broadcast at once"
    );
    assert!(link.starts_with(&format!("{base}/console/sign-in?token=")));
    assert!(!link.contains(&api_key), "the key is never in a URL");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let first = Reply::read(http.get(&link).send().await.unwrap()).await;
    assert_eq!(first.code, 303, "{}", first.text);
    let cookie = session_cookie(&first).expect("a session");
    let page = http
        .get(format!("{base}/console/channels"))
        .header(COOKIE, format!("sb_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("sandbox"));
    let again = Reply::read(http.get(&link).send().await.unwrap()).await;
    assert_eq!(again.code, 401, "single use");
    assert!(session_cookie(&again).is_none());
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

/// Reads SSE messages from `response` until one of `event` type arrives; returns its id and
/// data.
async fn next_sse(response: reqwest::Response, event: &str) -> (String, String) {
    let mut body = response.bytes_stream();
    let mut text = String::new();
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(chunk) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            for block in text.split("\n\n") {
                let field = |name: &str| {
                    block
                        .lines()
                        .filter_map(|l| l.strip_prefix(name))
                        .map(str::trim_start)
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                if field("event:") == event {
                    return Some((field("id:"), field("data:")));
                }
            }
        }
        None
    })
    .await;
    found
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no `{event}` event in: {text}"))
}

#[tokio::test]
async fn live_badges_and_events_resume_from_the_last_event_id() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let ctx = setup_sandbox(&server).await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&ctx.key).await;
    let live = browser
        .with_cookie(
            browser
                .http
                .get(format!("{}/console/live?scope=channels", server.base)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    assert!(live.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let added = create_sandbox_channel(&server, &ctx.key, "live one").await;
    let (id, badge) = next_sse(live, &format!("status-{added}")).await;
    assert!(!id.is_empty(), "each message carries its cursor");
    assert!(
        badge.contains("badge") && badge.contains("active"),
        "{badge}"
    );

    // Resume: from the first event's cursor, the next message is the second event.
    let events = server.get("/v1/events", &ctx.key).await.ok();
    let listed = data(&events);
    assert!(listed.len() >= 2);
    let first = string(&listed[0]["cursor"]);
    let second = string(&listed[1]["cursor"]);
    let resumed = browser
        .with_cookie(
            browser
                .http
                .get(format!("{}/console/live?scope=events", server.base)),
        )
        .header("last-event-id", &first)
        .send()
        .await
        .unwrap();
    let (id, row) = next_sse(resumed, "event").await;
    assert_eq!(id, second);
    assert!(row.starts_with("<tr>"), "{row}");
    // Without a session: no stream.
    let anonymous = Browser::new(&server)
        .get("/console/live?scope=events")
        .await;
    assert_signed_out(&anonymous);
}

#[tokio::test]
async fn a_session_works_across_nodes_sharing_postgresql() {
    let Some(a) = TestServer::start(Backend::Postgres).await else {
        return;
    };
    let b = TestServer::start_with(a.config.clone(), None, None).await;
    let ctx = setup_sandbox(&a).await;
    let mut on_a = Browser::new(&a);
    on_a.sign_in(&ctx.key).await;
    let mut on_b = Browser::new(&b);
    on_b.cookie = on_a.cookie.clone();
    let page = on_b.get("/console/channels").await;
    assert_eq!(page.code, 200, "{}", page.text);
    assert!(page.text.contains(&ctx.channel));
    // Signing out on one node ends the session on the other.
    let csrf = on_b.csrf("/console/channels").await;
    assert_signed_out(&on_b.post("/console/sign-out", &[("csrf", &csrf)]).await);
    assert_signed_out(&on_a.get("/console/channels").await);
}

/// Short QR codes and a quick session manager, for the pairing panel.
fn quick_pairing(c: &mut switchboard::config::Config) {
    c.web.poll_ms = 50;
    c.web.lease_ttl_ms = 2_000;
    c.sandbox.web_qr_first_ms = 1_500;
    c.sandbox.web_qr_next_ms = 1_500;
    c.web.max_qr_codes = 20;
}

#[tokio::test]
async fn a_web_channel_pairs_from_its_page_with_the_qr_replaced_live() {
    let server = TestServer::start_changed(Backend::Sqlite, quick_pairing)
        .await
        .unwrap();
    let (_, key) = create_account(&server, "web").await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&key).await;
    let csrf = browser.csrf("/console/channels").await;

    // Without the CSRF token nothing is created.
    let refused = browser
        .post(
            "/console/channels/web",
            &[("name", "phone"), ("sandbox", "true")],
        )
        .await;
    assert_eq!(refused.code, 403, "{}", refused.text);
    let added = browser
        .post(
            "/console/channels/web",
            &[
                ("csrf", &csrf),
                ("name", "<i>shop</i>"),
                ("sandbox", "true"),
            ],
        )
        .await;
    assert_eq!(added.code, 303, "{}", added.text);
    let path = location(&added);
    let channel = path.rsplit('/').next().unwrap().to_string();
    assert!(channel.starts_with("ch_"), "{path}");
    let page = browser.get(&path).await;
    assert!(page.text.contains("WhatsApp Web pairing"), "{}", page.text);
    assert!(page.text.contains("Start pairing"));
    assert!(!page.text.contains("<i>shop</i>"), "the name is escaped");

    // The live stream of the channel's page, then start pairing from the panel.
    let live = browser
        .with_cookie(browser.http.get(format!(
            "{}/console/live?scope=channel&channel={channel}",
            server.base
        )))
        .send()
        .await
        .unwrap();
    let start = format!("{path}/session/start");
    assert_eq!(browser.post(&start, &[]).await.code, 403, "CSRF checked");
    let started = browser.post(&start, &[("csrf", &csrf)]).await;
    assert_eq!(started.code, 303, "{}", started.text);
    // Each new code replaces the panel: code 1, then code 2, each with its image URL.
    let mut live = SseReader::new(live);
    let mut seen = Vec::new();
    for n in 1..=2 {
        let wanted = format!("code {n} of 20");
        let panel = loop {
            let panel = live.next("pairing").await;
            if panel.contains(&wanted) {
                break panel;
            }
        };
        assert!(
            panel.contains(&format!("/console/channels/{channel}/qr.png?n={n}")),
            "{panel}"
        );
        assert!(panel.contains("data-expires-at="), "{panel}");
        seen.push(n);
    }
    assert_eq!(seen, [1, 2]);
    let png = browser
        .get(&format!("/console/channels/{channel}/qr.png"))
        .await;
    assert_eq!(png.code, 200);
    assert_eq!(png.headers["content-type"], "image/png");

    // The fake phone scans: the panel turns paired, with the pairing's name escaped.
    server
        .post_json(
            &format!("/sandbox/emulator/web/{channel}/scan"),
            NO_KEY,
            json!({"phone_number": "2349040613521", "push_name": "<b>Shop</b>"}),
        )
        .await
        .status(200);
    let panel = loop {
        let panel = live.next("pairing").await;
        if panel.contains("Paired as") {
            break panel;
        }
    };
    assert!(panel.contains("2349040613521"), "{panel}");
    assert!(!panel.contains("<b>Shop</b>"), "{panel}");
    drop(live);

    // Another account cannot see or drive it.
    let (_, other) = create_account(&server, "other").await;
    let mut stranger = Browser::new(&server);
    stranger.sign_in(&other).await;
    let their_csrf = stranger.csrf("/console/channels").await;
    assert_eq!(stranger.get(&path).await.code, 404);
    assert_eq!(
        stranger.post(&start, &[("csrf", &their_csrf)]).await.code,
        404
    );
    assert_eq!(
        stranger
            .get(&format!("/console/channels/{channel}/qr.png"))
            .await
            .code,
        404
    );

    // Log out from the panel: the session ends failed/logged_out and the page says so.
    let logout = browser
        .post(&format!("{path}/session/logout"), &[("csrf", &csrf)])
        .await;
    assert_eq!(logout.code, 303, "{}", logout.text);
    let page = browser.get(&path).await;
    assert!(page.text.contains("logged_out"), "{}", page.text);
    assert!(page.text.contains("Start pairing"));
    // A sandbox channel has no pairing panel, and its session routes refuse.
    let sandbox = create_sandbox_channel(&server, &key, "cloud-ish").await;
    let page = browser.get(&format!("/console/channels/{sandbox}")).await;
    assert!(!page.text.contains("WhatsApp Web pairing"));
    let refused = browser
        .post(
            &format!("/console/channels/{sandbox}/session/start"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.code, 422, "{}", refused.text);
}

/// An SSE stream read message by message.
pub(crate) struct SseReader {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    pub(crate) fn new(response: reqwest::Response) -> Self {
        SseReader {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The data of the next message of type `event` (others are skipped), within 15 s.
    pub(crate) async fn next(&mut self, event: &str) -> String {
        let found = tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let field = |name: &str| {
                        block
                            .lines()
                            .filter_map(|l| l.strip_prefix(name))
                            .map(str::trim_start)
                            .collect::<Vec<_>>()
                            .join("\n")
                    };
                    if field("event:") == event {
                        return Some(field("data:"));
                    }
                }
                let chunk = self.body.next().await?.ok()?;
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        found
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no `{event}` message; unread: {}", self.buffer))
    }
}

#[tokio::test]
async fn a_messenger_channel_is_added_from_the_form_with_its_callback_and_token_shown_once() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let (_, key) = create_account(&server, "meta").await;
    let mut browser = Browser::new(&server);
    browser.sign_in(&key).await;
    let csrf = browser.csrf("/console/channels").await;
    let page = browser.get("/console/channels").await;
    assert!(page
        .text
        .contains("Add a WhatsApp Cloud API, Telegram, Messenger or Instagram channel"));

    // A missing field is named, nothing is stored.
    let refused = browser
        .post(
            "/console/channels/add",
            &[("csrf", &csrf), ("name", "page"), ("kind", "messenger")],
        )
        .await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    assert!(
        refused.text.contains("settings.page_id"),
        "{}",
        refused.text
    );
    let unknown = browser
        .post(
            "/console/channels/add",
            &[("csrf", &csrf), ("name", "x"), ("kind", "web")],
        )
        .await;
    assert_eq!(unknown.code, 400, "web channels have their own form");

    let added = browser
        .post(
            "/console/channels/add",
            &[
                ("csrf", &csrf),
                ("name", "<script>page</script>"),
                ("kind", "messenger"),
                ("page_id", "1234567890"),
                ("page_access_token", "EAAtoken"),
                ("app_secret", "0123456789abcdef0123456789abcdef"),
                // Fields of other kinds are ignored.
                ("phone_number_id", "999"),
            ],
        )
        .await;
    assert_eq!(added.code, 200, "{}", added.text);
    assert!(!added.text.contains("<script>page"), "escaped");
    let listed = server.get("/v1/channels", &key).await.ok();
    let channel = &data(&listed)[0];
    assert_eq!(channel["kind"], "messenger");
    let id = string(&channel["id"]);
    assert!(
        added.text.contains(&format!("/webhooks/meta/{id}")),
        "{}",
        added.text
    );
    // The verify token is shown in full on this page only.
    let start = added.text.find("id=\"verify-token\">").unwrap() + 18;
    let token = &added.text[start..added.text[start..].find('<').unwrap() + start];
    assert!(token.len() >= 16, "{token}");
    let masked = serde_json::to_string(&channel["settings"]).unwrap();
    assert!(!masked.contains(token), "{masked}");
    let detail = browser.get(&format!("/console/channels/{id}")).await;
    assert!(!detail.text.contains(token));
}

#[tokio::test]
async fn a_cloud_channels_connection_is_tested_from_its_page() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let (_, key) = create_account(&server, "cloud").await;
    let (phone, waba, token) = ("106540352240777", "102290129340777", "EAAG-console-token");
    let created = server
        .post_json(
            "/v1/channels",
            &key,
            &json!({"name": "cloud line", "kind": "cloud", "phone_number_id": phone, "waba_id": waba,
                "access_token": token, "app_secret": "cloud-app-secret",
                "base_url": format!("{}/sandbox", server.base)}),
        )
        .await
        .status(201);
    let id = string(&created["id"]);
    let mut browser = Browser::new(&server);
    browser.sign_in(&key).await;
    let path = format!("/console/channels/{id}");
    let csrf = browser.csrf(&path).await;
    assert!(browser.get(&path).await.text.contains("Test connection"));

    // The upstream does not know the token yet: the page says what Meta answered.
    let failed = browser
        .post(&format!("{path}/test"), &[("csrf", &csrf)])
        .await;
    assert_eq!(failed.code, 502, "{}", failed.text);
    assert!(
        failed.text.contains("connection test failed"),
        "{}",
        failed.text
    );

    // Once it does, the test passes and the number Meta reported is shown.
    server
        .post_json(
            "/sandbox/emulator/phone_numbers",
            NO_KEY,
            &json!({"phone_number_id": phone, "waba_id": waba, "display_phone_number": "15550007777",
                "access_token": token, "app_secret": "cloud-app-secret", "verified_name": "Shop"}),
        )
        .await
        .status(200);
    let passed = browser
        .post(&format!("{path}/test"), &[("csrf", &csrf)])
        .await;
    assert_eq!(passed.code, 303, "{}", passed.text);
    assert_eq!(location(&passed), format!("{path}?tested=ok"));
    let page = browser.get(&location(&passed)).await;
    assert!(page.text.contains("The connection works"), "{}", page.text);
    assert!(page.text.contains("+15550007777"), "{}", page.text);

    // A sandbox channel has nothing to test.
    let sandbox = create_sandbox_channel(&server, &key, "sandbox").await;
    let refused = browser
        .post(
            &format!("/console/channels/{sandbox}/test"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.code, 422, "{}", refused.text);
}
