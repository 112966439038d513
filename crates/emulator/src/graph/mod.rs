//! Graph API endpoints and what they share: version check, Bearer auth, the fault stage.

pub(crate) mod media;
pub(crate) mod messages;
pub(crate) mod objects;
pub(crate) mod profile;
pub(crate) mod templates;

use std::sync::Arc;

use axum::http::HeaderMap;
use serde_json::Value;

use crate::config::PhoneNumberConfig;
use crate::error::GraphError;
use crate::faults::{stage, Hit};
use crate::state::Inner;

/// Checks a `v{major}.{minor}` version segment.
pub(crate) fn check_version(version: &str, rest: &str) -> Result<(), GraphError> {
    let ok = version.strip_prefix('v').is_some_and(|v| {
        let mut parts = v.split('.');
        let good = |p: Option<&str>| {
            p.is_some_and(|s| {
                !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())
            })
        };
        good(parts.next()) && good(parts.next()) && parts.next().is_none()
    });
    if ok {
        Ok(())
    } else {
        Err(GraphError::unknown_path(rest))
    }
}

/// The Bearer token of the request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A token any registered phone number knows; else 401/190.
pub(crate) fn known_token<'a>(
    inner: &Inner,
    headers: &'a HeaderMap,
) -> Result<&'a str, GraphError> {
    match bearer(headers) {
        Some(t) if inner.token_known(t) => Ok(t),
        _ => Err(GraphError::bad_token()),
    }
}

/// The phone number `id` when the request's token is its token: 401/190 for an unknown
/// token, 400/100 for a number that does not exist or belongs to another token.
pub(crate) fn authorize_phone(
    inner: &Inner,
    headers: &HeaderMap,
    id: &str,
    method: &str,
) -> Result<Arc<PhoneNumberConfig>, GraphError> {
    let token = known_token(inner, headers)?;
    match inner.phone(id) {
        Some(p) if p.access_token == token => Ok(p),
        _ => Err(GraphError::unknown_object(method, id)),
    }
}

/// The fault stage for a Graph request: 504 after a hang, or 500 code 2.
pub(crate) async fn gate(inner: &Inner) -> Result<(), GraphError> {
    match stage(inner).await {
        Some(Hit::Timeout) => Err(GraphError::timeout()),
        Some(Hit::Unavailable) => Err(GraphError::unavailable()),
        None => Ok(()),
    }
}

/// Parses a JSON body; an empty or malformed one is a code-100 error.
pub(crate) fn json_body(bytes: &[u8]) -> Result<Value, GraphError> {
    serde_json::from_slice(bytes)
        .map_err(|e| GraphError::invalid(format!("The request body must be a JSON object: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(check_version("v23.0", "").is_ok());
        assert!(check_version("v1.10", "").is_ok());
        for bad in ["23.0", "v23", "v23.0.1", "vx.0", "v.0", "", "V23.0"] {
            assert!(check_version(bad, "").is_err(), "{bad}");
        }
    }

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert("authorization", "Bearer abc".parse().expect("header"));
        assert_eq!(bearer(&h), Some("abc"));
        h.insert("authorization", "bearer  xyz ".parse().expect("header"));
        assert_eq!(bearer(&h), Some("xyz"));
        h.insert("authorization", "Basic abc".parse().expect("header"));
        assert_eq!(bearer(&h), None);
        h.insert("authorization", "Bearer ".parse().expect("header"));
        assert_eq!(bearer(&h), None);
    }
}
