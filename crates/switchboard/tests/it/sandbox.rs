//! The sandbox mounted in `serve`, over real HTTP on SQLite and PostgreSQL: a simulated
//! customer sends every inbound kind through `POST /v1/channels/{id}/sandbox/inbound` and each
//! is stored with its kind (a reaction as a `message.reaction` event), the route refuses cloud
//! channels, and a customer's 24-hour window survives a restart of the server.

use crate::common::*;
use base64::Engine;
use serde_json::{json, Value};

async fn get(server: &TestServer, key: &str, path: &str) -> Value {
    server.get(path, key).await.status(200)
}

async fn every_inbound_kind_is_stored_with_its_kind(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let from = "15551230042";
    let outbound = send_template(server, &ctx, from).await;
    let wamid = eventually(30, "the template's wamid", || async {
        let m = get(server, &ctx.key, &format!("/v1/messages/{outbound}")).await;
        m["upstream_id"].as_str().map(str::to_string)
    })
    .await;
    let png = b"\x89PNG sandbox image".to_vec();
    let cases: Vec<(&str, Value, &str, Value)> = vec![
        (
            "interactive",
            json!({"from": from, "type": "interactive", "interactive": {"type": "list_reply",
                   "list_reply": {"id": "row-2", "title": "Tuesday", "description": "9-12"}}}),
            "/interactive/list_reply/id",
            json!("row-2"),
        ),
        (
            "interactive",
            json!({"from": from, "type": "interactive", "context": {"id": wamid},
                   "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}}),
            "/interactive/button_reply/title",
            json!("Yes"),
        ),
        (
            "location",
            json!({"from": from, "type": "location", "location": {"latitude": 37.44, "longitude": -122.16,
                   "name": "Philz", "address": "101 Forest Ave"}}),
            "/location/name",
            json!("Philz"),
        ),
        (
            "reaction",
            json!({"from": from, "type": "reaction", "reaction": {"message_id": wamid, "emoji": "👍"}}),
            "/reaction/emoji",
            json!("👍"),
        ),
        (
            "image",
            json!({"from": from, "type": "image", "image": {"caption": "my receipt", "mime_type": "image/png",
                   "data": base64::engine::general_purpose::STANDARD.encode(&png)}}),
            "/image/caption",
            json!("my receipt"),
        ),
        (
            "contacts",
            json!({"from": from, "type": "contacts", "contacts": [{"name": {"formatted_name": "Lucía Gómez",
                   "first_name": "Lucía"}, "phones": [{"phone": "+1 (983) 555-2319", "wa_id": "19835552319", "type": "MOBILE"}]}]}),
            "/contacts/0/phones/0/wa_id",
            json!("19835552319"),
        ),
    ];
    for (kind, message, pointer, expected) in &cases {
        let upstream_id = inject(server, &ctx, message).await;
        let m = wait_stored(server, &ctx, &upstream_id, 30).await;
        assert_eq!(m["type"], *kind, "{m}");
        assert_eq!(m["direction"], "inbound", "{m}");
        assert_eq!(m["status"], "received", "{m}");
        assert_eq!(m["chat"], from, "{m}");
        assert_eq!(
            m["content"].pointer(pointer),
            Some(expected),
            "{pointer} in {m}"
        );
    }
    let image = get(
        server,
        &ctx.key,
        &format!(
            "/v1/channels/{}/messages?direction=inbound&limit=100",
            ctx.channel
        ),
    )
    .await["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["type"] == "image")
        .cloned()
        .expect("the image");
    assert!(
        image["content"]["image"]["media_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("med_")),
        "the image's bytes are kept as our media: {image}"
    );
    assert_eq!(
        image["content"]["image"]["mime_type"], "image/png",
        "{image}"
    );

    // The reaction is a `message.reaction` event (not `message.received`), about that message.
    let reactions = get(server, &ctx.key, "/v1/events?types=message.reaction").await;
    let reactions = reactions["data"].as_array().unwrap();
    assert_eq!(reactions.len(), 1, "{reactions:?}");
    assert_eq!(reactions[0]["chat"], from);
    assert_eq!(
        reactions[0]["data"]["message"]["content"]["reaction"],
        json!({"message_id": wamid, "emoji": "👍"})
    );
    let received = get(
        server,
        &ctx.key,
        "/v1/events?types=message.received&limit=100",
    )
    .await;
    assert_eq!(
        received["data"].as_array().unwrap().len(),
        cases.len() - 1,
        "every other kind is a message.received event: {received}"
    );
}

async fn cloud_channels_have_no_simulated_customers(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let cloud = create_cloud_channel(server, &ctx.key, "106540352242922").await;
    let resp = server
        .post_json(
            &format!("/v1/channels/{cloud}/sandbox/inbound"),
            &ctx.key,
            &json!({"from": "15551230043", "type": "text", "text": {"body": "hi"}}),
        )
        .await;
    assert_eq!(resp.error(400), "not_a_sandbox_channel");
    let list = get(server, &ctx.key, &format!("/v1/channels/{cloud}/messages")).await;
    assert_eq!(list["data"], json!([]), "nothing stored");
}

/// A customer writes, the server restarts (the mounted emulator starts afresh), and a
/// free-form answer still goes out and reaches `read`: the window is Switchboard's, kept in
/// its database.
async fn the_window_survives_a_restart(server: TestServer) -> TestServer {
    let ctx = setup_sandbox(&server).await;
    let from = "15551230044";
    let upstream_id = inject(
        &server,
        &ctx,
        &json!({"from": from, "type": "text", "text": {"body": "Is it open on Sunday?"}}),
    )
    .await;
    wait_stored(&server, &ctx, &upstream_id, 30).await;

    let server = server.restart(|_| {}).await;
    let answer = send(
        &server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": from, "type": "text",
                          "text": {"body": "Yes, 10 to 4."}}),
    )
    .await
    .status(200);
    let id = answer["messages"][0]["id"].as_str().unwrap().to_string();
    let m = eventually(30, "the answer to reach read", || async {
        let m = get(&server, &ctx.key, &format!("/v1/messages/{id}")).await;
        (m["status"] == "read" || m["status"] == "failed").then_some(m)
    })
    .await;
    assert_eq!(m["status"], "read", "{m}");
    server
}

on_both_backends!(
    every_inbound_kind => super::every_inbound_kind_is_stored_with_its_kind,
    cloud_refused => super::cloud_channels_have_no_simulated_customers;
    by_value:
    restart => super::the_window_survives_a_restart,
);
