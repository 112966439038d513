//! The 1msg dialect's send methods (`/compat/1msg/{channel_id}/send…`, `uploadMedia`) on
//! SQLite and PostgreSQL: each sample of the 1msg documentation sent verbatim (only ids and
//! numbers changed) answers `{sent, id, message, description}` and the message is in the
//! native history with its kind; the carousel and catalog template samples on a cloud channel
//! whose templates exist upstream; files by link, data URI and multipart, stored in the media
//! store; and every failure in the dialect's shape (`{error, code, sent: false}`).

use crate::common::*;
use crate::media::{jpeg, FileServer};
use base64::Engine;
use reqwest::header::CONTENT_TYPE;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use switchboard::config::Config;

fn url(channel: &str, method: &str, key: &str) -> String {
    format!("/compat/1msg/{channel}/{method}?token={key}")
}

async fn call(server: &TestServer, channel: &str, key: &str, method: &str, body: &Value) -> Reply {
    server
        .post_json(&url(channel, method, key), NO_KEY, body)
        .await
}

/// Asserts the send answer's shape for `number`; returns the message id.
#[track_caller]
fn sent(answer: &Value, number: &str) -> String {
    assert_eq!(answer["sent"], true, "{answer}");
    assert_eq!(
        answer["message"],
        format!("Sent to {number}@c.us"),
        "{answer}"
    );
    assert_eq!(
        answer["description"], "Message has been sent to the provider",
        "{answer}"
    );
    let id = string(&answer["id"]);
    assert!(id.starts_with("msg_"), "{answer}");
    id
}

/// Sends `body` with `method`, which must be accepted; returns the stored message.
async fn sends(server: &TestServer, ctx: &Ctx, method: &str, body: &Value, number: &str) -> Value {
    let answer = call(server, &ctx.channel, &ctx.key, method, body)
        .await
        .status(200);
    message(server, &ctx.key, &sent(&answer, number)).await
}

/// Asserts a dialect error with `status` and `code`; returns its message.
#[track_caller]
fn refused(reply: Reply, status: u16, code: &str) -> String {
    let body = reply.status(status);
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["sent"], false, "{body}");
    string(&body["error"])
}

fn private_files(c: &mut Config) {
    c.allow_private_targets = true;
}

/// The seed's contact card sample.
fn contacts_sample() -> Value {
    json!([{"addresses":[{"city":"Menlo Park","country":"United States","country_code":"us","state":"CA","street":"1 Hacker Way","type":"HOME","zip":"94025"},{"city":"Menlo Park","country":"United States","country_code":"us","state":"CA","street":"200 Jefferson Dr","type":"WORK","zip":"94025"}],"birthday":"2012-08-18","emails":[{"email":"test@fb.com","type":"WORK"},{"email":"test@whatsapp.com","type":"WORK"}],"name":{"first_name":"John","formatted_name":"John Smith","last_name":"Smith"},"org":{"company":"WhatsApp","department":"Design","title":"Manager"},"phones":[{"phone":"+1 (940) 555-1234","type":"HOME"},{"phone":"+1 (650) 555-1234","type":"WORK","wa_id":"16505551234"}],"urls":[{"url":"https://www.facebook.com","type":"WORK"}]}])
}

