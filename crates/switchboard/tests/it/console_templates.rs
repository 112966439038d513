//! The console's Templates page over real HTTP on SQLite and PostgreSQL: the list with none,
//! many and hostile templates; a channel kind without templates explained; creation refused
//! with the form's field named, previewed with its examples filled in, then submitted through
//! the templates service; sync through the sandbox; delete; the live status fragment; CSRF,
//! read-only keys, other accounts' ids and the CSP header.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};

use crate::common::*;
use crate::console::{location, signed_in};

const HOSTILE: &str = "<script>alert(1)</script>";
const ESCAPED: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

fn page_path(channel: &str) -> String {
    format!("/console/channels/{channel}/templates")
}

/// The channel's templates through the API.
async fn api_list(server: &TestServer, ctx: &Ctx) -> Vec<Value> {
    let body = server
        .get(
            &format!("/v1/channels/{}/templates?limit=500", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    data(&body)
}

/// Waits for the background sync of a new channel to store the sandbox's hello_world, then
/// deletes it (upstream too, so no later sync brings it back).
async fn clear(server: &TestServer, ctx: &Ctx) {
    let listed = eventually(30, "the new channel's background sync", || async {
        let listed = api_list(server, ctx).await;
        listed
            .iter()
            .any(|t| t["name"] == "hello_world")
            .then_some(listed)
    })
    .await;
    for t in listed {
        server
            .delete(
                &format!(
                    "/v1/channels/{}/templates/{}",
                    ctx.channel,
                    string(&t["id"])
                ),
                &ctx.key,
            )
            .await
            .status(200);
    }
}

fn order_form<'a>(csrf: &'a str, name: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("language", "en_US"),
        ("category", "UTILITY"),
        ("header", "Order {{1}}"),
        ("header_example", "A-1001"),
        ("body", "Hi {{1}}, your order {{2}} is ready."),
        ("examples", "Ann\nA-1001"),
        ("footer", "Thanks for shopping"),
        ("button_1_kind", "quick_reply"),
        ("button_1_text", "Got it"),
        ("button_2_kind", "url"),
        ("button_2_text", "Track"),
        ("button_2_url", "https://example.com/t/{{1}}"),
        ("button_2_example", "A-1001"),
        ("button_3_kind", ""),
        ("action", action),
    ]
}

