//! The PostgreSQL store, for scale-out: several Switchboard nodes on one database.

mod accept_batch;
mod accounts;
mod bot;
mod broadcasts;
mod channels;
mod console_sessions;
mod contacts;
mod conversations;
mod credits;
mod events;
mod keys;
pub(crate) mod leases;
mod media;
mod messages;
mod meta;
mod polls;
mod query;
mod retry;
mod schedule;
mod secrets;
mod stats;
mod templates;
mod wabot_instances;
mod web_sessions;
mod webhooks;

/// The webhook delivery claim's SQL, for the tests that check how PostgreSQL plans it.
#[cfg(any(test, feature = "testing"))]
pub const DELIVERY_CLAIM: &str = webhooks::CLAIM;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::ConnectOptions;
use std::str::FromStr;
use std::time::Duration;

use crate::secrets::Keyring;
use crate::statements::StatementCounter;
use crate::{Store, StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    keys: Keyring,
    /// Accepted sends waiting for their group commit.
    accepts: accept_batch::AcceptQueue,
}

fn options(url: &str) -> StoreResult<PgConnectOptions> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
    Ok(options.log_statements(tracing::log::LevelFilter::Trace))
}

async fn pool(url: &str, max: u32, counter: Option<StatementCounter>) -> StoreResult<PgPool> {
    let mut pool = PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10));
    if let Some(counter) = counter {
        // Run by the acquiring task: after the liveness ping of an idle connection taken
        // from the pool, or after a new connection was opened.
        let opened = counter.clone();
        pool = pool
            .before_acquire(move |_, _| {
                counter.acquired(crate::statements::PING);
                Box::pin(async { Ok(true) })
            })
            .after_connect(move |_, _| {
                opened.acquired(crate::statements::CONNECT);
                Box::pin(async { Ok(()) })
            });
    }
    pool.connect_with(options(url)?)
        .await
        .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}")))
}

/// Applies pending migrations to the database at `url`.
pub async fn migrate_url(url: &str) -> StoreResult<usize> {
    let pool = pool(url, 2, None).await?;
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
    /// Connects to `url`, applies migrations, and seals under the current key of `keys` every
    /// secret that is not (see [`Store::reseal_secrets`]).
    pub async fn connect(url: &str, keys: Keyring) -> StoreResult<PgStore> {
        Self::connect_counted(url, keys, None).await
    }

    /// [`PgStore::connect`], its pool acquisitions recorded by `counter` when given (its
    /// statements are recorded by the subscriber of [`StatementCounter::capture`]).
    pub(crate) async fn connect_counted(
        url: &str,
        keys: Keyring,
        counter: Option<StatementCounter>,
    ) -> StoreResult<PgStore> {
        let pool = pool(url, 16, counter).await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        let accepts = accept_batch::AcceptQueue::start(pool.clone());
        let store = PgStore {
            pool,
            keys,
            accepts,
        };
        crate::secrets::resealed_at_start(store.reseal().await?);
        Ok(store)
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

    async fn reseal_secrets(&self) -> StoreResult<u64> {
        self.reseal().await
    }
}
