//! From an upstream answer (or its absence) to a classified [`ConnectorError`].

use serde_json::Value;

pub(crate) use crate::http_error::unexpected;
use crate::http_error::{str_of, GraphErrors};
use crate::ErrorClass;

/// Meta codes that are worth retrying with backoff: 1 (unknown API error), 2 (service
/// temporarily unavailable), 131000 (something went wrong), 131016 (service unavailable),
/// 131057 (account in maintenance mode, e.g. during a throughput upgrade), 133004 (server
/// temporarily unavailable).
pub const TRANSIENT_CODES: &[u32] = &[1, 2, 131000, 131016, 131057, 133004];

/// Meta codes that mean "slow down": 4 (app call rate), 17 (user call rate), 32 (page call
/// rate), 613 (call rate), 80007 (WABA rate), 130429 (throughput), 131048 (spam rate limit),
/// 131056 (pair rate), 133016 (register/deregister rate).
pub const RATE_LIMITED_CODES: &[u32] = &[4, 17, 32, 613, 80007, 130429, 131048, 131056, 133016];

/// Codes that name an authentication or permission problem: permanent whatever the HTTP
/// status (Meta answers code 3 with a 500, for instance).
fn is_auth_code(code: u32) -> bool {
    matches!(code, 0 | 3 | 10 | 190 | 200..=299)
}

/// Classifies an upstream error, in this order:
///
/// | rule | class |
/// |---|---|
/// | `code` in [`RATE_LIMITED_CODES`] | RateLimited |
/// | HTTP 429 | RateLimited |
/// | `code` in [`TRANSIENT_CODES`] | Transient |
/// | `code` is 0, 3, 10, 190 or 200–299 (auth, permission) | Permanent |
/// | `is_transient: true` | Transient |
/// | HTTP 5xx, or no answer at all (`http_status` `None`: timeout, connection error) | Transient |
/// | anything else (100, 131008, 131009, 131026, 131047, 131051, 132000, 132001, 368, 131031, …) | Permanent |
///
/// Usable for the codes of asynchronous failures too (webhook `statuses[].errors`), with
/// `http_status` set to `Some(200)`.
pub fn classify(http_status: Option<u16>, code: Option<u32>, is_transient: bool) -> ErrorClass {
    if let Some(c) = code {
        if RATE_LIMITED_CODES.contains(&c) {
            return ErrorClass::RateLimited;
        }
    }
    if http_status == Some(429) {
        return ErrorClass::RateLimited;
    }
    if let Some(c) = code {
        if TRANSIENT_CODES.contains(&c) {
            return ErrorClass::Transient;
        }
        if is_auth_code(c) {
            return ErrorClass::Permanent;
        }
    }
    if is_transient {
        return ErrorClass::Transient;
    }
    match http_status {
        None => ErrorClass::Transient,
        Some(s) if s >= 500 => ErrorClass::Transient,
        Some(_) => ErrorClass::Permanent,
    }
}

/// The Cloud API's error envelope: its code table, and `error_data.details` (or
/// `error_user_msg`) as the details.
pub(crate) const CLOUD_ERRORS: GraphErrors = GraphErrors {
    classify,
    details: cloud_details,
};

