//! SQLite: messages (see [`MessageStore`]): the outbox, statuses, inbound messages and the
//! 24-hour windows.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use switchboard_core::event::{message_event, MESSAGE_ACCEPTED, MESSAGE_READ, MESSAGE_SCHEDULED};
use switchboard_core::id::{AccountId, ChannelId, ContactId, MessageId};
use switchboard_core::record::{MessageRecord, StatusEntry, StatusReport};
use switchboard_core::status::MessageStatus;
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::query_one;
use super::SqliteStore;
use crate::columns::json_text;
use crate::decode::{self, MESSAGE_COLS};
use crate::message_rules::{
    advance, inbound_with_upstream, mark_read, pending_in_order, record_failed_attempt,
    record_retry, record_sent, stored_answer, StatusChange,
};
use crate::messages::MESSAGES;
use crate::messages::{
    Claimed, DispatchOutcome, FinishDispatch, InsertOutcome, MessageFilter, MessageStore,
    NewInbound, NewOutbound, OutboxClaim, StatusOutcome,
};
use crate::messages::{BELOW_WATERMARK, MESSAGE_BY_UPSTREAM};
use crate::owned::MESSAGE_STATUSES;
use crate::shared_methods::get_owned_with;
use crate::shared_methods::select_method;
use crate::shared_methods::shared_method;
use crate::{Page, PageRequest, StoreResult};

pub(crate) fn load(c: &Connection, id: &str) -> StoreResult<Option<MessageRecord>> {
    let sql = format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1");
    query_one(c, &sql, [id], decode::message)
}

pub(crate) fn insert_history(
    c: &Connection,
    id: &str,
    status: MessageStatus,
    at: Millis,
    applied: bool,
    error: &Option<Value>,
) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO message_statuses (message_id, status, at, applied, error) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, status.as_str(), at, applied, json_text(error)])?;
    Ok(())
}

pub(crate) fn save(c: &Connection, m: &MessageRecord) -> StoreResult<()> {
    c.prepare_cached(
        "UPDATE messages SET status = ?2, upstream_id = ?3, error = ?4, attempts = ?5, updated_at = ?6 WHERE id = ?1",
    )?
    .execute(params![
        m.id.to_string(),
        m.status.as_str(),
        m.upstream_id,
        json_text(&m.error),
        m.attempts,
        m.updated_at
    ])?;
    Ok(())
}

/// Applies a status to a loaded message: history, and if it advances, the new status and its
/// event. Returns whether it advanced. A status already in the history is ignored (upstreams
/// repeat webhooks).
fn apply_to(
    c: &Connection,
    m: &mut MessageRecord,
    change: StatusChange<'_>,
    now: Millis,
) -> StoreResult<Option<bool>> {
    let id = m.id.to_string();
    let seen: Option<i64> = c
        .prepare_cached("SELECT 1 FROM message_statuses WHERE message_id = ?1 AND status = ?2")?
        .query_row(params![id, change.status.as_str()], |r| r.get(0))
        .optional()?;
    if seen.is_some() {
        return Ok(None);
    }
    let advances = m.status.advances_to(change.status);
    insert_history(c, &id, change.status, change.at, advances, &change.error)?;
    if advances {
        let event = advance(m, change, now);
        save(c, m)?;
        append_event(c, &event)?;
    }
    Ok(Some(advances))
}

