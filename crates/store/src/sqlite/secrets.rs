//! SQLite: sealing every stored secret again under the current key (see
//! [`crate::secrets`]), in one transaction, with `secure_delete` on so that the pages no
//! longer hold the values it replaces.

use std::path::Path;

use rusqlite::{params, Connection};

use super::query::query_all;
use super::SqliteStore;
use crate::channel_json::settings_text;
use crate::decode::{self, CHANNEL_COLS, SUBSCRIPTION_COLS};
use crate::secrets::Keyring;
use crate::wabot_instances;
use crate::web_sessions::{self, sqlite_sql};
use crate::StoreResult;

/// Seals again, under the current key, each secret that is not sealed under it (sealed with
/// an older key, or written in clear before secrets were encrypted); returns how many rows
/// changed.
fn reseal(c: &Connection, keys: &Keyring) -> StoreResult<u64> {
    c.pragma_update(None, "secure_delete", "ON")?;
    let mut changed = 0;
    let sql = format!("SELECT {CHANNEL_COLS} FROM channels");
    for channel in query_all(c, &sql, [], decode::channel)? {
        if let Some(channel) = keys.resealed(channel)? {
            c.execute(
                "UPDATE channels SET settings = ?2 WHERE id = ?1",
                params![channel.id.to_string(), settings_text(&channel)?],
            )?;
            changed += 1;
        }
    }
    let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions");
    for s in query_all(c, &sql, [], decode::subscription)? {
        if let Some(s) = keys.resealed(s)? {
            c.execute(
                "UPDATE subscriptions SET secret = ?2, previous_secret = ?3 WHERE id = ?1",
                params![s.id.to_string(), s.secret, s.previous_secret],
            )?;
            changed += 1;
        }
    }
    let sql = sqlite_sql(web_sessions::ALL_KEYS);
    for row in query_all(c, &sql, [], web_sessions::web_key_row)? {
        if let Some(row) = keys.resealed(row)? {
            c.execute(
                &sqlite_sql(web_sessions::RESEAL_KEY),
                params![row.channel_id, row.namespace, row.key, row.value],
            )?;
            changed += 1;
        }
    }
    let sql = sqlite_sql(&wabot_instances::all_sql());
    for row in query_all(c, &sql, [], wabot_instances::instance)? {
        if let Some(row) = keys.resealed(row)? {
            c.execute(
                &sqlite_sql(wabot_instances::RESEAL),
                params![row.channel_id.to_string(), row.access_token],
            )?;
            changed += 1;
        }
    }
    c.pragma_update(None, "secure_delete", "OFF")?;
    Ok(changed)
}

/// Reseals the database file at `path` on a connection of its own, before the store starts:
/// when rows changed, a checkpoint then writes the resealed pages over the old ones in the
/// file (the WAL keeps only the new versions), so that no value sealed under an old key, or
/// written in clear by an earlier version, stays in the file.
pub(super) fn reseal_file(path: &Path, keys: &Keyring) -> StoreResult<u64> {
    let mut conn = super::engine::connect(path)?;
    let tx = conn.transaction()?;
    let changed = reseal(&tx, keys)?;
    tx.commit()?;
    if changed > 0 {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(changed)
}

impl SqliteStore {
    /// See [`crate::Store::reseal_secrets`].
    pub(crate) async fn reseal(&self) -> StoreResult<u64> {
        let keys = self.keys.clone();
        let resealed = self.engine.write(move |c| reseal(c, &keys)).await;
        self.channels.forget_all();
        resealed
    }
}
