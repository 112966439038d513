//! The SQLite store: the embedded default (WAL, busy timeout, foreign keys, group commit).

mod bot;
mod broadcasts;
mod contacts;
mod credits;
mod engine;
mod media;
mod messages;
mod rows;
mod schedule;
mod stats;
mod templates;
mod webhooks;

use std::path::Path;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_core::account::Account;
use switchboard_core::channel::{reason, Channel, ChannelState, ChannelStatus};
use switchboard_core::event::channel_status_event;
use switchboard_core::id::{AccountId, ChannelId, KeyId};
use switchboard_core::key::ApiKey;

use switchboard_core::event::Event;
use switchboard_core::id::MessageId;
use switchboard_core::record::{MessageRecord, StatusEntry, StatusReport};
use switchboard_core::time::Millis;

use crate::channel_json::{parse_settings, settings_text};
use crate::messages::{
    Claimed, DeliveryOutcome, DispatchOutcome, EventFilter, InsertOutcome, MessageFilter,
    NewInbound, NewOutbound, ReplayFrom, StatusOutcome,
};
use crate::WebhookStore;
use crate::{
    AccountStore, ChannelStore, EventStore, KeyStore, MessageStore, MetaStore, Page, PageRequest,
    Store, StoreError, StoreResult,
};
use engine::Engine;
use rows::{
    account_from_row, channel_from_row, key_from_row, ACCOUNT_COLS, CHANNEL_COLS, KEY_COLS,
};
use switchboard_core::id::{DeliveryId, SubscriptionId};
use switchboard_core::subscription::{Attempt, Delivery, Subscription};

/// The migrations, in order; `PRAGMA user_version` records how many were applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_messages.sql"),
    include_str!("../../migrations/sqlite/0003_webhooks.sql"),
    include_str!("../../migrations/sqlite/0004_templates.sql"),
    include_str!("../../migrations/sqlite/0005_media.sql"),
    include_str!("../../migrations/sqlite/0006_bot.sql"),
    include_str!("../../migrations/sqlite/0007_schedule_stats.sql"),
    include_str!("../../migrations/sqlite/0008_credits.sql"),
    include_str!("../../migrations/sqlite/0009_contacts.sql"),
    include_str!("../../migrations/sqlite/0010_broadcasts.sql"),
];

/// A SQLite database file.
pub struct SqliteStore {
    engine: Engine,
}

fn prepare_path(path: &str) -> StoreResult<&Path> {
    let path = Path::new(path);
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Config(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
    }
    Ok(path)
}

fn apply_migrations(conn: &mut Connection) -> StoreResult<usize> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Config(format!(
            "the database has {applied} migrations applied but this build knows only {}: it was written by a newer Switchboard",
            MIGRATIONS.len()
        )));
    }
    let mut count = 0;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
        count += 1;
    }
    Ok(count)
}

/// Applies pending migrations to the database file at `path`.
pub async fn migrate_path(path: &str) -> StoreResult<usize> {
    let path = prepare_path(path)?.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut conn = engine::connect(&path)?;
        apply_migrations(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Backend(e.to_string()))?
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and applies migrations.
    pub async fn open(path: &str) -> StoreResult<SqliteStore> {
        migrate_path(path).await?;
        let path = prepare_path(path)?.to_path_buf();
        let engine = tokio::task::spawn_blocking(move || Engine::start(&path))
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))??;
        Ok(SqliteStore { engine })
    }
}

fn after_or_empty(page: &PageRequest) -> String {
    page.after.clone().unwrap_or_default()
}

#[async_trait]
impl MetaStore for SqliteStore {
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        let key = key.to_string();
        self.engine
            .read(move |c| {
                Ok(
                    c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                        .optional()?,
                )
            })
            .await
    }

    async fn put_meta_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        let (key, value) = (key.to_string(), value.to_string());
        self.engine
            .write(move |c| {
                let n = c.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                    params![key, value],
                )?;
                Ok(n == 1)
            })
            .await
    }
}

fn insert_key(c: &Connection, key: &ApiKey) -> StoreResult<()> {
    c.execute(
        "INSERT INTO api_keys (id, account_id, name, permission, channel_id, secret_hash, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            key.id.to_string(),
            key.account_id.to_string(),
            key.name,
            key.permission.as_str(),
            key.channel_id.map(|c| c.to_string()),
            key.secret_hash,
            key.created_at,
            key.revoked_at
        ],
    )?;
    Ok(())
}

