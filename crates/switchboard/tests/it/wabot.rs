//! The WhatsApp Web bot platform dialect (`/compat/wabot/`, seed 001): every request sample
//! of the platform's document sent as its sample is written (curl's `--data` sends JSON as
//! `application/x-www-form-urlencoded`; only keys, ids, numbers and URLs changed), its answer
//! shape asserted and its effect read back from the native API; and the platform's flow end
//! to end on a sandbox web channel paired by the emulator's fake phone: create → init → scan
//! (image and base64) → the phone scans → connected → sends → a customer's message reaches
//! the webhook in the platform's shape → the bot's default message answers → logout →
//! delete.

use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;
use crate::media::{jpeg, mp3, mp4, pdf, png, FileServer};

fn quick_sessions(c: &mut switchboard::config::Config) {
    c.web.poll_ms = 50;
    c.web.lease_ttl_ms = 2_000;
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
    c.sandbox.web_reconnect_ms = 50;
}

on_both_backends! {
    the_documented_requests_answer_in_the_platform_s_shapes => samples where quick_sessions,
    an_instance_pairs_sends_answers_and_is_deleted => end_to_end where quick_sessions,
}

const PHONE: &str = "2349040613521";
const CUSTOMER: &str = "2349048988056";
const BASE: &str = "/compat/wabot/whatsapp";

/// Sends `body` as curl's `--data` does: the text as is, `application/x-www-form-urlencoded`.
async fn curl(server: &TestServer, method: Method, path: &str, key: &str, body: &str) -> Reply {
    server
        .call(
            server
                .req(method, &format!("{BASE}{path}"), key)
                .header("x-refresh", "")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_string()),
        )
        .await
}

/// The `data` of a successful answer, its `message` checked.
fn ok_data(reply: Reply, message: &str) -> Value {
    let v = reply.status(200);
    assert_eq!(v["status"], true, "{v}");
    assert_eq!(v["message"], message, "{v}");
    v["data"].clone()
}

