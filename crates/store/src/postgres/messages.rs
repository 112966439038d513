//! PostgreSQL: messages (see [`MessageStore`]): the outbox, statuses, inbound messages and
//! the 24-hour windows.
//!
//! The same rules as `sqlite/messages.rs`, made safe for several nodes sharing the database
//! (SQLite relies on its single writer instead):
//! - a message row is read `FOR UPDATE` before it changes, so concurrent status reports
//!   cannot regress it or record the same status twice;
//! - the outbox is claimed with `FOR UPDATE SKIP LOCKED`, and `finish_dispatch` locks the
//!   outbox row it checks the lease of;
//! - a send answer and a status report for the same upstream id take the same
//!   transaction-scoped advisory lock, so a status that arrives while the answer is being
//!   recorded is either seen as pending by it or finds the message afterwards.

use std::sync::LazyLock;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::PgConnection;
use switchboard_core::event::{message_event, MESSAGE_ACCEPTED, MESSAGE_READ, MESSAGE_SCHEDULED};
use switchboard_core::id::{AccountId, ChannelId, ContactId, MessageId};
use switchboard_core::record::{MessageRecord, StatusEntry, StatusReport};
use switchboard_core::status::MessageStatus;
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::{fetch_opt_on, PgQuery};
use super::PgStore;
use crate::columns::json_text;
use crate::decode::{self, MESSAGE_COLS};
use crate::message_rules::{
    advance, inbound_with_upstream, mark_read, pending_in_order, record_failed_attempt,
    record_retry, record_sent, stored_answer, StatusChange,
};
use crate::messages::MESSAGES;
use crate::messages::{
    Claimed, DispatchOutcome, FinishDispatch, InsertOutcome, MessageFilter, NewInbound,
    NewOutbound, OutboxClaim, StatusOutcome,
};
use crate::messages::{BELOW_WATERMARK, MESSAGE_BY_UPSTREAM};
use crate::owned::MESSAGE_STATUSES;
use crate::shared_methods::get_owned_with;
use crate::shared_methods::select_method;
use crate::shared_methods::shared_method;
use crate::{MessageStore, Page, PageRequest, StoreResult};

/// First key of the advisory locks on upstream ids (the second is the id's hash).
const UPSTREAM_LOCK_CLASS: i32 = 0x5342_0001;

fn attempts(m: &MessageRecord) -> i32 {
    i32::try_from(m.attempts).unwrap_or(i32::MAX)
}

/// Reads a message and locks it until the end of the transaction.
pub(super) async fn load_for_update(
    c: &mut PgConnection,
    id: &str,
) -> StoreResult<Option<MessageRecord>> {
    let sql = format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = $1 FOR UPDATE");
    fetch_opt_on(&mut *c, sqlx::query(&sql).bind(id), decode::message).await
}

