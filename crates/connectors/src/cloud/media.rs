//! Media: upload (`POST /{version}/{phone_number_id}/media`), metadata (`GET
//! /{version}/{media_id}`) and the authenticated download of the URL it names.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, Url};
use serde::Deserialize;

use super::classify::unexpected;
use super::client::{graph_url, Call};
use super::CloudClient;
use super::CloudTarget;
use crate::{ConnectorError, MediaInfo};

#[derive(Deserialize)]
struct UploadAnswer {
    #[serde(default)]
    id: Option<String>,
}

/// A size Meta may write as a number or as a string.
fn size_of(v: Option<serde_json::Value>) -> Option<u64> {
    match v? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[derive(Deserialize)]
struct InfoAnswer {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    file_size: Option<serde_json::Value>,
}

/// Uploads `body` (`len` bytes, streamed) as multipart `file` (with `filename` and
/// `mime_type`), `type` and `messaging_product=whatsapp`; returns the media id.
pub(crate) async fn upload(
    c: &CloudClient,
    target: &CloudTarget,
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
    let filename = if filename.trim().is_empty() {
        "file".to_string()
    } else {
        filename.to_string()
    };
    // A stream part of known length: no copy of the bytes, and a Content-Length.
    let file = Part::stream_with_length(body, len)
        .file_name(filename)
        .mime_str(mime_type)
        .map_err(|_| ConnectorError::permanent(format!("invalid MIME type {mime_type:?}")))?;
    let form = Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", mime_type.to_string())
        .part("file", file);
    let url = graph_url(target, &[&target.phone_number_id, "media"])?;
    let call = Call::new(
        "upload_media",
        Method::POST,
        url,
        target,
        c.config.media_timeout,
    );
    let req = c.request(&call).multipart(form);
    let answer: UploadAnswer = c.execute_json(&call, req).await?;
    answer
        .id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| unexpected(200, "no media id"))
}

/// Reads a media object's metadata, including its short-lived download URL.
pub(crate) async fn info(
    c: &CloudClient,
    target: &CloudTarget,
    media_id: &str,
) -> Result<MediaInfo, ConnectorError> {
    let url = graph_url(target, &[media_id])?;
    let call = Call::new(
        "media_info",
        Method::GET,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c.request(&call);
    let answer: InfoAnswer = c.execute_json(&call, req).await?;
    let url = answer
        .url
        .filter(|u| !u.is_empty())
        .ok_or_else(|| unexpected(200, "no media url"))?;
    Ok(MediaInfo {
        url,
        mime_type: answer
            .mime_type
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "application/octet-stream".to_string()),
        sha256: answer.sha256.filter(|s| !s.is_empty()),
        file_size: size_of(answer.file_size),
    })
}

/// GETs `url` with the Bearer token and returns the answer for the caller to stream. The
/// token is never sent in clear text to a plain-`http` URL when the channel itself talks
/// `https` to the Graph API.
pub(crate) async fn download(
    c: &CloudClient,
    target: &CloudTarget,
    url: &str,
) -> Result<reqwest::Response, ConnectorError> {
    let parsed = Url::parse(url.trim())
        .map_err(|_| ConnectorError::permanent("invalid media download URL"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if !is_https(&target.base_url) => {}
        _ => {
            return Err(ConnectorError::permanent(
                "refusing to send the access token to a non-https media URL",
            ))
        }
    }
    let call = Call::new(
        "download_media",
        Method::GET,
        parsed,
        target,
        c.config.media_timeout,
    );
    let req = c.request(&call);
    c.execute(&call, req).await
}

fn is_https(base_url: &str) -> bool {
    base_url
        .trim()
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("https:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let parse = |s: &str| {
            size_of(
                serde_json::from_str::<InfoAnswer>(s)
                    .expect("json")
                    .file_size,
            )
        };
        assert_eq!(parse(r#"{"file_size": 42}"#), Some(42));
        assert_eq!(parse(r#"{"file_size": "42"}"#), Some(42));
        assert_eq!(parse(r#"{"file_size": "x"}"#), None);
        assert_eq!(parse(r#"{"file_size": null}"#), None);
        assert_eq!(parse(r#"{"file_size": -1}"#), None);
        assert_eq!(parse(r#"{}"#), None);
    }

    #[test]
    fn https_base() {
        assert!(is_https("https://graph.facebook.com"));
        assert!(is_https(" HTTPS://x"));
        assert!(!is_https("http://127.0.0.1:1"));
        assert!(!is_https(""));
    }
}
