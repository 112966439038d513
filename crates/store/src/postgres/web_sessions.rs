//! PostgreSQL: WhatsApp Web session records and key stores (see [`WebSessionStore`]).
//! Fenced writes check their fence first in their transaction, which share-locks the lease
//! row, so a takeover waits for the write to commit and a write after a takeover is
//! refused; key values are sealed before the transaction starts and opened after the read.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::PgConnection;
use switchboard_core::channel::web_session::{SessionState, WebSession};
use switchboard_core::event::web_session_event;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_web_driver::KeyChange;

use super::events::append_event;
use super::leases::check_fence;
use super::PgStore;
use crate::leases::Fence;
use crate::web_sessions::{
    key_value, open_value, seal_changes, sealed_value, select_session, select_sessions_in,
    session_values, web_session_row, SealedChange, WebKeyRow, ANY_KEY, CHANNEL_OF, CLEAR_NAMESPACE,
    DELETE_KEY, GET_KEY, LIST_KEYS, UPSERT_SESSION, WIPE_KEYS,
};
use crate::{StoreResult, WebSessionStore};

/// Writes `session` with its event, if the channel is `account`'s.
async fn write_session(
    c: &mut PgConnection,
    account: AccountId,
    session: &WebSession,
    previous: Option<SessionState>,
) -> StoreResult<bool> {
    let v = session_values(session)?;
    let ours = sqlx::query(CHANNEL_OF)
        .bind(&v.channel_id)
        .bind(account.to_string())
        .fetch_optional(&mut *c)
        .await?;
    if ours.is_none() {
        return Ok(false);
    }
    sqlx::query(UPSERT_SESSION)
        .bind(&v.channel_id)
        .bind(v.state)
        .bind(v.reason)
        .bind(&v.detail)
        .bind(&v.paired_as)
        .bind(&v.qr)
        .bind(&v.pair_code)
        .bind(v.restarts)
        .bind(v.updated_at)
        .execute(&mut *c)
        .await?;
    append_event(c, &web_session_event(account, session, previous)).await?;
    Ok(true)
}

/// Sets every `(namespace, key)` of `$1` channel in `$2`, `$3` to `$4` (sealed), one row
/// per pair: the statement of a run of puts.
const PUT_KEYS: &str = "INSERT INTO web_keys (channel_id, namespace, key, value)
     SELECT $1, n, k, v FROM UNNEST($2::text[], $3::text[], $4::text[]) AS u(n, k, v)
     ON CONFLICT (channel_id, namespace, key) DO UPDATE SET value = excluded.value";

/// Writes a run of puts in one statement: the last value of each `(namespace, key)` (one
/// statement cannot update a row twice), in key order.
async fn put_run(c: &mut PgConnection, channel: &str, run: &[&WebKeyRow]) -> StoreResult<()> {
    let mut last: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for row in run {
        last.insert((&row.namespace, &row.key), &row.value);
    }
    let mut namespaces = Vec::with_capacity(last.len());
    let mut keys = Vec::with_capacity(last.len());
    let mut values = Vec::with_capacity(last.len());
    for ((namespace, key), value) in last {
        namespaces.push(namespace);
        keys.push(key);
        values.push(value);
    }
    sqlx::query(PUT_KEYS)
        .bind(channel)
        .bind(namespaces)
        .bind(keys)
        .bind(values)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Applies sealed key changes of `channel` in order: each run of puts in one statement,
/// each delete and clear in its own.
async fn apply_changes(
    c: &mut PgConnection,
    channel: &str,
    changes: &[SealedChange],
) -> StoreResult<()> {
    let mut run: Vec<&WebKeyRow> = Vec::new();
    for change in changes {
        let query = match change {
            SealedChange::Put(row) => {
                run.push(row);
                continue;
            }
            SealedChange::Delete { namespace, key } => sqlx::query(DELETE_KEY)
                .bind(channel)
                .bind(namespace)
                .bind(key),
            SealedChange::Clear { namespace } => {
                sqlx::query(CLEAR_NAMESPACE).bind(channel).bind(namespace)
            }
        };
        if !run.is_empty() {
            put_run(c, channel, &run).await?;
            run.clear();
        }
        query.execute(&mut *c).await?;
    }
    if !run.is_empty() {
        put_run(c, channel, &run).await?;
    }
    Ok(())
}

#[async_trait]
impl WebSessionStore for PgStore {
    async fn web_session(&self, channel: ChannelId) -> StoreResult<Option<WebSession>> {
        let sql = select_session();
        let query = sqlx::query(&sql).bind(channel.to_string());
        let found = self.fetch_one(query, web_session_row).await?;
        Ok(found.map(|(_, session)| session))
    }

    async fn set_web_session(
        &self,
        account: AccountId,
        session: &WebSession,
        previous: Option<SessionState>,
        fence: Option<&Fence>,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        if let Some(fence) = fence {
            check_fence(&mut tx, fence).await?;
        }
        let written = write_session(&mut tx, account, session, previous).await?;
        if written {
            tx.commit().await?;
        }
        Ok(written)
    }

    async fn web_sessions_in(
        &self,
        states: &[SessionState],
    ) -> StoreResult<Vec<(AccountId, WebSession)>> {
        let Some(sql) = select_sessions_in(states) else {
            return Ok(Vec::new());
        };
        self.fetch_all(sqlx::query(&sql), web_session_row).await
    }

    async fn web_keys_get(
        &self,
        channel: ChannelId,
        namespace: &str,
        key: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        let query = sqlx::query(GET_KEY)
            .bind(channel.to_string())
            .bind(namespace)
            .bind(key);
        let found = self.fetch_one(query, sealed_value).await?;
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
        let query = sqlx::query(LIST_KEYS)
            .bind(channel.to_string())
            .bind(namespace)
            .bind(prefix);
        let rows = self.fetch_all(query, key_value).await?;
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
        let mut tx = self.pool.begin().await?;
        check_fence(&mut tx, fence).await?;
        apply_changes(&mut tx, &channel.to_string(), &changes).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn web_keys_is_empty(&self, channel: ChannelId) -> StoreResult<bool> {
        let any = sqlx::query(ANY_KEY)
            .bind(channel.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(any.is_none())
    }

    async fn web_keys_wipe(&self, channel: ChannelId, fence: Option<&Fence>) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        if let Some(fence) = fence {
            check_fence(&mut tx, fence).await?;
        }
        let done = sqlx::query(WIPE_KEYS)
            .bind(channel.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
