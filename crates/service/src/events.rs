//! Reading an account's event log.

use switchboard_core::event::Event;
use switchboard_core::id::AccountId;
use switchboard_store::messages::EventFilter;
use switchboard_store::{Page, Store, StoreError};

use crate::{ServiceError, ServiceResult};

/// Up to `limit` of the account's events matching `filter` after the cursor `after`, in log
/// order; an unknown cursor is refused as an invalid `after`.
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    filter: &EventFilter,
    after: Option<&str>,
    limit: u32,
) -> ServiceResult<Page<Event>> {
    store
        .list_events(account, filter, after, limit)
        .await
        .map_err(|e| match e {
            StoreError::Config(m) => ServiceError::invalid("after", m),
            other => other.into(),
        })
}