async fn the_documented_samples_send(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let customer = "12020721369";
    let chat = format!("{customer}@c.us");
    let hello = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &hello, 10).await;

    // sendMessage, quoting the customer's message; it reaches the emulator.
    let m = sends(
        server,
        &ctx,
        "sendMessage",
        &json!({"chatId": chat, "body": "Hello 🍏", "quotedMsgId": hello}),
        customer,
    )
    .await;
    assert_eq!(m["type"], "text");
    assert_eq!(m["content"]["text"]["body"], "Hello 🍏");
    assert_eq!(m["context_message_id"], hello.as_str());
    wait_status(
        server,
        &ctx.key,
        &string(&m["id"]),
        &["sent", "delivered", "read"],
    )
    .await;

    // Our own msg_ id quotes too, once the message has its upstream id.
    let inbound = wait_stored(server, &ctx, &hello, 10).await;
    let m = sends(
        server,
        &ctx,
        "sendMessage",
        &json!({"phone": 12020721369u64, "body": "again", "quotedMsgId": inbound["id"]}),
        customer,
    )
    .await;
    assert_eq!(m["context_message_id"], hello.as_str());

    let m = sends(
        server,
        &ctx,
        "sendLocation",
        &json!({"lat": "45.018337", "lng": "-73.968285", "address": "9766 Valley View St., New York, NY 10024",
            "name": "Facebook HQ", "phone": customer}),
        customer,
    )
    .await;
    assert_eq!(m["type"], "location");
    assert_eq!(m["content"]["location"]["latitude"], 45.018337);

    let m = sends(
        server,
        &ctx,
        "sendContact",
        &json!({"contacts": contacts_sample(), "chatId": chat}),
        customer,
    )
    .await;
    assert_eq!(m["type"], "contacts");
    assert_eq!(m["content"]["contacts"][0]["org"]["company"], "WhatsApp");

    let m = sends(
        server,
        &ctx,
        "sendList",
        &json!({"body": "Main message text", "header": "Header", "footer": "Footer", "action": "Open list",
            "sections": [{"title":"Section 1","rows":[{"id":"1","title":"Option 1","description":"Description 1"}]},{"title":"Section 2","rows":[{"id":"2","title":"Option 2","description":"Description 2"}]}],
            "chatId": chat}),
        customer,
    )
    .await;
    assert_eq!(m["type"], "interactive");
    assert_eq!(m["content"]["interactive"]["type"], "list");
    assert_eq!(m["content"]["interactive"]["action"]["button"], "Open list");

    // The seed's buttons sample, its `"id "` key included.
    let m = sends(
        server,
        &ctx,
        "sendButtons",
        &json!({"body": "Main message text", "footer": "Footer",
            "sections": [{"type": "reply","reply": {"id ": "1","title": "1 Button's Title"}},{"type": "reply", "reply": {"id": "2", "title": "2 Button's Title"}}],
            "quotedMsgId": hello, "chatId": chat}),
        customer,
    )
    .await;
    assert_eq!(m["content"]["interactive"]["type"], "button");
    assert_eq!(
        m["content"]["interactive"]["action"]["buttons"][0]["reply"]["id"],
        "1"
    );

    let m = sends(
        server,
        &ctx,
        "sendLocationRequest",
        &json!({"body": "Where should we deliver?", "phone": customer}),
        customer,
    )
    .await;
    assert_eq!(
        m["content"]["interactive"]["type"],
        "location_request_message"
    );

    // The reaction sample is form-encoded (the id percent-encoded as such a body needs:
    // wamids hold `+`, `/` and `=`).
    let quoted = hello
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let form = format!("body=%F0%9F%91%8D&quotedMsgId={quoted}&chatId={customer}%40c.us");
    let request = server
        .req(
            Method::POST,
            &url(&ctx.channel, "sendReaction", &ctx.key),
            NO_KEY,
        )
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form);
    let answer = server.call(request).await.status(200);
    let m = message(server, &ctx.key, &sent(&answer, customer)).await;
    assert_eq!(m["type"], "reaction");
    assert_eq!(m["content"]["reaction"]["emoji"], "👍");
    assert_eq!(m["content"]["reaction"]["message_id"], hello.as_str());

    let m = sends(
        server,
        &ctx,
        "sendProduct",
        &json!({"action": {"catalog_id":"1234567890","sections":[{"title":"the-section-title","product_items":[{"product_retailer_id":"SKU-1"},{"product_retailer_id":"SKU-2"}]},{"title":"the-section-title2","product_items":[{"product_retailer_id":"SKU-1"}]}]},
            "body": "Some text.", "footer": "Footer.", "header": "Header.", "phone": customer}),
        customer,
    )
    .await;
    assert_eq!(m["content"]["interactive"]["type"], "product_list");

    // The sandbox's hello_world, outside any window.
    let m = sends(
        server,
        &ctx,
        "sendTemplate",
        &json!({"template": "hello_world", "language": {"policy": "deterministic", "code": "en_US"},
            "namespace": "namespace_id", "phone": "15551230077"}),
        "15551230077",
    )
    .await;
    assert_eq!(m["type"], "template");
}