async fn list_renders_empty_many_and_hostile(server: &TestServer) {
    let (_, key) = create_account(server, "acme").await;
    let channel = create_sandbox_channel(server, &key, HOSTILE).await;
    let ctx = Ctx { key, channel };
    clear(server, &ctx).await;
    let browser = signed_in(server, &ctx.key).await;

    // The menu entry goes straight to the only channel.
    let menu = browser.get("/console/templates").await;
    assert_eq!(menu.code, 303, "{}", menu.text);
    assert_eq!(location(&menu), page_path(&ctx.channel));

    let empty = browser.get(&page_path(&ctx.channel)).await;
    assert_eq!(empty.code, 200, "{}", empty.text);
    assert!(empty.text.contains("No template yet"), "{}", empty.text);
    assert!(empty.text.contains("id=\"new-template\""));
    assert!(empty.text.contains(ESCAPED));
    assert!(!empty.text.contains(HOSTILE));
    let csp = empty.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!empty.text.contains("style="));

    // Many, one of them with hostile text: all listed, the text escaped.
    for i in 0..12 {
        let body = json!({"name": format!("notice_{i:02}"), "language": "en_US",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": format!("Notice {i} {HOSTILE}")}]});
        server
            .post_json(
                &format!("/v1/channels/{}/templates", ctx.channel),
                &ctx.key,
                &body,
            )
            .await
            .status(201);
    }
    let many = browser.get(&page_path(&ctx.channel)).await;
    assert_eq!(many.code, 200);
    assert_eq!(many.text.matches("data-template=\"tpl_").count(), 12);
    for i in 0..12 {
        assert!(many.text.contains(&format!("notice_{i:02}")));
    }
    assert!(
        many.text.contains("Notice 3 &#60;script&#62;"),
        "{}",
        many.text
    );
    assert!(!many.text.contains(HOSTILE));
    assert!(many.text.contains("PENDING") || many.text.contains("APPROVED"));
    assert!(many
        .text
        .contains(&format!("scope=templates&amp;channel={}", ctx.channel)));

    // A channel kind without templates: a plain explanation, no form.
    let web = server
        .post_json(
            "/v1/channels",
            &ctx.key,
            &json!({"name": "phone", "kind": "web", "sandbox": true}),
        )
        .await
        .status(201);
    let web_page = browser.get(&page_path(&string(&web["id"]))).await;
    assert_eq!(web_page.code, 200, "{}", web_page.text);
    assert!(web_page.text.contains("id=\"no-templates\""));
    assert!(web_page.text.contains("has no message templates"));
    assert!(!web_page.text.contains("id=\"new-template\""));
    // Two channels now: the menu entry lists them.
    let menu = browser.get("/console/templates").await;
    assert_eq!(menu.code, 200);
    assert!(menu.text.contains("id=\"channel-picker\""));
    assert_eq!(
        menu.text.matches("/templates\">").count(),
        2,
        "{}",
        menu.text
    );
}

async fn create_is_refused_previewed_and_submitted(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let path = page_path(&ctx.channel);
    let csrf = browser.csrf(&path).await;
    let named = |name: &'static str| {
        let ctx = &ctx;
        async move {
            api_list(server, ctx)
                .await
                .iter()
                .any(|t| t["name"] == name || t["name"] == name.to_lowercase())
        }
    };

    // A placeholder without its example: 400 naming the body, the form kept.
    let mut fields = order_form(&csrf, "order_ready", "preview");
    fields.retain(|(k, _)| *k != "examples");
    let refused = browser.post(&path, &fields).await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    assert!(refused.text.contains("id=\"template-error\""));
    let error = refused.text.split("id=\"template-error\">").nth(1).unwrap();
    assert!(error.starts_with("Body"), "{error}");
    assert!(refused.text.contains("value=\"order_ready\""));
    assert!(!refused.text.contains("id=\"template-preview\""));

    // A bad name: refused by the same validation as the API, naming the field.
    let bad_name = order_form(&csrf, "Bad Name", "submit");
    let refused = browser.post(&path, &bad_name).await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    let error = refused.text.split("id=\"template-error\">").nth(1).unwrap();
    assert!(error.starts_with("name"), "{error}");
    assert!(!named("Bad Name").await, "nothing created");

    // Hostile text in the preview is escaped.
    let mut hostile = order_form(&csrf, "hostile_one", "preview");
    hostile.retain(|(k, _)| *k != "body");
    let body = format!("{HOSTILE} {{{{1}}}} {{{{2}}}}.");
    hostile.push(("body", &body));
    let shown = browser.post(&path, &hostile).await;
    assert_eq!(shown.code, 200, "{}", shown.text);
    assert!(shown
        .text
        .contains("&#60;script&#62;alert(1)&#60;/script&#62; Ann A-1001."));
    assert!(!shown.text.contains(HOSTILE));

    // Preview: the message as the customer sees it, examples filled in; nothing created.
    let preview = browser
        .post(&path, &order_form(&csrf, "order_ready", "preview"))
        .await;
    assert_eq!(preview.code, 200, "{}", preview.text);
    let bubble = preview
        .text
        .split("id=\"template-preview\"")
        .nth(1)
        .unwrap();
    assert!(bubble.contains("Order A-1001"), "{bubble}");
    assert!(bubble.contains("Hi Ann, your order A-1001 is ready."));
    assert!(bubble.contains("Thanks for shopping"));
    assert!(bubble.contains("Got it") && bubble.contains("https://example.com/t/A-1001"));
    assert!(!named("order_ready").await, "a preview creates nothing");
    assert!(!named("hostile_one").await);

    // Submit for review: created upstream and here, PENDING, listed.
    let submitted = browser
        .post(&path, &order_form(&csrf, "order_ready", "submit"))
        .await;
    assert_eq!(submitted.code, 303, "{}", submitted.text);
    assert!(location(&submitted).contains("created=order_ready"));
    let listed = api_list(server, &ctx).await;
    let created = listed
        .iter()
        .find(|t| t["name"] == "order_ready")
        .expect("created");
    assert_eq!(
        created["components"][1]["example"]["body_text"][0][1],
        "A-1001"
    );
    let page = browser.get(&location(&submitted)).await;
    assert!(page.text.contains("submitted for review"));
    assert!(page
        .text
        .contains(&format!("data-template=\"{}\"", string(&created["id"]))));

    // The same name and language again: 409 with the service's message.
    let again = browser
        .post(&path, &order_form(&csrf, "order_ready", "submit"))
        .await;
    assert_eq!(again.code, 409, "{}", again.text);
    assert!(again.text.contains("already exists"));

    // Delete: gone here (and upstream).
    let id = string(&created["id"]);
    let deleted = browser
        .post(&format!("{path}/{id}/delete"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(deleted.code, 303, "{}", deleted.text);
    assert!(location(&deleted).contains("deleted=order_ready"));
    assert!(!api_list(server, &ctx)
        .await
        .iter()
        .any(|t| t["name"] == "order_ready"));
}

async fn sync_reads_the_sandboxs_templates(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let path = page_path(&ctx.channel);
    let csrf = browser.csrf(&path).await;
    let synced = browser
        .post(&format!("{path}/sync"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(synced.code, 303, "{}", synced.text);
    assert!(
        location(&synced).contains("synced="),
        "{}",
        location(&synced)
    );
    let page = browser.get(&location(&synced)).await;
    assert!(
        page.text.contains("Synced with the upstream"),
        "{}",
        page.text
    );
    let hello = api_list(server, &ctx)
        .await
        .into_iter()
        .find(|t| t["name"] == "hello_world")
        .expect("the sandbox's hello_world");
    let row = page
        .text
        .split(&format!("data-template=\"{}\"", string(&hello["id"])))
        .nth(1)
        .unwrap();
    assert!(row.contains("badge ok\">APPROVED"), "{row}");
}

/// The data of the next SSE message named `event` on `response`, within 30 s.
async fn next_event(response: reqwest::Response, event: &str) -> String {
    let mut body = response.bytes_stream();
    let mut text = String::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(chunk) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            for block in text.split("\n\n") {
                let named = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("event:"))
                    .any(|name| name.trim_start() == event);
                if named {
                    let data: Vec<&str> = block
                        .lines()
                        .filter_map(|l| l.strip_prefix("data:"))
                        .map(str::trim_start)
                        .collect();
                    return Some(data.join("\n"));
                }
            }
        }
        None
    })
    .await;
    found
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no `{event}` message in: {text}"))
}

