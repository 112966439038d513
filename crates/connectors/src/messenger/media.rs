//! Media: uploads through the Attachment Upload API, and inbound attachments, which are plain
//! CDN URLs (there is no media download API).

use reqwest::multipart::{Form, Part};
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::json;

use super::classify::unexpected;
use super::http::{call, edge_url};
use super::{PageTarget, Platform};
use crate::cloud::CloudClient;
use crate::{ConnectorError, MediaInfo};

#[derive(Deserialize)]
struct UploadAnswer {
    #[serde(default)]
    attachment_id: Option<serde_json::Value>,
}

/// The attachment type of a MIME type: `image`, `video`, `audio`, else `file`.
pub fn attachment_type(mime_type: &str) -> &'static str {
    let top = mime_type.split('/').next().unwrap_or("").trim();
    match top.to_ascii_lowercase().as_str() {
        "image" => "image",
        "video" => "video",
        "audio" => "audio",
        _ => "file",
    }
}

/// `POST /{v}/{id}/message_attachments`, multipart: `message` =
/// `{"attachment":{"type","payload":{"is_reusable":true}}}`, the file in `filedata`
/// (Instagram adds `platform=instagram`) → the `attachment_id`.
pub(crate) async fn upload(
    c: &CloudClient,
    target: &PageTarget,
    body: reqwest::Body,
    len: u64,
    mime_type: &str,
    filename: &str,
) -> Result<String, ConnectorError> {
    let mime_type = mime_type.trim();
    if mime_type.is_empty() {
        return Err(ConnectorError::permanent(
            "missing MIME type for the upload",
        ));
    }
    let filename = match filename.trim() {
        "" => "file".to_string(),
        f => f.to_string(),
    };
    let file = Part::stream_with_length(body, len)
        .file_name(filename)
        .mime_str(mime_type)
        .map_err(|_| ConnectorError::permanent(format!("invalid MIME type {mime_type:?}")))?;
    let message = json!({"attachment": {"type": attachment_type(mime_type),
        "payload": {"is_reusable": true}}});
    let mut form = Form::new().text("message", message.to_string());
    if target.platform == Platform::Instagram {
        form = form.text("platform", "instagram");
    }
    let form = form.part("filedata", file);
    let call = call(
        "upload_media",
        Method::POST,
        edge_url(target, "message_attachments")?,
        Some(&target.access_token),
        c.config().media_timeout,
    );
    let answer: UploadAnswer = c
        .execute_json(&call, c.request(&call).multipart(form))
        .await?;
    match answer.attachment_id {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        _ => Err(unexpected(200, "no attachment_id")),
    }
}

fn cdn_url(url: &str) -> Result<Url, ConnectorError> {
    let parsed = Url::parse(url.trim()).map_err(|_| {
        ConnectorError::permanent(
            "Messenger and Instagram media ids are the attachment's CDN URL; this is not a URL",
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ConnectorError::permanent(
            "an attachment URL must be http(s)",
        ));
    }
    Ok(parsed)
}

/// The MIME type an attachment URL's extension suggests.
fn mime_of(url: &Url) -> &'static str {
    let ext = url
        .path()
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "m4a" | "aac" => "audio/aac",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/wav",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// The media "id" of an inbound attachment is its CDN URL: no upstream call; the MIME type is
/// the one its extension suggests (the download's `Content-Type` says better).
pub(crate) fn info(media_id: &str) -> Result<MediaInfo, ConnectorError> {
    let url = cdn_url(media_id)?;
    Ok(MediaInfo {
        mime_type: mime_of(&url).to_string(),
        url: url.to_string(),
        sha256: None,
        file_size: None,
    })
}

/// `GET {url}` of the CDN, without the token (it is signed already and not Meta's Graph).
pub(crate) async fn download(
    c: &CloudClient,
    url: &str,
) -> Result<reqwest::Response, ConnectorError> {
    let call = call(
        "download_media",
        Method::GET,
        cdn_url(url)?,
        None,
        c.config().media_timeout,
    );
    c.execute(&call, c.request(&call)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_infos() {
        assert_eq!(attachment_type("image/png"), "image");
        assert_eq!(attachment_type("Video/mp4"), "video");
        assert_eq!(attachment_type("audio/ogg"), "audio");
        assert_eq!(attachment_type("application/pdf"), "file");
        let i = info("https://scontent.xx.fbcdn.net/v/t1/a.JPG?stp=1&oh=x").expect("info");
        assert_eq!(i.mime_type, "image/jpeg");
        assert!(i.url.starts_with("https://scontent"));
        assert_eq!(
            info("https://cdn/x").expect("info").mime_type,
            "application/octet-stream"
        );
        assert!(info("123456").is_err());
        assert!(info("ftp://x/a.png").is_err());
    }
}
