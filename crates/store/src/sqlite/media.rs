//! SQLite: media metadata and upstream copies.

use async_trait::async_trait;
use rusqlite::params;
use switchboard_core::id::{AccountId, ChannelId, MediaId};
use switchboard_core::media::{MediaRecord, UpstreamMedia};
use switchboard_core::time::Millis;

use super::query::query_one;
use super::SqliteStore;
use crate::decode::{self, MEDIA_COLS};
use crate::media::MEDIA;
use crate::media::{EXPIRED_MEDIA, UPSTREAM_COPY};
use crate::shared_methods::{get_owned, select_method};
use crate::{MediaStore, StoreResult};

#[async_trait]
impl MediaStore for SqliteStore {
    async fn insert_media(&self, media: &MediaRecord) -> StoreResult<()> {
        let m = media.clone();
        self.engine
            .write(move |c| {
                c.execute(
                    &format!("INSERT INTO media ({MEDIA_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
                    params![
                        m.id.to_string(),
                        m.account_id.to_string(),
                        m.channel_id.map(|c| c.to_string()),
                        m.kind.as_str(),
                        m.mime_type,
                        i64::try_from(m.size).unwrap_or(i64::MAX),
                        m.sha256,
                        m.filename,
                        m.storage_key,
                        m.source.as_str(),
                        m.upstream_id,
                        m.created_at,
                        m.expires_at
                    ],
                )?;
                Ok(())
            })
            .await
    }

    get_owned!(get_media(MediaId) -> MediaRecord, MEDIA);

    async fn delete_media(
        &self,
        account: AccountId,
        id: MediaId,
    ) -> StoreResult<Option<MediaRecord>> {
        self.engine
            .write(move |c| {
                let sql =
                    format!("SELECT {MEDIA_COLS} FROM media WHERE account_id = ?1 AND id = ?2");
                let found = query_one(
                    c,
                    &sql,
                    [account.to_string(), id.to_string()],
                    decode::media,
                )?;
                if found.is_some() {
                    c.execute(
                        "DELETE FROM media_upstream WHERE media_id = ?1",
                        [id.to_string()],
                    )?;
                    c.execute("DELETE FROM media WHERE id = ?1", [id.to_string()])?;
                }
                Ok(found)
            })
            .await
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
        let upstream = upstream.clone();
        self.engine
            .write(move |c| {
                c.execute(
                    "INSERT INTO media_upstream (media_id, channel_id, upstream_id, uploaded_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (media_id, channel_id) DO UPDATE SET upstream_id = excluded.upstream_id, uploaded_at = excluded.uploaded_at",
                    params![media.to_string(), channel.to_string(), upstream.upstream_id, upstream.uploaded_at],
                )?;
                Ok(())
            })
            .await
    }
}