/// A cloud channel on the mounted emulator with a known token, so the test can create
/// templates upstream as 1msg's own samples describe them; returns (channel, waba, token).
async fn cloud_channel(server: &TestServer, ctx: &Ctx) -> (String, String, String) {
    let (phone, waba, token) = ("106540352240101", "102290129340101", "EAAG-onemsg-token");
    server
        .post_json(
            "/sandbox/emulator/phone_numbers",
            NO_KEY,
            &json!({"phone_number_id": phone, "waba_id": waba, "display_phone_number": "15550001010",
                "access_token": token, "app_secret": "cloud-app-secret", "verified_name": "Shop"}),
        )
        .await
        .status(200);
    let created = server
        .post_json(
            "/v1/channels",
            &ctx.key,
            &json!({"name": "cloud line", "kind": "cloud", "phone_number_id": phone, "waba_id": waba,
                "access_token": token, "app_secret": "cloud-app-secret",
                "base_url": format!("{}/sandbox", server.base)}),
        )
        .await
        .status(201);
    (string(&created["id"]), waba.to_string(), token.to_string())
}

/// Creates a template upstream (the emulator approves it after its review delay).
async fn upstream_template(server: &TestServer, waba: &str, token: &str, template: Value) {
    let request = server
        .req(
            Method::POST,
            &format!("/sandbox/v23.0/{waba}/message_templates"),
            NO_KEY,
        )
        .bearer_auth(token)
        .json(&template);
    server.call(request).await.status(200);
}

