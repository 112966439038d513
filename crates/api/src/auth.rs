//! Authentication and authorization.
//!
//! A request presents one credential: `Authorization: Bearer <key>`, or the `x-api-key`
//! header, or a `token` / `apikey` query parameter (for clients that cannot set headers). The admin key
//! manages accounts; API keys act within one account, optionally one channel, at a
//! permission level. Verified keys are cached for a few seconds; revoking a key through this
//! node forgets it at once. A key's last use is recorded at most once a minute, off the
//! request path ([`KeyUse`]). Each verified request of an account key spends one request of
//! its rate ([`KeyRates`]); a request is verified once, however many extractors ask.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;
use switchboard_core::id::{AccountId, ChannelId, KeyId};
use switchboard_core::key::{hash_secret, secret_matches, split_token, ApiKey, Permission};
use switchboard_store::Store;

use crate::error::{ApiError, ApiResult, Context};
use crate::key_use::KeyUse;
use crate::limits::KeyRates;
use crate::state::AppState;

/// How long a verified key is trusted without asking the store again.
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Entries kept in the cache before it is cleared.
const CACHE_MAX: usize = 10_000;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The installation's admin key.
    Admin,
    /// An account's API key.
    Key(KeyPrincipal),
}

/// An authenticated API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrincipal {
    /// The key.
    pub key_id: KeyId,
    /// Its account.
    pub account_id: AccountId,
    /// Its permission level.
    pub permission: Permission,
    /// Set when the key is limited to one channel.
    pub channel_id: Option<ChannelId>,
}

impl Principal {
    /// Requires the admin key (403 for an account key).
    pub fn require_admin(&self) -> ApiResult<()> {
        match self {
            Principal::Admin => Ok(()),
            Principal::Key(_) => Err(ApiError::Forbidden(
                "this endpoint needs the admin key (SWITCHBOARD_ADMIN_KEY)".into(),
            )),
        }
    }

    /// Requires an account key with at least `needed` permission (403 otherwise).
    pub fn require_key(&self, needed: Permission) -> ApiResult<&KeyPrincipal> {
        match self {
            Principal::Admin => Err(ApiError::Forbidden(
                "the admin key manages accounts only: use an API key of the account".into(),
            )),
            Principal::Key(key) if key.permission.allows(needed) => Ok(key),
            Principal::Key(key) => Err(ApiError::Forbidden(format!(
                "this key has `{}` permission; this request needs `{needed}`",
                key.permission
            ))),
        }
    }
}

impl KeyPrincipal {
    /// Requires a key that is not limited to one channel (403 otherwise).
    pub fn require_account_wide(&self) -> ApiResult<()> {
        match self.channel_id {
            None => Ok(()),
            Some(_) => Err(ApiError::Forbidden(
                "this key is limited to one channel; this request needs an account-wide key".into(),
            )),
        }
    }

    /// Checks that the key may see `channel`; a channel outside its scope is not found (404).
    pub fn require_channel(&self, channel: ChannelId) -> ApiResult<()> {
        match self.channel_id {
            Some(scope) if scope != channel => Err(ApiError::NotFound("channel not found".into())),
            _ => Ok(()),
        }
    }
}

/// Verifies credentials against the admin key hash and the store, with a short cache.
pub struct Authenticator {
    store: Arc<dyn Store>,
    admin_hash: String,
    cache: RwLock<HashMap<KeyId, (ApiKey, Instant)>>,
    rates: KeyRates,
    uses: KeyUse,
}

impl Authenticator {
    /// An authenticator accepting the admin key whose SHA-256 hex is `admin_hash`, limiting
    /// each account key to `rates`.
    pub fn new(store: Arc<dyn Store>, admin_hash: String, rates: KeyRates) -> Self {
        Self {
            store,
            admin_hash,
            cache: RwLock::new(HashMap::new()),
            rates,
            uses: KeyUse::default(),
        }
    }

    /// Forgets a cached key (after it was revoked).
    pub fn forget(&self, id: KeyId) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(&id);
        }
    }

    async fn load(&self, id: KeyId) -> ApiResult<Option<ApiKey>> {
        if let Ok(cache) = self.cache.read() {
            if let Some((key, at)) = cache.get(&id) {
                if at.elapsed() < CACHE_TTL {
                    return Ok(Some(key.clone()));
                }
            }
        }
        let key = self
            .store
            .find_key(id)
            .await
            .context("reading an API key")?;
        if let (Some(key), Ok(mut cache)) = (&key, self.cache.write()) {
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(id, (key.clone(), Instant::now()));
        }
        Ok(key)
    }

    /// Verifies a presented token and spends one request of the key's rate (429
    /// `rate_limited` when it has none left; the admin key is not limited).
    pub async fn verify(&self, token: &str) -> ApiResult<Principal> {
        let invalid = || ApiError::Unauthorized("invalid or revoked API key".into());
        let presented = hash_secret(token);
        if bool::from(presented.as_bytes().ct_eq(self.admin_hash.as_bytes())) {
            return Ok(Principal::Admin);
        }
        let (id, secret) = split_token(token).ok_or_else(invalid)?;
        let key = self.load(id).await?.ok_or_else(invalid)?;
        if !secret_matches(secret, &key.secret_hash) || key.revoked_at.is_some() {
            return Err(invalid());
        }
        self.rates.spend(key.id)?;
        self.uses.note(&self.store, key.id);
        Ok(Principal::Key(KeyPrincipal {
            key_id: key.id,
            account_id: key.account_id,
            permission: key.permission,
            channel_id: key.channel_id,
        }))
    }
}

/// Finds the credential in a request: Bearer header, `x-api-key`, or `token` / `apikey` query.
pub fn presented_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let text = value.to_str().ok()?.trim();
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .unwrap_or(text);
        return Some(token.trim().to_string());
    }
    if let Some(value) = parts.headers.get("x-api-key") {
        return value.to_str().ok().map(|s| s.trim().to_string());
    }
    let query = parts.uri.query()?;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if matches!(name, "token" | "apikey" | "apiKey" | "api_key") && !value.is_empty() {
            return Some(percent_decode(value));
        }
    }
    None
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let token = presented_token(parts)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "missing API key: send `Authorization: Bearer <key>` (or `x-api-key`)".into(),
                )
            })?;
        let principal = state.auth.verify(&token).await?;
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = axum::http::Request::builder().uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn finds_the_token_wherever_clients_put_it() {
        assert_eq!(
            presented_token(&parts("/x", &[("authorization", "Bearer abc")])).as_deref(),
            Some("abc")
        );
        assert_eq!(
            presented_token(&parts("/x", &[("x-api-key", "abc")])).as_deref(),
            Some("abc")
        );
        assert_eq!(
            presented_token(&parts("/x?token=abc", &[])).as_deref(),
            Some("abc")
        );
        assert_eq!(
            presented_token(&parts("/x?a=1&apikey=ab%5Fc", &[])).as_deref(),
            Some("ab_c")
        );
        assert_eq!(presented_token(&parts("/x?tokenx=abc", &[])), None);
        assert_eq!(presented_token(&parts("/x", &[])), None);
    }

    #[test]
    fn percent_decoding_never_panics() {
        for s in ["%", "%4", "%zz", "a%2", "%%%", "+"] {
            let _ = percent_decode(s);
        }
        assert_eq!(percent_decode("a%20b"), "a b");
    }
}
