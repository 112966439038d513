//! The whole store ([`Store`]): every part, as one object.

use async_trait::async_trait;

use crate::{
    AccountStore, BotStore, BroadcastStore, ChannelStore, ContactStore, CreditStore, EventStore,
    KeyStore, MediaStore, MessageStore, MetaStore, PollStore, ScheduleStore, StatsStore,
    StoreResult, TemplateStore, WebhookStore,
};

/// The whole store.
#[async_trait]
pub trait Store:
    MetaStore
    + AccountStore
    + KeyStore
    + ChannelStore
    + MessageStore
    + EventStore
    + WebhookStore
    + TemplateStore
    + MediaStore
    + BotStore
    + ScheduleStore
    + StatsStore
    + CreditStore
    + ContactStore
    + BroadcastStore
    + PollStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// Releases connections and background threads.
    async fn close(&self);
}
