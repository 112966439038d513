//! PostgreSQL: scheduled sends (held outside the outbox until due) and their cancellation.
//!
//! Several nodes may promote at once: due rows are locked `FOR UPDATE SKIP LOCKED`, and a
//! cancel locks the same row (waiting), so a message is either promoted or canceled, never
//! both.

use async_trait::async_trait;
use sqlx::PgConnection;
use switchboard_core::event::{message_event, MESSAGE_ACCEPTED, MESSAGE_CANCELED, MESSAGE_FAILED};
use switchboard_core::id::{AccountId, ChannelId, MessageId};
use switchboard_core::status::MessageStatus;
use switchboard_core::time::Millis;
use switchboard_core::window;

use super::events::append_event;
use super::messages::{insert_history, load_for_update, save};
use super::PgStore;
use crate::schedule::{needs_window, window_closed_error, CancelOutcome, Promotion};
use crate::{ScheduleStore, StoreResult};

async fn last_inbound(
    c: &mut PgConnection,
    channel: ChannelId,
    chat: &str,
) -> StoreResult<Option<Millis>> {
    Ok(sqlx::query_scalar(
        "SELECT last_inbound_at FROM conversations WHERE channel_id = $1 AND chat = $2",
    )
    .bind(channel.to_string())
    .bind(chat)
    .fetch_optional(&mut *c)
    .await?)
}

#[async_trait]
impl ScheduleStore for PgStore {
    async fn promote_scheduled(&self, now: Millis, limit: u32) -> StoreResult<Promotion> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT message_id FROM scheduled_messages WHERE send_at <= $1
             ORDER BY send_at, message_id LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Promotion::default();
        for id in due {
            sqlx::query("DELETE FROM scheduled_messages WHERE message_id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            let Some(mut m) = load_for_update(&mut tx, &id).await? else {
                continue;
            };
            if m.status != MessageStatus::Scheduled {
                continue;
            }
            m.updated_at = now;
            let last = last_inbound(&mut tx, m.channel_id, &m.chat).await?;
            if needs_window(&m.kind) && !window::is_open(last, now) {
                let error = window_closed_error(&m.chat, last);
                m.status = MessageStatus::Failed;
                m.error = Some(error.clone());
                save(&mut tx, &m).await?;
                insert_history(&mut tx, &id, MessageStatus::Failed, now, true, &Some(error))
                    .await?;
                append_event(&mut tx, &message_event(MESSAGE_FAILED, &m, now)).await?;
                out.failed.push(m);
            } else {
                m.status = MessageStatus::Accepted;
                save(&mut tx, &m).await?;
                insert_history(&mut tx, &id, MessageStatus::Accepted, now, true, &None).await?;
                sqlx::query(
                    "INSERT INTO outbox (message_id, channel_id, chat, not_before) VALUES ($1, $2, $3, $4)",
                )
                .bind(&id)
                .bind(m.channel_id.to_string())
                .bind(&m.chat)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                append_event(&mut tx, &message_event(MESSAGE_ACCEPTED, &m, now)).await?;
                out.promoted.push(m);
            }
        }
        tx.commit().await?;
        out.next_due = self.next_scheduled().await?;
        Ok(out)
    }

    async fn cancel_scheduled(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<CancelOutcome> {
        let id_text = id.to_string();
        let mut tx = self.pool.begin().await?;
        // Lock order as in promotion: the scheduled row, then the message.
        let waiting: Option<i64> = sqlx::query_scalar(
            "SELECT send_at FROM scheduled_messages WHERE message_id = $1 FOR UPDATE",
        )
        .bind(&id_text)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(mut m) = load_for_update(&mut tx, &id_text).await? else {
            return Ok(CancelOutcome::NotFound);
        };
        if m.account_id != account {
            return Ok(CancelOutcome::NotFound);
        }
        if waiting.is_none() || m.status != MessageStatus::Scheduled {
            return Ok(CancelOutcome::NotScheduled(Box::new(m)));
        }
        sqlx::query("DELETE FROM scheduled_messages WHERE message_id = $1")
            .bind(&id_text)
            .execute(&mut *tx)
            .await?;
        m.status = MessageStatus::Canceled;
        m.updated_at = now;
        save(&mut tx, &m).await?;
        insert_history(&mut tx, &id_text, MessageStatus::Canceled, now, true, &None).await?;
        append_event(&mut tx, &message_event(MESSAGE_CANCELED, &m, now)).await?;
        tx.commit().await?;
        Ok(CancelOutcome::Canceled(Box::new(m)))
    }

    async fn next_scheduled(&self) -> StoreResult<Option<Millis>> {
        Ok(
            sqlx::query_scalar::<_, Option<i64>>("SELECT MIN(send_at) FROM scheduled_messages")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