/// Serializes the send answer and the status reports of one upstream id.
async fn lock_upstream(c: &mut PgConnection, upstream_id: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(UPSTREAM_LOCK_CLASS)
        .bind(upstream_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub(super) async fn insert_history(
    c: &mut PgConnection,
    id: &str,
    status: MessageStatus,
    at: Millis,
    applied: bool,
    error: &Option<Value>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO message_statuses (message_id, status, at, applied, error) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(at)
    .bind(applied)
    .bind(json_text(error))
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub(super) async fn save(c: &mut PgConnection, m: &MessageRecord) -> StoreResult<()> {
    sqlx::query(
        "UPDATE messages SET status = $2, upstream_id = $3, error = $4, attempts = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(m.id.to_string())
    .bind(m.status.as_str())
    .bind(&m.upstream_id)
    .bind(json_text(&m.error))
    .bind(attempts(m))
    .bind(m.updated_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Applies a status to a loaded (and locked) message: history, and if it advances, the new
/// status and its event. Returns whether it advanced; `None` when the status is already in
/// the history (upstreams repeat webhooks).
async fn apply_to(
    c: &mut PgConnection,
    m: &mut MessageRecord,
    change: StatusChange<'_>,
    now: Millis,
) -> StoreResult<Option<bool>> {
    let id = m.id.to_string();
    let seen: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM message_statuses WHERE message_id = $1 AND status = $2)",
    )
    .bind(&id)
    .bind(change.status.as_str())
    .fetch_one(&mut *c)
    .await?;
    if seen {
        return Ok(None);
    }
    let advances = m.status.advances_to(change.status);
    insert_history(c, &id, change.status, change.at, advances, &change.error).await?;
    if advances {
        let event = advance(m, change, now);
        save(c, m).await?;
        append_event(c, &event).await?;
    }
    Ok(Some(advances))
}

/// Applies, in rank order, the statuses that arrived before the send answer, and forgets them.
async fn apply_pending(
    c: &mut PgConnection,
    m: &mut MessageRecord,
    upstream_id: &str,
    now: Millis,
) -> StoreResult<()> {
    let channel = m.channel_id.to_string();
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT status, at, error FROM pending_statuses WHERE channel_id = $1 AND upstream_id = $2",
    )
    .bind(&channel)
    .bind(upstream_id)
    .fetch_all(&mut *c)
    .await?;
    for change in pending_in_order(rows)? {
        apply_to(c, m, change, now).await?;
    }
    sqlx::query("DELETE FROM pending_statuses WHERE channel_id = $1 AND upstream_id = $2")
        .bind(&channel)
        .bind(upstream_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Stores an outbound message (with its history entry, outbox or schedule row, event and
/// idempotency key) inside the caller's transaction.
pub(super) async fn insert_outbound(
    tx: &mut PgConnection,
    new: &NewOutbound,
) -> StoreResult<InsertOutcome> {
    let m = &new.message;
    let now = m.created_at;
    let account = m.account_id.to_string();
    if let Some(idem) = &new.idempotency {
        let found: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT request_hash, response, created_at FROM idempotency_keys WHERE account_id = $1 AND key = $2 FOR UPDATE",
        )
        .bind(&account)
        .bind(&idem.key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(stored) = found {
            if let Some(answer) = stored_answer(&stored, new, idem)? {
                return Ok(answer);
            }
            sqlx::query("DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2")
                .bind(&account)
                .bind(&idem.key)
                .execute(&mut *tx)
                .await?;
        }
    }
    let id = m.id.to_string();
    bind_message(
        sqlx::query(INSERT_MESSAGE),
        m,
        new.template_category.as_deref(),
    )
    .execute(&mut *tx)
    .await?;
    // The recipient becomes a contact on the first message to it.
    sqlx::query(
        "INSERT INTO contacts (id, account_id, wa_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (account_id, wa_id) DO NOTHING",
    )
    .bind(ContactId::new().to_string())
    .bind(&account)
    .bind(&m.chat)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let scheduled = m.status == MessageStatus::Scheduled;
    insert_history(&mut *tx, &id, m.status, now, true, &None).await?;
    let (sql, event) = if scheduled {
        (
            "INSERT INTO scheduled_messages (message_id, channel_id, chat, send_at) VALUES ($1, $2, $3, $4)",
            MESSAGE_SCHEDULED,
        )
    } else {
        (
            "INSERT INTO outbox (message_id, channel_id, chat, not_before) VALUES ($1, $2, $3, $4)",
            MESSAGE_ACCEPTED,
        )
    };
    sqlx::query(sql)
        .bind(&id)
        .bind(m.channel_id.to_string())
        .bind(&m.chat)
        .bind(new.not_before)
        .execute(&mut *tx)
        .await?;
    append_event(&mut *tx, &message_event(event, m, now)).await?;
    if let Some(idem) = &new.idempotency {
        sqlx::query(
            "INSERT INTO idempotency_keys (account_id, key, request_hash, response, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&account)
        .bind(&idem.key)
        .bind(&idem.request_hash)
        .bind(idem.response.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(InsertOutcome::Inserted)
}

/// The claim, one statement so one transaction: lock up to `$2` due chat heads from `heads`
/// (skipping heads another node is claiming or finishing, so two nodes never take the same
/// one), lease their outbox rows until `$4` to `$3` (a trigger moves the heads' due time to
/// the lease's end), and read their messages.
fn claim_sql(heads: &str) -> String {
    format!(
        "WITH heads AS ({heads}), claimed AS (
             UPDATE outbox SET lease_owner = $3, lease_until = $4
             FROM heads WHERE outbox.seq = heads.seq
             RETURNING outbox.seq, outbox.message_id
         )
         SELECT {MESSAGE_COLS} FROM claimed JOIN messages ON messages.id = claimed.message_id
         ORDER BY claimed.seq"
    )
}

/// [`claim_sql`] over every channel: the earliest due heads through `outbox_heads_due`.
static CLAIM_ALL: LazyLock<String> = LazyLock::new(|| {
    claim_sql(
        "SELECT seq FROM outbox_heads WHERE due <= $1 ORDER BY due, seq LIMIT $2
         FOR UPDATE SKIP LOCKED",
    )
});

/// [`claim_sql`] over the channels in `$5`: each channel's earliest due heads through
/// `outbox_heads_channel` (at most `$2` per channel, so the cost follows the claim and the
/// number of channels, not the queue), then the earliest of all.
static CLAIM_CHANNELS: LazyLock<String> = LazyLock::new(|| {
    claim_sql(
        "SELECT h.seq FROM unnest($5::text[]) AS c(id)
         CROSS JOIN LATERAL (
             SELECT seq, due FROM outbox_heads WHERE channel_id = c.id AND due <= $1
             ORDER BY due, seq LIMIT $2
             FOR UPDATE SKIP LOCKED
         ) h
         ORDER BY h.due, h.seq LIMIT $2",
    )
});

/// Inserts a message row; [`bind_message`] binds its values.
const INSERT_MESSAGE: &str = "INSERT INTO messages (id, account_id, channel_id, direction, chat, kind, body, status, upstream_id, context_id, error, attempts, created_at, updated_at, template_category)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

/// Inserts an inbound message row unless its upstream id is taken: no error, no attempts;
/// [`bind_message`] binds its values (`$11` and `$12` go unused).
const INSERT_INBOUND: &str = "INSERT INTO messages (id, account_id, channel_id, direction, chat, kind, body, status, upstream_id, context_id, error, attempts, created_at, updated_at, template_category)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, 0, $13, $14, $15)
     ON CONFLICT (channel_id, upstream_id) WHERE upstream_id IS NOT NULL DO NOTHING";

/// Binds a message's columns as `$1…$15`, in [`INSERT_MESSAGE`] order.
fn bind_message<'q>(
    query: PgQuery<'q>,
    m: &'q MessageRecord,
    template_category: Option<&'q str>,
) -> PgQuery<'q> {
    query
        .bind(m.id.to_string())
        .bind(m.account_id.to_string())
        .bind(m.channel_id.to_string())
        .bind(m.direction.as_str())
        .bind(&m.chat)
        .bind(&m.kind)
        .bind(m.body.to_string())
        .bind(m.status.as_str())
        .bind(&m.upstream_id)
        .bind(&m.context_id)
        .bind(json_text(&m.error))
        .bind(attempts(m))
        .bind(m.created_at)
        .bind(m.updated_at)
        .bind(template_category)
}

#[async_trait]
impl MessageStore for PgStore {
    async fn insert_outbound(&self, new: &NewOutbound) -> StoreResult<InsertOutcome> {
        if let Some(answer) = self.accepts.submit(new).await {
            return answer;
        }
        let mut tx = self.pool.begin().await?;
        let outcome = insert_outbound(&mut tx, new).await?;
        if outcome == InsertOutcome::Inserted {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn claim_outbox(&self, claim: &OutboxClaim<'_>) -> StoreResult<Vec<Claimed>> {
        let OutboxClaim {
            owner,
            now,
            lease_ms,
            limit,
            channels,
        } = *claim;
        let channels: Option<Vec<String>> =
            channels.map(|list| list.iter().map(ToString::to_string).collect());
        let sql = if channels.is_some() {
            &*CLAIM_CHANNELS
        } else {
            &*CLAIM_ALL
        };
        let mut query = sqlx::query(sql)
            .bind(now)
            .bind(i64::from(limit))
            .bind(owner)
            .bind(now + lease_ms);
        if let Some(channels) = channels {
            query = query.bind(channels);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Claimed {
                    message: decode::message(r)?,
                })
            })
            .collect()
    }

    async fn finish_dispatch(
        &self,
        done: FinishDispatch<'_>,
    ) -> StoreResult<Option<MessageRecord>> {
        let FinishDispatch {
            id,
            owner,
            outcome,
            now,
        } = done;
        let id_text = id.to_string();
        let mut tx = self.pool.begin().await?;
        if let DispatchOutcome::Sent { upstream_id } = &outcome {
            lock_upstream(&mut tx, upstream_id).await?;
        }
        let leased: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM outbox WHERE message_id = $1 AND lease_owner = $2 FOR UPDATE",
        )
        .bind(&id_text)
        .bind(owner)
        .fetch_optional(&mut *tx)
        .await?;
        if leased.is_none() {
            return Ok(None);
        }
        let Some(mut m) = load_for_update(&mut tx, &id_text).await? else {
            return Ok(None);
        };
        match outcome {
            DispatchOutcome::Sent { upstream_id } => {
                record_sent(&mut m, &upstream_id, now);
                save(&mut tx, &m).await?;
                let sent = StatusChange::local(MessageStatus::Sent, now, None);
                apply_to(&mut tx, &mut m, sent, now).await?;
                sqlx::query("DELETE FROM outbox WHERE message_id = $1")
                    .bind(&id_text)
                    .execute(&mut *tx)
                    .await?;
                apply_pending(&mut tx, &mut m, &upstream_id, now).await?;
            }
            DispatchOutcome::Retry {
                not_before,
                error,
                attempted,
            } => {
                sqlx::query(
                    "UPDATE outbox SET not_before = $2, lease_owner = NULL, lease_until = NULL WHERE message_id = $1",
                )
                .bind(&id_text)
                .bind(not_before)
                .execute(&mut *tx)
                .await?;
                record_retry(&mut m, error, attempted, now);
                save(&mut tx, &m).await?;
            }
            DispatchOutcome::Failed { error } => {
                record_failed_attempt(&mut m, &error);
                sqlx::query("DELETE FROM outbox WHERE message_id = $1")
                    .bind(&id_text)
                    .execute(&mut *tx)
                    .await?;
                let failed = StatusChange::local(MessageStatus::Failed, now, Some(error.clone()));
                apply_to(&mut tx, &mut m, failed, now).await?;
                if m.error.is_none() {
                    m.error = Some(error);
                    m.updated_at = now;
                    save(&mut tx, &m).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Some(m))
    }

    async fn release_leases_at_start(&self) -> StoreResult<u64> {
        // Several nodes share the database: another node's leases are live; they expire.
        Ok(0)
    }

    async fn outbox_len(&self) -> StoreResult<u64> {
        self.count_rows("outbox").await
    }

    async fn apply_status(&self, report: &StatusReport, now: Millis) -> StoreResult<StatusOutcome> {
        let channel = report.channel_id.to_string();
        let mut tx = self.pool.begin().await?;
        lock_upstream(&mut tx, &report.upstream_id).await?;
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE channel_id = $1 AND upstream_id = $2 FOR UPDATE"
        );
        let query = sqlx::query(&sql).bind(&channel).bind(&report.upstream_id);
        let found = fetch_opt_on(&mut tx, query, decode::message).await?;
        let outcome = match found {
            None => {
                sqlx::query(
                    "INSERT INTO pending_statuses (channel_id, upstream_id, status, at, error, received_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT DO NOTHING",
                )
                .bind(&channel)
                .bind(&report.upstream_id)
                .bind(report.status.as_str())
                .bind(report.at)
                .bind(json_text(&report.error))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                StatusOutcome::Pending
            }
            Some(mut m) => {
                match apply_to(&mut tx, &mut m, StatusChange::reported(report), now).await? {
                    Some(true) => StatusOutcome::Applied(Box::new(m)),
                    _ => StatusOutcome::Recorded,
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn insert_inbound(&self, new: &NewInbound, now: Millis) -> StoreResult<bool> {
        let m = &new.message;
        let id = m.id.to_string();
        let mut tx = self.pool.begin().await?;
        let inserted = bind_message(sqlx::query(INSERT_INBOUND), m, None)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        insert_history(
            &mut tx,
            &id,
            MessageStatus::Received,
            m.created_at,
            true,
            &None,
        )
        .await?;
        sqlx::query(
            "INSERT INTO contacts (id, account_id, wa_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (account_id, wa_id) DO UPDATE SET name = COALESCE(excluded.name, contacts.name), updated_at = excluded.updated_at",
        )
        .bind(ContactId::new().to_string())
        .bind(m.account_id.to_string())
        .bind(&m.chat)
        .bind(&new.profile_name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO conversations (channel_id, chat, last_inbound_at) VALUES ($1, $2, $3)
             ON CONFLICT (channel_id, chat) DO UPDATE SET last_inbound_at = GREATEST(conversations.last_inbound_at, excluded.last_inbound_at)",
        )
        .bind(m.channel_id.to_string())
        .bind(&m.chat)
        .bind(m.created_at)
        .execute(&mut *tx)
        .await?;
        append_event(&mut tx, &inbound_with_upstream(new, now)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn mark_inbound_read(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>> {
        let mut tx = self.pool.begin().await?;
        let Some(mut m) = load_for_update(&mut tx, &id.to_string()).await? else {
            return Ok(None);
        };
        let Some(changed) = mark_read(&mut m, account, now) else {
            return Ok(None);
        };
        if changed {
            save(&mut tx, &m).await?;
            insert_history(
                &mut tx,
                &m.id.to_string(),
                MessageStatus::Read,
                now,
                true,
                &None,
            )
            .await?;
            append_event(&mut tx, &message_event(MESSAGE_READ, &m, now)).await?;
        }
        tx.commit().await?;
        Ok(Some(m))
    }

    get_owned_with!(get_message(MessageId) -> MessageRecord, StatusEntry, MESSAGES, MESSAGE_STATUSES);

    select_method!(
        find_by_upstream['life1](channel: ChannelId, upstream_id: &'life1 str) -> Option<MessageRecord> =
            select_one(MESSAGE_BY_UPSTREAM, [channel, upstream_id])
    );

    select_method!(
        below_watermark['life1](
            channel: ChannelId,
            chat: &'life1 str,
            receipt: MessageStatus,
            until: Millis,
            limit: u32
        ) -> Vec<MessageRecord> =
            select_all(BELOW_WATERMARK, [channel, chat, receipt.as_str(), until, limit])
    );

    shared_method!(
        list_messages['life1, 'life2](
            account: AccountId,
            f: &'life1 MessageFilter,
            page: &'life2 PageRequest
        ) -> Page<MessageRecord> = crate::messages::list_messages
    );

    shared_method!(
        latest_messages['life1, 'life2](
            account: AccountId,
            f: &'life1 MessageFilter,
            before: &'life2 str,
            limit: u32
        ) -> Vec<MessageRecord> = crate::messages::latest_messages
    );

    async fn last_inbound(&self, channel: ChannelId, chat: &str) -> StoreResult<Option<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT last_inbound_at FROM conversations WHERE channel_id = $1 AND chat = $2",
        )
        .bind(channel.to_string())
        .bind(chat)
        .fetch_optional(&self.pool)
        .await?)
    }
}
