//! The console's Contacts page over real HTTP on SQLite and PostgreSQL, and the import
//! progress events it added to the native API: the list empty, paged and with hostile names;
//! search and tag filter; the export link; a contact edited (name, tags, opt-out, opt-in) and
//! deleted through its forms; a CSV import through the upload form with bad rows listed,
//! refusals shown on the form, the `contact.import.*` events in the API's log and the import
//! page's live fragment; CSRF, other accounts' ids, read keys and the CSP.

use std::time::Duration;

use reqwest::header::{COOKIE, ORIGIN};
use serde_json::{json, Value};

use crate::common::*;
use crate::console::{location, signed_in, Browser, SseReader};

const HOSTILE: &str = "<script>alert(1)</script>";

async fn add_contact(server: &TestServer, key: &str, body: Value) -> Value {
    server
        .post_json("/v1/contacts", key, body)
        .await
        .status(201)
}

/// Posts the import form (`multipart/form-data`): the token (if any), the mode, then the
/// file named `name` of type `mime`.
async fn upload(
    browser: &Browser,
    csrf: Option<&str>,
    mode: &str,
    file: Option<(&str, &str, String)>,
) -> Reply {
    let mut form = reqwest::multipart::Form::new();
    if let Some(token) = csrf {
        form = form.text("csrf", token.to_string());
    }
    form = form.text("mode", mode.to_string());
    if let Some((name, mime, body)) = file {
        let part = reqwest::multipart::Part::text(body)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap();
        form = form.part("file", part);
    }
    let request = browser
        .http
        .post(format!("{}/console/contacts/import", browser.base))
        .header(
            COOKIE,
            format!("sb_session={}", browser.cookie.clone().unwrap()),
        )
        .header(ORIGIN, browser.base.clone())
        .multipart(form);
    Reply::read(request.send().await.unwrap()).await
}

/// Polls the import job (through the API) until it is no longer running.
async fn finished(server: &TestServer, key: &str, id: &str) -> Value {
    for _ in 0..200 {
        let job = server
            .get(&format!("/v1/contacts/imports/{id}"), key)
            .await
            .status(200);
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} still running");
}

/// The import id the form's redirect names.
fn import_id(reply: &Reply) -> String {
    assert_eq!(reply.code, 303, "{}", reply.text);
    let to = location(reply);
    to.strip_prefix("/console/contacts/imports/")
        .unwrap_or_else(|| panic!("redirected to {to}"))
        .to_string()
}

