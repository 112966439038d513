//! Leases ([`LeaseStore`]): work that one node must do at a time — a channel's dispatch
//! (`channel:<id>`), a WhatsApp Web session (`web:<id>`) — is owned through a named
//! row holding its owner (a node id), a fencing token and an expiry.
//!
//! A node takes a lease when it is free (never taken, released, or expired) or already its
//! own, and renews it before it expires; a node that dies stops renewing and another takes
//! the lease over once it expired. The token grows whenever the owner changes (a takeover, a
//! release), never on a renewal, so a `(name, token)` pair — a [`Fence`] — names one tenure:
//! a write made under a lease checks its fence *in the write's own transaction* and is
//! refused once another node took over, even if the old owner has not noticed yet.
//!
//! **Fenced writes.** Inside the store a write checks its fence in its transaction with the
//! backend's `check_fence` (`sqlite::leases::check_fence(conn, fence)` on the writer's
//! connection; `postgres::leases::check_fence(&mut tx, fence)` on the transaction, which
//! share-locks the row, so a takeover waits until the write committed and the write never
//! lands after a takeover did). Both answer [`StoreError::Fenced`](crate::StoreError::Fenced)
//! when the fence is stale; returned from the write's closure or before its commit, it rolls
//! the whole write back. A WhatsApp Web key store, for instance, takes a `&Fence` in
//! `save_keys(fence, …)` and calls `check_fence` first in the same transaction.
//! [`LeaseStore::check_fence`] runs the same check alone (before an upstream action).
//!
//! Rows are never deleted: a deleted row would start its token again at 1 and let an old
//! fence pass. Times are the callers' clocks (milliseconds); nodes sharing a database need
//! clocks much closer than a lease's time to live.

use async_trait::async_trait;
use switchboard_core::time::Millis;

use crate::columns::Columns;
use crate::StoreResult;

/// A lease held by a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// What is leased (`channel:<id>`, `web:<id>`, …).
    pub name: String,
    /// The node holding it.
    pub owner: String,
    /// The fencing token of this tenure: it grows whenever the owner changes.
    pub token: i64,
    /// When it runs out unless renewed (milliseconds since the epoch).
    pub expires_at: Millis,
}

impl Lease {
    /// The fence of this tenure, for writes made under the lease.
    pub fn fence(&self) -> Fence {
        Fence {
            name: self.name.clone(),
            token: self.token,
        }
    }

    /// Whether it is still live at `now`.
    pub fn live_at(&self, now: Millis) -> bool {
        self.expires_at > now
    }
}

/// One tenure of a lease: its name and token. A write fenced by it is refused once the
/// lease's token changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fence {
    /// The lease's name.
    pub name: String,
    /// The token the writer holds.
    pub token: i64,
}

/// Named leases with fencing tokens.
#[async_trait]
pub trait LeaseStore {
    /// Takes or renews the lease `name` for `owner` until `now + ttl_ms`: succeeds when it is
    /// free, expired, or already `owner`'s (then the token is kept; taking it from nobody or
    /// another owner increases it); `None` while another owner holds it live.
    async fn try_acquire(
        &self,
        name: &str,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>>;

    /// [`LeaseStore::try_acquire`] for each of `names` at once (one round trip); returns the
    /// leases `owner` holds now, in name order.
    async fn acquire_many(
        &self,
        names: &[String],
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Vec<Lease>>;

    /// Extends the lease `fence` names until `now + ttl_ms` if `owner` still holds it with
    /// that token (even if it expired meanwhile, as long as nobody took it over); `None`
    /// when it was lost.
    async fn renew(
        &self,
        fence: &Fence,
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Option<Lease>>;

    /// [`LeaseStore::renew`] for each of `fences` at once; returns the leases still held.
    async fn renew_many(
        &self,
        fences: &[Fence],
        owner: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<Vec<Lease>>;

    /// Gives up the leases among `names` that `owner` holds (a node stopping, or shedding
    /// work): each becomes free at once and its token grows. Returns how many it gave up.
    async fn release(&self, names: &[String], owner: &str) -> StoreResult<u64>;

    /// The held leases whose names start with `prefix`, live or expired (released ones are
    /// left out), in name order: who does what, for a status view or a fair share.
    async fn list_leases(&self, prefix: &str) -> StoreResult<Vec<Lease>>;

    /// Whether `fence` is still current (nobody took the lease over since, nor was it
    /// released). A write needing the guarantee checks inside its own transaction instead
    /// (see the module documentation).
    async fn check_fence(&self, fence: &Fence) -> StoreResult<bool>;
}

/// Takes the lease (`$1` name, `$2` owner, `$3` expiry, `$4` now): a new row with token 1,
/// or the row if free, expired or `$2`'s (the token kept only if it was `$2`'s).
pub(crate) const ACQUIRE: &str = "INSERT INTO leases (name, owner, token, expires_at) VALUES ($1, $2, 1, $3)
     ON CONFLICT (name) DO UPDATE SET
         token = CASE WHEN leases.owner = excluded.owner THEN leases.token ELSE leases.token + 1 END,
         owner = excluded.owner,
         expires_at = excluded.expires_at
     WHERE leases.owner IS NULL OR leases.owner = excluded.owner OR leases.expires_at <= $4
     RETURNING name, owner, token, expires_at";

/// Extends a lease still held with its token (`$1` name, `$2` owner, `$3` token, `$4` expiry).
pub(crate) const RENEW: &str = "UPDATE leases SET expires_at = $4
     WHERE name = $1 AND owner = $2 AND token = $3
     RETURNING name, owner, token, expires_at";

/// Gives a lease up (`$1` name, `$2` owner).
pub(crate) const RELEASE: &str = "UPDATE leases SET owner = NULL, expires_at = 0, token = token + 1
     WHERE name = $1 AND owner = $2";

/// The held leases with a prefix (`$1`).
pub(crate) const LIST: &str = "SELECT name, owner, token, expires_at FROM leases
     WHERE substr(name, 1, length($1)) = $1 AND owner IS NOT NULL ORDER BY name";

/// Whether a fence is current (`$1` name, `$2` token); PostgreSQL adds a row lock.
pub(crate) const FENCE: &str =
    "SELECT 1 FROM leases WHERE name = $1 AND token = $2 AND owner IS NOT NULL";

/// Decodes a held lease.
pub(crate) fn lease(r: &dyn Columns) -> StoreResult<Lease> {
    Ok(Lease {
        name: r.text("name")?,
        owner: r.text("owner")?,
        token: r.int("token")?,
        expires_at: r.int("expires_at")?,
    })
}

/// The error of a write whose fence is stale.
pub(crate) fn fenced(fence: &Fence) -> crate::StoreError {
    crate::StoreError::Fenced(format!(
        "lease `{}` is no longer held with token {}",
        fence.name, fence.token
    ))
}

/// `names` sorted and without repeats, so that concurrent batch takers lock rows in one
/// order.
pub(crate) fn sorted_names(names: &[String]) -> Vec<String> {
    let mut names = names.to_vec();
    names.sort_unstable();
    names.dedup();
    names
}
