//! File sends: `message/image`, `message/video`, `message/audio` and `message/doc` (the
//! multipart field `file`, streamed into the media store, with `chatId`, `caption`,
//! `filename`) and `message/fileurl` (a link, fetched; `type`, `mimetype`, `caption`).
//! The file's bytes decide what it is: an image sent to `message/video` is refused; any
//! file goes as a document. A stored file whose send is refused is deleted again.

use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::Uri;
use axum::response::Response;
use base64::Engine;
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Map, Value};
use switchboard_core::channel::Channel;
use switchboard_core::media::MediaRecord;
use switchboard_core::onemsg_send::file_message;
use switchboard_core::wabot::{file_kind, media_message_key, text_of};
use switchboard_service::media::{manage, ByteStream, MediaError};
use switchboard_service::onemsg_send::{store_file, store_stream};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::send::{deliver_offering, recipient, Sent, SENT};
use super::{answer, body_fields, instance, key, query_fields, respond, WabotAnswer, WabotError};
use crate::access::CanSend;
use crate::auth::{KeyPrincipal, Principal};
use crate::error::ApiError;
use crate::routes::media::UPLOAD_BODY_LIMIT;
use crate::state::AppState;

/// The file routes (with the upload body limit).
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_image))
        .routes(routes!(send_video))
        .routes(routes!(send_audio))
        .routes(routes!(send_doc))
        .routes(routes!(send_file_url))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
}

/// The session's media message of a stored file.
pub(super) fn media_message(media: &MediaRecord, caption: Option<&str>) -> Value {
    let sha = hex_to_base64(&media.sha256);
    json!({ media_message_key(media.kind.as_str()): {
        "url": format!("/v1/media/{}/content", media.id),
        "mimetype": media.mime_type,
        "caption": caption,
        "fileSha256": sha,
        "fileLength": media.size.to_string(),
        "fileName": media.filename,
        "mediaId": media.id.to_string(),
    }})
}

fn hex_to_base64(hex: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect();
    bytes.map(|b| base64::engine::general_purpose::STANDARD.encode(b))
}

async fn discard(state: &AppState, media: &MediaRecord) {
    manage::discard(state.store().as_ref(), &state.gateway.media, media).await;
}

/// What travels with a file: its caption, its name, and the numbered options the caption
/// offers (`MediaButton`).
pub(super) struct FileText<'a> {
    /// The caption.
    pub caption: Option<&'a str>,
    /// The file name (else the stored one).
    pub filename: Option<&'a str>,
    /// The options the caption offers, recorded with the message.
    pub offered: Option<Value>,
}

/// Sends the stored `media` to `to` as `kind` (its own kind when `None`); deletes it when
/// the send is refused.
async fn send_stored(
    state: &AppState,
    channel: &Channel,
    to: &str,
    media: &MediaRecord,
    kind: Option<&str>,
    text: FileText<'_>,
) -> Result<Sent, ApiError> {
    let FileText {
        caption,
        filename,
        offered,
    } = text;
    let own = media.kind.as_str();
    let kind = kind.unwrap_or(own);
    let sent = async {
        if kind != "document" && kind != own {
            return Err(ApiError::invalid(format!(
                "file: is {} ({}), not {kind}; send it to message/{} or as a document (message/doc)",
                own,
                media.mime_type,
                if own == "document" { "doc" } else { own }
            )));
        }
        let filename = filename
            .filter(|f| !f.trim().is_empty())
            .or(media.filename.as_deref());
        let message = file_message(kind, &media.id.to_string(), filename, caption, to, None)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        deliver_offering(state, channel, &message, offered).await
    }
    .await;
    if sent.is_err() {
        discard(state, media).await;
    }
    sent
}

