//! The whole store ([`Store`]): every part, as one object.

use async_trait::async_trait;

use crate::{
    AccountStore, BotStore, BroadcastStore, ChannelStore, ConsoleSessionStore, ContactStore,
    ConversationStore, CreditStore, EventStore, KeyStore, LeaseStore, MediaStore, MessageStore,
    MetaStore, PollStore, ScheduleStore, StatsStore, StoreResult, TemplateStore,
    WabotInstanceStore, WebSessionStore, WebhookStore,
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
    + LeaseStore
    + WebSessionStore
    + ConsoleSessionStore
    + ConversationStore
    + WabotInstanceStore
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
    /// Seals again, under the keyring's current key, every stored secret that is not sealed
    /// under it (sealed with an older key, or written in clear before secrets were
    /// encrypted); returns how many rows changed. Fails, changing nothing, when a secret
    /// does not open with any key of the keyring.
    async fn reseal_secrets(&self) -> StoreResult<u64>;
}
