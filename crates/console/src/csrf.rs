//! CSRF protection on every non-GET console request, in two parts:
//!
//! 1. [`origin_guard`] (a layer on the whole console): the `Origin` header (or, when a browser
//!    sends none, the `Referer`) must name this server's own origin as the `Host` header gives
//!    it, and `Sec-Fetch-Site`, when sent, must be `same-origin`. A request with neither
//!    header is refused too: browsers send `Origin` on every cross-site POST.
//! 2. [`Posted`] (an extractor for signed-in forms): the session's CSRF token must come back,
//!    in the `X-CSRF-Token` header (htmx sends it from the `hx-headers` of the page's body)
//!    or in the form's hidden `csrf` field. Compared in constant time.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::error::ConsoleError;
use crate::session::Signed;
use crate::ConsoleState;

/// The header htmx sends the token in.
pub const HEADER: &str = "x-csrf-token";
/// The hidden form field carrying the token.
pub const FIELD: &str = "csrf";
/// Largest console form body.
const FORM_LIMIT: usize = 64 * 1024;

/// Whether the request's `Origin` (or `Referer`) is this server's origin.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        if site != "same-origin" {
            return false;
        }
    }
    let Some(host) = text(header::HOST) else {
        return false;
    };
    let matches = |origin: &str| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|rest| rest == host)
    };
    match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(origin), _) => matches(origin),
        (None, Some(referer)) => {
            // The origin part of the referring URL: scheme://host[:port].
            let origin_end = referer
                .find("://")
                .map(|i| i + 3)
                .and_then(|start| referer[start..].find('/').map(|j| start + j))
                .unwrap_or(referer.len());
            matches(&referer[..origin_end])
        }
        (None, None) => false,
    }
}

/// Refuses (403) every non-GET, non-HEAD request whose origin is not this server's.
pub async fn origin_guard(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !same_origin(request.headers()) {
        return ConsoleError::forbidden(
            "this request did not come from the console's own pages (Origin check)",
        )
        .into_response();
    }
    next.run(request).await
}

/// Whether `presented` is the session's token.
pub fn token_matches(expected: &str, presented: Option<&str>) -> bool {
    match presented {
        Some(p) if !p.is_empty() => bool::from(p.as_bytes().ct_eq(expected.as_bytes())),
        _ => false,
    }
}

/// A signed-in form post whose CSRF token was checked: the session and the form's fields.
#[derive(Debug)]
pub struct Posted {
    /// The session.
    pub signed: Signed,
    /// The form's fields (the `csrf` field removed).
    pub fields: HashMap<String, String>,
}

impl FromRequest<ConsoleState> for Posted {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let signed = <Signed as axum::extract::FromRequestParts<ConsoleState>>::from_request_parts(
            &mut parts, state,
        )
        .await?;
        let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
            ConsoleError::Page(
                axum::http::StatusCode::BAD_REQUEST,
                "the form could not be read".into(),
            )
        })?;
        let mut fields: HashMap<String, String> =
            form_urlencoded::parse(&bytes).into_owned().collect();
        let from_field = fields.remove(FIELD);
        let from_header = header_token(&parts.headers);
        let presented = from_header.or(from_field);
        if !token_matches(&signed.session.csrf_token, presented.as_deref()) {
            return Err(refused());
        }
        Ok(Posted { signed, fields })
    }
}

/// The refusal of a form whose CSRF token is missing or wrong.
pub fn refused() -> ConsoleError {
    ConsoleError::forbidden(
        "the form's CSRF token is missing or wrong: reload the page and try again",
    )
}

/// The token sent in the [`HEADER`] (htmx's requests), if any.
pub fn header_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn origin_must_be_the_host() {
        let host = ("host", "127.0.0.1:8080");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8080.evil")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(same_origin(&headers(&[
            host,
            ("referer", "http://127.0.0.1:8080/console/x")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("referer", "http://127.0.0.1:8080.evil/console")
        ])));
        assert!(!same_origin(&headers(&[host])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "cross-site")
        ])));
    }

    #[test]
    fn tokens_must_match_exactly() {
        assert!(token_matches("abc", Some("abc")));
        assert!(!token_matches("abc", Some("abd")));
        assert!(!token_matches("abc", Some("")));
        assert!(!token_matches("abc", None));
    }
}
