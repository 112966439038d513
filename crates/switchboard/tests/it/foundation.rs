//! Foundation over real HTTP, on SQLite and PostgreSQL: admin key → account → key → channel →
//! list; isolation between accounts; permissions; revocation; error shapes.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

async fn admin_account_key_channel_list(server: &TestServer) {
    // Admin creates two accounts and lists them.
    let (account_a, key_a) = create_account(server, "Acme").await;
    let (_account_b, _) = create_account(server, "Beta").await;
    let listed = server
        .get("/v1/accounts?limit=1", ADMIN_KEY)
        .await
        .status(200);
    assert_eq!(listed["data"][0]["id"], account_a.as_str());
    let next = listed["next"].as_str().expect("a second page");
    let page2 = server
        .get(&format!("/v1/accounts?limit=1&after={next}"), ADMIN_KEY)
        .await
        .status(200);
    assert_eq!(page2["data"][0]["name"], "Beta");
    assert!(page2["next"].is_null());
    let one = server
        .get(&format!("/v1/accounts/{account_a}"), ADMIN_KEY)
        .await
        .status(200);
    assert_eq!(one["name"], "Acme");

    // The account's key creates a send key and a channel, and lists them.
    let (send_key_id, send_key) = create_key(
        server,
        &key_a,
        json!({"name": "sender", "permission": "send"}),
    )
    .await;
    assert!(send_key.starts_with("sb_"));
    let channel = create_cloud_channel(server, &key_a, "106540352242922").await;
    let channels = server.get("/v1/channels", &send_key).await.status(200);
    assert_eq!(channels["data"].as_array().unwrap().len(), 1);
    let shown = &channels["data"][0];
    assert_eq!(shown["id"], channel.as_str());
    assert_eq!(shown["access_token"], "********oken", "secrets are masked");
    assert_eq!(shown["app_secret"], "********-123");
    assert!(shown["webhook_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/webhooks/cloud/{channel}")));

    let keys = server.get("/v1/keys", &key_a).await.status(200);
    let listed: Vec<&str> = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&send_key_id.as_str()));
    assert!(
        keys.to_string().find(&send_key).is_none(),
        "secrets are never listed"
    );
    assert!(keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k.get("secret").is_none()));

    // Status, update and delete.
    let status = server
        .get(&format!("/v1/channels/{channel}/status"), &send_key)
        .await
        .status(200);
    assert_eq!(status["status"], "active");
    let patched = server
        .patch_json(
            &format!("/v1/channels/{channel}"),
            &key_a,
            &json!({"name": "Renamed", "api_version": "v24.0"}),
        )
        .await
        .status(200);
    assert_eq!(patched["name"], "Renamed");
    assert_eq!(patched["api_version"], "v24.0");
    let resp = server
        .delete(&format!("/v1/channels/{channel}"), &key_a)
        .await;
    assert_eq!(resp.code, 204);
    let code = server
        .get(&format!("/v1/channels/{channel}"), &key_a)
        .await
        .error(404);
    assert_eq!(code, "not_found");
}

