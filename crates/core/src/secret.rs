//! Random secrets and their one-way hashes (API keys, webhook secrets).

use rand::RngCore;

/// Returns `bytes` random bytes from the operating system's generator, hex encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
