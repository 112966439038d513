//! SQLite: WhatsApp Web session records and key stores (see [`WebSessionStore`]). Fenced
//! writes check their fence first in their closure on the writer, so a stale fence rolls
//! the whole write back; key values are sealed before the write is queued and opened after
//! the read, off the writer thread.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_core::channel::web_session::{SessionState, WebSession};
use switchboard_core::event::web_session_event;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_web_driver::KeyChange;

use super::events::append_event;
use super::leases::check_fence;
use super::query::{query_all, query_one};
use super::SqliteStore;
use crate::leases::Fence;
use crate::web_sessions::{
    key_value, open_value, seal_changes, sealed_value, select_session, select_sessions_in,
    session_values, sqlite_sql, web_session_row, SealedChange, ANY_KEY, CHANNEL_OF,
    CLEAR_NAMESPACE, DELETE_KEY, GET_KEY, LIST_KEYS, PUT_KEY, UPSERT_SESSION, WIPE_KEYS,
};
use crate::{StoreResult, WebSessionStore};

/// Writes `session` with its event, if the channel is `account`'s.
fn write_session(
    c: &Connection,
    account: AccountId,
    session: &WebSession,
    previous: Option<SessionState>,
) -> StoreResult<bool> {
    let v = session_values(session)?;
    let ours = c
        .prepare_cached(&sqlite_sql(CHANNEL_OF))?
        .exists(params![v.channel_id, account.to_string()])?;
    if !ours {
        return Ok(false);
    }
    c.prepare_cached(&sqlite_sql(UPSERT_SESSION))?
        .execute(params![
            v.channel_id,
            v.state,
            v.reason,
            v.detail,
            v.paired_as,
            v.qr,
            v.pair_code,
            v.restarts,
            v.updated_at
        ])?;
    append_event(c, &web_session_event(account, session, previous))?;
    Ok(true)
}

/// Applies sealed key changes of `channel` in order.
fn apply_changes(c: &Connection, channel: &str, changes: &[SealedChange]) -> StoreResult<()> {
    for change in changes {
        match change {
            SealedChange::Put(row) => {
                c.prepare_cached(&sqlite_sql(PUT_KEY))?.execute(params![
                    channel,
                    row.namespace,
                    row.key,
                    row.value
                ])?;
            }
            SealedChange::Delete { namespace, key } => {
                c.prepare_cached(&sqlite_sql(DELETE_KEY))?
                    .execute(params![channel, namespace, key])?;
            }
            SealedChange::Clear { namespace } => {
                c.prepare_cached(&sqlite_sql(CLEAR_NAMESPACE))?
                    .execute(params![channel, namespace])?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl WebSessionStore for SqliteStore {
    async fn web_session(&self, channel: ChannelId) -> StoreResult<Option<WebSession>> {
        let found = self
            .engine
            .read(move |c| {
                let sql = sqlite_sql(&select_session());
                query_one(c, &sql, [channel.to_string()], web_session_row)
            })
            .await?;
        Ok(found.map(|(_, session)| session))
    }

    async fn set_web_session(
        &self,
        account: AccountId,
        session: &WebSession,
        previous: Option<SessionState>,
        fence: Option<&Fence>,
    ) -> StoreResult<bool> {
        let session = session.clone();
        let fence = fence.cloned();
        self.engine
            .write(move |c| {
                if let Some(fence) = &fence {
                    check_fence(c, fence)?;
                }
                write_session(c, account, &session, previous)
            })
            .await
    }

    async fn web_sessions_in(
        &self,
        states: &[SessionState],
    ) -> StoreResult<Vec<(AccountId, WebSession)>> {
        let Some(sql) = select_sessions_in(states) else {
            return Ok(Vec::new());
        };
        self.engine
            .read(move |c| query_all(c, &sql, [], web_session_row))
            .await
    }

    async fn web_keys_get(
        &self,
        channel: ChannelId,
        namespace: &str,
        key: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        let (ns, k) = (namespace.to_string(), key.to_string());
        let found = self
            .engine
            .read(move |c| {
                query_one(
                    c,
                    &sqlite_sql(GET_KEY),
                    params![channel.to_string(), ns, k],
                    sealed_value,
                )
            })
            .await?;
        found
            .map(|value| open_value(&self.keys, channel, namespace, key.to_string(), value))
            .transpose()
            .map(|opened| opened.map(|(_, bytes)| bytes))
    }

    async fn web_keys_list(
        &self,
        channel: ChannelId,
        namespace: &str,
        prefix: &str,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let (ns, p) = (namespace.to_string(), prefix.to_string());
        let rows = self
            .engine
            .read(move |c| {
                query_all(
                    c,
                    &sqlite_sql(LIST_KEYS),
                    params![channel.to_string(), ns, p],
                    key_value,
                )
            })
            .await?;
        rows.into_iter()
            .map(|(key, value)| open_value(&self.keys, channel, namespace, key, value))
            .collect()
    }

    async fn web_keys_write(
        &self,
        channel: ChannelId,
        fence: &Fence,
        changes: &[KeyChange],
    ) -> StoreResult<()> {
        let changes = seal_changes(&self.keys, channel, changes)?;
        let fence = fence.clone();
        self.engine
            .write(move |c| {
                check_fence(c, &fence)?;
                apply_changes(c, &channel.to_string(), &changes)
            })
            .await
    }

    async fn web_keys_is_empty(&self, channel: ChannelId) -> StoreResult<bool> {
        self.engine
            .read(move |c| {
                let any = c
                    .prepare_cached(&sqlite_sql(ANY_KEY))?
                    .query_row([channel.to_string()], |_| Ok(()))
                    .optional()?;
                Ok(any.is_none())
            })
            .await
    }

    async fn web_keys_wipe(&self, channel: ChannelId, fence: Option<&Fence>) -> StoreResult<u64> {
        let fence = fence.cloned();
        self.engine
            .write(move |c| {
                if let Some(fence) = &fence {
                    check_fence(c, fence)?;
                }
                let n = c
                    .prepare_cached(&sqlite_sql(WIPE_KEYS))?
                    .execute([channel.to_string()])?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await
    }
}