async fn the_template_samples_send(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let (channel, waba, token) = cloud_channel(server, &ctx).await;
    let url_button = |path: &str| {
        json!({"type": "URL", "text": "Buy now", "url": format!("https://www.test.com/{path}?promo={{{{1}}}}"),
            "example": [format!("https://www.test.com/{path}?promo=summer")]})
    };
    upstream_template(server, &waba, &token, json!({"name": "template_name", "language": "en", "category": "UTILITY",
        "components": [{"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://test.net/v.jpg"]}},
            {"type": "BODY", "text": "Your code is {{1}}", "example": {"body_text": [["test"]]}}]})).await;
    // One card, as 1msg's own carousel samples have.
    upstream_template(server, &waba, &token, json!({"name": "test_carousel", "language": "en_US", "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Hello {{1}} and {{2}}", "example": {"body_text": [["b1", "b2"]]}},
            {"type": "CAROUSEL", "cards": [{"components": [
                {"type": "HEADER", "format": "VIDEO", "example": {"header_handle": ["4::aW..."]}},
                {"type": "BODY", "text": "Carousel body {{1}} {{2}}", "example": {"body_text": [["b3", "b4"]]}},
                {"type": "BUTTONS", "buttons": [url_button("shop"), url_button("more")]}]}]}]})).await;
    upstream_template(server, &waba, &token, json!({"name": "catalog", "language": "en_US", "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Hi! {{1}}", "example": {"body_text": [["Check out"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View catalog"}]}]})).await;
    // Past the emulator's review: the first send syncs the approved templates.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;

    let customer = "556123122026";
    let samples = [
        json!({"template":"template_name","language":{"policy":"deterministic","code":"en"},"namespace":"namespace_id","params":[{"type":"header","parameters":[{"type":"image","image": {"link":"https://test.net/photo.jpg"}}]},{"type":"body","parameters":[{"type":"text","text":"test"}]}],"phone":"556123122026"}),
        json!({"template": "test_carousel", "language": {"policy": "deterministic", "code": "en_US"}, "namespace": "41123797_o98r_4f06_fi44_443b27c6f5ec","params": [{"type": "body", "parameters": [{"type": "text", "text": "b1"}, {"type": "text", "text": "b2"}]}, {"type": "CAROUSEL", "cards": [{"card_index": 0, "components": [{"type": "header", "parameters": [{"type": "video", "video": {"link": "https://test.com/video.mp4"}}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "1"}]}, {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "2"}]}, {"type": "body", "parameters": [{"type": "text", "text": "b3"}, {"type": "text", "text": "b4"}]}]}]}], "phone": "556123122026"}),
        json!({ "token": ctx.key, "namespace": "", "template": "catalog", "language": {"policy": "deterministic","code": "en_US" }, "params": [{ "type": "button", "sub_type": "CATALOG", "index": 0, "parameters": [ {"type": "action","action": { "thumbnail_product_retailer_id": "001"} } ]},{ "type": "body", "parameters": [ {"type": "text","text": "Check out the products in our store" } ]} ], "chatId": "556123122026@c.us" }),
    ];
    for sample in &samples {
        let answer = call(server, &channel, &ctx.key, "sendTemplate", sample)
            .await
            .status(200);
        let id = sent(&answer, customer);
        let m = wait_status(server, &ctx.key, &id, &["sent", "delivered", "read"]).await;
        assert_eq!(m["type"], "template");
        assert_eq!(m["content"]["template"]["name"], sample["template"]);
    }

    // A header from uploadMedia, by its mediaId.
    let uploaded = call(
        server,
        &channel,
        &ctx.key,
        "uploadMedia",
        &json!({"body": data_uri("image/jpeg", &jpeg(1500))}),
    )
    .await
    .status(200);
    let mut by_id = samples[0].clone();
    by_id["params"][0]["parameters"][0]["image"] = json!({"id": uploaded["mediaId"]});
    let answer = call(server, &channel, &ctx.key, "sendTemplate", &by_id)
        .await
        .status(200);
    wait_status(
        server,
        &ctx.key,
        &sent(&answer, customer),
        &["sent", "delivered", "read"],
    )
    .await;

    // Values that do not match the template: refused at once, naming `params`.
    let mut wrong = samples[0].clone();
    wrong["params"][1]["parameters"] = json!([]);
    let why = refused(
        call(server, &channel, &ctx.key, "sendTemplate", &wrong).await,
        400,
        "invalid_parameter",
    );
    assert!(why.starts_with("params[1]"), "{why}");
}

fn data_uri(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn pdf(len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    b.extend((0..len.saturating_sub(9)).map(|i| b'a' + (i % 26) as u8));
    b
}

async fn files_and_uploads(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let customer = "12020721370";
    let hello = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &hello, 10).await;
    let files = FileServer::start(vec![("photo.jpg", "image/jpeg", jpeg(3000))]).await;

    // A link: fetched into the media store and sent as what its bytes are.
    let m = sends(
        server,
        &ctx,
        "sendFile",
        &json!({"phone": customer, "body": format!("{}/photo.jpg", files.base), "filename": "1.jpg", "caption": "Look"}),
        customer,
    )
    .await;
    assert_eq!(m["type"], "image");
    assert_eq!(m["content"]["image"]["caption"], "Look");
    let media = string(&m["content"]["image"]["id"]);
    let stored = server
        .get(&format!("/v1/media/{media}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(stored["mime_type"], "image/jpeg");
    assert_eq!(stored["filename"], "1.jpg");
    wait_status(
        server,
        &ctx.key,
        &string(&m["id"]),
        &["sent", "delivered", "read"],
    )
    .await;

    // A data URI: a document with its file name.
    let m = sends(
        server,
        &ctx,
        "sendFile",
        &json!({"chatId": format!("{customer}@c.us"), "body": data_uri("application/pdf", &pdf(2000)),
            "filename": "hello.pdf", "quotedMsgId": hello}),
        customer,
    )
    .await;
    assert_eq!(m["type"], "document");
    assert_eq!(m["content"]["document"]["filename"], "hello.pdf");
    assert_eq!(m["context_message_id"], hello.as_str());

    // Multipart, twice with one Idempotency-Key: one message, the answer replayed.
    let form = || {
        Form::new()
            .text("phone", customer.to_string())
            .text("caption", "From a form")
            .part(
                "file",
                Part::bytes(jpeg(2500))
                    .file_name("2.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            )
    };
    let post = || {
        server
            .req(
                Method::POST,
                &url(&ctx.channel, "sendFile", &ctx.key),
                NO_KEY,
            )
            .header("idempotency-key", "file-once")
            .multipart(form())
    };
    let first = server.call(post()).await.status(200);
    let id = sent(&first, customer);
    let again = server.call(post()).await;
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(again.status(200)["id"], id.as_str());
    let m = message(server, &ctx.key, &id).await;
    assert_eq!(m["content"]["image"]["caption"], "From a form");

    // A file WhatsApp cannot carry as that kind, and no file at all.
    refused(
        call(server, &ctx.channel, &ctx.key, "sendFile", &json!({"phone": customer, "body": data_uri("image/gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00")})).await,
        415,
        "media_type_not_allowed",
    );
    let why = refused(
        call(
            server,
            &ctx.channel,
            &ctx.key,
            "sendFile",
            &json!({"phone": customer, "filename": "a.jpg"}),
        )
        .await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("body"), "{why}");

    // uploadMedia: by link, data URI and multipart; the id is our media.
    for body in [
        json!({"body": format!("{}/photo.jpg", files.base)}),
        json!({"body": data_uri("image/jpeg", &jpeg(1200))}),
    ] {
        let answer = call(server, &ctx.channel, &ctx.key, "uploadMedia", &body)
            .await
            .status(200);
        let id = string(&answer["mediaId"]);
        server
            .get(&format!("/v1/media/{id}"), &ctx.key)
            .await
            .status(200);
    }
    let request = server
        .req(
            Method::POST,
            &url(&ctx.channel, "uploadMedia", &ctx.key),
            NO_KEY,
        )
        .multipart(Form::new().part("file", Part::bytes(pdf(1500)).file_name("doc.pdf")));
    let answer = server.call(request).await.status(200);
    let stored = server
        .get(
            &format!("/v1/media/{}", string(&answer["mediaId"])),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(stored["kind"], "document");
    let body = server
        .post_json(
            &url(&ctx.channel, "uploadMedia", &ctx.key),
            NO_KEY,
            &json!({"body": "not a file"}),
        )
        .await
        .status(400);
    assert!(body.get("sent").is_none(), "not a send: {body}");
}

async fn failures_use_the_dialect_shape(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let customer = "12020721371";
    let hello = say(server, &ctx, customer, "hi").await;
    wait_stored(server, &ctx, &hello, 10).await;
    let text = json!({"phone": customer, "body": "hi"});

    // A bad token, and another account's channel.
    let why = refused(
        call(server, &ctx.channel, "sk_bad_token", "sendMessage", &text).await,
        401,
        "unauthorized",
    );
    assert!(why.contains("token"), "{why}");
    let other = setup_sandbox(server).await;
    refused(
        call(server, &other.channel, &ctx.key, "sendMessage", &text).await,
        404,
        "not_found",
    );

    // Malformed bodies and fields, each saying what to fix.
    let request = server
        .req(
            Method::POST,
            &url(&ctx.channel, "sendMessage", &ctx.key),
            NO_KEY,
        )
        .header(CONTENT_TYPE, "application/json")
        .body("{\"phone\": ");
    let why = refused(server.call(request).await, 400, "invalid_body");
    assert!(why.contains("not valid JSON"), "{why}");
    let why = refused(
        call(
            server,
            &ctx.channel,
            &ctx.key,
            "sendMessage",
            &json!({"body": "hi"}),
        )
        .await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("chatId"), "{why}");
    let why = refused(
        call(
            server,
            &ctx.channel,
            &ctx.key,
            "sendLocation",
            &json!({"phone": customer, "lat": "north", "lng": 1}),
        )
        .await,
        400,
        "invalid_parameter",
    );
    assert!(why.starts_with("lat:"), "{why}");
    // The native limits, named by the dialect's fields.
    let why = refused(
        call(server, &ctx.channel, &ctx.key, "sendList", &json!({"phone": customer, "body": "b", "action": "Open",
            "sections": [{"rows": [{"id": "1", "title": "A title far longer than twenty-four characters"}]}]})).await,
        400,
        "invalid_parameter",
    );
    assert!(why.starts_with("sections[0].rows[0].title"), "{why}");
    let why = refused(
        call(
            server,
            &ctx.channel,
            &ctx.key,
            "sendReaction",
            &json!({"phone": customer, "body": "👍"}),
        )
        .await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("quotedMsgId"), "{why}");
    let why = refused(
        call(server, &ctx.channel, &ctx.key, "sendMessage", &json!({"phone": customer, "body": "x", "quotedMsgId": "msg_00000000000000000000000000"})).await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("quotedMsgId"), "{why}");

    // Outside the window only a template goes.
    let why = refused(
        call(
            server,
            &ctx.channel,
            &ctx.key,
            "sendMessage",
            &json!({"phone": "12020721399", "body": "hi"}),
        )
        .await,
        422,
        "window_closed",
    );
    assert!(why.contains("sendTemplate"), "{why}");
}

on_both_backends!(
    documented_samples => super::the_documented_samples_send,
    template_samples => super::the_template_samples_send,
    files => super::files_and_uploads where super::private_files,
    failures => super::failures_use_the_dialect_shape,
);
