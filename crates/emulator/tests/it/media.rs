//! Media upload, retrieval, authenticated download, deletion, limits.

use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};

use crate::common::*;

fn form(bytes: Vec<u8>, mime: &str) -> Form {
    Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", mime.to_string())
        .part(
            "file",
            Part::bytes(bytes)
                .file_name("file.bin")
                .mime_str(mime)
                .expect("mime"),
        )
}

async fn upload(h: &Harness, form: Form) -> (u16, serde_json::Value) {
    let resp = h
        .http
        .post(h.url(&format!("/v23.0/{PHONE_ID}/media")))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

#[tokio::test]
async fn upload_get_download_delete() {
    let h = Harness::start(fast_config()).await;
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let (status, body) = upload(&h, form(bytes.clone(), "image/png")).await;
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_str().expect("id").to_string();

    let (status, info) = h.get(&format!("/v23.0/{id}")).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["messaging_product"], "whatsapp");
    assert_eq!(info["mime_type"], "image/png");
    assert_eq!(info["id"], id.as_str());
    assert_eq!(info["file_size"], bytes.len());
    assert_eq!(info["sha256"], hex::encode(Sha256::digest(&bytes)));
    let url = info["url"].as_str().expect("url");
    assert!(url.starts_with(&h.base), "absolute URL: {url}");

    let denied = h.http.get(url).send().await.expect("request");
    assert_eq!(denied.status().as_u16(), 401);
    let resp = h
        .http
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), bytes);

    let (status, _) = h.get(&format!("/v23.0/{id}?phone_number_id=123")).await;
    assert_eq!(status, 400, "media of another number");

    let (status, body) = h.delete(&format!("/v23.0/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({"success": true}));
    let (status, body) = h.get(&format!("/v23.0/{id}")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);
    let gone = h
        .http
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request");
    assert_eq!(gone.status().as_u16(), 404);
}

#[tokio::test]
async fn upload_rules_and_store_limit() {
    let mut c = fast_config();
    c.media_store_limit_bytes = 1000;
    let h = Harness::start(c).await;
    let (status, body) = upload(&h, form(vec![1; 10], "image/gif")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);
    let (status, _) = upload(&h, form(vec![1; 600 * 1024], "image/webp")).await;
    assert_eq!(status, 400, "sticker over 500 KB");
    let no_product = Form::new().part(
        "file",
        Part::bytes(vec![1; 10])
            .file_name("a.png")
            .mime_str("image/png")
            .expect("mime"),
    );
    let (status, _) = upload(&h, no_product).await;
    assert_eq!(status, 400);
    let (status, _) = upload(&h, form(vec![1; 800], "application/pdf")).await;
    assert_eq!(status, 200);
    let (status, body) = upload(&h, form(vec![1; 800], "application/pdf")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 131053);
    let resp = h
        .http
        .post(h.url(&format!("/v23.0/{PHONE_ID}/media")))
        .bearer_auth(TOKEN)
        .body("not multipart")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 400);
}
