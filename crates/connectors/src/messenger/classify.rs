//! Graph errors of the Send API, classified for the dispatcher (Messenger and Instagram codes
//! of Meta's error table).

use serde_json::Value;

pub(crate) use crate::http_error::unexpected;
use crate::http_error::{str_of, u32_of, GraphErrors};
use crate::{ConnectorError, ErrorClass};

/// Codes worth retrying with backoff: 1 (unknown error), 2 (service unavailable; Meta also
/// uses it for some blocked users, which a retry then fails permanently).
pub const TRANSIENT_CODES: &[u32] = &[1, 2];

/// Codes that mean "slow down": 4 (application request limit), 17 (user request limit), 32
/// (page request limit), 613 (Send API rate limit, Instagram 613/2534040; 613/2018338 is the
/// tag-abuse warning, also "slow down").
pub const RATE_LIMITED_CODES: &[u32] = &[4, 17, 32, 613];

/// How [`ConnectorError::details`] starts when Meta gave a subcode.
const SUBCODE_PREFIX: &str = "error_subcode ";

/// Codes that are permanent whatever the HTTP status: 0 and 3 (capability), 10 (permission,
/// window), 100 (parameter, recipient, media), 190 (token), 200–299 (permission, blocked
/// user), 551 (user unavailable), 36103 (account not eligible), 2018300 (thread owned by
/// another app), 9000001 (message deleted).
fn is_permanent_code(code: u32) -> bool {
    matches!(
        code,
        0 | 3 | 10 | 100 | 190 | 200..=299 | 551 | 36103 | 2018300 | 9000001
    )
}

/// Classifies a Send API failure, in this order:
///
/// | rule | class |
/// |---|---|
/// | `code` in [`RATE_LIMITED_CODES`], or HTTP 429 | RateLimited |
/// | `code` in [`TRANSIENT_CODES`] | Transient |
/// | `code` 10 (window 2018278/2534022/2018065, user 2018108, page restricted 1893063), 100 (no such user 2018001/2534014, media 2018074/2018008, deprecated tags, …), 190 (token), 200–299 (permission; 1545041 blocked), 551 (user unavailable or blocked), 0, 3, 36103, 2018300, 9000001 | Permanent |
/// | `is_transient: true` | Transient |
/// | HTTP 5xx, or no answer at all (timeout, connection) | Transient |
/// | anything else | Permanent |
pub fn classify(http_status: Option<u16>, code: Option<u32>, is_transient: bool) -> ErrorClass {
    if code.is_some_and(|c| RATE_LIMITED_CODES.contains(&c)) || http_status == Some(429) {
        return ErrorClass::RateLimited;
    }
    if let Some(c) = code {
        if TRANSIENT_CODES.contains(&c) {
            return ErrorClass::Transient;
        }
        if is_permanent_code(c) {
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

/// Whether a Send API error says the channel itself is unusable rather than the one
/// message: a bad token (190), a missing permission (10 without a subcode, 200 except the
/// blocked user 1545041), a restricted Page (10/1893063), an Instagram account not linked,
/// blocked, unverified or not eligible (100/2534013, 100/2534029, 10/2534077, 200/2534041,
/// 36103). Window (10/2018278, 10/2534022, 10/2018065), recipient (551, 100/2018001,
/// 10/2018108) and media errors concern the message only, unlike the Cloud API's reading of
/// codes 10 and 200 ([`switchboard_core::channel::is_channel_error`]).
pub fn is_channel_error(code: Option<u32>, subcode: Option<u32>) -> bool {
    match (code, subcode) {
        (Some(190 | 36103), _) => true,
        (Some(200), Some(1545041)) => false,
        (Some(200), _) => true,
        (Some(10), None | Some(1893063 | 2534077)) => true,
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

/// The Send API's error envelope: its code table, and the `error_subcode` (with
/// `error_user_msg`) as the details, where [`subcode`] reads it back.
pub(crate) const SEND_API_ERRORS: GraphErrors = GraphErrors {
    classify,
    details: send_api_details,
};

fn send_api_details(err: &Value) -> Option<String> {
    let user_msg = str_of(err.get("error_user_msg"));
    match (u32_of(err.get("error_subcode")), user_msg) {
        (Some(s), Some(m)) => Some(format!("{SUBCODE_PREFIX}{s}: {m}")),
        (Some(s), None) => Some(format!("{SUBCODE_PREFIX}{s}")),
        (None, m) => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_error::from_graph_answer;
    use reqwest::header::HeaderMap;
    use std::time::Duration;

    fn from_answer(status: u16, headers: &HeaderMap, body: &[u8], token: &str) -> ConnectorError {
        from_graph_answer(&SEND_API_ERRORS, status, headers, body, token)
    }
    use reqwest::header::HeaderValue;
    use ErrorClass::*;

    #[test]
    fn table() {
        let cases: &[(Option<u16>, Option<u32>, bool, ErrorClass)] = &[
            (Some(400), Some(4), false, RateLimited),
            (Some(400), Some(17), false, RateLimited),
            (Some(400), Some(32), false, RateLimited),
            (Some(400), Some(613), false, RateLimited),
            (Some(429), None, false, RateLimited),
            (Some(429), Some(100), false, RateLimited),
            (Some(500), Some(1), false, Transient),
            (Some(500), Some(2), true, Transient),
            (Some(400), Some(2), false, Transient),
            (Some(502), None, false, Transient),
            (Some(500), Some(12345), false, Transient),
            (Some(400), Some(12345), true, Transient),
            (None, None, false, Transient),
            (Some(400), Some(10), false, Permanent),
            (Some(400), Some(100), false, Permanent),
            (Some(500), Some(100), true, Permanent),
            (Some(401), Some(190), false, Permanent),
            (Some(400), Some(200), false, Permanent),
            (Some(400), Some(551), false, Permanent),
            (Some(400), Some(2018300), false, Permanent),
            (Some(400), Some(9000001), false, Permanent),
            (Some(500), Some(36103), false, Permanent),
            (Some(400), Some(12345), false, Permanent),
            (Some(404), None, false, Permanent),
        ];
        for (status, code, transient, want) in cases {
            assert_eq!(
                classify(*status, *code, *transient),
                *want,
                "{status:?} {code:?} {transient}"
            );
        }
    }

    #[test]
    fn channel_errors_are_not_message_errors() {
        assert!(is_channel_error(Some(190), None));
        assert!(is_channel_error(Some(200), Some(2018028)));
        assert!(is_channel_error(Some(10), Some(1893063)));
        assert!(is_channel_error(Some(10), None));
        assert!(!is_channel_error(Some(10), Some(2018108)));
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
            h.insert(
                reqwest::header::RETRY_AFTER,
                HeaderValue::from_str(r).expect("header"),
            );
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
