//! Media: upload (`POST /{version}/{phone_number_id}/media`), and the authenticated download
//! URL (`GET /lookaside/{media_id}`). Retrieval and deletion by id live in `objects`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use super::{authorize_phone, check_version, gate, known_token};
use crate::error::GraphError;
use crate::media::{check_upload, MediaItem};
use crate::state::{lock, Inner};

/// `POST /{version}/{phone_number_id}/media`, multipart `file`, `type`, `messaging_product`.
pub(crate) async fn upload(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    match handle_upload(&inner, &version, &id, req).await {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn handle_upload(
    inner: &Arc<Inner>,
    version: &str,
    id: &str,
    req: Request,
) -> Result<Value, GraphError> {
    check_version(version, &format!("/{id}/media"))?;
    authorize_phone(inner, req.headers(), id, "POST")?;
    gate(inner).await?;
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| GraphError::invalid(format!("Expected a multipart/form-data body: {e}")))?;
    let mut file: Option<(Option<String>, Bytes)> = None;
    let mut mime: Option<String> = None;
    let mut product: Option<String> = None;
    // Bounded by the body size limit: each field consumes part of the body.
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(GraphError::invalid(format!(
                    "Malformed multipart body: {e}"
                )))
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let content_type = field.content_type().map(str::to_string);
        let data = field
            .bytes()
            .await
            .map_err(|e| GraphError::invalid(format!("Malformed multipart field {name}: {e}")))?;
        match name.as_str() {
            "file" => file = Some((content_type, data)),
            "type" => mime = Some(String::from_utf8_lossy(&data).trim().to_string()),
            "messaging_product" => {
                product = Some(String::from_utf8_lossy(&data).trim().to_string())
            }
            _ => {}
        }
    }
    if product.as_deref() != Some("whatsapp") {
        return Err(GraphError::invalid(
            "The parameter messaging_product is required and must be 'whatsapp'.",
        ));
    }
    let (file_type, data) =
        file.ok_or_else(|| GraphError::invalid("The parameter file is required."))?;
    let mime = mime
        .filter(|m| !m.is_empty())
        .or(file_type)
        .ok_or_else(|| GraphError::invalid("The parameter type is required."))?;
    check_upload(&mime, data.len() as u64).map_err(GraphError::invalid)?;
    let media_id = inner.ids.numeric();
    lock(&inner.media)
        .insert(media_id.clone(), id, &mime, data)
        .map_err(|details| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                131053,
                "Media upload error",
                details,
            )
        })?;
    Ok(json!({"id": media_id}))
}

/// The media `id` when `token` belongs to the WABA of the number that owns it.
pub(crate) fn authorized_media(inner: &Inner, token: &str, id: &str) -> Option<MediaItem> {
    let item = lock(&inner.media).get(id).cloned()?;
    let waba = inner.phone(&item.phone_number_id)?.waba_id.clone();
    inner.token_in_waba(token, &waba).then_some(item)
}

/// The JSON of `GET /{version}/{media_id}`.
pub(crate) fn media_json(inner: &Inner, id: &str, item: &MediaItem) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "url": format!("{}/lookaside/{id}", inner.base_url()),
        "mime_type": item.mime_type,
        "sha256": item.sha256_hex,
        "file_size": item.bytes.len(),
        "id": id,
    })
}

/// `GET /lookaside/{media_id}`: the bytes, with the Bearer token of the owner's WABA.
pub(crate) async fn download(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match known_token(&inner, &headers) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    match authorized_media(&inner, token, &id) {
        Some(item) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, item.mime_type.as_str())
            .header(header::CONTENT_LENGTH, item.bytes.len())
            .body(Body::from(item.bytes))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        None => {
            let mut e = GraphError::unknown_object("GET", &id);
            e.status = StatusCode::NOT_FOUND;
            e.into_response()
        }
    }
}
