//! Sending and history: `POST /v1/channels/{id}/messages` and its Cloud API alias
//! `POST /{version}/{channel_id}/messages` (sends and mark-as-read, Meta's shapes and error
//! codes), `GET /v1/channels/{id}/messages`, `GET /v1/messages/{id}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use switchboard_core::channel::{is_api_version, ChannelKind};
use switchboard_core::event::MessageView;
use switchboard_core::id::MessageMarker;
use switchboard_core::message::text_fallback;
use switchboard_core::message::{parse_request_to, CloudRequest, IdempotencyKey};
use switchboard_core::schedule::SEND_AT_FIELDS;
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::{now_millis, parse_rfc3339, to_rfc3339, Millis};
use switchboard_service::messages;
use switchboard_service::read::{mark_read, ReadError};
use switchboard_service::send::{request_hash, send, SendError, SendParts};
use switchboard_store::messages::MessageFilter;
use switchboard_store::PageRequest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{key_channel_named, Auth, CanRead, CanSend, ScopedChannel};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiQuery};
use crate::list::List;
use crate::meta_error::MetaApiError;
use crate::state::AppState;

/// The messages routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_native, list_messages))
        .routes(routes!(send_cloud))
        .routes(routes!(get_message))
}

/// A Cloud API message object (any kind), or a mark-as-read request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"messaging_product": "whatsapp", "to": "+1 555 123 0000", "type": "text", "text": {"body": "Hello"}}))]
pub struct CloudMessageRequest {
    /// Always `whatsapp`.
    pub messaging_product: String,
    /// Recipient: phone number with or without `+`, or a chat id (`…@c.us`, `…@s.whatsapp.net`).
    pub to: Option<String>,
    /// `text`, `image`, `video`, `audio`, `document`, `sticker`, `location`, `contacts`,
    /// `interactive`, `reaction` or `template`; the kind's object goes in the field of that name.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// For mark-as-read: `read`.
    pub status: Option<String>,
    /// For mark-as-read: the inbound message (`msg_…` or `wamid.…`).
    pub message_id: Option<String>,
    /// Schedules the message: when to send it (RFC 3339 with an offset, e.g.
    /// `2026-03-01T09:00:00+01:00`); omitted means now.
    pub send_at: Option<String>,
    /// Another name for `send_at`, accepted for clients that use it.
    #[serde(rename = "scheduleDateTime")]
    pub schedule_date_time: Option<String>,
}

/// Meta's send answer, plus when the 24-hour window closes.
#[derive(Debug, Serialize, ToSchema)]
pub struct SendResponse {
    /// Always `whatsapp`.
    pub messaging_product: String,
    /// `[{input, wa_id}]`
    #[schema(value_type = Vec<Object>)]
    pub contacts: Vec<Value>,
    /// `[{id, message_status}]`: the id is ours (`msg_…`).
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<Value>,
    /// When the customer-service window closes (RFC 3339), null if it is not open.
    pub window_expires_at: Option<String>,
}

/// A message with its status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDetail {
    /// The message.
    #[serde(flatten)]
    pub message: MessageView,
    /// Every status reported, in order, and whether it moved the status.
    pub status_history: Vec<StatusHistoryEntry>,
}

/// One status report.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusHistoryEntry {
    /// The status.
    pub status: String,
    /// When (RFC 3339).
    pub at: String,
    /// False when it arrived late or repeated and did not move the status.
    pub applied: bool,
    /// Errors reported with it.
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
}

/// A page of messages.
pub type MessageList = List<MessageView>;

/// Filters of `GET /v1/channels/{id}/messages`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageListQuery {
    /// Only this chat: a phone number or chat id.
    pub chat: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// `scheduled`, `accepted`, `sent`, `delivered`, `read`, `played`, `failed`, `canceled`,
    /// `received`.
    pub status: Option<String>,
    /// Created at or after (RFC 3339 or Unix seconds).
    pub since: Option<String>,
    /// Created before (RFC 3339 or Unix seconds).
    pub until: Option<String>,
    /// Only this message (`msg_…` or the upstream `wamid.…`).
    pub message_id: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: `next` of the previous page.
    pub after: Option<String>,
}

