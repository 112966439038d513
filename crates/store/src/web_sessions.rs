//! WhatsApp Web sessions ([`WebSessionStore`]): per channel, the session record (state, fail
//! reason, who it is paired as, the pairing codes it shows) and its key store (the device
//! identity and the Noise/Signal/app-state records under `(namespace, key)`).
//!
//! Every change of the record appends its `channel.status` event
//! ([`web_session_event`](switchboard_core::event::web_session_event)) in the same
//! transaction. A node drives a session under the channel's `web:<id>` lease, and its writes
//! carry the lease's [`Fence`], checked first in the write's own transaction: once another
//! node took the session over, the old driver's writes are refused
//! ([`StoreError::Fenced`](crate::StoreError::Fenced)) and nothing of them lands.
//!
//! Key values are sealed at rest with the store's [`Keyring`](crate::Keyring): the plain
//! text is the base64 of the bytes, bound to the table, channel, namespace and key (so a
//! value cannot be moved to another key); rows are sealed before the write is queued and
//! opened after the read. Both tables go with their channel (foreign keys, `ON DELETE
//! CASCADE`).

use async_trait::async_trait;
use base64::Engine as _;
use switchboard_core::channel::web_session::{FailReason, SessionState, WebSession};
use switchboard_core::id::{AccountId, ChannelId};

use crate::columns::Columns;
use crate::leases::Fence;
use crate::secrets::Keyring;
use crate::{StoreError, StoreResult};

/// A change of a key write (re-exported from `switchboard-web-driver`, so that users of the
/// store need not depend on it).
pub use switchboard_web_driver::KeyChange;

/// WhatsApp Web session records and key stores.
#[async_trait]
pub trait WebSessionStore {
    /// The session record of `channel`, if one was ever written.
    async fn web_session(&self, channel: ChannelId) -> StoreResult<Option<WebSession>>;

    /// Writes `session` (insert or replace) and appends its `channel.status` event (from
    /// `previous`, the state the caller moves it from; `None` for a first record), in one
    /// transaction. With `fence`, the fence is checked first in that transaction and a stale
    /// one fails with [`StoreError::Fenced`], writing nothing. Returns false, writing
    /// nothing, when the channel is not `account`'s (or does not exist).
    async fn set_web_session(
        &self,
        account: AccountId,
        session: &WebSession,
        previous: Option<SessionState>,
        fence: Option<&Fence>,
    ) -> StoreResult<bool>;

    /// Every session in one of `states`, of every account, with its account, in channel
    /// order (a node resumes the running ones at start and on a takeover).
    async fn web_sessions_in(
        &self,
        states: &[SessionState],
    ) -> StoreResult<Vec<(AccountId, WebSession)>>;

    /// The value of `(namespace, key)` in `channel`'s key store, opened.
    async fn web_keys_get(
        &self,
        channel: ChannelId,
        namespace: &str,
        key: &str,
    ) -> StoreResult<Option<Vec<u8>>>;

    /// Every `(key, value)` of `namespace` in `channel`'s key store whose key starts with
    /// `prefix` (`""`: all), in key order (bytewise), opened.
    async fn web_keys_list(
        &self,
        channel: ChannelId,
        namespace: &str,
        prefix: &str,
    ) -> StoreResult<Vec<(String, Vec<u8>)>>;

    /// Applies `changes` to `channel`'s key store in order, all or none, in one
    /// transaction that checks `fence` first ([`StoreError::Fenced`] when it is stale:
    /// nothing is written).
    async fn web_keys_write(
        &self,
        channel: ChannelId,
        fence: &Fence,
        changes: &[KeyChange],
    ) -> StoreResult<()>;

    /// Whether `channel`'s key store is empty (a session with keys resumes without pairing).
    async fn web_keys_is_empty(&self, channel: ChannelId) -> StoreResult<bool>;

    /// Removes every key of `channel` (a logout); with `fence`, checked first in the same
    /// transaction. Returns how many keys it removed.
    async fn web_keys_wipe(&self, channel: ChannelId, fence: Option<&Fence>) -> StoreResult<u64>;
}

/// Columns read by [`web_session_row`] (sessions `s` joined to their channel `c`).
const SESSION_COLS: &str = "c.account_id AS account_id, s.channel_id AS channel_id, s.state AS state, s.reason AS reason, s.detail AS detail, s.paired_as AS paired_as, s.qr AS qr, s.pair_code AS pair_code, s.restarts AS restarts, s.updated_at AS updated_at";

/// The session of a channel (`$1`).
pub(crate) fn select_session() -> String {
    format!(
        "SELECT {SESSION_COLS} FROM web_sessions s JOIN channels c ON c.id = s.channel_id
         WHERE s.channel_id = $1"
    )
}

