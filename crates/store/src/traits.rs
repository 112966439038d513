//! The store trait family. Each backend implements all of them; [`Store`] bundles them.

use async_trait::async_trait;
use switchboard_core::account::Account;
use switchboard_core::channel::Channel;
use switchboard_core::id::{AccountId, ChannelId, KeyId};
use switchboard_core::key::ApiKey;

use switchboard_core::event::Event;
use switchboard_core::id::MessageId;
use switchboard_core::record::{MessageRecord, StatusEntry, StatusReport};
use switchboard_core::time::Millis;

use crate::messages::{
    Claimed, DeliveryOutcome, DispatchOutcome, EventFilter, InsertOutcome, MessageFilter,
    NewInbound, NewOutbound, ReplayFrom, StatusOutcome,
};
use crate::{Page, PageRequest, StoreResult};
use switchboard_core::id::{DeliveryId, SubscriptionId};
use switchboard_core::subscription::{Attempt, Delivery, Subscription};

/// Installation-wide settings kept in the database (e.g. the admin key's hash).
#[async_trait]
pub trait MetaStore {
    /// Reads a value.
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>>;
    /// Writes a value unless one exists; returns whether it was written.
    async fn put_meta_if_absent(&self, key: &str, value: &str) -> StoreResult<bool>;
}

/// Accounts.
#[async_trait]
pub trait AccountStore {
    /// Creates an account together with its first key and any channels, in one transaction.
    async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
        channels: &[Channel],
    ) -> StoreResult<()>;
    /// Reads an account.
    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>>;
    /// Lists accounts, oldest first.
    async fn list_accounts(&self, page: &PageRequest) -> StoreResult<Page<Account>>;
    /// Counts accounts.
    async fn count_accounts(&self) -> StoreResult<u64>;
}

/// API keys.
#[async_trait]
pub trait KeyStore {
    /// Stores a new key.
    async fn create_key(&self, key: &ApiKey) -> StoreResult<()>;
    /// Reads a key by id, whatever its account (used to authenticate).
    async fn find_key(&self, id: KeyId) -> StoreResult<Option<ApiKey>>;
    /// Lists an account's keys (revoked ones included), oldest first.
    async fn list_keys(&self, account: AccountId, page: &PageRequest) -> StoreResult<Page<ApiKey>>;
    /// Revokes a key of the account; returns false if it does not exist or is already revoked.
    async fn revoke_key(&self, account: AccountId, id: KeyId, at: i64) -> StoreResult<bool>;
}

/// Channels.
#[async_trait]
pub trait ChannelStore {
    /// Stores a new channel.
    async fn create_channel(&self, channel: &Channel) -> StoreResult<()>;
    /// Reads a channel of the account.
    async fn get_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<Option<Channel>>;
    /// Reads a channel whatever its account (inbound webhooks name only the channel).
    async fn find_channel(&self, id: ChannelId) -> StoreResult<Option<Channel>>;
    /// Lists the account's channels, oldest first; `only` limits the list to one channel.
    async fn list_channels(
        &self,
        account: AccountId,
        only: Option<ChannelId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>>;
    /// Lists every channel of every account (for start-up wiring such as the sandbox).
    async fn all_channels(&self) -> StoreResult<Vec<Channel>>;
    /// Replaces a channel's name and settings; returns false if it does not exist.
    async fn update_channel(&self, channel: &Channel) -> StoreResult<bool>;
    /// Deletes a channel of the account and the keys scoped to it; false if it does not exist.
    async fn delete_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<bool>;
}

/// Messages: the history and the durable outbox, their statuses and the 24-hour windows.
/// Every change appends its event in the same transaction.
#[async_trait]
pub trait MessageStore {
    /// Stores an outbound message in the outbox with its `message.accepted` event, honouring
    /// its idempotency key.
    async fn insert_outbound(&self, new: &NewOutbound) -> StoreResult<InsertOutcome>;

