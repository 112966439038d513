//! The business profile and commerce settings (native `/v1/channels/{id}/profile` and
//! `/commerce`) and the 1msg account methods (`/compat/1msg/{channel_id}/me`, `statistics`,
//! `extendedStatistics`, `status`, `commerce`, `ip`) on SQLite and PostgreSQL, against the
//! emulator of the sandbox channel: round trips, Meta's limits checked before the upstream,
//! the seed's answer shapes, other channel kinds refused, bad tokens and other accounts.

use crate::common::*;
use serde_json::{json, Value};
use switchboard::config::Config;

/// The 1msg path of `method` on the channel, with `key` as `?token=`.
fn onemsg(ctx: &Ctx, method: &str, key: &str) -> String {
    let sep = if method.contains('?') { '&' } else { '?' };
    format!("/compat/1msg/{}/{method}{sep}token={key}", ctx.channel)
}

/// The emulator's requests to the number's `edge` with `method`.
async fn upstream_calls(server: &TestServer, method: &str, edge: &str) -> Vec<Value> {
    emulator_requests(server)
        .await
        .into_iter()
        .filter(|r| r["method"] == method && r["path"].as_str().is_some_and(|p| p.contains(edge)))
        .collect()
}

/// A 1msg error answer: `{error, code}` with a message; returns the code.
#[track_caller]
fn onemsg_error(reply: Reply, status: u16) -> String {
    let body = reply.status(status);
    assert!(
        body["error"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body.get("sent").is_none(), "{body}");
    string(&body["code"])
}

async fn native_profile_round_trip(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let path = format!("/v1/channels/{}/profile", ctx.channel);
    let before = server.get(&path, &ctx.key).await.status(200);
    assert_eq!(before["vertical"], "OTHER", "{before}");
    assert_eq!(before["vertical_label"], "Other", "{before}");
    assert!(
        before["about"].is_string() && before["websites"].is_array(),
        "{before}"
    );

    let change = json!({
        "about": "Open 9 to 5",
        "description": "d".repeat(256),
        "email": "hello@shop.example",
        "websites": ["https://shop.example", "https://shop.example/menu"],
        "vertical": "Restaurant",
    });
    let answer = server.post_json(&path, &ctx.key, &change).await.status(200);
    assert_eq!(answer, json!({"success": true}));
    let posts = upstream_calls(server, "POST", "/whatsapp_business_profile").await;
    assert_eq!(posts.len(), 1, "one upstream call per change: {posts:?}");
    assert_eq!(posts[0]["body"]["messaging_product"], "whatsapp");
    assert_eq!(posts[0]["body"]["vertical"], "RESTAURANT");

    let after = server.get(&path, &ctx.key).await.status(200);
    assert_eq!(after["about"], "Open 9 to 5");
    assert_eq!(after["description"], "d".repeat(256));
    assert_eq!(after["email"], "hello@shop.example");
    assert_eq!(after["websites"], change["websites"]);
    assert_eq!(after["vertical"], "RESTAURANT");
    assert_eq!(after["vertical_label"], "Restaurant");
    assert_eq!(after["address"], before["address"], "untouched fields stay");

    // Commerce settings.
    let commerce = format!("/v1/channels/{}/commerce", ctx.channel);
    let got = server.get(&commerce, &ctx.key).await.status(200);
    assert_eq!(
        got,
        json!({"is_cart_enabled": false, "is_catalog_visible": false})
    );
    let answer = server
        .post_json(&commerce, &ctx.key, json!({"is_cart_enabled": true}))
        .await
        .status(200);
    assert_eq!(answer, json!({"success": true}));
    let got = server.get(&commerce, &ctx.key).await.status(200);
    assert_eq!(
        got,
        json!({"is_cart_enabled": true, "is_catalog_visible": false})
    );
}

async fn native_profile_validation(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let path = format!("/v1/channels/{}/profile", ctx.channel);
    let cases = [
        (json!({"about": "a".repeat(140)}), "about"),
        (json!({"about": ""}), "about"),
        (json!({"address": "a".repeat(257)}), "address"),
        (json!({"description": "a".repeat(257)}), "description"),
        (
            json!({"email": format!("{}@x.io", "a".repeat(124))}),
            "email",
        ),
        (json!({"email": "not-an-email"}), "email"),
        (
            json!({"websites": ["https://a.io", "https://b.io", "https://c.io"]}),
            "websites",
        ),
        (
            json!({"websites": [format!("https://{}", "a".repeat(250))]}),
            "websites",
        ),
        (json!({"vertical": "Spaceships"}), "vertical"),
        (json!({}), "nothing to change"),
    ];
    for (body, field) in cases {
        let reply = server.post_json(&path, &ctx.key, &body).await;
        let text = reply.text.clone();
        assert_eq!(reply.error(400), "invalid_parameter", "{body}");
        assert!(text.contains(field), "{field}: {text}");
    }
    let unknown = server
        .post_json(&path, &ctx.key, json!({"photo": "https://x.io/a.jpg"}))
        .await;
    assert_eq!(unknown.code, 400, "unknown fields are refused");
    assert!(
        upstream_calls(server, "POST", "/whatsapp_business_profile")
            .await
            .is_empty(),
        "nothing invalid reaches the upstream"
    );
    let commerce = format!("/v1/channels/{}/commerce", ctx.channel);
    let nothing = server.post_json(&commerce, &ctx.key, json!({})).await;
    assert_eq!(nothing.error(400), "invalid_parameter");

    // Channels of other kinds have no profile.
    let bot = server
        .post_json(
            "/v1/channels",
            &ctx.key,
            json!({"name": "bot", "kind": "telegram", "sandbox": true}),
        )
        .await
        .status(201);
    let bot = string(&bot["id"]);
    for route in ["profile", "commerce"] {
        let reply = server
            .get(&format!("/v1/channels/{bot}/{route}"), &ctx.key)
            .await;
        assert_eq!(reply.error(422), "unsupported_by_channel", "{route}");
    }
    let me = server
        .get(&format!("/compat/1msg/{bot}/me?token={}", ctx.key), NO_KEY)
        .await;
    assert_eq!(onemsg_error(me, 422), "unsupported_by_channel");

    // A read key cannot change the profile.
    let (_, reader) =
        create_key(server, &ctx.key, json!({"name": "r", "permission": "read"})).await;
    let refused = server
        .post_json(&path, &reader, json!({"about": "x"}))
        .await;
    assert_eq!(refused.error(403), "forbidden");
}

async fn onemsg_me(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let channel = server
        .get(&format!("/v1/channels/{}", ctx.channel), &ctx.key)
        .await
        .status(200);
    let number = string(&channel["display_phone_number"]);

    let me = server
        .get(&onemsg(&ctx, "me", &ctx.key), NO_KEY)
        .await
        .status(200);
    for field in [
        "about",
        "address",
        "description",
        "email",
        "phone",
        "vertical",
    ] {
        assert!(me[field].is_string(), "{field}: {me}");
    }
    assert_eq!(me["phone"], number.as_str());
    assert_eq!(me["vertical"], "Other");

    // The seed's fields, as JSON.
    let change = json!({
        "about": "Some about info",
        "address": "Neverland, Unexpected st.",
        "description": "Some company description",
        "email": "john@neverland.play",
        "phone": number,
        "vertical": "Beauty, Spa and Salon",
    });
    let answer = server
        .post_json(&onemsg(&ctx, "me", &ctx.key), NO_KEY, &change)
        .await
        .status(200);
    assert_eq!(answer, json!({"result": "success"}));
    let me = server
        .get(&onemsg(&ctx, "me", &ctx.key), NO_KEY)
        .await
        .status(200);
    for field in [
        "about",
        "address",
        "description",
        "email",
        "phone",
        "vertical",
    ] {
        assert_eq!(me[field], change[field], "{field}");
    }
    let native = server
        .get(&format!("/v1/channels/{}/profile", ctx.channel), &ctx.key)
        .await
        .status(200);
    assert_eq!(native["vertical"], "BEAUTY");

    // Form-encoded.
    let form = server
        .call(
            server
                .req(reqwest::Method::POST, &onemsg(&ctx, "me", &ctx.key), NO_KEY)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("about=Back%20at%209&vertical=Restaurant"),
        )
        .await
        .status(200);
    assert_eq!(form, json!({"result": "success"}));
    let me = server
        .get(&onemsg(&ctx, "me", &ctx.key), NO_KEY)
        .await
        .status(200);
    assert_eq!(me["about"], "Back at 9");
    assert_eq!(me["vertical"], "Restaurant");

    // Refusals in the dialect's shape, before the upstream.
    let posts = upstream_calls(server, "POST", "/whatsapp_business_profile")
        .await
        .len();
    let photo = server
        .post_json(
            &onemsg(&ctx, "me", &ctx.key),
            NO_KEY,
            json!({"photo": "https://example.com/logo.jpg"}),
        )
        .await;
    assert_eq!(onemsg_error(photo, 422), "photo_unsupported");
    for body in [
        json!({"vertical": "Spaceships"}),
        json!({"about": "a".repeat(140)}),
        json!({"phone": "12025550000"}),
        json!({"color": "red"}),
    ] {
        let reply = server
            .post_json(&onemsg(&ctx, "me", &ctx.key), NO_KEY, &body)
            .await;
        assert_eq!(onemsg_error(reply, 400), "invalid_parameter", "{body}");
    }
    assert_eq!(
        upstream_calls(server, "POST", "/whatsapp_business_profile")
            .await
            .len(),
        posts
    );
}

async fn onemsg_statistics(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let id = send_template(server, &ctx, "14155550101").await;
    wait_status(server, &ctx.key, &id, &["sent", "delivered", "read"]).await;

    let current = server
        .get(&onemsg(&ctx, "statistics", &ctx.key), NO_KEY)
        .await
        .status(200);
    let month = string(&current["date"]);
    assert_eq!(month.len(), 7, "mm.YYYY: {month}");
    let stats = server
        .get(
            &onemsg(&ctx, &format!("statistics?date={month}"), &ctx.key),
            NO_KEY,
        )
        .await
        .status(200);
    assert_eq!(stats["date"], month.as_str());
    assert_eq!(stats["templates_cost"], 0.0313, "{stats}");
    assert_eq!(stats["sent"], 1, "{stats}");
    // The same figure as the native statistics.
    let native = server
        .get(
            &format!("/v1/channels/{}/stats?month={month}", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(native["templates_cost"], stats["templates_cost"]);

    let days = server
        .get(
            &onemsg(&ctx, &format!("extendedStatistics?date={month}"), &ctx.key),
            NO_KEY,
        )
        .await
        .status(200);
    let days = days.as_array().expect("an array of days").clone();
    assert!((28..=31).contains(&days.len()), "{}", days.len());
    let total: f64 = days
        .iter()
        .map(|d| d["templates_cost"].as_f64().expect("templates_cost"))
        .sum();
    assert!((total - 0.0313).abs() < 1e-9, "{total}");
    assert!(days[0]["date"].as_str().is_some_and(|d| d.ends_with("-01")));

    let bad = server
        .get(&onemsg(&ctx, "statistics?date=2022-03", &ctx.key), NO_KEY)
        .await;
    assert_eq!(onemsg_error(bad, 400), "invalid_period");
    let old = server
        .get(&onemsg(&ctx, "statistics?date=03.2022", &ctx.key), NO_KEY)
        .await
        .status(200);
    assert_eq!(old["date"], "03.2022");
    assert_eq!(old["templates_cost"], 0.0);
}

async fn onemsg_status_and_commerce(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let status = server
        .get(&onemsg(&ctx, "status", &ctx.key), NO_KEY)
        .await
        .status(200);
    assert_eq!(status, json!({"status": "connected"}));

    let commerce = server
        .get(&onemsg(&ctx, "commerce", &ctx.key), NO_KEY)
        .await
        .status(200);
    assert_eq!(
        commerce,
        json!([{"is_cart_enabled": false, "is_catalog_visible": false}])
    );
    let answer = server
        .post_json(
            &onemsg(&ctx, "commerce", &ctx.key),
            NO_KEY,
            json!({"is_cart_enabled": true, "is_catalog_visible": true}),
        )
        .await
        .status(200);
    assert_eq!(answer, json!({"success": true}));
    let commerce = server
        .get(&onemsg(&ctx, "commerce", &ctx.key), NO_KEY)
        .await
        .status(200);
    assert_eq!(
        commerce,
        json!([{"is_cart_enabled": true, "is_catalog_visible": true}])
    );
    let posts = upstream_calls(server, "POST", "/whatsapp_commerce_settings").await;
    assert_eq!(posts.len(), 1);
    let path = string(&posts[0]["path"]);
    assert!(
        path.contains("is_cart_enabled=true") && path.contains("is_catalog_visible=true"),
        "{path}"
    );
    let bad = server
        .post_json(
            &onemsg(&ctx, "commerce", &ctx.key),
            NO_KEY,
            json!({"is_cart_enabled": "maybe"}),
        )
        .await;
    assert_eq!(onemsg_error(bad, 400), "invalid_parameter");
}

async fn onemsg_ip_without_public_url(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let reply = server.get(&onemsg(&ctx, "ip", &ctx.key), NO_KEY).await;
    assert_eq!(onemsg_error(reply, 422), "ip_unknown");
}

async fn onemsg_ip_from_public_url(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let ip = server
        .get(&onemsg(&ctx, "ip", &ctx.key), NO_KEY)
        .await
        .status(200);
    assert_eq!(ip, json!({"result": "203.0.113.7"}));
}

fn public_ip(config: &mut Config) {
    config.public_url = "http://203.0.113.7:8080".into();
}

fn priced(config: &mut Config) {
    config.pricing.categories.insert("UTILITY".into(), 0.0313);
}

async fn tokens_and_accounts(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let other = setup_sandbox(server).await;
    for method in [
        "me",
        "statistics",
        "extendedStatistics",
        "status",
        "commerce",
        "ip",
    ] {
        let bad = server
            .get(&onemsg(&ctx, method, "sbk_not_a_real_key"), NO_KEY)
            .await;
        assert_eq!(onemsg_error(bad, 401), "unauthorized", "{method}");
        let none = server
            .get(&format!("/compat/1msg/{}/{method}", ctx.channel), NO_KEY)
            .await;
        let body = none.status(401);
        assert!(string(&body["error"]).contains("token"), "{body}");
        let foreign = server.get(&onemsg(&ctx, method, &other.key), NO_KEY).await;
        assert_eq!(onemsg_error(foreign, 404), "not_found", "{method}");
    }
    let foreign = server
        .post_json(
            &onemsg(&ctx, "me", &other.key),
            NO_KEY,
            json!({"about": "taken over"}),
        )
        .await;
    assert_eq!(onemsg_error(foreign, 404), "not_found");
    let native = server
        .get(&format!("/v1/channels/{}/profile", ctx.channel), &other.key)
        .await;
    assert_eq!(native.error(404), "not_found");
}

on_both_backends!(
    native_round_trip => super::native_profile_round_trip,
    native_validation => super::native_profile_validation,
    me => super::onemsg_me,
    statistics => super::onemsg_statistics where super::priced,
    status_and_commerce => super::onemsg_status_and_commerce,
    ip_unknown => super::onemsg_ip_without_public_url,
    ip_from_public_url => super::onemsg_ip_from_public_url where super::public_ip,
    tokens_and_accounts => super::tokens_and_accounts,
);