async fn isolation_between_accounts(server: &TestServer) {
    let (_a, key_a) = create_account(server, "A").await;
    let (_b, key_b) = create_account(server, "B").await;
    let channel_a = create_cloud_channel(server, &key_a, "111111111111111").await;
    let (key_a_id, _) = create_key(server, &key_a, json!({"permission": "read"})).await;

    let foreign = [
        (Method::GET, format!("/v1/channels/{channel_a}")),
        (Method::PATCH, format!("/v1/channels/{channel_a}")),
        (Method::DELETE, format!("/v1/channels/{channel_a}")),
        (Method::GET, format!("/v1/channels/{channel_a}/status")),
        (Method::DELETE, format!("/v1/keys/{key_a_id}")),
    ];
    for (method, path) in &foreign {
        let mut request = server.req(method.clone(), path, Some(&key_b));
        if *method == Method::PATCH {
            request = request.json(&json!({"name": "stolen"}));
        }
        let code = server.call(request).await.error(404);
        assert_eq!(code, "not_found", "{method} {path}");
    }
    // A missing id answers exactly like a foreign one.
    let missing = server
        .get("/v1/channels/ch_00000000000000000000000000", &key_b)
        .await;
    assert_eq!(missing.error(404), "not_found");
    let malformed = server.get("/v1/channels/nonsense", &key_b).await;
    assert_eq!(malformed.error(404), "not_found");
    // B's lists do not show A's things.
    let listed = server.get("/v1/channels", &key_b).await.status(200);
    assert!(listed["data"].as_array().unwrap().is_empty());
    // A key cannot be scoped to another account's channel.
    let resp = server
        .post_json("/v1/keys", &key_b, &json!({"channel_id": channel_a}))
        .await;
    assert_eq!(resp.error(400), "invalid_parameter");

    // No key → 401 everywhere, including the admin endpoints.
    let all = [
        (Method::GET, "/v1/channels".to_string()),
        (Method::POST, "/v1/channels".to_string()),
        (Method::GET, format!("/v1/channels/{channel_a}")),
        (Method::PATCH, format!("/v1/channels/{channel_a}")),
        (Method::DELETE, format!("/v1/channels/{channel_a}")),
        (Method::GET, format!("/v1/channels/{channel_a}/status")),
        (Method::GET, "/v1/keys".to_string()),
        (Method::POST, "/v1/keys".to_string()),
        (Method::DELETE, format!("/v1/keys/{key_a_id}")),
        (Method::GET, "/v1/accounts".to_string()),
        (Method::POST, "/v1/accounts".to_string()),
    ];
    for (method, path) in &all {
        let code = server
            .call(server.req(method.clone(), path, NO_KEY))
            .await
            .error(401);
        assert_eq!(code, "unauthorized", "{method} {path}");
        let code = server
            .call(server.req(method.clone(), path, "sb_not_a_real_key"))
            .await
            .error(401);
        assert_eq!(code, "unauthorized", "{method} {path} with a bogus key");
    }

    // A read key cannot create or delete.
    let (_, read_key) = create_key(server, &key_a, json!({"permission": "read"})).await;
    let forbidden = [
        (
            Method::POST,
            "/v1/channels".to_string(),
            json!({"name": "x", "kind": "sandbox"}),
        ),
        (
            Method::DELETE,
            format!("/v1/channels/{channel_a}"),
            json!(null),
        ),
        (
            Method::PATCH,
            format!("/v1/channels/{channel_a}"),
            json!({"name": "x"}),
        ),
        (Method::POST, "/v1/keys".to_string(), json!({})),
        (Method::DELETE, format!("/v1/keys/{key_a_id}"), json!(null)),
        (Method::GET, "/v1/keys".to_string(), json!(null)),
    ];
    for (method, path, body) in &forbidden {
        let mut request = server.req(method.clone(), path, Some(&read_key));
        if !body.is_null() {
            request = request.json(body);
        }
        let code = server.call(request).await.error(403);
        assert_eq!(code, "forbidden", "{method} {path}");
    }
    // But it can read.
    server
        .get(&format!("/v1/channels/{channel_a}"), &read_key)
        .await
        .status(200);
    // Account keys cannot use admin endpoints, and the admin key cannot act as an account.
    let code = server.get("/v1/accounts", &key_a).await.error(403);
    assert_eq!(code, "forbidden");
    let code = server.get("/v1/channels", ADMIN_KEY).await.error(403);
    assert_eq!(code, "forbidden");
}

async fn keys_are_revoked_and_scoped(server: &TestServer) {
    let (_a, key_a) = create_account(server, "A").await;
    let ch1 = create_cloud_channel(server, &key_a, "222222222222221").await;
    let ch2 = create_cloud_channel(server, &key_a, "222222222222222").await;

    // Every way the seed APIs pass a key works.
    let (key_id, secret) = create_key(
        server,
        &key_a,
        json!({"permission": "manage", "channel_id": ch1}),
    )
    .await;
    for request in [
        server
            .client
            .get(format!("{}/v1/channels", server.base))
            .bearer_auth(&secret),
        server
            .client
            .get(format!("{}/v1/channels", server.base))
            .header("x-api-key", &secret),
        server
            .client
            .get(format!("{}/v1/channels?token={secret}", server.base)),
        server
            .client
            .get(format!("{}/v1/channels?apikey={secret}", server.base)),
    ] {
        let listed = server.call(request).await.status(200);
        let ids: Vec<&str> = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            vec![ch1.as_str()],
            "a channel-scoped key sees only its channel"
        );
    }
    let code = server
        .get(&format!("/v1/channels/{ch2}"), &secret)
        .await
        .error(404);
    assert_eq!(code, "not_found");
    let code = server
        .post_json(
            "/v1/channels",
            &secret,
            &json!({"name": "x", "kind": "sandbox"}),
        )
        .await
        .error(403);
    assert_eq!(
        code, "forbidden",
        "a channel-scoped key cannot create channels"
    );

    // Revocation takes effect at once.
    let resp = server.delete(&format!("/v1/keys/{key_id}"), &key_a).await;
    assert_eq!(resp.code, 204);
    let code = server.get("/v1/channels", &secret).await.error(401);
    assert_eq!(code, "unauthorized");
    let resp = server.delete(&format!("/v1/keys/{key_id}"), &key_a).await;
    assert_eq!(resp.error(404), "not_found", "revoking twice");
    let keys = server.get("/v1/keys", &key_a).await.status(200);
    let revoked = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id.as_str())
        .unwrap();
    assert!(revoked["revoked_at"].is_string());
}

