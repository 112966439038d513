//! The expiry sweeper: deletes expired media files and their records, in batches, every
//! [`super::MediaSettings::sweep_interval_ms`].

use std::time::Duration;

use switchboard_core::time::now_millis;
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use switchboard_store::Store;

use super::Media;

/// Records deleted per batch.
const BATCH: u32 = 500;
/// Batches per pass (the rest waits for the next pass).
const MAX_BATCHES: usize = 100;

/// What the sweeper works with.
#[derive(Clone)]
pub struct SweepParts {
    /// The store (media records).
    pub store: Arc<dyn Store>,
    /// The media storage.
    pub media: Media,
}

/// Deletes up to one pass of expired media; returns how many were deleted.
pub async fn sweep_once(gateway: &SweepParts) -> u64 {
    let mut deleted = 0;
    for _ in 0..MAX_BATCHES {
        let expired = match gateway.store.expired_media(now_millis(), BATCH).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "listing expired media failed");
                return deleted;
            }
        };
        let full = expired.len() as u32 == BATCH;
        for media in expired {
            // The file first: a crash in between leaves a record whose file is gone (served
            // as not found and deleted next pass), never an orphan file.
            if let Err(e) = gateway.media.storage.delete(&media.storage_key).await {
                tracing::warn!(media_id = %media.id, error = %e, "deleting an expired media file failed");
                continue;
            }
            match gateway.store.delete_media(media.account_id, media.id).await {
                Ok(_) => deleted += 1,
                Err(e) => {
                    tracing::warn!(media_id = %media.id, error = %e, "deleting an expired media record failed")
                }
            }
        }
        if !full {
            break;
        }
    }
    deleted
}

/// Starts the sweeper; it stops when `cancel` fires.
pub fn spawn(gateway: SweepParts, cancel: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let interval = Duration::from_millis(gateway.media.settings.sweep_interval_ms.max(10));
        loop {
            let n = sweep_once(&gateway).await;
            if n > 0 {
                tracing::info!(deleted = n, "expired media deleted");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {},
                _ = cancel.cancelled() => break,
            }
        }
    })
}
