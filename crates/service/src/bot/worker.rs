//! The bot worker: follows the event log's `message.received` events from its own persisted
//! position, decides with the core engine (through [`super::consider`], which "try a
//! message" uses too), records the decision (with the contact's state,
//! opt-out, tags and events) in one transaction, then sends the reply through the normal send
//! path.
//!
//! Channels whose bot is not `enabled` are skipped without a decision.
//!
//! Exactly once, even across crashes and several nodes: a decision is unique per inbound
//! message (a re-processed event finds it and only finishes sending its stored reply), and the
//! reply is sent with the idempotency key `bot:{inbound message id}:0`, so a crash between
//! the send and recording it re-sends nothing. Nothing slow runs inside a transaction.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard_core::automation::{BotSettings, Decision};
use switchboard_core::channel::Channel;
use switchboard_core::event::{
    Event, MessageView, BOT_DECISION, CONTACT_OPTED_IN, CONTACT_OPTED_OUT, MESSAGE_RECEIVED,
};
use switchboard_core::id::{BotDecisionId, EventId, MessageId};
use switchboard_core::message::IdempotencyKey;
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_store::bot::{DecisionRecord, DecisionWrite};
use switchboard_store::StoreError;
use tokio_util::sync::CancellationToken;

use super::consider::{consider, Considered, Inbound};
use crate::send::{request_hash, send, SendError, SendParts};

/// How often the position is saved while the bot only passes over events.
const SAVE_EVERY: Duration = Duration::from_secs(5);

/// Settings of the bot worker (`[bot]` in the config).
#[derive(Debug, Clone)]
pub struct BotWorkerSettings {
    /// Idle polling interval of the event log, in milliseconds.
    pub poll_ms: u64,
    /// Events read per round.
    pub batch: u32,
}

impl Default for BotWorkerSettings {
    fn default() -> Self {
        Self {
            poll_ms: 100,
            batch: 200,
        }
    }
}

/// The public JSON of a decision log entry (the API answers it and `bot.decision` events
/// carry it).
pub fn decision_json(d: &DecisionRecord) -> Value {
    json!({
        "id": d.id.to_string(),
        "channel_id": d.channel_id.to_string(),
        "chat": d.chat,
        "inbound_message_id": d.inbound_message_id.to_string(),
        "decision": d.code,
        "rule_id": d.rule_id,
        "explanation": d.explanation,
        "reply": d.decision.message(),
        "details": serde_json::to_value(&d.decision).unwrap_or(Value::Null),
        "reply_message_ids": d.reply_message_ids,
        "replies_done": d.replies_done,
        "error": d.error,
        "created_at": to_rfc3339(d.created_at),
    })
}

/// Starts the worker; it stops when `cancel` fires.
pub fn spawn(
    parts: SendParts,
    settings: BotWorkerSettings,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let store = parts.store.clone();
        let mut position = loop {
            match store.bot_position().await {
                Ok(p) => break p,
                Err(e) => {
                    tracing::error!(error = %e, "reading the bot position failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                        _ = cancel.cancelled() => return,
                    }
                }
            }
        };
        let mut saved_at = Instant::now();
        while !cancel.is_cancelled() {
            let mut busy = false;
            match store
                .list_all_events(position.as_deref(), settings.batch)
                .await
            {
                Ok(page) => {
                    let mut done = None;
                    let mut failed = false;
                    let mut worked = false;
                    // One query per batch for the channels whose bot is on; the others'
                    // messages are passed over without touching the store.
                    let enabled = if page.items.iter().any(|e| e.kind == MESSAGE_RECEIVED) {
                        match store.bot_enabled_channels().await {
                            Ok(ids) => ids.into_iter().collect::<HashSet<_>>(),
                            Err(e) => {
                                tracing::error!(error = %e, "the bot could not read which channels it runs on");
                                tokio::select! {
                                    _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                                    _ = cancel.cancelled() => {},
                                }
                                continue;
                            }
                        }
                    } else {
                        HashSet::new()
                    };
                    for event in &page.items {
                        if cancel.is_cancelled() {
                            break;
                        }
                        let on = event.channel_id.is_some_and(|c| enabled.contains(&c));
                        if on && event.kind == MESSAGE_RECEIVED {
                            worked = true;
                            if let Err(e) = handle_event(&parts, event).await {
                                tracing::error!(error = %e, event_id = %event.id, "the bot could not handle a message; retrying");
                                failed = true;
                                break;
                            }
                        }
                        done = Some(event.cursor.clone());
                    }
                    if let Some(cursor) = done {
                        // The position is saved after bot work, and otherwise at most every
                        // few seconds: re-reading events the bot passes over costs nothing.
                        if worked || saved_at.elapsed() >= SAVE_EVERY {
                            match store.set_bot_position(&cursor).await {
                                Ok(()) => saved_at = Instant::now(),
                                Err(e) => {
                                    tracing::error!(error = %e, "saving the bot position failed")
                                }
                            }
                        }
                        position = Some(cursor);
                    }
                    busy = page.next.is_some() && !failed;
                    if failed {
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                            _ = cancel.cancelled() => {},
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "the bot could not read the event log"),
            }
            if busy {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(settings.poll_ms)) => {},
                _ = cancel.cancelled() => {},
            }
        }
    })
}

