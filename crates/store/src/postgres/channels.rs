//! PostgreSQL: channels and their states (see [`ChannelStore`]); every state change locks
//! the channel's row and appends its `channel.status` event in the same transaction.

use async_trait::async_trait;
use switchboard_core::channel::{reason, Channel, ChannelKind, ChannelState, ChannelStatus};
use switchboard_core::event::channel_status_event;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::decode_opt;
use super::PgStore;
use crate::channel_json::settings_text;
use crate::channels::{CHANNEL_KINDS, PG_CHANNELS};
use crate::decode::{self, PG_CHANNEL_COLS};
use crate::shared_methods::select_method;
use crate::{ChannelStore, Page, PageRequest, StoreResult};

/// Stores a channel without its event (an account's first channels start active).
pub(crate) async fn insert_channel_row(
    c: &mut sqlx::PgConnection,
    channel: &Channel,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO channels (id, account_id, name, kind, settings, created_at, updated_at, timezone)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)",
    )
    .bind(channel.id.to_string())
    .bind(channel.account_id.to_string())
    .bind(&channel.name)
    .bind(channel.kind.as_str())
    .bind(settings_text(channel)?)
    .bind(channel.created_at)
    .bind(channel.updated_at)
    .bind(&channel.timezone)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Stores a channel with its `channel.status` event.
async fn insert_channel(c: &mut sqlx::PgConnection, channel: &Channel) -> StoreResult<()> {
    insert_channel_row(c, channel).await?;
    append_event(
        c,
        &channel_status_event(channel.account_id, channel.id, &channel.state, None),
    )
    .await
}

/// The stored account and state of a channel, its row locked until the transaction ends
/// (`account` narrows the lookup when given).
async fn stored_state(
    c: &mut sqlx::PgConnection,
    account: Option<AccountId>,
    id: ChannelId,
) -> StoreResult<Option<(AccountId, ChannelState)>> {
    let found = sqlx::query(
        "SELECT account_id, settings::text AS settings FROM channels
         WHERE id = $1 AND ($2::text IS NULL OR account_id = $2) FOR UPDATE",
    )
    .bind(id.to_string())
    .bind(account.map(|a| a.to_string()))
    .fetch_optional(&mut *c)
    .await?;
    decode_opt(found, decode::channel_owner_state)
}

#[async_trait]
impl ChannelStore for PgStore {
    async fn create_channel(&self, channel: &Channel) -> StoreResult<()> {
        let channel = self.keys.sealed(channel)?;
        let mut tx = self.pool.begin().await?;
        insert_channel(&mut tx, &channel).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<Option<Channel>> {
        self.fetch_owned(&PG_CHANNELS, account, id).await
    }

    async fn find_channel(&self, id: ChannelId) -> StoreResult<Option<Channel>> {
        let sql = format!("SELECT {PG_CHANNEL_COLS} FROM channels WHERE id = $1");
        let query = sqlx::query(&sql).bind(id.to_string());
        let found = self.fetch_one(query, decode::channel).await?;
        self.keys.open_found(found)
    }

    async fn list_channels(
        &self,
        account: AccountId,
        only: Option<ChannelId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>> {
        let sql = format!(
            "SELECT {PG_CHANNEL_COLS} FROM channels
             WHERE account_id = $1 AND id > $2 AND ($3::text IS NULL OR id = $3)
             ORDER BY id LIMIT $4"
        );
        let query = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(page.after_key())
            .bind(only.map(|o| o.to_string()))
            .bind(page.fetch());
        let rows = self.fetch_all(query, decode::channel).await?;
        let rows = self.keys.open_records(rows)?;
        Ok(Page::from_rows(rows, page, |c| c.id.to_string()))
    }

    select_method!(channel_kinds() -> Vec<(ChannelId, ChannelKind)> = select_all(CHANNEL_KINDS, []));

    async fn all_channels(&self) -> StoreResult<Vec<Channel>> {
        let sql = format!("SELECT {PG_CHANNEL_COLS} FROM channels ORDER BY id");
        let query = sqlx::query(&sql);
        let rows = self.fetch_all(query, decode::channel).await?;
        self.keys.open_records(rows)
    }

    async fn update_channel(&self, channel: &Channel, new_state: bool) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let Some((_, stored)) = stored_state(&mut tx, Some(channel.account_id), channel.id).await?
        else {
            return Ok(false);
        };
        let mut channel = self.keys.sealed(channel)?;
        if !new_state {
            channel.state = stored.clone();
        }
        let done = sqlx::query(
            "UPDATE channels SET name = $3, settings = $4::jsonb, updated_at = $5, timezone = $6 WHERE account_id = $1 AND id = $2",
        )
        .bind(channel.account_id.to_string())
        .bind(channel.id.to_string())
        .bind(&channel.name)
        .bind(settings_text(&channel)?)
        .bind(channel.updated_at)
        .bind(&channel.timezone)
        .execute(&mut *tx)
        .await?;
        let updated = done.rows_affected() == 1;
        if updated && new_state {
            let event = channel_status_event(
                channel.account_id,
                channel.id,
                &channel.state,
                Some(stored.status),
            );
            append_event(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(updated)
    }

    async fn delete_channel(
        &self,
        account: AccountId,
        id: ChannelId,
        at: Millis,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let Some((_, stored)) = stored_state(&mut tx, Some(account), id).await? else {
            return Ok(false);
        };
        let done = sqlx::query("DELETE FROM channels WHERE account_id = $1 AND id = $2")
            .bind(account.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let deleted = done.rows_affected() == 1;
        if deleted {
            let state = ChannelState::new(ChannelStatus::Deleted, reason::DELETED, at);
            let event = channel_status_event(account, id, &state, Some(stored.status));
            append_event(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    async fn set_channel_state(
        &self,
        id: ChannelId,
        from: ChannelStatus,
        to: &ChannelState,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let Some((account, stored)) = stored_state(&mut tx, None, id).await? else {
            return Ok(false);
        };
        if stored.status != from {
            return Ok(false);
        }
        let sql = format!("SELECT {PG_CHANNEL_COLS} FROM channels WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        // Read and written back sealed.
        let mut channel = decode::channel(&row)?;
        channel.state = to.clone();
        sqlx::query("UPDATE channels SET settings = $2::jsonb WHERE id = $1")
            .bind(id.to_string())
            .bind(settings_text(&channel)?)
            .execute(&mut *tx)
            .await?;
        let event = channel_status_event(account, id, to, Some(stored.status));
        append_event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(true)
    }
}
