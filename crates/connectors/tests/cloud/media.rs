//! Media upload → info → download, byte for byte; media errors.

use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::json;
use sha2::{Digest, Sha256};
use switchboard_connectors::ErrorClass;

use crate::common::*;

#[tokio::test]
async fn upload_info_download_round_trip() {
    let e = Emu::start().await;
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let id = e
        .conn
        .upload_media(&e.target, Bytes::from(data.clone()), "image/png", "cat.png")
        .await
        .expect("upload");
    assert!(!id.is_empty());

    let upload = e
        .emu
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("upload request");
    assert_eq!(upload.path, format!("/v23.0/{PHONE_ID}/media"));
    assert!(upload.body["content_type"]
        .as_str()
        .is_some_and(|c| c.starts_with("multipart/form-data")));

    let info = e.conn.media_info(&e.target, &id).await.expect("info");
    assert_eq!(info.mime_type, "image/png");
    assert_eq!(info.file_size, Some(data.len() as u64));
    assert_eq!(info.sha256, Some(hex::encode(Sha256::digest(&data))));
    assert!(info.url.starts_with(&e.base), "{}", info.url);

    let resp = e
        .conn
        .download_media(&e.target, &info.url)
        .await
        .expect("download");
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    let got = resp.bytes().await.expect("body");
    assert_eq!(got.len(), data.len());
    assert!(got == data, "byte-identical");
}

#[tokio::test]
async fn media_errors() {
    let e = Emu::start().await;
    // Unsupported MIME type: Meta's 100 from the upload.
    let err = e
        .conn
        .upload_media(
            &e.target,
            Bytes::from_static(b"x"),
            "application/x-nope",
            "x.bin",
        )
        .await
        .expect_err("bad type");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(100)));
    // A MIME type that is not one at all never leaves the process.
    let err = e
        .conn
        .upload_media(&e.target, Bytes::from_static(b"x"), "not a mime", "x.bin")
        .await
        .expect_err("invalid mime");
    assert_eq!(err.class, ErrorClass::Permanent);

    let err = e
        .conn
        .media_info(&e.target, "424242")
        .await
        .expect_err("unknown media");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(100)));

    let id = e
        .conn
        .upload_media(
            &e.target,
            Bytes::from_static(b"RIFF....WEBP"),
            "image/webp",
            "s.webp",
        )
        .await
        .expect("upload");
    let info = e.conn.media_info(&e.target, &id).await.expect("info");
    let mut stranger = e.target.clone();
    stranger.access_token = "wrong".into();
    let err = e
        .conn
        .download_media(&stranger, &info.url)
        .await
        .expect_err("bad token");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(190)));
    let err = e
        .conn
        .download_media(&e.target, &format!("{}/lookaside/999", e.base))
        .await
        .expect_err("unknown media url");
    assert_eq!(err.http_status, Some(404));
    assert_eq!(err.class, ErrorClass::Permanent);

    // The token never goes to a plain-http URL from an https channel, nor to a non-URL.
    let mut https = e.target.clone();
    https.base_url = "https://graph.facebook.com".into();
    let err = e
        .conn
        .download_media(&https, &info.url)
        .await
        .expect_err("http refused");
    assert_eq!(err.class, ErrorClass::Permanent);
    assert!(e
        .conn
        .download_media(&e.target, "file:///etc/passwd")
        .await
        .is_err());
}

#[tokio::test]
async fn file_size_as_a_string() {
    let base = serve(Router::new().route(
        "/v23.0/{id}",
        get(|| async {
            Json(
                json!({"messaging_product":"whatsapp","url":"https://lookaside.example/x",
                        "mime_type":"audio/ogg","sha256":"ab","file_size":"12345","id":"1"}),
            )
        }),
    ))
    .await;
    let info = connector()
        .media_info(&target(&base), "1")
        .await
        .expect("info");
    assert_eq!(info.file_size, Some(12345));
    assert_eq!(info.mime_type, "audio/ogg");
    assert_eq!(info.url, "https://lookaside.example/x");
}