/// The `data-contact` ids on `page`, in order.
fn contact_ids(page: &str) -> Vec<String> {
    page.match_indices("data-contact=\"")
        .map(|(at, m)| {
            let rest = &page[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// The last cursor of the account's event log.
async fn last_cursor(server: &TestServer, key: &str) -> String {
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/v1/events?limit=500&after={a}"),
            None => "/v1/events?limit=500".to_string(),
        };
        let page = server.get(&path, key).await.status(200);
        match data(&page).last() {
            Some(last) => after = Some(string(&last["cursor"])),
            None => return after.expect("the account has events"),
        }
    }
}

async fn list_renders_empty_many_and_hostile(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let empty = browser.get("/console/contacts").await;
    assert_eq!(empty.code, 200, "{}", empty.text);
    assert!(empty.text.contains("No contact yet"), "{}", empty.text);
    assert!(empty.text.contains("id=\"import-form\""));

    add_contact(
        server,
        &ctx.key,
        json!({"phone": "+263 77 100 0000", "name": HOSTILE, "tags": ["<b>vip</b>"]}),
    )
    .await;
    for n in 1..=59 {
        let tags = if n % 10 == 0 {
            vec!["vip"]
        } else {
            vec!["lead"]
        };
        add_contact(
            server,
            &ctx.key,
            json!({"phone": format!("+263 77 100 {n:04}"), "name": format!("Person {n}"), "tags": tags}),
        )
        .await;
    }
    let first = browser.get("/console/contacts").await;
    assert_eq!(first.code, 200);
    assert!(!first.text.contains(HOSTILE), "the name is escaped");
    assert!(
        first.text.contains("&#60;script&#62;alert(1)"),
        "the name shown as text"
    );
    assert!(
        first.text.contains("&#60;b&#62;vip&#60;/b&#62;"),
        "tags escaped"
    );
    assert!(first.text.contains("+263771000000"));
    assert_eq!(contact_ids(&first.text).len(), 50, "50 a page");
    let start = first.text.find("rel=\"next\"").map(|_| ()).is_some();
    assert!(start, "a next page");
    let href = first.text[..first.text.find("\" rel=\"next\"").unwrap()]
        .rsplit("href=\"")
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = browser.get(&href).await;
    assert_eq!(second.code, 200, "{href}");
    let rest = contact_ids(&second.text);
    assert_eq!(rest.len(), 10, "{href}");
    assert!(!second.text.contains("rel=\"next\""));
    assert!(rest.iter().all(|id| !contact_ids(&first.text).contains(id)));

    // Search (the API's q: part of the name or a phone prefix) and the tag filter.
    let by_name = browser.get("/console/contacts?q=person%2042").await;
    assert_eq!(contact_ids(&by_name.text).len(), 1, "{}", by_name.text);
    assert!(by_name.text.contains("Person 42"));
    let by_phone = browser.get("/console/contacts?q=%2B26377100005").await;
    assert_eq!(contact_ids(&by_phone.text).len(), 10, "0050…0059");
    let vip = browser.get("/console/contacts?tag=vip").await;
    assert_eq!(contact_ids(&vip.text).len(), 5, "{}", vip.text);
    assert!(vip.text.contains("Person 30") && !vip.text.contains("Person 31"));
    let none = browser.get("/console/contacts?q=nobody-at-all").await;
    assert!(none.text.contains("No contact matches."));

    // The export link streams the API's CSV for the same search.
    assert!(vip
        .text
        .contains("href=\"/console/contacts/export?tag=vip\""));
    let csv = browser.get("/console/contacts/export?tag=vip").await;
    assert_eq!(csv.code, 200);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let api = server.get("/v1/contacts/export?tag=vip", &ctx.key).await;
    assert_eq!(csv.text, api.text, "the same CSV as the API's");
    assert_eq!(csv.text.lines().count(), 6, "{}", csv.text);
}

async fn a_contact_is_edited_opted_out_and_deleted(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let c = add_contact(
        server,
        &ctx.key,
        json!({"phone": "+263771000001", "name": HOSTILE, "tags": ["a"]}),
    )
    .await;
    let id = string(&c["id"]);
    let browser = signed_in(server, &ctx.key).await;
    let path = format!("/console/contacts/{id}");
    let page = browser.get(&path).await;
    assert_eq!(page.code, 200, "{}", page.text);
    assert!(!page.text.contains(HOSTILE));
    assert!(page.text.contains("id=\"edit-contact\""));
    let csrf = browser.csrf(&path).await;

    let saved = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Ann Moyo"),
                ("tags", "vip, lead ,vip"),
                ("opted_out", "1"),
            ],
        )
        .await;
    assert_eq!(saved.code, 303, "{}", saved.text);
    assert_eq!(location(&saved), format!("{path}?saved=1"));
    let api = server
        .get(&format!("/v1/contacts/{id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(api["name"], "Ann Moyo");
    assert_eq!(api["tags"], json!(["vip", "lead"]));
    assert_eq!(api["opted_out"], true);
    let shown = browser.get(&format!("{path}?saved=1")).await;
    assert!(shown.text.contains("Contact saved."));
    assert!(shown.text.contains("opted out"));
    let listed = browser.get("/console/contacts?q=ann").await;
    assert!(
        listed.text.contains("badge bad\">opted out"),
        "{}",
        listed.text
    );

    // The checkbox left out opts back in; an empty name clears it.
    let back = browser
        .post(&path, &[("csrf", &csrf), ("name", ""), ("tags", "vip")])
        .await;
    assert_eq!(back.code, 303, "{}", back.text);
    let api = server
        .get(&format!("/v1/contacts/{id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(api["opted_out"], false);
    assert_eq!(api["name"], Value::Null);
    assert_eq!(api["tags"], json!(["vip"]));

    // Bad input: the page again with what to fix, nothing changed.
    let bad = browser
        .post(&path, &[("csrf", &csrf), ("name", "x"), ("tags", "a;b")])
        .await;
    assert_eq!(bad.code, 400, "{}", bad.text);
    assert!(bad.text.contains("without `;`"), "{}", bad.text);
    assert!(bad.text.contains("id=\"edit-contact\""));
    let long = "n".repeat(300);
    let bad = browser
        .post(&path, &[("csrf", &csrf), ("name", &long), ("tags", "")])
        .await;
    assert_eq!(bad.code, 400);
    assert!(bad.text.contains("at most 256 characters"), "{}", bad.text);
    let api = server
        .get(&format!("/v1/contacts/{id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(api["tags"], json!(["vip"]));

    // A read key sees the contact but no form, and cannot change it.
    let (_, read) = create_key(server, &ctx.key, json!({"permission": "read"})).await;
    let reader = signed_in(server, &read).await;
    let seen = reader.get(&path).await;
    assert_eq!(seen.code, 200);
    assert!(!seen.text.contains("id=\"edit-contact\""));
    assert!(!reader
        .get("/console/contacts")
        .await
        .text
        .contains("import-form"));
    let their_csrf = reader.csrf("/console/contacts").await;
    assert_eq!(
        reader
            .post(&format!("{path}/delete"), &[("csrf", &their_csrf)])
            .await
            .code,
        403
    );

    let deleted = browser
        .post(&format!("{path}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.code, 303, "{}", deleted.text);
    assert_eq!(location(&deleted), "/console/contacts?deleted=263771000001");
    assert!(browser
        .get(&location(&deleted))
        .await
        .text
        .contains("Contact 263771000001 deleted."));
    server
        .get(&format!("/v1/contacts/{id}"), &ctx.key)
        .await
        .status(404);
    assert_eq!(browser.get(&path).await.code, 404);
}

async fn an_import_through_the_form_lists_its_row_errors_and_emits_events(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let csrf = browser.csrf("/console/contacts").await;
    let csv = format!(
        "phone,name,tags\n+263771000001,Ann,vip\nnot-a-phone,Bad,\n+263771000002,{HOSTILE},\n,Nobody,\n+263771000003,Cy,lead\n"
    );
    let started = upload(
        &browser,
        Some(&csrf),
        "upsert",
        Some(("people.csv", "text/csv", csv)),
    )
    .await;
    let id = import_id(&started);
    let job = finished(server, &ctx.key, &id).await;
    assert_eq!(job["status"], "finished", "{job}");
    assert_eq!(
        (
            job["total"].clone(),
            job["created"].clone(),
            job["failed"].clone()
        ),
        (json!(5), json!(3), json!(2))
    );

    let page = browser
        .get(&format!("/console/contacts/imports/{id}"))
        .await;
    assert_eq!(page.code, 200, "{}", page.text);
    assert!(
        page.text
            .contains("<progress id=\"import-bar\" value=\"5\" max=\"5\">"),
        "{}",
        page.text
    );
    assert!(page.text.contains("100 %"));
    assert!(page.text.contains("5 / 5"));
    assert!(page.text.contains("id=\"import-errors\""));
    assert!(
        page.text
            .contains("<tr><td>3</td><td><code>invalid_phone</code>"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("<tr><td>5</td><td><code>missing_phone</code>"),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!("scope=import&amp;import={id}")));
    let listed = browser.get("/console/contacts").await;
    assert!(!listed.text.contains(HOSTILE), "imported names escaped");
    assert_eq!(contact_ids(&listed.text).len(), 3);

    // The native API's event log: progress after the batch, finished at the end, each
    // carrying the job as GET /v1/contacts/imports/{id} answers it.
    let events = server
        .get(
            "/v1/events?types=contact.import.progress,contact.import.finished",
            &ctx.key,
        )
        .await
        .status(200);
    let events = data(&events);
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.last(), Some(&"contact.import.finished"), "{kinds:?}");
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "contact.import.finished")
            .count(),
        1
    );
    assert_eq!(events.last().unwrap()["data"], job, "the data is the job");
    let wildcard = server
        .get("/v1/events?types=contact.*", &ctx.key)
        .await
        .status(200);
    assert_eq!(data(&wildcard).len(), events.len());

    // Refusals: the form again with the message, nothing started.
    let no_phone = upload(
        &browser,
        Some(&csrf),
        "upsert",
        Some(("x.csv", "text/csv", "name,tags\nAnn,vip\n".into())),
    )
    .await;
    assert_eq!(no_phone.code, 400, "{}", no_phone.text);
    assert!(no_phone.text.contains("phone"), "{}", no_phone.text);
    assert!(no_phone.text.contains("id=\"import-form\""));
    let picture = upload(
        &browser,
        Some(&csrf),
        "skip",
        Some(("cat.png", "image/png", "\u{89}PNG".into())),
    )
    .await;
    assert_eq!(picture.code, 415, "{}", picture.text);
    assert!(picture.text.contains("not a CSV file"));
    assert!(
        picture.text.contains("<option value=\"skip\" selected>"),
        "the mode is kept"
    );
    let nothing = upload(&browser, Some(&csrf), "upsert", None).await;
    assert_eq!(nothing.code, 400);
    assert!(nothing.text.contains("choose a CSV file"));
    let bad_mode = upload(
        &browser,
        Some(&csrf),
        "merge",
        Some(("x.csv", "text/csv", "phone\n+263771000009\n".into())),
    )
    .await;
    assert_eq!(bad_mode.code, 400);
    assert!(bad_mode.text.contains("use upsert or skip"));
    let empty = upload(
        &browser,
        Some(&csrf),
        "upsert",
        Some(("e.csv", "text/csv", String::new())),
    )
    .await;
    assert_eq!(empty.code, 400, "{}", empty.text);
    assert!(empty.text.contains("the file is empty"), "{}", empty.text);
    let finished_events = server
        .get("/v1/events?types=contact.import.finished", &ctx.key)
        .await
        .status(200);
    assert_eq!(data(&finished_events).len(), 1, "no other import ran");
}

/// Opens the console's SSE stream at `path` with `browser`'s session.
async fn open_sse(browser: &Browser, path: &str) -> SseReader {
    let response = browser
        .http
        .get(format!("{}{path}", browser.base))
        .header(
            COOKIE,
            format!("sb_session={}", browser.cookie.clone().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    SseReader::new(response)
}

async fn the_import_page_follows_its_import_live(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let csrf = browser.csrf("/console/contacts").await;
    let before = last_cursor(server, &ctx.key).await;
    // Another import first: its events must not reach this import's page.
    let other = upload(
        &browser,
        Some(&csrf),
        "upsert",
        Some((
            "o.csv",
            "text/csv",
            "phone\n+263771000100\n+263771000101\n".into(),
        )),
    )
    .await;
    let other = import_id(&other);
    finished(server, &ctx.key, &other).await;
    let rows: String = (0..1200)
        .map(|n| {
            if n == 700 {
                "oops,Bad\n".to_string()
            } else {
                format!("+26377200{n:04},Row {n}\n")
            }
        })
        .collect();
    let started = upload(
        &browser,
        Some(&csrf),
        "upsert",
        Some(("big.csv", "text/csv", format!("phone,name\n{rows}"))),
    )
    .await;
    let id = import_id(&started);
    let mut live = open_sse(
        &browser,
        &format!("/console/live?scope=import&import={id}&after={before}"),
    )
    .await;
    // Batches of 500: 500, 1000, then 1200 finished; each fragment is this import's.
    let mut seen = Vec::new();
    loop {
        let fragment = live.next("import").await;
        assert!(
            fragment.contains("<progress id=\"import-bar\""),
            "{fragment}"
        );
        assert!(fragment.contains(" / 1200"), "only this import: {fragment}");
        assert!(!fragment.contains('\n'));
        let done = fragment.contains(">finished<");
        seen.push(fragment);
        if done {
            break;
        }
    }
    let last = seen.last().unwrap();
    assert!(last.contains("value=\"1200\" max=\"1200\""), "{last}");
    assert!(last.contains("100 %"));
    assert!(
        last.contains("<tr><td>702</td><td><code>invalid_phone</code>"),
        "{last}"
    );
    assert!(
        seen.len() >= 2,
        "the first batch's progress, then the end: {}",
        seen.len()
    );
    assert!(
        seen[0].contains(">running<") && seen[0].contains("500 / 1200"),
        "{}",
        seen[0]
    );

    // The stream needs a real import of the account.
    let (_, other_key) = create_account(server, "other").await;
    let stranger = signed_in(server, &other_key).await;
    let foreign = stranger
        .http
        .get(format!(
            "{}/console/live?scope=import&import={id}",
            stranger.base
        ))
        .header(
            COOKIE,
            format!("sb_session={}", stranger.cookie.clone().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
}

async fn forms_need_the_csrf_token_and_other_accounts_ids_are_not_found(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (_, other_key) = create_account(server, "other").await;
    let mine =
        string(&add_contact(server, &ctx.key, json!({"phone": "+263771000001"})).await["id"]);
    let theirs =
        string(&add_contact(server, &other_key, json!({"phone": "+263771000001"})).await["id"]);
    let their_import = server
        .call(
            server
                .req(reqwest::Method::POST, "/v1/contacts/import", &other_key)
                .header("content-type", "text/csv")
                .body("phone\n+263771000002\n"),
        )
        .await
        .status(202);
    let their_import = string(&their_import["id"]);
    let browser = signed_in(server, &ctx.key).await;
    let csrf = browser.csrf("/console/contacts").await;

    for path in [
        format!("/console/contacts/{mine}"),
        format!("/console/contacts/{mine}/delete"),
    ] {
        let missing = browser.post(&path, &[("name", "x")]).await;
        assert_eq!(missing.code, 403, "{path} without a token");
        let wrong = browser.post(&path, &[("csrf", &"0".repeat(64))]).await;
        assert_eq!(wrong.code, 403, "{path} with a wrong token");
        let foreign = browser
            .post_from(&path, &[("csrf", &csrf)], Some("http://evil.example"))
            .await;
        assert_eq!(foreign.code, 403, "{path} from another origin");
    }
    let csv = || Some(("a.csv", "text/csv", "phone\n+263771000003\n".to_string()));
    assert_eq!(upload(&browser, None, "upsert", csv()).await.code, 403);
    assert_eq!(
        upload(&browser, None, "merge", csv()).await.code,
        403,
        "the token first"
    );
    assert_eq!(upload(&browser, None, "upsert", None).await.code, 403);
    let wrong = "0".repeat(64);
    assert_eq!(
        upload(&browser, Some(&wrong), "upsert", csv()).await.code,
        403
    );
    server
        .get(&format!("/v1/contacts/{mine}"), &ctx.key)
        .await
        .status(200);
    let listed = server.get("/v1/contacts", &ctx.key).await.status(200);
    assert_eq!(data(&listed).len(), 1, "nothing imported without the token");

    for path in [
        format!("/console/contacts/{theirs}"),
        format!("/console/contacts/imports/{their_import}"),
        "/console/contacts/not-an-id".to_string(),
        "/console/contacts/263771000001".to_string(),
        "/console/contacts/imports/imp_nope".to_string(),
    ] {
        assert_eq!(browser.get(&path).await.code, 404, "{path}");
    }
    for path in [
        format!("/console/contacts/{theirs}"),
        format!("/console/contacts/{theirs}/delete"),
    ] {
        let reply = browser
            .post(&path, &[("csrf", &csrf), ("name", "mine now")])
            .await;
        assert_eq!(reply.code, 404, "{path}: {}", reply.text);
    }
    let still = server
        .get(&format!("/v1/contacts/{theirs}"), &other_key)
        .await
        .status(200);
    assert_eq!(still["name"], Value::Null);

    // A channel-scoped key sees no contacts (the API's contacts routes are account-wide).
    let (_, scoped) = create_key(
        server,
        &ctx.key,
        json!({"permission": "manage", "channel_id": ctx.channel}),
    )
    .await;
    let scoped = signed_in(server, &scoped).await;
    assert_eq!(scoped.get("/console/contacts").await.code, 403);
    assert_eq!(
        scoped.get(&format!("/console/contacts/{mine}")).await.code,
        403
    );
}

async fn the_pages_carry_the_csp_and_no_inline_script_or_style(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let c = add_contact(
        server,
        &ctx.key,
        json!({"phone": "+263771000001", "name": HOSTILE, "tags": [HOSTILE.replace(';', "")]}),
    )
    .await;
    let browser = signed_in(server, &ctx.key).await;
    let csrf = browser.csrf("/console/contacts").await;
    let id = import_id(
        &upload(
            &browser,
            Some(&csrf),
            "upsert",
            Some(("h.csv", "text/csv", format!("phone,name\n{HOSTILE},x\n"))),
        )
        .await,
    );
    finished(server, &ctx.key, &id).await;
    for path in [
        "/console/contacts".to_string(),
        format!("/console/contacts/{}", string(&c["id"])),
        format!("/console/contacts/imports/{id}"),
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
        let page = &reply.text;
        assert!(!page.contains("<script>alert"), "{path}: unescaped");
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
            page.contains("href=\"/console/contacts\" class=\"on\""),
            "{path}: the menu marks the page"
        );
    }
}

on_both_backends!(
    contacts_list_renders => super::list_renders_empty_many_and_hostile,
    contacts_edit_opt_out_delete => super::a_contact_is_edited_opted_out_and_deleted,
    contacts_import_form => super::an_import_through_the_form_lists_its_row_errors_and_emits_events,
    contacts_import_live => super::the_import_page_follows_its_import_live,
    contacts_csrf_and_other_accounts => super::forms_need_the_csrf_token_and_other_accounts_ids_are_not_found,
    contacts_csp_and_no_inline_code => super::the_pages_carry_the_csp_and_no_inline_script_or_style,
);
