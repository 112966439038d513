//! Channel status over real HTTP, on SQLite and PostgreSQL: `GET /v1/channels/{id}/status`
//! reports the channel's actual state, and every change (creation, an upstream auth error, an
//! upstream recovery, a reconfiguration, deletion) is a `channel.status` event.


use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn status(server: &TestServer, key: &str, channel: &str) -> Value {
    json(
        server
            .req(
                Method::GET,
                &format!("/v1/channels/{channel}/status"),
                Some(key),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// `(status, previous_status, reason)` of the channel's `channel.status` events, in order.
async fn status_events(
    server: &TestServer,
    key: &str,
    channel: &str,
) -> Vec<(String, String, String)> {
    let list = json(
        server
            .req(
                Method::GET,
                &format!("/v1/events?types=channel.status&channel_id={channel}"),
                Some(key),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
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
    let answer = json(
        server
            .req(
                Method::POST,
                &format!("/v1/channels/{channel}/messages"),
                Some(key),
            )
            .json(
                &json!({"messaging_product": "whatsapp", "to": to, "type": "template",
                "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
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
    let created = json(
        server
            .req(Method::POST, "/v1/channels", Some(&ctx.key))
            .json(&json!({
                "name": "cloud line", "kind": "cloud", "phone_number_id": phone,
                "waba_id": "102290129349001", "access_token": token,
                "app_secret": "cloud-app-secret", "base_url": format!("{}/sandbox", server.base),
            }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
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
    json(
        server
            .req(
                Method::PATCH,
                &format!("/v1/channels/{cloud}"),
                Some(&ctx.key),
            )
            .json(&json!({"name": "renamed line"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(status(server, &ctx.key, &cloud).await["status"], "error");

    // The upstream learns the token: the next accepted send makes the channel active again.
    let added = server
        .req(Method::POST, "/sandbox/emulator/phone_numbers", None)
        .json(
            &json!({"phone_number_id": phone, "waba_id": "102290129349001",
            "display_phone_number": "15550009001", "access_token": token,
            "app_secret": "cloud-app-secret", "verified_name": "Cloud"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
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
                    let m = json(
                        server
                            .req(Method::GET, &format!("/v1/messages/{id}"), Some(key))
                            .send()
                            .await
                            .unwrap(),
                        200,
                    )
                    .await;
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
    json(
        server
            .req(
                Method::PATCH,
                &format!("/v1/channels/{cloud}"),
                Some(&ctx.key),
            )
            .json(&json!({"access_token": "EAAG-another-token-value"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        status(server, &ctx.key, &cloud).await["reason"],
        "reconfigured"
    );
    let resp = server
        .req(
            Method::DELETE,
            &format!("/v1/channels/{cloud}"),
            Some(&ctx.key),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let resp = server
        .req(
            Method::GET,
            &format!("/v1/channels/{cloud}/status"),
            Some(&ctx.key),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(resp, 404).await, "not_found");
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
    let theirs = json(
        server
            .req(Method::GET, "/v1/events?types=channel.status", Some(&other))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(theirs["data"].as_array().unwrap().is_empty());
}

on_both_backends!(channel_status_follows_the_channel => super::channel_status_follows_the_channel);
