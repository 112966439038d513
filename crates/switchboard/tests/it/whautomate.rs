//! The omnichannel (`x-api-key`) dialect at `/compat/whautomate/`: every request sample of
//! its document, sent as written (only keys, ids, numbers and placeholder values changed),
//! answers `{"success": true}` and shows in the native API; text, media and template sends
//! reach the sandbox WhatsApp, Telegram, Messenger and Instagram emulators; the contact's
//! history lists them with their statuses; errors use the dialect's shape.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

on_both_backends! {
    sends_reach_every_platform_and_the_history_lists_them => every_platform,
    whatsapp_templates_are_filled_and_checked => whatsapp_templates,
    failures_use_the_dialect_shape => failures,
}

const BASE: &str = "/compat/whautomate/v1/messages";

/// `POST {BASE}/{path}` with the key in `x-api-key` (no Bearer header).
async fn post(server: &TestServer, key: &str, path: &str, body: &Value) -> Reply {
    let request = server
        .req(Method::POST, &format!("{BASE}/{path}"), NO_KEY)
        .header("x-api-key", key)
        .json(body);
    server.call(request).await
}

/// `GET {BASE}/{path}` with the key in `x-api-key`.
async fn get(server: &TestServer, key: &str, path: &str) -> Reply {
    let request = server
        .req(Method::GET, &format!("{BASE}/{path}"), NO_KEY)
        .header("x-api-key", key);
    server.call(request).await
}

/// Asserts the documented `{"success": true}`; returns the message id header.
#[track_caller]
fn success(reply: Reply) -> String {
    let id = reply
        .headers
        .get("x-message-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = reply.status(200);
    assert_eq!(body, json!({"success": true}));
    id.expect("x-message-id header")
}

/// Asserts a dialect error `{success: false, error, code}` with `status`; returns the message.
#[track_caller]
fn refused(reply: Reply, status: u16, code: &str) -> String {
    let body = reply.status(status);
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["code"], code, "{body}");
    let message = body["error"].as_str().unwrap_or_default().to_string();
    assert!(!message.is_empty(), "{body}");
    message
}

async fn channel_of_kind(server: &TestServer, key: &str, kind: &str) -> String {
    let created = server
        .post_json(
            "/v1/channels",
            key,
            json!({"name": kind, "kind": kind, "sandbox": true}),
        )
        .await
        .status(201);
    string(&created["id"])
}

/// The id of the account's contact whose address is `address`.
async fn contact_id(server: &TestServer, key: &str, address: &str) -> String {
    let listed = server.get("/v1/contacts?limit=500", key).await.status(200);
    let found = data(&listed)
        .into_iter()
        .find(|c| c["phone"] == address)
        .unwrap_or_else(|| panic!("a contact for {address}: {listed}"));
    string(&found["id"])
}

/// A user of `channel` (telegram, messenger or instagram) writes `text`; returns the
/// contact made of them.
async fn user_writes(
    server: &TestServer,
    key: &str,
    channel: &str,
    user: Value,
    text: &str,
) -> String {
    let ctx = Ctx {
        key: key.to_string(),
        channel: channel.to_string(),
    };
    let upstream = inject(
        server,
        &ctx,
        &json!({"from": user, "text": text, "first_name": "Ana"}),
    )
    .await;
    wait_stored(server, &ctx, &upstream, 20).await;
    let address = match &user {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    contact_id(server, key, &address).await
}

async fn sent(server: &TestServer, key: &str, id: &str, wanted: &[&str]) -> Value {
    let m = wait_status(server, key, id, &[wanted, &["failed"]].concat()).await;
    assert!(wanted.contains(&m["status"].as_str().unwrap_or("")), "{m}");
    m
}

fn emulator_paths(requests: &[Value], suffix: &str) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
        .cloned()
        .collect()
}

