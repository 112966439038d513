//! `GET|POST|DELETE /{version}/{waba_id}/message_templates`, and the simulated review.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as CURSOR;
use base64::Engine;
use serde_json::{json, Map, Value};
use switchboard_core::cloud_webhook::TemplateStatusUpdate;

use super::{check_version, gate, json_body, known_token};
use crate::error::GraphError;
use crate::state::{lock, Inner};
use crate::templates::{parse_create, review, Template};
use crate::webhook::{enqueue, Job};

/// Default page size of `GET message_templates`.
const DEFAULT_LIMIT: usize = 25;

/// The handler for all three methods.
pub(crate) async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    Path((version, waba)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let r = async {
        check_version(&version, &format!("/{waba}/message_templates"))?;
        let token = known_token(&inner, &headers)?;
        if !inner.token_in_waba(token, &waba) {
            return Err(GraphError::unknown_object(method.as_str(), &waba));
        }
        gate(&inner).await?;
        if method == Method::GET {
            Ok(list(&inner, &waba, &q))
        } else if method == Method::POST {
            create(&inner, &waba, &body)
        } else {
            delete(&inner, &waba, &q)
        }
    }
    .await;
    match r {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn cursor(i: usize) -> String {
    CURSOR.encode(i.to_string())
}

fn list(inner: &Inner, waba: &str, q: &HashMap<String, String>) -> Value {
    let all = lock(&inner.templates).list(waba, q.get("name").map(String::as_str));
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let start = q
        .get("after")
        .and_then(|c| CURSOR.decode(c).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse::<usize>().ok())
        .map_or(0, |i| i + 1);
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(Template::to_json)
        .collect();
    let end = start + page.len();
    let mut paging = json!({"cursors": {
        "before": cursor(start),
        "after": cursor(end.saturating_sub(1)),
    }});
    if end < all.len() {
        paging["next"] = json!(format!("?limit={limit}&after={}", cursor(end - 1)));
    }
    json!({"data": page, "paging": paging})
}

fn create(inner: &Arc<Inner>, waba: &str, body: &[u8]) -> Result<Value, GraphError> {
    let value = json_body(body)?;
    let (name, language, category, parameter_format, components) =
        parse_create(&value).map_err(GraphError::invalid)?;
    let template = Template {
        id: inner.ids.numeric(),
        name,
        language,
        category: category.clone(),
        status: "PENDING".to_string(),
        reason: None,
        parameter_format,
        components,
    };
    let id = template.id.clone();
    if lock(&inner.templates).add(waba, template.clone()).is_err() {
        return Err(GraphError::invalid(format!(
            "Content in this language already exists: template {} in {}",
            template.name, template.language
        ))
        .with("error_subcode", 2388024)
        .with(
            "error_user_title",
            "Content in this language already exists",
        ));
    }
    spawn_review(inner.clone(), waba.to_string(), template);
    Ok(json!({"id": id, "status": "PENDING", "category": category}))
}

fn delete(inner: &Inner, waba: &str, q: &HashMap<String, String>) -> Result<Value, GraphError> {
    let name = q
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| GraphError::invalid("The parameter name is required."))?;
    let deleted = lock(&inner.templates).delete(waba, name, q.get("hsm_id").map(String::as_str));
    if deleted == 0 {
        return Err(GraphError::invalid(format!(
            "Message template \"{name}\" could not be found."
        )));
    }
    Ok(json!({"success": true}))
}

fn spawn_review(inner: Arc<Inner>, waba: String, template: Template) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(inner.config.review_delay_ms)).await;
        let (status, reason) = review(&template, &inner.config.banned_template_words);
        let updated = lock(&inner.templates).set_status(&template.id, status, reason);
        if updated.is_none() {
            return; // deleted while pending
        }
        let update = TemplateStatusUpdate {
            event: status.to_string(),
            message_template_id: template.id.clone(),
            message_template_name: template.name.clone(),
            message_template_language: template.language.clone(),
            reason: Some(reason.to_string()),
            extra: Map::new(),
        };
        notify_waba(&inner, &waba, &template.name, update).await;
    });
}

/// Posts a template status update once per distinct webhook URL of the WABA's numbers.
async fn notify_waba(inner: &Arc<Inner>, waba: &str, key: &str, update: TemplateStatusUpdate) {
    let mut seen: Vec<String> = Vec::new();
    for p in inner.waba_phones(waba) {
        let Some(url) = p.webhook_url.clone().filter(|u| !u.is_empty()) else {
            continue;
        };
        if seen.contains(&url) {
            continue;
        }
        seen.push(url);
        enqueue(
            inner,
            &p.phone_number_id,
            key,
            Job::Template(update.clone()),
        )
        .await;
    }
}
