//! Pairing material: QR code texts, pair codes, and the device record the fake writes into
//! the session's key store (and reads back at a resume).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use switchboard_web_driver::{Jid, KeyChange, KeyStoreError, WebError, WebErrorKind, WebKeys};

/// WhatsApp's pair code alphabet (no `0`, `I`, `O`, `U`).
pub(crate) const PAIR_CODE_ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTVWXYZ";

/// QR codes WhatsApp's server hands out per pairing.
pub(crate) const MAX_QR_REFS: u32 = 6;

/// The key store namespace and key of the device record.
pub(crate) const DEVICE_NAMESPACE: &str = "device";
const DEVICE_KEY: &str = "";

fn b64(rng: &mut StdRng, len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// The keys a pairing device shows in each of its QR codes (fixed for the pairing).
#[derive(Debug, Clone)]
pub(crate) struct PairingKeys {
    noise_pub: String,
    identity_pub: String,
    adv_secret: String,
}

impl PairingKeys {
    /// Fresh keys.
    pub fn generate(rng: &mut StdRng) -> Self {
        Self {
            noise_pub: b64(rng, 32),
            identity_pub: b64(rng, 32),
            adv_secret: b64(rng, 32),
        }
    }

    /// A QR code text for a fresh server ref: `2@<ref>,<noise pub>,<identity pub>,<adv secret>`.
    pub fn qr_code(&self, rng: &mut StdRng) -> String {
        format!(
            "2@{},{},{},{}",
            b64(rng, 48),
            self.noise_pub,
            self.identity_pub,
            self.adv_secret
        )
    }
}

/// An 8-character pair code.
pub(crate) fn pair_code(rng: &mut StdRng) -> String {
    (0..8)
        .map(|_| {
            let i = rng.random_range(0..PAIR_CODE_ALPHABET.len());
            char::from(PAIR_CODE_ALPHABET[i])
        })
        .collect()
}

/// A typed pair code as the phone compares it: dashes and spaces dropped, upper case.
pub(crate) fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The paired device, as the fake stores it under `device`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeviceRecord {
    /// The account's phone number (digits).
    pub phone: String,
    /// The device number.
    pub device: u16,
    /// The account's LID number.
    pub lid: String,
    /// The account's profile name.
    pub push_name: Option<String>,
    /// The phone's platform.
    pub platform: String,
}

impl DeviceRecord {
    /// A new device of `phone` (digits), with a seeded device number and LID.
    pub fn new(rng: &mut StdRng, phone: &str, push_name: Option<String>) -> Self {
        Self {
            phone: phone.to_string(),
            device: rng.random_range(2..=40),
            lid: rng
                .random_range(10_000_000_000_000u64..100_000_000_000_000)
                .to_string(),
            push_name,
            platform: "android".to_string(),
        }
    }

    /// The device's JID, `<phone>:<device>@s.whatsapp.net`.
    pub fn jid(&self) -> Result<Jid, WebError> {
        Jid::parse(&format!("{}:{}@s.whatsapp.net", self.phone, self.device))
            .map_err(|e| WebError::new(WebErrorKind::Keys, e.to_string()))
    }

    /// The account's LID, `<n>@lid`.
    pub fn lid_jid(&self) -> Option<Jid> {
        Jid::parse(&format!("{}@lid", self.lid)).ok()
    }

    /// The key store changes of a pairing: the device record, the device's identity, and
    /// the phone's identity and session.
    pub fn changes(&self, rng: &mut StdRng) -> Result<Vec<KeyChange>, WebError> {
        let record = serde_json::to_vec(self)
            .map_err(|e| WebError::new(WebErrorKind::Keys, format!("device record: {e}")))?;
        let mut bytes = |len: usize| {
            let mut v = vec![0u8; len];
            rng.fill_bytes(&mut v);
            v
        };
        let put = |namespace: &str, key: String, value: Vec<u8>| KeyChange::Put {
            namespace: namespace.to_string(),
            key,
            value,
        };
        Ok(vec![
            put(DEVICE_NAMESPACE, DEVICE_KEY.to_string(), record),
            put("identity", "self".to_string(), bytes(32)),
            put("identity", format!("{}.0", self.phone), bytes(32)),
            put("session", format!("{}.0", self.phone), bytes(64)),
            put("prekey", "1".to_string(), bytes(32)),
        ])
    }

    /// Reads the device record from `keys` (none when absent or not the fake's).
    pub async fn read(keys: &dyn WebKeys) -> Result<Option<Self>, WebError> {
        let raw = keys
            .get(DEVICE_NAMESPACE, DEVICE_KEY)
            .await
            .map_err(keys_error)?;
        Ok(raw.and_then(|raw| serde_json::from_slice(&raw).ok()))
    }
}

/// A key store failure as a session error.
pub(crate) fn keys_error(e: KeyStoreError) -> WebError {
    WebError::new(WebErrorKind::Keys, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn codes_look_like_whatsapps_and_follow_the_seed() {
        let mut a = StdRng::seed_from_u64(7);
        let mut b = StdRng::seed_from_u64(7);
        let keys = PairingKeys::generate(&mut a);
        let qr = keys.qr_code(&mut a);
        assert!(qr.starts_with("2@"));
        assert_eq!(qr.split(',').count(), 4);
        let keys_b = PairingKeys::generate(&mut b);
        assert_eq!(qr, keys_b.qr_code(&mut b));
        let code = pair_code(&mut a);
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|c| PAIR_CODE_ALPHABET.contains(&c)));
        assert_eq!(normalize_code("abcd-efgh"), "ABCDEFGH");
    }
}