async fn cloud_request(
    state: AppState,
    principal: Result<Principal, ApiError>,
    channel_id: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, MetaApiError> {
    let key = Auth::<CanSend>::check(&principal?)?;
    let channel = key_channel_named(&state, &key, channel_id).await?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            MetaApiError {
                subcode: None,
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: 100,
                title: "Invalid parameter".into(),
                details: "the request body is larger than allowed".into(),
            }
        } else {
            MetaApiError::bad_request(
                100,
                "Invalid parameter",
                format!("the request body could not be read: {e}"),
            )
        }
    })?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        MetaApiError::bad_request(
            100,
            "Invalid parameter",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let now = now_millis();
    // `send_at` / `scheduleDateTime` and `fallback` are ours, not Meta's: the send service
    // reads them; the request check looks at the message without them.
    let scheduled = SEND_AT_FIELDS.iter().any(|f| value.get(*f).is_some());
    let ours = SEND_AT_FIELDS.iter().copied().chain([text_fallback::FIELD]);
    // `to` is read in the channel's address form (a wa_id, a Telegram chat_id, …).
    let form = channel.kind.capabilities().address;
    let parsed = if ours.clone().any(|f| value.get(f).is_some()) {
        let mut message = value.clone();
        if let Some(o) = message.as_object_mut() {
            for f in ours {
                o.remove(f);
            }
        }
        parse_request_to(&message, form)?
    } else {
        parse_request_to(&value, form)?
    };
    match parsed {
        CloudRequest::MarkRead {
            message_id,
            typing_indicator,
        } => {
            if scheduled {
                return Err(MetaApiError::bad_request(
                    100,
                    "Invalid parameter",
                    "send_at: a read receipt cannot be scheduled; remove send_at",
                ));
            }
            mark_read(
                state.store().as_ref(),
                &state.gateway.upstream,
                &channel,
                &message_id,
                typing_indicator,
                now,
            )
            .await
            .map_err(read_error)?;
            Ok(Json(json!({"success": true})).into_response())
        }
        CloudRequest::Send(_) => {
            let idempotency = match headers.get("idempotency-key") {
                None => None,
                Some(v) => {
                    let key = v
                        .to_str()
                        .ok()
                        .and_then(IdempotencyKey::parse)
                        .ok_or_else(|| {
                            MetaApiError::bad_request(
                                100,
                                "Invalid parameter",
                                "Idempotency-Key must be 1–255 visible ASCII characters",
                            )
                        })?;
                    Some((key, request_hash(&body)))
                }
            };
            let answer = send(
                &SendParts::from(&state.gateway),
                &channel,
                &value,
                idempotency,
                now,
            )
            .await
            .map_err(send_error)?;
            let mut response = Json(answer.body).into_response();
            if answer.replayed {
                response
                    .headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
            Ok(response)
        }
    }
}

fn send_error(e: SendError) -> MetaApiError {
    match e {
        SendError::Invalid(e) => e.into(),
        SendError::WindowClosed {
            address,
            last_inbound,
            channel_kind,
            human_agent,
        } => window_closed(address.as_str(), last_inbound, channel_kind, human_agent),
        e @ SendError::Unsupported { .. } => MetaApiError {
            subcode: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: 131051,
            title: "Unsupported message type".into(),
            details: format!("unsupported_message_kind: {e}"),
        },
        SendError::Schedule(e) => MetaApiError::bad_request(100, "Invalid parameter", e.to_string()),
        SendError::KeyReused => MetaApiError {
            subcode: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: 100,
            title: "Invalid parameter".into(),
            details: "this Idempotency-Key was already used with a different request body; use a new key for a new message".into(),
        },
        SendError::Store(e) => MetaApiError::from(ApiError::internal("storing a message", e)),
    }
}

/// The upstream's own refusal of a free-form message outside the window: WhatsApp's 131047;
/// Messenger's 10/2018278 and Instagram's 10/2534022 (Meta's "sent outside of allowed
/// window").
fn window_closed(
    address: &str,
    last_inbound: Option<Millis>,
    kind: ChannelKind,
    human_agent: bool,
) -> MetaApiError {
    let last = last_inbound
        .map(to_rfc3339)
        .unwrap_or_else(|| "never".into());
    let subcode = match kind {
        ChannelKind::Messenger => 2018278,
        ChannelKind::Instagram => 2534022,
        _ => {
            return MetaApiError::bad_request(
                131047,
                "Re-engagement message",
                format!(
                    "More than 24 hours have passed since {address} last wrote to this number ({last}): only template messages can be sent until the customer writes again"
                ),
            )
        }
    };
    let details = if human_agent {
        format!("More than 7 days have passed since {address} last wrote to this {} account ({last}): even a HUMAN_AGENT reply must wait until the user writes again", kind.as_str())
    } else {
        format!("More than 24 hours have passed since {address} last wrote to this {} account ({last}): wait until the user writes again, or, for a person's reply within 7 days, send with \"tag\": \"HUMAN_AGENT\"", kind.as_str())
    };
    MetaApiError {
        subcode: Some(subcode),
        ..MetaApiError::bad_request(
            10,
            "This message is sent outside of allowed window",
            details,
        )
    }
}

fn read_error(e: ReadError) -> MetaApiError {
    match e {
        ReadError::UnknownMessage(id) => MetaApiError::bad_request(
            100,
            "Invalid parameter",
            format!("message_id: `{id}` is not an inbound message of this channel"),
        ),
        ReadError::Upstream(e) => MetaApiError {
            subcode: None,
            status: match e.http_status {
                Some(s) if (400..500).contains(&s) => StatusCode::BAD_REQUEST,
                _ => StatusCode::BAD_GATEWAY,
            },
            code: e.code.unwrap_or(1),
            title: "Upstream error".into(),
            details: e.details.clone().unwrap_or(e.message),
        },
        ReadError::Store(e) => MetaApiError::from(ApiError::internal("marking read", e)),
    }
}

/// Sends a message of any kind, or marks an inbound message as read (Meta's shapes).
///
/// Send an `Idempotency-Key` header to make retries safe: the same key with the same body
/// within 24 hours returns the first answer (with `Idempotent-Replayed: true`) and sends
/// nothing; the same key with another body is refused with 422. Free-form messages need the
/// customer's 24-hour window to be open (131047 otherwise); templates are always allowed.
///
/// Add `send_at` (RFC 3339 with an offset; `scheduleDateTime` is accepted as another name) to
/// schedule it: the answer's `message_status` is `scheduled`, the window is checked when it
/// becomes due, and `POST /v1/messages/{id}/cancel` cancels it until then. A `send_at` up to
/// a minute in the past sends at once; further back, or more than a year ahead, is a 400.
///
/// What the channel's kind cannot carry is refused with 422 (`unsupported_message_kind`):
/// Messenger and Instagram take `interactive` `generic` (cards), WhatsApp does not. Add
/// `"fallback": "text"` to send buttons, lists, links or cards the channel cannot carry as
/// one numbered text instead; on a WhatsApp Web channel the options are recorded
/// (`content.choices`) and a customer's answer by number or title comes back as the
/// `button_reply` / `list_reply` it stands for.
#[utoipa::path(post, path = "/v1/channels/{id}/messages", tag = "messages",
    request_body = CloudMessageRequest,
    params(("id" = String, Path, description = "Channel id (`ch_…`)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SendResponse, description = "Stored durably; dispatched in order per chat"),
        (status = 400, description = "Invalid message, in Meta's error shape with the JSON path in `error_data.details`"),
        (status = 401, description = "Missing or invalid key (Meta code 190)"),
        (status = 404, description = "No such channel (Meta code 100)"),
        (status = 422, description = "Idempotency key reused with another body, or a kind the channel cannot send"),
    ))]