    /// Leases up to `limit` dispatchable messages to `owner` until `now + lease_ms`: due, not
    /// leased, and each the oldest pending message of its chat (so a chat's next message
    /// waits for the previous one).
    async fn claim_outbox(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>>;

    /// Records a dispatch attempt's outcome for a message leased by `owner`; returns the
    /// message after the change, or `None` if the lease was lost.
    async fn finish_dispatch(
        &self,
        id: MessageId,
        owner: &str,
        outcome: DispatchOutcome,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>>;

    /// Releases every lease (used at start by single-node backends; a no-op where several
    /// nodes share the database and leases expire instead). Returns how many were released.
    async fn release_leases_at_start(&self) -> StoreResult<u64>;

    /// Number of messages waiting in the outbox.
    async fn outbox_len(&self) -> StoreResult<u64>;

    /// Applies an upstream status by upstream id: monotonic, recorded in the history, with an
    /// event when it moves the status; kept pending when the id is not known yet.
    async fn apply_status(&self, report: &StatusReport, now: Millis) -> StoreResult<StatusOutcome>;

    /// Stores an inbound message (deduplicated by upstream id), creates its contact on first
    /// contact, opens the 24-hour window and appends its event. Returns false for a duplicate.
    async fn insert_inbound(&self, new: &NewInbound, now: Millis) -> StoreResult<bool>;

    /// Marks an inbound message as read by the business (status and `message.read` event).
    async fn mark_inbound_read(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>>;

    /// Reads a message of the account with its status history.
    async fn get_message(
        &self,
        account: AccountId,
        id: MessageId,
    ) -> StoreResult<Option<(MessageRecord, Vec<StatusEntry>)>>;

    /// Finds a message of a channel by its upstream id.
    async fn find_by_upstream(
        &self,
        channel: ChannelId,
        upstream_id: &str,
    ) -> StoreResult<Option<MessageRecord>>;

    /// Lists the account's messages, oldest first.
    async fn list_messages(
        &self,
        account: AccountId,
        filter: &MessageFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<MessageRecord>>;

    /// The customer's last inbound message time on the channel (the 24-hour window).
    async fn last_inbound(&self, channel: ChannelId, chat: &str) -> StoreResult<Option<Millis>>;
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

/// Webhook subscriptions and their deliveries.
#[async_trait]
pub trait WebhookStore {
    /// Stores a new subscription.
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()>;
    /// Reads a subscription of the account.
    async fn get_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<Option<Subscription>>;
    /// Lists the account's subscriptions, oldest first.
    async fn list_subscriptions(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Subscription>>;
    /// Every enabled subscription of every account (the fan-out's view).
    async fn enabled_subscriptions(&self) -> StoreResult<Vec<Subscription>>;
    /// Replaces a subscription's settings; false if it does not exist.
    async fn update_subscription(&self, s: &Subscription) -> StoreResult<bool>;
    /// Deletes a subscription and its deliveries; false if it does not exist.
    async fn delete_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<bool>;

    /// Lists events of every account in log order after `after` (the fan-out reads this).
    async fn list_all_events(&self, after: Option<&str>, limit: u32) -> StoreResult<Page<Event>>;
    /// The fan-out's position in the event log.
    async fn fanout_position(&self) -> StoreResult<Option<String>>;
    /// Stores deliveries and moves the fan-out position past the events they came from, in
    /// one transaction.
    async fn create_deliveries(&self, deliveries: &[Delivery], position: &str) -> StoreResult<()>;

    /// Leases up to `limit` due deliveries of enabled subscriptions, each the oldest pending
    /// one of its subscription and ordering key, with its event.
    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<(Delivery, Event)>>;
    /// Records an attempt and its outcome for a delivery leased by `owner`. A failure marks
    /// the subscription failing; failing for longer than `disable_after_ms` disables it with
    /// a `subscription.disabled` event. Returns the delivery after the change, or `None` if
    /// the lease was lost.
    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
        attempt: Option<&Attempt>,
        disable_after_ms: i64,
        now: Millis,
    ) -> StoreResult<Option<Delivery>>;
    /// Reads a delivery of the account with its attempts.
    async fn get_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>>;
    /// Lists a subscription's deliveries, oldest first.
    async fn list_deliveries(
        &self,
        account: AccountId,
        subscription: SubscriptionId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>>;
    /// Makes a delivery of the account pending and due now.
    async fn retry_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
        now: Millis,
    ) -> StoreResult<Option<Delivery>>;
    /// Creates new deliveries to `subscription` for its matching events since `from` (at most
    /// `limit`); returns how many.
    async fn replay(
        &self,
        subscription: &Subscription,
        from: &ReplayFrom,
        now: Millis,
        limit: u32,
    ) -> StoreResult<u64>;
}

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
    + crate::credits::CreditStore
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
