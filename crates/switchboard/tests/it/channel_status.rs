//! Channel status over real HTTP, on SQLite and PostgreSQL: `GET /v1/channels/{id}/status`
//! reports the channel's actual state, and every change (creation, an upstream auth error, an
//! upstream recovery, a reconfiguration, deletion) is a `channel.status` event.

use crate::common::*;
use serde_json::{json, Value};

async fn status(server: &TestServer, key: &str, channel: &str) -> Value {
    server
        .get(&format!("/v1/channels/{channel}/status"), key)
        .await
        .status(200)
}

/// `(status, previous_status, reason)` of the channel's `channel.status` events, in order.
async fn status_events(
    server: &TestServer,
    key: &str,
    channel: &str,
) -> Vec<(String, String, String)> {
    let list = server
        .get(
            &format!("/v1/events?types=channel.status&channel_id={channel}"),
            key,
        )
        .await
        .status(200);
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "channel.status");
            assert_eq!(e["channel_id"], channel);
            let text = |k: &str| e["data"][k].as_str().unwrap_or("-").to_string();
            (text("status"), text("previous_status"), text("reason"))
        })
        .collect()
}

fn triples(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

async fn send_hello(server: &TestServer, key: &str, channel: &str, to: &str) -> String {
    let answer = server
        .post_json(
            &format!("/v1/channels/{channel}/messages"),
            key,
            &json!({"messaging_product": "whatsapp", "to": to, "type": "template",
                "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
        )
        .await
        .status(200);
    answer["messages"][0]["id"].as_str().unwrap().to_string()
}

async fn channel_status_follows_the_channel(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let sandbox = status(server, &ctx.key, &ctx.channel).await;
    assert_eq!(sandbox["id"], ctx.channel.as_str());
    assert_eq!(sandbox["kind"], "sandbox");
    assert_eq!(sandbox["status"], "active");
    assert_eq!(sandbox["reason"], "created", "{sandbox}");
    assert_eq!(sandbox["error"], Value::Null);
    assert!(sandbox["since"].as_str().is_some_and(|s| s.contains('T')));
    assert_eq!(
        status_events(server, &ctx.key, &ctx.channel).await,
        triples(&[("active", "-", "created")])
    );

    // A cloud channel whose token the upstream (the mounted emulator) does not know yet.
    let phone = "106540352249001";
    let token = "EAAG-not-yet-known-token";
    let created = server
        .post_json(
            "/v1/channels",
            &ctx.key,
            &json!({
                "name": "cloud line", "kind": "cloud", "phone_number_id": phone,
                "waba_id": "102290129349001", "access_token": token,
                "app_secret": "cloud-app-secret", "base_url": format!("{}/sandbox", server.base),
            }),
        )
        .await
        .status(201);
    let cloud = created["id"].as_str().unwrap().to_string();
    assert_eq!(status(server, &ctx.key, &cloud).await["status"], "active");
    send_hello(server, &ctx.key, &cloud, "15551250001").await;
    let broken = eventually(30, "the channel to be in error after the 190", || async {
        let s = status(server, &ctx.key, &cloud).await;
        (s["status"] == "error").then_some(s)
    })
    .await;
    assert_eq!(broken["reason"], "upstream_error");
    assert_eq!(broken["error"]["code"], 190, "{broken}");
    assert_eq!(broken["error"]["http_status"], 401, "{broken}");

    // A rename is not a status change.
    server
        .patch_json(
            &format!("/v1/channels/{cloud}"),
            &ctx.key,
            &json!({"name": "renamed line"}),
        )
        .await
        .status(200);
    assert_eq!(status(server, &ctx.key, &cloud).await["status"], "error");

    // The upstream learns the token: the next accepted send makes the channel active again.
    let added = server
        .post_json(
            "/sandbox/emulator/phone_numbers",
            NO_KEY,
            &json!({"phone_number_id": phone, "waba_id": "102290129349001",
            "display_phone_number": "15550009001", "access_token": token,
            "app_secret": "cloud-app-secret", "verified_name": "Cloud"}),
        )
        .await;
    assert_eq!(added.code, 200, "{}", added.text);
    let (key, line) = (ctx.key.as_str(), cloud.as_str());
    let mut n = 2;
    eventually(
        30,
        "the channel to be active after an accepted send",
        || {
            n += 1;
            let to = format!("155512500{n:02}");
            async move {
                let id = send_hello(server, key, line, &to).await;
                let sent = eventually(30, "the send's outcome", || async {
                    let m = server
                        .get(&format!("/v1/messages/{id}"), key)
                        .await
                        .status(200);
                    (m["status"] != "accepted").then_some(m["status"] == "sent")
                })
                .await;
                (sent && status(server, key, line).await["status"] == "active").then_some(())
            }
        },
    )
    .await;
    let recovered = status(server, &ctx.key, &cloud).await;
    assert_eq!(recovered["reason"], "upstream_ok");
    assert_eq!(recovered["error"], Value::Null);

    // New credentials reset the status (with an event even when it was active).
    server
        .patch_json(
            &format!("/v1/channels/{cloud}"),
            &ctx.key,
            &json!({"access_token": "EAAG-another-token-value"}),
        )
        .await
        .status(200);
    assert_eq!(
        status(server, &ctx.key, &cloud).await["reason"],
        "reconfigured"
    );
    let resp = server
        .delete(&format!("/v1/channels/{cloud}"), &ctx.key)
        .await;
    assert_eq!(resp.code, 204, "{}", resp.text);
    let resp = server
        .get(&format!("/v1/channels/{cloud}/status"), &ctx.key)
        .await;
    assert_eq!(resp.error(404), "not_found");
    assert_eq!(
        status_events(server, &ctx.key, &cloud).await,
        triples(&[
            ("active", "-", "created"),
            ("error", "active", "upstream_error"),
            ("active", "error", "upstream_ok"),
            ("active", "active", "reconfigured"),
            ("deleted", "active", "deleted"),
        ])
    );
    let (_, other) = create_account(server, "other").await;
    let theirs = server
        .get("/v1/events?types=channel.status", &other)
        .await
        .status(200);
    assert!(theirs["data"].as_array().unwrap().is_empty());
}

on_both_backends!(channel_status_follows_the_channel => super::channel_status_follows_the_channel);
