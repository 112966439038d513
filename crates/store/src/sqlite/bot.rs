//! The SQLite bot store: settings, rules, contacts' opt-out and tags, per-contact state, the
//! decision log and the worker's position.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_core::automation::{BotSettings, ContactBotState};
use switchboard_core::id::{AccountId, BotDecisionId, ChannelId, ContactId, MessageId, RuleId};
use switchboard_core::time::Millis;

use super::contacts::load_contact;
use super::events::{append_event, read_position, write_position};
use super::query::query_one;
use super::SqliteStore;
use crate::bot::DECISION_FOR_INBOUND;
use crate::bot::{
    merge_tags, ContactRecord, DecisionFilter, DecisionRecord, DecisionWrite, StoredRule,
};
use crate::bot::{CHANNEL_RULES, RULE_BY_ID};
use crate::columns::parse;
use crate::contacts::wa_key;
use crate::decode::{self, DECISION_COLS};
use crate::shared_methods::select_method;
use crate::shared_methods::shared_method;
use crate::{BotStore, Page, PageRequest, StoreError, StoreResult};

/// The bot worker's name in `fanout_position`.
const POSITION: &str = "bot";

/// Creates the contact if it does not exist yet.
fn ensure_contact(c: &Connection, account: &str, wa_id: &str, now: Millis) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO contacts (id, account_id, wa_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (account_id, wa_id) DO NOTHING",
    )?
    .execute(params![ContactId::new().to_string(), account, wa_id, now])?;
    Ok(())
}

fn opt_out(c: &Connection, account: &str, wa_id: &str, out: bool, now: Millis) -> StoreResult<()> {
    ensure_contact(c, account, wa_id, now)?;
    let sql = if out {
        "UPDATE contacts SET opted_out_at = COALESCE(opted_out_at, ?3), updated_at = ?3 WHERE account_id = ?1 AND wa_id = ?2"
    } else {
        "UPDATE contacts SET opted_out_at = NULL, updated_at = ?3 WHERE account_id = ?1 AND wa_id = ?2"
    };
    c.prepare_cached(sql)?
        .execute(params![account, wa_id, now])?;
    Ok(())
}

fn add_tags(
    c: &Connection,
    account: &str,
    wa_id: &str,
    add: &[String],
    now: Millis,
) -> StoreResult<()> {
    ensure_contact(c, account, wa_id, now)?;
    let Some(mut contact) = load_contact(c, account, &wa_key(wa_id))? else {
        return Err(StoreError::Backend(
            "the contact vanished while tagging".into(),
        ));
    };
    if merge_tags(&mut contact.tags, add) {
        c.prepare_cached(
            "UPDATE contacts SET tags = ?3, updated_at = ?4 WHERE account_id = ?1 AND wa_id = ?2",
        )?
        .execute(params![
            account,
            wa_id,
            serde_json::to_string(&contact.tags)?,
            now
        ])?;
    }
    Ok(())
}

fn contact_after(c: &Connection, account: &str, wa_id: &str) -> StoreResult<ContactRecord> {
    load_contact(c, account, &wa_key(wa_id))?
        .ok_or_else(|| StoreError::Backend("the contact vanished after its update".into()))
}

fn load_decision_for(c: &Connection, inbound: &str) -> StoreResult<Option<DecisionRecord>> {
    let sql = format!("SELECT {DECISION_COLS} FROM bot_decisions WHERE inbound_message_id = ?1");
    query_one(c, &sql, [inbound], decode::decision)
}

fn write_rule(c: &Connection, r: &StoredRule, insert: bool) -> StoreResult<bool> {
    let sql = if insert {
        "INSERT INTO bot_rules (id, account_id, channel_id, position, rule, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    } else {
        "UPDATE bot_rules SET position = ?4, rule = ?5, updated_at = ?7 WHERE id = ?1 AND account_id = ?2 AND channel_id = ?3 AND ?6 IS NOT NULL"
    };
    let n = c.prepare_cached(sql)?.execute(params![
        r.id.to_string(),
        r.account_id.to_string(),
        r.channel_id.to_string(),
        r.rule.position,
        serde_json::to_string(&r.rule)?,
        r.created_at,
        r.updated_at
    ])?;
    Ok(n == 1)
}

