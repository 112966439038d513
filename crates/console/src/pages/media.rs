//! `GET /console/media/{id}`: a media file of the account (what a customer sent, or what was
//! uploaded to send), for the thread's previews — with the session instead of a key, the
//! key's channel scope applied, streamed as `GET /v1/media/{id}/content` streams it. Only
//! images (not SVG), videos and audio are answered as what they are; anything else is a
//! download of opaque bytes, so a file a customer sent can never run as a page or a script
//! of the console's origin.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use switchboard_api::error::ApiError;
use switchboard_core::id::MediaMarker;
use switchboard_service::media::manage;

use crate::error::ConsoleResult;
use crate::session::Signed;
use crate::ConsoleState;

/// `GET /console/media/{id}`.
pub async fn content(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let id = switchboard_api::extract::path_id::<MediaMarker>(&id, "media")?;
    let media = manage::get(
        state.app.store().as_ref(),
        key.account_id,
        key.channel_id,
        id,
    )
    .await
    .map_err(ApiError::from)?;
    let mut response = switchboard_api::routes::media::content_response(&state.app, &media).await?;
    if !shown_inline(&media.mime_type) {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let disposition = headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.replacen("inline", "attachment", 1))
            .and_then(|v| HeaderValue::from_str(&v).ok())
            .unwrap_or_else(|| HeaderValue::from_static("attachment"));
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// Whether a file of `mime` is shown as itself: images but SVG, videos, audio.
fn shown_inline(mime: &str) -> bool {
    let mime = mime.trim().to_ascii_lowercase();
    (mime.starts_with("image/") && !mime.contains("svg"))
        || mime.starts_with("video/")
        || mime.starts_with("audio/")
}

#[cfg(test)]
mod tests {
    use super::shown_inline;

    #[test]
    fn only_plain_media_is_shown_inline() {
        for mime in [
            "image/jpeg",
            "image/webp",
            "video/mp4",
            "audio/ogg",
            "Image/PNG",
        ] {
            assert!(shown_inline(mime), "{mime}");
        }
        for mime in [
            "image/svg+xml",
            "text/html",
            "application/pdf",
            "text/javascript",
            "",
        ] {
            assert!(!shown_inline(mime), "{mime}");
        }
    }
}
