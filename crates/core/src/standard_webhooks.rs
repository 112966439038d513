//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `"{id}.{timestamp}.{body}"`, keyed with the base64-decoded part of a `whsec_…` secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

fn key_bytes(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(encoded)
        .unwrap_or_else(|_| encoded.as_bytes().to_vec())
}

fn mac(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key_bytes(secret)).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// One `v1,<base64>` signature of a message with `secret`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    match mac(secret, id, timestamp, body) {
        Some(m) => format!("v1,{}", STANDARD.encode(m.finalize().into_bytes())),
        None => String::new(),
    }
}

/// The `webhook-signature` header value: one signature per secret, space-separated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| sign(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a received webhook does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `v1` signature matches.
    #[error("no signature matches")]
    NoMatch,
    /// The timestamp is further than the tolerance from now.
    #[error("the timestamp is outside the tolerance")]
    Stale,
}

/// Verifies a received webhook: some `v1` signature in `header` matches (in constant time) and
/// `timestamp` is within `tolerance_secs` of `now_secs`. This is what a receiver runs.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    if (now_secs - timestamp).abs() > tolerance_secs {
        return Err(VerifyError::Stale);
    }
    for candidate in header.split_whitespace() {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            continue;
        };
        let Ok(signature) = STANDARD.decode(encoded) else {
            continue;
        };
        if let Some(m) = mac(secret, id, timestamp, body) {
            if m.verify_slice(&signature).is_ok() {
                return Ok(());
            }
        }
    }
    Err(VerifyError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // From the Standard Webhooks specification's reference implementations.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let timestamp = 1614265330;
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, timestamp, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let header = sign(secret, id, timestamp, body);
        assert_eq!(
            verify(secret, id, timestamp, body, &header, timestamp + 10, 300),
            Ok(())
        );
        assert_eq!(
            verify(secret, id, timestamp, b"x", &header, timestamp, 300),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(secret, id, timestamp, body, &header, timestamp + 301, 300),
            Err(VerifyError::Stale)
        );
    }

    #[test]
    fn any_of_several_signatures_verifies_during_rotation() {
        let old = generate_secret();
        let new = generate_secret();
        let header = signature_header(&[&new, &old], "evt_1", 10, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        assert!(verify(&old, "evt_1", 10, b"{}", &header, 10, 300).is_ok());
        assert!(verify(&new, "evt_1", 10, b"{}", &header, 10, 300).is_ok());
        assert!(verify(&generate_secret(), "evt_1", 10, b"{}", &header, 10, 300).is_err());
    }
}
