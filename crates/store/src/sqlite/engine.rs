//! The SQLite engine: one writer thread that commits queued writes in groups (one fsync for
//! many requests), and a small pool of read connections used from blocking tasks.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::statements::{self, StatementCounter};
use crate::{StoreError, StoreResult};

/// Most writes committed in one transaction.
const MAX_GROUP: usize = 512;
/// Read connections kept open.
const READERS: usize = 4;
/// Prepared statements each connection keeps: more than the hot paths use together (the
/// writer alone runs about 40 distinct statements per send, dispatch and status), so none is
/// parsed again while the server is busy (rusqlite keeps 16 by default).
const STATEMENT_CACHE: usize = 256;

type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// Runs a write given the connection, or prepares its failure answer given `None`.
type RunJob = Box<dyn FnOnce(Option<&Connection>) -> Reply + Send>;

/// A queued write: runs inside the group's transaction, answers once the group committed.
struct WriteJob {
    /// Given the connection, runs the write; given `None` (the group could not start), only
    /// prepares the failure answer.
    run: RunJob,
}

/// Handle to the writer thread and the reader pool.
pub(crate) struct Engine {
    writer: Mutex<Option<mpsc::Sender<WriteJob>>>,
    writer_thread: Mutex<Option<thread::JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    path: PathBuf,
    /// Records the statements of each job, for tests (see [`crate::statements`]).
    counter: Option<StatementCounter>,
}

/// Opens a connection with the pragmas every Switchboard connection uses.
pub(crate) fn connect(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Each write job runs in a savepoint inside its group's transaction, so every page a job
    // changes is first copied to the statement journal. Kept in memory: on disk (the default
    // spills past 64 KiB) it was most of the writer's system calls — 20 `pwrite`s to a
    // temporary file per accepted send.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Opens a read-only connection; `profiled` installs the statement hook of a counted store.
fn reader(path: &Path, profiled: bool) -> StoreResult<Connection> {
    let mut conn = connect(path)?;
    conn.pragma_update(None, "query_only", "ON")?;
    if profiled {
        conn.profile(Some(statements::sqlite_profile));
    }
    Ok(conn)
}

impl Engine {
    /// Starts the writer thread and opens the readers for the database at `path`.
    pub(crate) fn start(path: &Path, counter: Option<StatementCounter>) -> StoreResult<Engine> {
        let mut writer_conn = connect(path)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let conn = reader(path, counter.is_some())?;
            readers.push(conn);
        }
        if counter.is_some() {
            writer_conn.profile(Some(statements::sqlite_profile));
        }
        let (tx, rx) = mpsc::channel::<WriteJob>();
        let handle = thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(writer_conn, rx))
            .map_err(|e| StoreError::Backend(format!("cannot start the SQLite writer: {e}")))?;
        Ok(Engine {
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(handle)),
            readers: Arc::new(Mutex::new(readers)),
            path: path.to_path_buf(),
            counter,
        })
    }

    /// Runs `f` in the next group transaction and returns its result once that transaction
    /// committed. If `f` fails, only its own changes are rolled back (savepoint).
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<StoreResult<T>>();
        let counted = self.counter.as_ref().map(|c| c.job(true));
        let job = WriteJob {
            run: Box::new(move |conn: Option<&Connection>| {
                let outcome = match conn {
                    Some(conn) => statements::in_job(counted, || run_in_savepoint(conn, f)),
                    None => Err(StoreError::Backend(
                        "the write transaction could not start".into(),
                    )),
                };
                Box::new(move |commit_error: Option<&StoreError>| {
                    let answer = match (outcome, commit_error) {
                        (Ok(_), Some(e)) => Err(StoreError::Backend(format!("commit failed: {e}"))),
                        (other, _) => other,
                    };
                    let _ = tx.send(answer);
                }) as Reply
            }),
        };
        {
            let guard = self
                .writer
                .lock()
                .map_err(|_| StoreError::Backend("writer lock poisoned".into()))?;
            let sender = guard
                .as_ref()
                .ok_or_else(|| StoreError::Backend("the store is closed".into()))?;
            sender
                .send(job)
                .map_err(|_| StoreError::Backend("the SQLite writer stopped".into()))?;
        }
        rx.await
            .map_err(|_| StoreError::Backend("the SQLite writer dropped a request".into()))?
    }

    /// Runs `f` on a read connection in a blocking task.
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        let path = self.path.clone();
        let counted = self.counter.as_ref().map(|c| c.job(false));
        let profiled = counted.is_some();
        tokio::task::spawn_blocking(move || {
            let pooled = readers.lock().ok().and_then(|mut pool| pool.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => reader(&path, profiled)?,
            };
            let result = statements::in_job(counted, || f(&conn));
            if let Ok(mut pool) = readers.lock() {
                if pool.len() < READERS {
                    pool.push(conn);
                }
            }
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }

    /// Stops the writer after it finished the queued writes, and closes the readers.
    pub(crate) async fn close(&self) {
        if let Ok(mut guard) = self.writer.lock() {
            guard.take();
        }
        let handle = self.writer_thread.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        if let Ok(mut pool) = self.readers.lock() {
            pool.clear();
        }
    }
}

fn run_in_savepoint<T, F>(conn: &Connection, f: F) -> StoreResult<T>
where
    F: FnOnce(&Connection) -> StoreResult<T>,
{
    conn.execute_batch("SAVEPOINT job")?;
    match f(conn) {
        Ok(value) => {
            conn.execute_batch("RELEASE job")?;
            Ok(value)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(e)
        }
    }
}

fn writer_loop(conn: Connection, rx: mpsc::Receiver<WriteJob>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let error = StoreError::from(e);
            for job in jobs {
                // Nothing ran: answer each with the failure to start the transaction.
                let reply = (job.run)(None);
                reply(Some(&error));
            }
            continue;
        }
        let replies: Vec<Reply> = jobs.into_iter().map(|job| (job.run)(Some(&conn))).collect();
        let commit_error = conn.execute_batch("COMMIT").err().map(StoreError::from);
        if commit_error.is_some() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for reply in replies {
            reply(commit_error.as_ref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_journals_stay_in_memory() {
        // The writer's per-job savepoints journal every page a job changes; on disk that
        // journal was 20 `pwrite`s to a temporary file per accepted send.
        let dir = tempfile::tempdir().expect("a temporary folder");
        let conn = connect(&dir.path().join("t.db")).expect("a connection");
        let temp_store: i64 = conn
            .query_row("PRAGMA temp_store", [], |r| r.get(0))
            .expect("temp_store");
        assert_eq!(temp_store, 2, "PRAGMA temp_store = MEMORY");
        let journal: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal_mode");
        assert_eq!(journal, "wal");
    }
}
