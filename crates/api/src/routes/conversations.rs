//! Conversations: `GET /v1/conversations` (each customer who wrote to a channel, the last to
//! write first, with the last message, unread count and window), one conversation, and
//! `POST /v1/conversations/{channel_id}/{chat}/read` (the operator's read marker).

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_core::address::Address;
use switchboard_core::channel::Channel;
use switchboard_core::event::MessageView;
use switchboard_core::id::ChannelMarker;
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_service::conversations::{self, ConversationSummary};
use switchboard_store::conversations::UNREAD_COUNTED;
use switchboard_store::PageRequest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{Auth, CanRead, CanSend, ScopedChannel};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// The conversations routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(mark_read))
}

/// A conversation: a customer who wrote to a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationView {
    /// `ch_…`
    pub channel_id: String,
    /// The customer's address on the channel (a WhatsApp id, a chat id…).
    pub chat: String,
    /// The contact's name, if known.
    pub contact_name: Option<String>,
    /// When the customer last wrote (RFC 3339).
    pub last_inbound_at: String,
    /// Inbound messages after the read marker (reactions not counted), counted up to 100.
    pub unread_count: u32,
    /// True when there are more unread messages than `unread_count` says (100 or more).
    pub unread_capped: bool,
    /// The newest inbound message marked read (`msg_…`), if any.
    pub read_up_to: Option<String>,
    /// Whether a free-form message may be sent now.
    pub window_open: bool,
    /// When the customer-service window closes (RFC 3339, possibly past); null where the
    /// channel's kind has no window.
    pub window_expires_at: Option<String>,
    /// The newest message, either way.
    pub last_message: Option<MessageView>,
}

impl From<&ConversationSummary> for ConversationView {
    fn from(s: &ConversationSummary) -> Self {
        let c = &s.conversation;
        ConversationView {
            channel_id: c.channel_id.to_string(),
            chat: c.chat.clone(),
            contact_name: c.contact_name.clone(),
            last_inbound_at: to_rfc3339(c.last_inbound_at),
            unread_count: c.unread,
            unread_capped: i64::from(c.unread) >= UNREAD_COUNTED,
            read_up_to: c.read_up_to.clone(),
            window_open: s.window_open(now_millis()),
            window_expires_at: s.window_expires_at.map(to_rfc3339),
            last_message: c.last_message.as_ref().map(MessageView::from),
        }
    }
}

/// Filters of `GET /v1/conversations`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationListQuery {
    /// Only this channel's conversations (`ch_…`); a key limited to one channel sees that
    /// channel's whatever this says.
    pub channel_id: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: `next` of the previous page.
    pub after: Option<String>,
}

/// The customer's address of the path, in the channel's address form (as the message list's
/// `chat`).
fn chat_of(channel: &Channel, chat: &str) -> ApiResult<String> {
    let form = channel.kind.capabilities().address;
    Ok(Address::parse(form, &Value::String(chat.to_string()))
        .map_err(|e| ApiError::invalid(format!("chat: {e}")))?
        .into_string())
}

/// Lists the customers who wrote to the account's channels (or to one), the last to write
/// first: per channel and contact the last message, the unread inbound count since the read
/// marker and when the 24-hour window closes. A customer who never wrote (a broadcast's
/// target who did not answer) has no conversation; read its messages with
/// `GET /v1/channels/{id}/messages?chat=…`.
#[utoipa::path(get, path = "/v1/conversations", tag = "conversations",
    params(ConversationListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<ConversationView>), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn list_conversations(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    ApiQuery(q): ApiQuery<ConversationListQuery>,
) -> ApiResult<Json<List<ConversationView>>> {
    let channel = q
        .channel_id
        .as_deref()
        .map(|text| path_id::<ChannelMarker>(text, "channel"))
        .transpose()?;
    let page = PageRequest {
        after: q.after,
        limit: q.limit,
    };
    let page = conversations::list(
        state.store().as_ref(),
        key.account_id,
        key.channel_id,
        channel,
        &page,
    )
    .await?;
    Ok(Json(List::new(
        page.items.iter().map(ConversationView::from).collect(),
        page.next,
    )))
}

/// Reads one conversation: the customer `chat` on the channel.
#[utoipa::path(get, path = "/v1/conversations/{channel_id}/{chat}", tag = "conversations",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("chat" = String, Path, description = "The customer: a phone number or chat id")),
    security(("bearer" = [])),
    responses((status = 200, body = ConversationView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn get_conversation(
    State(state): State<AppState>,
    ScopedChannel { auth: key, channel }: ScopedChannel<CanRead>,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<ConversationView>> {
    let chat = chat_of(&channel, &path.1)?;
    let summary = conversations::get(
        state.store().as_ref(),
        key.account_id,
        key.channel_id,
        channel.id,
        &chat,
    )
    .await?;
    Ok(Json(ConversationView::from(&summary)))
}

/// Marks a conversation read: moves its read marker to the customer's newest message, so its
/// unread count is 0 until they write again. The marker is the operators' (shared by the
/// account's keys); the customer sees no read receipt (send one with a mark-as-read request,
/// `{"status":"read","message_id":…}`).
#[utoipa::path(post, path = "/v1/conversations/{channel_id}/{chat}/read", tag = "conversations",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("chat" = String, Path, description = "The customer: a phone number or chat id")),
    security(("bearer" = [])),
    responses((status = 200, body = ConversationView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    ScopedChannel { auth: key, channel }: ScopedChannel<CanSend>,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<ConversationView>> {
    let chat = chat_of(&channel, &path.1)?;
    let summary = conversations::mark_read(
        state.store().as_ref(),
        key.account_id,
        key.channel_id,
        channel.id,
        &chat,
    )
    .await?;
    Ok(Json(ConversationView::from(&summary)))
}
