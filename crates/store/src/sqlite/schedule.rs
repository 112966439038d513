//! SQLite: scheduled sends (held outside the outbox until due) and their cancellation.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_core::event::{message_event, MESSAGE_ACCEPTED, MESSAGE_CANCELED, MESSAGE_FAILED};
use switchboard_core::id::{AccountId, MessageId};
use switchboard_core::status::MessageStatus;
use switchboard_core::time::Millis;
use switchboard_core::window;

use super::events::append_event;
use super::messages::{insert_history, last_inbound, load, save};
use super::SqliteStore;
use crate::schedule::{needs_window, window_closed_error, CancelOutcome, Promotion};
use crate::{ScheduleStore, StoreResult};

fn next_due(c: &Connection) -> StoreResult<Option<Millis>> {
    Ok(
        c.prepare_cached("SELECT MIN(send_at) FROM scheduled_messages")?
            .query_row([], |r| r.get(0))?,
    )
}

fn promote(c: &Connection, now: Millis, limit: u32) -> StoreResult<Promotion> {
    let due: Vec<String> = c
        .prepare_cached(
            "SELECT message_id FROM scheduled_messages WHERE send_at <= ?1 ORDER BY send_at, message_id LIMIT ?2",
        )?
        .query_map(params![now, limit], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Promotion::default();
    for id in due {
        c.prepare_cached("DELETE FROM scheduled_messages WHERE message_id = ?1")?
            .execute([&id])?;
        let Some(mut m) = load(c, &id)? else { continue };
        if m.status != MessageStatus::Scheduled {
            continue;
        }
        m.updated_at = now;
        let last = last_inbound(c, m.channel_id, &m.chat)?;
        if needs_window(&m.kind) && !window::is_open(last, now) {
            let error = window_closed_error(&m.chat, last);
            m.status = MessageStatus::Failed;
            m.error = Some(error.clone());
            save(c, &m)?;
            insert_history(c, &id, MessageStatus::Failed, now, true, &Some(error))?;
            append_event(c, &message_event(MESSAGE_FAILED, &m, now))?;
            out.failed.push(m);
        } else {
            m.status = MessageStatus::Accepted;
            save(c, &m)?;
            insert_history(c, &id, MessageStatus::Accepted, now, true, &None)?;
            c.prepare_cached(
                "INSERT INTO outbox (message_id, channel_id, chat, not_before) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, m.channel_id.to_string(), m.chat, now])?;
            append_event(c, &message_event(MESSAGE_ACCEPTED, &m, now))?;
            out.promoted.push(m);
        }
    }
    out.next_due = next_due(c)?;
    Ok(out)
}

fn cancel(
    c: &Connection,
    account: AccountId,
    id: MessageId,
    now: Millis,
) -> StoreResult<CancelOutcome> {
    let id_text = id.to_string();
    let Some(mut m) = load(c, &id_text)? else {
        return Ok(CancelOutcome::NotFound);
    };
    if m.account_id != account {
        return Ok(CancelOutcome::NotFound);
    }
    let waiting: Option<i64> = c
        .prepare_cached("SELECT send_at FROM scheduled_messages WHERE message_id = ?1")?
        .query_row([&id_text], |r| r.get(0))
        .optional()?;
    if waiting.is_none() || m.status != MessageStatus::Scheduled {
        return Ok(CancelOutcome::NotScheduled(Box::new(m)));
    }
    c.prepare_cached("DELETE FROM scheduled_messages WHERE message_id = ?1")?
        .execute([&id_text])?;
    m.status = MessageStatus::Canceled;
    m.updated_at = now;
    save(c, &m)?;
    insert_history(c, &id_text, MessageStatus::Canceled, now, true, &None)?;
    append_event(c, &message_event(MESSAGE_CANCELED, &m, now))?;
    Ok(CancelOutcome::Canceled(Box::new(m)))
}

#[async_trait]
impl ScheduleStore for SqliteStore {
    async fn promote_scheduled(&self, now: Millis, limit: u32) -> StoreResult<Promotion> {
        self.engine.write(move |c| promote(c, now, limit)).await
    }

    async fn cancel_scheduled(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<CancelOutcome> {
        self.engine
            .write(move |c| cancel(c, account, id, now))
            .await
    }

    async fn next_scheduled(&self) -> StoreResult<Option<Millis>> {
        self.engine.read(next_due).await
    }
}