async fn the_status_changes_live(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let page = browser.get(&page_path(&ctx.channel)).await;
    assert_eq!(page.code, 200);
    let stream = browser
        .http
        .get(format!(
            "{}/console/live?scope=templates&channel={}",
            server.base, ctx.channel
        ))
        .header(
            "cookie",
            format!("sb_session={}", browser.cookie.clone().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let created = server
        .post_json(
            &format!("/v1/channels/{}/templates", ctx.channel),
            &ctx.key,
            &json!({"name": "please_reject_me", "language": "en_US", "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "Hello"}]}),
        )
        .await
        .status(201);
    let id = string(&created["id"]);
    let fragment = next_event(stream, &format!("tpl-{id}")).await;
    assert!(
        fragment.contains("badge bad\">REJECTED") && fragment.contains("INVALID_FORMAT"),
        "{fragment}"
    );
    // A scope without a channel of the account is not found.
    let bad = browser.get("/console/live?scope=templates").await;
    assert_eq!(bad.code, 404, "{}", bad.text);
}

async fn csrf_keys_and_other_accounts(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let path = page_path(&ctx.channel);
    let csrf = browser.csrf(&path).await;

    // Without the token: 403, nothing created or synced.
    let mut fields = order_form(&csrf, "no_token", "submit");
    fields.retain(|(k, _)| *k != "csrf");
    assert_eq!(browser.post(&path, &fields).await.code, 403);
    assert_eq!(browser.post(&format!("{path}/sync"), &[]).await.code, 403);
    assert!(!api_list(server, &ctx)
        .await
        .iter()
        .any(|t| t["name"] == "no_token"));

    // Another account's channel and template: 404, also with its own valid token.
    let other = setup_sandbox(server).await;
    let theirs = server
        .post_json(
            &format!("/v1/channels/{}/templates", other.channel),
            &other.key,
            &json!({"name": "theirs", "language": "en_US", "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "Hello"}]}),
        )
        .await
        .status(201);
    let their_path = page_path(&other.channel);
    assert_eq!(browser.get(&their_path).await.code, 404);
    assert_eq!(
        browser
            .post(&format!("{their_path}/sync"), &[("csrf", csrf.as_str())])
            .await
            .code,
        404
    );
    assert_eq!(
        browser
            .post(&their_path, &order_form(&csrf, "x_y", "submit"))
            .await
            .code,
        404
    );
    let their_template = format!("{path}/{}/delete", string(&theirs["id"]));
    assert_eq!(
        browser
            .post(&their_template, &[("csrf", csrf.as_str())])
            .await
            .code,
        404,
        "another account's template on my channel"
    );
    assert_eq!(
        browser
            .post(
                &format!("{path}/tpl_nope/delete"),
                &[("csrf", csrf.as_str())]
            )
            .await
            .code,
        404
    );

    // A read key sees the list without the forms, and may not sync or create.
    let (_, read) = create_key(
        server,
        &ctx.key,
        json!({"name": "reader", "permission": "read"}),
    )
    .await;
    let reader = signed_in(server, &read).await;
    let seen = reader.get(&path).await;
    assert_eq!(seen.code, 200, "{}", seen.text);
    assert!(!seen.text.contains("id=\"new-template\""));
    assert!(!seen.text.contains("id=\"sync-templates\""));
    let read_csrf = reader.csrf(&path).await;
    assert_eq!(
        reader
            .post(&format!("{path}/sync"), &[("csrf", read_csrf.as_str())])
            .await
            .code,
        403
    );
}

on_both_backends!(
    list_renders => super::list_renders_empty_many_and_hostile,
    create_preview_submit => super::create_is_refused_previewed_and_submitted,
    sync_through_the_sandbox => super::sync_reads_the_sandboxs_templates,
    live_status => super::the_status_changes_live,
    csrf_keys_and_other_accounts => super::csrf_keys_and_other_accounts,
);