async fn every_platform(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let key = ctx.key.as_str();
    let wa = ctx.channel.clone();
    let tg = channel_of_kind(server, key, "telegram").await;
    let fb = channel_of_kind(server, key, "messenger").await;
    let ig = channel_of_kind(server, key, "instagram").await;

    // WhatsApp: the customer writes (the 24-hour window opens, the contact exists).
    let phone = "15551230101";
    let upstream = say(server, &ctx, phone, "hi there").await;
    wait_stored(server, &ctx, &upstream, 20).await;
    let c = contact_id(server, key, phone).await;
    let text = post(
        server,
        key,
        "whatsapp/sendtext",
        &json!({
        "client": {"id": c}, "contact": {"id": c}, "recepient": {"phoneNumber": phone},
        "scheduleDateTime": "", "textMessage": "Your order shipped", "location": {"id": wa}}),
    )
    .await;
    let text = success(text);
    let m = sent(server, key, &text, &["sent", "delivered", "read"]).await;
    assert_eq!(
        (m["channel_id"].as_str(), m["chat"].as_str()),
        (Some(wa.as_str()), Some(phone)),
        "{m}"
    );
    assert_eq!(m["content"]["text"]["body"], "Your order shipped");
    let media = post(
        server,
        key,
        "whatsapp/sendmedia",
        &json!({
        "client": {"id": c}, "contact": {"id": c}, "recepient": {"phoneNumber": phone},
        "scheduleDateTime": "", "mimeType": "application/pdf",
        "mediaUrl": "https://files.example.com/invoices/inv-42.pdf", "location": {"id": wa}}),
    )
    .await;
    let media = sent(server, key, &success(media), &["sent", "delivered", "read"]).await;
    assert_eq!(media["type"], "document", "{media}");
    assert_eq!(media["content"]["document"]["filename"], "inv-42.pdf");
    // Scheduled: stored as `scheduled`, not sent yet.
    let at = hour_ahead();
    let scheduled = post(
        server,
        key,
        "whatsapp/sendtext",
        &json!({
        "recepient": {"phoneNumber": phone}, "scheduleDateTime": at, "textMessage": "Reminder"}),
    )
    .await;
    let scheduled = message(server, key, &success(scheduled)).await;
    assert_eq!(scheduled["status"], "scheduled", "{scheduled}");

    // Telegram: text, media and a template (a photo with an inline keyboard).
    let tg_contact = user_writes(server, key, &tg, json!(5550101), "hello bot").await;
    let tg_text = success(
        post(
            server,
            key,
            "telegram/sendtext",
            &json!({
        "contact": {"id": tg_contact}, "scheduleDateTime": "", "textMessage": "Hi from the shop",
        "location": {"id": tg}}),
        )
        .await,
    );
    let tg_media = success(
        post(
            server,
            key,
            "telegram/sendmedia",
            &json!({
        "contact": {"id": tg_contact}, "scheduleDateTime": "", "mimeType": "image/png",
        "mediaUrl": "https://files.example.com/menu.png", "location": {"id": tg}}),
        )
        .await,
    );
    let tg_template = success(post(server, key, "telegram/sendtemplate", &json!({
        "contact": {"id": tg_contact}, "location": {"id": tg}, "headerType": "IMAGE",
        "mimeType": "image/png", "mediaUrl": "https://files.example.com/offer.png",
        "textMessage": "Today's offer",
        "buttons": [{"type": "web_url", "title": "Order now", "payload": "order", "url": "https://shop.example.com/order"}]})).await);
    for id in [&tg_text, &tg_media, &tg_template] {
        sent(server, key, id, &["sent"]).await;
    }
    let requests = emulator_requests(server).await;
    let photos = emulator_paths(&requests, "/sendPhoto");
    let keyboard = photos
        .iter()
        .find(|r| r["body"]["photo"] == "https://files.example.com/offer.png")
        .unwrap_or_else(|| panic!("the template went as a photo: {photos:?}"));
    assert_eq!(keyboard["body"]["caption"], "Today's offer", "{keyboard}");
    assert_eq!(
        keyboard["body"]["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://shop.example.com/order",
        "{keyboard}"
    );
    assert!(
        emulator_paths(&requests, "/sendMessage")
            .iter()
            .any(|r| r["body"]["text"] == "Hi from the shop"),
        "the text reached Telegram"
    );

    // Messenger and Instagram: text and media after the user wrote.
    for (platform, channel, user) in [
        ("messenger", &fb, "6123450101"),
        ("instagram", &ig, "6123450102"),
    ] {
        let contact = user_writes(server, key, channel, json!(user), "hello page").await;
        let t = success(post(server, key, &format!("{platform}/sendtext"), &json!({
            "contact": {"id": contact}, "scheduleDateTime": "", "textMessage": format!("Hi on {platform}"),
            "location": {"id": channel}})).await);
        let m = success(
            post(
                server,
                key,
                &format!("{platform}/sendmedia"),
                &json!({
            "contact": {"id": contact}, "scheduleDateTime": "", "mimeType": "image/jpeg",
            "mediaUrl": "https://files.example.com/photo.jpg", "location": {"id": channel}}),
            )
            .await,
        );
        // The document's sendtemplate sample (links and texts filled in): a generic template.
        let cards = success(post(server, key, &format!("{platform}/sendtemplate"), &json!({
            "contact": {"id": contact}, "location": {"id": channel},
            "elements": [{
                "title": "Blue hat", "subtitle": "€20",
                "image_url": "https://files.example.com/hat.jpg",
                "default_action": {"type": "web_url", "url": "https://shop.example.com/hat"},
                "buttons": [{"type": "web_url", "title": "See it", "payload": "",
                             "url": "https://shop.example.com/hat"},
                            {"type": "postback", "title": "Buy", "payload": "BUY_HAT", "url": ""}]
            }]})).await);
        for id in [&t, &m, &cards] {
            let m = sent(server, key, id, &["sent", "delivered", "read"]).await;
            assert_eq!(m["channel_id"], channel.as_str(), "{m}");
        }
        let native = message(server, key, &cards).await;
        assert_eq!(
            native["content"]["interactive"]["type"], "generic",
            "{native}"
        );
        let sends: Vec<Value> = emulator_requests(server)
            .await
            .into_iter()
            .filter(|r| {
                r["path"].as_str().is_some_and(|p| p.ends_with("/messages"))
                    && r["body"]["recipient"]["id"] == user
            })
            .collect();
        assert!(
            sends
                .iter()
                .any(|r| r["body"]["message"]["text"] == format!("Hi on {platform}")),
            "the text reached {platform}: {sends:?}"
        );
        assert!(
            sends
                .iter()
                .any(|r| r["body"]["message"]["attachment"]["payload"]["url"]
                    == "https://files.example.com/photo.jpg"),
            "the image reached {platform}: {sends:?}"
        );
        let template = sends
            .iter()
            .find(|r| r["body"]["message"]["attachment"]["type"] == "template")
            .unwrap_or_else(|| panic!("the cards reached {platform}: {sends:?}"));
        assert_eq!(
            template["body"]["message"]["attachment"]["payload"],
            json!({"template_type": "generic", "elements": [{
                "title": "Blue hat", "subtitle": "€20",
                "image_url": "https://files.example.com/hat.jpg",
                "default_action": {"type": "web_url", "url": "https://shop.example.com/hat"},
                "buttons": [{"type": "web_url", "title": "See it", "url": "https://shop.example.com/hat"},
                            {"type": "postback", "title": "Buy", "payload": "BUY_HAT"}]}]}),
            "{template}"
        );
        // The contact's history: the user's message and ours, newest first.
        let history = get(server, key, &contact).await.status(200);
        let list = history.as_array().expect("an array");
        assert_eq!(list.len(), 4, "{history}");
        assert_eq!(list[3]["isIncoming"], true);
        assert_eq!(list[2]["text"], format!("Hi on {platform}"));
        assert_eq!(list[1]["mediaUrl"], "https://files.example.com/photo.jpg");
        assert_eq!(list[0]["id"], cards.as_str());
        assert_eq!(list[0]["text"], "Blue hat");
        assert!(
            ["sent", "delivered", "read"].contains(&list[0]["status"].as_str().unwrap_or("")),
            "{history}"
        );
        assert_eq!(
            list[0]["options"],
            json!({"type": "generic", "buttons": [
                {"type": "url", "text": "See it", "url": "https://shop.example.com/hat"},
                {"type": "reply", "text": "Buy", "url": null}]})
        );
        // Limits are the native send's, named by element; a call button is Messenger's only.
        let why = refused(
            post(
                server,
                key,
                &format!("{platform}/sendtemplate"),
                &json!({
                "contact": {"id": contact}, "location": {"id": channel},
                "elements": [{"title": "x".repeat(81), "subtitle": "too long a title"}]}),
            )
            .await,
            400,
            "invalid_parameter",
        );
        assert!(why.contains("elements[0].title"), "{why}");
        let call = post(
            server,
            key,
            &format!("{platform}/sendtemplate"),
            &json!({
            "contact": {"id": contact}, "location": {"id": channel},
            "elements": [{"title": "Call us", "buttons": [
                {"type": "phone_number", "title": "Call", "payload": "+15551234567"}]}]}),
        )
        .await;
        if platform == "messenger" {
            success(call);
        } else {
            let why = refused(call, 400, "invalid_parameter");
            assert!(
                why.contains("buttons[0].type") && why.contains("phone_number"),
                "{why}"
            );
        }
        for e in list {
            assert_eq!(e["channel"], platform, "{e}");
            assert_eq!(e["contact"]["id"], contact.as_str());
            assert_eq!(e["contact"]["phoneNumber"], user);
        }
    }

    // Telegram's history shows the keyboard as options.
    let history = get(server, key, &tg_contact).await.status(200);
    let template = &history[0];
    assert_eq!(template["id"], tg_template.as_str(), "{history}");
    assert_eq!(template["channel"], "telegram");
    assert_eq!(template["status"], "sent");
    assert_eq!(template["mediaUrl"], Value::Null);
    assert_eq!(template["options"]["type"], "cta_url");
    assert_eq!(
        template["options"]["buttons"][0]["url"],
        "https://shop.example.com/order"
    );

    // A second WhatsApp number: without location.id the channel is ambiguous; with it, the
    // same contact is reached there too and the history spans both channels.
    let wa2 = create_sandbox_channel(server, key, "second line").await;
    let why = refused(
        post(
            server,
            key,
            "whatsapp/sendtext",
            &json!({"contact": {"id": c}, "textMessage": "x"}),
        )
        .await,
        400,
        "ambiguous_channel",
    );
    assert!(
        why.contains(&wa) && why.contains(&wa2) && why.contains("location.id"),
        "{why}"
    );
    let on_second = success(
        post(
            server,
            key,
            "whatsapp/sendtemplate",
            &json!({
        "contact": {"id": c}, "template": {"name": "hello_world", "language": "en_US"},
        "location": {"id": wa2}}),
        )
        .await,
    );
    let m = sent(server, key, &on_second, &["sent", "delivered", "read"]).await;
    assert_eq!(m["channel_id"], wa2.as_str());
    let history = get(server, key, &format!("{c}?limit=50")).await.status(200);
    let list = history.as_array().expect("an array");
    let ids: Vec<&str> = list.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(list.len(), 5, "{history}");
    assert_eq!(ids[0], on_second.as_str());
    assert!(ids.contains(&text.as_str()) && ids.contains(&scheduled["id"].as_str().unwrap()));
    let statuses: Vec<&str> = list.iter().filter_map(|e| e["status"].as_str()).collect();
    assert!(
        statuses.contains(&"scheduled") && statuses.contains(&"received"),
        "{statuses:?}"
    );
    assert_eq!(list[0]["type"], "template");
    assert_eq!(list[4]["isIncoming"], true);
    assert_eq!(list[4]["sentBy"], "contact");
    assert_eq!(list[3]["sentBy"], "business");
    // Paging and search.
    let second = get(server, key, &format!("{c}?limit=1&page=2"))
        .await
        .status(200);
    assert_eq!(second[0]["id"], list[1]["id"], "{second}");
    let found = get(server, key, &format!("{c}?searchText=SHIPPED"))
        .await
        .status(200);
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["id"], text.as_str());
}

