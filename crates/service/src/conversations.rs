//! Conversations: each customer who wrote to a channel, with the last message, the unread
//! inbound count since the operator's read marker and the customer-service window; and
//! marking one read. A channel-scoped caller sees only its channel's.
//!
//! Everything is computed from existing rows when read (see
//! [`switchboard_store::conversations`]): sending and receiving write nothing more.

use switchboard_core::channel::ChannelKind;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::time::Millis;
use switchboard_store::conversations::{is_cursor, Conversation, ConversationFilter};
use switchboard_store::{Page, PageRequest, Store};

use crate::{ServiceError, ServiceResult};

/// A conversation with its customer-service window.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationSummary {
    /// The conversation.
    pub conversation: Conversation,
    /// When the window closes (past or future); `None` where the channel's kind has no
    /// window (free-form messages are always allowed).
    pub window_expires_at: Option<Millis>,
}

impl ConversationSummary {
    /// Whether a free-form message may be sent at `now`.
    pub fn window_open(&self, now: Millis) -> bool {
        self.window_expires_at.is_none_or(|closes| now < closes)
    }
}

impl From<Conversation> for ConversationSummary {
    fn from(conversation: Conversation) -> Self {
        let window_expires_at = ChannelKind::parse(&conversation.channel_kind).and_then(|kind| {
            kind.capabilities()
                .window_expires_at(Some(conversation.last_inbound_at), false)
        });
        ConversationSummary {
            conversation,
            window_expires_at,
        }
    }
}

/// The channel a caller limited to `only` (when set) lists: `channel`, which must be in scope
/// and exist, or its own.
async fn channel_in_scope(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    channel: Option<ChannelId>,
) -> ServiceResult<Option<ChannelId>> {
    let channel = match (only, channel) {
        (Some(scope), Some(asked)) if scope != asked => {
            return Err(ServiceError::NotFound("channel"))
        }
        (Some(scope), _) => Some(scope),
        (None, asked) => asked,
    };
    if let Some(id) = channel {
        crate::channels::get(store, account, id).await?;
    }
    Ok(channel)
}

/// A page of the account's conversations (of `channel` when set; a caller limited to `only`
/// sees that channel's), the customer who wrote last first.
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    channel: Option<ChannelId>,
    page: &PageRequest,
) -> ServiceResult<Page<ConversationSummary>> {
    if let Some(after) = page.after.as_deref() {
        if !is_cursor(after) {
            return Err(ServiceError::invalid(
                "after",
                "not a cursor of this list: pass the `next` value of the previous page",
            ));
        }
    }
    let filter = ConversationFilter {
        channel_id: channel_in_scope(store, account, only, channel).await?,
        chat: None,
    };
    let page = store.list_conversations(account, &filter, page).await?;
    Ok(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        next: page.next,
    })
}

/// The account's conversation with `chat` on `channel`.
pub async fn get(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    channel: ChannelId,
    chat: &str,
) -> ServiceResult<ConversationSummary> {
    let filter = ConversationFilter {
        channel_id: channel_in_scope(store, account, only, Some(channel)).await?,
        chat: Some(chat.to_string()),
    };
    store
        .list_conversations(account, &filter, &PageRequest::default())
        .await?
        .items
        .into_iter()
        .next()
        .map(Into::into)
        .ok_or(ServiceError::NotFound("conversation"))
}

/// Marks the account's conversation with `chat` on `channel` read up to its newest inbound
/// message (the operator's marker: the customer is not told) and returns it.
pub async fn mark_read(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    channel: ChannelId,
    chat: &str,
) -> ServiceResult<ConversationSummary> {
    channel_in_scope(store, account, only, Some(channel)).await?;
    if !store.mark_conversation_read(account, channel, chat).await? {
        return Err(ServiceError::NotFound("conversation"));
    }
    get(store, account, only, channel, chat).await
}
