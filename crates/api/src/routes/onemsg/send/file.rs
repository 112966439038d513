//! `sendFile` and `uploadMedia`: the file as a multipart `file` field (streamed into the media
//! store), or `body` as an http(s) link or a data URI in a JSON or form-encoded body; stored
//! in the native media store, then (for `sendFile`) sent by our media id as the kind its bytes
//! are.

use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Map, Value};
use switchboard_core::channel::Channel;
use switchboard_core::media::MediaRecord;
use switchboard_core::onemsg_send::{file_message, SendMethod};
use switchboard_service::media::{manage, ByteStream, MediaError};
use switchboard_service::onemsg_send::{store_file, store_stream};
use switchboard_service::send::request_hash;

use super::super::{from_api_error, is_multipart};
use super::reply::{deliver, fields_of, idempotency, invalid, quoted, recipient_of, Accepted};
use super::schema::OneMsgUploadAnswer;
use crate::error::ApiError;
use crate::state::AppState;

/// What a file request carried: its text fields, the file already stored (a multipart
/// `file`), and the hash identifying the request for `Idempotency-Key`.
struct FileRequest {
    fields: Map<String, Value>,
    stored: Option<MediaRecord>,
    hash: String,
}

async fn discard(state: &AppState, stored: Option<&MediaRecord>) {
    if let Some(m) = stored {
        manage::discard(state.store().as_ref(), &state.gateway.media, m).await;
    }
}

/// A multipart text field, at most `max` bytes.
async fn text_field(mut field: Field<'_>, max: usize) -> Result<String, ApiError> {
    let name = field.name().unwrap_or("").to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| MediaError::Source(format!("reading field `{name}` failed: {e}")))?
    {
        if bytes.len() + chunk.len() > max {
            return Err(invalid(format!("{name}: at most {max} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| invalid(format!("{name}: must be UTF-8 text")))
}

/// Reads a multipart body: text fields, and the `file` part streamed into the media store.
async fn read_multipart(
    state: &AppState,
    channel: &Channel,
    mut multipart: Multipart,
    stored: &mut Option<MediaRecord>,
) -> Result<Map<String, Value>, ApiError> {
    let max = state.gateway.media.settings.json_body_limit;
    let mut fields = Map::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| MediaError::Source(format!("the multipart body could not be read: {e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name != "file" {
            let text = text_field(field, max).await?;
            fields.insert(name, Value::String(text));
            continue;
        }
        if stored.is_some() {
            return Err(invalid("send exactly one `file` field"));
        }
        let filename = field.file_name().map(str::to_string);
        let mime = field
            .content_type()
            .map(str::to_string)
            .filter(|m| !m.starts_with("application/octet-stream"));
        let stream: ByteStream<'_> = field
            .map_err(|e| std::io::Error::other(e.to_string()))
            .boxed();
        *stored = Some(
            store_stream(
                state.store().as_ref(),
                &state.gateway.media,
                channel,
                stream,
                filename,
                mime,
            )
            .await?,
        );
    }
    Ok(fields)
}

/// Reads the request: multipart (the file stored as it streams in) or a JSON or form body.
async fn read(
    state: &AppState,
    channel: &Channel,
    request: Request,
) -> Result<FileRequest, ApiError> {
    if is_multipart(&request) {
        let multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| invalid(format!("the multipart body is malformed: {e}")))?;
        let mut stored = None;
        match read_multipart(state, channel, multipart, &mut stored).await {
            Ok(fields) => {
                let file = stored.as_ref().map(|m| m.sha256.clone());
                let hash = request_hash(
                    json!({"fields": fields, "file": file})
                        .to_string()
                        .as_bytes(),
                );
                Ok(FileRequest {
                    fields,
                    stored,
                    hash,
                })
            }
            Err(e) => {
                discard(state, stored.as_ref()).await;
                Err(e)
            }
        }
    } else {
        let headers = request.headers().clone();
        let limit = state.gateway.media.settings.json_body_limit;
        let body = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| {
                ApiError::PayloadTooLarge(format!("JSON and form bodies are limited to {limit} bytes; send a larger file as multipart/form-data (field `file`) or as a link"))
            })?;
        Ok(FileRequest {
            fields: fields_of(&headers, &body)?,
            stored: None,
            hash: request_hash(&body),
        })
    }
}

/// The stored file: the multipart `file`, or the one `body` links or carries.
async fn stored_file(
    state: &AppState,
    channel: &Channel,
    request: &mut FileRequest,
) -> Result<MediaRecord, ApiError> {
    if let Some(m) = request.stored.take() {
        return Ok(m);
    }
    let filename = request
        .fields
        .get("filename")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    let body = match request.fields.get("body") {
        Some(Value::String(b)) if !b.trim().is_empty() => b.clone(),
        _ => {
            return Err(invalid(
                "body: is required: an https:// link, a data URI (data:image/jpeg;base64,/9j/4AAQ…), or the file as the multipart field `file`",
            ))
        }
    };
    Ok(store_file(
        state.store().as_ref(),
        &state.gateway.media,
        channel,
        &body,
        filename,
    )
    .await?)
}

async fn try_send_file(
    state: &AppState,
    channel: &Channel,
    headers: &HeaderMap,
    request: &mut FileRequest,
    stored: &mut Option<MediaRecord>,
) -> Result<Accepted, ApiError> {
    let fields = &request.fields;
    let to = recipient_of(fields)?;
    let quoted = quoted(state, channel, fields).await?;
    let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_string);
    let (filename, caption) = (text("filename"), text("caption"));
    let hash = request.hash.clone();
    let idempotency = idempotency(headers, || hash)?;
    let media = stored.insert(stored_file(state, channel, request).await?);
    let filename = filename
        .filter(|f| !f.trim().is_empty())
        .or_else(|| media.filename.clone());
    let message = file_message(
        media.kind.as_str(),
        &media.id.to_string(),
        filename.as_deref(),
        caption.as_deref(),
        &to,
        quoted.as_deref(),
    )?;
    deliver(state, channel, SendMethod::File, &message, idempotency).await
}

/// `sendFile`: stores the file, then sends it; the stored file is discarded when the send is
/// refused or replays an earlier one.
pub(super) async fn send_file(state: &AppState, channel: &Channel, request: Request) -> Response {
    let headers = request.headers().clone();
    let mut file_request = match read(state, channel, request).await {
        Ok(r) => r,
        Err(e) => return from_api_error(e, true),
    };
    let mut stored = None;
    let outcome = try_send_file(state, channel, &headers, &mut file_request, &mut stored).await;
    let keep = matches!(&outcome, Ok(a) if !a.replayed);
    if !keep {
        discard(state, stored.as_ref().or(file_request.stored.as_ref())).await;
    }
    match outcome {
        Ok(accepted) => accepted.into_response(),
        Err(e) => from_api_error(e, true),
    }
}

/// `uploadMedia`: stores the file; answers `{mediaId}`.
pub(super) async fn upload_media(
    state: &AppState,
    channel: &Channel,
    request: Request,
) -> Response {
    let stored = async {
        let mut file_request = read(state, channel, request).await?;
        stored_file(state, channel, &mut file_request).await
    }
    .await;
    match stored {
        Ok(m) => Json(OneMsgUploadAnswer {
            mediaId: m.id.to_string(),
        })
        .into_response(),
        Err(e) => from_api_error(e, false),
    }
}