async fn send_native(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, MetaApiError> {
    cloud_request(state, principal, &id, &headers, body).await
}

/// The Cloud API path: an existing Cloud API client works by changing its base URL, token and
/// phone number id (use the channel id). Any `v{major}.{minor}` version is accepted.
#[utoipa::path(post, path = "/{version}/{channel_id}/messages", tag = "messages",
    request_body = CloudMessageRequest,
    params(("version" = String, Path, description = "Graph API version, e.g. `v23.0`"),
           ("channel_id" = String, Path, description = "Channel id (`ch_…`), in place of Meta's phone number id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SendResponse), (status = 400, description = "Meta's error shape"), (status = 404, description = "Not a Graph API version, or no such channel (Meta's error shape, code 100)")))]
async fn send_cloud(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    Path((version, channel_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
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
    cloud_request(state, principal, &channel_id, &headers, body).await
}

fn parse_time(field: &str, text: &str) -> ApiResult<Millis> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds.saturating_mul(1000));
    }
    parse_rfc3339(text).ok_or_else(|| {
        ApiError::invalid(format!(
            "{field}: use RFC 3339 (2026-01-31T12:00:00Z) or Unix seconds"
        ))
    })
}

/// Lists a channel's messages with filters and cursor paging.
#[utoipa::path(get, path = "/v1/channels/{id}/messages", tag = "messages",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), MessageListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<MessageView>), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn list_messages(
    State(state): State<AppState>,
    ScopedChannel { auth: key, channel }: ScopedChannel<CanRead>,
    ApiQuery(q): ApiQuery<MessageListQuery>,
) -> ApiResult<Json<MessageList>> {
    let mut filter = MessageFilter {
        channel_id: Some(channel.id),
        ..MessageFilter::default()
    };
    if let Some(chat) = q.chat.as_deref() {
        let form = channel.kind.capabilities().address;
        filter.chat = Some(
            switchboard_core::address::Address::parse(form, &Value::String(chat.to_string()))
                .map_err(|e| ApiError::invalid(format!("chat: {e}")))?
                .into_string(),
        );
    }
    if let Some(d) = q.direction.as_deref() {
        filter.direction = Some(
            Direction::parse(d)
                .ok_or_else(|| ApiError::invalid("direction: use inbound or outbound"))?,
        );
    }
    if let Some(s) = q.status.as_deref() {
        filter.status = Some(MessageStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "status: use scheduled, accepted, sent, delivered, read, played, failed, canceled or received",
            )
        })?);
    }
    filter.since = q
        .since
        .as_deref()
        .map(|t| parse_time("since", t))
        .transpose()?;
    filter.until = q
        .until
        .as_deref()
        .map(|t| parse_time("until", t))
        .transpose()?;
    if let Some(m) = q.message_id.as_deref() {
        match m.parse() {
            Ok(id) => filter.message_id = Some(id),
            Err(_) => filter.upstream_id = Some(m.to_string()),
        }
    }
    let page = PageRequest {
        after: q.after,
        limit: q.limit,
    };
    let page = messages::list(state.store().as_ref(), key.account_id, &filter, &page).await?;
    Ok(Json(MessageList {
        data: page.items.iter().map(MessageView::from).collect(),
        next: page.next,
    }))
}

/// Reads a message with its status history and any upstream error.
#[utoipa::path(get, path = "/v1/messages/{id}", tag = "messages",
    params(("id" = String, Path, description = "Message id (`msg_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = MessageDetail), (status = 404, body = crate::error::ErrorBody)))]
async fn get_message(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    Path(id): Path<String>,
) -> ApiResult<Json<MessageDetail>> {
    let id = path_id::<MessageMarker>(&id, "message")?;
    let (message, history) =
        messages::get(state.store().as_ref(), key.account_id, key.channel_id, id).await?;
    Ok(Json(MessageDetail {
        message: MessageView::from(&message),
        status_history: history
            .into_iter()
            .map(|h| StatusHistoryEntry {
                status: h.status.as_str().to_string(),
                at: to_rfc3339(h.at),
                applied: h.applied,
                error: h.error,
            })
            .collect(),
    }))
}
