//! The Send Buttons dialect (`/compat/sendbuttons/sendButtons`) on SQLite and PostgreSQL:
//! the service's documented request sent verbatim (only the key and numbers changed) on the
//! sandbox channel, its answer shape, the effect in the native API (history and statuses
//! from the emulator), a tapped button at a `sendbuttons` webhook as `type: "button"` with
//! its text in `body`, `localStorage` through the media store, and every failure in the
//! service's shape (`status: FAIL` with its `reason`).

use crate::common::*;
use crate::media::{jpeg, FileServer};
use serde_json::{json, Value};
use switchboard::config::Config;

const PATH: &str = "/compat/sendbuttons/sendButtons";

/// The sandbox channel's WhatsApp number, as the channel view exposes it.
async fn display_number(server: &TestServer, ctx: &Ctx) -> String {
    let channel = server
        .get(&format!("/v1/channels/{}", ctx.channel), &ctx.key)
        .await
        .status(200);
    string(&channel["display_phone_number"])
}

/// The seed's documented request, with our key and numbers.
fn documented(key: &str, from: &str, to: &str) -> Value {
    json!({
        "apiKey": key,
        "from": from,
        "to": to,
        "header": "1",
        "body": "your body",
        "footer": "your footer",
        "button1": "button 1 text",
        "button2": "button 2 text",
        "button3": "button 3 text",
        "button1_id": "my_button_1",
        "showRequest": 1
    })
}

async fn post(server: &TestServer, body: &Value) -> Reply {
    server.post_json(PATH, NO_KEY, body).await
}

/// Posts `body`, which must fail with HTTP `status` and `reason`; returns the description.
async fn fails(server: &TestServer, body: &Value, status: u16, reason: u8) -> String {
    let answer = post(server, body).await.status(status);
    assert_eq!(answer["status"], "FAIL", "{answer}");
    assert_eq!(answer["reason"], reason, "{answer}");
    assert!(answer["timestamp"].is_i64(), "{answer}");
    string(&answer["description"])
}

async fn the_documented_request_sends_buttons(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let receiver = Receiver::start(0).await;
    subscribe(
        server,
        &ctx.key,
        json!({"url": receiver.url, "events": ["message.received", "message.delivered"], "format": "sendbuttons"}),
    )
    .await;
    let from = display_number(server, &ctx).await;
    let customer = "972501234567";
    let hello = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &hello, 10).await;

    let answer = post(server, &documented(&ctx.key, &from, customer))
        .await
        .status(200);
    assert_eq!(answer["status"], "OK", "{answer}");
    assert_eq!(answer["reason"], 1);
    assert_eq!(answer["from"], from.as_str());
    assert_eq!(answer["to"], customer);
    assert_eq!(answer["header"], "1");
    assert_eq!(answer["body"], "your body");
    assert_eq!(answer["footer"], "your footer");
    assert_eq!(answer["button3"], "button 3 text");
    let left: i64 = string(&answer["templateTimeLeft"]).parse().unwrap();
    assert!((1430..=1440).contains(&left), "a fresh window: {left}");
    assert_eq!(answer["request"]["body"], "your body");
    assert!(
        answer["request"].get("apiKey").is_none(),
        "the key is not echoed"
    );
    let unique = string(&answer["unique"]);

    // The native API has the message; the emulator's statuses move it on.
    let m = wait_status(server, &ctx.key, &unique, &["delivered", "read"]).await;
    let interactive = &m["content"]["interactive"];
    assert_eq!(interactive["type"], "button");
    assert_eq!(interactive["footer"]["text"], "your footer");
    let buttons = interactive["action"]["buttons"].as_array().unwrap();
    let ids: Vec<&str> = buttons
        .iter()
        .map(|b| b["reply"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["my_button_1", "2", "3"], "ids default to 2 and 3");

    // The status and a tap reach the webhook in the service's shape.
    inject(
        server,
        &ctx,
        &json!({"from": customer, "type": "interactive", "context": {"id": m["upstream_id"]},
            "interactive": {"type": "button_reply", "button_reply": {"id": "my_button_1", "title": "button 1 text"}}}),
    )
    .await;
    let got = eventually(30, "the tap and the delivered status", || async {
        let got: Vec<Value> = receiver.got().into_iter().map(|r| r.json).collect();
        let tap = got.iter().find(|j| j["type"] == "button").cloned();
        let status = got
            .iter()
            .find(|j| j["event"] == "status" && j["unique"] == unique.as_str())
            .cloned();
        tap.zip(status)
    })
    .await;
    let (tap, status) = got;
    assert_eq!(tap["event"], "message");
    assert_eq!(tap["body"], "button 1 text");
    assert_eq!(tap["buttonId"], "my_button_1");
    assert_eq!(tap["from"], customer);
    assert_eq!(tap["to"], from.as_str());
    assert_eq!(status["status"], "delivered");
    assert_eq!(status["to"], customer);

    // The channel id works as `from` too; a URL external button becomes a URL button.
    let mut body = documented(&ctx.key, &ctx.channel, customer);
    body["buttonExternal"] = json!("https://www.example.com");
    let answer = post(server, &body).await.status(200);
    assert_eq!(answer["buttonExternal"], "https://www.example.com");
    assert_eq!(
        answer["button2"],
        Value::Null,
        "ignored with buttonExternal"
    );
    let m = message(server, &ctx.key, answer["unique"].as_str().unwrap()).await;
    assert_eq!(m["content"]["interactive"]["type"], "cta_url");
    assert_eq!(
        m["content"]["interactive"]["action"]["parameters"]["url"],
        "https://www.example.com"
    );
}

