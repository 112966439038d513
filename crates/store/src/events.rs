//! The event log ([`EventStore`]) and its filter.

use async_trait::async_trait;
use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, ChannelId};

use crate::{Page, StoreResult};

/// Filters of the event list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Only this channel.
    pub channel_id: Option<ChannelId>,
    /// Only these types (exact names or `prefix.*` wildcards); empty means all.
    pub types: Vec<String>,
    /// Only this chat.
    pub chat: Option<String>,
}

/// The event log.
#[async_trait]
pub trait EventStore {
    /// Lists the account's events in log order after `after` (an event's `cursor`). Only
    /// events whose transaction and every earlier one finished are listed, so paging never
    /// skips an event that commits late.
    async fn list_events(
        &self,
        account: AccountId,
        filter: &EventFilter,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Event>>;
}
