//! Media: `POST /v1/media` (multipart `file`, a JSON data URI, or a JSON URL the server
//! fetches), its Cloud API form `POST /{version}/{channel_id}/media` (answers `{"id"}` with
//! Meta-shaped errors), `GET /v1/media/{id}` (metadata), `GET /v1/media/{id}/content` (the
//! bytes, streamed) and `DELETE /v1/media/{id}`.
//!
//! Upload bodies stream to the media storage; only JSON bodies (data URIs) are read whole,
//! bounded by `media.json_body_limit_bytes`. The upload routes carry their own body limit,
//! large enough for a 100 MB document; every other route keeps the global one.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use switchboard_core::channel::is_api_version;
use switchboard_core::id::{ChannelId, ChannelMarker, MediaMarker};
use switchboard_core::media::{MediaRecord, MediaSource};
use switchboard_core::template_def::media_rules::{
    normalize_mime, MediaKind, DOCUMENT_MAX, MEDIA_UPLOAD_ERROR, MEDIA_UPLOAD_ERROR_TITLE,
};
use switchboard_core::time::to_rfc3339;
use switchboard_service::media::fetch::fetch;
use switchboard_service::media::ingest::{decode_data_uri, ingest, IngestRequest};
use switchboard_service::media::manage;
use switchboard_service::media::{ByteStream, MediaError, StorageError};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{key_channel, Auth, CanRead, CanSend};
use crate::auth::{KeyPrincipal, Principal};
use crate::error::{opaque_internal, ApiError, ApiResult, ErrorBody};
use crate::extract::path_id;
use crate::meta_error::MetaApiError;
use crate::state::AppState;

/// Body limit of the upload routes: the largest document plus room for multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = (DOCUMENT_MAX + 1024 * 1024) as usize;

/// The media routes.
pub fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(upload_cloud))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(get_media, delete_media))
        .routes(routes!(get_content))
}

/// A stored media file.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    /// `med_…`: send it as `image|video|audio|document|sticker: {"id": …}`.
    pub id: String,
    /// `image`, `video`, `audio`, `document` or `sticker`.
    pub kind: String,
    /// MIME type, detected from the bytes.
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// Original file name, if known.
    pub filename: Option<String>,
    /// The channel it was uploaded for or received on.
    pub channel_id: Option<String>,
    /// `upload` or `inbound`.
    pub source: String,
    /// Inbound media: the upstream media id it was downloaded from.
    pub upstream_id: Option<String>,
    /// Where to download it (with this account's key).
    pub url: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// When it is deleted (RFC 3339).
    pub expires_at: String,
}

fn view(state: &AppState, m: &MediaRecord) -> MediaView {
    MediaView {
        id: m.id.to_string(),
        kind: m.kind.as_str().to_string(),
        mime_type: m.mime_type.clone(),
        size: m.size,
        sha256: m.sha256.clone(),
        filename: m.filename.clone(),
        channel_id: m.channel_id.map(|c| c.to_string()),
        source: m.source.as_str().to_string(),
        upstream_id: m.upstream_id.clone(),
        url: state.gateway.media.content_url(m.id),
        created_at: to_rfc3339(m.created_at),
        expires_at: to_rfc3339(m.expires_at),
    }
}

/// A JSON upload: exactly one of `data` and `url`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://example.com/cat.jpg", "kind": "image"}))]
pub struct JsonUpload {
    /// A base64 data URI: `data:image/png;base64,iVBOR…`.
    pub data: Option<String>,
    /// An http(s) URL the server fetches (no private-network targets).
    pub url: Option<String>,
    /// The declared media kind (`image`, …) or MIME type; it may not contradict the bytes.
    #[serde(rename = "type")]
    pub kind_or_mime: Option<String>,
    /// The declared media kind.
    pub kind: Option<String>,
    /// A file name to keep with it.
    pub filename: Option<String>,
    /// The channel it is for (`ch_…`); a channel-scoped key's channel by default.
    pub channel_id: Option<String>,
}

