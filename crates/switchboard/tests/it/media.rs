//! Media over real HTTP, on SQLite and PostgreSQL, with the sandbox emulator as the upstream:
//! uploads by file, data URI, URL and the Cloud API form; every per-kind limit; the
//! private-network guard; metadata, download and delete; account isolation; sends by our media
//! id (one upstream upload, then the cached id); inbound media delivered to a webhook as our
//! URL and downloaded byte-identical; and the expiry sweeper.

use crate::common::*;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use base64::Engine;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest;
use switchboard::config::Config;

const KB: usize = 1024;
pub(crate) const MB: usize = 1024 * 1024;

/// A PNG: the signature, then filler.
pub(crate) fn png(len: usize) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend((0..len.saturating_sub(8)).map(|i| (i % 251) as u8));
    b
}

pub(crate) fn jpeg(len: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..len.saturating_sub(4)).map(|i| (i % 13) as u8));
    b
}

pub(crate) fn pdf(len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    b.extend((0..len.saturating_sub(9)).map(|i| b'a' + (i % 26) as u8));
    b
}

pub(crate) fn mp4(len: usize) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0x18];
    b.extend_from_slice(b"ftypisom");
    b.extend((0..len.saturating_sub(12)).map(|i| (i % 7) as u8));
    b
}

pub(crate) fn mp3(len: usize) -> Vec<u8> {
    let mut b = b"ID3\x04\x00".to_vec();
    b.extend((0..len.saturating_sub(5)).map(|i| (i % 5) as u8));
    b
}

/// A static WebP (`VP8 ` chunk).
fn webp(len: usize) -> Vec<u8> {
    let mut b = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
    b.extend((0..len.saturating_sub(16)).map(|i| (i % 3) as u8));
    b
}

fn gif() -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend([1u8, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF]);
    b
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(b))
}

fn file_form(bytes: Vec<u8>, filename: &str, mime: &str) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(filename.to_string())
            .mime_str(mime)
            .unwrap(),
    )
}

async fn upload_form(server: &TestServer, key: &str, form: Form) -> Reply {
    server
        .call(server.req(Method::POST, "/v1/media", key).multipart(form))
        .await
}

async fn upload_json(server: &TestServer, key: &str, body: Value) -> Reply {
    server.post_json("/v1/media", key, &body).await
}

async fn download(server: &TestServer, key: &str, id: &str) -> (u16, String, Vec<u8>) {
    let r = server.get(&format!("/v1/media/{id}/content"), key).await;
    let status = r.code;
    let ct = r
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, r.bytes)
}

