//! What every HTTP upstream's failures have in common: a classified [`ConnectorError`] for a
//! request that got no answer, for a 2xx answer that does not say what it should, and for
//! Meta's Graph error envelope (`{"error":{message,code,error_subcode,…}}`, shared by the
//! Cloud API and the Messenger/Instagram Send API, each with its own code table); the
//! `Retry-After` wait; secrets scrubbed from every text.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use crate::{ConnectorError, ErrorClass};

/// Longest `Retry-After` honoured; longer asks are capped to it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Longest excerpt of a non-JSON error body kept in the message.
const SNIPPET_CHARS: usize = 200;

/// How many causes of a transport error are appended to its message.
const MAX_CAUSES: usize = 6;

/// The `Retry-After` wait in seconds (integer or decimal), capped at a day. HTTP dates are
/// not honoured.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = raw.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(
        secs.min(MAX_RETRY_AFTER.as_secs_f64()),
    ))
}

/// Replaces every occurrence of `token` in `s` with `[redacted]`.
pub(crate) fn redact(s: String, token: &str) -> String {
    if token.len() < 4 || !s.contains(token) {
        return s;
    }
    s.replace(token, "[redacted]")
}

/// A JSON number, or a string of digits, as a `u32`.
pub(crate) fn u32_of(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-blank JSON string, trimmed.
pub(crate) fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Whitespace collapsed, cut to [`SNIPPET_CHARS`] characters.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > SNIPPET_CHARS {
        let mut cut: String = joined.chars().take(SNIPPET_CHARS).collect();
        cut.push('…');
        cut
    } else {
        joined
    }
}

/// `HTTP 503 Service Unavailable`.
fn status_line(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("HTTP {status} {reason}").trim_end().to_string()
}

/// The error of a request that got no answer (or whose answer could not be read): transient,
/// except a request that could not be built. `what` names the call (never with its query);
/// `timeout`, when known, is said on a timeout.
pub(crate) fn from_transport(
    e: &reqwest::Error,
    what: &str,
    timeout: Option<Duration>,
    token: &str,
) -> ConnectorError {
    let class = if e.is_builder() {
        ErrorClass::Permanent
    } else {
        ErrorClass::Transient
    };
    let mut message = match (e.is_timeout(), timeout) {
        (true, Some(t)) => format!("{what}: timed out after {} ms", t.as_millis()),
        (true, None) => format!("{what}: timed out"),
        _ if e.is_connect() => format!("{what}: connection failed"),
        _ if e.is_builder() => format!("{what}: invalid request"),
        _ => format!("{what}: request failed"),
    };
    // The cause chain, without reqwest's own line (which repeats the URL and its query).
    let mut source = std::error::Error::source(e);
    let mut depth = 0;
    while let Some(s) = source {
        if depth >= MAX_CAUSES {
            break;
        }
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
        depth += 1;
    }
    ConnectorError {
        http_status: e.status().map(|s| s.as_u16()),
        ..ConnectorError::new(class, redact(message, token))
    }
}

/// A 2xx answer that does not say what it should (no message id, no `success:true`, not
/// JSON): transient, since the upstream misbehaved rather than refused.
pub(crate) fn unexpected(status: u16, what: impl std::fmt::Display) -> ConnectorError {
    ConnectorError {
        http_status: Some(status),
        ..ConnectorError::transient(format!(
            "unexpected answer from the upstream (HTTP {status}): {what}"
        ))
    }
}

/// How one Graph API reads its error envelope: its code table, and what goes to
/// [`ConnectorError::details`].
pub(crate) struct GraphErrors {
    /// The class of `(HTTP status, code, is_transient)`.
    pub classify: fn(Option<u16>, Option<u32>, bool) -> ErrorClass,
    /// The details of the envelope's inner `error` object.
    pub details: fn(&Value) -> Option<String>,
}

/// The error of a non-2xx Graph answer with `body`: Meta's envelope read by `graph`, or any
/// other body as an excerpt; `token` scrubbed from every text.
pub(crate) fn from_graph_answer(
    graph: &GraphErrors,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    token: &str,
) -> ConnectorError {
    let retry_after = retry_after(headers);
    let envelope = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|mut v| v.get_mut("error").map(Value::take))
        .filter(Value::is_object);
    let Some(err) = envelope else {
        let excerpt = snippet(body);
        let message = if excerpt.is_empty() {
            status_line(status)
        } else {
            format!("{}: {excerpt}", status_line(status))
        };
        return ConnectorError {
            class: (graph.classify)(Some(status), None, false),
            code: None,
            http_status: Some(status),
            message: redact(message, token),
            details: None,
            retry_after,
        };
    };
    let code = u32_of(err.get("code"));
    let is_transient = err.get("is_transient").and_then(Value::as_bool) == Some(true);
    let message = str_of(err.get("message"))
        .or_else(|| str_of(err.get("error_user_title")))
        .unwrap_or_else(|| status_line(status));
    ConnectorError {
        class: (graph.classify)(Some(status), code, is_transient),
        code,
        http_status: Some(status),
        message: redact(message, token),
        details: (graph.details)(&err).map(|d| redact(d, token)),
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(r) = retry {
            h.insert(RETRY_AFTER, HeaderValue::from_str(r).expect("header"));
        }
        h
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(retry_after(&headers(None)), None);
        assert_eq!(
            retry_after(&headers(Some("7"))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(Some(" 1.5 "))),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(Some("99999999"))),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after(&headers(Some("-1"))), None);
        assert_eq!(retry_after(&headers(Some("NaN"))), None);
        assert_eq!(
            retry_after(&headers(Some("Wed, 21 Oct 2015 07:28:00 GMT"))),
            None
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(
            redact("a secret-token b".into(), "secret-token"),
            "a [redacted] b"
        );
        assert_eq!(redact("abc".into(), "ab"), "abc", "too short to scrub");
        assert_eq!(u32_of(Some(&Value::from("42"))), Some(42));
        assert_eq!(u32_of(Some(&Value::from(-1))), None);
        assert_eq!(str_of(Some(&Value::from("  "))), None);
        let long = "x ".repeat(300);
        let cut = snippet(long.as_bytes());
        assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(status_line(503), "HTTP 503 Service Unavailable");
        assert_eq!(status_line(599), "HTTP 599");
    }
}
