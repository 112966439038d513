//! Retrying a PostgreSQL statement that lost a deadlock or a serialization conflict.

use std::future::Future;
use std::time::Duration;

use crate::StoreResult;

/// Most tries of one statement.
const MAX_TRIES: u64 = 5;

/// Whether PostgreSQL aborted the statement to break a deadlock (`40P01`) or a
/// serialization conflict (`40001`): trying again can succeed.
fn is_conflict(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40P01") | Some("40001")),
        _ => false,
    }
}

/// Runs `run` until it succeeds, fails otherwise than by a conflict, or was tried
/// [`MAX_TRIES`] times, waiting a little longer after each conflict.
pub(super) async fn retry_on_conflict<T, F, Fut>(mut run: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match run().await {
            Err(e) if tries < MAX_TRIES && is_conflict(&e) => {
                tokio::time::sleep(Duration::from_millis(10 * tries)).await;
            }
            done => return Ok(done?),
        }
    }
}