async fn bad_input_gets_clear_errors(server: &TestServer) {
    let (_a, key) = create_account(server, "A").await;
    let cases = [
        (json!({"name": "x", "kind": "telegraph"}), "kind"),
        (json!({"name": "", "kind": "sandbox"}), "name"),
        (json!({"name": "x", "kind": "cloud"}), "phone_number_id"),
        (
            json!({"name": "x", "kind": "cloud", "phone_number_id": "12a", "waba_id": "1", "access_token": "abcdefgh", "app_secret": "abcdefgh"}),
            "phone_number_id",
        ),
        (
            json!({"name": "x", "kind": "cloud", "phone_number_id": "12", "waba_id": "1", "access_token": "abcdefgh", "app_secret": "abcdefgh", "base_url": "ftp://x"}),
            "base_url",
        ),
        (
            json!({"name": "x", "kind": "sandbox", "colour": "red"}),
            "colour",
        ),
        (json!({"kind": "sandbox"}), "name"),
    ];
    for (body, field) in cases {
        let resp = server.post_json("/v1/channels", &key, &body).await;
        let payload = resp.status(400);
        let message = payload["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{body} → {message}");
    }
    // Malformed JSON, wrong content type, unknown route, wrong method, oversize body.
    let resp = server
        .call(
            server
                .req(Method::POST, "/v1/channels", &key)
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(resp.error(400), "malformed_json");
    let resp = server
        .call(
            server
                .req(Method::POST, "/v1/channels", &key)
                .body("name=x"),
        )
        .await;
    assert_eq!(resp.error(415), "unsupported_media_type");
    let resp = server.get("/v1/nothing-here", &key).await;
    assert_eq!(resp.error(404), "not_found");
    let resp = server.put("/v1/channels", &key).await;
    assert_eq!(resp.error(405), "method_not_allowed");
    let huge = format!(
        "{{\"name\":\"{}\",\"kind\":\"sandbox\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let resp = server
        .call(
            server
                .req(Method::POST, "/v1/channels", &key)
                .header("content-type", "application/json")
                .body(huge),
        )
        .await;
    assert_eq!(resp.error(413), "payload_too_large");
    let resp = server.get("/v1/channels?limit=lots", &key).await;
    assert_eq!(resp.error(400), "invalid_query");
    // Duplicate phone number ids conflict.
    create_cloud_channel(server, &key, "333333333333333").await;
    let resp = server.post_json("/v1/channels", &key, &json!({"name": "dup", "kind": "cloud", "phone_number_id": "333333333333333", "waba_id": "1", "access_token": "abcdefgh1", "app_secret": "abcdefgh1"})).await;
    assert_eq!(resp.error(409), "conflict");
    // Every answer carries a request id.
    let resp = server.get("/healthz", NO_KEY).await;
    assert!(resp
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("req_"));
}

async fn probes_metrics_and_docs(server: &TestServer) {
    let health = server.get("/healthz", NO_KEY).await.status(200);
    assert_eq!(health["status"], "ok");
    let ready = server.get("/readyz", NO_KEY).await.status(200);
    assert!(ready["store"] == "sqlite" || ready["store"] == "postgres");
    let doc = server.get("/openapi.json", NO_KEY).await.status(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/v1/channels/{id}"]["patch"].is_object());
    let docs = server.get("/docs", NO_KEY).await;
    assert_eq!(docs.code, 200);
    assert!(docs.text.clone().contains("<html"));
    let metrics = server.get("/metrics", NO_KEY).await.text.clone();
    assert!(
        metrics.contains(
            "switchboard_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("switchboard_http_request_duration_seconds_bucket"));
}

on_both_backends!(
    admin_account_key_channel_list_flow => super::admin_account_key_channel_list,
    isolation => super::isolation_between_accounts,
    revocation_and_channel_scope => super::keys_are_revoked_and_scoped,
    bad_input => super::bad_input_gets_clear_errors,
    probes => super::probes_metrics_and_docs,
);
