//! Reading and controlling an account's broadcasts (a channel-scoped caller sees only its
//! channel's): list, read, list targets, pause, resume, cancel.

use switchboard_core::broadcast::{BroadcastRecord, TargetStatus};
use switchboard_core::id::{AccountId, BroadcastId, ChannelId};
use switchboard_core::time::now_millis;
use switchboard_store::broadcasts::{ControlAction, ControlOutcome, TargetRecord};
use switchboard_store::{Page, PageRequest, Store};

use super::Broadcasts;
use crate::{ServiceError, ServiceResult};

/// A page of the account's broadcasts, oldest first; `only` keeps one channel's.
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    page: &PageRequest,
) -> ServiceResult<Page<BroadcastRecord>> {
    let mut page = store.list_broadcasts(account, page).await?;
    page.items
        .retain(|b| only.is_none_or(|c| c == b.channel_id));
    Ok(page)
}

/// A broadcast of the account (of channel `only`, when set).
pub async fn get(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    id: BroadcastId,
) -> ServiceResult<BroadcastRecord> {
    store
        .get_broadcast(account, id)
        .await?
        .filter(|b| only.is_none_or(|c| c == b.channel_id))
        .ok_or(ServiceError::NotFound("broadcast"))
}

/// A page of a broadcast's targets, optionally of one status.
pub async fn targets(
    store: &dyn Store,
    account: AccountId,
    id: BroadcastId,
    status: Option<TargetStatus>,
    page: &PageRequest,
) -> ServiceResult<Page<TargetRecord>> {
    Ok(store.list_targets(account, id, status, page).await?)
}

/// Pauses, resumes or cancels a broadcast; a change wakes the feeder.
pub async fn control(
    store: &dyn Store,
    broadcasts: &Broadcasts,
    account: AccountId,
    id: BroadcastId,
    action: ControlAction,
) -> ServiceResult<ControlOutcome> {
    let outcome = store
        .control_broadcast(account, id, action, now_millis())
        .await?;
    if matches!(outcome, ControlOutcome::Changed(_)) {
        broadcasts.wake();
    }
    Ok(outcome)
}
