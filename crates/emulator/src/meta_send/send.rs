//! `POST /{version}/me/messages` and `/{version}/{page_id}/messages`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::errors::{
    invalid, no_such_user, outside_window, send_error, throttled, unavailable_user,
};
use super::validate::{attachment_ids, check, Outgoing};
use super::{events, save_attachment};
use crate::config::PageConfig;
use crate::error::GraphError;
use crate::faults::admit_channel;
use crate::graph::{bearer, check_version, gate};
use crate::params::Params;
use crate::records::SentMessage;
use crate::state::{lock, now_millis, Inner};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The token: `Authorization: Bearer`, else the `access_token` query parameter.
async fn token(query: Option<&str>, headers: &HeaderMap) -> Option<String> {
    if let Some(t) = bearer(headers) {
        return Some(t.to_string());
    }
    let q = Params::parse(query, &HeaderMap::new(), Bytes::new())
        .await
        .ok()?;
    q.str("access_token").filter(|t| !t.is_empty())
}

/// The page `id` (or, for `me`, the token's page) when the token is its token: 401/190 for a
/// token nobody has, 400/100 (subcode 33) for a page the token cannot see.
fn authorize(inner: &Inner, id: &str, token: Option<&str>) -> Result<Arc<PageConfig>, GraphError> {
    let token = token.ok_or_else(GraphError::bad_token)?;
    let pages = lock(&inner.pages);
    let found = if id == "me" {
        pages
            .by_id
            .values()
            .find(|p| p.config.access_token == token)
    } else {
        pages
            .by_id
            .get(id)
            .filter(|p| p.config.access_token == token)
    };
    if let Some(p) = found {
        return Ok(p.config.clone());
    }
    let known = pages.by_id.values().any(|p| p.config.access_token == token);
    drop(pages);
    if known || inner.token_known(token) {
        Err(GraphError::unknown_object("POST", id))
    } else {
        Err(GraphError::bad_token())
    }
}

/// What every Send API edge does first: version, auth, faults, the page's rate limit, the
/// parameters.
pub(crate) async fn open(
    inner: &Inner,
    version: &str,
    id: &str,
    edge: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Arc<PageConfig>, Params), GraphError> {
    check_version(version, &format!("/{id}/{edge}"))?;
    let token = token(query, headers).await;
    let page = authorize(inner, id, token.as_deref())?;
    gate(inner).await?;
    if !admit_channel(inner, &format!("page:{}", page.page_id)) {
        return Err(throttled(page.platform));
    }
    let p = Params::parse(query, headers, body)
        .await
        .map_err(|e| invalid(format!("Invalid request body: {e}")))?;
    Ok((page, p))
}

/// Every `attachment_id` must have been saved for this page: else 100/2018074.
fn check_owned(inner: &Inner, page_id: &str, message: &Value) -> Result<(), GraphError> {
    let pages = lock(&inner.pages);
    let saved = pages.by_id.get(page_id).map(|p| &p.attachments);
    for id in attachment_ids(message) {
        if !saved.is_some_and(|s| s.contains(&id)) {
            return Err(send_error(
                100,
                Some(2018074),
                "Attachment Id is invalid or you do not own the attachment",
            ));
        }
    }
    Ok(())
}

/// The handler, reached from the Graph `messages` route when [`super::serves`] the id.
pub(crate) async fn post(
    inner: &Arc<Inner>,
    version: &str,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    let (page, p) = open(inner, version, id, "messages", query, headers, body).await?;
    let out = check(page.platform, &p)?;
    let message = p.json("message").ok().flatten().unwrap_or(Value::Null);
    check_owned(inner, &page.page_id, &message)?;
    admit_recipient(inner, &page, &out)?;
    let answer = match &out.action {
        Some(_) => json!({"recipient_id": out.recipient}),
        None => {
            let mid = inner.ids.mid();
            lock(&inner.records).sent.push(SentMessage {
                wamid: mid.clone(),
                phone_number_id: page.page_id.clone(),
                to: out.recipient.clone(),
                body: Value::Object(p.fields.clone()),
                time_ms: now_millis(),
            });
            let reusable = message
                .pointer("/attachment/payload/is_reusable")
                .and_then(Value::as_bool)
                == Some(true);
            let mut answer = json!({"recipient_id": out.recipient, "message_id": mid});
            if reusable {
                answer["attachment_id"] = json!(save_attachment(inner, &page.page_id));
            }
            events::after_send(inner, page, &out, &mid, message);
            answer
        }
    };
    Ok(Json(answer))
}

/// The recipient must be a user of the page (when windows are enforced), not have blocked it,
/// and have written within 24 h (7 days under `HUMAN_AGENT`).
fn admit_recipient(inner: &Inner, page: &PageConfig, out: &Outgoing) -> Result<(), GraphError> {
    let pages = lock(&inner.pages);
    let user = pages
        .by_id
        .get(&page.page_id)
        .and_then(|p| p.users.get(&out.recipient));
    let enforce = inner.config.enforce_window;
    match user {
        None if enforce => Err(no_such_user(page.platform)),
        None => Ok(()),
        Some(u) if u.blocked => Err(unavailable_user()),
        Some(_) if !enforce => Ok(()),
        Some(u) => {
            let age = now_millis() - u.last_inbound_ms.unwrap_or(i64::MIN / 2);
            let limit = if out.human_agent { 7 * DAY_MS } else { DAY_MS };
            if age < limit {
                Ok(())
            } else {
                Err(outside_window(page.platform))
            }
        }
    }
}
