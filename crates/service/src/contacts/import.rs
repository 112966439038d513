//! CSV imports as background jobs.
//!
//! The upload is streamed to a file in the imports folder (never held in memory), synced,
//! its header checked and its records counted; then the job row is written and the answer
//! can say 202. A task reads the file in batches of [`IMPORT_BATCH`] records, writes each
//! batch in one transaction and saves the job's progress (with its `contact.import.progress`
//! event) after the first batch, then at most every [`PROGRESS_EVERY`], and at the end (with
//! `contact.import.finished`). On start, a node resumes the running jobs whose file it has
//! (after the records last saved as processed; batches applied since are applied again, which
//! changes nothing for `upsert` but may count their rows as skipped); a running job whose file is gone and that made no progress for
//! [`ORPHAN_AFTER_MS`] is marked failed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use csv::{ByteRecord, Reader, ReaderBuilder, StringRecord};
use futures::{Stream, StreamExt};
use switchboard_core::id::{AccountId, ContactImportId};
use switchboard_core::time::now_millis;
use switchboard_store::contacts::{
    ImportJob, ImportMode, ImportRow, ImportRowError, ImportStatus, IMPORT_BATCH,
    IMPORT_ERRORS_KEPT,
};
use switchboard_store::{Store, StoreError};
use tokio::io::AsyncWriteExt;

use super::csv_row::{columns, parse_record, Column};

/// Largest upload accepted, in bytes.
pub const IMPORT_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// The job's progress (and its `contact.import.progress` event) is saved after the first
/// batch, then at most this often, and at the end: a million-row import writes tens of
/// events, not thousands.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// A running job without its file and without progress for this long is marked failed.
pub const ORPHAN_AFTER_MS: i64 = 10 * 60 * 1000;

/// Why an import could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The upload is larger than [`IMPORT_MAX_BYTES`].
    #[error("the file is larger than {IMPORT_MAX_BYTES} bytes: split it into several imports")]
    TooLarge,
    /// The file is not a CSV this import understands.
    #[error("{0}")]
    Invalid(String),
    /// Reading the upload or writing the spool file failed.
    #[error("{0}")]
    Io(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Spools `body` to the imports folder, checks the header, counts the records, records the
/// job and starts processing it. The answer is the job as recorded.
pub async fn start<S, E>(
    store: Arc<dyn Store>,
    dir: &Path,
    account: AccountId,
    mode: ImportMode,
    mut body: S,
) -> Result<ImportJob, StartError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let id = ContactImportId::new();
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| StartError::Io(format!("cannot create the imports folder: {e}")))?;
    let path = dir.join(format!("{id}.csv"));
    let spooled = spool(&path, &mut body).await;
    let total = match spooled {
        Ok(()) => count(path.clone()).await,
        Err(e) => Err(e),
    };
    let total = match total {
        Ok(n) => n,
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e);
        }
    };
    let now = now_millis();
    let job = ImportJob {
        id,
        account_id: account,
        mode,
        status: ImportStatus::Running,
        file_path: path.display().to_string(),
        total,
        processed: 0,
        created: 0,
        updated: 0,
        skipped: 0,
        failed: 0,
        errors: Vec::new(),
        reason: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    if let Err(e) = store.create_import(&job).await {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e.into());
    }
    tokio::spawn(run(store, job.clone()));
    Ok(job)
}

async fn spool<S, E>(path: &Path, body: &mut S) -> Result<(), StartError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let io = |e: std::io::Error| StartError::Io(format!("cannot write the upload: {e}"));
    let mut file = tokio::fs::File::create(path).await.map_err(io)?;
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            StartError::Invalid(format!("the upload could not be read completely: {e}"))
        })?;
        size += chunk.len() as u64;
        if size > IMPORT_MAX_BYTES {
            return Err(StartError::TooLarge);
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    if size == 0 {
        return Err(StartError::Invalid(
            "the body is empty: send the CSV file as the request body (Content-Type: text/csv)"
                .into(),
        ));
    }
    file.sync_all().await.map_err(io)?;
    Ok(())
}

fn open_reader(path: &Path) -> Result<(Reader<File>, Vec<Column>), String> {
    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot open the spooled file: {e}"))?;
    let header = reader
        .byte_headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?
        .clone();
    let header = StringRecord::from_byte_record(header)
        .map_err(|_| "the header line is not valid UTF-8: save the file as UTF-8".to_string())?;
    let cols = columns(&header)?;
    Ok((reader, cols))
}

/// Checks the header and counts the records of a spooled file.
async fn count(path: PathBuf) -> Result<u64, StartError> {
    tokio::task::spawn_blocking(move || {
        let (mut reader, _) = open_reader(&path).map_err(StartError::Invalid)?;
        let mut record = ByteRecord::new();
        let mut n = 0u64;
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| StartError::Invalid(format!("the file is not valid CSV: {e}")))?
        {
            n += 1;
        }
        Ok(n)
    })
    .await
    .map_err(|e| StartError::Io(format!("counting records failed: {e}")))?
}

