//! A store that fails chosen methods a given number of times, delegating everything else
//! (and every later call) to a real store. Generated from the store traits.

#![allow(clippy::too_many_arguments, unused_imports)]

use super::faults::Faults;
use async_trait::async_trait;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Map;
use serde_json::Value;
use std::collections::BTreeMap;
use switchboard_core::account::Account;
use switchboard_core::automation::BotSettings;
use switchboard_core::automation::ContactBotState;
use switchboard_core::automation::Decision;
use switchboard_core::automation::Rule;
use switchboard_core::broadcast::BroadcastRecord;
use switchboard_core::broadcast::TargetStatus;
use switchboard_core::channel::Channel;
use switchboard_core::channel::ChannelKind;
use switchboard_core::channel::ChannelState;
use switchboard_core::channel::ChannelStatus;
use switchboard_core::event::Event;
use switchboard_core::id::AccountId;
use switchboard_core::id::BotDecisionId;
use switchboard_core::id::BroadcastId;
use switchboard_core::id::ChannelId;
use switchboard_core::id::ContactId;
use switchboard_core::id::ContactImportId;
use switchboard_core::id::DeliveryId;
use switchboard_core::id::KeyId;
use switchboard_core::id::MediaId;
use switchboard_core::id::MessageId;
use switchboard_core::id::RuleId;
use switchboard_core::id::SubscriptionId;
use switchboard_core::id::TemplateId;
use switchboard_core::key::ApiKey;
use switchboard_core::media::MediaRecord;
use switchboard_core::media::UpstreamMedia;
use switchboard_core::record::MessageRecord;
use switchboard_core::record::StatusEntry;
use switchboard_core::record::StatusReport;
use switchboard_core::stats::Counts;
use switchboard_core::status::Direction;
use switchboard_core::status::MessageStatus;
use switchboard_core::subscription::Attempt;
use switchboard_core::subscription::Delivery;
use switchboard_core::subscription::Subscription;
use switchboard_core::template_def::TemplateStatus;
use switchboard_core::template_record::TemplateRecord;
use switchboard_core::time::Millis;
use switchboard_store::accounts::*;
use switchboard_store::bot::*;
use switchboard_store::broadcasts::*;
use switchboard_store::channels::*;
use switchboard_store::contacts::*;
use switchboard_store::credits::*;
use switchboard_store::events::*;
use switchboard_store::keys::*;
use switchboard_store::leases::*;
use switchboard_store::media::*;
use switchboard_store::messages::*;
use switchboard_store::meta::*;
use switchboard_store::schedule::*;
use switchboard_store::stats::*;
use switchboard_store::templates::*;
use switchboard_store::webhooks::*;
use switchboard_store::AccountStore;
use switchboard_store::BotStore;
use switchboard_store::BroadcastStore;
use switchboard_store::ChannelStore;
use switchboard_store::ContactStore;
use switchboard_store::CreditStore;
use switchboard_store::EventStore;
use switchboard_store::KeyStore;
use switchboard_store::LeaseStore;
use switchboard_store::MediaStore;
use switchboard_store::MessageStore;
use switchboard_store::MetaStore;
use switchboard_store::Page;
use switchboard_store::PageRequest;
use switchboard_store::ScheduleStore;
use switchboard_store::StatsStore;
use switchboard_store::StoreResult;
use switchboard_store::TemplateStore;
use switchboard_store::WebhookStore;

/// The wrapped store.
pub struct FaultyStore {
    /// The real store.
    pub inner: std::sync::Arc<dyn switchboard_store::Store>,
    /// Which methods fail, how many times.
    pub faults: Faults,
}

#[async_trait]
impl switchboard_store::AccountStore for FaultyStore {
    async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
        channels: &[Channel],
    ) -> StoreResult<()> {
        self.faults.check("create_account")?;
        self.inner
            .create_account(account, first_key, channels)
            .await
    }
    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        self.faults.check("get_account")?;
        self.inner.get_account(id).await
    }
    async fn list_accounts(&self, page: &PageRequest) -> StoreResult<Page<Account>> {
        self.faults.check("list_accounts")?;
        self.inner.list_accounts(page).await
    }
    async fn count_accounts(&self) -> StoreResult<u64> {
        self.faults.check("count_accounts")?;
        self.inner.count_accounts().await
    }
}

