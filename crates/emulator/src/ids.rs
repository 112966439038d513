//! Identifier generation: wamids, numeric Graph ids, trace ids.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use std::sync::atomic::{AtomicU64, Ordering};

/// Unique ids for one emulator instance: a random instance nonce plus a counter.
#[derive(Debug)]
pub struct IdGen {
    nonce: u64,
    counter: AtomicU64,
    numeric_base: u64,
}

impl IdGen {
    /// A generator with a fresh random nonce.
    pub fn new() -> Self {
        let nonce: u64 = rand::random();
        Self {
            nonce,
            counter: AtomicU64::new(1),
            // 16-digit ids like Meta's, distinct per instance with high probability.
            numeric_base: 1_000_000_000_000_000 + (nonce % 8_000_000_000) * 1_000_000,
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// `wamid.` followed by base64 of (`HBgL` marker, instance nonce, counter), like Meta's.
    pub fn wamid(&self) -> String {
        let mut raw = Vec::with_capacity(20);
        raw.extend_from_slice(b"SBEM");
        raw.extend_from_slice(&self.nonce.to_be_bytes());
        raw.extend_from_slice(&self.next().to_be_bytes());
        format!("wamid.HBgL{}", STANDARD.encode(raw))
    }

    /// A Messenger/Instagram message id: `m_` followed by URL-safe base64 of (instance nonce,
    /// counter).
    pub fn mid(&self) -> String {
        let mut raw = Vec::with_capacity(16);
        raw.extend_from_slice(&self.nonce.to_be_bytes());
        raw.extend_from_slice(&self.next().to_be_bytes());
        format!("m_{}", URL_SAFE_NO_PAD.encode(raw))
    }

    /// A numeric Graph id (media, templates), as a string.
    pub fn numeric(&self) -> String {
        (self.numeric_base + self.next()).to_string()
    }
}

impl Default for IdGen {
    fn default() -> Self {
        Self::new()
    }
}

/// An opaque `fbtrace_id`.
pub fn trace_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let r: u32 = rand::random();
    format!("AEm{r:08x}{n:012x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let g = IdGen::new();
        let a = g.wamid();
        let b = g.wamid();
        assert_ne!(a, b);
        assert!(a.starts_with("wamid."));
        let n = g.numeric();
        assert!(n.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(trace_id(), trace_id());
        let m = g.mid();
        assert!(m.starts_with("m_") && m != g.mid());
    }
}