/// A multipart upload (send `type`, `kind` and `channel_id` before `file` when you can).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MultipartUpload {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// The declared media kind (`image`, …) or MIME type.
    #[schema(rename = "type")]
    pub kind_or_mime: Option<String>,
    /// The declared media kind.
    pub kind: Option<String>,
    /// The channel it is for (`ch_…`).
    pub channel_id: Option<String>,
    /// `whatsapp` (Cloud API clients send it; ignored).
    pub messaging_product: Option<String>,
}

/// The Cloud API's upload answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CloudUploadAnswer {
    /// Our media id (`med_…`).
    pub id: String,
}

/// What the client declared about the file.
#[derive(Debug, Default, Clone)]
struct Declared {
    kind: Option<MediaKind>,
    mime: Option<String>,
    filename: Option<String>,
    channel: Option<String>,
}

impl Declared {
    /// `type` may name a kind (`image`) or a MIME type (`image/png`).
    fn set_type(&mut self, text: &str) -> Result<(), MediaError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        if let Some(kind) = MediaKind::from_name(text) {
            return self.set_kind(kind.as_str());
        }
        if !text.contains('/') {
            return Err(MediaError::Invalid(format!(
                "type: `{text}` is neither a media kind (image, video, audio, document, sticker) nor a MIME type"
            )));
        }
        self.mime = Some(text.to_string());
        Ok(())
    }

    fn set_kind(&mut self, text: &str) -> Result<(), MediaError> {
        let kind = MediaKind::from_name(text.trim()).ok_or_else(|| {
            MediaError::Invalid(format!(
                "kind: `{text}` is not one of image, video, audio, document, sticker"
            ))
        })?;
        if self.kind.is_some_and(|k| k != kind) {
            return Err(MediaError::Invalid(
                "kind and type name different media kinds".into(),
            ));
        }
        self.kind = Some(kind);
        Ok(())
    }

    /// Checks a stored file against declarations that arrived after its bytes.
    fn contradicts(&self, m: &MediaRecord) -> Option<MediaError> {
        if let Some(kind) = self.kind.filter(|k| *k != m.kind) {
            return Some(MediaError::Mismatch(format!(
                "the declared kind {kind} contradicts the file's bytes, which are {} ({})",
                m.kind, m.mime_type
            )));
        }
        let mime = self.mime.as_deref().map(normalize_mime)?;
        if mime != m.mime_type && mime != "application/octet-stream" {
            return Some(MediaError::Mismatch(format!(
                "the declared type {mime} contradicts the file's bytes, which are {}; declare {} or leave the type out",
                m.mime_type, m.mime_type
            )));
        }
        None
    }
}

async fn resolve_channel(
    state: &AppState,
    key: &KeyPrincipal,
    given: Option<&str>,
) -> Result<Option<ChannelId>, ApiError> {
    let id = match (
        given.map(str::trim).filter(|c| !c.is_empty()),
        key.channel_id,
    ) {
        (None, scope) => return Ok(scope),
        (Some(text), _) => path_id::<ChannelMarker>(text, "channel")?,
    };
    key_channel(state, key, id).await?;
    Ok(Some(id))
}

fn request_for(key: &KeyPrincipal, channel: Option<ChannelId>, d: &Declared) -> IngestRequest {
    IngestRequest {
        account_id: key.account_id,
        channel_id: channel,
        kind: d.kind,
        declared_mime: d.mime.clone(),
        filename: d.filename.clone(),
        source: MediaSource::Upload,
        upstream_id: None,
    }
}