fn data_uri(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A local HTTP server serving files at `/{name}`; `/big.pdf` claims 101 MB.
pub(crate) struct FileServer {
    pub(crate) base: String,
    task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    pub(crate) async fn start(files: Vec<(&'static str, &'static str, Vec<u8>)>) -> FileServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut app = Router::new().route(
            "/big.pdf",
            get(|| async {
                // Claims more than the document limit; the body never needs to be read.
                let len = (100 * MB + 1).to_string();
                (
                    [
                        (header::CONTENT_TYPE, "application/pdf".to_string()),
                        (header::CONTENT_LENGTH, len),
                    ],
                    axum::body::Body::from_stream(futures::stream::pending::<
                        Result<Bytes, std::io::Error>,
                    >()),
                )
                    .into_response()
            }),
        );
        for (name, mime, bytes) in files {
            app = app.route(
                &format!("/{name}"),
                get(move || {
                    let bytes = bytes.clone();
                    async move { ([(header::CONTENT_TYPE, mime)], bytes).into_response() }
                }),
            );
        }
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FileServer { base, task }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn private_allowed(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
    c.webhooks.retry_schedule_ms = vec![50; 50];
}

async fn uploads_by_file_data_uri_url_and_cloud_form(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let image = png(3000);

    // Multipart file.
    let r = upload_form(
        server,
        &ctx.key,
        file_form(image.clone(), "cat.png", "image/png"),
    )
    .await;
    let meta = r.status(201);
    let id = meta["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("med_"), "{meta}");
    assert_eq!(meta["kind"], "image");
    assert_eq!(meta["mime_type"], "image/png");
    assert_eq!(meta["size"], image.len());
    assert_eq!(meta["sha256"], sha256_hex(&image));
    assert_eq!(meta["filename"], "cat.png");
    assert_eq!(meta["source"], "upload");
    assert_eq!(
        meta["url"],
        format!("{}/v1/media/{id}/content", server.base)
    );
    let got = server
        .get(&format!("/v1/media/{id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(got, meta);
    let (status, ct, bytes) = download(server, &ctx.key, &id).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert_eq!(bytes, image);

    // The kind from `type`, before the file; the part's generic type does not matter.
    let form = Form::new().text("type", "document").part(
        "file",
        Part::bytes(pdf(500))
            .file_name("a.pdf")
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    let meta = upload_form(server, &ctx.key, form).await.status(201);
    assert_eq!(
        (meta["kind"].as_str(), meta["mime_type"].as_str()),
        (Some("document"), Some("application/pdf"))
    );

    // Data URI.
    let photo = jpeg(2000);
    let meta = upload_json(
        server,
        &ctx.key,
        json!({"data": data_uri("image/jpeg", &photo), "filename": "p.jpg"}),
    )
    .await
    .status(201);
    assert_eq!(meta["mime_type"], "image/jpeg");
    let (_, _, bytes) = download(server, &ctx.key, meta["id"].as_str().unwrap()).await;
    assert_eq!(bytes, photo);

    // URL, fetched by the server (private targets are allowed on this server).
    let doc = pdf(70_000);
    let files = FileServer::start(vec![("files/report.pdf", "application/pdf", doc.clone())]).await;
    let meta = upload_json(
        server,
        &ctx.key,
        json!({"url": format!("{}/files/report.pdf", files.base)}),
    )
    .await
    .status(201);
    assert_eq!(meta["kind"], "document");
    assert_eq!(meta["filename"], "report.pdf");
    assert_eq!(meta["sha256"], sha256_hex(&doc));
    let (_, ct, bytes) = download(server, &ctx.key, meta["id"].as_str().unwrap()).await;
    assert_eq!(ct, "application/pdf");
    assert_eq!(bytes, doc);
    // A URL that answers 404.
    let code = upload_json(
        server,
        &ctx.key,
        json!({"url": format!("{}/missing.png", files.base)}),
    )
    .await
    .error(400);
    assert_eq!(code, "url_fetch_failed");

    // The Cloud API form answers {"id"} and the id works on the native routes.
    let form = file_form(image.clone(), "cat.png", "image/png")
        .text("type", "image/png")
        .text("messaging_product", "whatsapp");
    let answer = server
        .call(
            server
                .req(
                    Method::POST,
                    &format!("/v23.0/{}/media", ctx.channel),
                    &ctx.key,
                )
                .multipart(form),
        )
        .await
        .status(200);
    let cloud_id = answer["id"].as_str().unwrap();
    assert_eq!(answer.as_object().unwrap().len(), 1, "{answer}");
    let meta = server
        .get(&format!("/v1/media/{cloud_id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(meta["channel_id"], ctx.channel.as_str());

    // Another account sees none of it; a read key cannot upload; delete removes it.
    let (_, other) = create_account(server, "other").await;
    for (method, path) in [
        (Method::GET, format!("/v1/media/{id}")),
        (Method::GET, format!("/v1/media/{id}/content")),
        (Method::DELETE, format!("/v1/media/{id}")),
    ] {
        let code = server
            .call(server.req(method, &path, &other))
            .await
            .error(404);
        assert_eq!(code, "not_found");
    }
    let (_, reader) = create_key(server, &ctx.key, json!({"permission": "read"})).await;
    let code = upload_form(server, &reader, file_form(png(100), "x.png", "image/png"))
        .await
        .error(403);
    assert_eq!(code, "forbidden");
    let r = server.delete(&format!("/v1/media/{id}"), &ctx.key).await;
    assert_eq!(r.code, 204);
    for path in [format!("/v1/media/{id}"), format!("/v1/media/{id}/content")] {
        let r = server.get(&path, &ctx.key).await;
        assert_eq!(r.code, 404);
    }
}

async fn every_limit_is_enforced(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let cases: Vec<(&str, Form, u16, &str)> = vec![
        (
            "image over 5 MB",
            file_form(png(5 * MB + 1), "big.png", "image/png"),
            413,
            "media_too_large",
        ),
        (
            "video over 16 MB",
            file_form(mp4(16 * MB + 1), "big.mp4", "video/mp4"),
            413,
            "media_too_large",
        ),
        (
            "static sticker over 100 KB",
            file_form(webp(100 * KB + 1), "s.webp", "image/webp"),
            413,
            "media_too_large",
        ),
        (
            "GIF is not a WhatsApp type",
            file_form(gif(), "a.gif", "image/gif"),
            415,
            "media_type_not_allowed",
        ),
        (
            "declared PNG, bytes JPEG",
            file_form(jpeg(1000), "a.png", "image/png"),
            400,
            "media_type_mismatch",
        ),
        (
            "declared kind video, bytes PNG",
            Form::new()
                .text("kind", "video")
                .part("file", Part::bytes(png(1000)).file_name("a.png")),
            415,
            "media_type_not_allowed",
        ),
        (
            "declared type after the file contradicts it",
            file_form(png(1000), "a.png", "application/octet-stream").text("type", "image/jpeg"),
            400,
            "media_type_mismatch",
        ),
        (
            "empty file",
            file_form(Vec::new(), "a.png", "image/png"),
            400,
            "media_empty",
        ),
        (
            "no file part",
            Form::new().text("type", "image"),
            400,
            "invalid_parameter",
        ),
    ];
    for (what, form, status, code) in cases {
        let r = upload_form(server, &ctx.key, form).await;
        let got = r.code;
        let body: Value = r.json();
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.len() > 20,
            "{what}: the message says what to fix: {message}"
        );
    }
    // Audio over 16 MB as a data URI.
    let code = upload_json(
        server,
        &ctx.key,
        json!({"data": data_uri("audio/mpeg", &mp3(16 * MB + 1))}),
    )
    .await
    .error(413);
    assert_eq!(code, "media_too_large");
    // A document over 100 MB by URL is refused from its Content-Length.
    let files = FileServer::start(vec![]).await;
    let code = upload_json(
        server,
        &ctx.key,
        json!({"url": format!("{}/big.pdf", files.base)}),
    )
    .await
    .error(413);
    assert_eq!(code, "media_too_large");
    // Within the limits: exactly 5 MB image and a 100 KB sticker.
    upload_form(
        server,
        &ctx.key,
        file_form(png(5 * MB), "ok.png", "image/png"),
    )
    .await
    .status(201);
    let meta = upload_form(
        server,
        &ctx.key,
        file_form(webp(100 * KB), "ok.webp", "image/webp"),
    )
    .await
    .status(201);
    assert_eq!(meta["kind"], "sticker");
    // The Cloud form answers in Meta's shape with 131053.
    let r = server
        .call(
            server
                .req(
                    Method::POST,
                    &format!("/v23.0/{}/media", ctx.channel),
                    &ctx.key,
                )
                .multipart(
                    file_form(gif(), "a.gif", "image/gif").text("messaging_product", "whatsapp"),
                ),
        )
        .await;
    let body = r.status(415);
    assert_eq!(body["error"]["code"], 131053, "{body}");
    assert!(body["error"]["fbtrace_id"].is_string(), "{body}");
    // Refused uploads leave no files behind.
    let objects = server.config.data_dir.join("media").join("objects");
    let tmp = server.config.data_dir.join("media").join("tmp");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(&objects).unwrap().count(), 2);
}

async fn private_urls_are_refused(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let files = FileServer::start(vec![("a.png", "image/png", png(100))]).await;
    for url in [
        format!("{}/a.png", files.base),
        files.base.replace("127.0.0.1", "localhost") + "/a.png",
        "http://10.0.0.1/a.png".to_string(),
        "http://169.254.169.254/latest/meta-data".to_string(),
    ] {
        let r = upload_json(server, &ctx.key, json!({"url": url})).await;
        let body = r.status(400);
        assert_eq!(body["error"]["code"], "url_not_allowed", "{url}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("allow_private_targets"),
            "{body}"
        );
    }
    let code = upload_json(server, &ctx.key, json!({"url": "ftp://example.com/a.png"}))
        .await
        .error(400);
    assert_eq!(code, "url_not_allowed");
}

async fn open_window(server: &TestServer, ctx: &Ctx, from: &str) {
    inject(
        server,
        ctx,
        &json!({"from": from, "type": "text", "text": {"body": "hi"}}),
    )
    .await;
    eventually(20, "the inbound text", || async {
        (!inbound_messages(server, ctx).await.is_empty()).then_some(())
    })
    .await;
}

async fn emulator_list(server: &TestServer, what: &str) -> Vec<Value> {
    server
        .get(&format!("/sandbox/emulator/{what}"), NO_KEY)
        .await
        .status(200)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn inbound_of_kind(server: &TestServer, ctx: &Ctx, kind: &str) -> Vec<Value> {
    inbound_messages(server, ctx)
        .await
        .iter()
        .filter(|m| m["type"] == kind)
        .cloned()
        .collect()
}

async fn sends_by_media_id_upload_once_then_reuse(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let to = "15551234567";
    open_window(server, &ctx, to).await;
    let image = png(4000);
    let meta = upload_form(
        server,
        &ctx.key,
        file_form(image.clone(), "cat.png", "image/png"),
    )
    .await
    .status(201);
    let id = meta["id"].as_str().unwrap().to_string();

    // Refused at send: unknown id, wrong kind — Meta's shape with the JSON path.
    let r = send(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": to, "type": "image",
               "image": {"id": "med_0000000000000000000000000a"}}),
    )
    .await;
    let body = r.status(400);
    assert_eq!(body["error"]["code"], 100, "{body}");
    assert!(
        body["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .starts_with("image.id:"),
        "{body}"
    );
    let r = send(
        server,
        &ctx,
        &json!({"messaging_product": "whatsapp", "to": to, "type": "document",
               "document": {"id": id, "filename": "x.pdf"}}),
    )
    .await;
    let body = r.status(400);
    assert!(
        body["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .contains("document.id"),
        "{body}"
    );
    let (_, other) = create_account(server, "other").await;
    let other_ctx_channel = server
        .post_json(
            "/v1/channels",
            &other,
            &json!({"name": "s", "kind": "sandbox"}),
        )
        .await
        .status(201);
    let r = server.post_json(&format!("/v1/channels/{}/messages", other_ctx_channel["id"].as_str().unwrap()), &other, &json!({"messaging_product": "whatsapp", "to": to, "type": "template",
               "template": {"name": "hello_world", "language": {"code": "en_US"},
                 "components": [{"type": "header", "parameters": [{"type": "image", "image": {"id": id}}]}]}})).await;
    let body = r.status(400);
    assert!(
        body["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .contains("template.components[0].parameters[0].image.id"),
        "another account's media is not found: {body}"
    );

    // Two sends by our id: one upload to the emulator, both messages carry its media id.
    for caption in ["first", "second"] {
        send(
            server,
            &ctx,
            &json!({"messaging_product": "whatsapp", "to": to, "type": "image",
                       "image": {"id": id, "caption": caption}}),
        )
        .await
        .status(200);
        eventually(20, "the emulator to receive the image", || async {
            let sent = emulator_list(server, "messages").await;
            sent.iter()
                .any(|m| m["body"]["image"]["caption"] == caption)
                .then_some(())
        })
        .await;
    }
    let sent = emulator_list(server, "messages").await;
    let upstream_ids: Vec<String> = sent
        .iter()
        .filter(|m| m["body"]["type"] == "image")
        .map(|m| m["body"]["image"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(upstream_ids.len(), 2, "{sent:?}");
    assert_eq!(upstream_ids[0], upstream_ids[1], "the cached id is reused");
    assert!(!upstream_ids[0].starts_with("med_"), "{upstream_ids:?}");
    let uploads: Vec<Value> = emulator_list(server, "requests")
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/media"))
        .collect();
    assert_eq!(uploads.len(), 1, "one upload for two sends: {uploads:?}");
    assert_eq!(uploads[0]["status"], 200, "{uploads:?}");

    // The emulator knows that id and holds our bytes: a customer forwarding it back arrives
    // as a new media file of ours with the same bytes.
    inject(
        server,
        &ctx,
        &json!({"from": to, "type": "image", "image": {"id": upstream_ids[0]}}),
    )
    .await;
    let inbound = eventually(20, "the forwarded image", || async {
        inbound_of_kind(server, &ctx, "image")
            .await
            .into_iter()
            .next()
    })
    .await;
    let media_id = inbound["content"]["image"]["media_id"].as_str().unwrap();
    assert_eq!(inbound["content"]["image"]["id"], upstream_ids[0].as_str());
    let (_, _, bytes) = download(server, &ctx.key, media_id).await;
    assert_eq!(bytes, image);
}

async fn inbound_media_reaches_webhooks_as_our_url(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let hooks = Receiver::start(0).await;
    server
        .post_json(
            "/v1/subscriptions",
            &ctx.key,
            &json!({"url": hooks.url, "events": ["message.received"]}),
        )
        .await
        .status(201);
    let photo = jpeg(20_000);
    inject(
        server,
        &ctx,
        &json!({"from": "15557654321", "type": "image",
                "image": {"data": base64::engine::general_purpose::STANDARD.encode(&photo),
                          "mime_type": "image/jpeg", "caption": "look"}}),
    )
    .await;
    let hook = eventually(30, "the message.received webhook", || async {
        hooks
            .got()
            .into_iter()
            .map(|h| h.json)
            .find(|h| h["type"] == "message.received")
    })
    .await;
    let image = &hook["data"]["message"]["content"]["image"];
    let url = image["media_url"].as_str().expect("our URL in the webhook");
    let media_id = image["media_id"].as_str().unwrap();
    assert_eq!(url, format!("{}/v1/media/{media_id}/content", server.base));
    assert!(
        image["id"].as_str().is_some_and(|i| !i.starts_with("med_")),
        "{image}"
    );
    assert_eq!(image["caption"], "look");
    let r = server
        .call(server.client.get(url).bearer_auth(&ctx.key))
        .await;
    assert_eq!(r.code, 200);
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(r.bytes, photo, "byte-identical");
    // Without the account's key the URL answers 401.
    let r = server.call(server.client.get(url)).await;
    assert_eq!(r.code, 401);
    let meta = server
        .get(&format!("/v1/media/{media_id}"), &ctx.key)
        .await
        .status(200);
    assert_eq!(meta["source"], "inbound");
    assert_eq!(meta["channel_id"], ctx.channel.as_str());
    assert_eq!(meta["upstream_id"], image["id"]);
}

async fn expired_media_is_swept(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let meta = upload_form(server, &ctx.key, file_form(png(500), "a.png", "image/png"))
        .await
        .status(201);
    let id = meta["id"].as_str().unwrap().to_string();
    let file = server
        .config
        .data_dir
        .join("media")
        .join("objects")
        .join(&id);
    assert!(file.exists());
    eventually(20, "the sweeper to delete the media", || async {
        let r = server.get(&format!("/v1/media/{id}"), &ctx.key).await;
        (r.code == 404).then_some(())
    })
    .await;
    assert!(!file.exists(), "the file is deleted with its record");
}

on_both_backends!(
    uploads => super::uploads_by_file_data_uri_url_and_cloud_form where super::private_allowed,
    limits => super::every_limit_is_enforced where super::private_allowed,
    private_urls => super::private_urls_are_refused,
    send_by_media_id => super::sends_by_media_id_upload_once_then_reuse where super::private_allowed,
    inbound_media => super::inbound_media_reaches_webhooks_as_our_url where super::private_allowed,
    expiry => super::expired_media_is_swept where |c: &mut Config| {
        c.media.expiry_days = 0.00002;
        c.media.sweep_interval_ms = 50;
    },
);