/// An RFC 3339 time an hour from now.
fn hour_ahead() -> String {
    switchboard_core::time::to_rfc3339(switchboard_core::time::now_millis() + 3_600_000)
}

/// Creates `template` on the sandbox channel and waits until the review approves it.
async fn approved(server: &TestServer, ctx: &Ctx, template: Value) {
    let created = server
        .post_json(
            &format!("/v1/channels/{}/templates", ctx.channel),
            &ctx.key,
            &template,
        )
        .await;
    let created = created.status(201);
    let id = string(&created["id"]);
    eventually(30, "the template is approved", || async {
        let t = server
            .get(
                &format!("/v1/channels/{}/templates/{id}", ctx.channel),
                &ctx.key,
            )
            .await
            .status(200);
        (t["status"] == "APPROVED").then_some(())
    })
    .await;
}

async fn whatsapp_templates(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let key = ctx.key.as_str();
    approved(server, &ctx, json!({"name": "order_update", "language": "en_US", "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["A-1"]}},
            {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships today.", "example": {"body_text": [["Ann", "A-1"]]}},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Track", "url": "https://shop.example.com/track/{{1}}", "example": ["https://shop.example.com/track/A-1"]}]}]})).await;
    approved(server, &ctx, json!({"name": "menu_photo", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://files.example.com/sample.jpg"]}},
            {"type": "BODY", "text": "Today's menu"}]})).await;
    approved(server, &ctx, json!({"name": "store_location", "language": "en_US", "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "LOCATION"},
            {"type": "BODY", "text": "Pick up your order here, {{1}}.", "example": {"body_text": [["Ann"]]}}]})).await;

    // The document's sample, with a new recipient (the contact is created with its name).
    let phone = "15551230202";
    let sample = json!({
        "client": {"id": ""}, "contact": {"id": ""},
        "recepient": {"phoneNumber": format!("+{phone}"), "name": "Ann Lee"},
        "scheduleDateTime": "",
        "template": {"name": "order_update", "language": "en_US"},
        "headerMediaUrl": "",
        "headerTextParameters": ["A-42"],
        "bodyTextParameters": ["Ann", "A-42"],
        "buttonUrlParameters": ["A-42"],
        "locationParameters": null,
        "flowParameters": null,
        "location": {"id": ctx.channel}
    });
    let id = success(post(server, key, "whatsapp/sendtemplate", &sample).await);
    let m = sent(server, key, &id, &["sent", "delivered", "read"]).await;
    assert_eq!(m["chat"], phone);
    let components = &m["content"]["template"]["components"];
    assert_eq!(components[0]["parameters"][0]["text"], "A-42", "{m}");
    assert_eq!(components[1]["parameters"][0]["text"], "Ann");
    assert_eq!(components[2]["sub_type"], "url");
    assert_eq!(components[2]["index"], "0");
    let contact = server
        .get(&format!("/v1/contacts/{phone}"), key)
        .await
        .status(200);
    assert_eq!(contact["name"], "Ann Lee", "{contact}");
    // Sent again to the same number: the contact is reused.
    success(post(server, key, "whatsapp/sendtemplate", &sample).await);
    let listed = server.get("/v1/contacts?limit=500", key).await.status(200);
    assert_eq!(
        data(&listed).iter().filter(|c| c["phone"] == phone).count(),
        1
    );

    let photo = success(post(server, key, "whatsapp/sendtemplate", &json!({
        "recepient": {"phoneNumber": phone}, "template": {"name": "menu_photo", "language": "en_US"},
        "headerMediaUrl": "https://files.example.com/menu.jpg"})).await);
    let m = sent(server, key, &photo, &["sent", "delivered", "read"]).await;
    assert_eq!(
        m["content"]["template"]["components"][0]["parameters"][0]["image"]["link"],
        "https://files.example.com/menu.jpg",
        "{m}"
    );
    let place = success(post(server, key, "whatsapp/sendtemplate", &json!({
        "recepient": {"phoneNumber": phone}, "template": {"name": "store_location", "language": "en_US"},
        "bodyTextParameters": ["Ann"],
        "locationParameters": {"latitude": 52.52, "longitude": 13.405, "address": "Alexanderplatz 1", "name": "Shop"}})).await);
    let m = sent(server, key, &place, &["sent", "delivered", "read"]).await;
    let location = &m["content"]["template"]["components"][0]["parameters"][0]["location"];
    assert_eq!(location["name"], "Shop", "{m}");

    // Parameters that do not fit the template are refused before anything is sent.
    let mut short = sample.clone();
    short["bodyTextParameters"] = json!(["Ann"]);
    let why = refused(
        post(server, key, "whatsapp/sendtemplate", &short).await,
        400,
        "invalid_template_parameters",
    );
    assert!(
        why.contains("bodyTextParameters") && why.contains("2 variable"),
        "{why}"
    );
    let why = refused(
        post(
            server,
            key,
            "whatsapp/sendtemplate",
            &json!({"recepient": {"phoneNumber": phone},
            "template": {"name": "menu_photo", "language": "en_US"}}),
        )
        .await,
        400,
        "invalid_template_parameters",
    );
    assert!(why.contains("headerMediaUrl"), "{why}");
    let why = refused(
        post(server, key, "whatsapp/sendtemplate", &json!({"recepient": {"phoneNumber": phone},
            "template": {"name": "order_update", "language": "en_US"}, "headerTextParameters": ["1"],
            "bodyTextParameters": ["a", "b"], "buttonUrlParameters": ["x"],
            "flowParameters": {"flowToken": "t", "flowData": "{}"}})).await,
        400,
        "invalid_template_parameters",
    );
    assert!(why.contains("FLOW"), "{why}");
    refused(
        post(
            server,
            key,
            "whatsapp/sendtemplate",
            &json!({"recepient": {"phoneNumber": phone},
            "template": {"name": "no_such_template", "language": "en_US"}}),
        )
        .await,
        404,
        "template_not_found",
    );
}

