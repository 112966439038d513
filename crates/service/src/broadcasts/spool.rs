//! Uploaded CSV audiences, spooled to the broadcast spool folder as they arrive (never held
//! whole in memory) and inspected before the broadcast is created.

use std::path::{Path, PathBuf};

use switchboard_core::id::BroadcastId;
use tokio::io::AsyncWriteExt;

use super::csv::{inspect, CsvLayout};
use super::BroadcastSettings;

/// Why a CSV could not be spooled or read.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// The file is larger than `broadcasts.upload_limit_bytes` (the limit).
    #[error("the CSV is larger than {0} bytes (broadcasts.upload_limit_bytes)")]
    TooLarge(u64),
    /// The file is not a usable audience.
    #[error("{0}")]
    Invalid(String),
    /// The spool folder failed.
    #[error("{0}")]
    Io(String),
}

/// A CSV being written to the spool.
pub struct Spool {
    path: PathBuf,
    file: tokio::fs::File,
    written: u64,
    limit: u64,
}

/// Where the CSV of broadcast `id` is spooled.
pub fn spool_path(settings: &BroadcastSettings, id: BroadcastId) -> PathBuf {
    settings.spool_dir.join(format!("{id}.csv"))
}

impl Spool {
    /// Starts spooling broadcast `id`'s CSV.
    pub async fn create(settings: &BroadcastSettings, id: BroadcastId) -> Result<Self, SpoolError> {
        let path = spool_path(settings, id);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| SpoolError::Io(format!("creating the broadcast spool folder: {e}")))?;
        }
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| SpoolError::Io(format!("spooling a CSV: {e}")))?;
        Ok(Self {
            path,
            file,
            written: 0,
            limit: settings.upload_limit_bytes,
        })
    }

    /// Appends a chunk; refuses a file growing past the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), SpoolError> {
        self.written += chunk.len() as u64;
        if self.written > self.limit {
            return Err(SpoolError::TooLarge(self.limit));
        }
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| SpoolError::Io(format!("spooling a CSV: {e}")))
    }

    /// Makes the file durable.
    pub async fn finish(self) -> Result<PathBuf, SpoolError> {
        self.file
            .sync_all()
            .await
            .map_err(|e| SpoolError::Io(format!("spooling a CSV: {e}")))?;
        Ok(self.path)
    }
}

/// Reads a spooled CSV's header and counts its rows.
pub async fn inspect_spooled(path: &Path) -> Result<CsvLayout, SpoolError> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || inspect(&owned))
        .await
        .map_err(|e| SpoolError::Io(format!("reading a CSV: {e}")))?
        .map_err(SpoolError::Invalid)
}

/// Removes a spooled CSV (its broadcast was refused).
pub async fn discard(path: &Path) {
    let _ = tokio::fs::remove_file(path).await;
}
