//! Control routes under `/emulator/pages`: pages, and what simulated users do.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::events;
use crate::config::PageConfig;
use crate::control::{action_body, error, outcome, parse};
use crate::state::{lock, Inner};

/// `GET /emulator/pages`: the pages, secrets left out.
pub(crate) async fn list_pages(State(inner): State<Arc<Inner>>) -> Response {
    let pages = lock(&inner.pages);
    let mut list: Vec<Value> = pages
        .by_id
        .values()
        .map(|p| {
            json!({
                "page_id": p.config.page_id,
                "platform": p.config.platform,
                "webhook_url": p.config.webhook_url,
                "users": p.users.len(),
            })
        })
        .collect();
    list.sort_by(|a, b| a["page_id"].to_string().cmp(&b["page_id"].to_string()));
    Json(list).into_response()
}

/// `POST /emulator/pages`: adds or replaces a [`PageConfig`].
pub(crate) async fn add_page(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    match parse::<PageConfig>(&body) {
        Ok(p) => match super::add_page(&inner, p) {
            Ok(()) => Json(json!({"success": true})).into_response(),
            Err(e) => error(StatusCode::BAD_REQUEST, e),
        },
        Err(r) => *r,
    }
}

/// `POST /emulator/pages/{page_id}/users/{user_id}/{action}` with `action` one of `messages`
/// (body as [`events::writes`]), `postbacks` (`{title, payload}`), `reactions` (`{mid,
/// reaction?, emoji?, action?}`), `block`, `unblock`.
pub(crate) async fn user_action(
    State(inner): State<Arc<Inner>>,
    Path((page_id, user, action)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let value = match action_body(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let result = match action.as_str() {
        "messages" => events::writes(&inner, &page_id, &user, value).await,
        "postbacks" => events::postback(&inner, &page_id, &user, value).await,
        "reactions" => events::reacts(&inner, &page_id, &user, value).await,
        "block" => events::blocks(&inner, &page_id, &user, true),
        "unblock" => events::blocks(&inner, &page_id, &user, false),
        other => {
            return error(
                StatusCode::NOT_FOUND,
                format!("unknown user action {other}"),
            )
        }
    };
    outcome(result)
}
