//! The console's Statistics page over real HTTP: the month's totals, the daily SVG charts,
//! the failures per error code and the template costs from sandbox traffic; an account with
//! no channel; a hostile channel name; a bad month (400 with what to fix); another account's
//! channel (404); a channel-scoped key (its channel only, the other 404); the security
//! headers.

use serde_json::json;
use switchboard_core::time::now_millis;

use crate::common::*;
use crate::console::signed_in;

const HOSTILE: &str = "<script>alert(1)</script>";

/// The number shown in the headline box `id`.
fn total(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &page[start..];
    let open = rest.find("<strong>").unwrap() + "<strong>".len();
    let close = rest.find("</strong>").unwrap();
    rest[open..close].to_string()
}

async fn the_month_of_a_sandbox_channel(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let browser = signed_in(server, &ctx.key).await;
    let path = format!("/console/stats?channel={}", ctx.channel);

    // Nothing yet: zeros, baselines, the empty tables.
    let empty = browser.get(&path).await;
    assert_eq!(empty.code, 200, "{}", empty.text);
    assert!(empty.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("style-src 'self'"));
    assert_eq!(total(&empty.text, "total-sent"), "0");
    assert_eq!(empty.text.matches("<figure class=\"chart\"").count(), 3);
    assert!(!empty.text.contains("<rect"), "no bar without traffic");
    assert!(empty.text.contains("No failed message this month."));
    assert!(!empty.text.contains(" style="), "no inline style");

    // Two replies to a customer, one template that fails, one customer message.
    let upstream = say(server, &ctx, "15551237001", "hi").await;
    wait_stored(server, &ctx, &upstream, 30).await;
    let mut sent = Vec::new();
    for body in ["one", "two"] {
        sent.push(send_ok(server, &ctx, &text_message("15551237001", body)).await);
    }
    let undeliverable = format!("1555127{}", switchboard::SANDBOX_UNDELIVERABLE_SUFFIX);
    let failed = send_template(server, &ctx, &undeliverable).await;
    for id in &sent {
        wait_status(server, &ctx.key, id, &["delivered", "read"]).await;
    }
    let failure = wait_status(server, &ctx.key, &failed, &["failed"]).await;
    let code = failure["error"][0]["code"].to_string();

    let page = browser.get(&path).await;
    assert_eq!(page.code, 200, "{}", page.text);
    let text = page.text;
    assert_eq!(total(&text, "total-sent"), "2");
    assert_eq!(total(&text, "total-received"), "1");
    assert!(text.contains("1 failed"));
    // Today's bars, each with its tooltip.
    let today = switchboard_core::stats::day_name(now_millis() / switchboard_core::stats::DAY_MS);
    assert!(text.contains("<rect class=\"s-sent\""), "{text}");
    assert!(text.contains("<rect class=\"s-received\""));
    assert!(text.contains("<rect class=\"s-failed\""));
    assert!(text.contains(&format!("<title>{today} · sent: 2</title>")));
    assert!(text.contains(&format!("<title>{today} · failed: 1</title>")));
    // The failure by its code, with the whole share.
    let failures = &text[text.find("id=\"failures\"").unwrap()..];
    let failures = &failures[..failures.find("</table>").unwrap()];
    assert!(
        failures.contains(&format!("<code>{code}</code>")),
        "{failures}"
    );
    assert!(failures.contains("100.0 %"));
    // The month's neighbours are links; the API answers the same counts.
    assert!(text.contains("id=\"previous-month\""));
    let api = server
        .get(&format!("/v1/channels/{}/stats", ctx.channel), &ctx.key)
        .await
        .status(200);
    assert_eq!(api["sent"], 2);
    assert_eq!(api["failures"][0]["code"], json!(code));

    // A month without traffic, and a month that does not parse.
    let old = browser.get(&format!("{path}&month=01.2020")).await;
    assert_eq!(old.code, 200);
    assert_eq!(total(&old.text, "total-sent"), "0");
    let bad = browser.get(&format!("{path}&month=2026-13")).await;
    assert_eq!(bad.code, 400, "{}", bad.text);
    assert!(bad.text.contains("month:"), "{}", bad.text);
}

async fn channels_accounts_and_scopes(server: &TestServer) {
    // An account without a channel.
    let (_, lonely) = create_account(server, "lonely").await;
    let browser = signed_in(server, &lonely).await;
    let page = browser.get("/console/stats").await;
    assert_eq!(page.code, 200);
    assert!(page.text.contains("id=\"no-channels\""));

    // A hostile channel name is escaped in the picker; the first channel is the default.
    let ctx = setup_sandbox(server).await;
    let hostile = create_sandbox_channel(server, &ctx.key, HOSTILE).await;
    let browser = signed_in(server, &ctx.key).await;
    let page = browser.get("/console/stats").await;
    assert_eq!(page.code, 200);
    assert!(!page.text.contains(HOSTILE));
    assert!(page.text.contains("&#60;script&#62;alert(1)"));
    let chosen = browser
        .get(&format!("/console/stats?channel={hostile}"))
        .await;
    assert!(chosen
        .text
        .contains(&format!("<option value=\"{hostile}\" selected>")));

    // Another account's channel, and a malformed id.
    let other = setup_sandbox(server).await;
    let foreign = browser
        .get(&format!("/console/stats?channel={}", other.channel))
        .await;
    assert_eq!(foreign.code, 404);
    assert!(!foreign.text.contains(&other.channel) || foreign.text.contains("no such"));
    assert_eq!(browser.get("/console/stats?channel=nope").await.code, 404);

    // A key limited to one channel sees that one only; the other is not found for it.
    let (_, scoped) = create_key(
        server,
        &ctx.key,
        json!({"permission": "read", "channel_id": ctx.channel}),
    )
    .await;
    let scoped = signed_in(server, &scoped).await;
    let page = scoped.get("/console/stats").await;
    assert_eq!(page.code, 200);
    assert!(page.text.contains(&ctx.channel));
    assert!(!page.text.contains(&hostile));
    assert_eq!(
        scoped
            .get(&format!("/console/stats?channel={hostile}"))
            .await
            .code,
        404
    );
}

on_both_backends!(
    month => super::the_month_of_a_sandbox_channel,
    scopes => super::channels_accounts_and_scopes,
);
