//! Graph objects by id: `GET|DELETE /{version}/{id}` (phone number, media, template), and
//! unknown paths.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::media::{authorized_media, media_json};
use super::{check_version, gate, known_token};
use crate::error::GraphError;
use crate::state::{lock, Inner};

fn answer(r: Result<Value, GraphError>) -> Response {
    match r {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /{version}/{id}`.
pub(crate) async fn get(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    answer(handle_get(&inner, &version, &id, &q, &headers).await)
}

async fn handle_get(
    inner: &Inner,
    version: &str,
    id: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Value, GraphError> {
    check_version(version, &format!("/{id}"))?;
    let token = known_token(inner, headers)?;
    gate(inner).await?;
    if let Some(p) = inner.phone(id) {
        if p.access_token != token {
            return Err(GraphError::unknown_object("GET", id));
        }
        return Ok(json!({
            "verified_name": p.verified_name,
            "display_phone_number": p.display_phone_number,
            "id": p.phone_number_id,
            "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
        }));
    }
    if let Some(item) = authorized_media(inner, token, id) {
        if q.get("phone_number_id")
            .is_some_and(|p| *p != item.phone_number_id)
        {
            return Err(GraphError::unknown_object("GET", id));
        }
        return Ok(media_json(inner, id, &item));
    }
    let template = lock(&inner.templates).by_id(id);
    if let Some((waba, t)) = template {
        if inner.token_in_waba(token, &waba) {
            return Ok(t.to_json());
        }
    }
    Err(GraphError::unknown_object("GET", id))
}

/// `DELETE /{version}/{id}`: media only.
pub(crate) async fn delete(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    answer(handle_delete(&inner, &version, &id, &q, &headers).await)
}

async fn handle_delete(
    inner: &Inner,
    version: &str,
    id: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Value, GraphError> {
    check_version(version, &format!("/{id}"))?;
    let token = known_token(inner, headers)?;
    gate(inner).await?;
    match authorized_media(inner, token, id) {
        Some(item)
            if q.get("phone_number_id")
                .is_none_or(|p| *p == item.phone_number_id) =>
        {
            lock(&inner.media).remove(id);
            Ok(json!({"success": true}))
        }
        _ => Err(GraphError::unknown_object("DELETE", id)),
    }
}

/// Any other path or method: Meta's `Unknown path components` (or unsupported method) error.
pub(crate) async fn unknown(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let rest = path
        .trim_start_matches('/')
        .split_once('/')
        .map_or(path.to_string(), |(_, r)| format!("/{r}"));
    let e = if method == Method::GET || method == Method::POST || method == Method::DELETE {
        GraphError::unknown_path(&rest)
    } else {
        GraphError::invalid(format!("Unsupported method {method}"))
    };
    e.into_response()
}
