//! The PostgreSQL store, for scale-out: several Switchboard nodes on one database.

mod bot;
mod broadcasts;
mod contacts;
mod credits;
mod media;
mod messages;
mod rows;
mod schedule;
mod stats;
mod templates;
mod webhooks;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Row};
use std::str::FromStr;
use std::time::Duration;
use switchboard_core::account::Account;
use switchboard_core::channel::{reason, Channel, ChannelState, ChannelStatus};
use switchboard_core::event::channel_status_event;
use switchboard_core::id::{AccountId, ChannelId, KeyId};
use switchboard_core::key::ApiKey;
use switchboard_core::time::Millis;

use crate::channel_json::{parse_settings, settings_text};
use crate::{
    AccountStore, ChannelStore, KeyStore, MetaStore, Page, PageRequest, Store, StoreError,
    StoreResult,
};
use rows::{
    account_from_row, channel_from_row, key_from_row, ACCOUNT_COLS, CHANNEL_COLS, KEY_COLS,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
}

fn options(url: &str) -> StoreResult<PgConnectOptions> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
    Ok(options.log_statements(tracing::log::LevelFilter::Trace))
}

async fn pool(url: &str, max: u32) -> StoreResult<PgPool> {
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options(url)?)
        .await
        .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}")))
}

/// Applies pending migrations to the database at `url`.
pub async fn migrate_url(url: &str) -> StoreResult<usize> {
    let pool = pool(url, 2).await?;
    let before = applied_count(&pool).await;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
    let after = applied_count(&pool).await;
    pool.close().await;
    Ok(after.saturating_sub(before))
}

async fn applied_count(pool: &PgPool) -> usize {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .map(|n| usize::try_from(n).unwrap_or(0))
        .unwrap_or(0)
}

impl PgStore {
    /// Connects to `url` and applies migrations.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let pool = pool(url, 16).await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(PgStore { pool })
    }
}

fn after_or_empty(page: &PageRequest) -> String {
    page.after.clone().unwrap_or_default()
}

#[async_trait]
impl MetaStore for PgStore {
    async fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn put_meta_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

async fn insert_key<'e, E: sqlx::PgExecutor<'e>>(exec: E, key: &ApiKey) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, account_id, name, permission, channel_id, secret_hash, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(key.id.to_string())
    .bind(key.account_id.to_string())
    .bind(&key.name)
    .bind(key.permission.as_str())
    .bind(key.channel_id.map(|c| c.to_string()))
    .bind(&key.secret_hash)
    .bind(key.created_at)
    .bind(key.revoked_at)
    .execute(exec)
    .await?;
    Ok(())
}

async fn insert_channel_row(c: &mut sqlx::PgConnection, channel: &Channel) -> StoreResult<()> {
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

async fn insert_channel(c: &mut sqlx::PgConnection, channel: &Channel) -> StoreResult<()> {
    insert_channel_row(c, channel).await?;
    messages::append_event(
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
    let Some(row) = found else { return Ok(None) };
    let owner: String = row.try_get("account_id")?;
    let settings: String = row.try_get("settings")?;
    let owner = owner
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("bad account id `{owner}`")))?;
    Ok(Some((owner, parse_settings(&settings)?.1)))
}

#[async_trait]
impl AccountStore for PgStore {
    async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
        channels: &[Channel],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(account.id.to_string())
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        for channel in channels {
            insert_channel_row(&mut tx, channel).await?;
        }
        insert_key(&mut *tx, first_key).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1");
        sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| account_from_row(&r))
            .transpose()
    }

    async fn list_accounts(&self, page: &PageRequest) -> StoreResult<Page<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(after_or_empty(page))
            .bind(page.fetch())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(account_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page, |a| a.id.to_string()))
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl KeyStore for PgStore {
    async fn create_key(&self, key: &ApiKey) -> StoreResult<()> {
        insert_key(&self.pool, key).await
    }

    async fn find_key(&self, id: KeyId) -> StoreResult<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLS} FROM api_keys WHERE id = $1");
        sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| key_from_row(&r))
            .transpose()
    }

    async fn list_keys(&self, account: AccountId, page: &PageRequest) -> StoreResult<Page<ApiKey>> {
        let sql = format!(
            "SELECT {KEY_COLS} FROM api_keys WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(after_or_empty(page))
            .bind(page.fetch())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(key_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page, |k| k.id.to_string()))
    }

    async fn revoke_key(&self, account: AccountId, id: KeyId, at: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $3 WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(account.to_string())
        .bind(id.to_string())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait]
impl ChannelStore for PgStore {
    async fn create_channel(&self, channel: &Channel) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        insert_channel(&mut tx, channel).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<Option<Channel>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE account_id = $1 AND id = $2");
        sqlx::query(&sql)
            .bind(account.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| channel_from_row(&r))
            .transpose()
    }

    async fn find_channel(&self, id: ChannelId) -> StoreResult<Option<Channel>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = $1");
        sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| channel_from_row(&r))
            .transpose()
    }

    async fn list_channels(
        &self,
        account: AccountId,
        only: Option<ChannelId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>> {
        let sql = format!(
            "SELECT {CHANNEL_COLS} FROM channels
             WHERE account_id = $1 AND id > $2 AND ($3::text IS NULL OR id = $3)
             ORDER BY id LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(after_or_empty(page))
            .bind(only.map(|o| o.to_string()))
            .bind(page.fetch())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(channel_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page, |c| c.id.to_string()))
    }

    async fn all_channels(&self) -> StoreResult<Vec<Channel>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels ORDER BY id");
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(channel_from_row)
            .collect()
    }

    async fn update_channel(&self, channel: &Channel, new_state: bool) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let Some((_, stored)) = stored_state(&mut tx, Some(channel.account_id), channel.id).await?
        else {
            return Ok(false);
        };
        let mut channel = channel.clone();
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
            messages::append_event(&mut tx, &event).await?;
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
            messages::append_event(&mut tx, &event).await?;
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
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let mut channel = channel_from_row(&row)?;
        channel.state = to.clone();
        sqlx::query("UPDATE channels SET settings = $2::jsonb WHERE id = $1")
            .bind(id.to_string())
            .bind(settings_text(&channel)?)
            .execute(&mut *tx)
            .await?;
        let event = channel_status_event(account, id, to, Some(stored.status));
        messages::append_event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
