//! Bot automation ([`BotStore`]): rules as stored, contacts with the fields the bot needs,
//! the decision log, and the one write that records a decision with everything it changes.

use async_trait::async_trait;
use serde_json::{Map, Value};
use switchboard_core::automation::{BotSettings, ContactBotState, Decision, Rule};
use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, BotDecisionId, ChannelId, ContactId, MessageId, RuleId};
use switchboard_core::time::Millis;

use crate::decode;
use crate::select::{Arg, Select, Selects};
use crate::{Page, PageRequest, StoreResult};

/// A keyword rule of a channel as stored. `rule.id` is `id` as text and `rule.position` its
/// position; the rest of `rule` is stored as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRule {
    /// `rule_…`
    pub id: RuleId,
    /// Owning account.
    pub account_id: AccountId,
    /// The channel whose bot uses it.
    pub channel_id: ChannelId,
    /// The rule (its `id` and `position` mirror the columns).
    pub rule: Rule,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

/// A contact of an account with the fields the bot (and later the contacts API) uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRecord {
    /// `ct_…`
    pub id: ContactId,
    /// Owning account.
    pub account_id: AccountId,
    /// The contact's WhatsApp id.
    pub wa_id: String,
    /// The profile name, when known.
    pub name: Option<String>,
    /// When the contact opted out of marketing; `None` while opted in.
    pub opted_out_at: Option<Millis>,
    /// Tags, in the order they were added, without duplicates.
    pub tags: Vec<String>,
    /// Custom fields (a JSON object).
    pub custom_fields: Map<String, Value>,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

/// One entry of the decision log: what the bot did with one inbound message and why.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRecord {
    /// `bdec_…`
    pub id: BotDecisionId,
    /// Owning account.
    pub account_id: AccountId,
    /// The channel.
    pub channel_id: ChannelId,
    /// The contact's chat (WhatsApp id).
    pub chat: String,
    /// The inbound message decided about; at most one decision per inbound message.
    pub inbound_message_id: MessageId,
    /// [`Decision::code`], e.g. `reply` or `silent.outside_active_hours`.
    pub code: String,
    /// The rule that matched, if one did.
    pub rule_id: Option<String>,
    /// [`Decision::explain`].
    pub explanation: String,
    /// The full decision, with the rendered messages to send.
    pub decision: Decision,
    /// Ids (`msg_…`) of the replies put in the outbox.
    pub reply_message_ids: Vec<String>,
    /// Whether the replies were handed to the outbox (or refused, see `error`).
    pub replies_done: bool,
    /// Why a reply could not be sent, if it could not.
    pub error: Option<String>,
    /// When the decision was taken.
    pub created_at: Millis,
}

/// A decision with everything it changes, written in one transaction by
/// [`crate::BotStore::record_bot_decision`].
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionWrite {
    /// The log entry.
    pub record: DecisionRecord,
    /// The contact's bot state after the decision.
    pub state: ContactBotState,
    /// `Some(true)` opts the contact out of marketing, `Some(false)` back in.
    pub opt_out: Option<bool>,
    /// Tags to add to the contact.
    pub add_tags: Vec<String>,
    /// Events to append with the decision (e.g. `contact.opted_out`, `bot.decision`).
    pub events: Vec<Event>,
}

/// Filters of the decision log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionFilter {
    /// Only this contact's decisions.
    pub chat: Option<String>,
    /// Only decisions taken at or after this time.
    pub since: Option<Millis>,
}

/// Adds `add` to `tags`, keeping order and skipping duplicates; returns whether any was new.
pub fn merge_tags(tags: &mut Vec<String>, add: &[String]) -> bool {
    let mut changed = false;
    for t in add {
        if !tags.contains(t) {
            tags.push(t.clone());
            changed = true;
        }
    }
    changed
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

/// A channel's rules (account, channel), in order.
pub(crate) const CHANNEL_RULES: Select<StoredRule> = Select::new(
    "bot_rules",
    decode::RULE_COLS,
    decode::rule,
    "account_id = $1 AND channel_id = $2 ORDER BY position, id",
);

/// A rule by id (id, account, channel).
pub(crate) const RULE_BY_ID: Select<StoredRule> =
    CHANNEL_RULES.with_filter("id = $1 AND account_id = $2 AND channel_id = $3");

/// A channel's bot decisions that match a [`DecisionFilter`], in id order (account, channel,
/// after, chat, since (each NULL when not filtered on), limit).
const FILTERED_DECISIONS: Select<DecisionRecord> = Select::new(
    "bot_decisions",
    decode::DECISION_COLS,
    decode::decision,
    "account_id = $1 AND channel_id = $2 AND id > $3
       AND (CAST($4 AS TEXT) IS NULL OR chat = $4) AND (CAST($5 AS BIGINT) IS NULL OR created_at >= $5)
     ORDER BY id LIMIT $6",
);

/// The bot decision taken for an inbound message (its id).
pub(crate) const DECISION_FOR_INBOUND: Select<DecisionRecord> =
    FILTERED_DECISIONS.with_filter("inbound_message_id = $1");

/// [`BotStore::list_bot_decisions`], for both backends.
pub(crate) async fn list_bot_decisions(
    store: &impl Selects,
    account: AccountId,
    channel: ChannelId,
    filter: &DecisionFilter,
    page: &PageRequest,
) -> StoreResult<Page<DecisionRecord>> {
    let args = vec![
        Arg::from(account),
        Arg::from(channel),
        Arg::from(page.after_key()),
        Arg::from(filter.chat.clone()),
        Arg::from(filter.since),
        Arg::from(page.fetch()),
    ];
    let cursor = |d: &DecisionRecord| d.id.to_string();
    store
        .select_page(FILTERED_DECISIONS, args, page, cursor)
        .await
}