/// Reads a small text field (at most 1 KB, never more into memory).
async fn text_field(mut field: axum::extract::multipart::Field<'_>) -> Result<String, MediaError> {
    const MAX: usize = 1024;
    let name = field.name().unwrap_or("").to_string();
    let mut bytes = Vec::new();
    loop {
        let chunk = field
            .chunk()
            .await
            .map_err(|e| MediaError::Source(format!("reading field `{name}` failed: {e}")))?;
        let Some(chunk) = chunk else { break };
        if bytes.len() + chunk.len() > MAX {
            return Err(MediaError::Invalid(format!("{name}: at most {MAX} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| MediaError::Invalid(format!("{name}: must be UTF-8 text")))
}

/// Streams a multipart upload; `forced_channel` is the Cloud route's channel.
async fn upload_multipart(
    state: &AppState,
    key: &KeyPrincipal,
    mut multipart: Multipart,
    forced_channel: Option<ChannelId>,
) -> ApiResult<MediaRecord> {
    let mut declared = Declared::default();
    let mut stored: Option<MediaRecord> = None;
    let mut channel = forced_channel;
    let outcome: ApiResult<()> = async {
        loop {
            let field = multipart.next_field().await.map_err(|e| {
                MediaError::Source(format!("the multipart body could not be read: {e}"))
            })?;
            let Some(field) = field else { break };
            match field.name().unwrap_or("") {
                "file" => {
                    if stored.is_some() {
                        return Err(MediaError::Invalid("send exactly one `file` part".into()).into());
                    }
                    if declared.filename.is_none() {
                        declared.filename = field.file_name().map(str::to_string);
                    }
                    if declared.mime.is_none() {
                        declared.mime = field
                            .content_type()
                            .map(str::to_string)
                            .filter(|m| normalize_mime(m) != "application/octet-stream");
                    }
                    if channel.is_none() {
                        channel = resolve_channel(state, key, declared.channel.as_deref()).await?;
                    }
                    let stream: ByteStream<'_> = field
                        .map_err(|e| std::io::Error::other(e.to_string()))
                        .boxed();
                    let request = request_for(key, channel, &declared);
                    stored = Some(
                        ingest(state.store().as_ref(), &state.gateway.media, request, stream).await?,
                    );
                }
                "type" => declared.set_type(&text_field(field).await?)?,
                "kind" => declared.set_kind(&text_field(field).await?)?,
                "filename" => declared.filename = Some(text_field(field).await?),
                "channel_id" => declared.channel = Some(text_field(field).await?),
                "messaging_product" => {
                    let product = text_field(field).await?;
                    if !product.trim().is_empty() && product.trim() != "whatsapp" {
                        return Err(MediaError::Invalid(
                            "messaging_product: must be whatsapp".into(),
                        )
                        .into());
                    }
                }
                other => {
                    return Err(MediaError::Invalid(format!(
                        "unknown multipart field `{other}`: send file, type, kind, filename, channel_id or messaging_product"
                    ))
                    .into())
                }
            }
        }
        Ok(())
    }
    .await;
    let contradiction = stored.as_ref().and_then(|m| declared.contradicts(m));
    match (outcome, stored, contradiction) {
        (Ok(()), Some(m), None) => Ok(m),
        (outcome, stored, contradiction) => {
            if let Some(m) = &stored {
                discard(state, m).await;
            }
            outcome?;
            Err(contradiction.map(ApiError::from).unwrap_or_else(|| {
                MediaError::Invalid("the multipart body has no `file` part".into()).into()
            }))
        }
    }
}

async fn discard(state: &AppState, m: &MediaRecord) {
    manage::discard(state.store().as_ref(), &state.gateway.media, m).await;
}

async fn upload_json(
    state: &AppState,
    key: &KeyPrincipal,
    request: Request,
) -> ApiResult<MediaRecord> {
    let limit = state.gateway.media.settings.json_body_limit;
    let bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::PayloadTooLarge(format!("JSON uploads are limited to {limit} bytes; upload larger files as multipart/form-data or by url"))
        })?;
    let body: JsonUpload = serde_json::from_slice(&bytes)
        .map_err(|e| MediaError::Invalid(format!("the body is not a valid upload: {e}")))?;
    let mut declared = Declared {
        filename: body.filename.clone(),
        ..Declared::default()
    };
    if let Some(t) = &body.kind_or_mime {
        declared.set_type(t)?;
    }
    if let Some(k) = &body.kind {
        declared.set_kind(k)?;
    }
    let channel = resolve_channel(state, key, body.channel_id.as_deref()).await?;
    match (body.data, body.url) {
        (Some(data), None) => {
            let (mime, bytes) = decode_data_uri(&data)?;
            if declared.mime.is_none() {
                declared.mime = mime;
            }
            let stream: ByteStream<'static> =
                futures::stream::once(async move { Ok(bytes) }).boxed();
            let request = request_for(key, channel, &declared);
            Ok(ingest(
                state.store().as_ref(),
                &state.gateway.media,
                request,
                stream,
            )
            .await?)
        }
        (None, Some(url)) => {
            let media = &state.gateway.media;
            let cap = declared.kind.map_or(DOCUMENT_MAX, MediaKind::max_bytes);
            let fetched = fetch(
                &media.fetch_client,
                &url,
                media.settings.allow_private_targets,
                cap,
            )
            .await?;
            if declared.filename.is_none() {
                declared.filename = fetched.filename;
            }
            // The server's Content-Type is a hint only: the bytes decide, and a generic or
            // wrong server type does not refuse the file.
            let request = IngestRequest {
                declared_mime: declared.mime.clone(),
                ..request_for(key, channel, &declared)
            };
            let _ = fetched.content_type;
            Ok(ingest(state.store().as_ref(), media, request, fetched.stream).await?)
        }
        _ => Err(MediaError::Invalid(
            "send exactly one of `data` (a base64 data URI) and `url`".into(),
        )
        .into()),
    }
}

/// Uploads a file: `multipart/form-data` with a `file` part (streamed; up to 100 MB), or JSON
/// with `data` (a base64 data URI, up to `media.json_body_limit_bytes`) or `url` (fetched by
/// the server, streamed; private-network targets refused unless `allow_private_targets`).
///
/// The type is detected from the bytes; a declared `type`/`kind` (or the part's
/// Content-Type) may not contradict it. WhatsApp's limits apply per kind: image JPEG/PNG
/// ≤ 5 MB, video MP4/3GPP ≤ 16 MB, audio AAC/AMR/MP3/M4A/OGG-Opus ≤ 16 MB, document
/// TXT/PDF/Office ≤ 100 MB, sticker WebP ≤ 100 KB static / 500 KB animated.
#[utoipa::path(post, path = "/v1/media", tag = "media",
    request_body(content(
        (MultipartUpload = "multipart/form-data"),
        (JsonUpload = "application/json"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 201, body = MediaView, description = "Stored durably"),
        (status = 400, body = ErrorBody, description = "media_empty, media_type_mismatch, url_not_allowed, url_fetch_failed, unreadable_body, invalid_parameter"),
        (status = 403, body = ErrorBody, description = "The key has read permission only"),
        (status = 404, body = ErrorBody, description = "No such channel (`channel_id`) in the account"),
        (status = 413, body = ErrorBody, description = "media_too_large (per-kind limit) or payload_too_large"),
        (status = 415, body = ErrorBody, description = "media_type_not_allowed, media_type_unrecognized, or a body that is neither multipart nor JSON"),
    ))]
async fn upload(
    State(state): State<AppState>,
    key: Auth<CanSend>,
    request: Request,
) -> ApiResult<Response> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let media = if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| MediaError::Invalid(format!("the multipart body is malformed: {e}")))?;
        upload_multipart(&state, &key, multipart, None).await?
    } else if content_type.starts_with("application/json") {
        upload_json(&state, &key, request).await?
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send multipart/form-data with a `file` part, or JSON with `data` or `url`".into(),
        ));
    };
    Ok((StatusCode::CREATED, Json(view(&state, &media))).into_response())
}

