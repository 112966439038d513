//! Console sessions and one-time sign-in tokens ([`ConsoleSessionStore`]).
//!
//! A session is a signed-in browser: its random id travels in a cookie and is stored only as
//! its SHA-256, beside the key it was made with (none for the admin key), the per-session
//! CSRF token and its expiry — idle (moved forward on each request, never past the absolute
//! one) and absolute. A sign-in token is a one-time link that makes a session: stored hashed,
//! taken (deleted) by its first use.

use async_trait::async_trait;
use switchboard_core::id::{AccountId, KeyId};
use switchboard_core::time::Millis;

use crate::columns::Columns;
use crate::StoreResult;

/// A signed-in console browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// Hex SHA-256 of the session id (the id itself is only in the browser's cookie).
    pub id_hash: String,
    /// The account, `None` for an admin-key session.
    pub account_id: Option<AccountId>,
    /// The key it was made with, `None` for an admin-key session.
    pub key_id: Option<KeyId>,
    /// The token every non-GET request of this session must carry.
    pub csrf_token: String,
    /// When it was made.
    pub created_at: Millis,
    /// When it was last used.
    pub last_seen_at: Millis,
    /// When it ends unless used before.
    pub idle_expires_at: Millis,
    /// When it ends whatever happens.
    pub expires_at: Millis,
}

impl ConsoleSession {
    /// Whether it is still valid at `now`.
    pub fn live_at(&self, now: Millis) -> bool {
        now < self.idle_expires_at && now < self.expires_at
    }
}

/// A one-time sign-in token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInToken {
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// The account it signs in to, `None` for the admin.
    pub account_id: Option<AccountId>,
    /// The key the session will be tied to, `None` for the admin.
    pub key_id: Option<KeyId>,
    /// When it was made.
    pub created_at: Millis,
    /// When it stops working.
    pub expires_at: Millis,
}

/// Console sessions and sign-in tokens.
#[async_trait]
pub trait ConsoleSessionStore {
    /// Stores a new session.
    async fn create_console_session(&self, session: &ConsoleSession) -> StoreResult<()>;
    /// The session whose id hashes to `id_hash`, if it is still live at `now`.
    async fn find_console_session(
        &self,
        id_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<ConsoleSession>>;
    /// Records a use at `now` and moves the idle expiry to `idle_expires_at` (the caller
    /// keeps it at or before the absolute expiry); false when the session is gone.
    async fn touch_console_session(
        &self,
        id_hash: &str,
        now: Millis,
        idle_expires_at: Millis,
    ) -> StoreResult<bool>;
    /// Deletes a session (sign out); false when there was none.
    async fn delete_console_session(&self, id_hash: &str) -> StoreResult<bool>;
    /// Deletes the sessions and sign-in tokens that ended before `now`; returns how many.
    async fn purge_console_sessions(&self, now: Millis) -> StoreResult<u64>;
    /// Stores a one-time sign-in token.
    async fn create_sign_in_token(&self, token: &SignInToken) -> StoreResult<()>;
    /// Takes (deletes) the token whose hash is `token_hash`; returns it only if it was still
    /// valid at `now`. A second take finds nothing.
    async fn take_sign_in_token(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<SignInToken>>;
}

/// Stores a session (`$1`…`$8` in column order).
pub(crate) const INSERT_SESSION: &str = "INSERT INTO console_sessions (id_hash, account_id, key_id, csrf_token, created_at, last_seen_at, idle_expires_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// A live session (`$1` id hash, `$2` now).
pub(crate) const FIND_SESSION: &str = "SELECT id_hash, account_id, key_id, csrf_token, created_at, last_seen_at, idle_expires_at, expires_at FROM console_sessions WHERE id_hash = $1 AND idle_expires_at > $2 AND expires_at > $2";
/// Records a use (`$1` id hash, `$2` now, `$3` idle expiry).
pub(crate) const TOUCH_SESSION: &str =
    "UPDATE console_sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id_hash = $1";
/// Deletes a session (`$1` id hash).
pub(crate) const DELETE_SESSION: &str = "DELETE FROM console_sessions WHERE id_hash = $1";
/// Deletes ended sessions (`$1` now).
pub(crate) const PURGE_SESSIONS: &str =
    "DELETE FROM console_sessions WHERE idle_expires_at <= $1 OR expires_at <= $1";
/// Deletes ended sign-in tokens (`$1` now).
pub(crate) const PURGE_TOKENS: &str = "DELETE FROM console_sign_in_tokens WHERE expires_at <= $1";
/// Stores a sign-in token (`$1`…`$5` in column order).
pub(crate) const INSERT_TOKEN: &str = "INSERT INTO console_sign_in_tokens (token_hash, account_id, key_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
/// Takes a sign-in token (`$1` token hash).
pub(crate) const TAKE_TOKEN: &str = "DELETE FROM console_sign_in_tokens WHERE token_hash = $1 RETURNING token_hash, account_id, key_id, created_at, expires_at";

/// Decodes a session row (both backends).
pub(crate) fn session(r: &dyn Columns) -> StoreResult<ConsoleSession> {
    Ok(ConsoleSession {
        id_hash: r.text("id_hash")?,
        account_id: r.opt_parsed("account_id", "account id")?,
        key_id: r.opt_parsed("key_id", "key id")?,
        csrf_token: r.text("csrf_token")?,
        created_at: r.int("created_at")?,
        last_seen_at: r.int("last_seen_at")?,
        idle_expires_at: r.int("idle_expires_at")?,
        expires_at: r.int("expires_at")?,
    })
}

/// Decodes a sign-in token row (both backends).
pub(crate) fn sign_in_token(r: &dyn Columns) -> StoreResult<SignInToken> {
    Ok(SignInToken {
        token_hash: r.text("token_hash")?,
        account_id: r.opt_parsed("account_id", "account id")?,
        key_id: r.opt_parsed("key_id", "key id")?,
        created_at: r.int("created_at")?,
        expires_at: r.int("expires_at")?,
    })
}