/// Handles one `message.received` event. Errors are store failures worth retrying; anything
/// wrong with the message itself is recorded in the decision log instead.
pub async fn handle_event(parts: &SendParts, event: &Event) -> Result<(), StoreError> {
    let store = parts.store.as_ref();
    let Some(channel_id) = event.channel_id else {
        return Ok(());
    };
    let Ok(message) = serde_json::from_value::<MessageView>(event.data["message"].clone()) else {
        tracing::warn!(event_id = %event.id, "a message.received event without a readable message");
        return Ok(());
    };
    let Ok(inbound_id) = message.id.parse::<MessageId>() else {
        return Ok(());
    };
    let Some(channel) = store.find_channel(channel_id).await? else {
        return Ok(());
    };
    if let Some(existing) = store.get_bot_decision_for(inbound_id).await? {
        if !existing.replies_done {
            send_reply(parts, &channel, &existing).await?;
        }
        return Ok(());
    }
    let account = channel.account_id;
    // A channel whose bot was never turned on is not the bot's business: no decision, no log.
    let Some(settings) = store
        .get_bot_settings(account, channel.id)
        .await?
        .filter(|s: &BotSettings| s.enabled)
    else {
        return Ok(());
    };
    let chat = message.chat.clone();
    let now = now_millis();
    // Deterministic per message (the id's random bits), so a replayed decision would pick
    // the same variant; the decision is stored before it is sent anyway.
    let seed = inbound_id.uuid().as_u128() as u64;
    let inbound = Inbound {
        content: &message.content,
        kind: &message.kind,
        chat: &chat,
        name: event.data["contact"]["name"].as_str().map(str::to_string),
    };
    let Considered {
        decision,
        mut state,
        name,
        opted_out,
        skipped_rules,
    } = consider(store, account, channel.id, &settings, &inbound, now, seed).await?;
    for b in &skipped_rules {
        tracing::warn!(channel_id = %channel.id, error = %b, "a stored bot rule is invalid and is skipped");
    }
    state.apply(&decision, &settings, now);
    let (rule_id, add_tags) = match &decision {
        Decision::Reply {
            rule_id, add_tags, ..
        } => (Some(rule_id.clone()), add_tags.clone()),
        _ => (None, Vec::new()),
    };
    let record = DecisionRecord {
        id: BotDecisionId::new(),
        account_id: account,
        channel_id: channel.id,
        chat: chat.clone(),
        inbound_message_id: inbound_id,
        code: decision.code().to_string(),
        rule_id,
        explanation: decision.explain(),
        decision: decision.clone(),
        reply_message_ids: Vec::new(),
        replies_done: decision.message().is_none(),
        error: None,
        created_at: now,
    };
    let opt_out = match (&decision, opted_out) {
        (Decision::OptOut { .. }, false) => Some(true),
        (Decision::OptIn { .. }, true) => Some(false),
        _ => None,
    };
    let mut events = Vec::new();
    if let Some(out) = opt_out {
        events.push(new_event(
            if out { CONTACT_OPTED_OUT } else { CONTACT_OPTED_IN },
            &record,
            json!({ "contact": { "wa_id": chat, "name": name }, "decision_id": record.id.to_string() }),
        ));
    }
    if settings.actions.send_webhook {
        events.push(new_event(
            BOT_DECISION,
            &record,
            json!({ "decision": decision_json(&record) }),
        ));
    }
    let write = DecisionWrite {
        record,
        state,
        opt_out,
        add_tags,
        events,
    };
    let (recorded, _) = store.record_bot_decision(&write).await?;
    if !recorded.replies_done {
        send_reply(parts, &channel, &recorded).await?;
    }
    Ok(())
}

fn new_event(kind: &str, d: &DecisionRecord, data: Value) -> Event {
    Event {
        seq: 0,
        cursor: String::new(),
        id: EventId::new(),
        kind: kind.to_string(),
        account_id: d.account_id,
        channel_id: Some(d.channel_id),
        chat: Some(d.chat.clone()),
        created_at: d.created_at,
        data,
    }
}

/// The idempotency key of a decision's reply.
pub fn reply_key(inbound: MessageId, index: usize) -> IdempotencyKey {
    IdempotencyKey::derived(format!("bot:{inbound}:{index}"))
}

/// Sends a decision's reply through the normal send path and records its id (or why it was
/// refused) on the decision.
async fn send_reply(
    parts: &SendParts,
    channel: &Channel,
    d: &DecisionRecord,
) -> Result<(), StoreError> {
    let store = parts.store.as_ref();
    let Some(Value::Object(message)) = d.decision.message() else {
        return store.finish_bot_decision(d.id, &[], None).await;
    };
    let mut request = message.clone();
    request.insert("messaging_product".into(), json!("whatsapp"));
    request.insert("to".into(), json!(d.chat));
    let request = Value::Object(request);
    let hash = request_hash(request.to_string().as_bytes());
    let key = reply_key(d.inbound_message_id, 0);
    match send(parts, channel, &request, Some((key, hash)), now_millis()).await {
        Ok(answer) => {
            let ids: Vec<String> = answer.body["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["id"].as_str().map(str::to_string))
                .collect();
            store.finish_bot_decision(d.id, &ids, None).await
        }
        Err(SendError::Store(e)) => Err(e),
        Err(refused) => {
            let error = refused.to_string();
            tracing::warn!(channel_id = %channel.id, decision_id = %d.id, error = %error, "the bot's reply was refused");
            store.finish_bot_decision(d.id, &[], Some(&error)).await
        }
    }
}
