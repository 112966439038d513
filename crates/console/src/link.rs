//! One-time sign-in links: `serve` prints `/console/sign-in?token=…` at first start, so
//! opening the console needs no copy-paste. The token is random, stored hashed, works once
//! and only for a short while; the key itself never appears in a URL.

use std::time::Duration;

use switchboard_core::id::{AccountId, KeyId};
use switchboard_core::key::hash_secret;
use switchboard_core::secret::random_hex;
use switchboard_core::time::now_millis;
use switchboard_store::console_sessions::SignInToken;
use switchboard_store::{Store, StoreResult};

/// How long a printed link works.
pub const LINK_TTL: Duration = Duration::from_secs(15 * 60);

/// Creates a one-time sign-in token for the account key `key` (or the admin when `None`),
/// valid for `ttl`; returns the token to put in the link.
pub async fn create_token(
    store: &dyn Store,
    key: Option<(AccountId, KeyId)>,
    ttl: Duration,
) -> StoreResult<String> {
    let token = random_hex(32);
    let now = now_millis();
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4);
    store
        .create_sign_in_token(&SignInToken {
            token_hash: hash_secret(&token),
            account_id: key.map(|(a, _)| a),
            key_id: key.map(|(_, k)| k),
            created_at: now,
            expires_at: now + ttl_ms,
        })
        .await?;
    Ok(token)
}

/// The sign-in link for `token` on the server at `public_url`.
pub fn url(public_url: &str, token: &str) -> String {
    format!(
        "{}{}/sign-in?token={token}",
        public_url.trim_end_matches('/'),
        crate::BASE
    )
}
