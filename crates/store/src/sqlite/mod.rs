//! The SQLite store: the embedded default (WAL, busy timeout, foreign keys, group commit).

mod accounts;
mod bot;
mod broadcasts;
mod channels;
mod console_sessions;
mod contacts;
mod conversations;
mod credits;
mod engine;
mod events;
mod keys;
pub(crate) mod leases;
mod media;
mod messages;
mod meta;
mod polls;
mod query;
mod read_cache;
mod schedule;
mod secrets;
mod stats;
mod templates;
mod wabot_instances;
mod web_sessions;
mod webhooks;

use std::path::Path;

use async_trait::async_trait;
use rusqlite::Connection;

use switchboard_core::channel::Channel;
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use crate::secrets::Keyring;
use crate::{Store, StoreError, StoreResult};
use engine::Engine;

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
    include_str!("../../migrations/sqlite/0011_channel_kinds.sql"),
    include_str!("../../migrations/sqlite/0012_telegram_polls.sql"),
    include_str!("../../migrations/sqlite/0013_outbox_heads.sql"),
    include_str!("../../migrations/sqlite/0014_leases.sql"),
    include_str!("../../migrations/sqlite/0015_web_sessions.sql"),
    include_str!("../../migrations/sqlite/0016_console_sessions.sql"),
    include_str!("../../migrations/sqlite/0017_wabot_instances.sql"),
    include_str!("../../migrations/sqlite/0018_conversation_reads.sql"),
    include_str!("../../migrations/sqlite/0020_key_last_used.sql"),
    include_str!("../../migrations/sqlite/0021_deliveries_by_subscription.sql"),
    include_str!("../../migrations/sqlite/0022_delivery_heads.sql"),
];

/// A SQLite database file.
pub struct SqliteStore {
    engine: Engine,
    keys: Keyring,
    /// Channels by id, decoded with their secrets opened (see [`read_cache`]).
    channels: read_cache::ReadCache<ChannelId, Channel>,
    /// The time of each chat's last inbound message, by channel and chat (the 24-hour window).
    windows: read_cache::ReadCache<(ChannelId, String), Option<Millis>>,
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
    /// Opens (creating if needed) the database file at `path`, applies migrations, and seals
    /// under the current key of `keys` every secret that is not (see
    /// [`Store::reseal_secrets`]).
    pub async fn open(path: &str, keys: Keyring) -> StoreResult<SqliteStore> {
        Self::open_counted(path, keys, None).await
    }

    /// [`SqliteStore::open`], its statements recorded by `counter` when given.
    pub(crate) async fn open_counted(
        path: &str,
        keys: Keyring,
        counter: Option<crate::statements::StatementCounter>,
    ) -> StoreResult<SqliteStore> {
        migrate_path(path).await?;
        let path = prepare_path(path)?.to_path_buf();
        let ring = keys.clone();
        let engine = tokio::task::spawn_blocking(move || {
            let changed = secrets::reseal_file(&path, &ring)?;
            crate::secrets::resealed_at_start(changed);
            Engine::start(&path, counter)
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))??;
        Ok(SqliteStore {
            engine,
            keys,
            channels: read_cache::ReadCache::default(),
            windows: read_cache::ReadCache::default(),
        })
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

    async fn reseal_secrets(&self) -> StoreResult<u64> {
        self.reseal().await
    }
}
