//! What the bot would do with one inbound message, read-only: loads the channel's rules, the
//! contact and the bot's memory of it, and runs the core decision. The worker records and
//! sends what this decides; the console's "try a message" only shows it. Nothing here
//! writes or sends.

use serde_json::{json, Value};
use switchboard_core::automation::spintax::seeded_picker;
use switchboard_core::automation::{
    decide, inbound_facts, BotSettings, ContactBotState, Decision, RuleSet,
};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::time::Millis;
use switchboard_store::{Store, StoreError};

use crate::{ServiceError, ServiceResult};

/// One inbound message as the bot sees it.
#[derive(Debug, Clone)]
pub struct Inbound<'a> {
    /// Meta's inbound message object (`text.body`, `interactive…`, …).
    pub content: &'a Value,
    /// Its type (`text`, `interactive`, …).
    pub kind: &'a str,
    /// The customer's chat (WhatsApp id).
    pub chat: &'a str,
    /// The name the message came with, if any (else the contact's stored name).
    pub name: Option<String>,
}

/// What the bot decided, with what it was decided from.
#[derive(Debug, Clone)]
pub struct Considered {
    /// The decision.
    pub decision: Decision,
    /// The contact's bot state before the decision (the worker applies the decision to it).
    pub state: ContactBotState,
    /// The contact's name used for `[name]`.
    pub name: Option<String>,
    /// Whether the contact was opted out of marketing.
    pub opted_out: bool,
    /// Stored rules that are invalid and were skipped, as messages.
    pub skipped_rules: Vec<String>,
}

/// Decides what the bot does with `inbound` on `channel` under `settings` at `now`; `seed`
/// picks spintax alternatives. Reads only.
pub async fn consider(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    settings: &BotSettings,
    inbound: &Inbound<'_>,
    now: Millis,
    seed: u64,
) -> Result<Considered, StoreError> {
    let stored_rules = store.list_bot_rules(account, channel).await?;
    let (rules, bad) = RuleSet::compile_lenient(stored_rules.into_iter().map(|r| r.rule));
    let skipped_rules = bad.iter().map(ToString::to_string).collect();
    let contact = if inbound.chat.is_empty() {
        None
    } else {
        store.get_contact(account, inbound.chat).await?
    };
    let name = inbound
        .name
        .clone()
        .or_else(|| contact.as_ref().and_then(|c| c.name.clone()));
    let opted_out = contact.as_ref().is_some_and(|c| c.opted_out_at.is_some());
    let state = if inbound.chat.is_empty() {
        ContactBotState::default()
    } else {
        store
            .get_bot_state(channel, inbound.chat)
            .await?
            .unwrap_or_default()
    };
    let facts = inbound_facts(
        inbound.content,
        inbound.kind,
        inbound.chat,
        name.as_deref(),
        opted_out,
    );
    let decision = decide(
        settings,
        &rules,
        &facts,
        &state,
        now,
        &mut seeded_picker(seed),
    );
    Ok(Considered {
        decision,
        state,
        name,
        opted_out,
        skipped_rules,
    })
}

/// What "try a message" shows: the decision, and whether the bot is on at all.
#[derive(Debug, Clone)]
pub struct Trial {
    /// The decision the bot would take if it were on.
    pub considered: Considered,
    /// Whether the channel's bot is on (off: nothing would be decided or sent).
    pub enabled: bool,
}

/// What the bot of `channel` would do with the customer text `text` from `number` (empty:
/// a new contact without a name or history), without writing or sending anything.
pub async fn try_message(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    text: &str,
    number: &str,
    now: Millis,
) -> ServiceResult<Trial> {
    if text.trim().is_empty() {
        return Err(ServiceError::invalid(
            "text",
            "type the message a customer would send",
        ));
    }
    let chat: String = number
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '+' | '-' | '(' | ')'))
        .collect();
    if !chat.chars().all(|c| c.is_ascii_digit()) {
        return Err(ServiceError::invalid(
            "number",
            "give the customer's number in digits (e.g. 15551234567), or leave it empty",
        ));
    }
    let settings = super::manage::get_settings(store, account, channel).await?;
    let content = json!({"type": "text", "text": {"body": text}});
    let inbound = Inbound {
        content: &content,
        kind: "text",
        chat: &chat,
        name: None,
    };
    let considered = consider(
        store,
        account,
        channel,
        &settings,
        &inbound,
        now,
        now.unsigned_abs(),
    )
    .await?;
    Ok(Trial {
        considered,
        enabled: settings.enabled,
    })
}
