//! The Attachment Upload API: `POST /{version}/{page_id}/message_attachments` (or `me`) with
//! `message.attachment` by `url` or an uploaded `filedata` part → `{attachment_id}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::errors::invalid;
use super::save_attachment;
use super::send::open;
use super::validate::check_media;
use crate::error::GraphError;
use crate::state::Inner;

/// The handler.
pub(crate) async fn post(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    let (page, p) = open(
        &inner,
        &version,
        &id,
        "message_attachments",
        query.as_deref(),
        &headers,
        body,
    )
    .await?;
    let attachment = p
        .json("message")
        .map_err(|e| invalid(format!("Invalid parameter: {e}")))?
        .and_then(|m| m.get("attachment").cloned())
        .ok_or_else(|| invalid("The parameter message[attachment] is required"))?;
    check_media(&attachment, &p)?;
    if attachment.pointer("/payload/attachment_id").is_some() {
        return Err(invalid(
            "An upload needs a url or filedata, not an attachment_id",
        ));
    }
    Ok(Json(
        json!({"attachment_id": save_attachment(&inner, &page.page_id)}),
    ))
}
