//! Control routes under `/emulator/telegram/`: bots, and what simulated users do.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::users;
use crate::config::BotConfig;
use crate::control::{action_body, error, outcome, parse};
use crate::state::{lock, Inner};

/// `GET /emulator/telegram/bots`: the bots, tokens left out.
pub(crate) async fn list_bots(State(inner): State<Arc<Inner>>) -> Response {
    let bots = lock(&inner.telegram);
    let mut list: Vec<Value> = bots
        .by_id
        .values()
        .map(|b| {
            json!({
                "id": b.id,
                "username": b.config.username,
                "first_name": b.config.first_name,
                "webhook_url": b.webhook.as_ref().map(|w| w.url.clone()),
                "pending_update_count": b.queue.len(),
            })
        })
        .collect();
    list.sort_by_key(|b| b["id"].as_i64());
    Json(list).into_response()
}

/// `POST /emulator/telegram/bots`: adds or replaces a [`BotConfig`].
pub(crate) async fn add_bot(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    match parse::<BotConfig>(&body) {
        Ok(b) => match super::add_bot(&inner, b) {
            Ok(id) => Json(json!({"success": true, "id": id})).into_response(),
            Err(e) => error(axum::http::StatusCode::BAD_REQUEST, e),
        },
        Err(r) => *r,
    }
}

/// `POST /emulator/telegram/bots/{bot_id}/users/{user_id}/{action}` with `action` one of
/// `messages` (body as [`users::writes`]), `callback_queries` (`{message_id, data}`),
/// `reactions` (`{message_id, emoji}`; `emoji` null removes), `block`, `unblock`.
pub(crate) async fn user_action(
    State(inner): State<Arc<Inner>>,
    Path((bot_id, user_id, action)): Path<(i64, i64, String)>,
    body: Bytes,
) -> Response {
    let value = match action_body(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let message_id = value.get("message_id").and_then(Value::as_i64).unwrap_or(0);
    let result = match action.as_str() {
        "messages" => users::writes(&inner, bot_id, user_id, value).await,
        "callback_queries" => {
            let data = value.get("data").and_then(Value::as_str).unwrap_or("");
            users::taps(&inner, bot_id, user_id, message_id, data).await
        }
        "reactions" => {
            let emoji = value.get("emoji").and_then(Value::as_str);
            users::reacts(&inner, bot_id, user_id, message_id, emoji).await
        }
        "block" => users::blocks(&inner, bot_id, user_id, true).await,
        "unblock" => users::blocks(&inner, bot_id, user_id, false).await,
        other => {
            return error(
                axum::http::StatusCode::NOT_FOUND,
                format!("unknown user action {other}"),
            )
        }
    };
    outcome(result)
}