/// The Cloud API upload: multipart `file`, `type` (MIME) and `messaging_product=whatsapp`;
/// answers `{"id": "med_…"}` and errors in Meta's shape (131053 for a refused file).
#[utoipa::path(post, path = "/{version}/{channel_id}/media", tag = "media",
    request_body(content = MultipartUpload, content_type = "multipart/form-data"),
    params(("version" = String, Path, description = "Graph API version, e.g. `v23.0`"),
           ("channel_id" = String, Path, description = "Channel id (`ch_…`), in place of Meta's phone number id")),
    security(("bearer" = [])),
    responses((status = 200, body = CloudUploadAnswer), (status = 400, description = "Meta's error shape"), (status = 404, description = "Not a Graph API version, or no such channel (Meta's error shape, code 100)")))]
async fn upload_cloud(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    Path((version, channel_id)): Path<(String, String)>,
    request: Request,
) -> Result<Response, MetaApiError> {
    if !is_api_version(&version) {
        return Err(MetaApiError {
            subcode: None,
            status: StatusCode::NOT_FOUND,
            code: 100,
            title: "Unknown path components".into(),
            details: format!("`{version}` is not a Graph API version such as v23.0"),
        });
    }
    let key = Auth::<CanSend>::check(&principal?)?;
    let channel = resolve_channel(&state, &key, Some(&channel_id))
        .await?
        .ok_or_else(|| ApiError::NotFound("channel not found".into()))?;
    let multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| {
            MetaApiError::bad_request(
                100,
                "Invalid parameter",
                format!("send multipart/form-data with file, type and messaging_product: {e}"),
            )
        })?;
    match upload_multipart(&state, &key, multipart, Some(channel)).await {
        Ok(media) => Ok(Json(CloudUploadAnswer {
            id: media.id.to_string(),
        })
        .into_response()),
        Err(e) => {
            let (status, code) = e.status_and_code();
            let details = match e {
                ApiError::Internal(detail) => opaque_internal(&detail, "request_id"),
                other => other.to_string(),
            };
            let refused_file = matches!(
                code,
                "media_too_large"
                    | "media_type_not_allowed"
                    | "media_type_unrecognized"
                    | "media_empty"
                    | "media_type_mismatch"
            );
            Err(MetaApiError {
                status,
                subcode: None,
                code: match code {
                    _ if refused_file => MEDIA_UPLOAD_ERROR,
                    "unauthorized" => 190,
                    "forbidden" => 10,
                    "internal_error" => 1,
                    _ => 100,
                },
                title: if refused_file {
                    MEDIA_UPLOAD_ERROR_TITLE.into()
                } else {
                    "Invalid parameter".into()
                },
                details,
            })
        }
    }
}