#[async_trait]
impl switchboard_store::BotStore for FaultyStore {
    async fn get_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<BotSettings>> {
        self.faults.check("get_bot_settings")?;
        self.inner.get_bot_settings(account, channel).await
    }
    async fn put_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
        settings: &BotSettings,
        now: Millis,
    ) -> StoreResult<()> {
        self.faults.check("put_bot_settings")?;
        self.inner
            .put_bot_settings(account, channel, settings, now)
            .await
    }
    async fn bot_enabled_channels(&self) -> StoreResult<Vec<ChannelId>> {
        self.faults.check("bot_enabled_channels")?;
        self.inner.bot_enabled_channels().await
    }
    async fn list_bot_rules(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Vec<StoredRule>> {
        self.faults.check("list_bot_rules")?;
        self.inner.list_bot_rules(account, channel).await
    }
    async fn get_bot_rule(
        &self,
        account: AccountId,
        channel: ChannelId,
        id: RuleId,
    ) -> StoreResult<Option<StoredRule>> {
        self.faults.check("get_bot_rule")?;
        self.inner.get_bot_rule(account, channel, id).await
    }
    async fn create_bot_rule(&self, rule: &StoredRule) -> StoreResult<()> {
        self.faults.check("create_bot_rule")?;
        self.inner.create_bot_rule(rule).await
    }
    async fn update_bot_rule(&self, rule: &StoredRule) -> StoreResult<bool> {
        self.faults.check("update_bot_rule")?;
        self.inner.update_bot_rule(rule).await
    }
    async fn delete_bot_rule(
        &self,
        account: AccountId,
        channel: ChannelId,
        id: RuleId,
    ) -> StoreResult<bool> {
        self.faults.check("delete_bot_rule")?;
        self.inner.delete_bot_rule(account, channel, id).await
    }
    async fn reorder_bot_rules(
        &self,
        account: AccountId,
        channel: ChannelId,
        order: &[RuleId],
        now: Millis,
    ) -> StoreResult<bool> {
        self.faults.check("reorder_bot_rules")?;
        self.inner
            .reorder_bot_rules(account, channel, order, now)
            .await
    }
    async fn get_contact(
        &self,
        account: AccountId,
        wa_id: &str,
    ) -> StoreResult<Option<ContactRecord>> {
        self.faults.check("get_contact")?;
        self.inner.get_contact(account, wa_id).await
    }
    async fn set_contact_opt_out(
        &self,
        account: AccountId,
        wa_id: &str,
        opted_out: bool,
        now: Millis,
    ) -> StoreResult<ContactRecord> {
        self.faults.check("set_contact_opt_out")?;
        self.inner
            .set_contact_opt_out(account, wa_id, opted_out, now)
            .await
    }
    async fn add_contact_tags(
        &self,
        account: AccountId,
        wa_id: &str,
        tags: &[String],
        now: Millis,
    ) -> StoreResult<ContactRecord> {
        self.faults.check("add_contact_tags")?;
        self.inner.add_contact_tags(account, wa_id, tags, now).await
    }
    async fn get_bot_state(
        &self,
        channel: ChannelId,
        chat: &str,
    ) -> StoreResult<Option<ContactBotState>> {
        self.faults.check("get_bot_state")?;
        self.inner.get_bot_state(channel, chat).await
    }
    async fn record_bot_decision(
        &self,
        write: &DecisionWrite,
    ) -> StoreResult<(DecisionRecord, bool)> {
        self.faults.check("record_bot_decision")?;
        self.inner.record_bot_decision(write).await
    }
    async fn get_bot_decision_for(
        &self,
        inbound: MessageId,
    ) -> StoreResult<Option<DecisionRecord>> {
        self.faults.check("get_bot_decision_for")?;
        self.inner.get_bot_decision_for(inbound).await
    }
    async fn finish_bot_decision(
        &self,
        id: BotDecisionId,
        reply_message_ids: &[String],
        error: Option<&str>,
    ) -> StoreResult<()> {
        self.faults.check("finish_bot_decision")?;
        self.inner
            .finish_bot_decision(id, reply_message_ids, error)
            .await
    }
    async fn list_bot_decisions(
        &self,
        account: AccountId,
        channel: ChannelId,
        filter: &DecisionFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<DecisionRecord>> {
        self.faults.check("list_bot_decisions")?;
        self.inner
            .list_bot_decisions(account, channel, filter, page)
            .await
    }
    async fn bot_position(&self) -> StoreResult<Option<String>> {
        self.faults.check("bot_position")?;
        self.inner.bot_position().await
    }
    async fn set_bot_position(&self, cursor: &str) -> StoreResult<()> {
        self.faults.check("set_bot_position")?;
        self.inner.set_bot_position(cursor).await
    }
}

#[async_trait]
impl switchboard_store::BroadcastStore for FaultyStore {
    async fn create_broadcast(&self, b: &BroadcastRecord) -> StoreResult<CreateBroadcastOutcome> {
        self.faults.check("create_broadcast")?;
        self.inner.create_broadcast(b).await
    }
    async fn get_broadcast(
        &self,
        account: AccountId,
        id: BroadcastId,
    ) -> StoreResult<Option<BroadcastRecord>> {
        self.faults.check("get_broadcast")?;
        self.inner.get_broadcast(account, id).await
    }
    async fn list_broadcasts(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<BroadcastRecord>> {
        self.faults.check("list_broadcasts")?;
        self.inner.list_broadcasts(account, page).await
    }
    async fn list_targets(
        &self,
        account: AccountId,
        id: BroadcastId,
        status: Option<TargetStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<TargetRecord>> {
        self.faults.check("list_targets")?;
        self.inner.list_targets(account, id, status, page).await
    }
    async fn count_targets(&self, id: BroadcastId) -> StoreResult<[i64; 9]> {
        self.faults.check("count_targets")?;
        self.inner.count_targets(id).await
    }
    async fn control_broadcast(
        &self,
        account: AccountId,
        id: BroadcastId,
        action: ControlAction,
        now: Millis,
    ) -> StoreResult<ControlOutcome> {
        self.faults.check("control_broadcast")?;
        self.inner.control_broadcast(account, id, action, now).await
    }
    async fn open_broadcasts(&self) -> StoreResult<Vec<BroadcastRecord>> {
        self.faults.check("open_broadcasts")?;
        self.inner.open_broadcasts().await
    }
    async fn count_audience(
        &self,
        account: AccountId,
        audience: &ContactAudience,
    ) -> StoreResult<i64> {
        self.faults.check("count_audience")?;
        self.inner.count_audience(account, audience).await
    }
    async fn audience_contacts(
        &self,
        account: AccountId,
        audience: &ContactAudience,
        after: Option<ContactId>,
        limit: u32,
    ) -> StoreResult<Vec<AudienceContact>> {
        self.faults.check("audience_contacts")?;
        self.inner
            .audience_contacts(account, audience, after, limit)
            .await
    }
    async fn materialize_targets(
        &self,
        batch: &MaterializeBatch<'_>,
        now: Millis,
    ) -> StoreResult<bool> {
        self.faults.check("materialize_targets")?;
        self.inner.materialize_targets(batch, now).await
    }
    async fn fail_broadcast(&self, id: BroadcastId, error: &Value, now: Millis) -> StoreResult<()> {
        self.faults.check("fail_broadcast")?;
        self.inner.fail_broadcast(id, error, now).await
    }
    async fn start_broadcast(&self, id: BroadcastId, now: Millis) -> StoreResult<bool> {
        self.faults.check("start_broadcast")?;
        self.inner.start_broadcast(id, now).await
    }
    async fn pending_targets(
        &self,
        id: BroadcastId,
        limit: u32,
    ) -> StoreResult<Vec<PendingTarget>> {
        self.faults.check("pending_targets")?;
        self.inner.pending_targets(id, limit).await
    }
    async fn feed_targets(
        &self,
        id: BroadcastId,
        items: &[FeedItem],
        now: Millis,
    ) -> StoreResult<FeedOutcome> {
        self.faults.check("feed_targets")?;
        self.inner.feed_targets(id, items, now).await
    }
    async fn track_statuses(
        &self,
        statuses: &[TrackedStatus],
        position: &str,
        progress_every_ms: i64,
        now: Millis,
    ) -> StoreResult<u64> {
        self.faults.check("track_statuses")?;
        self.inner
            .track_statuses(statuses, position, progress_every_ms, now)
            .await
    }
    async fn broadcast_position(&self) -> StoreResult<Option<String>> {
        self.faults.check("broadcast_position")?;
        self.inner.broadcast_position().await
    }
}

#[async_trait]
impl switchboard_store::ChannelStore for FaultyStore {
    async fn create_channel(&self, channel: &Channel) -> StoreResult<()> {
        self.faults.check("create_channel")?;
        self.inner.create_channel(channel).await
    }
    async fn get_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<Option<Channel>> {
        self.faults.check("get_channel")?;
        self.inner.get_channel(account, id).await
    }
    async fn find_channel(&self, id: ChannelId) -> StoreResult<Option<Channel>> {
        self.faults.check("find_channel")?;
        self.inner.find_channel(id).await
    }
    async fn list_channels(
        &self,
        account: AccountId,
        only: Option<ChannelId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>> {
        self.faults.check("list_channels")?;
        self.inner.list_channels(account, only, page).await
    }
    async fn all_channels(&self) -> StoreResult<Vec<Channel>> {
        self.faults.check("all_channels")?;
        self.inner.all_channels().await
    }
    async fn channel_kinds(&self) -> StoreResult<Vec<(ChannelId, ChannelKind)>> {
        self.faults.check("channel_kinds")?;
        self.inner.channel_kinds().await
    }
    async fn update_channel(&self, channel: &Channel, new_state: bool) -> StoreResult<bool> {
        self.faults.check("update_channel")?;
        self.inner.update_channel(channel, new_state).await
    }
    async fn delete_channel(
        &self,
        account: AccountId,
        id: ChannelId,
        at: Millis,
    ) -> StoreResult<bool> {
        self.faults.check("delete_channel")?;
        self.inner.delete_channel(account, id, at).await
    }
    async fn set_channel_state(
        &self,
        id: ChannelId,
        from: ChannelStatus,
        to: &ChannelState,
    ) -> StoreResult<bool> {
        self.faults.check("set_channel_state")?;
        self.inner.set_channel_state(id, from, to).await
    }
}

#[async_trait]
impl switchboard_store::ContactStore for FaultyStore {
    async fn create_contact(&self, contact: &ContactRecord) -> StoreResult<bool> {
        self.faults.check("create_contact")?;
        self.inner.create_contact(contact).await
    }
    async fn find_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
    ) -> StoreResult<Option<ContactRecord>> {
        self.faults.check("find_contact")?;
        self.inner.find_contact(account, key).await
    }
    async fn update_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
        patch: &ContactPatch,
        now: Millis,
    ) -> StoreResult<Option<ContactRecord>> {
        self.faults.check("update_contact")?;
        self.inner.update_contact(account, key, patch, now).await
    }
    async fn delete_contact(&self, account: AccountId, key: &ContactKey) -> StoreResult<bool> {
        self.faults.check("delete_contact")?;
        self.inner.delete_contact(account, key).await
    }
    async fn list_contacts(
        &self,
        account: AccountId,
        filter: &ContactFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ContactRecord>> {
        self.faults.check("list_contacts")?;
        self.inner.list_contacts(account, filter, page).await
    }
    async fn last_inbound_by_contact(
        &self,
        account: AccountId,
        wa_ids: &[String],
    ) -> StoreResult<Vec<(String, ChannelId, Millis)>> {
        self.faults.check("last_inbound_by_contact")?;
        self.inner.last_inbound_by_contact(account, wa_ids).await
    }
    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[ImportRow],
        mode: ImportMode,
        now: Millis,
    ) -> StoreResult<BatchOutcome> {
        self.faults.check("import_contacts")?;
        self.inner.import_contacts(account, rows, mode, now).await
    }
    async fn create_import(&self, job: &ImportJob) -> StoreResult<()> {
        self.faults.check("create_import")?;
        self.inner.create_import(job).await
    }
    async fn get_import(
        &self,
        account: AccountId,
        id: ContactImportId,
    ) -> StoreResult<Option<ImportJob>> {
        self.faults.check("get_import")?;
        self.inner.get_import(account, id).await
    }
    async fn save_import(&self, job: &ImportJob) -> StoreResult<()> {
        self.faults.check("save_import")?;
        self.inner.save_import(job).await
    }
    async fn running_imports(&self) -> StoreResult<Vec<ImportJob>> {
        self.faults.check("running_imports")?;
        self.inner.running_imports().await
    }
}

#[async_trait]
impl switchboard_store::CreditStore for FaultyStore {
    async fn credit_balance(&self, account: AccountId) -> StoreResult<i64> {
        self.faults.check("credit_balance")?;
        self.inner.credit_balance(account).await
    }
    async fn change_credits(
        &self,
        change: &CreditChange<'_>,
        now: Millis,
    ) -> StoreResult<CreditOutcome> {
        self.faults.check("change_credits")?;
        self.inner.change_credits(change, now).await
    }
    async fn credit_movements(
        &self,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<CreditMovement>> {
        self.faults.check("credit_movements")?;
        self.inner.credit_movements(account, limit).await
    }
}

#[async_trait]
impl switchboard_store::EventStore for FaultyStore {
    async fn list_events(
        &self,
        account: AccountId,
        filter: &EventFilter,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Event>> {
        self.faults.check("list_events")?;
        self.inner.list_events(account, filter, after, limit).await
    }
}

#[async_trait]
impl switchboard_store::KeyStore for FaultyStore {
    async fn create_key(&self, key: &ApiKey) -> StoreResult<()> {
        self.faults.check("create_key")?;
        self.inner.create_key(key).await
    }
    async fn find_key(&self, id: KeyId) -> StoreResult<Option<ApiKey>> {
        self.faults.check("find_key")?;
        self.inner.find_key(id).await
    }
    async fn list_keys(&self, account: AccountId, page: &PageRequest) -> StoreResult<Page<ApiKey>> {
        self.faults.check("list_keys")?;
        self.inner.list_keys(account, page).await
    }
    async fn revoke_key(&self, account: AccountId, id: KeyId, at: i64) -> StoreResult<bool> {
        self.faults.check("revoke_key")?;
        self.inner.revoke_key(account, id, at).await
    }
    async fn record_key_use(&self, id: KeyId, at: i64) -> StoreResult<()> {
        self.faults.check("record_key_use")?;
        self.inner.record_key_use(id, at).await
    }
}

#[async_trait]
impl switchboard_store::MediaStore for FaultyStore {
    async fn insert_media(&self, media: &MediaRecord) -> StoreResult<()> {
        self.faults.check("insert_media")?;
        self.inner.insert_media(media).await
    }
    async fn get_media(&self, account: AccountId, id: MediaId) -> StoreResult<Option<MediaRecord>> {
        self.faults.check("get_media")?;
        self.inner.get_media(account, id).await
    }
    async fn delete_media(
        &self,
        account: AccountId,
        id: MediaId,
    ) -> StoreResult<Option<MediaRecord>> {
        self.faults.check("delete_media")?;
        self.inner.delete_media(account, id).await
    }
    async fn expired_media(&self, now: Millis, limit: u32) -> StoreResult<Vec<MediaRecord>> {
        self.faults.check("expired_media")?;
        self.inner.expired_media(now, limit).await
    }
    async fn upstream_media(
        &self,
        media: MediaId,
        channel: ChannelId,
    ) -> StoreResult<Option<UpstreamMedia>> {
        self.faults.check("upstream_media")?;
        self.inner.upstream_media(media, channel).await
    }
    async fn put_upstream_media(
        &self,
        media: MediaId,
        channel: ChannelId,
        upstream: &UpstreamMedia,
    ) -> StoreResult<()> {
        self.faults.check("put_upstream_media")?;
        self.inner
            .put_upstream_media(media, channel, upstream)
            .await
    }
}

#[async_trait]
impl switchboard_store::MessageStore for FaultyStore {
    async fn insert_outbound(&self, new: &NewOutbound) -> StoreResult<InsertOutcome> {
        self.faults.check("insert_outbound")?;
        self.inner.insert_outbound(new).await
    }
    async fn claim_outbox(&self, claim: &OutboxClaim<'_>) -> StoreResult<Vec<Claimed>> {
        self.faults.check("claim_outbox")?;
        self.inner.claim_outbox(claim).await
    }
    async fn finish_dispatch(
        &self,
        done: FinishDispatch<'_>,
    ) -> StoreResult<Option<MessageRecord>> {
        self.faults.check("finish_dispatch")?;
        self.inner.finish_dispatch(done).await
    }
    async fn release_leases_at_start(&self) -> StoreResult<u64> {
        self.faults.check("release_leases_at_start")?;
        self.inner.release_leases_at_start().await
    }
    async fn outbox_len(&self) -> StoreResult<u64> {
        self.faults.check("outbox_len")?;
        self.inner.outbox_len().await
    }
    async fn apply_status(&self, report: &StatusReport, now: Millis) -> StoreResult<StatusOutcome> {
        self.faults.check("apply_status")?;
        self.inner.apply_status(report, now).await
    }
    async fn insert_inbound(&self, new: &NewInbound, now: Millis) -> StoreResult<bool> {
        self.faults.check("insert_inbound")?;
        self.inner.insert_inbound(new, now).await
    }
    async fn mark_inbound_read(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>> {
        self.faults.check("mark_inbound_read")?;
        self.inner.mark_inbound_read(account, id, now).await
    }
    async fn get_message(
        &self,
        account: AccountId,
        id: MessageId,
    ) -> StoreResult<Option<(MessageRecord, Vec<StatusEntry>)>> {
        self.faults.check("get_message")?;
        self.inner.get_message(account, id).await
    }
    async fn find_by_upstream(
        &self,
        channel: ChannelId,
        upstream_id: &str,
    ) -> StoreResult<Option<MessageRecord>> {
        self.faults.check("find_by_upstream")?;
        self.inner.find_by_upstream(channel, upstream_id).await
    }
    async fn list_messages(
        &self,
        account: AccountId,
        filter: &MessageFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<MessageRecord>> {
        self.faults.check("list_messages")?;
        self.inner.list_messages(account, filter, page).await
    }
    async fn latest_messages(
        &self,
        account: AccountId,
        filter: &MessageFilter,
        before: &str,
        limit: u32,
    ) -> StoreResult<Vec<MessageRecord>> {
        self.faults.check("latest_messages")?;
        self.inner
            .latest_messages(account, filter, before, limit)
            .await
    }
    async fn last_inbound(&self, channel: ChannelId, chat: &str) -> StoreResult<Option<Millis>> {
        self.faults.check("last_inbound")?;
        self.inner.last_inbound(channel, chat).await
    }
    async fn below_watermark(
        &self,
        channel: ChannelId,
        chat: &str,
        receipt: MessageStatus,
        until: Millis,
        limit: u32,
    ) -> StoreResult<Vec<MessageRecord>> {
        self.faults.check("below_watermark")?;
        self.inner
            .below_watermark(channel, chat, receipt, until, limit)
            .await
    }
}

#[async_trait]
impl switchboard_store::MetaStore for FaultyStore {
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.faults.check("get_meta")?;
        self.inner.get_meta(key).await
    }
    async fn put_meta_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        self.faults.check("put_meta_if_absent")?;
        self.inner.put_meta_if_absent(key, value).await
    }
}

#[async_trait]
impl switchboard_store::PollStore for FaultyStore {
    async fn lease_poll(
        &self,
        channel: ChannelId,
        owner: &str,
        now: Millis,
        lease_ms: i64,
    ) -> StoreResult<Option<i64>> {
        self.faults.check("lease_poll")?;
        self.inner.lease_poll(channel, owner, now, lease_ms).await
    }
    async fn save_poll_offset(
        &self,
        channel: ChannelId,
        owner: &str,
        offset: i64,
    ) -> StoreResult<bool> {
        self.faults.check("save_poll_offset")?;
        self.inner.save_poll_offset(channel, owner, offset).await
    }
    async fn release_poll(&self, channel: ChannelId, owner: &str) -> StoreResult<()> {
        self.faults.check("release_poll")?;
        self.inner.release_poll(channel, owner).await
    }
}

#[async_trait]
impl switchboard_store::LeaseStore for FaultyStore {
    async fn try_acquire(
        &self,
        name: &str,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        self.faults.check("try_acquire")?;
        self.inner.try_acquire(name, owner, now, ttl_ms).await
    }
    async fn acquire_many(
        &self,
        names: &[String],
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Vec<Lease>> {
        self.faults.check("acquire_many")?;
        self.inner.acquire_many(names, owner, now, ttl_ms).await
    }
    async fn renew(
        &self,
        fence: &Fence,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        self.faults.check("renew")?;
        self.inner.renew(fence, owner, now, ttl_ms).await
    }
    async fn renew_many(
        &self,
        fences: &[Fence],
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Vec<Lease>> {
        self.faults.check("renew_many")?;
        self.inner.renew_many(fences, owner, now, ttl_ms).await
    }
    async fn release(&self, names: &[String], owner: &str) -> StoreResult<u64> {
        self.faults.check("release")?;
        self.inner.release(names, owner).await
    }
    async fn list_leases(&self, prefix: &str) -> StoreResult<Vec<Lease>> {
        self.faults.check("list_leases")?;
        self.inner.list_leases(prefix).await
    }
    async fn check_fence(&self, fence: &Fence) -> StoreResult<bool> {
        self.faults.check("check_fence")?;
        self.inner.check_fence(fence).await
    }
}

#[async_trait]
impl switchboard_store::ScheduleStore for FaultyStore {
    async fn promote_scheduled(&self, now: Millis, limit: u32) -> StoreResult<Promotion> {
        self.faults.check("promote_scheduled")?;
        self.inner.promote_scheduled(now, limit).await
    }
    async fn cancel_scheduled(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<CancelOutcome> {
        self.faults.check("cancel_scheduled")?;
        self.inner.cancel_scheduled(account, id, now).await
    }
    async fn next_scheduled(&self) -> StoreResult<Option<Millis>> {
        self.faults.check("next_scheduled")?;
        self.inner.next_scheduled().await
    }
}

#[async_trait]
impl switchboard_store::StatsStore for FaultyStore {
    async fn bucket_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
        bucket_ms: i64,
    ) -> StoreResult<DailyCounts> {
        self.faults.check("bucket_counts")?;
        self.inner.bucket_counts(channel, from, to, bucket_ms).await
    }

    async fn failure_counts(
        &self,
        channel: ChannelId,
        from: Millis,
        to: Millis,
    ) -> StoreResult<Vec<switchboard_store::stats::FailureCount>> {
        self.faults.check("failure_counts")?;
        self.inner.failure_counts(channel, from, to).await
    }
}

#[async_trait]
impl switchboard_store::ConsoleSessionStore for FaultyStore {
    async fn create_console_session(
        &self,
        session: &switchboard_store::console_sessions::ConsoleSession,
    ) -> StoreResult<()> {
        self.faults.check("create_console_session")?;
        self.inner.create_console_session(session).await
    }
    async fn find_console_session(
        &self,
        id_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<switchboard_store::console_sessions::ConsoleSession>> {
        self.faults.check("find_console_session")?;
        self.inner.find_console_session(id_hash, now).await
    }
    async fn touch_console_session(
        &self,
        id_hash: &str,
        now: Millis,
        idle_expires_at: Millis,
    ) -> StoreResult<bool> {
        self.faults.check("touch_console_session")?;
        self.inner
            .touch_console_session(id_hash, now, idle_expires_at)
            .await
    }
    async fn delete_console_session(&self, id_hash: &str) -> StoreResult<bool> {
        self.faults.check("delete_console_session")?;
        self.inner.delete_console_session(id_hash).await
    }
    async fn purge_console_sessions(&self, now: Millis) -> StoreResult<u64> {
        self.faults.check("purge_console_sessions")?;
        self.inner.purge_console_sessions(now).await
    }
    async fn create_sign_in_token(
        &self,
        token: &switchboard_store::console_sessions::SignInToken,
    ) -> StoreResult<()> {
        self.faults.check("create_sign_in_token")?;
        self.inner.create_sign_in_token(token).await
    }
    async fn take_sign_in_token(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<switchboard_store::console_sessions::SignInToken>> {
        self.faults.check("take_sign_in_token")?;
        self.inner.take_sign_in_token(token_hash, now).await
    }
}

#[async_trait]
impl switchboard_store::ConversationStore for FaultyStore {
    async fn list_conversations(
        &self,
        account: AccountId,
        filter: &switchboard_store::conversations::ConversationFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<switchboard_store::conversations::Conversation>> {
        self.faults.check("list_conversations")?;
        self.inner.list_conversations(account, filter, page).await
    }
    async fn mark_conversation_read(
        &self,
        account: AccountId,
        channel: ChannelId,
        chat: &str,
    ) -> StoreResult<bool> {
        self.faults.check("mark_conversation_read")?;
        self.inner
            .mark_conversation_read(account, channel, chat)
            .await
    }
}

#[async_trait]
impl switchboard_store::Store for FaultyStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn ping(&self) -> StoreResult<()> {
        self.faults.check("ping")?;
        self.inner.ping().await
    }
    async fn close(&self) -> () {
        self.inner.close().await
    }
    async fn reseal_secrets(&self) -> StoreResult<u64> {
        self.faults.check("reseal_secrets")?;
        self.inner.reseal_secrets().await
    }
}

#[async_trait]
impl switchboard_store::TemplateStore for FaultyStore {
    async fn upsert_template(&self, t: &TemplateRecord) -> StoreResult<Upserted> {
        self.faults.check("upsert_template")?;
        self.inner.upsert_template(t).await
    }
    async fn get_template(
        &self,
        account: AccountId,
        id: TemplateId,
    ) -> StoreResult<Option<TemplateRecord>> {
        self.faults.check("get_template")?;
        self.inner.get_template(account, id).await
    }
    async fn list_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        filter: &TemplateFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<TemplateRecord>> {
        self.faults.check("list_templates")?;
        self.inner
            .list_templates(account, channel, filter, page)
            .await
    }
    async fn channel_templates(&self, channel: ChannelId) -> StoreResult<Vec<TemplateRecord>> {
        self.faults.check("channel_templates")?;
        self.inner.channel_templates(channel).await
    }
    async fn delete_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        name: &str,
        only: Option<TemplateId>,
    ) -> StoreResult<Vec<TemplateRecord>> {
        self.faults.check("delete_templates")?;
        self.inner
            .delete_templates(account, channel, name, only)
            .await
    }
    async fn sync_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        upstream: &[TemplateRecord],
        listed_at: Millis,
    ) -> StoreResult<SyncOutcome> {
        self.faults.check("sync_templates")?;
        self.inner
            .sync_templates(account, channel, upstream, listed_at)
            .await
    }
    async fn set_template_status(
        &self,
        channel: ChannelId,
        name: &str,
        language: &str,
        status: TemplateStatus,
        reason: Option<&str>,
        now: Millis,
    ) -> StoreResult<Option<(TemplateRecord, bool)>> {
        self.faults.check("set_template_status")?;
        self.inner
            .set_template_status(channel, name, language, status, reason, now)
            .await
    }
    async fn channels_with_templates_in(
        &self,
        statuses: &[TemplateStatus],
    ) -> StoreResult<Vec<ChannelId>> {
        self.faults.check("channels_with_templates_in")?;
        self.inner.channels_with_templates_in(statuses).await
    }
}

#[async_trait]
impl switchboard_store::WabotInstanceStore for FaultyStore {
    async fn create_wabot_instance(
        &self,
        instance: &switchboard_store::wabot_instances::WabotInstance,
    ) -> StoreResult<()> {
        self.faults.check("create_wabot_instance")?;
        self.inner.create_wabot_instance(instance).await
    }
    async fn wabot_instance(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<switchboard_store::wabot_instances::WabotInstance>> {
        self.faults.check("wabot_instance")?;
        self.inner.wabot_instance(account, channel).await
    }
    async fn list_wabot_instances(
        &self,
        account: AccountId,
    ) -> StoreResult<Vec<switchboard_store::wabot_instances::WabotInstance>> {
        self.faults.check("list_wabot_instances")?;
        self.inner.list_wabot_instances(account).await
    }
}

#[async_trait]
impl switchboard_store::WebSessionStore for FaultyStore {
    async fn web_session(
        &self,
        channel: ChannelId,
    ) -> StoreResult<Option<switchboard_core::channel::web_session::WebSession>> {
        self.faults.check("web_session")?;
        self.inner.web_session(channel).await
    }
    async fn set_web_session(
        &self,
        account: AccountId,
        session: &switchboard_core::channel::web_session::WebSession,
        previous: Option<switchboard_core::channel::web_session::SessionState>,
        fence: Option<&Fence>,
    ) -> StoreResult<bool> {
        self.faults.check("set_web_session")?;
        self.inner
            .set_web_session(account, session, previous, fence)
            .await
    }
    async fn web_sessions_in(
        &self,
        states: &[switchboard_core::channel::web_session::SessionState],
    ) -> StoreResult<
        Vec<(
            AccountId,
            switchboard_core::channel::web_session::WebSession,
        )>,
    > {
        self.faults.check("web_sessions_in")?;
        self.inner.web_sessions_in(states).await
    }
    async fn web_keys_get(
        &self,
        channel: ChannelId,
        namespace: &str,
        key: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        self.faults.check("web_keys_get")?;
        self.inner.web_keys_get(channel, namespace, key).await
    }
    async fn web_keys_list(
        &self,
        channel: ChannelId,
        namespace: &str,
        prefix: &str,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        self.faults.check("web_keys_list")?;
        self.inner.web_keys_list(channel, namespace, prefix).await
    }
    async fn web_keys_write(
        &self,
        channel: ChannelId,
        fence: &Fence,
        changes: &[switchboard_store::web_sessions::KeyChange],
    ) -> StoreResult<()> {
        self.faults.check("web_keys_write")?;
        self.inner.web_keys_write(channel, fence, changes).await
    }
    async fn web_keys_is_empty(&self, channel: ChannelId) -> StoreResult<bool> {
        self.faults.check("web_keys_is_empty")?;
        self.inner.web_keys_is_empty(channel).await
    }
    async fn web_keys_wipe(&self, channel: ChannelId, fence: Option<&Fence>) -> StoreResult<u64> {
        self.faults.check("web_keys_wipe")?;
        self.inner.web_keys_wipe(channel, fence).await
    }
}

#[async_trait]
impl switchboard_store::WebhookStore for FaultyStore {
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()> {
        self.faults.check("create_subscription")?;
        self.inner.create_subscription(s).await
    }
    async fn get_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<Option<Subscription>> {
        self.faults.check("get_subscription")?;
        self.inner.get_subscription(account, id).await
    }
    async fn list_subscriptions(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Subscription>> {
        self.faults.check("list_subscriptions")?;
        self.inner.list_subscriptions(account, page).await
    }
    async fn enabled_subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        self.faults.check("enabled_subscriptions")?;
        self.inner.enabled_subscriptions().await
    }
    async fn update_subscription(&self, s: &Subscription) -> StoreResult<bool> {
        self.faults.check("update_subscription")?;
        self.inner.update_subscription(s).await
    }
    async fn delete_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<bool> {
        self.faults.check("delete_subscription")?;
        self.inner.delete_subscription(account, id).await
    }
    async fn list_all_events(&self, after: Option<&str>, limit: u32) -> StoreResult<Page<Event>> {
        self.faults.check("list_all_events")?;
        self.inner.list_all_events(after, limit).await
    }
    async fn fanout_position(&self) -> StoreResult<Option<String>> {
        self.faults.check("fanout_position")?;
        self.inner.fanout_position().await
    }
    async fn create_deliveries(&self, deliveries: &[Delivery], position: &str) -> StoreResult<()> {
        self.faults.check("create_deliveries")?;
        self.inner.create_deliveries(deliveries, position).await
    }
    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        slots: &DeliverySlots,
    ) -> StoreResult<Vec<(Delivery, Event)>> {
        self.faults.check("claim_deliveries")?;
        self.inner
            .claim_deliveries(owner, now, lease_ms, slots)
            .await
    }
    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
        attempt: Option<&Attempt>,
        disable_after_ms: i64,
        now: Millis,
    ) -> StoreResult<Option<Delivery>> {
        self.faults.check("finish_delivery")?;
        self.inner
            .finish_delivery(id, owner, outcome, attempt, disable_after_ms, now)
            .await
    }
    async fn get_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
        self.faults.check("get_delivery")?;
        self.inner.get_delivery(account, id).await
    }
    async fn list_deliveries(
        &self,
        account: AccountId,
        subscription: SubscriptionId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>> {
        self.faults.check("list_deliveries")?;
        self.inner
            .list_deliveries(account, subscription, page)
            .await
    }
    async fn retry_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
        now: Millis,
    ) -> StoreResult<Option<Delivery>> {
        self.faults.check("retry_delivery")?;
        self.inner.retry_delivery(account, id, now).await
    }
    async fn replay(
        &self,
        subscription: &Subscription,
        from: &ReplayFrom,
        now: Millis,
        limit: u32,
    ) -> StoreResult<u64> {
        self.faults.check("replay")?;
        self.inner.replay(subscription, from, now, limit).await
    }
    async fn send_test_event(&self, s: &Subscription, now: Millis) -> StoreResult<Delivery> {
        self.faults.check("send_test_event")?;
        self.inner.send_test_event(s, now).await
    }
    async fn delivery_log(
        &self,
        account: AccountId,
        subscription: SubscriptionId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<switchboard_store::webhooks::LoggedDelivery>> {
        self.faults.check("delivery_log")?;
        self.inner
            .delivery_log(account, subscription, before, limit)
            .await
    }
    async fn delivery_event(
        &self,
        account: AccountId,
        delivery: DeliveryId,
    ) -> StoreResult<Option<Event>> {
        self.faults.check("delivery_event")?;
        self.inner.delivery_event(account, delivery).await
    }
}

impl FaultyStore {
    /// Wraps `inner`, failing nothing yet.
    pub fn new(inner: std::sync::Arc<dyn switchboard_store::Store>) -> Self {
        Self {
            inner,
            faults: Faults::default(),
        }
    }
}