/// The sessions in `states`, in channel order; `None` when `states` is empty (nothing to
/// read). The states are the enum's fixed names, written into the statement.
pub(crate) fn select_sessions_in(states: &[SessionState]) -> Option<String> {
    if states.is_empty() {
        return None;
    }
    let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    Some(format!(
        "SELECT {SESSION_COLS} FROM web_sessions s JOIN channels c ON c.id = s.channel_id
         WHERE s.state IN ({}) ORDER BY s.channel_id",
        names.join(", ")
    ))
}

/// Whether channel `$1` belongs to account `$2`.
pub(crate) const CHANNEL_OF: &str = "SELECT 1 FROM channels WHERE id = $1 AND account_id = $2";

/// Inserts or replaces a session (`$1` channel … `$9` updated_at).
pub(crate) const UPSERT_SESSION: &str = "INSERT INTO web_sessions
         (channel_id, state, reason, detail, paired_as, qr, pair_code, restarts, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (channel_id) DO UPDATE SET
         state = excluded.state, reason = excluded.reason, detail = excluded.detail,
         paired_as = excluded.paired_as, qr = excluded.qr, pair_code = excluded.pair_code,
         restarts = excluded.restarts, updated_at = excluded.updated_at";

/// The sealed value of `$1` channel, `$2` namespace, `$3` key.
pub(crate) const GET_KEY: &str =
    "SELECT value FROM web_keys WHERE channel_id = $1 AND namespace = $2 AND key = $3";

/// The keys and sealed values of `$1` channel and `$2` namespace starting with `$3`.
pub(crate) const LIST_KEYS: &str = "SELECT key, value FROM web_keys
     WHERE channel_id = $1 AND namespace = $2 AND substr(key, 1, length($3)) = $3
     ORDER BY key";

/// Sets `$1` channel, `$2` namespace, `$3` key to `$4` (sealed).
pub(crate) const PUT_KEY: &str = "INSERT INTO web_keys (channel_id, namespace, key, value)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (channel_id, namespace, key) DO UPDATE SET value = excluded.value";

/// Removes `$1` channel, `$2` namespace, `$3` key.
pub(crate) const DELETE_KEY: &str =
    "DELETE FROM web_keys WHERE channel_id = $1 AND namespace = $2 AND key = $3";

/// Removes every key of `$1` channel and `$2` namespace.
pub(crate) const CLEAR_NAMESPACE: &str =
    "DELETE FROM web_keys WHERE channel_id = $1 AND namespace = $2";

/// Removes every key of `$1` channel.
pub(crate) const WIPE_KEYS: &str = "DELETE FROM web_keys WHERE channel_id = $1";

/// Whether channel `$1` has a key.
pub(crate) const ANY_KEY: &str = "SELECT 1 FROM web_keys WHERE channel_id = $1 LIMIT 1";

/// Every key row (for resealing under a new key).
pub(crate) const ALL_KEYS: &str = "SELECT channel_id, namespace, key, value FROM web_keys";

/// Replaces a key row's sealed value (`$1` channel, `$2` namespace, `$3` key, `$4` value).
pub(crate) const RESEAL_KEY: &str =
    "UPDATE web_keys SET value = $4 WHERE channel_id = $1 AND namespace = $2 AND key = $3";

/// Decodes a session with its account.
pub(crate) fn web_session_row(r: &dyn Columns) -> StoreResult<(AccountId, WebSession)> {
    let state = r.text("state")?;
    let state = SessionState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("bad web session state `{state}`")))?;
    let reason = match r.opt_text("reason")? {
        Some(text) => Some(
            FailReason::parse(&text)
                .ok_or_else(|| StoreError::Corrupt(format!("bad web session reason `{text}`")))?,
        ),
        None => None,
    };
    let restarts = r.int("restarts")?;
    let restarts = u32::try_from(restarts)
        .map_err(|_| StoreError::Corrupt(format!("bad web session restarts `{restarts}`")))?;
    let session = WebSession {
        channel_id: r.parsed("channel_id", "channel id")?,
        state,
        reason,
        detail: r.opt_text("detail")?,
        paired_as: r.opt_json("paired_as")?,
        qr: r.opt_json("qr")?,
        pair_code: r.opt_json("pair_code")?,
        restarts,
        updated_at: r.int("updated_at")?,
    };
    Ok((r.parsed("account_id", "account id")?, session))
}

/// A session's column values, in [`UPSERT_SESSION`]'s order after the channel.
pub(crate) struct SessionValues {
    /// `$1`
    pub(crate) channel_id: String,
    /// `$2`
    pub(crate) state: &'static str,
    /// `$3`
    pub(crate) reason: Option<&'static str>,
    /// `$4`
    pub(crate) detail: Option<String>,
    /// `$5` (JSON)
    pub(crate) paired_as: Option<String>,
    /// `$6` (JSON)
    pub(crate) qr: Option<String>,
    /// `$7` (JSON)
    pub(crate) pair_code: Option<String>,
    /// `$8`
    pub(crate) restarts: i64,
    /// `$9`
    pub(crate) updated_at: i64,
}

