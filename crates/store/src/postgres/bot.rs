//! PostgreSQL: the bot store (see `sqlite/bot.rs` for the same rules). Safe for several
//! nodes: a decision is inserted with `ON CONFLICT (inbound_message_id) DO NOTHING`, so two
//! nodes deciding about one message record one decision and only the winner's changes.

use async_trait::async_trait;
use sqlx::postgres::PgPool;
use sqlx::PgConnection;
use switchboard_core::automation::{BotSettings, ContactBotState};
use switchboard_core::id::{AccountId, BotDecisionId, ChannelId, ContactId, MessageId, RuleId};
use switchboard_core::time::Millis;

use super::contacts::load_contact;
use super::events::{append_event, read_position, write_position};
use super::PgStore;
use crate::bot::DECISION_FOR_INBOUND;
use crate::bot::{
    merge_tags, ContactRecord, DecisionFilter, DecisionRecord, DecisionWrite, StoredRule,
};
use crate::bot::{CHANNEL_RULES, RULE_BY_ID};
use crate::columns::parse;
use crate::contacts::wa_key;
use crate::decode::DECISION_COLS;
use crate::shared_methods::select_method;
use crate::shared_methods::shared_method;
use crate::{BotStore, Page, PageRequest, StoreError, StoreResult};

/// The bot worker's name in `fanout_position`.
const POSITION: &str = "bot";

