//! Console sessions: made at sign-in, read from the `sb_session` cookie on each request.
//!
//! The session id is 256 random bits, sent only in an `HttpOnly; SameSite=Strict;
//! Path=/console` cookie and stored as its SHA-256. Each request re-reads the key the session
//! was made with: a revoked (or deleted) key ends its sessions at once, on every node.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use switchboard_api::auth::{KeyPrincipal, Principal};
use switchboard_core::id::AccountId;
use switchboard_core::key::hash_secret;
use switchboard_core::secret::random_hex;
use switchboard_core::time::{now_millis, Millis};
use switchboard_store::console_sessions::ConsoleSession;

use crate::error::{ConsoleError, ConsoleResult};
use crate::ConsoleState;

/// The session cookie's name.
pub const COOKIE: &str = "sb_session";
/// A use is recorded (moving the idle expiry) at most this often.
const TOUCH_EVERY_MS: Millis = 30_000;

/// Who a session acts as.
#[derive(Debug, Clone)]
pub enum Who {
    /// The admin key: manages accounts, nothing inside them.
    Admin,
    /// An account's key.
    Key {
        /// The key, its permission and channel scope.
        key: KeyPrincipal,
        /// The account's name.
        account_name: String,
    },
}

/// A signed-in request: its live session and who it acts as.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The session.
    pub session: ConsoleSession,
    /// Who it acts as.
    pub who: Who,
}

impl Signed {
    /// The account key, or 403 for the admin (who manages accounts only).
    pub fn key(&self) -> ConsoleResult<&KeyPrincipal> {
        match &self.who {
            Who::Key { key, .. } => Ok(key),
            Who::Admin => Err(ConsoleError::forbidden(
                "the admin key manages accounts only: sign in with an API key of the account to see its channels and events",
            )),
        }
    }

    /// The name shown in the shell.
    pub fn display_name(&self) -> String {
        match &self.who {
            Who::Admin => "admin".to_string(),
            Who::Key { account_name, .. } => account_name.clone(),
        }
    }
}

/// A new session's id (in the cookie) and record (stored).
pub fn new_session(
    principal: &Principal,
    settings: &crate::ConsoleSettings,
    now: Millis,
) -> (String, ConsoleSession) {
    let id = random_hex(32);
    let (account_id, key_id) = match principal {
        Principal::Admin => (None, None),
        Principal::Key(k) => (Some(k.account_id), Some(k.key_id)),
    };
    let max = millis(settings.max_age);
    let session = ConsoleSession {
        id_hash: hash_secret(&id),
        account_id,
        key_id,
        csrf_token: random_hex(32),
        created_at: now,
        last_seen_at: now,
        idle_expires_at: (now + millis(settings.idle)).min(now + max),
        expires_at: now + max,
    };
    (id, session)
}

fn millis(d: std::time::Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX / 4)
}

/// Whether the request came over HTTPS (directly or through a proxy that says so).
pub fn over_https(headers: &HeaderMap, public_url: &str) -> bool {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    forwarded || public_url.starts_with("https://")
}

/// The `Set-Cookie` value carrying a new session id.
pub fn set_cookie(id: &str, secure: bool, max_age_seconds: u64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/console; Max-Age={max_age_seconds}{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0{secure}")
}

/// The session id presented in the request's cookies, if any.
pub fn presented_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// Reads the live session of the request and checks its key; `None` when there is none.
pub async fn current(state: &ConsoleState, headers: &HeaderMap) -> ConsoleResult<Option<Signed>> {
    let Some(id) = presented_id(headers) else {
        return Ok(None);
    };
    let store = state.app.store();
    let now = now_millis();
    let id_hash = hash_secret(&id);
    let Some(session) = store.find_console_session(&id_hash, now).await? else {
        return Ok(None);
    };
    let who = match (session.key_id, session.account_id) {
        (None, None) => Who::Admin,
        (Some(key_id), Some(account)) => match live_key(state, key_id, account).await? {
            Some(who) => who,
            None => {
                // The key was revoked or deleted: the session ends with it.
                store.delete_console_session(&id_hash).await?;
                return Ok(None);
            }
        },
        _ => return Ok(None),
    };
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        let idle = (now + millis(state.settings.idle)).min(session.expires_at);
        store.touch_console_session(&id_hash, now, idle).await?;
    }
    Ok(Some(Signed { session, who }))
}

async fn live_key(
    state: &ConsoleState,
    key_id: switchboard_core::id::KeyId,
    account: AccountId,
) -> ConsoleResult<Option<Who>> {
    let store = state.app.store();
    let Some(key) = store.find_key(key_id).await? else {
        return Ok(None);
    };
    if key.revoked_at.is_some() || key.account_id != account {
        return Ok(None);
    }
    let account_name = store
        .get_account(account)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    Ok(Some(Who::Key {
        key: KeyPrincipal {
            key_id: key.id,
            account_id: key.account_id,
            permission: key.permission,
            channel_id: key.channel_id,
        },
        account_name,
    }))
}

impl FromRequestParts<ConsoleState> for Signed {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(signed) = parts.extensions.get::<Signed>() {
            return Ok(signed.clone());
        }
        let signed = current(state, &parts.headers)
            .await?
            .ok_or(ConsoleError::SignIn)?;
        parts.extensions.insert(signed.clone());
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; sb_session=abc; b=2".parse().unwrap());
        assert_eq!(presented_id(&headers).as_deref(), Some("abc"));
        let mut empty = HeaderMap::new();
        empty.append(header::COOKIE, "sb_session=; x=y".parse().unwrap());
        assert_eq!(presented_id(&empty), None);
        assert_eq!(presented_id(&HeaderMap::new()), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_scoped_to_the_console() {
        let c = set_cookie("id", false, 60);
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/console")
        );
        assert!(!c.contains("Secure"));
        assert!(set_cookie("id", true, 60).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn new_sessions_are_random_and_stored_hashed() {
        let settings = crate::ConsoleSettings::default();
        let (a, sa) = new_session(&Principal::Admin, &settings, 1_000);
        let (b, _) = new_session(&Principal::Admin, &settings, 1_000);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64, "256 bits");
        assert_eq!(sa.id_hash, hash_secret(&a));
        assert!(sa.idle_expires_at <= sa.expires_at);
        assert_eq!(sa.csrf_token.len(), 64);
    }
}
