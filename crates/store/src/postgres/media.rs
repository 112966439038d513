//! PostgreSQL: media metadata and upstream copies.

use async_trait::async_trait;
use switchboard_core::id::{AccountId, ChannelId, MediaId};
use switchboard_core::media::{MediaRecord, UpstreamMedia};
use switchboard_core::time::Millis;

use super::PgStore;
use crate::decode::{self, MEDIA_COLS};
use crate::media::MEDIA;
use crate::media::{EXPIRED_MEDIA, UPSTREAM_COPY};
use crate::shared_methods::{get_owned, select_method};
use crate::{MediaStore, StoreResult};

#[async_trait]
impl MediaStore for PgStore {
    async fn insert_media(&self, m: &MediaRecord) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO media ({MEDIA_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(m.id.to_string())
        .bind(m.account_id.to_string())
        .bind(m.channel_id.map(|c| c.to_string()))
        .bind(m.kind.as_str())
        .bind(&m.mime_type)
        .bind(i64::try_from(m.size).unwrap_or(i64::MAX))
        .bind(&m.sha256)
        .bind(&m.filename)
        .bind(&m.storage_key)
        .bind(m.source.as_str())
        .bind(&m.upstream_id)
        .bind(m.created_at)
        .bind(m.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    get_owned!(get_media(MediaId) -> MediaRecord, MEDIA);

    async fn delete_media(
        &self,
        account: AccountId,
        id: MediaId,
    ) -> StoreResult<Option<MediaRecord>> {
        // media_upstream rows go with it (ON DELETE CASCADE).
        let row = sqlx::query(&format!(
            "DELETE FROM media WHERE account_id = $1 AND id = $2 RETURNING {MEDIA_COLS}"
        ))
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|r| decode::media(r)).transpose()
    }

    select_method!(
        expired_media(now: Millis, limit: u32) -> Vec<MediaRecord> =
            select_all(EXPIRED_MEDIA, [now, limit])
    );

    select_method!(
        upstream_media(media: MediaId, channel: ChannelId) -> Option<UpstreamMedia> =
            select_one(UPSTREAM_COPY, [media, channel])
    );

    async fn put_upstream_media(
        &self,
        media: MediaId,
        channel: ChannelId,
        upstream: &UpstreamMedia,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO media_upstream (media_id, channel_id, upstream_id, uploaded_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (media_id, channel_id) DO UPDATE SET upstream_id = EXCLUDED.upstream_id, uploaded_at = EXCLUDED.uploaded_at",
        )
        .bind(media.to_string())
        .bind(channel.to_string())
        .bind(&upstream.upstream_id)
        .bind(upstream.uploaded_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
