//! The two checks of a Meta webhook endpoint: the `X-Hub-Signature-256` of every POST and the
//! `hub.challenge` handshake of the subscription GET.

pub use switchboard_core::cloud_webhook::SIGNATURE_HEADER;

/// Whether `header` (`sha256=<hex>`, the [`SIGNATURE_HEADER`]) is the HMAC-SHA256 of the raw
/// `body` under `app_secret`; constant time, a malformed header is `false`. (The Cloud API's
/// [`verify`](switchboard_core::cloud_webhook::verify): Meta signs all three alike.)
pub fn verify_signature(app_secret: &str, body: &[u8], header: &str) -> bool {
    !app_secret.is_empty() && switchboard_core::cloud_webhook::verify(app_secret, body, header)
}

/// The answer to the subscription handshake `GET ?hub.mode=subscribe&hub.verify_token=…&
/// hub.challenge=…`: the challenge to echo when the mode is `subscribe` and the token equals
/// `verify_token` (compared in constant time), else `None` (answer 403).
pub fn hub_challenge<'a>(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
) -> Option<&'a str> {
    if mode != Some("subscribe") || verify_token.is_empty() {
        return None;
    }
    let token = token?;
    if !constant_time_eq(token.as_bytes(), verify_token.as_bytes()) {
        return None;
    }
    challenge
}

/// Equality whose time depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::cloud_webhook::sign;

    #[test]
    fn signatures() {
        let body = br#"{"object":"page","entry":[]}"#;
        let sig = sign("app-secret", body);
        assert!(verify_signature("app-secret", body, &sig));
        assert!(!verify_signature("other", body, &sig));
        assert!(!verify_signature("app-secret", b"{}", &sig));
        assert!(!verify_signature("app-secret", body, "sha1=00"));
        assert!(!verify_signature("", body, &sign("", body)));
    }

    #[test]
    fn challenges() {
        let ok = hub_challenge("vt", Some("subscribe"), Some("vt"), Some("1158201444"));
        assert_eq!(ok, Some("1158201444"));
        assert_eq!(
            hub_challenge("vt", Some("subscribe"), Some("vx"), Some("1")),
            None
        );
        assert_eq!(
            hub_challenge("vt", Some("unsubscribe"), Some("vt"), Some("1")),
            None
        );
        assert_eq!(
            hub_challenge("vt", Some("subscribe"), None, Some("1")),
            None
        );
        assert_eq!(
            hub_challenge("", Some("subscribe"), Some(""), Some("1")),
            None
        );
        assert_eq!(
            hub_challenge("vt", Some("subscribe"), Some("vt"), None),
            None
        );
    }
}
