//! Reading an account's messages (a channel-scoped caller sees only its channel's) and
//! canceling a scheduled one.

use switchboard_core::id::{AccountId, ChannelId, MessageId};
use switchboard_core::record::{MessageRecord, StatusEntry};
use switchboard_core::time::now_millis;
use switchboard_store::messages::MessageFilter;
use switchboard_store::schedule::CancelOutcome;
use switchboard_store::{Page, PageRequest, Store};

use crate::{ServiceError, ServiceResult};

/// A page of the account's messages matching `filter`.
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    filter: &MessageFilter,
    page: &PageRequest,
) -> ServiceResult<Page<MessageRecord>> {
    Ok(store.list_messages(account, filter, page).await?)
}

/// A message of the account (of channel `only`, when set) with its status history.
pub async fn get(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    id: MessageId,
) -> ServiceResult<(MessageRecord, Vec<StatusEntry>)> {
    store
        .get_message(account, id)
        .await?
        .filter(|(m, _)| only.is_none_or(|c| c == m.channel_id))
        .ok_or(ServiceError::NotFound("message"))
}

/// Cancels a scheduled message of the account (of channel `only`, when set) that is not due.
pub async fn cancel_scheduled(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    id: MessageId,
) -> ServiceResult<CancelOutcome> {
    get(store, account, only, id).await?;
    Ok(store.cancel_scheduled(account, id, now_millis()).await?)
}