/// An error answer: `{status: false, message, code}`; returns the code.
fn refused(reply: Reply, status: u16) -> String {
    let code = reply.code;
    let v = reply.json();
    assert_eq!(code, status, "{v}");
    assert_eq!(v["status"], false, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    string(&v["code"])
}

fn update_result(data: &Value, matched: u64, modified: u64) {
    assert_eq!(
        data,
        &json!({"acknowledged": true, "modifiedCount": modified, "upsertedId": null,
            "upsertedCount": 0, "matchedCount": matched}),
    );
}

/// An instance: its id and token.
struct Instance {
    id: String,
    token: String,
}

impl Instance {
    fn query(&self) -> String {
        format!("session_id={}&access_token={}", self.id, self.token)
    }
}

async fn create(server: &TestServer, key: &str, body: &str) -> (Instance, Value) {
    let data = ok_data(
        curl(server, Method::POST, "/createNewWhatsapp", key, body).await,
        "Whatsapp created successfully!",
    );
    let instance = Instance {
        id: string(&data["session_id"]),
        token: string(&data["settings"]["access_token"]),
    };
    (instance, data)
}

async fn bot(server: &TestServer, key: &str, channel: &str) -> Value {
    server
        .get(&format!("/v1/channels/{channel}/bot"), key)
        .await
        .status(200)
}

async fn samples(server: &TestServer) {
    let (_, key) = create_account(server, "wabot").await;

    // Create: the documented object, a web channel with the platform's bot defaults.
    let (first, created) = create(server, &key, "{}").await;
    let s = &created["settings"];
    assert_eq!(s["bot_name"], "WhatsappClient", "{created}");
    assert_eq!(s["bot_timezone"], "Africa/Harare");
    assert_eq!(s["bot_lang"], "en");
    assert_eq!(
        s["default_msg"],
        "{Hi|Hello} [name] your message has no keyword here."
    );
    assert_eq!(
        s["actions"],
        json!({"send_default_msg": true, "reply_group_msgs": true, "reply_unread_msgs": true,
            "reply_msgs": true, "multi_device": false, "send_webhook": false})
    );
    assert_eq!(s["active_days"]["sunday"], true);
    assert_eq!(s["active_hours"], json!({"from": "always", "to": "always"}));
    assert_eq!(first.token.len(), 29, "{created}");
    assert_eq!(created["_id"], first.id.as_str());
    assert!(created["user_id"]
        .as_str()
        .is_some_and(|u| u.starts_with("acc_")));
    for field in ["createdAt", "updatedAt"] {
        assert!(
            created[field].as_str().is_some_and(|t| t.ends_with('Z')),
            "{field}"
        );
    }
    assert_eq!(created["__v"], 0);
    let channel = server
        .get(&format!("/v1/channels/{}", first.id), &key)
        .await
        .status(200);
    assert_eq!(channel["kind"], "web");
    let native = bot(server, &key, &first.id).await;
    assert_eq!(native["enabled"], true);
    assert_eq!(native["bot_timezone"], "Africa/Harare");
    let (second, _) = create(server, &key, r#"{"sandbox": true}"#).await;

    // The settings samples carry no session_id: they change every instance of the key.
    let general = ok_data(
        curl(server, Method::PUT, "/updateGeneral", &key,
            "{\n\"bot_name\": \"Bot Name\",\n\"bot_timezone\": \"+1\",\n\"bot_lang\": \"en\",\n\"default_msg\": true\n}").await,
        "Whatsapp settings updated successfully!",
    );
    update_result(&general, 2, 2);
    let native = bot(server, &key, &second.id).await;
    assert_eq!(native["bot_name"], "Bot Name");
    assert_eq!(native["bot_timezone"], "+1");
    assert_eq!(native["actions"]["send_default_msg"], true);
    let actions = ok_data(
        curl(server, Method::PUT, "/updateActions", &key,
            "{\n\"send_default_msg\": true,\n\"reply_group_msgs\": true,\n\"reply_unread_msgs\": true,\n\"reply_msgs\": true,\n\"multi_device\": true,\n\"send_webhook\": true\n}").await,
        "Whatsapp settings updated successfully!",
    );
    update_result(&actions, 2, 2);
    assert_eq!(
        bot(server, &key, &first.id).await["actions"]["multi_device"],
        true
    );
    // Every day is active already: matched, nothing modified (the sample's answer).
    let days = ok_data(
        curl(server, Method::PUT, "/updateActiveDays", &key,
            "{\n\"monday\": true,\n\"tuesday\": true,\n\"wednesday\": true,\n\"thursday\": true,\n\"friday\": true,\n\"saturday\": true,\n\"sunday\": true\n}").await,
        "Whatsapp settings updated successfully!",
    );
    update_result(&days, 2, 0);
    // One instance by its session_id and token.
    let hours = ok_data(
        curl(
            server,
            Method::PUT,
            &format!("/updateActiveHours?{}", first.query()),
            &key,
            "{\n\"from\": \"00:00\",\n\"to\": \"5:00\"\n}",
        )
        .await,
        "Whatsapp settings updated successfully!",
    );
    update_result(&hours, 1, 1);
    assert_eq!(
        bot(server, &key, &first.id).await["active_hours"],
        json!({"from": "00:00", "to": "5:00"})
    );
    assert_eq!(
        bot(server, &key, &second.id).await["active_hours"]["from"],
        "always"
    );
    let bad = curl(
        server,
        Method::PUT,
        "/updateActiveHours",
        &key,
        r#"{"from": "25:00", "to": "5:00"}"#,
    )
    .await;
    assert_eq!(refused(bad, 400), "invalid_parameter");

    // setWebhook: a wabot subscription of the channel for both events.
    let hooks = Receiver::start(0).await;
    let set = ok_data(
        curl(server, Method::PUT, "/setWebhook", &key, &format!(
            "{{\n\"session_id\": \"{}\",\n\"access_token\": \"{}\",\n\"webhook_url\": \"{}\",\n\"events\": [\n\"onMessage\",\n\"onAnyMessage\"\n],\n\"requestConfig\": {{}}\n}}",
            first.id, first.token, hooks.url)).await,
        "Webhook set successfully!",
    );
    assert_eq!(set["acknowledged"], true);
    assert_eq!(set["events"], json!(["onMessage", "onAnyMessage"]));
    let subs = server.get("/v1/subscriptions", &key).await.status(200);
    let sub = data(&subs)
        .into_iter()
        .find(|s| s["format"] == "wabot")
        .expect("a wabot subscription");
    assert_eq!(sub["channel_id"], first.id.as_str(), "{sub}");
    assert_eq!(sub["url"], hooks.url.as_str());
    assert_eq!(sub["events"], json!(["message.received", "message.*"]));
    let unknown_event = curl(server, Method::PUT, "/setWebhook", &key, &format!(
        r#"{{"session_id": "{}", "access_token": "{}", "webhook_url": "{}", "events": ["onQr"]}}"#,
        first.id, first.token, hooks.url)).await;
    assert_eq!(refused(unknown_event, 400), "invalid_parameter");

    // The list (a GET with the sample's body) and one instance's info.
    let list = ok_data(
        curl(
            server,
            Method::GET,
            "",
            &key,
            "{\n\"session_id\": \"\",\n\"access_token\": \"\"\n}",
        )
        .await,
        "Whatsapp fetched successfully!",
    );
    let listed = list.as_array().expect("a list");
    assert_eq!(listed.len(), 2, "{list}");
    let one = listed
        .iter()
        .find(|i| i["_id"] == first.id.as_str())
        .expect("listed");
    assert_eq!(one["settings"]["access_token"], first.token.as_str());
    assert_eq!(one["settings"]["bot_name"], "Bot Name");
    assert_eq!(one["settings"]["status"], "DISCONNECTED");
    let info = ok_data(
        curl(
            server,
            Method::GET,
            &format!("/instance?{}&format=base64", first.query()),
            &key,
            &format!(
                "{{\n\"session_id\": \"{}\",\n\"access_token\": \"{}\"\n}}",
                first.id, first.token
            ),
        )
        .await,
        "Status checked successfully",
    );
    assert_eq!(info["error"], false);
    assert_eq!(info["message"], "Instance fetched successfully");
    assert_eq!(info["instance_data"]["instance_key"], first.id.as_str());
    assert_eq!(info["instance_data"]["phone_connected"], false);
    assert_eq!(info["instance_data"]["webhookUrl"], hooks.url.as_str());
    assert!(info["instance_data"]["user"].is_null());

    // Refusals in the platform's shape.
    let wrong = curl(
        server,
        Method::GET,
        &format!("/instance?session_id={}&access_token=0000-0000", first.id),
        &key,
        "",
    )
    .await;
    assert_eq!(refused(wrong, 401), "unauthorized");
    let other = curl(
        server,
        Method::GET,
        &format!(
            "/instance?session_id={}&access_token={}",
            first.id, second.token
        ),
        &key,
        "",
    )
    .await;
    assert_eq!(refused(other, 401), "unauthorized");
    let missing = curl(
        server,
        Method::GET,
        "/instance?session_id=ch_nope&access_token=x",
        &key,
        "",
    )
    .await;
    assert_eq!(refused(missing, 404), "not_found");
    let no_session = curl(server, Method::GET, "/scan", &key, "").await;
    assert_eq!(refused(no_session, 400), "invalid_parameter");
    let no_key = server.call(server.req(Method::GET, BASE, NO_KEY)).await;
    assert_eq!(refused(no_key, 401), "unauthorized");
    let (_, stranger) = create_account(server, "wabot-other").await;
    let foreign = curl(
        server,
        Method::GET,
        &format!("/instance?{}", first.query()),
        &stranger,
        "",
    )
    .await;
    assert_eq!(refused(foreign, 404), "not_found");
    let not_json = curl(server, Method::PUT, "/updateGeneral", &key, "{oops").await;
    assert_eq!(refused(not_json, 400), "invalid_body");
    // A stopped instance has no QR code.
    let no_qr = curl(
        server,
        Method::GET,
        &format!("/scan?{}", first.query()),
        &key,
        "",
    )
    .await;
    assert_eq!(refused(no_qr, 409), "session_state");

    // Delete (the sample: no body, no token): the channel is gone with its instance.
    let deleted = ok_data(
        curl(server, Method::DELETE, &format!("/{}", first.id), &key, "").await,
        "Whatsapp deleted successfully!",
    );
    assert_eq!(deleted, json!({"acknowledged": true, "deletedCount": 1}));
    assert_eq!(
        server
            .get(&format!("/v1/channels/{}", first.id), &key)
            .await
            .code,
        404
    );
    let again = curl(server, Method::DELETE, &format!("/{}", first.id), &key, "").await;
    assert_eq!(refused(again, 404), "not_found");
    let list = ok_data(
        curl(server, Method::GET, "", &key, "").await,
        "Whatsapp fetched successfully!",
    );
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

/// The phone's record of what the session sent.
async fn phone_sent(server: &TestServer, channel: &str) -> Vec<Value> {
    let state = server
        .get(&format!("/sandbox/emulator/web/{channel}/state"), NO_KEY)
        .await
        .status(200);
    state["sent"].as_array().cloned().unwrap_or_default()
}

/// Waits until the phone received a message whose text satisfies `wanted`.
async fn phone_got(
    server: &TestServer,
    channel: &str,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    eventually(20, what, || async {
        phone_sent(server, channel).await.into_iter().find(&wanted)
    })
    .await
}

/// A native message of the account, by id.
async fn native(server: &TestServer, key: &str, id: &str) -> Value {
    server
        .get(&format!("/v1/messages/{id}"), key)
        .await
        .status(200)
}

/// The `data` of a send answer in the session's shape, its key checked.
fn sent_to(reply: Reply, to: &str) -> Value {
    let data = ok_data(reply, "Message sent successfully");
    assert_eq!(
        data["key"]["remoteJid"],
        format!("{to}@s.whatsapp.net"),
        "{data}"
    );
    assert_eq!(data["key"]["fromMe"], true);
    assert!(data["key"]["id"]
        .as_str()
        .is_some_and(|i| i.starts_with("msg_")));
    assert_eq!(data["status"], "PENDING");
    assert!(data["messageTimestamp"]
        .as_str()
        .is_some_and(|t| t.parse::<i64>().is_ok()));
    data
}

async fn multipart(server: &TestServer, key: &str, path: &str, form: Form) -> Reply {
    server
        .call(
            server
                .req(Method::POST, &format!("{BASE}{path}"), key)
                .header("x-refresh", "")
                .multipart(form),
        )
        .await
}

fn file(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap()
}

async fn end_to_end(server: &TestServer) {
    let (_, key) = create_account(server, "wabot-flow").await;
    let hooks = Receiver::start(0).await;
    let (i, _) = create(server, &key, r#"{"sandbox": true}"#).await;
    let q = i.query();

    // init: pairing starts; config.webhookUrl sets the webhook.
    let init = ok_data(
        curl(server, Method::POST, "/init", &key, &format!(
            "{{\n\"session_id\": \"{}\",\n\"access_token\": \"{}\",\n\"config\": {{\n\"multiDevice\": true,\n\"setWebhook\": true,\n\"webhookUrl\": \"{}\"\n}}\n}}",
            i.id, i.token, hooks.url)).await,
        "Instance initialized successfully",
    );
    assert_eq!(init["session_id"], i.id.as_str());
    assert_eq!(init["webhookUrl"], hooks.url.as_str());
    assert_eq!(
        bot(server, &key, &i.id).await["actions"]["multi_device"],
        true
    );

    // scan: the QR code as an image, then as base64 text.
    let image = eventually(20, "a QR code", || async {
        let r = server
            .call(
                server
                    .req(Method::GET, &format!("{BASE}/scan?{q}"), &key)
                    .header("x-refresh", ""),
            )
            .await;
        (r.code == 200).then_some(r)
    })
    .await;
    assert_eq!(image.headers["content-type"], "image/png");
    assert_eq!(&image.bytes[..8], b"\x89PNG\r\n\x1a\n");
    let text = server
        .get(&format!("{BASE}/scan?{q}&format=base64text"), &key)
        .await;
    assert_eq!(text.code, 200);
    assert!(
        text.text.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{}",
        &text.text[..40.min(text.text.len())]
    );

    // The phone scans; the instance shows the connected phone.
    server
        .post_json(
            &format!("/sandbox/emulator/web/{}/scan", i.id),
            NO_KEY,
            json!({"phone_number": PHONE, "push_name": "Waap Test"}),
        )
        .await
        .status(200);
    let connected = eventually(20, "the phone connected", || async {
        let info = server
            .get(&format!("{BASE}/instance?{q}&format=base64"), &key)
            .await
            .status(200);
        (info["data"]["instance_data"]["phone_connected"] == true).then_some(info)
    })
    .await;
    let user = &connected["data"]["instance_data"]["user"];
    let jid = string(&user["id"]);
    assert!(
        jid.starts_with(&format!("{PHONE}:")) && jid.ends_with("@s.whatsapp.net"),
        "{user}"
    );
    assert_eq!(user["name"], "Waap Test");
    let listed = ok_data(
        curl(server, Method::GET, "", &key, "").await,
        "Whatsapp fetched successfully!",
    );
    assert_eq!(listed[0]["settings"]["status"], "CONNECTED");
    assert_eq!(listed[0]["settings"]["bot_number"], PHONE);

    // message: a text, an uploaded attachment, a saved contact and a location.
    let uploaded = server
        .call(
            server
                .req(Method::POST, "/v1/media", &key)
                .multipart(Form::new().part("file", file(png(900), "a.png", "image/png"))),
        )
        .await
        .status(201);
    let media_id = string(&uploaded["id"]);
    let contact = server
        .post_json(
            "/v1/contacts",
            &key,
            json!({"phone": "2349048988057", "name": "Barnks 2"}),
        )
        .await
        .status(201);
    let body = format!(
        "{{\n\"session_id\": \"{}\",\n\"access_token\": \"{}\",\n\"chatId\": \"{CUSTOMER}\",\n\"message\": \"Hello dear\",\n\"attachments\": [\n\"{media_id}\"\n],\n\"location\": {{\n\"name\": \"locationName\",\n\"lat\": \"6.556452\",\n\"lng\": \"3.2774487\"\n}},\n\"contactId\": \"{}\"\n}}",
        i.id, i.token, string(&contact["id"])
    );
    let sent = ok_data(
        curl(server, Method::POST, &format!("/message?{q}"), &key, &body).await,
        "Message sent successfully",
    );
    assert_eq!(sent["attachment"], json!([media_id]));
    assert_eq!(sent["contact"]["contactMessage"]["displayName"], "Barnks 2");
    assert_eq!(
        sent["contact"]["contactMessage"]["vcard"],
        "BEGIN:VCARD\nVERSION:3.0\nFN:Barnks 2\nORG:;\nTEL;type=CELL;type=VOICE;waid=2349048988057:2349048988057\nEND:VCARD"
    );
    assert_eq!(
        sent["location"]["locationMessage"],
        json!({"degreesLatitude": 6.556452, "degreesLongitude": 3.2774487})
    );
    assert_eq!(sent["image"]["imageMessage"]["mimetype"], "image/png");
    assert_eq!(sent["message"]["message"]["conversation"], "Hello dear");
    assert_eq!(sent["sent"].as_array().map(Vec::len), Some(4));
    let text_id = string(&sent["message"]["key"]["id"]);
    let stored = native(server, &key, &text_id).await;
    assert_eq!(stored["content"]["text"]["body"], "Hello dear");
    assert_eq!(stored["channel_id"], i.id.as_str());
    phone_got(server, &i.id, "the text", |m| m["text"] == "Hello dear").await;
    phone_got(server, &i.id, "the location", |m| m["kind"] == "location").await;
    phone_got(server, &i.id, "the contact", |m| m["kind"] == "contacts").await;

    // image (multipart), then video, audio and document.
    let form = Form::new()
        .part(
            "file",
            file(jpeg(2000), "1_dark - Copy (2).png", "image/jpeg"),
        )
        .text("chatId", CUSTOMER.to_string())
        .text("caption", "Yo");
    let image = sent_to(
        multipart(server, &key, &format!("/message/image?{q}"), form).await,
        CUSTOMER,
    );
    assert_eq!(image["message"]["imageMessage"]["caption"], "Yo");
    assert_eq!(image["message"]["imageMessage"]["mimetype"], "image/jpeg");
    assert_eq!(image["message"]["imageMessage"]["fileLength"], "2000");
    let stored = native(server, &key, &string(&image["key"]["id"])).await;
    assert_eq!(stored["type"], "image");
    assert_eq!(stored["content"]["image"]["caption"], "Yo");
    phone_got(server, &i.id, "the image", |m| {
        m["kind"] == "image" && m["text"] == "Yo"
    })
    .await;
    let form = Form::new()
        .part("file", file(mp4(3000), "clip.mp4", "video/mp4"))
        .text("chatId", CUSTOMER.to_string())
        .text("caption", "");
    let video = sent_to(
        multipart(server, &key, &format!("/message/video?{q}"), form).await,
        CUSTOMER,
    );
    assert_eq!(video["message"]["videoMessage"]["mimetype"], "video/mp4");
    let form = Form::new()
        .part("file", file(mp3(3000), "voice.mp3", "audio/mpeg"))
        .text("chatId", CUSTOMER.to_string());
    let audio = sent_to(
        multipart(server, &key, &format!("/message/audio?{q}"), form).await,
        CUSTOMER,
    );
    assert!(audio["message"]["audioMessage"].is_object(), "{audio}");
    let form = Form::new()
        .part("file", file(pdf(2000), "file.pdf", "application/pdf"))
        .text("chatId", CUSTOMER.to_string())
        .text("filename", "invoice.pdf");
    let doc = sent_to(
        multipart(server, &key, &format!("/message/doc?{q}"), form).await,
        CUSTOMER,
    );
    let stored = native(server, &key, &string(&doc["key"]["id"])).await;
    assert_eq!(stored["content"]["document"]["filename"], "invoice.pdf");
    // An image is no video: refused in the platform's shape.
    let form = Form::new()
        .part("file", file(jpeg(1000), "x.jpg", "image/jpeg"))
        .text("chatId", CUSTOMER.to_string());
    let wrong_kind = multipart(server, &key, &format!("/message/video?{q}"), form).await;
    assert_eq!(refused(wrong_kind, 400), "invalid_parameter");

    // fileurl and MediaButton fetch their links.
    let files = FileServer::start(vec![("photo.jpg", "image/jpeg", jpeg(3000))]).await;
    let form = Form::new()
        .text("chatId", CUSTOMER.to_string())
        .text("url", format!("{}/photo.jpg", files.base))
        .text("type", "image")
        .text("mimetype", "image/jpeg")
        .text("caption", "Caption");
    let by_url = sent_to(
        multipart(server, &key, &format!("/message/fileurl?{q}"), form).await,
        CUSTOMER,
    );
    assert_eq!(by_url["message"]["imageMessage"]["caption"], "Caption");
    let media_button = sent_to(
        curl(server, Method::POST, &format!("/message/MediaButton?{q}"), &key, &format!(
            "{{\n\"chatId\": \"{CUSTOMER}\",\n\"btndata\": {{\n\"text\": \"Title of Message\",\n\"buttons\": [\n{{\n\"type\": \"replyButton\",\n\"title\": \"this button reply\"\n}},\n{{\n\"type\": \"callButton\",\n\"title\": \"this button calls\",\n\"payload\": \"91999999999\"\n}}\n],\n\"footerText\": \"Footer text\",\n\"image\": \"{}/photo.jpg\",\n\"mediaType\": \"image\",\n\"mimeType\": \"image/jpeg\"\n}}\n}}",
            files.base)).await,
        CUSTOMER,
    );
    assert_eq!(
        media_button["message"]["imageMessage"]["caption"],
        "Title of Message\n\n1. this button reply\n2. this button calls: +91999999999\n\n_Footer text_"
    );
    assert_eq!(
        media_button["message"]["buttonsMessage"]["buttons"][1]["type"],
        "callButton"
    );

    // button, contact and list.
    let button = sent_to(
        server
            .call(
                server
                    .req(Method::POST, &format!("{BASE}/message/button?{q}"), &key)
                    .header("content-type", "application/json")
                    .body(format!("{{\n\"chatId\": \"{CUSTOMER}\",\n\"btndata\": {{\n\"text\": \"title Head\",\n\"buttons\": [\n{{\n\"type\": \"replyButton\",\n\"title\": \"Reply this text (REPLY)\"\n}},\n{{\n\"type\": \"urlButton\",\n\"title\": \"Click me (URL)\",\n\"payload\": \"https://google.com\"\n}},\n{{\n\"type\": \"callButton\",\n\"title\": \"Click to call (CALL)\",\n\"payload\": \"918788889688\"\n}}\n],\n\"footerText\": \"title footer\"\n}}\n}}")),
            )
            .await,
        CUSTOMER,
    );
    assert_eq!(
        button["message"]["buttonsMessage"]["contentText"],
        "title Head"
    );
    phone_got(server, &i.id, "the buttons as text", |m| {
        m["text"]
            == "title Head\n\n1. Reply this text (REPLY)\n2. Click me (URL): https://google.com\n3. Click to call (CALL): +918788889688\n\n_title footer_"
    })
    .await;
    let contact = sent_to(
        curl(server, Method::POST, &format!("/message/contact?{q}"), &key,
            "{\n\"chatId\": \"2348179803743\",\n\"vcard\": {\n\"fullName\": \"john doe\",\n\"displayName\": \"johndoe\",\n\"organization\": \"Men In Black\",\n\"phoneNumber\": \"919999999999\"\n}\n}").await,
        "2348179803743",
    );
    assert_eq!(
        contact["message"]["contactMessage"]["vcard"],
        "BEGIN:VCARD\nVERSION:3.0\nFN:john doe\nORG:Men In Black;\nTEL;type=CELL;type=VOICE;waid=919999999999:919999999999\nEND:VCARD"
    );
    let stored = native(server, &key, &string(&contact["key"]["id"])).await;
    assert_eq!(stored["type"], "contacts");
    let list = sent_to(
        curl(server, Method::POST, &format!("/message/list?{q}"), &key, &format!(
            "{{\n\"chatId\": \"{CUSTOMER}\",\n\"msgdata\": {{\n\"buttonText\": \"Button Text\",\n\"text\": \"Middle Text\",\n\"title\": \"Head Title\",\n\"description\": \"Footer Description\",\n\"sections\": [\n{{\n\"title\": \"title\",\n\"rows\": [\n{{\n\"title\": \"Title Option 1\",\n\"description\": \"Option Description\",\n\"rowId\": \"string\"\n}}\n]\n}}\n],\n\"listType\": 0\n}}\n}}")).await,
        CUSTOMER,
    );
    assert_eq!(list["message"]["listMessage"]["buttonText"], "Button Text");
    phone_got(server, &i.id, "the list as text", |m| {
        m["text"].as_str().is_some_and(|t| {
            t.contains("Middle Text") && t.contains("1. Title Option 1 — Option Description")
        })
    })
    .await;
    let missing_chat = curl(
        server,
        Method::POST,
        &format!("/message/list?{q}"),
        &key,
        r#"{"chatId": "", "msgdata": {"text": "x", "sections": []}}"#,
    )
    .await;
    assert_eq!(refused(missing_chat, 400), "invalid_parameter");

    // The deprecated sendText.
    let old = ok_data(
        curl(server, Method::POST, "/message/sendText", &key, &format!(
            "{{\n\"session_id\": \"{}\",\n\"access_token\": \"{}\",\n\"to\": \"2348179803743\",\n\"message\": \"Hello sir 3.\"\n}}",
            i.id, i.token)).await,
        "Message sent successfully",
    );
    let old = string(&old);
    let id = old
        .strip_prefix("true_2348179803743@c.us_")
        .expect("true_<number>@c.us_<id>");
    assert_eq!(
        native(server, &key, id).await["content"]["text"]["body"],
        "Hello sir 3."
    );

    // Every message: onAnyMessage too. A customer writes: the webhook gets onMessage, and
    // the bot's default message (spintax, [name]) answers on the session.
    curl(server, Method::PUT, "/setWebhook", &key, &format!(
        r#"{{"session_id": "{}", "access_token": "{}", "webhook_url": "{}", "events": ["onMessage", "onAnyMessage"], "requestConfig": {{}}}}"#,
        i.id, i.token, hooks.url)).await.status(200);
    server
        .post_json(
            &format!("/sandbox/emulator/web/{}/inbound", i.id),
            NO_KEY,
            json!({"from": CUSTOMER, "type": "text", "body": "good morning", "push_name": "Ana"}),
        )
        .await
        .status(200);
    let delivered = eventually(20, "onMessage at the webhook", || async {
        hooks
            .got()
            .into_iter()
            .find(|r| r.json["event"] == "onMessage")
    })
    .await;
    let payload = &delivered.json;
    assert_eq!(payload["session_id"], i.id.as_str(), "{payload}");
    let m = &payload["data"];
    assert_eq!(m["key"]["remoteJid"], format!("{CUSTOMER}@s.whatsapp.net"));
    assert_eq!(m["key"]["fromMe"], false);
    assert_eq!(m["pushName"], "Ana");
    assert_eq!(m["message"]["conversation"], "good morning");
    assert_eq!(m["body"], "good morning");
    assert!(m["messageTimestamp"].as_i64().is_some_and(|t| t > 0));
    let answer = phone_got(server, &i.id, "the bot's default message", |m| {
        m["text"]
            .as_str()
            .is_some_and(|t| t.ends_with("Ana your message has no keyword here."))
    })
    .await;
    let text = string(&answer["text"]);
    assert!(
        text == "Hi Ana your message has no keyword here."
            || text == "Hello Ana your message has no keyword here.",
        "{text}"
    );
    // The bot's answer goes out from the instance: onAnyMessage, fromMe.
    let own = eventually(20, "onAnyMessage of the bot's answer", || async {
        hooks.got().into_iter().find(|r| {
            r.json["event"] == "onAnyMessage"
                && r.json["data"]["message"]["conversation"] == text.as_str()
        })
    })
    .await;
    assert_eq!(own.json["data"]["key"]["fromMe"], true);
    assert!(own.json["data"]["pushName"].is_null());

    // Buttons sent as numbered text: the customer's "2" comes back as the button it stands
    // for (its payload as the id), at the webhook and in the native history.
    sent_to(
        curl(
            server,
            Method::POST,
            &format!("/message/button?{q}"),
            &key,
            &format!(
                r#"{{"chatId": "{CUSTOMER}", "btndata": {{"text": "Shall we deliver?", "buttons": [
                {{"type": "urlButton", "title": "Track", "payload": "https://shop.example.com/t"}},
                {{"type": "replyButton", "title": "Yes please", "payload": "deliver-yes"}},
                {{"type": "replyButton", "title": "Not today"}}]}}}}"#
            ),
        )
        .await,
        CUSTOMER,
    );
    phone_got(server, &i.id, "the delivery question", |m| {
        m["text"]
            .as_str()
            .is_some_and(|t| t.contains("2. Yes please"))
    })
    .await;
    server
        .post_json(
            &format!("/sandbox/emulator/web/{}/inbound", i.id),
            NO_KEY,
            json!({"from": CUSTOMER, "type": "text", "body": "2", "push_name": "Ana"}),
        )
        .await
        .status(200);
    let chosen = eventually(20, "the chosen button at the webhook", || async {
        hooks.got().into_iter().find(|r| {
            r.json["event"] == "onMessage"
                && !r.json["data"]["message"]["buttonsResponseMessage"].is_null()
        })
    })
    .await;
    let choice = &chosen.json["data"]["message"]["buttonsResponseMessage"];
    assert_eq!(choice["selectedButtonId"], "deliver-yes", "{}", chosen.json);
    assert_eq!(choice["selectedDisplayText"], "Yes please");
    let stored = native(server, &key, &string(&chosen.json["data"]["messageId"])).await;
    assert_eq!(
        stored["content"]["interactive"]["button_reply"]["id"], "deliver-yes",
        "{stored}"
    );

    // logout (by path, with the token), then delete.
    let out = ok_data(
        curl(
            server,
            Method::GET,
            &format!("/instance/logout/{}?{q}", i.id),
            &key,
            "",
        )
        .await,
        "Instance logged out successfully",
    );
    assert_eq!(out["state"], "failed");
    let info = server
        .get(&format!("{BASE}/instance?{q}"), &key)
        .await
        .status(200);
    assert_eq!(info["data"]["instance_data"]["phone_connected"], false);
    let session = server
        .get(&format!("/v1/channels/{}/session", i.id), &key)
        .await
        .status(200);
    assert_eq!(session["reason"], "logged_out");
    ok_data(
        curl(server, Method::DELETE, &format!("/{}", i.id), &key, "").await,
        "Whatsapp deleted successfully!",
    );
    assert_eq!(
        server
            .get(&format!("/v1/channels/{}", i.id), &key)
            .await
            .code,
        404
    );
}
