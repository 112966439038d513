//! PostgreSQL: named leases with fencing tokens (see [`LeaseStore`]). Each take is one
//! `INSERT … ON CONFLICT DO UPDATE … WHERE` (free, expired or ours), which PostgreSQL runs
//! against the latest committed row under its lock, so of several nodes taking one lease at
//! once exactly one gets it; batches lock their rows in name order.

use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::PgConnection;
use switchboard_core::time::Millis;

use super::query::decode_all;
use super::retry::retry_on_conflict;
use super::PgStore;
use crate::leases::{self, fenced, lease, sorted_names, Fence, Lease};
use crate::{LeaseStore, StoreResult};

/// Takes each lease of `$1` (names, sorted) for `$2` until `$3`, at `$4` now: the shared
/// statement with its one row of values replaced by the names, locked in name order.
static ACQUIRE_MANY: LazyLock<String> = LazyLock::new(|| {
    leases::ACQUIRE.replace(
        "VALUES ($1, $2, 1, $3)",
        "SELECT n, $2, 1, $3 FROM UNNEST($1::text[]) AS u(n) ORDER BY n",
    )
});

/// Extends the leases `$3` holds among `$1` (names) with `$2` (their tokens) until `$4`.
const RENEW_MANY: &str = "UPDATE leases SET expires_at = $4
     FROM UNNEST($1::text[], $2::bigint[]) AS f(n, t)
     WHERE leases.name = f.n AND leases.token = f.t AND leases.owner = $3
     RETURNING leases.name, leases.owner, leases.token, leases.expires_at";

/// Gives up the leases `$2` holds among `$1` (names).
const RELEASE_MANY: &str = "UPDATE leases SET owner = NULL, expires_at = 0, token = token + 1
     WHERE name = ANY($1::text[]) AND owner = $2";

/// The fence check, share-locking the row until the transaction ends.
static FENCE_LOCKED: LazyLock<String> = LazyLock::new(|| format!("{} FOR SHARE", leases::FENCE));

/// Fails with [`StoreError::Fenced`](crate::StoreError::Fenced) unless `fence` is current.
/// Call it first in a write's transaction (`check_fence(&mut tx, &fence).await?; …the
/// write…; tx.commit()`): it share-locks the lease row, so a takeover (which updates the
/// row) waits for the write to commit, and a write after a takeover is refused.
pub(crate) async fn check_fence(c: &mut PgConnection, fence: &Fence) -> StoreResult<()> {
    let row = sqlx::query(&FENCE_LOCKED)
        .bind(&fence.name)
        .bind(fence.token)
        .fetch_optional(c)
        .await?;
    match row {
        Some(_) => Ok(()),
        None => Err(fenced(fence)),
    }
}

#[async_trait]
impl LeaseStore for PgStore {
    async fn try_acquire(
        &self,
        name: &str,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        let query = sqlx::query(leases::ACQUIRE)
            .bind(name)
            .bind(owner)
            .bind(now + ttl_ms)
            .bind(now);
        self.fetch_one(query, lease).await
    }

    async fn acquire_many(
        &self,
        names: &[String],
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Vec<Lease>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let names = sorted_names(names);
        let rows = retry_on_conflict(|| {
            sqlx::query(&ACQUIRE_MANY)
                .bind(&names)
                .bind(owner)
                .bind(now + ttl_ms)
                .bind(now)
                .fetch_all(&self.pool)
        })
        .await?;
        let mut held = decode_all(&rows, lease)?;
        held.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(held)
    }

    async fn renew(
        &self,
        fence: &Fence,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        let query = sqlx::query(leases::RENEW)
            .bind(&fence.name)
            .bind(owner)
            .bind(fence.token)
            .bind(now + ttl_ms);
        self.fetch_one(query, lease).await
    }

    async fn renew_many(
        &self,
        fences: &[Fence],
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Vec<Lease>> {
        if fences.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<&str> = fences.iter().map(|f| f.name.as_str()).collect();
        let tokens: Vec<i64> = fences.iter().map(|f| f.token).collect();
        let rows = retry_on_conflict(|| {
            sqlx::query(RENEW_MANY)
                .bind(&names)
                .bind(&tokens)
                .bind(owner)
                .bind(now + ttl_ms)
                .fetch_all(&self.pool)
        })
        .await?;
        let mut held = decode_all(&rows, lease)?;
        held.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(held)
    }

    async fn release(&self, names: &[String], owner: &str) -> StoreResult<u64> {
        if names.is_empty() {
            return Ok(0);
        }
        let names = sorted_names(names);
        let done = retry_on_conflict(|| {
            sqlx::query(RELEASE_MANY)
                .bind(&names)
                .bind(owner)
                .execute(&self.pool)
        })
        .await?;
        Ok(done.rows_affected())
    }

    async fn list_leases(&self, prefix: &str) -> StoreResult<Vec<Lease>> {
        self.fetch_all(sqlx::query(leases::LIST).bind(prefix), lease)
            .await
    }

    async fn check_fence(&self, fence: &Fence) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let answer = match check_fence(&mut tx, fence).await {
            Ok(()) => true,
            Err(crate::StoreError::Fenced(_)) => false,
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::{check_fence, PgStore};
    use crate::{testing, LeaseStore, StoreError};

    /// Whether a statement of the test's database waits for a row lock.
    async fn lock_waiter(store: &PgStore) -> bool {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock')",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap()
    }

    /// A fenced write's transaction holds the lease row: a takeover started meanwhile waits
    /// until the write committed; after the takeover the old fence refuses writes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_takeover_waits_for_a_fenced_write() {
        let Some(db) = testing::postgres_db().await else {
            return;
        };
        let store = Arc::new(
            PgStore::connect(&db.url, testing::test_keys())
                .await
                .unwrap(),
        );
        let a = store
            .try_acquire("web:1", "node-a", 1_000, 500)
            .await
            .unwrap()
            .unwrap();
        let mut tx = store.pool.begin().await.unwrap();
        check_fence(&mut tx, &a.fence()).await.unwrap();
        let other = store.clone();
        let takeover =
            tokio::spawn(async move { other.try_acquire("web:1", "node-b", 2_000, 500).await });
        let deadline = Instant::now() + Duration::from_secs(20);
        while !lock_waiter(&store).await {
            assert!(Instant::now() < deadline, "the takeover never waited");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!takeover.is_finished(), "the takeover waits for the write");
        tx.commit().await.unwrap();
        let b = takeover.await.unwrap().unwrap().expect("taken over");
        assert!(b.token > a.token);
        let mut tx = store.pool.begin().await.unwrap();
        let refused = check_fence(&mut tx, &a.fence()).await.unwrap_err();
        assert!(matches!(refused, StoreError::Fenced(_)), "{refused}");
        check_fence(&mut tx, &b.fence()).await.unwrap();
        tx.rollback().await.unwrap();
        store.pool.close().await;
        db.cleanup().await;
    }
}
