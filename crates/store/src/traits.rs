//! The store trait family. Each backend implements all of them; [`Store`] bundles them.

use async_trait::async_trait;
use switchboard_core::account::Account;
use switchboard_core::channel::{Channel, ChannelState, ChannelStatus};
use switchboard_core::id::{AccountId, ChannelId, KeyId};
use switchboard_core::key::ApiKey;

use switchboard_core::event::Event;
use switchboard_core::id::MessageId;
use switchboard_core::record::{MessageRecord, StatusEntry, StatusReport};
use switchboard_core::time::Millis;

use crate::bot::{ContactRecord, DecisionFilter, DecisionRecord, DecisionWrite, StoredRule};
use crate::messages::{
    Claimed, DeliveryOutcome, DispatchOutcome, EventFilter, InsertOutcome, MessageFilter,
    NewInbound, NewOutbound, ReplayFrom, StatusOutcome,
};
use crate::schedule::{CancelOutcome, Promotion};
use crate::stats::DailyCounts;
use crate::{Page, PageRequest, StoreResult};
use switchboard_core::automation::{BotSettings, ContactBotState};
use switchboard_core::id::{BotDecisionId, RuleId};
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
    /// Creates an account together with its first key and any channels, in one transaction
    /// (those channels start `active` without a `channel.status` event).
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
    /// Stores a new channel with a `channel.status` event of its state, in one transaction.
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
    /// Replaces a channel's name and settings; returns false if it does not exist. With
    /// `new_state`, the channel's state is replaced too and a `channel.status` event (from the
    /// stored status) appended in the same transaction; otherwise the stored state is kept.
    async fn update_channel(&self, channel: &Channel, new_state: bool) -> StoreResult<bool>;
    /// Deletes a channel of the account and the keys scoped to it, appending a
    /// `channel.status` event (`deleted`, from the stored status, at `at`) in the same
    /// transaction; false if it does not exist.
    async fn delete_channel(
        &self,
        account: AccountId,
        id: ChannelId,
        at: Millis,
    ) -> StoreResult<bool>;
    /// Moves a channel's state to `to` if its stored status is `from`, appending its
    /// `channel.status` event in the same transaction; false (nothing changed) otherwise.
    async fn set_channel_state(
        &self,
        id: ChannelId,
        from: ChannelStatus,
        to: &ChannelState,
    ) -> StoreResult<bool>;
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

/// Scheduled sends: messages with status `scheduled` wait outside the outbox until due.
#[async_trait]
pub trait ScheduleStore {
    /// Moves up to `limit` scheduled messages due at `now` (earliest first) to the outbox's
    /// tail with status `accepted`, each with its event in the same transaction. A free-form
    /// message whose customer's 24-hour window is closed at `now` is failed with Meta's
    /// 131047 instead. Also reports the next `send_at` still waiting.
    async fn promote_scheduled(&self, now: Millis, limit: u32) -> StoreResult<Promotion>;

    /// Cancels a scheduled message of the account that is not due yet: status `canceled`
    /// and a `message.canceled` event in one transaction.
    async fn cancel_scheduled(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<CancelOutcome>;

    /// The earliest `send_at` of any scheduled message, if any.
    async fn next_scheduled(&self) -> StoreResult<Option<Millis>>;
}

/// Channel statistics aggregated from the message table.
#[async_trait]
pub trait StatsStore {
    /// A channel's counts per bucket of `bucket_ms` (keyed by `created_at / bucket_ms`) for
    /// messages created in `[from, to)` (see [`switchboard_core::stats::Counts`] for what each
    /// number counts).
    async fn bucket_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
        bucket_ms: i64,
    ) -> StoreResult<DailyCounts>;

    /// A channel's counts per UTC day (days since the epoch) for messages created in
    /// `[from, to)`.
    async fn daily_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
    ) -> StoreResult<DailyCounts> {
        self.bucket_counts(channel, from, to, switchboard_core::stats::DAY_MS)
            .await
    }
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