fn insert_channel_row(c: &Connection, channel: &Channel) -> StoreResult<()> {
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

fn insert_channel(c: &Connection, channel: &Channel) -> StoreResult<()> {
    insert_channel_row(c, channel)?;
    messages::append_event(
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
    let found: Option<(String, String)> = c
        .query_row(
            "SELECT account_id, settings FROM channels WHERE id = ?1 AND (?2 IS NULL OR account_id = ?2)",
            params![id.to_string(), account.map(|a| a.to_string())],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((owner, settings)) = found else {
        return Ok(None);
    };
    let owner = owner
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("bad account id `{owner}`")))?;
    Ok(Some((owner, parse_settings(&settings)?.1)))
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
        channels: &[Channel],
    ) -> StoreResult<()> {
        let (account, key, channels) = (account.clone(), first_key.clone(), channels.to_vec());
        self.engine
            .write(move |c| {
                c.execute(
                    "INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)",
                    params![account.id.to_string(), account.name, account.created_at],
                )?;
                for channel in &channels {
                    insert_channel_row(c, channel)?;
                }
                insert_key(c, &key)
            })
            .await
    }

    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        self.engine
            .read(move |c| {
                let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1");
                c.query_row(&sql, [id.to_string()], account_from_row)
                    .optional()?
                    .transpose()
            })
            .await
    }

    async fn list_accounts(&self, page: &PageRequest) -> StoreResult<Page<Account>> {
        let page = page.clone();
        self.engine
            .read(move |c| {
                let sql = format!(
                    "SELECT {ACCOUNT_COLS} FROM accounts WHERE id > ?1 ORDER BY id LIMIT ?2"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let rows = stmt
                    .query_map(
                        params![after_or_empty(&page), page.fetch()],
                        account_from_row,
                    )?
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(Page::from_rows(rows, &page, |a| a.id.to_string()))
            })
            .await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.engine
            .read(|c| {
                let n: i64 = c.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
    }
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn create_key(&self, key: &ApiKey) -> StoreResult<()> {
        let key = key.clone();
        self.engine.write(move |c| insert_key(c, &key)).await
    }

    async fn find_key(&self, id: KeyId) -> StoreResult<Option<ApiKey>> {
        self.engine
            .read(move |c| {
                let sql = format!("SELECT {KEY_COLS} FROM api_keys WHERE id = ?1");
                c.query_row(&sql, [id.to_string()], key_from_row)
                    .optional()?
                    .transpose()
            })
            .await
    }

    async fn list_keys(&self, account: AccountId, page: &PageRequest) -> StoreResult<Page<ApiKey>> {
        let page = page.clone();
        self.engine
            .read(move |c| {
                let sql = format!(
                    "SELECT {KEY_COLS} FROM api_keys WHERE account_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let rows = stmt
                    .query_map(
                        params![account.to_string(), after_or_empty(&page), page.fetch()],
                        key_from_row,
                    )?
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(Page::from_rows(rows, &page, |k| k.id.to_string()))
            })
            .await
    }

    async fn revoke_key(&self, account: AccountId, id: KeyId, at: i64) -> StoreResult<bool> {
        self.engine
            .write(move |c| {
                let n = c.execute(
                    "UPDATE api_keys SET revoked_at = ?3 WHERE account_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                    params![account.to_string(), id.to_string(), at],
                )?;
                Ok(n == 1)
            })
            .await
    }
}

#[async_trait]
impl ChannelStore for SqliteStore {
    async fn create_channel(&self, channel: &Channel) -> StoreResult<()> {
        let channel = channel.clone();
        self.engine
            .write(move |c| insert_channel(c, &channel))
            .await
    }

    async fn get_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<Option<Channel>> {
        self.engine
            .read(move |c| {
                let sql = format!(
                    "SELECT {CHANNEL_COLS} FROM channels WHERE account_id = ?1 AND id = ?2"
                );
                c.query_row(
                    &sql,
                    [account.to_string(), id.to_string()],
                    channel_from_row,
                )
                .optional()?
                .transpose()
            })
            .await
    }

    async fn find_channel(&self, id: ChannelId) -> StoreResult<Option<Channel>> {
        self.engine
            .read(move |c| {
                let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = ?1");
                c.query_row(&sql, [id.to_string()], channel_from_row)
                    .optional()?
                    .transpose()
            })
            .await
    }

    async fn list_channels(
        &self,
        account: AccountId,
        only: Option<ChannelId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>> {
        let page = page.clone();
        self.engine
            .read(move |c| {
                let sql = format!(
                    "SELECT {CHANNEL_COLS} FROM channels
                     WHERE account_id = ?1 AND id > ?2 AND (?3 IS NULL OR id = ?3)
                     ORDER BY id LIMIT ?4"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let rows = stmt
                    .query_map(
                        params![
                            account.to_string(),
                            after_or_empty(&page),
                            only.map(|o| o.to_string()),
                            page.fetch()
                        ],
                        channel_from_row,
                    )?
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(Page::from_rows(rows, &page, |ch| ch.id.to_string()))
            })
            .await
    }

    async fn all_channels(&self) -> StoreResult<Vec<Channel>> {
        self.engine
            .read(|c| {
                let sql = format!("SELECT {CHANNEL_COLS} FROM channels ORDER BY id");
                let mut stmt = c.prepare(&sql)?;
                let rows = stmt
                    .query_map([], channel_from_row)?
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(rows)
            })
            .await
    }

    async fn update_channel(&self, channel: &Channel, new_state: bool) -> StoreResult<bool> {
        let mut channel = channel.clone();
        self.engine
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
                    messages::append_event(
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
            .await
    }

    async fn delete_channel(
        &self,
        account: AccountId,
        id: ChannelId,
        at: Millis,
    ) -> StoreResult<bool> {
        self.engine
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
                    messages::append_event(
                        c,
                        &channel_status_event(account, id, &state, Some(stored.status)),
                    )?;
                }
                Ok(n == 1)
            })
            .await
    }

    async fn set_channel_state(
        &self,
        id: ChannelId,
        from: ChannelStatus,
        to: &ChannelState,
    ) -> StoreResult<bool> {
        let to = to.clone();
        self.engine
            .write(move |c| {
                let Some((account, stored)) = stored_state(c, None, id)? else {
                    return Ok(false);
                };
                if stored.status != from {
                    return Ok(false);
                }
                let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = ?1");
                let Some(mut channel) = c
                    .query_row(&sql, [id.to_string()], channel_from_row)
                    .optional()?
                    .transpose()?
                else {
                    return Ok(false);
                };
                channel.state = to.clone();
                c.execute(
                    "UPDATE channels SET settings = ?2 WHERE id = ?1",
                    params![id.to_string(), settings_text(&channel)?],
                )?;
                messages::append_event(
                    c,
                    &channel_status_event(account, id, &to, Some(stored.status)),
                )?;
                Ok(true)
            })
            .await
    }
}

#[async_trait]
impl MessageStore for SqliteStore {
    async fn insert_outbound(&self, new: &NewOutbound) -> StoreResult<InsertOutcome> {
        let new = new.clone();
        self.engine
            .write(move |c| messages::insert_outbound(c, &new))
            .await
    }

    async fn claim_outbox(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>> {
        let owner = owner.to_string();
        self.engine
            .write(move |c| messages::claim(c, &owner, now, lease_ms, limit))
            .await
    }

    async fn finish_dispatch(
        &self,
        id: MessageId,
        owner: &str,
        outcome: DispatchOutcome,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>> {
        let owner = owner.to_string();
        self.engine
            .write(move |c| messages::finish(c, id, &owner, outcome, now))
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
        self.engine
            .read(|c| {
                let n: i64 = c.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
    }

    async fn apply_status(&self, report: &StatusReport, now: Millis) -> StoreResult<StatusOutcome> {
        let report = report.clone();
        self.engine
            .write(move |c| messages::apply_status(c, &report, now))
            .await
    }

    async fn insert_inbound(&self, new: &NewInbound, now: Millis) -> StoreResult<bool> {
        let new = new.clone();
        self.engine
            .write(move |c| messages::insert_inbound(c, &new, now))
            .await
    }

    async fn mark_inbound_read(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>> {
        self.engine
            .write(move |c| messages::mark_inbound_read(c, account, id, now))
            .await
    }

    async fn get_message(
        &self,
        account: AccountId,
        id: MessageId,
    ) -> StoreResult<Option<(MessageRecord, Vec<StatusEntry>)>> {
        self.engine
            .read(move |c| messages::get_message(c, account, id))
            .await
    }

    async fn find_by_upstream(
        &self,
        channel: ChannelId,
        upstream_id: &str,
    ) -> StoreResult<Option<MessageRecord>> {
        let upstream_id = upstream_id.to_string();
        self.engine
            .read(move |c| messages::find_by_upstream(c, channel, &upstream_id))
            .await
    }

    async fn list_messages(
        &self,
        account: AccountId,
        filter: &MessageFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<MessageRecord>> {
        let (filter, page) = (filter.clone(), page.clone());
        self.engine
            .read(move |c| messages::list_messages(c, account, &filter, &page))
            .await
    }

    async fn last_inbound(&self, channel: ChannelId, chat: &str) -> StoreResult<Option<Millis>> {
        let chat = chat.to_string();
        self.engine
            .read(move |c| messages::last_inbound(c, channel, &chat))
            .await
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn list_events(
        &self,
        account: AccountId,
        filter: &EventFilter,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Event>> {
        let (filter, after) = (filter.clone(), after.map(str::to_string));
        self.engine
            .read(move |c| messages::list_events(c, account, &filter, after.as_deref(), limit))
            .await
    }
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()> {
        let s = s.clone();
        self.engine
            .write(move |c| webhooks::write_subscription(c, &s, true).map(|_| ()))
            .await
    }

    async fn get_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<Option<Subscription>> {
        self.engine
            .read(move |c| webhooks::get_subscription(c, account, id))
            .await
    }

    async fn list_subscriptions(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Subscription>> {
        let page = page.clone();
        self.engine
            .read(move |c| webhooks::list_subscriptions(c, account, &page))
            .await
    }

    async fn enabled_subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        self.engine.read(webhooks::enabled_subscriptions).await
    }

    async fn update_subscription(&self, s: &Subscription) -> StoreResult<bool> {
        let s = s.clone();
        self.engine
            .write(move |c| webhooks::write_subscription(c, &s, false))
            .await
    }

    async fn delete_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<bool> {
        self.engine
            .write(move |c| {
                let n = c.execute(
                    "DELETE FROM subscriptions WHERE account_id = ?1 AND id = ?2",
                    params![account.to_string(), id.to_string()],
                )?;
                Ok(n == 1)
            })
            .await
    }

    async fn list_all_events(&self, after: Option<&str>, limit: u32) -> StoreResult<Page<Event>> {
        let after = after.map(str::to_string);
        self.engine
            .read(move |c| webhooks::list_all_events(c, after.as_deref(), limit))
            .await
    }

    async fn fanout_position(&self) -> StoreResult<Option<String>> {
        self.engine.read(webhooks::fanout_position).await
    }

    async fn create_deliveries(&self, deliveries: &[Delivery], position: &str) -> StoreResult<()> {
        let (deliveries, position) = (deliveries.to_vec(), position.to_string());
        self.engine
            .write(move |c| webhooks::create_deliveries(c, &deliveries, &position))
            .await
    }

    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<(Delivery, Event)>> {
        let owner = owner.to_string();
        self.engine
            .write(move |c| webhooks::claim_deliveries(c, &owner, now, lease_ms, limit))
            .await
    }

    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
        attempt: Option<&Attempt>,
        disable_after_ms: i64,
        now: Millis,
    ) -> StoreResult<Option<Delivery>> {
        let (owner, attempt) = (owner.to_string(), attempt.cloned());
        self.engine
            .write(move |c| {
                webhooks::finish_delivery(
                    c,
                    id,
                    &owner,
                    outcome,
                    attempt.as_ref(),
                    disable_after_ms,
                    now,
                )
            })
            .await
    }

    async fn get_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
        self.engine
            .read(move |c| webhooks::get_delivery(c, account, id))
            .await
    }

    async fn list_deliveries(
        &self,
        account: AccountId,
        subscription: SubscriptionId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>> {
        let page = page.clone();
        self.engine
            .read(move |c| webhooks::list_deliveries(c, account, subscription, &page))
            .await
    }

    async fn retry_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
        now: Millis,
    ) -> StoreResult<Option<Delivery>> {
        self.engine
            .write(move |c| webhooks::retry_delivery(c, account, id, now))
            .await
    }

    async fn replay(
        &self,
        subscription: &Subscription,
        from: &ReplayFrom,
        now: Millis,
        limit: u32,
    ) -> StoreResult<u64> {
        let (s, from) = (subscription.clone(), from.clone());
        self.engine
            .write(move |c| webhooks::replay(c, &s, &from, now, limit))
            .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.engine
            .read(|c| {
                c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
                Ok(())
            })
            .await
    }

    async fn close(&self) {
        self.engine.close().await;
    }
}
