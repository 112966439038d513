//! Media metadata: the [`MediaStore`] trait, implemented by both backends.

use async_trait::async_trait;
use switchboard_core::id::{AccountId, ChannelId, MediaId};
use switchboard_core::media::{MediaRecord, UpstreamMedia};
use switchboard_core::time::Millis;

use crate::decode;
use crate::owned::Owned;
use crate::select::Select;
use crate::StoreResult;

/// Media files' metadata and their upstream copies. The bytes are not here: they live in
/// the media storage under each record's `storage_key`.
#[async_trait]
pub trait MediaStore {
    /// Stores a new media record.
    async fn insert_media(&self, media: &MediaRecord) -> StoreResult<()>;
    /// Reads a media record of the account (expired ones included until swept).
    async fn get_media(&self, account: AccountId, id: MediaId) -> StoreResult<Option<MediaRecord>>;
    /// Deletes a media record of the account with its upstream copies; returns the deleted
    /// record (so the caller can delete its bytes), `None` if it did not exist.
    async fn delete_media(
        &self,
        account: AccountId,
        id: MediaId,
    ) -> StoreResult<Option<MediaRecord>>;
    /// Up to `limit` records of every account that expired at or before `now`, oldest
    /// expiry first.
    async fn expired_media(&self, now: Millis, limit: u32) -> StoreResult<Vec<MediaRecord>>;
    /// The upstream copy of `media` on `channel`, if one was recorded.
    async fn upstream_media(
        &self,
        media: MediaId,
        channel: ChannelId,
    ) -> StoreResult<Option<UpstreamMedia>>;
    /// Records (or replaces) the upstream copy of `media` on `channel`.
    async fn put_upstream_media(
        &self,
        media: MediaId,
        channel: ChannelId,
        upstream: &UpstreamMedia,
    ) -> StoreResult<()>;
}

/// Media records.
pub(crate) const MEDIA: Owned<MediaRecord> =
    Owned::new("media", decode::MEDIA_COLS, decode::media, |m| {
        m.id.to_string()
    });

/// Media of every account expired by a time (now, limit), oldest expiry first.
pub(crate) const EXPIRED_MEDIA: Select<MediaRecord> =
    MEDIA.select("expires_at <= $1 ORDER BY expires_at, id LIMIT $2");

/// The upstream copy of a media file on a channel (media, channel).
pub(crate) const UPSTREAM_COPY: Select<UpstreamMedia> = Select::new(
    "media_upstream",
    decode::UPSTREAM_MEDIA_COLS,
    decode::upstream_media,
    "media_id = $1 AND channel_id = $2",
);