pub(crate) fn insert_outbound(c: &Connection, new: &NewOutbound) -> StoreResult<InsertOutcome> {
    let m = &new.message;
    let now = m.created_at;
    if let Some(idem) = &new.idempotency {
        let found: Option<(String, String, i64)> = c
            .prepare_cached(
                "SELECT request_hash, response, created_at FROM idempotency_keys WHERE account_id = ?1 AND key = ?2",
            )?
            .query_row(params![m.account_id.to_string(), idem.key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        if let Some(stored) = found {
            if let Some(answer) = stored_answer(&stored, new, idem)? {
                return Ok(answer);
            }
            c.execute(
                "DELETE FROM idempotency_keys WHERE account_id = ?1 AND key = ?2",
                params![m.account_id.to_string(), idem.key],
            )?;
        }
    }
    let id = m.id.to_string();
    insert_row(c, INSERT_MESSAGE, m, new.template_category.as_deref())?;
    // The recipient becomes a contact on the first message to it.
    c.prepare_cached(
        "INSERT INTO contacts (id, account_id, wa_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (account_id, wa_id) DO NOTHING",
    )?
    .execute(params![
        ContactId::new().to_string(),
        m.account_id.to_string(),
        m.chat,
        now
    ])?;
    let scheduled = m.status == MessageStatus::Scheduled;
    insert_history(c, &id, m.status, now, true, &None)?;
    let (sql, event) = if scheduled {
        (
            "INSERT INTO scheduled_messages (message_id, channel_id, chat, send_at) VALUES (?1, ?2, ?3, ?4)",
            MESSAGE_SCHEDULED,
        )
    } else {
        (
            "INSERT INTO outbox (message_id, channel_id, chat, not_before) VALUES (?1, ?2, ?3, ?4)",
            MESSAGE_ACCEPTED,
        )
    };
    c.prepare_cached(sql)?.execute(params![
        id,
        m.channel_id.to_string(),
        m.chat,
        new.not_before
    ])?;
    append_event(c, &message_event(event, m, now))?;
    if let Some(idem) = &new.idempotency {
        c.prepare_cached(
            "INSERT INTO idempotency_keys (account_id, key, request_hash, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            m.account_id.to_string(),
            idem.key,
            idem.request_hash,
            idem.response.to_string(),
            now
        ])?;
    }
    Ok(InsertOutcome::Inserted)
}

/// Leases due chat heads (see `0013_outbox_heads.sql`): reads at most `limit` heads through
/// the due-time index, per channel when `channels` is given, so the queue behind the heads
/// is never scanned.
pub(crate) fn claim(c: &Connection, claim: &OutboxClaim<'_>) -> StoreResult<Vec<Claimed>> {
    let mut heads: Vec<(i64, String)> = match claim.channels {
        None => c
            .prepare_cached(
                "SELECT seq, message_id FROM outbox_heads WHERE due <= ?1 ORDER BY due, seq LIMIT ?2",
            )?
            .query_map(params![claim.now, claim.limit], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?,
        Some(channels) => {
            // Each channel's earliest heads through `outbox_heads_channel`, then the earliest
            // of all: at most `limit` rows read per channel.
            let mut read = c.prepare_cached(
                "SELECT due, seq, message_id FROM outbox_heads WHERE channel_id = ?1 AND due <= ?2 ORDER BY due, seq LIMIT ?3",
            )?;
            let mut due: Vec<(i64, i64, String)> = Vec::new();
            for channel in channels {
                let rows = read.query_map(
                    params![channel.to_string(), claim.now, claim.limit],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
                for row in rows {
                    due.push(row?);
                }
            }
            due.sort_unstable();
            due.truncate(claim.limit as usize);
            due.into_iter().map(|(_, seq, id)| (seq, id)).collect()
        }
    };
    // The earliest due heads, returned in queue order (as PostgreSQL's claim does).
    heads.sort_unstable();
    let mut claimed = Vec::with_capacity(heads.len());
    let mut lease =
        c.prepare_cached("UPDATE outbox SET lease_owner = ?2, lease_until = ?3 WHERE seq = ?1")?;
    for (seq, id) in heads {
        lease.execute(params![seq, claim.owner, claim.now + claim.lease_ms])?;
        if let Some(message) = load(c, &id)? {
            claimed.push(Claimed { message });
        }
    }
    Ok(claimed)
}

pub(crate) fn finish(
    c: &Connection,
    id: MessageId,
    owner: &str,
    outcome: DispatchOutcome,
    now: Millis,
) -> StoreResult<Option<MessageRecord>> {
    let id_text = id.to_string();
    let leased: Option<i64> = c
        .prepare_cached("SELECT seq FROM outbox WHERE message_id = ?1 AND lease_owner = ?2")?
        .query_row(params![id_text, owner], |r| r.get(0))
        .optional()?;
    if leased.is_none() {
        return Ok(None);
    }
    let Some(mut m) = load(c, &id_text)? else {
        return Ok(None);
    };
    match outcome {
        DispatchOutcome::Sent { upstream_id } => {
            record_sent(&mut m, &upstream_id, now);
            save(c, &m)?;
            let sent = StatusChange::local(MessageStatus::Sent, now, None);
            apply_to(c, &mut m, sent, now)?;
            c.prepare_cached("DELETE FROM outbox WHERE message_id = ?1")?
                .execute([&id_text])?;
            let pending: Vec<(String, i64, Option<String>)> = c
                .prepare_cached(
                    "SELECT status, at, error FROM pending_statuses WHERE channel_id = ?1 AND upstream_id = ?2",
                )?
                .query_map(params![m.channel_id.to_string(), upstream_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            for change in pending_in_order(pending)? {
                apply_to(c, &mut m, change, now)?;
            }
            c.prepare_cached(
                "DELETE FROM pending_statuses WHERE channel_id = ?1 AND upstream_id = ?2",
            )?
            .execute(params![m.channel_id.to_string(), upstream_id])?;
        }
        DispatchOutcome::Retry {
            not_before,
            error,
            attempted,
        } => {
            c.prepare_cached(
                "UPDATE outbox SET not_before = ?2, lease_owner = NULL, lease_until = NULL WHERE message_id = ?1",
            )?
            .execute(params![id_text, not_before])?;
            record_retry(&mut m, error, attempted, now);
            save(c, &m)?;
        }
        DispatchOutcome::Failed { error } => {
            record_failed_attempt(&mut m, &error);
            c.prepare_cached("DELETE FROM outbox WHERE message_id = ?1")?
                .execute([&id_text])?;
            let failed = StatusChange::local(MessageStatus::Failed, now, Some(error.clone()));
            apply_to(c, &mut m, failed, now)?;
            if m.error.is_none() {
                m.error = Some(error);
                m.updated_at = now;
                save(c, &m)?;
            }
        }
    }
    Ok(Some(m))
}

pub(crate) fn apply_status(
    c: &Connection,
    report: &StatusReport,
    now: Millis,
) -> StoreResult<StatusOutcome> {
    let sql =
        format!("SELECT {MESSAGE_COLS} FROM messages WHERE channel_id = ?1 AND upstream_id = ?2");
    let params = params![report.channel_id.to_string(), report.upstream_id];
    let found = query_one(c, &sql, params, decode::message)?;
    let Some(mut m) = found else {
        c.prepare_cached(
            "INSERT OR IGNORE INTO pending_statuses (channel_id, upstream_id, status, at, error, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            report.channel_id.to_string(),
            report.upstream_id,
            report.status.as_str(),
            report.at,
            json_text(&report.error),
            now
        ])?;
        return Ok(StatusOutcome::Pending);
    };
    Ok(
        match apply_to(c, &mut m, StatusChange::reported(report), now)? {
            Some(true) => StatusOutcome::Applied(Box::new(m)),
            _ => StatusOutcome::Recorded,
        },
    )
}

/// Inserts a message row; [`insert_row`] binds its values.
const INSERT_MESSAGE: &str = "INSERT INTO messages (id, account_id, channel_id, direction, chat, kind, body, status, upstream_id, context_id, error, attempts, created_at, updated_at, template_category)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/// Inserts an inbound message row unless its id or upstream id is taken: no error, no
/// attempts; [`insert_row`] binds its values (`?11` and `?12` go unused).
const INSERT_INBOUND: &str = "INSERT OR IGNORE INTO messages (id, account_id, channel_id, direction, chat, kind, body, status, upstream_id, context_id, error, attempts, created_at, updated_at, template_category)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, 0, ?13, ?14, ?15)";

/// Runs `sql` with a message's columns bound as `?1…?15`, in [`INSERT_MESSAGE`] order; the
/// number of rows inserted.
fn insert_row(
    c: &Connection,
    sql: &str,
    m: &MessageRecord,
    template_category: Option<&str>,
) -> StoreResult<usize> {
    Ok(c.prepare_cached(sql)?.execute(params![
        m.id.to_string(),
        m.account_id.to_string(),
        m.channel_id.to_string(),
        m.direction.as_str(),
        m.chat,
        m.kind,
        m.body.to_string(),
        m.status.as_str(),
        m.upstream_id,
        m.context_id,
        json_text(&m.error),
        m.attempts,
        m.created_at,
        m.updated_at,
        template_category
    ])?)
}

pub(crate) fn insert_inbound(c: &Connection, new: &NewInbound, now: Millis) -> StoreResult<bool> {
    let m = &new.message;
    let id = m.id.to_string();
    let inserted = insert_row(c, INSERT_INBOUND, m, None)?;
    if inserted == 0 {
        return Ok(false);
    }
    insert_history(c, &id, MessageStatus::Received, m.created_at, true, &None)?;
    c.prepare_cached(
        "INSERT INTO contacts (id, account_id, wa_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (account_id, wa_id) DO UPDATE SET name = COALESCE(excluded.name, contacts.name), updated_at = excluded.updated_at",
    )?
    .execute(params![
        ContactId::new().to_string(),
        m.account_id.to_string(),
        m.chat,
        new.profile_name,
        now
    ])?;
    c.prepare_cached(
        "INSERT INTO conversations (channel_id, chat, last_inbound_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (channel_id, chat) DO UPDATE SET last_inbound_at = MAX(conversations.last_inbound_at, excluded.last_inbound_at)",
    )?
    .execute(params![m.channel_id.to_string(), m.chat, m.created_at])?;
    append_event(c, &inbound_with_upstream(new, now))?;
    Ok(true)
}

pub(crate) fn mark_inbound_read(
    c: &Connection,
    account: AccountId,
    id: MessageId,
    now: Millis,
) -> StoreResult<Option<MessageRecord>> {
    let Some(mut m) = load(c, &id.to_string())? else {
        return Ok(None);
    };
    let Some(changed) = mark_read(&mut m, account, now) else {
        return Ok(None);
    };
    if changed {
        save(c, &m)?;
        insert_history(c, &m.id.to_string(), MessageStatus::Read, now, true, &None)?;
        append_event(c, &message_event(MESSAGE_READ, &m, now))?;
    }
    Ok(Some(m))
}

pub(crate) fn last_inbound(
    c: &Connection,
    channel: ChannelId,
    chat: &str,
) -> StoreResult<Option<Millis>> {
    Ok(c.prepare_cached(
        "SELECT last_inbound_at FROM conversations WHERE channel_id = ?1 AND chat = ?2",
    )?
    .query_row(params![channel.to_string(), chat], |r| r.get(0))
    .optional()?)
}

#[async_trait]
impl MessageStore for SqliteStore {
    async fn insert_outbound(&self, new: &NewOutbound) -> StoreResult<InsertOutcome> {
        let new = new.clone();
        self.engine.write(move |c| insert_outbound(c, &new)).await
    }

    async fn claim_outbox(&self, request: &OutboxClaim<'_>) -> StoreResult<Vec<Claimed>> {
        let owner = request.owner.to_string();
        let channels = request.channels.map(<[ChannelId]>::to_vec);
        let (now, lease_ms, limit) = (request.now, request.lease_ms, request.limit);
        self.engine
            .write(move |c| {
                let request = OutboxClaim {
                    owner: &owner,
                    now,
                    lease_ms,
                    limit,
                    channels: channels.as_deref(),
                };
                claim(c, &request)
            })
            .await
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
        let owner = owner.to_string();
        self.engine
            .write(move |c| finish(c, id, &owner, outcome, now))
            .await
    }

    async fn release_leases_at_start(&self) -> StoreResult<u64> {
        self.engine
            .write(|c| {
                let n = c.execute(
                    "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL",
                    [],
                )?;
                Ok(n as u64)
            })
            .await
    }

    async fn outbox_len(&self) -> StoreResult<u64> {
        self.count_rows("outbox").await
    }

    async fn apply_status(&self, report: &StatusReport, now: Millis) -> StoreResult<StatusOutcome> {
        let report = report.clone();
        self.engine
            .write(move |c| apply_status(c, &report, now))
            .await
    }

    async fn insert_inbound(&self, new: &NewInbound, now: Millis) -> StoreResult<bool> {
        let key = (new.message.channel_id, new.message.chat.clone());
        let new = new.clone();
        let inserted = self
            .engine
            .write(move |c| insert_inbound(c, &new, now))
            .await;
        // The chat's window moved (or the write failed part-way): read it again next time.
        self.windows.forget(&key);
        inserted
    }

    async fn mark_inbound_read(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>> {
        self.engine
            .write(move |c| mark_inbound_read(c, account, id, now))
            .await
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
        let key = (channel, chat.to_string());
        if let Some(at) = self.windows.get(&key) {
            return Ok(at);
        }
        let generation = self.windows.generation();
        let chat = key.1.clone();
        let at = self
            .engine
            .read(move |c| last_inbound(c, channel, &chat))
            .await?;
        self.windows.put(key, at, generation);
        Ok(at)
    }
}
