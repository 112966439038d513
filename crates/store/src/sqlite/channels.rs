//! SQLite: channels and their states (see [`ChannelStore`]); every state change appends
//! its `channel.status` event in the same transaction.

use async_trait::async_trait;
use rusqlite::{params, Connection};
use switchboard_core::channel::{reason, Channel, ChannelKind, ChannelState, ChannelStatus};
use switchboard_core::event::channel_status_event;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::args;
use super::query::{query_all, query_one};
use super::SqliteStore;
use crate::channel_json::settings_text;
use crate::channels::{CHANNELS, CHANNEL_KINDS};
use crate::decode::{self, CHANNEL_COLS};
use crate::shared_methods::select_method;
use crate::{ChannelStore, Page, PageRequest, StoreResult};

/// Stores a channel without its event (an account's first channels start active).
pub(crate) fn insert_channel_row(c: &Connection, channel: &Channel) -> StoreResult<()> {
    c.execute(
        "INSERT INTO channels (id, account_id, name, kind, settings, created_at, updated_at, timezone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            channel.id.to_string(),
            channel.account_id.to_string(),
            channel.name,
            channel.kind.as_str(),
            settings_text(channel)?,
            channel.created_at,
            channel.updated_at,
            channel.timezone
        ],
    )?;
    Ok(())
}

/// Stores a channel with its `channel.status` event.
fn insert_channel(c: &Connection, channel: &Channel) -> StoreResult<()> {
    insert_channel_row(c, channel)?;
    append_event(
        c,
        &channel_status_event(channel.account_id, channel.id, &channel.state, None),
    )?;
    Ok(())
}

/// The stored account and state of a channel (`account` narrows the lookup when given).
fn stored_state(
    c: &Connection,
    account: Option<AccountId>,
    id: ChannelId,
) -> StoreResult<Option<(AccountId, ChannelState)>> {
    query_one(
        c,
        "SELECT account_id, settings FROM channels WHERE id = ?1 AND (?2 IS NULL OR account_id = ?2)",
        params![id.to_string(), account.map(|a| a.to_string())],
        decode::channel_owner_state,
    )
}

#[async_trait]
impl ChannelStore for SqliteStore {
    async fn create_channel(&self, channel: &Channel) -> StoreResult<()> {
        let channel = self.keys.sealed(channel)?;
        self.engine
            .write(move |c| insert_channel(c, &channel))
            .await
    }

    async fn get_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<Option<Channel>> {
        if let Some(channel) = self.channels.get(&id) {
            return Ok((channel.account_id == account).then_some(channel));
        }
        let generation = self.channels.generation();
        let found = self.read_owned(&CHANNELS, account, id).await?;
        if let Some(channel) = &found {
            self.channels.put(channel.id, channel.clone(), generation);
        }
        Ok(found)
    }

    async fn find_channel(&self, id: ChannelId) -> StoreResult<Option<Channel>> {
        if let Some(channel) = self.channels.get(&id) {
            return Ok(Some(channel));
        }
        let generation = self.channels.generation();
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = ?1");
        let args = args![id.to_string()];
        let found = self.read_one(sql, args, decode::channel).await?;
        let found = self.keys.open_found(found)?;
        if let Some(channel) = &found {
            self.channels.put(channel.id, channel.clone(), generation);
        }
        Ok(found)
    }

    async fn list_channels(
        &self,
        account: AccountId,
        only: Option<ChannelId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>> {
        let sql = format!(
            "SELECT {CHANNEL_COLS} FROM channels
                     WHERE account_id = ?1 AND id > ?2 AND (?3 IS NULL OR id = ?3)
                     ORDER BY id LIMIT ?4"
        );
        let args = args![
            account.to_string(),
            page.after_key(),
            only.map(|o| o.to_string()),
            page.fetch()
        ];
        let rows = self.read_all(sql, args, decode::channel).await?;
        let rows = self.keys.open_records(rows)?;
        Ok(Page::from_rows(rows, page, |ch| ch.id.to_string()))
    }

    select_method!(channel_kinds() -> Vec<(ChannelId, ChannelKind)> = select_all(CHANNEL_KINDS, []));

    async fn all_channels(&self) -> StoreResult<Vec<Channel>> {
        let rows = self
            .engine
            .read(|c| {
                let sql = format!("SELECT {CHANNEL_COLS} FROM channels ORDER BY id");
                query_all(c, &sql, [], decode::channel)
            })
            .await?;
        self.keys.open_records(rows)
    }

    async fn update_channel(&self, channel: &Channel, new_state: bool) -> StoreResult<bool> {
        let mut channel = self.keys.sealed(channel)?;
        let changed = self
            .engine
            .write(move |c| {
                let Some((_, stored)) = stored_state(c, Some(channel.account_id), channel.id)?
                else {
                    return Ok(false);
                };
                if !new_state {
                    channel.state = stored.clone();
                }
                let n = c.execute(
                    "UPDATE channels SET name = ?3, settings = ?4, updated_at = ?5, timezone = ?6 WHERE account_id = ?1 AND id = ?2",
                    params![
                        channel.account_id.to_string(),
                        channel.id.to_string(),
                        channel.name,
                        settings_text(&channel)?,
                        channel.updated_at,
                        channel.timezone
                    ],
                )?;
                if n == 1 && new_state {
                    append_event(
                        c,
                        &channel_status_event(
                            channel.account_id,
                            channel.id,
                            &channel.state,
                            Some(stored.status),
                        ),
                    )?;
                }
                Ok(n == 1)
            })
            .await;
        self.channels.forget_all();
        changed
    }

    async fn delete_channel(
        &self,
        account: AccountId,
        id: ChannelId,
        at: Millis,
    ) -> StoreResult<bool> {
        let deleted = self
            .engine
            .write(move |c| {
                let Some((_, stored)) = stored_state(c, Some(account), id)? else {
                    return Ok(false);
                };
                let n = c.execute(
                    "DELETE FROM channels WHERE account_id = ?1 AND id = ?2",
                    params![account.to_string(), id.to_string()],
                )?;
                if n == 1 {
                    let state = ChannelState::new(ChannelStatus::Deleted, reason::DELETED, at);
                    append_event(
                        c,
                        &channel_status_event(account, id, &state, Some(stored.status)),
                    )?;
                }
                Ok(n == 1)
            })
            .await;
        self.channels.forget_all();
        deleted
    }

    async fn set_channel_state(
        &self,
        id: ChannelId,
        from: ChannelStatus,
        to: &ChannelState,
    ) -> StoreResult<bool> {
        let to = to.clone();
        let changed = self
            .engine
            .write(move |c| {
                let Some((account, stored)) = stored_state(c, None, id)? else {
                    return Ok(false);
                };
                if stored.status != from {
                    return Ok(false);
                }
                let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = ?1");
                // Read and written back sealed.
                let Some(mut channel) = query_one(c, &sql, [id.to_string()], decode::channel)?
                else {
                    return Ok(false);
                };
                channel.state = to.clone();
                c.execute(
                    "UPDATE channels SET settings = ?2 WHERE id = ?1",
                    params![id.to_string(), settings_text(&channel)?],
                )?;
                append_event(
                    c,
                    &channel_status_event(account, id, &to, Some(stored.status)),
                )?;
                Ok(true)
            })
            .await;
        self.channels.forget_all();
        changed
    }
}