async fn find(state: &AppState, key: &KeyPrincipal, id: &str) -> ApiResult<MediaRecord> {
    let id = path_id::<MediaMarker>(id, "media")?;
    Ok(manage::get(state.store().as_ref(), key.account_id, key.channel_id, id).await?)
}

/// Reads a media file's metadata.
#[utoipa::path(get, path = "/v1/media/{id}", tag = "media",
    params(("id" = String, Path, description = "Media id (`med_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = MediaView), (status = 404, body = ErrorBody)))]
async fn get_media(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    Path(id): Path<String>,
) -> Result<Json<MediaView>, ApiError> {
    let media = find(&state, &key, &id).await?;
    Ok(Json(view(&state, &media)))
}

fn content_disposition(m: &MediaRecord) -> HeaderValue {
    let name: String = m
        .filename
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ')
        .collect();
    let name = if name.trim().is_empty() {
        m.id.to_string()
    } else {
        name
    };
    HeaderValue::from_str(&format!("inline; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("inline"))
}

/// Downloads a media file's bytes (streamed), with the account's key.
#[utoipa::path(get, path = "/v1/media/{id}/content", tag = "media",
    params(("id" = String, Path, description = "Media id (`med_…`)")),
    security(("bearer" = [])),
    responses((status = 200, description = "The bytes, with Content-Type and Content-Length"), (status = 404, body = ErrorBody)))]
async fn get_content(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let media = find(&state, &key, &id).await?;
    content_response(&state, &media).await
}

/// A stored media file's bytes as a streamed answer with its Content-Type, Content-Length,
/// an inline Content-Disposition naming the file and a private cache of an hour (the API's
/// download and the console's previews).
pub async fn content_response(state: &AppState, media: &MediaRecord) -> Result<Response, ApiError> {
    let (stream, size) = state
        .gateway
        .media
        .storage
        .open(&media.storage_key)
        .await
        .map_err(|e| match e {
            StorageError::NotFound => {
                ApiError::NotFound("media not found (its file is gone)".into())
            }
            other => ApiError::internal("opening media", other),
        })?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media.mime_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(header::CONTENT_DISPOSITION, content_disposition(media));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(response)
}

/// Deletes a media file (its record, its bytes and its cached upstream ids).
#[utoipa::path(delete, path = "/v1/media/{id}", tag = "media",
    params(("id" = String, Path, description = "Media id (`med_…`)")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_media(
    State(state): State<AppState>,
    key: Auth<CanSend>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let media = find(&state, &key, &id).await?;
    manage::delete(
        state.store().as_ref(),
        &state.gateway.media,
        key.account_id,
        media.id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