/// Bot automation: per-channel settings and rules, contacts' opt-out and tags, per-contact bot
/// state, the decision log, and the bot worker's position in the event log.
#[async_trait]
pub trait BotStore {
    /// A channel's bot settings, `None` until they are first saved (the defaults apply).
    async fn get_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<BotSettings>>;
    /// Saves a channel's bot settings.
    async fn put_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
        settings: &BotSettings,
        now: Millis,
    ) -> StoreResult<()>;
    /// The channels whose bot is turned on (`enabled`), of every account (the worker's view).
    async fn bot_enabled_channels(&self) -> StoreResult<Vec<ChannelId>>;
    /// A channel's rules by position, then id.
    async fn list_bot_rules(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Vec<StoredRule>>;
    /// One rule of a channel.
    async fn get_bot_rule(
        &self,
        account: AccountId,
        channel: ChannelId,
        id: RuleId,
    ) -> StoreResult<Option<StoredRule>>;
    /// Stores a new rule.
    async fn create_bot_rule(&self, rule: &StoredRule) -> StoreResult<()>;
    /// Replaces a rule; false if it does not exist.
    async fn update_bot_rule(&self, rule: &StoredRule) -> StoreResult<bool>;
    /// Deletes a rule; false if it does not exist.
    async fn delete_bot_rule(
        &self,
        account: AccountId,
        channel: ChannelId,
        id: RuleId,
    ) -> StoreResult<bool>;
    /// Gives the channel's rules the positions 0, 1, 2… in the order of `order`, which must
    /// name each of the channel's rules exactly once; false (nothing changed) otherwise.
    async fn reorder_bot_rules(
        &self,
        account: AccountId,
        channel: ChannelId,
        order: &[RuleId],
        now: Millis,
    ) -> StoreResult<bool>;
    /// A contact of the account by WhatsApp id.
    async fn get_contact(
        &self,
        account: AccountId,
        wa_id: &str,
    ) -> StoreResult<Option<ContactRecord>>;
    /// Opts a contact out of marketing (`true`, keeping the first opt-out time) or back in
    /// (`false`), creating the contact if needed.
    async fn set_contact_opt_out(
        &self,
        account: AccountId,
        wa_id: &str,
        opted_out: bool,
        now: Millis,
    ) -> StoreResult<ContactRecord>;
    /// Adds tags to a contact (creating it if needed), skipping ones it has.
    async fn add_contact_tags(
        &self,
        account: AccountId,
        wa_id: &str,
        tags: &[String],
        now: Millis,
    ) -> StoreResult<ContactRecord>;
    /// The bot's state for one contact on one channel.
    async fn get_bot_state(
        &self,
        channel: ChannelId,
        chat: &str,
    ) -> StoreResult<Option<ContactBotState>>;
    /// Records a decision with its state change, opt-out change, tags and events in one
    /// transaction. If the inbound message already has a decision, nothing changes and that
    /// decision is returned with `false`.
    async fn record_bot_decision(
        &self,
        write: &DecisionWrite,
    ) -> StoreResult<(DecisionRecord, bool)>;
    /// The decision about an inbound message, if one was taken.
    async fn get_bot_decision_for(&self, inbound: MessageId)
        -> StoreResult<Option<DecisionRecord>>;
    /// Records the replies a decision put in the outbox (or why they could not be).
    async fn finish_bot_decision(
        &self,
        id: BotDecisionId,
        reply_message_ids: &[String],
        error: Option<&str>,
    ) -> StoreResult<()>;
    /// A channel's decision log, oldest first.
    async fn list_bot_decisions(
        &self,
        account: AccountId,
        channel: ChannelId,
        filter: &DecisionFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<DecisionRecord>>;
    /// The bot worker's position in the event log.
    async fn bot_position(&self) -> StoreResult<Option<String>>;
    /// Moves the bot worker's position.
    async fn set_bot_position(&self, cursor: &str) -> StoreResult<()>;
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
    + crate::templates::TemplateStore
    + crate::media::MediaStore
    + BotStore
    + ScheduleStore
    + StatsStore
    + crate::credits::CreditStore
    + crate::contacts::ContactStore
    + crate::broadcasts::BroadcastStore
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