async fn local_storage_sends_our_copy(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let from = display_number(server, &ctx).await;
    let customer = "972501234568";
    let hello = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &hello, 10).await;
    let files = FileServer::start(vec![
        ("photo.jpg", "image/jpeg", jpeg(3000)),
        ("fake.pdf", "application/pdf", jpeg(3000)),
    ])
    .await;
    let mut body = documented(&ctx.key, &from, customer);
    body["header"] = json!(2);
    body["headerURL"] = json!(format!("{}/photo.jpg", files.base));
    body["localStorage"] = json!(1);
    let answer = post(server, &body).await.status(200);
    let m = wait_status(
        server,
        &ctx.key,
        answer["unique"].as_str().unwrap(),
        &["sent", "delivered", "read"],
    )
    .await;
    let media_id = string(&m["content"]["interactive"]["header"]["image"]["id"]);
    assert!(media_id.starts_with("med_"), "our copy is sent: {m}");
    let stored = server
        .get(&format!("/v1/media/{media_id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(stored["mime_type"], "image/jpeg");

    // Without localStorage the link itself is sent.
    body["localStorage"] = json!(0);
    let answer = post(server, &body).await.status(200);
    let m = message(server, &ctx.key, answer["unique"].as_str().unwrap()).await;
    assert_eq!(
        m["content"]["interactive"]["header"]["image"]["link"],
        format!("{}/photo.jpg", files.base)
    );
    body["localStorage"] = json!(1);

    // A JPEG behind a .pdf name is not a document header; a missing file is unreachable.
    body["header"] = json!(4);
    body["headerURL"] = json!(format!("{}/fake.pdf", files.base));
    let why = fails(server, &body, 400, 7).await;
    assert!(why.contains("PDF"), "{why}");
    body["headerURL"] = json!(format!("{}/missing.pdf", files.base));
    fails(server, &body, 400, 8).await;
}

async fn failures_use_the_service_shape(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let from = display_number(server, &ctx).await;
    let customer = "972501234569";
    let hello = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &hello, 10).await;
    let ok = documented(&ctx.key, &from, customer);

    // The key: missing, wrong, read-only.
    let mut body = ok.clone();
    body.as_object_mut().unwrap().remove("apiKey");
    fails(server, &body, 401, 2).await;
    body["apiKey"] = json!("sk_nope");
    fails(server, &body, 401, 2).await;
    let (_, reader) = create_key(
        server,
        &ctx.key,
        json!({"name": "ro", "permission": "read"}),
    )
    .await;
    body["apiKey"] = json!(reader);
    let why = fails(server, &body, 401, 2).await;
    assert!(why.contains("send"), "{why}");

    // Another account's channel is not found, by number or by id.
    let other = setup_sandbox(server).await;
    let theirs = display_number(server, &other).await;
    let mut body = ok.clone();
    body["from"] = json!(theirs);
    fails(server, &body, 404, 3).await;
    body["from"] = json!(other.channel);
    fails(server, &body, 404, 3).await;

    // Malformed bodies and parameters.
    let resp = server
        .call(
            server
                .req(reqwest::Method::POST, PATH, NO_KEY)
                .header("content-type", "application/json")
                .body("{oops"),
        )
        .await;
    assert_eq!(resp.code, 400, "{}", resp.text);
    assert_eq!(resp.json()["reason"], 10);
    for (key, value, what) in [
        ("footer", json!("f".repeat(61)), "footer"),
        ("button2", json!("b".repeat(21)), "button2"),
        ("button1_id", json!("i".repeat(257)), "button1_id"),
        ("header", json!("9"), "header"),
        ("body", json!(""), "body"),
    ] {
        let mut body = ok.clone();
        body[key] = value;
        let why = fails(server, &body, 400, 4).await;
        assert!(why.starts_with(what), "{why}");
    }
    let mut body = ok.clone();
    body["to"] = json!("not a number");
    fails(server, &body, 400, 5).await;
    let mut body = ok.clone();
    body["header"] = json!("2");
    body["headerURL"] = json!("https://example.com/clip.gif");
    fails(server, &body, 400, 7).await;

    // The window: a customer who never wrote needs a template.
    let mut body = ok.clone();
    body["to"] = json!("972509999999");
    let why = fails(server, &body, 422, 6).await;
    assert!(why.contains("template"), "{why}");
    // A phone or e-mail external button cannot be carried.
    for target in ["+972501234567", "info@example.com"] {
        let mut body = ok.clone();
        body["buttonExternal"] = json!(target);
        fails(server, &body, 422, 9).await;
    }
    let listed = server
        .get(
            &format!("/v1/channels/{}/messages?direction=outbound", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    assert!(data(&listed).is_empty(), "nothing stored for failures");
}

/// A cloud channel learns its number from the upstream when it is created (here the
/// emulator, as the Graph API), shows it, and is found by it as `from`.
async fn a_cloud_channel_is_found_by_its_upstream_number(server: &TestServer) {
    let (_, key) = create_account(server, "acme").await;
    server
        .post_json(
            "/sandbox/emulator/phone_numbers",
            NO_KEY,
            &json!({"phone_number_id": "106540352242922", "waba_id": "102290129340398",
                "display_phone_number": "+1 555-010-2030", "access_token": "EAAG-cloud-token",
                "app_secret": "cloud-app-secret", "verified_name": "Acme"}),
        )
        .await
        .status(200);
    let created = server
        .post_json(
            "/v1/channels",
            &key,
            &json!({"name": "cloud", "kind": "cloud", "phone_number_id": "106540352242922",
                "waba_id": "102290129340398", "access_token": "EAAG-cloud-token",
                "app_secret": "cloud-app-secret", "base_url": format!("{}/sandbox", server.base)}),
        )
        .await
        .status(201);
    let channel = string(&created["id"]);
    let view = eventually(20, "the display number", || async {
        let view = server
            .get(&format!("/v1/channels/{channel}"), &key)
            .await
            .status(200);
        view["display_phone_number"].is_string().then_some(view)
    })
    .await;
    assert_eq!(view["display_phone_number"], "15550102030");
    // Found by its number: the customer never wrote, so the window (not `from`) refuses.
    let why = fails(
        server,
        &documented(&key, "+1 555 010 2030", "972501230000"),
        422,
        6,
    )
    .await;
    assert!(why.contains("template"), "{why}");
}

fn private_files(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
    c.webhooks.retry_schedule_ms = vec![50; 50];
}

on_both_backends!(
    documented_request => super::the_documented_request_sends_buttons where super::private_files,
    local_storage => super::local_storage_sends_our_copy where super::private_files,
    failures => super::failures_use_the_service_shape,
    cloud_number => super::a_cloud_channel_is_found_by_its_upstream_number,
);
