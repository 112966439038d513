//! Channels of every kind: telegram, messenger, instagram and web settings are validated
//! (400 naming the field), then each kind is created (web with a stopped session); a
//! channel of another kind already in the store shows masked secrets, takes validated changes, and refuses
//! message kinds its capability map does not carry (422 `unsupported_message_kind`).

use serde_json::{json, Value};
use switchboard_core::channel::ChannelKind;
use switchboard_core::id::AccountId;

use crate::common::*;

/// Asserts a 400 `invalid_parameter` whose message names `field`.
async fn refused_naming(server: &TestServer, key: &str, body: Value, field: &str) {
    let reply = server.post_json("/v1/channels", key, &body).await;
    let text = reply.json().to_string();
    assert_eq!(reply.error(400), "invalid_parameter", "{body}");
    assert!(text.contains(field), "{field} named in {text}");
}

async fn settings_are_validated_then_every_kind_is_created(server: &TestServer) {
    let (_, key) = create_account(server, "kinds").await;
    let cases = [
        (
            json!({"name": "bot", "kind": "telegram", "settings": {}}),
            "settings.bot_token",
        ),
        (
            json!({"name": "bot", "kind": "telegram", "settings": {"bot_token": "not-a-token"}}),
            "settings.bot_token",
        ),
        (
            json!({"name": "bot", "kind": "telegram", "settings": {
                "bot_token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "inbound": "push"}}),
            "settings.inbound",
        ),
        (
            json!({"name": "bot", "kind": "telegram", "settings": {
                "bot_token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "page_id": "1"}}),
            "settings.page_id",
        ),
        (
            json!({"name": "bot", "kind": "telegram", "phone_number_id": "1"}),
            "phone_number_id",
        ),
        (
            json!({"name": "page", "kind": "messenger", "settings": {
                "page_access_token": "EAAG-page-token", "app_secret": "app-secret-value"}}),
            "settings.page_id",
        ),
        (
            json!({"name": "page", "kind": "messenger", "settings": {
                "page_id": "104512345678901", "page_access_token": "EAAG-page-token",
                "app_secret": "app-secret-value", "base_url": "ftp://x"}}),
            "settings.base_url",
        ),
        (
            json!({"name": "ig", "kind": "instagram", "settings": {
                "access_token": "IGQ-token-value", "app_secret": "app-secret-value"}}),
            "settings.ig_account_id",
        ),
        (
            json!({"name": "web", "kind": "web", "settings": {"pairing_phone_number": "phone"}}),
            "settings.pairing_phone_number",
        ),
        (
            json!({"name": "cloud", "kind": "cloud", "settings": {}}),
            "settings",
        ),
        (json!({"name": "fax", "kind": "fax"}), "kind"),
    ];
    for (body, field) in cases {
        refused_naming(server, &key, body, field).await;
    }
    let unknown = server
        .post_json(
            "/v1/channels",
            &key,
            json!({"name": "bot", "kind": "telegram", "settings": {"token": "x"}}),
        )
        .await;
    let text = unknown.json().to_string();
    assert_eq!(unknown.error(400), "invalid_body");
    assert!(text.contains("token"), "{text}");

    // Telegram, Messenger and Instagram have a connector: their channels are created (their
    // flows are tested in telegram.rs and pages.rs).
    let created = [
        json!({"name": "bot", "kind": "telegram", "sandbox": true}),
        json!({"name": "page", "kind": "messenger", "settings": {
            "page_id": "104512345678901", "page_access_token": "EAAG-page-token",
            "app_secret": "app-secret-value"}}),
        json!({"name": "ig", "kind": "instagram", "sandbox": true}),
    ];
    for body in created {
        let channel = server
            .post_json("/v1/channels", &key, &body)
            .await
            .status(201);
        assert_eq!(channel["kind"], body["kind"]);
        server
            .delete(
                &format!("/v1/channels/{}", channel["id"].as_str().unwrap()),
                &key,
            )
            .await
            .status(204);
    }
    // A web channel is driven by sessions, not a connector: a real one needs the WhatsApp Web
    // library, which a build without the `whatsapp-web` feature lacks.
    let web =
        json!({"name": "web", "kind": "web", "settings": {"pairing_phone_number": "+16505551234"}});
    if cfg!(not(feature = "whatsapp-web")) {
        let refused = server.post_json("/v1/channels", &key, &web).await;
        let text = refused.json().to_string();
        assert_eq!(refused.error(422), "channel_kind_unavailable");
        assert!(text.contains("whatsapp-web"), "{text}");
        return;
    }
    let channel = server
        .post_json("/v1/channels", &key, &web)
        .await
        .status(201);
    assert_eq!(channel["kind"], "web");
    assert_eq!(channel["settings"]["pairing_phone_number"], "16505551234");
    let session = server
        .get(
            &format!("/v1/channels/{}/session", channel["id"].as_str().unwrap()),
            &key,
        )
        .await
        .status(200);
    assert_eq!(session["state"], "stopped", "{session}");
}

/// Stores a telegram channel directly (the API cannot create one in this build).
async fn stored_telegram_channel(server: &TestServer, account: &str) -> String {
    let account: AccountId = account.parse().unwrap();
    let channel =
        switchboard_store::conformance::channel_of_kind(account, ChannelKind::Telegram, 7);
    let store = switchboard::secrets::open_store(&server.config)
        .await
        .expect("store");
    store.create_channel(&channel).await.expect("stored");
    store.close().await;
    channel.id.to_string()
}

async fn a_stored_channel_of_another_kind_is_masked_validated_and_limited(server: &TestServer) {
    let (account, key) = create_account(server, "stored").await;
    let id = stored_telegram_channel(server, &account).await;
    let path = format!("/v1/channels/{id}");
    let shown = server.get(&path, &key).await.status(200);
    assert_eq!(shown["kind"], "telegram");
    assert_eq!(shown["settings"]["bot_token"], "********cret", "{shown}");
    assert_eq!(shown["settings"]["webhook_secret"], "********cret");
    assert_eq!(shown["settings"]["inbound"], "polling");
    assert_eq!(shown["settings"]["sandbox"], true);
    assert!(shown.get("phone_number_id").is_none(), "{shown}");
    assert!(shown["webhook_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/webhooks/telegram/{id}")));
    assert!(!shown.to_string().contains("AAH-token-secret"));

    let bad = server
        .patch_json(&path, &key, json!({"settings": {"bot_token": "nope"}}))
        .await;
    let text = bad.json().to_string();
    assert_eq!(bad.error(400), "invalid_parameter");
    assert!(text.contains("settings.bot_token"), "{text}");
    let cloud_field = server
        .patch_json(&path, &key, json!({"access_token": "EAAG-new-token"}))
        .await;
    let text = cloud_field.json().to_string();
    assert_eq!(cloud_field.error(400), "invalid_parameter");
    assert!(text.contains("access_token"), "{text}");
    let changed = server
        .patch_json(&path, &key, json!({"settings": {"inbound": "webhook"}}))
        .await
        .status(200);
    assert_eq!(changed["settings"]["inbound"], "webhook");
    let status = server
        .get(&format!("{path}/status"), &key)
        .await
        .status(200);
    // The change reconfigures the channel, and Switchboard then calls setWebhook on the bot's
    // base URL, where nothing listens (port 9): the channel shows the upstream's failure.
    assert_eq!(status["reason"], "upstream_error", "{status}");
    assert_eq!(status["status"], "error", "{status}");

    let template = json!({"messaging_product": "whatsapp", "to": "16505551234",
        "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}});
    let refused = server
        .post_json(&format!("/v1/channels/{id}/messages"), &key, &template)
        .await
        .status(422);
    let details = refused["error"]["error_data"]["details"].as_str().unwrap();
    assert!(details.starts_with("unsupported_message_kind"), "{details}");
    assert!(details.contains("telegram"), "{details}");
    assert!(
        details.contains("interactive (button, list, cta_url)"),
        "{details}"
    );
    assert_eq!(refused["error"]["code"], 131051);
    let location_request = json!({"messaging_product": "whatsapp", "to": "16505551234",
        "type": "interactive", "interactive": {"type": "location_request_message",
        "body": {"text": "Where are you?"}, "action": {"name": "send_location"}}});
    let refused = server
        .post_json(
            &format!("/v1/channels/{id}/messages"),
            &key,
            &location_request,
        )
        .await
        .status(422);
    let details = refused["error"]["error_data"]["details"].as_str().unwrap();
    assert!(
        details.contains("`interactive/location_request_message`"),
        "{details}"
    );

    server.delete(&path, &key).await.status(204);
}

/// With the sandbox off, a sandbox web channel has no fake phone to drive it: refused with
/// 422 `channel_kind_unavailable` naming the setting, and nothing is stored.
async fn a_sandbox_web_channel_needs_the_sandbox(server: &TestServer) {
    let (_, key) = create_account(server, "no sandbox").await;
    let refused = server
        .post_json(
            "/v1/channels",
            &key,
            &json!({"name": "phone", "kind": "web", "sandbox": true}),
        )
        .await;
    let text = refused.json().to_string();
    assert_eq!(refused.error(422), "channel_kind_unavailable");
    assert!(text.contains("sandbox.enabled"), "{text}");
    let listed = server.get("/v1/channels", &key).await.status(200);
    assert_eq!(listed["data"], json!([]), "{listed}");
}

fn sandbox_off(c: &mut switchboard::config::Config) {
    c.sandbox.enabled = false;
}

on_both_backends!(
    kinds_are_validated_then_created => super::settings_are_validated_then_every_kind_is_created,
    a_sandbox_web_channel_needs_the_sandbox => super::a_sandbox_web_channel_needs_the_sandbox where super::sandbox_off,
    stored_kinds_are_masked_and_limited => super::a_stored_channel_of_another_kind_is_masked_validated_and_limited,
);
