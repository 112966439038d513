//! Graph errors of the Send API, classified for the dispatcher (Messenger and Instagram codes
//! of Meta's error table).

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use crate::{ConnectorError, ErrorClass};

/// Codes worth retrying with backoff: 1 (unknown error), 2 (service unavailable; Meta also
/// uses it for some blocked users, which a retry then fails permanently).
pub const TRANSIENT_CODES: &[u32] = &[1, 2];

/// Codes that mean "slow down": 4 (application request limit), 17 (user request limit), 32
/// (page request limit), 613 (Send API rate limit, Instagram 613/2534040; 613/2018338 is the
/// tag-abuse warning, also "slow down").
pub const RATE_LIMITED_CODES: &[u32] = &[4, 17, 32, 613];

/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Longest excerpt of a non-JSON error body kept in the message.
const SNIPPET_CHARS: usize = 200;
/// How [`ConnectorError::details`] starts when Meta gave a subcode.
const SUBCODE_PREFIX: &str = "error_subcode ";

/// Classifies a Send API failure:
///
/// | rule | class |
/// |---|---|
/// | `code` in [`RATE_LIMITED_CODES`], or HTTP 429 | RateLimited |
/// | `code` in [`TRANSIENT_CODES`] | Transient |
/// | any other code: 10 (window 2018278/2534022/2018065, user 2018108, page restricted 1893063), 100 (no such user 2018001/2534014, bad media, deprecated tags, …), 190 (token), 200 (permission; 1545041 blocked), 551 (user unavailable or blocked), 2018300, 9000001, 36103, … | Permanent |
/// | no code: HTTP 5xx, or no answer at all (timeout, connection) | Transient |
/// | no code, any other status | Permanent |
pub fn classify(http_status: Option<u16>, code: Option<u32>) -> ErrorClass {
    if code.is_some_and(|c| RATE_LIMITED_CODES.contains(&c)) || http_status == Some(429) {
        return ErrorClass::RateLimited;
    }
    match (code, http_status) {
        (Some(c), _) if TRANSIENT_CODES.contains(&c) => ErrorClass::Transient,
        (Some(_), _) => ErrorClass::Permanent,
        (None, None) => ErrorClass::Transient,
        (None, Some(s)) if s >= 500 => ErrorClass::Transient,
        (None, Some(_)) => ErrorClass::Permanent,
    }
}

/// Whether a Send API error says the channel itself is unusable rather than the one
/// message: a bad token (190), a missing permission (200 except the blocked user 1545041),
/// a restricted Page (10/1893063), an Instagram account not linked or not eligible
/// (100/2534013, 100/2534029, 200/2534041, 36103). Window (10/2018278, 10/2534022), recipient
/// (551, 100/2018001, 10/2018108) and media errors concern the message only, unlike the
/// Cloud API's reading of code 10 and 200 ([`switchboard_core::channel::is_channel_error`]).
pub fn is_channel_error(code: Option<u32>, subcode: Option<u32>) -> bool {
    match (code, subcode) {
        (Some(190), _) | (Some(36103), _) => true,
        (Some(200), Some(1545041)) => false,
        (Some(200), _) => true,
        (Some(10), Some(1893063)) => true,
        (Some(100), Some(2534013 | 2534029)) => true,
        _ => false,
    }
}

/// The Graph `error_subcode` this module keeps at the start of [`ConnectorError::details`]
/// (`error_subcode 2018278`).
pub fn subcode(err: &ConnectorError) -> Option<u32> {
    let rest = err.details.as_deref()?.strip_prefix(SUBCODE_PREFIX)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The `Retry-After` wait in seconds (integer or decimal), capped at a day.
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

fn u32_of(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() > SNIPPET_CHARS {
        let mut cut: String = joined.chars().take(SNIPPET_CHARS).collect();
        cut.push('…');
        cut
    } else {
        joined
    }
}

/// The error of a non-2xx answer: Meta's `{"error":{message,type,code,error_subcode,
/// fbtrace_id}}`, or any other body. The subcode (and `error_user_msg`) go to `details`.
pub(crate) fn from_answer(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    token: &str,
) -> ConnectorError {
    let retry_after = retry_after(headers);
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let plain = || format!("HTTP {status} {reason}").trim_end().to_string();
    let envelope = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|mut v| v.get_mut("error").map(Value::take))
        .filter(Value::is_object);
    let Some(err) = envelope else {
        let excerpt = snippet(body);
        let message = if excerpt.is_empty() {
            plain()
        } else {
            format!("{}: {excerpt}", plain())
        };
        return ConnectorError {
            class: classify(Some(status), None),
            code: None,
            http_status: Some(status),
            message: redact(message, token),
            details: None,
            retry_after,
        };
    };
    let code = u32_of(err.get("code"));
    let sub = u32_of(err.get("error_subcode"));
    let user_msg = str_of(err.get("error_user_msg"));
    let details = match (sub, user_msg) {
        (Some(s), Some(m)) => Some(format!("{SUBCODE_PREFIX}{s}: {m}")),
        (Some(s), None) => Some(format!("{SUBCODE_PREFIX}{s}")),
        (None, m) => m,
    };
    ConnectorError {
        class: classify(Some(status), code),
        code,
        http_status: Some(status),
        message: redact(str_of(err.get("message")).unwrap_or_else(plain), token),
        details: details.map(|d| redact(d, token)),
        retry_after,
    }
}

