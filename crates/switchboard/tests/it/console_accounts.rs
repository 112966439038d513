//! The console's admin pages (accounts and credits) and an account's overview over real HTTP:
//! the admin lands on the accounts, creates one (its key shown once, and it signs in), adds
//! and takes credits (refusals say why), hostile names are escaped, account keys are refused;
//! the overview counts today's traffic per channel, the conversations waiting for an answer
//! and the first steps, and shows webhook health to manage keys only.

use serde_json::json;

use crate::common::*;
use crate::console::{location, Browser};

const HOSTILE: &str = "<script>alert(1)</script>";

async fn signed_in(server: &TestServer, key: &str) -> (Browser, String) {
    let mut browser = Browser::new(server);
    let reply = browser.sign_in(key).await;
    assert_eq!(reply.code, 303, "{}", reply.text);
    let to = location(&reply);
    (browser, to)
}

/// The text of the first `<strong>` at or after `marker` (the marker may be on it).
fn strong_after(page: &str, marker: &str) -> String {
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {page}"));
    let rest = &page[start..];
    let close = rest.find("</strong>").unwrap();
    let open = rest[..close].rfind('>').unwrap() + 1;
    rest[open..close].to_string()
}

async fn admin_manages_accounts_and_credits(server: &TestServer) {
    let (admin, landed) = signed_in(server, ADMIN_KEY).await;
    assert_eq!(landed, "/console/accounts");
    assert_eq!(location(&admin.get("/console").await), "/console/accounts");
    let csrf = admin.csrf("/console/accounts").await;

    // A name that does not validate is refused with the field named.
    let refused = admin
        .post("/console/accounts", &[("csrf", &csrf), ("name", "")])
        .await;
    assert_eq!(refused.code, 400, "{}", refused.text);
    assert!(refused.text.contains("name:"), "{}", refused.text);

    // Created: its key is shown this once and signs in to the new account.
    let created = admin
        .post("/console/accounts", &[("csrf", &csrf), ("name", HOSTILE)])
        .await;
    assert_eq!(created.code, 200, "{}", created.text);
    assert!(!created.text.contains(HOSTILE));
    let at = created.text.find("id=\"secret\"").unwrap();
    let key: String = created.text[at..]
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(key.starts_with("sb_"), "{key}");
    let id_at = created.text.find("Account <code>").unwrap() + "Account <code>".len();
    let account = created.text[id_at..id_at + 30]
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let listed = admin.get("/console/accounts").await;
    assert!(listed.text.contains(&account));
    assert!(!listed.text.contains(&key), "the key is shown once only");
    let (_, landed) = signed_in(server, &key).await;
    assert_eq!(landed, "/console/channels");

    // Credits: add with a note, take more than there is, bad amounts.
    let page = format!("/console/accounts/{account}");
    let credits = format!("{page}/credits");
    assert_eq!(
        strong_after(&admin.get(&page).await.text, "id=\"balance\""),
        "0"
    );
    let added = admin
        .post(
            &credits,
            &[("csrf", &csrf), ("amount", "100"), ("note", "invoice <7>")],
        )
        .await;
    assert_eq!(added.code, 303, "{}", added.text);
    let shown = admin.get(&location(&added)).await;
    assert!(shown.text.contains("100 credits added."));
    assert_eq!(strong_after(&shown.text, "id=\"balance\""), "100");
    assert!(shown.text.contains("invoice &#60;7&#62;"), "{}", shown.text);
    assert!(shown.text.contains("admin_credit"));
    let too_much = admin
        .post(&credits, &[("csrf", &csrf), ("amount", "-500")])
        .await;
    assert_eq!(too_much.code, 402, "{}", too_much.text);
    assert!(
        too_much.text.contains("has 100 credits"),
        "{}",
        too_much.text
    );
    for (amount, says) in [("abc", "not a whole number"), ("0", "non-zero")] {
        let bad = admin
            .post(&credits, &[("csrf", &csrf), ("amount", amount)])
            .await;
        assert_eq!(bad.code, 400, "{amount}: {}", bad.text);
        assert!(bad.text.contains(says), "{amount}: {}", bad.text);
    }
    let long = "n".repeat(201);
    let bad = admin
        .post(
            &credits,
            &[("csrf", &csrf), ("amount", "1"), ("note", &long)],
        )
        .await;
    assert_eq!(bad.code, 400);
    assert!(bad.text.contains("at most 200 characters"));
    let taken = admin
        .post(&credits, &[("csrf", &csrf), ("amount", "-40")])
        .await;
    assert_eq!(taken.code, 303);
    let api = server
        .get(&format!("/v1/accounts/{account}/credits"), ADMIN_KEY)
        .await
        .status(200);
    assert_eq!(api["balance"], 60);

    // No CSRF token, an unknown account, and an account key on the admin pages.
    assert_eq!(admin.post(&credits, &[("amount", "5")]).await.code, 403);
    assert_eq!(
        admin
            .get("/console/accounts/acc_00000000000000000000000000")
            .await
            .code,
        404
    );
    let ctx = setup_sandbox(server).await;
    let (member, _) = signed_in(server, &ctx.key).await;
    assert_eq!(member.get("/console/accounts").await.code, 403);
    assert_eq!(member.get(&page).await.code, 403);
}

async fn the_overview_counts_today_and_what_waits(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (browser, _) = signed_in(server, &ctx.key).await;
    let first = browser.get("/console").await;
    assert_eq!(first.code, 200, "{}", first.text);
    assert!(
        first.text.contains("id=\"first-steps\""),
        "only a sandbox yet"
    );
    assert_eq!(strong_after(&first.text, "id=\"waiting\""), "0");
    assert!(first.text.contains("id=\"webhook-health\""));

    // A customer writes and gets one answer: one conversation waits (unread), one sent today.
    let upstream = say(server, &ctx, "15551236001", "hello?").await;
    wait_stored(server, &ctx, &upstream, 30).await;
    let sent = send_template(server, &ctx, "15551236002").await;
    wait_status(server, &ctx.key, &sent, &["sent", "delivered", "read"]).await;
    let page = browser.get("/console").await;
    assert_eq!(strong_after(&page.text, "id=\"waiting\""), "1");
    let row = &page.text[page
        .text
        .find(&format!("data-channel=\"{}\"", ctx.channel))
        .unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td class=\"sent\">1</td>"), "{row}");
    assert!(row.contains("<td class=\"received\">1</td>"), "{row}");

    // A hostile channel name is escaped; a read key sees no webhook health.
    create_sandbox_channel(server, &ctx.key, HOSTILE).await;
    let page = browser.get("/console").await;
    assert!(!page.text.contains(HOSTILE));
    let (_, reader) = create_key(server, &ctx.key, json!({"permission": "read"})).await;
    let (reader, _) = signed_in(server, &reader).await;
    let page = reader.get("/console").await;
    assert_eq!(page.code, 200);
    assert!(!page.text.contains("id=\"webhook-health\""));
}

on_both_backends!(
    admin => super::admin_manages_accounts_and_credits,
    overview => super::the_overview_counts_today_and_what_waits,
);
