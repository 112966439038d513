//! SQLite: named leases with fencing tokens (see [`LeaseStore`]). The single writer
//! serializes every take, renewal and fenced write, so each is race-free by construction.

use std::sync::LazyLock;

use async_trait::async_trait;
use rusqlite::{params, Connection};
use switchboard_core::time::Millis;

use super::query::{query_all, query_one};
use super::SqliteStore;
use crate::leases::{self, fenced, lease, sorted_names, Fence, Lease};
use crate::{LeaseStore, StoreError, StoreResult};

/// A shared statement with SQLite's `?n` parameters.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

static ACQUIRE: LazyLock<String> = LazyLock::new(|| sqlite_sql(leases::ACQUIRE));
static RENEW: LazyLock<String> = LazyLock::new(|| sqlite_sql(leases::RENEW));
static RELEASE: LazyLock<String> = LazyLock::new(|| sqlite_sql(leases::RELEASE));
static LIST: LazyLock<String> = LazyLock::new(|| sqlite_sql(leases::LIST));
static FENCE: LazyLock<String> = LazyLock::new(|| sqlite_sql(leases::FENCE));

/// Fails with [`StoreError::Fenced`](crate::StoreError::Fenced) unless `fence` is current.
/// Call it on the writer's connection inside a write's closure (`engine.write(|c| {
/// check_fence(c, &fence)?; …the write… })`): the error rolls the closure's changes back.
pub(crate) fn check_fence(c: &Connection, fence: &Fence) -> StoreResult<()> {
    if fence_is_current(c, fence)? {
        Ok(())
    } else {
        Err(fenced(fence))
    }
}

fn fence_is_current(c: &Connection, fence: &Fence) -> StoreResult<bool> {
    let mut stmt = c.prepare_cached(&FENCE)?;
    Ok(stmt.exists(params![fence.name, fence.token])?)
}

/// Whether `fence` is current, asked on the writer as a fenced write would.
fn fence_answer(c: &Connection, fence: &Fence) -> StoreResult<bool> {
    match check_fence(c, fence) {
        Ok(()) => Ok(true),
        Err(StoreError::Fenced(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

fn acquire_on(
    c: &Connection,
    name: &str,
    owner: &str,
    now: Millis,
    ttl_ms: i64,
) -> StoreResult<Option<Lease>> {
    query_one(c, &ACQUIRE, params![name, owner, now + ttl_ms, now], lease)
}

fn renew_on(
    c: &Connection,
    fence: &Fence,
    owner: &str,
    now: Millis,
    ttl_ms: i64,
) -> StoreResult<Option<Lease>> {
    query_one(
        c,
        &RENEW,
        params![fence.name, owner, fence.token, now + ttl_ms],
        lease,
    )
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn try_acquire(
        &self,
        name: &str,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        let (name, owner) = (name.to_string(), owner.to_string());
        self.engine
            .write(move |c| acquire_on(c, &name, &owner, now, ttl_ms))
            .await
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
        let (names, owner) = (sorted_names(names), owner.to_string());
        self.engine
            .write(move |c| {
                let mut held = Vec::new();
                for name in &names {
                    held.extend(acquire_on(c, name, &owner, now, ttl_ms)?);
                }
                Ok(held)
            })
            .await
    }

    async fn renew(
        &self,
        fence: &Fence,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        let (fence, owner) = (fence.clone(), owner.to_string());
        self.engine
            .write(move |c| renew_on(c, &fence, &owner, now, ttl_ms))
            .await
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
        let mut fences = fences.to_vec();
        fences.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        let owner = owner.to_string();
        self.engine
            .write(move |c| {
                let mut held = Vec::new();
                for fence in &fences {
                    held.extend(renew_on(c, fence, &owner, now, ttl_ms)?);
                }
                Ok(held)
            })
            .await
    }

    async fn release(&self, names: &[String], owner: &str) -> StoreResult<u64> {
        if names.is_empty() {
            return Ok(0);
        }
        let (names, owner) = (sorted_names(names), owner.to_string());
        self.engine
            .write(move |c| {
                let mut stmt = c.prepare_cached(&RELEASE)?;
                let mut released = 0;
                for name in &names {
                    released += stmt.execute(params![name, owner])? as u64;
                }
                Ok(released)
            })
            .await
    }

    async fn list_leases(&self, prefix: &str) -> StoreResult<Vec<Lease>> {
        let prefix = prefix.to_string();
        self.engine
            .read(move |c| query_all(c, &LIST, params![prefix], lease))
            .await
    }

    async fn check_fence(&self, fence: &Fence) -> StoreResult<bool> {
        let fence = fence.clone();
        self.engine.write(move |c| fence_answer(c, &fence)).await
    }
}

#[cfg(test)]
mod tests {
    use super::check_fence;
    use crate::{testing, LeaseStore, StoreError};

    /// A write that checks a stale fence in its closure is refused and rolled back whole.
    #[tokio::test]
    async fn a_stale_fence_rolls_the_write_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fence.db").display().to_string();
        let store = super::SqliteStore::open(&path, testing::test_keys())
            .await
            .unwrap();
        let a = store
            .try_acquire("web:1", "node-a", 1_000, 500)
            .await
            .unwrap()
            .unwrap();
        let write = |fence| {
            store.engine.write(move |c| {
                c.execute(
                    "INSERT INTO leases (name, owner, token, expires_at) VALUES ('side', NULL, 1, 0)",
                    [],
                )?;
                check_fence(c, &fence)?;
                c.execute("DELETE FROM leases WHERE name = 'side'", [])?;
                Ok(())
            })
        };
        write(a.fence()).await.unwrap();
        let b = store
            .try_acquire("web:1", "node-b", 1_500, 500)
            .await
            .unwrap()
            .unwrap();
        let refused = write(a.fence()).await.unwrap_err();
        assert!(matches!(refused, StoreError::Fenced(_)), "{refused}");
        let side: i64 = store
            .engine
            .read(|c| {
                Ok(
                    c.query_row("SELECT COUNT(*) FROM leases WHERE name = 'side'", [], |r| {
                        r.get(0)
                    })?,
                )
            })
            .await
            .unwrap();
        assert_eq!(side, 0, "the refused write left nothing");
        write(b.fence()).await.unwrap();
        store.engine.close().await;
    }
}