/// The column values of `s`.
pub(crate) fn session_values(s: &WebSession) -> StoreResult<SessionValues> {
    fn json<T: serde::Serialize>(value: &Option<T>) -> StoreResult<Option<String>> {
        Ok(value.as_ref().map(serde_json::to_string).transpose()?)
    }
    Ok(SessionValues {
        channel_id: s.channel_id.to_string(),
        state: s.state.as_str(),
        reason: s.reason.map(FailReason::as_str),
        detail: s.detail.clone(),
        paired_as: json(&s.paired_as)?,
        qr: json(&s.qr)?,
        pair_code: json(&s.pair_code)?,
        restarts: i64::from(s.restarts),
        updated_at: s.updated_at,
    })
}

/// One stored key: its place and its value (sealed as stored, or the base64 of the bytes
/// once opened). Its one secret field is `value` (see `secrets/fields.rs`).
#[derive(Debug, Clone)]
pub(crate) struct WebKeyRow {
    /// The channel id.
    pub(crate) channel_id: String,
    /// The namespace.
    pub(crate) namespace: String,
    /// The key.
    pub(crate) key: String,
    /// The value.
    pub(crate) value: String,
}

impl WebKeyRow {
    /// The row naming `(namespace, key)` of `channel` with the plain `value`.
    fn plain(channel: ChannelId, namespace: &str, key: &str, value: &[u8]) -> WebKeyRow {
        WebKeyRow {
            channel_id: channel.to_string(),
            namespace: namespace.to_string(),
            key: key.to_string(),
            value: base64::engine::general_purpose::STANDARD.encode(value),
        }
    }

    /// The row as read (value sealed).
    fn stored(channel: ChannelId, namespace: &str, key: String, value: String) -> WebKeyRow {
        WebKeyRow {
            channel_id: channel.to_string(),
            namespace: namespace.to_string(),
            key,
            value,
        }
    }
}

/// Decodes a whole key row (value sealed).
pub(crate) fn web_key_row(r: &dyn Columns) -> StoreResult<WebKeyRow> {
    Ok(WebKeyRow {
        channel_id: r.text("channel_id")?,
        namespace: r.text("namespace")?,
        key: r.text("key")?,
        value: r.text("value")?,
    })
}

/// Decodes a `(key, sealed value)` of a listing.
pub(crate) fn key_value(r: &dyn Columns) -> StoreResult<(String, String)> {
    Ok((r.text("key")?, r.text("value")?))
}

/// Decodes a sealed value.
pub(crate) fn sealed_value(r: &dyn Columns) -> StoreResult<String> {
    r.text("value")
}

/// Opens the sealed `value` of `(namespace, key)` of `channel` into its bytes.
pub(crate) fn open_value(
    keys: &Keyring,
    channel: ChannelId,
    namespace: &str,
    key: String,
    value: String,
) -> StoreResult<(String, Vec<u8>)> {
    let row = keys.open_record(WebKeyRow::stored(channel, namespace, key, value))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&row.value)
        .map_err(|_| {
            StoreError::Corrupt(format!(
                "the web key {}/{} of channel {channel} is not base64",
                row.namespace, row.key
            ))
        })?;
    Ok((row.key, bytes))
}

/// A [`KeyChange`] ready to write: a put's value sealed.
#[derive(Debug, Clone)]
pub(crate) enum SealedChange {
    /// Sets the row (`value` sealed).
    Put(WebKeyRow),
    /// Removes `(namespace, key)`.
    Delete {
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
    },
    /// Removes a namespace.
    Clear {
        /// The namespace.
        namespace: String,
    },
}

/// `changes` of `channel` with every put's value sealed.
pub(crate) fn seal_changes(
    keys: &Keyring,
    channel: ChannelId,
    changes: &[KeyChange],
) -> StoreResult<Vec<SealedChange>> {
    changes
        .iter()
        .map(|change| {
            Ok(match change {
                KeyChange::Put {
                    namespace,
                    key,
                    value,
                } => SealedChange::Put(
                    keys.sealed(&WebKeyRow::plain(channel, namespace, key, value))?,
                ),
                KeyChange::Delete { namespace, key } => SealedChange::Delete {
                    namespace: namespace.clone(),
                    key: key.clone(),
                },
                KeyChange::ClearNamespace { namespace } => SealedChange::Clear {
                    namespace: namespace.clone(),
                },
            })
        })
        .collect()
}

/// The SQLite form of a shared statement (`?N` for `$N`).
pub(crate) fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}