fn cloud_details(err: &Value) -> Option<String> {
    match err.get("error_data") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(data) => str_of(data.get("details")),
        None => None,
    }
    .or_else(|| str_of(err.get("error_user_msg")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_error::from_graph_answer;
    use crate::ConnectorError;
    use reqwest::header::HeaderMap;
    use std::time::Duration;

    fn from_answer(status: u16, headers: &HeaderMap, body: &[u8], token: &str) -> ConnectorError {
        from_graph_answer(&CLOUD_ERRORS, status, headers, body, token)
    }
    use reqwest::header::HeaderValue;
    use ErrorClass::*;

    #[test]
    fn table() {
        let cases: &[(Option<u16>, Option<u32>, bool, ErrorClass)] = &[
            // Rate limits, by code or by status.
            (Some(400), Some(130429), false, RateLimited),
            (Some(400), Some(131056), false, RateLimited),
            (Some(400), Some(131048), false, RateLimited),
            (Some(400), Some(80007), true, RateLimited),
            (Some(400), Some(4), false, RateLimited),
            (Some(400), Some(133016), false, RateLimited),
            (Some(500), Some(130429), true, RateLimited),
            (Some(429), None, false, RateLimited),
            (Some(429), Some(100), false, RateLimited),
            // Transient.
            (Some(500), Some(2), true, Transient),
            (Some(400), Some(1), false, Transient),
            (Some(400), Some(131000), false, Transient),
            (Some(503), Some(131016), false, Transient),
            (Some(400), Some(133004), false, Transient),
            (Some(400), Some(131057), false, Transient),
            (Some(400), Some(999_999), true, Transient),
            (Some(500), None, false, Transient),
            (Some(502), None, false, Transient),
            (Some(504), Some(100), false, Transient),
            (None, None, false, Transient),
            // Permanent.
            (Some(400), Some(100), false, Permanent),
            (Some(400), Some(131008), false, Permanent),
            (Some(400), Some(131009), false, Permanent),
            (Some(400), Some(131026), false, Permanent),
            (Some(400), Some(131047), false, Permanent),
            (Some(400), Some(131051), false, Permanent),
            (Some(400), Some(132000), false, Permanent),
            (Some(400), Some(132001), false, Permanent),
            (Some(401), Some(190), false, Permanent),
            (Some(403), Some(10), false, Permanent),
            (Some(403), Some(200), false, Permanent),
            (Some(403), Some(299), false, Permanent),
            (Some(400), Some(368), false, Permanent),
            (Some(400), Some(131031), false, Permanent),
            (Some(500), Some(3), false, Permanent),
            (Some(500), Some(190), true, Permanent),
            (Some(404), None, false, Permanent),
            (Some(200), Some(131026), false, Permanent),
        ];
        for (status, code, transient, want) in cases {
            assert_eq!(
                classify(*status, *code, *transient),
                *want,
                "{status:?} {code:?} {transient}"
            );
        }
    }

    fn headers(retry: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(r) = retry {
            h.insert(
                reqwest::header::RETRY_AFTER,
                HeaderValue::from_str(r).expect("header"),
            );
        }
        h
    }

    #[test]
    fn meta_envelope() {
        let body = br#"{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because there were too many messages"},"error_subcode":2494071,"fbtrace_id":"A4O5"}}"#;
        let e = from_answer(400, &headers(Some("3")), body, "tok-secret");
        assert_eq!(e.class, RateLimited);
        assert_eq!(e.code, Some(131056));
        assert_eq!(e.http_status, Some(400));
        assert_eq!(
            e.message,
            "(#131056) (Business Account, Consumer Account) pair rate limit hit"
        );
        assert_eq!(
            e.details.as_deref(),
            Some("Message failed to send because there were too many messages")
        );
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
    }

    #[test]
    fn odd_envelopes() {
        // Code as a string, error_data as a string, no message.
        let e = from_answer(
            400,
            &headers(None),
            br#"{"error":{"code":"132001","error_data":"template missing"}}"#,
            "",
        );
        assert_eq!((e.class, e.code), (Permanent, Some(132001)));
        assert_eq!(e.message, "HTTP 400 Bad Request");
        assert_eq!(e.details.as_deref(), Some("template missing"));
        // is_transient with an unknown code.
        let e = from_answer(
            400,
            &headers(None),
            br#"{"error":{"message":"try later","code":12345,"is_transient":true,"error_user_msg":"later"}}"#,
            "",
        );
        assert_eq!(e.class, Transient);
        assert_eq!(e.details.as_deref(), Some("later"));
        // JSON without an error object.
        let e = from_answer(400, &headers(None), br#"{"success":false}"#, "");
        assert_eq!((e.class, e.code), (Permanent, None));
        assert_eq!(e.message, r#"HTTP 400 Bad Request: {"success":false}"#);
        // HTML and empty bodies.
        let e = from_answer(
            502,
            &headers(None),
            b"<html>\n <body>Bad   Gateway</body></html>",
            "",
        );
        assert_eq!((e.class, e.http_status), (Transient, Some(502)));
        assert_eq!(
            e.message,
            "HTTP 502 Bad Gateway: <html> <body>Bad Gateway</body></html>"
        );
        let e = from_answer(503, &headers(Some("2")), b"", "");
        assert_eq!(e.message, "HTTP 503 Service Unavailable");
        assert_eq!(e.retry_after, Some(Duration::from_secs(2)));
        // Long bodies are cut.
        let long = "x ".repeat(1000);
        let e = from_answer(500, &headers(None), long.as_bytes(), "");
        assert!(e.message.chars().count() < 260, "{}", e.message);
    }

    #[test]
    fn token_is_scrubbed_from_messages_and_details() {
        let token = "EAAB-super-secret-token";
        let body = format!(
            r#"{{"error":{{"message":"Invalid token {token}","code":190,"error_data":{{"details":"token {token} expired"}}}}}}"#
        );
        let e = from_answer(401, &headers(None), body.as_bytes(), token);
        assert_eq!(e.class, Permanent);
        for s in [
            format!("{e}"),
            format!("{e:?}"),
            e.details.clone().unwrap_or_default(),
        ] {
            assert!(!s.contains(token), "{s}");
            assert!(s.contains("[redacted]"), "{s}");
        }
        let e = from_answer(
            500,
            &headers(None),
            format!("oops Bearer {token}").as_bytes(),
            token,
        );
        assert!(!format!("{e:?}").contains(token));
        assert_eq!(crate::http_error::redact("abc".into(), ""), "abc");
    }
}