/// A 2xx answer that does not say what it should: transient (the upstream misbehaved).
pub(crate) fn unexpected(status: u16, what: impl std::fmt::Display) -> ConnectorError {
    ConnectorError {
        http_status: Some(status),
        ..ConnectorError::transient(format!(
            "unexpected answer from the upstream (HTTP {status}): {what}"
        ))
    }
}

/// The error of a request that got no answer: transient, except a request that could not
/// be built.
pub(crate) fn from_transport(
    e: &reqwest::Error,
    what: &str,
    timeout: Duration,
    token: &str,
) -> ConnectorError {
    let class = if e.is_builder() {
        ErrorClass::Permanent
    } else {
        ErrorClass::Transient
    };
    let mut message = if e.is_timeout() {
        format!("{what}: timed out after {} ms", timeout.as_millis())
    } else if e.is_connect() {
        format!("{what}: connection failed")
    } else if e.is_builder() {
        format!("{what}: invalid request")
    } else {
        format!("{what}: request failed")
    };
    let mut source = std::error::Error::source(e);
    let mut depth = 0;
    while let Some(s) = source {
        if depth >= 6 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use ErrorClass::*;

    #[test]
    fn table() {
        let cases: &[(Option<u16>, Option<u32>, ErrorClass)] = &[
            (Some(400), Some(4), RateLimited),
            (Some(400), Some(17), RateLimited),
            (Some(400), Some(32), RateLimited),
            (Some(400), Some(613), RateLimited),
            (Some(429), None, RateLimited),
            (Some(429), Some(100), RateLimited),
            (Some(500), Some(1), Transient),
            (Some(500), Some(2), Transient),
            (Some(400), Some(2), Transient),
            (Some(502), None, Transient),
            (None, None, Transient),
            (Some(400), Some(10), Permanent),
            (Some(400), Some(100), Permanent),
            (Some(401), Some(190), Permanent),
            (Some(400), Some(200), Permanent),
            (Some(400), Some(551), Permanent),
            (Some(400), Some(2018300), Permanent),
            (Some(400), Some(9000001), Permanent),
            (Some(500), Some(36103), Permanent),
            (Some(404), None, Permanent),
        ];
        for (status, code, want) in cases {
            assert_eq!(classify(*status, *code), *want, "{status:?} {code:?}");
        }
    }

    #[test]
    fn channel_errors_are_not_message_errors() {
        assert!(is_channel_error(Some(190), None));
        assert!(is_channel_error(Some(200), Some(2018028)));
        assert!(is_channel_error(Some(10), Some(1893063)));
        assert!(is_channel_error(Some(100), Some(2534013)));
        assert!(!is_channel_error(Some(10), Some(2018278)));
        assert!(!is_channel_error(Some(10), Some(2534022)));
        assert!(!is_channel_error(Some(200), Some(1545041)));
        assert!(!is_channel_error(Some(551), Some(1545041)));
        assert!(!is_channel_error(Some(100), Some(2018001)));
    }

    fn headers(retry: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(r) = retry {
            h.insert(RETRY_AFTER, HeaderValue::from_str(r).expect("header"));
        }
        h
    }

    #[test]
    fn envelopes() {
        let body = br#"{"error":{"message":"(#551) This person isn't available right now.","type":"OAuthException","code":551,"error_subcode":1545041,"fbtrace_id":"GZLdPD3DuDR"}}"#;
        let e = from_answer(400, &headers(None), body, "tok-secret");
        assert_eq!((e.class, e.code), (Permanent, Some(551)));
        assert_eq!(e.message, "(#551) This person isn't available right now.");
        assert_eq!(subcode(&e), Some(1545041));
        let e = from_answer(
            400,
            &headers(Some("3")),
            br#"{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","code":613,"error_subcode":"2534040","error_user_msg":"slow"}}"#,
            "",
        );
        assert_eq!(
            (e.class, e.retry_after),
            (RateLimited, Some(Duration::from_secs(3)))
        );
        assert_eq!(e.details.as_deref(), Some("error_subcode 2534040: slow"));
        assert_eq!(subcode(&e), Some(2534040));
        let e = from_answer(503, &headers(None), b"<html> down </html>", "");
        assert_eq!((e.class, e.code), (Transient, None));
        assert_eq!(
            e.message,
            "HTTP 503 Service Unavailable: <html> down </html>"
        );
        assert_eq!(subcode(&e), None);
        let e = from_answer(
            401,
            &headers(None),
            br#"{"error":{"message":"Invalid OAuth access token EAAP-very-secret","code":190}}"#,
            "EAAP-very-secret",
        );
        assert_eq!((e.class, e.code), (Permanent, Some(190)));
        assert!(!e.message.contains("EAAP-very-secret"), "{}", e.message);
    }
}
