//! Telegram `getUpdates` polling state ([`PollStore`]): per channel, the next offset and the
//! node that polls. A node takes the lease when it is free, ran out, or is its own, and
//! records the offset after the updates below it were recorded, so a restart neither loses
//! updates nor repeats them (a repeat after a crash between the two is deduplicated by
//! upstream id anyway).

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use crate::StoreResult;

/// Polling leases and offsets.
#[async_trait]
pub trait PollStore {
    /// Takes or renews the polling lease of `channel` for `owner` until `now + lease_ms`
    /// when no other node holds an unexpired one; returns the offset to poll from, or `None`
    /// when another node polls.
    async fn lease_poll(
        &self,
        channel: ChannelId,
        owner: &str,
        now: Millis,
        lease_ms: i64,
    ) -> StoreResult<Option<i64>>;

    /// Records `offset` as the next to poll from, if `owner` still holds the lease; returns
    /// whether it did.
    async fn save_poll_offset(
        &self,
        channel: ChannelId,
        owner: &str,
        offset: i64,
    ) -> StoreResult<bool>;

    /// Gives the lease up (a node stopping), if `owner` holds it.
    async fn release_poll(&self, channel: ChannelId, owner: &str) -> StoreResult<()>;
}

/// Gives the lease up (`$1` channel, `$2` owner).
pub(crate) const RELEASE_POLL: &str =
    "UPDATE telegram_polls SET owner = NULL, lease_until = 0 WHERE channel_id = $1 AND owner = $2";

/// Takes the lease: a new row, or one free, expired or `owner`'s own (`$1` channel, `$2`
/// owner, `$3` lease end, `$4` now).
pub(crate) const LEASE_POLL: &str = "INSERT INTO telegram_polls (channel_id, next_offset, owner, lease_until) VALUES ($1, 0, $2, $3)
     ON CONFLICT (channel_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
     WHERE telegram_polls.owner IS NULL OR telegram_polls.owner = excluded.owner OR telegram_polls.lease_until <= $4
     RETURNING next_offset";

/// Records the offset (`$1` channel, `$2` owner, `$3` offset).
pub(crate) const SAVE_OFFSET: &str =
    "UPDATE telegram_polls SET next_offset = $3 WHERE channel_id = $1 AND owner = $2";
