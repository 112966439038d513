//! SQLite: media metadata and upstream copies.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use switchboard_core::id::{AccountId, ChannelId, MediaId};
use switchboard_core::media::{MediaRecord, MediaSource, UpstreamMedia};
use switchboard_core::template_def::media_rules::MediaKind;
use switchboard_core::time::Millis;

use super::SqliteStore;
use crate::{MediaStore, StoreError, StoreResult};

const MEDIA_COLS: &str = "id, account_id, channel_id, kind, mime_type, size, sha256, filename, storage_key, source, upstream_id, created_at, expires_at";

fn parse<T: std::str::FromStr>(text: &str, what: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad {what} `{text}`")))
}

fn media_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<MediaRecord>> {
    let id: String = row.get(0)?;
    let account: String = row.get(1)?;
    let channel: Option<String> = row.get(2)?;
    let kind: String = row.get(3)?;
    let size: i64 = row.get(5)?;
    let source: String = row.get(9)?;
    let build =
        move |mime_type, sha256, filename, storage_key, upstream_id, created_at, expires_at| {
            Ok(MediaRecord {
                id: parse(&id, "media id")?,
                account_id: parse(&account, "account id")?,
                channel_id: channel
                    .as_deref()
                    .map(|c| parse(c, "channel id"))
                    .transpose()?,
                kind: MediaKind::from_name(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("bad media kind `{kind}`")))?,
                mime_type,
                size: u64::try_from(size)
                    .map_err(|_| StoreError::Corrupt(format!("bad media size {size}")))?,
                sha256,
                filename,
                storage_key,
                source: MediaSource::parse(&source)
                    .ok_or_else(|| StoreError::Corrupt(format!("bad media source `{source}`")))?,
                upstream_id,
                created_at,
                expires_at,
            })
        };
    Ok(build(
        row.get(4)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(10)?,
        row.get(11)?,
        row.get(12)?,
    ))
}

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

    async fn get_media(&self, account: AccountId, id: MediaId) -> StoreResult<Option<MediaRecord>> {
        self.engine
            .read(move |c| {
                let sql =
                    format!("SELECT {MEDIA_COLS} FROM media WHERE account_id = ?1 AND id = ?2");
                c.query_row(&sql, [account.to_string(), id.to_string()], media_from_row)
                    .optional()?
                    .transpose()
            })
            .await
    }

    async fn delete_media(
        &self,
        account: AccountId,
        id: MediaId,
    ) -> StoreResult<Option<MediaRecord>> {
        self.engine
            .write(move |c| {
                let sql =
                    format!("SELECT {MEDIA_COLS} FROM media WHERE account_id = ?1 AND id = ?2");
                let found = c
                    .query_row(&sql, [account.to_string(), id.to_string()], media_from_row)
                    .optional()?
                    .transpose()?;
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

    async fn expired_media(&self, now: Millis, limit: u32) -> StoreResult<Vec<MediaRecord>> {
        self.engine
            .read(move |c| {
                let sql = format!(
                    "SELECT {MEDIA_COLS} FROM media WHERE expires_at <= ?1 ORDER BY expires_at, id LIMIT ?2"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let rows = stmt
                    .query_map(params![now, limit], media_from_row)?
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(rows)
            })
            .await
    }

    async fn upstream_media(
        &self,
        media: MediaId,
        channel: ChannelId,
    ) -> StoreResult<Option<UpstreamMedia>> {
        self.engine
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT upstream_id, uploaded_at FROM media_upstream WHERE media_id = ?1 AND channel_id = ?2",
                    [media.to_string(), channel.to_string()],
                    |r| {
                        Ok(UpstreamMedia {
                            upstream_id: r.get(0)?,
                            uploaded_at: r.get(1)?,
                        })
                    },
                )
                .optional()?)
            })
            .await
    }

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
