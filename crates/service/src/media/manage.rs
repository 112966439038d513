//! Reading and deleting an account's media files (a channel-scoped caller sees its channel's
//! and the account's channel-less files).

use switchboard_core::id::{AccountId, ChannelId, MediaId};
use switchboard_core::media::MediaRecord;
use switchboard_store::Store;

use super::{Media, MediaError};

/// A media file of the account, unless it belongs to a channel other than `only`.
pub async fn get(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    id: MediaId,
) -> Result<MediaRecord, MediaError> {
    let media = store
        .get_media(account, id)
        .await
        .map_err(MediaError::Store)?
        .ok_or(MediaError::NotFound)?;
    match (only, media.channel_id) {
        (Some(scope), Some(channel)) if scope != channel => Err(MediaError::NotFound),
        _ => Ok(media),
    }
}

/// Deletes a media file: its record (and cached upstream ids), then its bytes (a failure
/// there is logged; the record is gone).
pub async fn delete(
    store: &dyn Store,
    media: &Media,
    account: AccountId,
    id: MediaId,
) -> Result<(), MediaError> {
    let deleted = store
        .delete_media(account, id)
        .await
        .map_err(MediaError::Store)?
        .ok_or(MediaError::NotFound)?;
    if let Err(e) = media.storage.delete(&deleted.storage_key).await {
        tracing::warn!(media_id = %deleted.id, error = %e, "deleting a media file failed; the record is gone");
    }
    Ok(())
}

/// Removes an upload that was refused after it was stored.
pub async fn discard(store: &dyn Store, media: &Media, m: &MediaRecord) {
    if let Err(e) = store.delete_media(m.account_id, m.id).await {
        tracing::warn!(media_id = %m.id, error = %e, "discarding a refused upload failed");
    }
    let _ = media.storage.delete(&m.storage_key).await;
}