#[async_trait]
impl BotStore for SqliteStore {
    async fn get_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<BotSettings>> {
        self.engine
            .read(move |c| {
                let text: Option<String> = c
                    .prepare_cached(
                        "SELECT settings FROM bot_settings WHERE account_id = ?1 AND channel_id = ?2",
                    )?
                    .query_row(params![account.to_string(), channel.to_string()], |r| r.get(0))
                    .optional()?;
                Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
            })
            .await
    }

    async fn put_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
        settings: &BotSettings,
        now: Millis,
    ) -> StoreResult<()> {
        let text = serde_json::to_string(settings)?;
        let enabled = settings.enabled;
        self.engine
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO bot_settings (channel_id, account_id, settings, updated_at, enabled) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (channel_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, enabled = excluded.enabled
                     WHERE bot_settings.account_id = excluded.account_id",
                )?
                .execute(params![channel.to_string(), account.to_string(), text, now, enabled])?;
                Ok(())
            })
            .await
    }

    async fn bot_enabled_channels(&self) -> StoreResult<Vec<ChannelId>> {
        self.engine
            .read(|c| {
                let ids: Vec<String> = c
                    .prepare_cached("SELECT channel_id FROM bot_settings WHERE enabled = 1")?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                ids.iter().map(|id| parse(id, "channel id")).collect()
            })
            .await
    }

    select_method!(
        list_bot_rules(account: AccountId, channel: ChannelId) -> Vec<StoredRule> =
            select_all(CHANNEL_RULES, [account, channel])
    );

    select_method!(
        get_bot_rule(account: AccountId, channel: ChannelId, id: RuleId) -> Option<StoredRule> =
            select_one(RULE_BY_ID, [id, account, channel])
    );

    async fn create_bot_rule(&self, rule: &StoredRule) -> StoreResult<()> {
        let rule = rule.clone();
        self.engine
            .write(move |c| write_rule(c, &rule, true).map(|_| ()))
            .await
    }

    async fn update_bot_rule(&self, rule: &StoredRule) -> StoreResult<bool> {
        let rule = rule.clone();
        self.engine
            .write(move |c| write_rule(c, &rule, false))
            .await
    }

    async fn delete_bot_rule(
        &self,
        account: AccountId,
        channel: ChannelId,
        id: RuleId,
    ) -> StoreResult<bool> {
        self.engine
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "DELETE FROM bot_rules WHERE id = ?1 AND account_id = ?2 AND channel_id = ?3",
                    )?
                    .execute(params![id.to_string(), account.to_string(), channel.to_string()])?;
                Ok(n == 1)
            })
            .await
    }

    async fn reorder_bot_rules(
        &self,
        account: AccountId,
        channel: ChannelId,
        order: &[RuleId],
        now: Millis,
    ) -> StoreResult<bool> {
        let order: Vec<String> = order.iter().map(|id| id.to_string()).collect();
        self.engine
            .write(move |c| {
                let existing: Vec<String> = c
                    .prepare_cached(
                        "SELECT id FROM bot_rules WHERE account_id = ?1 AND channel_id = ?2",
                    )?
                    .query_map(params![account.to_string(), channel.to_string()], |r| {
                        r.get(0)
                    })?
                    .collect::<Result<_, _>>()?;
                let mut wanted = order.clone();
                wanted.sort();
                wanted.dedup();
                let mut have = existing;
                have.sort();
                if wanted.len() != order.len() || wanted != have {
                    return Ok(false);
                }
                let mut stmt = c.prepare_cached(
                    "UPDATE bot_rules SET position = ?2, updated_at = ?3 WHERE id = ?1",
                )?;
                for (i, id) in order.iter().enumerate() {
                    stmt.execute(params![id, i as i64, now])?;
                }
                Ok(true)
            })
            .await
    }

    async fn get_contact(
        &self,
        account: AccountId,
        wa_id: &str,
    ) -> StoreResult<Option<ContactRecord>> {
        let wa_id = wa_id.to_string();
        self.engine
            .read(move |c| load_contact(c, &account.to_string(), &wa_key(&wa_id)))
            .await
    }

    async fn set_contact_opt_out(
        &self,
        account: AccountId,
        wa_id: &str,
        opted_out: bool,
        now: Millis,
    ) -> StoreResult<ContactRecord> {
        let (account, wa_id) = (account.to_string(), wa_id.to_string());
        self.engine
            .write(move |c| {
                opt_out(c, &account, &wa_id, opted_out, now)?;
                contact_after(c, &account, &wa_id)
            })
            .await
    }

    async fn add_contact_tags(
        &self,
        account: AccountId,
        wa_id: &str,
        tags: &[String],
        now: Millis,
    ) -> StoreResult<ContactRecord> {
        let (account, wa_id, tags) = (account.to_string(), wa_id.to_string(), tags.to_vec());
        self.engine
            .write(move |c| {
                add_tags(c, &account, &wa_id, &tags, now)?;
                contact_after(c, &account, &wa_id)
            })
            .await
    }

    async fn get_bot_state(
        &self,
        channel: ChannelId,
        chat: &str,
    ) -> StoreResult<Option<ContactBotState>> {
        let chat = chat.to_string();
        self.engine
            .read(move |c| {
                let text: Option<String> = c
                    .prepare_cached(
                        "SELECT state FROM bot_contact_state WHERE channel_id = ?1 AND chat = ?2",
                    )?
                    .query_row(params![channel.to_string(), chat], |r| r.get(0))
                    .optional()?;
                Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
            })
            .await
    }

    async fn record_bot_decision(
        &self,
        write: &DecisionWrite,
    ) -> StoreResult<(DecisionRecord, bool)> {
        let w = write.clone();
        self.engine
            .write(move |c| {
                let r = &w.record;
                let inbound = r.inbound_message_id.to_string();
                if let Some(existing) = load_decision_for(c, &inbound)? {
                    return Ok((existing, false));
                }
                let account = r.account_id.to_string();
                c.prepare_cached(&format!(
                    "INSERT INTO bot_decisions ({DECISION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                ))?
                .execute(params![
                    r.id.to_string(),
                    account,
                    r.channel_id.to_string(),
                    r.chat,
                    inbound,
                    r.code,
                    r.rule_id,
                    r.explanation,
                    serde_json::to_string(&r.decision)?,
                    serde_json::to_string(&r.reply_message_ids)?,
                    r.replies_done,
                    r.error,
                    r.created_at
                ])?;
                c.prepare_cached(
                    "INSERT INTO bot_contact_state (channel_id, chat, state, updated_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (channel_id, chat) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                )?
                .execute(params![
                    r.channel_id.to_string(),
                    r.chat,
                    serde_json::to_string(&w.state)?,
                    r.created_at
                ])?;
                if let Some(out) = w.opt_out {
                    opt_out(c, &account, &r.chat, out, r.created_at)?;
                }
                if !w.add_tags.is_empty() {
                    add_tags(c, &account, &r.chat, &w.add_tags, r.created_at)?;
                }
                for e in &w.events {
                    append_event(c, e)?;
                }
                Ok((r.clone(), true))
            })
            .await
    }

    select_method!(
        get_bot_decision_for(inbound: MessageId) -> Option<DecisionRecord> =
            select_one(DECISION_FOR_INBOUND, [inbound])
    );

    async fn finish_bot_decision(
        &self,
        id: BotDecisionId,
        reply_message_ids: &[String],
        error: Option<&str>,
    ) -> StoreResult<()> {
        let ids = serde_json::to_string(reply_message_ids)?;
        let error = error.map(str::to_string);
        self.engine
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE bot_decisions SET reply_message_ids = ?2, replies_done = 1, error = ?3 WHERE id = ?1",
                )?
                .execute(params![id.to_string(), ids, error])?;
                Ok(())
            })
            .await
    }

    shared_method!(
        list_bot_decisions['life1, 'life2](
            account: AccountId,
            channel: ChannelId,
            filter: &'life1 DecisionFilter,
            page: &'life2 PageRequest
        ) -> Page<DecisionRecord> = crate::bot::list_bot_decisions
    );

    async fn bot_position(&self) -> StoreResult<Option<String>> {
        self.engine.read(|c| read_position(c, POSITION)).await
    }

    async fn set_bot_position(&self, cursor: &str) -> StoreResult<()> {
        let cursor = cursor.to_string();
        self.engine
            .write(move |c| {
                write_position(c, POSITION, &cursor)?;
                Ok(())
            })
            .await
    }
}