async fn ensure_contact(
    c: &mut PgConnection,
    account: &str,
    wa_id: &str,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO contacts (id, account_id, wa_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (account_id, wa_id) DO NOTHING",
    )
    .bind(ContactId::new().to_string())
    .bind(account)
    .bind(wa_id)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

async fn opt_out(
    c: &mut PgConnection,
    account: &str,
    wa_id: &str,
    out: bool,
    now: Millis,
) -> StoreResult<()> {
    ensure_contact(c, account, wa_id, now).await?;
    let sql = if out {
        "UPDATE contacts SET opted_out_at = COALESCE(opted_out_at, $3), updated_at = $3 WHERE account_id = $1 AND wa_id = $2"
    } else {
        "UPDATE contacts SET opted_out_at = NULL, updated_at = $3 WHERE account_id = $1 AND wa_id = $2"
    };
    sqlx::query(sql)
        .bind(account)
        .bind(wa_id)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

async fn add_tags(
    c: &mut PgConnection,
    account: &str,
    wa_id: &str,
    add: &[String],
    now: Millis,
) -> StoreResult<()> {
    ensure_contact(c, account, wa_id, now).await?;
    let Some(mut contact) = load_contact(c, account, &wa_key(wa_id), true).await? else {
        return Err(StoreError::Backend(
            "the contact vanished while tagging".into(),
        ));
    };
    if merge_tags(&mut contact.tags, add) {
        sqlx::query(
            "UPDATE contacts SET tags = $3, updated_at = $4 WHERE account_id = $1 AND wa_id = $2",
        )
        .bind(account)
        .bind(wa_id)
        .bind(serde_json::to_string(&contact.tags)?)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

async fn contact_after(
    c: &mut PgConnection,
    account: &str,
    wa_id: &str,
) -> StoreResult<ContactRecord> {
    load_contact(c, account, &wa_key(wa_id), false)
        .await?
        .ok_or_else(|| StoreError::Backend("the contact vanished after its update".into()))
}

/// Inserts a rule, or replaces an existing one's position, rule and update time (as on
/// SQLite, `created_at` is bound as `$6` either way and an update leaves it unchanged);
/// returns whether a row was written.
async fn write_rule(pool: &PgPool, r: &StoredRule, insert: bool) -> StoreResult<bool> {
    let sql = if insert {
        "INSERT INTO bot_rules (id, account_id, channel_id, position, rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    } else {
        "UPDATE bot_rules SET position = $4, rule = $5, updated_at = $7 WHERE id = $1 AND account_id = $2 AND channel_id = $3 AND $6::bigint IS NOT NULL"
    };
    let done = sqlx::query(sql)
        .bind(r.id.to_string())
        .bind(r.account_id.to_string())
        .bind(r.channel_id.to_string())
        .bind(r.rule.position)
        .bind(serde_json::to_string(&r.rule)?)
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl BotStore for PgStore {
    async fn get_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<BotSettings>> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT settings FROM bot_settings WHERE account_id = $1 AND channel_id = $2",
        )
        .bind(account.to_string())
        .bind(channel.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }

    async fn put_bot_settings(
        &self,
        account: AccountId,
        channel: ChannelId,
        settings: &BotSettings,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO bot_settings (channel_id, account_id, settings, updated_at, enabled) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (channel_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, enabled = excluded.enabled
             WHERE bot_settings.account_id = excluded.account_id",
        )
        .bind(channel.to_string())
        .bind(account.to_string())
        .bind(serde_json::to_string(settings)?)
        .bind(now)
        .bind(settings.enabled)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn bot_enabled_channels(&self) -> StoreResult<Vec<ChannelId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT channel_id FROM bot_settings WHERE enabled")
                .fetch_all(&self.pool)
                .await?;
        ids.iter().map(|id| parse(id, "channel id")).collect()
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
        write_rule(&self.pool, rule, true).await.map(|_| ())
    }

    async fn update_bot_rule(&self, rule: &StoredRule) -> StoreResult<bool> {
        write_rule(&self.pool, rule, false).await
    }

    async fn delete_bot_rule(
        &self,
        account: AccountId,
        channel: ChannelId,
        id: RuleId,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "DELETE FROM bot_rules WHERE id = $1 AND account_id = $2 AND channel_id = $3",
        )
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(channel.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn reorder_bot_rules(
        &self,
        account: AccountId,
        channel: ChannelId,
        order: &[RuleId],
        now: Millis,
    ) -> StoreResult<bool> {
        let order: Vec<String> = order.iter().map(|id| id.to_string()).collect();
        let mut tx = self.pool.begin().await?;
        let mut have: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM bot_rules WHERE account_id = $1 AND channel_id = $2 ORDER BY id FOR UPDATE",
        )
        .bind(account.to_string())
        .bind(channel.to_string())
        .fetch_all(&mut *tx)
        .await?;
        have.sort();
        let mut wanted = order.clone();
        wanted.sort();
        wanted.dedup();
        if wanted.len() != order.len() || wanted != have {
            return Ok(false);
        }
        for (i, id) in order.iter().enumerate() {
            sqlx::query("UPDATE bot_rules SET position = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(i as i64)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn get_contact(
        &self,
        account: AccountId,
        wa_id: &str,
    ) -> StoreResult<Option<ContactRecord>> {
        let mut c = self.pool.acquire().await?;
        load_contact(&mut c, &account.to_string(), &wa_key(wa_id), false).await
    }

    async fn set_contact_opt_out(
        &self,
        account: AccountId,
        wa_id: &str,
        opted_out: bool,
        now: Millis,
    ) -> StoreResult<ContactRecord> {
        let account = account.to_string();
        let mut tx = self.pool.begin().await?;
        opt_out(&mut tx, &account, wa_id, opted_out, now).await?;
        let contact = contact_after(&mut tx, &account, wa_id).await?;
        tx.commit().await?;
        Ok(contact)
    }

    async fn add_contact_tags(
        &self,
        account: AccountId,
        wa_id: &str,
        tags: &[String],
        now: Millis,
    ) -> StoreResult<ContactRecord> {
        let account = account.to_string();
        let mut tx = self.pool.begin().await?;
        add_tags(&mut tx, &account, wa_id, tags, now).await?;
        let contact = contact_after(&mut tx, &account, wa_id).await?;
        tx.commit().await?;
        Ok(contact)
    }

    async fn get_bot_state(
        &self,
        channel: ChannelId,
        chat: &str,
    ) -> StoreResult<Option<ContactBotState>> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT state FROM bot_contact_state WHERE channel_id = $1 AND chat = $2",
        )
        .bind(channel.to_string())
        .bind(chat)
        .fetch_optional(&self.pool)
        .await?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }

    async fn record_bot_decision(&self, w: &DecisionWrite) -> StoreResult<(DecisionRecord, bool)> {
        let r = &w.record;
        let account = r.account_id.to_string();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO bot_decisions ({DECISION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (inbound_message_id) DO NOTHING"
        ))
        .bind(r.id.to_string())
        .bind(&account)
        .bind(r.channel_id.to_string())
        .bind(&r.chat)
        .bind(r.inbound_message_id.to_string())
        .bind(&r.code)
        .bind(&r.rule_id)
        .bind(&r.explanation)
        .bind(serde_json::to_string(&r.decision)?)
        .bind(serde_json::to_string(&r.reply_message_ids)?)
        .bind(r.replies_done)
        .bind(&r.error)
        .bind(r.created_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            tx.rollback().await?;
            let existing = self
                .get_bot_decision_for(r.inbound_message_id)
                .await?
                .ok_or_else(|| StoreError::Backend("a conflicting bot decision vanished".into()))?;
            return Ok((existing, false));
        }
        sqlx::query(
            "INSERT INTO bot_contact_state (channel_id, chat, state, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (channel_id, chat) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(r.channel_id.to_string())
        .bind(&r.chat)
        .bind(serde_json::to_string(&w.state)?)
        .bind(r.created_at)
        .execute(&mut *tx)
        .await?;
        if let Some(out) = w.opt_out {
            opt_out(&mut tx, &account, &r.chat, out, r.created_at).await?;
        }
        if !w.add_tags.is_empty() {
            add_tags(&mut tx, &account, &r.chat, &w.add_tags, r.created_at).await?;
        }
        for e in &w.events {
            append_event(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok((r.clone(), true))
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
        sqlx::query(
            "UPDATE bot_decisions SET reply_message_ids = $2, replies_done = TRUE, error = $3 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(serde_json::to_string(reply_message_ids)?)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
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
        read_position(&self.pool, POSITION).await
    }

    async fn set_bot_position(&self, cursor: &str) -> StoreResult<()> {
        write_position(&self.pool, POSITION, cursor).await?;
        Ok(())
    }
}