/// Fetches `link` into the media store and sends it as `kind`.
pub(super) async fn send_link(
    state: &AppState,
    channel: &Channel,
    to: &str,
    link: &str,
    kind: &str,
    text: FileText<'_>,
) -> Result<(Sent, MediaRecord), ApiError> {
    let media = store_file(
        state.store().as_ref(),
        &state.gateway.media,
        channel,
        link,
        text.filename.map(str::to_string),
    )
    .await?;
    let sent = send_stored(state, channel, to, &media, Some(kind), text).await?;
    Ok((sent, media))
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
            return Err(ApiError::invalid(format!("{name}: at most {max} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::invalid(format!("{name}: must be UTF-8 text")))
}

/// A file request: its fields (multipart text fields, or a JSON or form body) and the
/// multipart `file` once stored.
struct FileRequest {
    fields: Map<String, Value>,
    stored: Option<MediaRecord>,
}

/// Reads a multipart body (its `file` stored as it streams in, for the instance checked
/// first from the query) or a JSON or form body.
async fn read(
    state: &AppState,
    key: &KeyPrincipal,
    uri: &Uri,
    request: Request,
) -> Result<(Channel, FileRequest), ApiError> {
    let query = query_fields(uri);
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if !multipart {
        let headers = request.headers().clone();
        let limit = state.gateway.media.settings.json_body_limit;
        let body = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge(format!("JSON and form bodies are limited to {limit} bytes; send the file as multipart/form-data (field `file`)")))?;
        let fields = body_fields(&headers, &body)?;
        let (channel, _) = instance(state, key, &fields, &query).await?;
        return Ok((
            channel,
            FileRequest {
                fields,
                stored: None,
            },
        ));
    }
    // The instance is named in the query: checked before a byte of the file is stored.
    let (channel, _) = instance(state, key, &Map::new(), &query).await?;
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::invalid(format!("the multipart body is malformed: {e}")))?;
    let max = state.gateway.media.settings.json_body_limit;
    let mut fields = Map::new();
    let mut stored: Option<MediaRecord> = None;
    let outcome =
        async {
            while let Some(field) = multipart.next_field().await.map_err(|e| {
                MediaError::Source(format!("the multipart body could not be read: {e}"))
            })? {
                let name = field.name().unwrap_or("").to_string();
                if name != "file" {
                    let text = text_field(field, max).await?;
                    fields.insert(name, Value::String(text));
                    continue;
                }
                if stored.is_some() {
                    return Err(ApiError::invalid("send exactly one `file` field"));
                }
                let filename = field.file_name().map(str::to_string);
                let mime = field
                    .content_type()
                    .map(str::to_string)
                    .filter(|m| !m.starts_with("application/octet-stream"));
                let stream: ByteStream<'_> = field
                    .map_err(|e| std::io::Error::other(e.to_string()))
                    .boxed();
                stored = Some(
                    store_stream(
                        state.store().as_ref(),
                        &state.gateway.media,
                        &channel,
                        stream,
                        filename,
                        mime,
                    )
                    .await?,
                );
            }
            Ok(())
        }
        .await;
    if let Err(e) = outcome {
        if let Some(m) = &stored {
            discard(state, m).await;
        }
        return Err(e);
    }
    Ok((channel, FileRequest { fields, stored }))
}

/// An uploaded-file send to the endpoint of `kind` (`None` for `doc`: any file, as a
/// document).
async fn upload(
    state: &AppState,
    principal: Result<Principal, ApiError>,
    uri: &Uri,
    request: Request,
    kind: &str,
) -> Result<Response, ApiError> {
    let key = key::<CanSend>(principal)?;
    let (channel, mut file) = read(state, &key, uri, request).await?;
    let Some(media) = file.stored.take() else {
        return Err(ApiError::invalid(
            "file: is required; send the file as the multipart field `file`",
        ));
    };
    let to = match recipient(&file.fields, "chatId") {
        Ok(to) => to,
        Err(e) => {
            discard(state, &media).await;
            return Err(e);
        }
    };
    let caption = text_of(&file.fields, "caption");
    let filename = text_of(&file.fields, "filename");
    let sent = send_stored(
        state,
        &channel,
        &to,
        &media,
        Some(kind),
        FileText {
            caption: caption.as_deref(),
            filename: filename.as_deref(),
            offered: None,
        },
    )
    .await?;
    Ok(answer(
        SENT,
        sent.answer(media_message(&media, caption.as_deref())),
    ))
}

/// Sends an uploaded image (multipart `file`, JPEG or PNG) with `caption`.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/image", tag = "compat-wabot",
    request_body(content = Object, content_type = "multipart/form-data", description = "`file`, `chatId`, `caption`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message: `key{remoteJid, fromMe, id}`, `status: PENDING`, `message{imageMessage{url, mimetype, caption, fileSha256, fileLength}}`, `messageTimestamp`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 413, body = WabotError), (status = 415, body = WabotError)))]
async fn send_image(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    request: Request,
) -> Response {
    respond(upload(&state, principal, &uri, request, "image").await)
}

/// Sends an uploaded video (multipart `file`, MP4 or 3GPP) with `caption`.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/video", tag = "compat-wabot",
    request_body(content = Object, content_type = "multipart/form-data", description = "`file`, `chatId`, `caption`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message with `message{videoMessage}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 413, body = WabotError), (status = 415, body = WabotError)))]
async fn send_video(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    request: Request,
) -> Response {
    respond(upload(&state, principal, &uri, request, "video").await)
}

/// Sends an uploaded audio file (multipart `file`: AAC, MP3, MP4 audio, AMR or OGG Opus).
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/audio", tag = "compat-wabot",
    request_body(content = Object, content_type = "multipart/form-data", description = "`file`, `chatId`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message with `message{audioMessage}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 413, body = WabotError), (status = 415, body = WabotError)))]
async fn send_audio(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    request: Request,
) -> Response {
    respond(upload(&state, principal, &uri, request, "audio").await)
}

/// Sends an uploaded file as a document (multipart `file`, with `filename`).
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/doc", tag = "compat-wabot",
    request_body(content = Object, content_type = "multipart/form-data", description = "`file`, `chatId`, `filename`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message with `message{documentMessage}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 413, body = WabotError), (status = 415, body = WabotError)))]
async fn send_doc(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    request: Request,
) -> Response {
    respond(upload(&state, principal, &uri, request, "document").await)
}

/// Sends the file at `url` (fetched; private networks refused unless allowed) as `type`
/// (`image`, `video`, `audio`, `document`) with `caption`; `mimetype` is a hint only.
/// Multipart, form-encoded or JSON.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/fileurl", tag = "compat-wabot",
    request_body(content = Object, content_type = "multipart/form-data", description = "`chatId`, `url`, `type`, `mimetype`, `caption`, `filename`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message with `message{<type>Message}`"),
        (status = 400, body = WabotError, description = "A missing field, a link that cannot be fetched, a file that is not `type`"),
        (status = 401, body = WabotError), (status = 404, body = WabotError),
        (status = 413, body = WabotError), (status = 415, body = WabotError)))]
async fn send_file_url(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    request: Request,
) -> Response {
    respond(
        async {
            let key = key::<CanSend>(principal)?;
            let (channel, mut file) = read(&state, &key, &uri, request).await?;
            if let Some(m) = file.stored.take() {
                discard(&state, &m).await;
                return Err(ApiError::invalid(
                    "file: message/fileurl takes a link (`url`); send uploads to message/image, message/video, message/audio or message/doc",
                ));
            }
            let fields = &file.fields;
            let to = recipient(fields, "chatId")?;
            let url = text_of(fields, "url")
                .ok_or_else(|| ApiError::invalid("url: is required; give the file's https:// link"))?;
            let kind = file_kind(&text_of(fields, "type").unwrap_or_else(|| "document".into()))
                .map_err(ApiError::invalid)?;
            let caption = text_of(fields, "caption");
            let filename = text_of(fields, "filename");
            let (sent, media) = send_link(
                &state,
                &channel,
                &to,
                &url,
                kind,
                FileText {
                    caption: caption.as_deref(),
                    filename: filename.as_deref(),
                    offered: None,
                },
            )
            .await?;
            Ok(answer(SENT, sent.answer(media_message(&media, caption.as_deref()))))
        }
        .await,
    )
}
