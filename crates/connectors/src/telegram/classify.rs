//! Telegram's error answers (`{"ok":false,"error_code","description","parameters"?}`, the
//! HTTP status equal to `error_code`) classified for the dispatcher:
//!
//! | answer | class |
//! |---|---|
//! | 429 (`parameters.retry_after`, else the `Retry-After` header) | RateLimited, with that wait |
//! | 5xx, or no answer (timeout, connection error) | Transient |
//! | 401 `Unauthorized` (token revoked or unknown) | Permanent; the channel goes to `error` |
//! | 403 `Forbidden: bot was blocked by the user`, 400 `Bad Request: chat not found`, any other 4xx | Permanent (the message) |

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

pub(crate) use crate::http_error::redact;
use crate::{ConnectorError, ErrorClass};

/// Longest wait honoured; a longer `retry_after` is capped to it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The error of a non-2xx (or `ok:false`) answer; `token` is scrubbed from the text.
pub(crate) fn from_answer(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    token: &str,
) -> ConnectorError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|v| v["error_code"].as_u64())
        .and_then(|c| u16::try_from(c).ok())
        .unwrap_or(status);
    let description = parsed
        .as_ref()
        .and_then(|v| v["description"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            format!(
                "HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            )
        });
    let retry_after = parsed
        .as_ref()
        .and_then(|v| v["parameters"]["retry_after"].as_u64())
        .or_else(|| {
            headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse().ok())
        })
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
    let class = classify(code);
    ConnectorError {
        class,
        code: Some(u32::from(code)),
        http_status: Some(status),
        message: redact(description, token),
        details: None,
        retry_after: if class == ErrorClass::RateLimited {
            retry_after.or(Some(Duration::from_secs(1)))
        } else {
            None
        },
    }
}

/// The class of Telegram's `error_code`.
pub fn classify(error_code: u16) -> ErrorClass {
    match error_code {
        429 => ErrorClass::RateLimited,
        500..=599 => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    }
}

/// A failure without an answer: transient, except a request that could not be built.
pub(crate) fn from_transport(e: &reqwest::Error, method: &str, token: &str) -> ConnectorError {
    crate::http_error::from_transport(e, &format!("Telegram {method}"), None, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> ConnectorError {
        from_answer(status, &HeaderMap::new(), body.as_bytes(), "1:secret")
    }

    #[test]
    fn classes_follow_the_table() {
        let blocked = err(
            403,
            r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
        );
        assert_eq!(blocked.class, ErrorClass::Permanent);
        assert!(blocked.message.contains("blocked"));
        let missing = err(
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
        );
        assert_eq!(missing.class, ErrorClass::Permanent);
        let limited = err(
            429,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}"#,
        );
        assert_eq!(limited.class, ErrorClass::RateLimited);
        assert_eq!(limited.retry_after, Some(Duration::from_secs(35)));
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().expect("header"));
        let by_header = from_answer(429, &headers, b"{}", "t");
        assert_eq!(by_header.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(err(502, "bad gateway").class, ErrorClass::Transient);
        let unauthorized = err(
            401,
            r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
        );
        assert_eq!(unauthorized.http_status, Some(401));
        assert!(!unauthorized.is_retryable());
        assert_eq!(
            redact("GET /bot1:secret/x".into(), "1:secret"),
            "GET /bot[redacted]/x"
        );
    }
}