/// Reads up to `max` records: the parsed rows (or their errors) and whether the file ended.
type Batch = (Reader<File>, Vec<Result<ImportRow, ImportRowError>>, bool);

fn read_batch(mut reader: Reader<File>, cols: &[Column], max: usize) -> Result<Batch, String> {
    let mut out = Vec::with_capacity(max);
    let mut record = ByteRecord::new();
    while out.len() < max {
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| format!("reading the file failed: {e}"))?
        {
            return Ok((reader, out, true));
        }
        let line = record.position().map_or(0, |p| p.line());
        out.push(match StringRecord::from_byte_record(record.clone()) {
            Ok(text) => parse_record(cols, &text, line),
            Err(_) => Err(ImportRowError {
                line,
                code: "invalid_encoding".into(),
                message: "the row is not valid UTF-8: save the file as UTF-8".into(),
            }),
        });
    }
    Ok((reader, out, false))
}

/// Processes a job to its end, then removes its file.
pub async fn run(store: Arc<dyn Store>, mut job: ImportJob) {
    if let Err(reason) = process(store.as_ref(), &mut job).await {
        tracing::warn!(import = %job.id, %reason, "contact import failed");
        let now = now_millis();
        job.status = ImportStatus::Failed;
        job.reason = Some(reason);
        job.updated_at = now;
        job.finished_at = Some(now);
        if let Err(e) = store.save_import(&job).await {
            tracing::warn!(import = %job.id, error = %e, "cannot record the failed import; it resumes at the next start");
            return;
        }
    }
    let _ = tokio::fs::remove_file(&job.file_path).await;
}

async fn process(store: &dyn Store, job: &mut ImportJob) -> Result<(), String> {
    let path = PathBuf::from(&job.file_path);
    let skip = job.processed;
    let (mut reader, cols) = tokio::task::spawn_blocking(move || {
        let (mut reader, cols) = open_reader(&path)?;
        let mut record = ByteRecord::new();
        for _ in 0..skip {
            if !reader
                .read_byte_record(&mut record)
                .map_err(|e| format!("reading the file failed: {e}"))?
            {
                break;
            }
        }
        Ok::<_, String>((reader, cols))
    })
    .await
    .map_err(|e| format!("reading the file failed: {e}"))??;
    let cols = Arc::new(cols);
    let mut saved: Option<Instant> = None;
    loop {
        let batch_cols = cols.clone();
        let (next, batch, done) =
            tokio::task::spawn_blocking(move || read_batch(reader, &batch_cols, IMPORT_BATCH))
                .await
                .map_err(|e| format!("reading the file failed: {e}"))??;
        reader = next;
        job.processed += batch.len() as u64;
        let mut rows = Vec::with_capacity(batch.len());
        for item in batch {
            match item {
                Ok(row) => rows.push(row),
                Err(e) => {
                    job.failed += 1;
                    if job.errors.len() < IMPORT_ERRORS_KEPT {
                        job.errors.push(e);
                    }
                }
            }
        }
        let now = now_millis();
        if !rows.is_empty() {
            let outcome = store
                .import_contacts(job.account_id, &rows, job.mode, now)
                .await
                .map_err(|e| format!("the store failed: {e}"))?;
            job.created += outcome.created;
            job.updated += outcome.updated;
            job.skipped += outcome.skipped;
        }
        job.updated_at = now;
        if done {
            job.status = ImportStatus::Finished;
            job.total = job.processed;
            job.finished_at = Some(now);
        }
        if done || saved.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY) {
            store
                .save_import(job)
                .await
                .map_err(|e| format!("the store failed: {e}"))?;
            saved = Some(Instant::now());
        }
        if done {
            return Ok(());
        }
    }
}

/// Resumes, at start, the running jobs whose file this node has; marks failed the ones whose
/// file is gone and that made no progress for [`ORPHAN_AFTER_MS`]. Returns how many resumed.
pub async fn resume(store: Arc<dyn Store>) -> Result<usize, StoreError> {
    let now = now_millis();
    let mut resumed = 0;
    for mut job in store.running_imports().await? {
        if Path::new(&job.file_path).exists() {
            tokio::spawn(run(store.clone(), job));
            resumed += 1;
        } else if now - job.updated_at > ORPHAN_AFTER_MS {
            job.status = ImportStatus::Failed;
            job.reason = Some(
                "the spooled upload is gone (its node lost its data folder): upload the file again"
                    .into(),
            );
            job.updated_at = now;
            job.finished_at = Some(now);
            store.save_import(&job).await?;
        }
    }
    Ok(resumed)
}
