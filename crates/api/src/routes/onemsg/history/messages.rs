//! `GET messages` (the channel's history in 1msg's message objects, paged by
//! `messageNumber`) and `POST readMessage` (a read receipt for a customer's message).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use switchboard_core::onemsg_view::{chat_number, OneMsgMessage};
use switchboard_core::time::now_millis;
use switchboard_service::onemsg_history::{self, Start};
use switchboard_service::read::{mark_read, ReadError};
use switchboard_store::messages::MessageFilter;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{fail, from_api_error, OneMsgChannel, OneMsgError};
use crate::access::{CanRead, CanSend};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::routes::onemsg::read_fields;
use crate::state::AppState;

/// The routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_messages))
        .routes(routes!(read_message))
}

/// The query of `GET messages` (every value as 1msg sends it, as text).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct MessagesQuery {
    /// `true`: the newest messages (`lastMessageNumber` is then ignored).
    pub last: Option<String>,
    /// The messages numbered above this, oldest first (the previous answer's
    /// `lastMessageNumber`; default 0, the start of the history).
    pub last_message_number: Option<String>,
    /// The newest messages numbered below this (the previous answer's `firstMessageNumber`).
    pub first_message_number: Option<String>,
    /// How many (default 100; 0: all, up to 10 000 an answer).
    pub limit: Option<String>,
    /// Only this chat (`12020721369@c.us`).
    pub chat_id: Option<String>,
    /// Only messages at or after this Unix time (seconds).
    #[serde(rename = "min_time")]
    pub min_time: Option<String>,
    /// Only messages at or before this Unix time (seconds).
    #[serde(rename = "max_time")]
    pub max_time: Option<String>,
    /// Only this message (our `msg_…` id or the upstream's `wamid.…`).
    pub msg_id: Option<String>,
}

/// The answer of `GET messages`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessagesAnswer {
    /// The messages, oldest first: `{id, body, type, senderName, fromMe, self, author, time,
    /// chatId, chatName, messageNumber, caption, quotedMsgId, quotedMsgBody, isForwarded}`.
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<OneMsgMessage>,
    /// The greatest `messageNumber` answered: pass it as `lastMessageNumber` for the newer ones.
    pub last_message_number: i64,
    /// The smallest `messageNumber` answered: pass it as `firstMessageNumber` for the older ones.
    pub first_message_number: i64,
}

fn bad(message: String) -> Response {
    fail(StatusCode::BAD_REQUEST, "invalid_query", message)
}

fn integer(field: &str, text: Option<&str>) -> Result<Option<i64>, String> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| {
            t.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("{field}: {t:?} is not a whole number of 0 or more"))
        })
        .transpose()
}

fn flag(field: &str, text: Option<&str>) -> Result<bool, String> {
    match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(format!("{field}: {other:?} is not true or false")),
    }
}

/// The filter and the page a query asks for.
fn read_query(q: &MessagesQuery) -> Result<(MessageFilter, Start, u32), String> {
    let mut filter = MessageFilter::default();
    if let Some(chat) = q.chat_id.as_deref().filter(|c| !c.is_empty()) {
        let number = chat_number(chat.trim());
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "chatId: {chat:?} is not a chat id; use the form 12020721369@c.us"
            ));
        }
        filter.chat = Some(number.to_string());
    }
    filter.since = integer("min_time", q.min_time.as_deref())?.map(|s| s.saturating_mul(1000));
    filter.until = integer("max_time", q.max_time.as_deref())?
        .map(|s| s.saturating_add(1).saturating_mul(1000));
    if let Some(id) = q.msg_id.as_deref().filter(|m| !m.is_empty()) {
        match id.parse() {
            Ok(ours) => filter.message_id = Some(ours),
            Err(_) => filter.upstream_id = Some(id.to_string()),
        }
    }
    let limit = integer("limit", q.limit.as_deref())?
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .unwrap_or(100);
    let from = if flag("last", q.last.as_deref())? {
        Start::Last
    } else if let Some(n) = integer("firstMessageNumber", q.first_message_number.as_deref())? {
        Start::Before(n)
    } else {
        Start::After(integer("lastMessageNumber", q.last_message_number.as_deref())?.unwrap_or(0))
    };
    Ok((filter, from, limit))
}

/// Lists the channel's messages (sent and received) in 1msg's message objects, oldest first.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/messages", operation_id = "onemsg_messages", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`), 1msg's instance"),
           ("token" = Option<String>, Query, description = "The key (any other place a Switchboard key is read also works)"), MessagesQuery),
    responses(
        (status = 200, body = MessagesAnswer),
        (status = 400, body = OneMsgError, description = "A filter is malformed (`invalid_query`)"),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn list_messages(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanRead>,
    query: Result<ApiQuery<MessagesQuery>, ApiError>,
) -> Response {
    let q = match query {
        Ok(ApiQuery(q)) => q,
        Err(e) => return from_api_error(e, false),
    };
    let (filter, from, limit) = match read_query(&q) {
        Ok(read) => read,
        Err(m) => return bad(m),
    };
    match onemsg_history::messages(
        state.store().as_ref(),
        channel.channel(),
        filter,
        from,
        limit,
    )
    .await
    {
        Ok(history) => Json(MessagesAnswer {
            messages: history.messages,
            last_message_number: history.last_number,
            first_message_number: history.first_number,
        })
        .into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}

/// Marks a customer's message as read (blue ticks), through the native read receipt.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/readMessage", operation_id = "onemsg_read_message", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key")),
    request_body(content = Object, description = "`{\"messageId\": \"msg_…\"}`: the customer's message, our id (as the webhook and `messages` give it) or the upstream's `wamid.…` (JSON or form-encoded)"),
    responses(
        (status = 200, description = "`{\"result\": \"success\"}`"),
        (status = 400, body = OneMsgError, description = "No `messageId` (`invalid_body`)"),
        (status = 404, body = OneMsgError, description = "No customer's message with that id on this channel (`not_found`)"),
        (status = 502, body = OneMsgError, description = "The upstream refused or failed (`upstream_error`)"),
    ))]
async fn read_message(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanSend>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let fields = match read_fields(&headers, body) {
        Ok(f) => f,
        Err(answer) => return *answer,
    };
    let id = match fields.get("messageId") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return fail(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "messageId: give the id of the customer's message to mark as read (msg_… or wamid.…)",
        ),
    };
    let result = mark_read(
        state.store().as_ref(),
        &state.gateway.upstream,
        channel.channel(),
        &id,
        false,
        now_millis(),
    )
    .await;
    match result {
        Ok(_) => Json(json!({"result": "success"})).into_response(),
        Err(ReadError::UnknownMessage(id)) => fail(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no customer's message {id} on this channel; give an id of a received message (from messages or the webhook)"),
        ),
        Err(ReadError::Upstream(e)) => fail(
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            format!("the upstream refused the read receipt: {e}"),
        ),
        Err(ReadError::Store(e)) => from_api_error(ApiError::internal("marking read", e), false),
    }
}
