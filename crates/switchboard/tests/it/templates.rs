//! Templates through the public API and the mounted sandbox emulator, on SQLite and
//! PostgreSQL: create → PENDING → `template.status` APPROVED → send checked synchronously
//! (right parameters accepted, wrong count refused with 132000 naming the component and the
//! expected count), local validation, rejection, unknown and wrong-language templates
//! (132001), deletion by id and by name, filters, scopes and account isolation.

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn order_update(name: &str, language: &str) -> Value {
    json!({
        "name": name,
        "language": language,
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order update"},
            {"type": "BODY", "text": "Hi {{1}}, your order {{2}} is ready.",
             "example": {"body_text": [["Ann", "A-1001"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]}
        ]
    })
}

async fn create(server: &TestServer, ctx: &Ctx, body: &Value) -> Reply {
    server
        .post_json(
            &format!("/v1/channels/{}/templates", ctx.channel),
            &ctx.key,
            body,
        )
        .await
}

async fn get_template(server: &TestServer, ctx: &Ctx, id: &str) -> Value {
    server
        .get(
            &format!("/v1/channels/{}/templates/{id}", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200)
}

async fn list(server: &TestServer, ctx: &Ctx, query: &str) -> Vec<Value> {
    let body = server
        .get(
            &format!("/v1/channels/{}/templates{query}", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    body["data"].as_array().cloned().unwrap_or_default()
}

async fn send(server: &TestServer, ctx: &Ctx, template: Value) -> Reply {
    server
        .post_json(
            &format!("/v1/channels/{}/messages", ctx.channel),
            &ctx.key,
            &json!({"messaging_product": "whatsapp", "to": "15551234567",
            "type": "template", "template": template}),
        )
        .await
}

fn body_params(values: &[&str]) -> Value {
    let params: Vec<Value> = values
        .iter()
        .map(|v| json!({"type": "text", "text": v}))
        .collect();
    json!([{"type": "body", "parameters": params}])
}

async fn status_events(server: &TestServer, ctx: &Ctx) -> Vec<Value> {
    let body = server
        .get("/v1/events?types=template.status&limit=500", &ctx.key)
        .await
        .status(200);
    body["data"].as_array().cloned().unwrap_or_default()
}

async fn wait_status(server: &TestServer, ctx: &Ctx, id: &str, status: &str) -> Value {
    let path = format!("/v1/channels/{}/templates/{id}", ctx.channel);
    wait_status_at(server, &ctx.key, &path, &[status], 20).await
}

async fn done_when_flow(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let created = create(server, &ctx, &order_update("order_update", "en_US"))
        .await
        .status(201);
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("tpl_"), "{created}");
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["category"], "UTILITY");
    assert_eq!(created["channel_id"], ctx.channel.as_str());
    assert!(created["upstream_id"]
        .as_str()
        .is_some_and(|u| !u.is_empty()));

    // Not approved yet: refused at once with 132001.
    let err = send(
        server,
        &ctx,
        json!({"name": "order_update", "language": {"code": "en_US"},
               "components": body_params(&["Ann", "A-1"])}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132001, "{err}");
    assert!(
        err["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .contains("PENDING"),
        "{err}"
    );

    // The review approves it: a template.status event says so.
    let event = eventually(20, "a template.status APPROVED event", || async {
        status_events(server, &ctx).await.into_iter().find(|e| {
            e["data"]["status"] == "APPROVED" && e["data"]["template"]["id"] == id.as_str()
        })
    })
    .await;
    assert_eq!(event["type"], "template.status");
    assert_eq!(event["data"]["previous_status"], "PENDING");
    assert_eq!(event["channel_id"], ctx.channel.as_str());
    assert_eq!(get_template(server, &ctx, &id).await["status"], "APPROVED");

    // The right parameters: accepted.
    let answer = send(
        server,
        &ctx,
        json!({"name": "order_update", "language": {"code": "en_US"},
               "components": body_params(&["Ann", "A-1"])}),
    )
    .await
    .status(200);
    assert!(answer["messages"][0]["id"].as_str().is_some());

    // The wrong count: 400 with 132000 naming the component and the expected count.
    let err = send(
        server,
        &ctx,
        json!({"name": "order_update", "language": {"code": "en_US"},
               "components": body_params(&["Ann"])}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132000, "{err}");
    let details = err["error"]["error_data"]["details"].as_str().unwrap();
    assert!(
        details.contains("body") && details.contains("expects 2") && details.contains("got 1"),
        "{details}"
    );

    // No parameters at all for a body with variables: refused too.
    let err = send(
        server,
        &ctx,
        json!({"name": "order_update", "language": {"code": "en_US"}}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132000, "{err}");
}

async fn local_validation(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let cases = [
        (
            json!({"name": "Bad Name", "language": "en_US", "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Hi"}]}),
            "name",
        ),
        (
            json!({"name": "no_example", "language": "en_US", "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Hi {{1}}"}]}),
            "components[0]",
        ),
        (
            json!({"name": "gap", "language": "en_US", "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Hi {{1}} and {{3}}",
                                "example": {"body_text": [["a", "b"]]}}]}),
            "components[0]",
        ),
        (
            json!({"name": "bad_category", "language": "en_US", "category": "PROMO",
                "components": [{"type": "BODY", "text": "Hi"}]}),
            "category",
        ),
        (
            json!({"name": "too_many_buttons", "language": "en_US", "category": "MARKETING",
                "components": [{"type": "BODY", "text": "Hi"},
                    {"type": "BUTTONS", "buttons": (0..11).map(|i| json!({"type": "QUICK_REPLY", "text": format!("b{i}")})).collect::<Vec<_>>()}]}),
            "components[1]",
        ),
    ];
    for (body, path) in cases {
        let reply = create(server, &ctx, &body).await;
        assert_eq!(reply.code, 400, "{body} → {}", reply.text);
        let err = reply.json();
        assert_eq!(err["error"]["code"], "invalid_parameter", "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains(path), "{path} not in {message}");
    }
    // Nothing reached the store nor the upstream: after a sync only the sandbox's sample is
    // there.
    let synced = server
        .post(
            &format!("/v1/channels/{}/templates/sync", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(synced["removed"], 0, "{synced}");
    let names: Vec<Value> = list(server, &ctx, "")
        .await
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("hello_world")]);

    // A duplicate name in the same language: 409.
    create(server, &ctx, &order_update("dup", "en_US"))
        .await
        .status(201);
    create(server, &ctx, &order_update("dup", "en_US"))
        .await
        .status(409);
}

async fn rejected_flow(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let created = create(server, &ctx, &order_update("please_reject_me", "en_US"))
        .await
        .status(201);
    let id = created["id"].as_str().unwrap().to_string();
    let t = wait_status(server, &ctx, &id, "REJECTED").await;
    assert_eq!(t["rejected_reason"], "INVALID_FORMAT");
    let events = status_events(server, &ctx).await;
    assert!(events
        .iter()
        .any(|e| e["data"]["status"] == "REJECTED" && e["data"]["reason"] == "INVALID_FORMAT"));
    let err = send(
        server,
        &ctx,
        json!({"name": "please_reject_me", "language": {"code": "en_US"},
               "components": body_params(&["Ann", "A-1"])}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132001, "{err}");
    assert!(err["error"]["error_data"]["details"]
        .as_str()
        .unwrap()
        .contains("REJECTED"));
    // Filters.
    assert_eq!(list(server, &ctx, "?status=REJECTED").await.len(), 1);
    assert!(list(server, &ctx, "?status=approved&name=please_reject_me")
        .await
        .is_empty());
    assert!(list(server, &ctx, "?category=marketing").await.is_empty());
    assert_eq!(
        list(
            server,
            &ctx,
            "?category=utility&language=en_US&name=please_reject_me"
        )
        .await
        .len(),
        1
    );
    assert!(list(server, &ctx, "?name=other").await.is_empty());
    let resp = server
        .get(
            &format!("/v1/channels/{}/templates?status=NOPE", ctx.channel),
            &ctx.key,
        )
        .await;
    assert_eq!(resp.error(400), "invalid_parameter");
}

async fn upstream_templates_and_languages(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    // hello_world exists upstream (synced when the channel was created, or by this first
    // send): accepted.
    send(
        server,
        &ctx,
        json!({"name": "hello_world", "language": {"code": "en_US"}}),
    )
    .await
    .status(200);
    let listed = list(server, &ctx, "?name=hello_world").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "APPROVED");
    // Wrong language: 132001 naming the language it has.
    let err = send(
        server,
        &ctx,
        json!({"name": "hello_world", "language": {"code": "de"}}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132001, "{err}");
    assert!(err["error"]["error_data"]["details"]
        .as_str()
        .unwrap()
        .contains("en_US"));
    // Unknown template: 132001.
    let err = send(
        server,
        &ctx,
        json!({"name": "no_such_template", "language": {"code": "en_US"}}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132001, "{err}");
    // Parameters for a template without variables: 132000.
    let err = send(
        server,
        &ctx,
        json!({"name": "hello_world", "language": {"code": "en_US"},
               "components": body_params(&["x"])}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132000, "{err}");
}

async fn delete_scopes_and_isolation(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let en = create(server, &ctx, &order_update("promo_x", "en_US"))
        .await
        .json();
    let de = create(server, &ctx, &order_update("promo_x", "de"))
        .await
        .json();
    let (en_id, de_id) = (
        en["id"].as_str().unwrap().to_string(),
        de["id"].as_str().unwrap().to_string(),
    );

    // Another account sees none of it.
    let other = setup_sandbox(server).await;
    for (method, path) in [
        (
            Method::GET,
            format!("/v1/channels/{}/templates/{en_id}", ctx.channel),
        ),
        (
            Method::GET,
            format!("/v1/channels/{}/templates", ctx.channel),
        ),
        (
            Method::DELETE,
            format!("/v1/channels/{}/templates/{en_id}", ctx.channel),
        ),
        (
            Method::GET,
            format!("/v1/channels/{}/templates/{en_id}", other.channel),
        ),
        (
            Method::DELETE,
            format!("/v1/channels/{}/templates/{en_id}", other.channel),
        ),
        (
            Method::POST,
            format!("/v1/channels/{}/templates/sync", ctx.channel),
        ),
    ] {
        let resp = server.call(server.req(method, &path, &other.key)).await;
        assert_eq!(resp.error(404), "not_found", "{path}");
    }

    // A read key lists but cannot create, delete or sync.
    let (_, read_key) =
        create_key(server, &ctx.key, json!({"name": "r", "permission": "read"})).await;
    let resp = server
        .get(
            &format!("/v1/channels/{}/templates", ctx.channel),
            &read_key,
        )
        .await;
    assert_eq!(resp.code, 200, "{}", resp.text);
    let resp = server
        .post_json(
            &format!("/v1/channels/{}/templates", ctx.channel),
            &read_key,
            &order_update("nope", "en_US"),
        )
        .await;
    assert_eq!(resp.error(403), "forbidden");
    let resp = server
        .delete(
            &format!("/v1/channels/{}/templates/promo_x", ctx.channel),
            &read_key,
        )
        .await;
    assert_eq!(resp.error(403), "forbidden");

    // By id: one language, here and upstream (a sync does not bring it back).
    let deleted = server
        .delete(
            &format!("/v1/channels/{}/templates/{de_id}", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(deleted["deleted"].as_array().unwrap().len(), 1);
    assert_eq!(deleted["deleted"][0]["language"], "de");
    server
        .post(
            &format!("/v1/channels/{}/templates/sync", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    let left: Vec<String> = list(server, &ctx, "?name=promo_x")
        .await
        .iter()
        .map(|t| t["language"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left, vec!["en_US"]);

    // By name: every language.
    create(server, &ctx, &order_update("promo_x", "fr")).await;
    let deleted = server
        .delete(
            &format!("/v1/channels/{}/templates/promo_x", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(deleted["deleted"].as_array().unwrap().len(), 2);
    let resp = server
        .get(
            &format!("/v1/channels/{}/templates/{en_id}", ctx.channel),
            &ctx.key,
        )
        .await;
    assert_eq!(resp.error(404), "not_found");
    let resp = server
        .delete(
            &format!("/v1/channels/{}/templates/promo_x", ctx.channel),
            &ctx.key,
        )
        .await;
    assert_eq!(resp.error(404), "not_found");
    let resp = server
        .delete(
            &format!("/v1/channels/{}/templates/Bad-Name", ctx.channel),
            &ctx.key,
        )
        .await;
    assert_eq!(resp.error(400), "invalid_parameter");
    // A send of the deleted template is refused (after the channel's one sync).
    let err = send(
        server,
        &ctx,
        json!({"name": "promo_x", "language": {"code": "en_US"},
               "components": body_params(&["Ann", "A-1"])}),
    )
    .await
    .status(400);
    assert_eq!(err["error"]["code"], 132001, "{err}");
}

on_both_backends!(
    create_pending_approved_send_and_wrong_count => super::done_when_flow,
    local_validation_errors => super::local_validation,
    rejected_templates_cannot_be_sent => super::rejected_flow,
    upstream_templates_and_wrong_language => super::upstream_templates_and_languages,
    delete_scopes_and_account_isolation => super::delete_scopes_and_isolation,
);