async fn failures(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let key = ctx.key.as_str();
    let text = json!({"recepient": {"phoneNumber": "15551230303"}, "textMessage": "hi"});
    // No key, or a wrong one.
    let request = server
        .req(Method::POST, &format!("{BASE}/whatsapp/sendtext"), NO_KEY)
        .json(&text);
    let why = refused(server.call(request).await, 401, "unauthorized");
    assert!(why.contains("x-api-key"), "{why}");
    refused(
        post(
            server,
            "sk_wrong_key_0000000000",
            "whatsapp/sendtext",
            &text,
        )
        .await,
        401,
        "unauthorized",
    );
    refused(
        get(server, "sk_wrong_key_0000000000", "ct_x").await,
        401,
        "unauthorized",
    );
    // A customer who never wrote: a free-form text is refused; a template is not.
    let why = refused(
        post(server, key, "whatsapp/sendtext", &text).await,
        422,
        "window_closed",
    );
    assert!(why.contains("sendtemplate"), "{why}");
    // The refused send to a new recepient left no contact behind.
    let listed = server.get("/v1/contacts?limit=500", key).await.status(200);
    assert!(
        data(&listed).iter().all(|c| c["phone"] != "15551230303"),
        "{listed}"
    );
    // Unknown contact, also one of another account.
    let other = setup_sandbox(server).await;
    let upstream = say(server, &other, "15551230404", "hi").await;
    wait_stored(server, &other, &upstream, 20).await;
    let foreign = contact_id(server, &other.key, "15551230404").await;
    for id in [foreign.as_str(), "ct_unknown"] {
        refused(
            post(
                server,
                key,
                "whatsapp/sendtext",
                &json!({"contact": {"id": id}, "textMessage": "hi"}),
            )
            .await,
            404,
            "contact_not_found",
        );
        refused(get(server, key, id).await, 404, "contact_not_found");
    }
    // No channel of the platform; a channel of another platform named in location.id.
    let tg = json!({"contact": {"id": foreign}, "textMessage": "hi"});
    refused(
        post(server, key, "telegram/sendtext", &tg).await,
        404,
        "channel_not_found",
    );
    refused(
        post(
            server,
            key,
            "whatsapp/sendtext",
            &json!({"recepient": {"phoneNumber": "15551230303"},
            "textMessage": "hi", "location": {"id": "ch_not_mine"}}),
        )
        .await,
        404,
        "channel_not_found",
    );
    // Malformed bodies and fields, named.
    let request = server
        .req(Method::POST, &format!("{BASE}/whatsapp/sendtext"), NO_KEY)
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body("{not json");
    refused(server.call(request).await, 400, "invalid_body");
    let why = refused(
        post(
            server,
            key,
            "whatsapp/sendtext",
            &json!({"textMessage": "hi"}),
        )
        .await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("recepient"), "{why}");
    let why = refused(
        post(
            server,
            key,
            "whatsapp/sendtext",
            &json!({"recepient": {"phoneNumber": "12"}, "textMessage": "hi"}),
        )
        .await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("phoneNumber"), "{why}");
    let why = refused(
        post(server, key, "whatsapp/sendmedia", &json!({"recepient": {"phoneNumber": "15551230303"}, "mediaUrl": "https://x.example.com/a.png"})).await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("mimeType"), "{why}");
    let why = refused(
        post(server, key, "whatsapp/sendtemplate", &json!({"recepient": {"phoneNumber": "15551230303"},
            "template": {"name": "hello_world", "language": "en_US"}, "scheduleDateTime": "tomorrow"})).await,
        400,
        "invalid_schedule",
    );
    assert!(why.contains("scheduleDateTime"), "{why}");
    let why = refused(
        get(server, key, "ct_x?limit=0").await,
        400,
        "invalid_parameter",
    );
    assert!(why.contains("limit"), "{why}");
    // A read-only key cannot send.
    let (_, read_key) = create_key(server, key, json!({"name": "ro", "permission": "read"})).await;
    refused(
        post(server, &read_key, "whatsapp/sendtext", &text).await,
        403,
        "forbidden",
    );
    // Nothing was stored by the refusals.
    let listed = server
        .get(&format!("/v1/channels/{}/messages", ctx.channel), key)
        .await
        .status(200);
    assert!(data(&listed).is_empty(), "{listed}");
}
