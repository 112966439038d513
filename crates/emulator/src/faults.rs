//! Fault arithmetic: seeded draws, the fault stage every emulated API passes, the per-sender
//! throughput window, the pair-rate buckets.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::config::PairRate;
use crate::state::Inner;

/// A fault the stage drew for one request; each API answers it in its own error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hit {
    /// The request hung for `timeout_ms`.
    Timeout,
    /// A 5xx.
    Unavailable,
}

/// Latency, then the seeded timeout and 5xx draws, for every request of an emulated API.
pub(crate) async fn stage(inner: &Inner) -> Option<Hit> {
    let n = inner.fault_counter.fetch_add(1, Ordering::Relaxed);
    let faults = inner.faults();
    let latency = inner
        .config
        .default_latency_ms
        .saturating_add(faults.latency_ms);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let seed = inner.config.seed;
    if draw(seed, n, 0) < faults.timeout_rate {
        tokio::time::sleep(Duration::from_millis(faults.timeout_ms)).await;
        return Some(Hit::Timeout);
    }
    if draw(seed, n, 1) < faults.error_5xx_rate {
        return Some(Hit::Unavailable);
    }
    None
}

/// Whether the channel rate limit (`Faults::channel_rate_limit_mps`) admits one more call of
/// `sender` (a bot or a page) now.
pub(crate) fn admit_channel(inner: &Inner, sender: &str) -> bool {
    match inner.faults().channel_rate_limit_mps {
        Some(limit) => crate::state::lock(&inner.throughput).admit(sender, limit, Instant::now()),
        None => true,
    }
}

/// SplitMix64 finalizer: a well-mixed 64-bit hash of `x`.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A uniform draw in `[0, 1)` determined by `(seed, request, slot)` only, so the same
/// sequence of requests draws the same numbers under the same seed.
pub fn draw(seed: u64, request: u64, slot: u64) -> f64 {
    let x = mix(seed ^ mix(request.wrapping_mul(4).wrapping_add(slot)));
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Sends admitted in the last second, per phone number.
#[derive(Debug, Default)]
pub struct Throughput {
    windows: HashMap<String, VecDeque<Instant>>,
}

impl Throughput {
    /// Admits one send for `phone` at `now` unless `limit` were already admitted in the last
    /// second; returns whether it was admitted.
    pub fn admit(&mut self, phone: &str, limit: u32, now: Instant) -> bool {
        let window = self.windows.entry(phone.to_string()).or_default();
        while let Some(first) = window.front() {
            if now.duration_since(*first) >= Duration::from_secs(1) {
                window.pop_front();
            } else {
                break;
            }
        }
        if window.len() >= limit as usize {
            return false;
        }
        window.push_back(now);
        true
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets per (phone number, recipient).
#[derive(Debug, Default)]
pub struct PairLimiter {
    buckets: HashMap<(String, String), Bucket>,
}

/// Buckets kept before full ones are pruned.
const PAIR_PRUNE_AT: usize = 100_000;

impl PairLimiter {
    /// Takes one token for the pair at `now`; returns whether one was available.
    pub fn admit(&mut self, phone: &str, to: &str, rate: &PairRate, now: Instant) -> bool {
        let burst = f64::from(rate.burst.max(1));
        let per_ms = 1.0 / rate.interval_ms.max(1) as f64;
        if self.buckets.len() >= PAIR_PRUNE_AT {
            self.buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_millis() as f64 * per_ms < burst
            });
        }
        let bucket = self
            .buckets
            .entry((phone.to_string(), to.to_string()))
            .or_insert(Bucket {
                tokens: burst,
                at: now,
            });
        let earned = now.duration_since(bucket.at).as_millis() as f64 * per_ms;
        bucket.tokens = (bucket.tokens + earned).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_uniformish() {
        assert_eq!(draw(7, 3, 0), draw(7, 3, 0));
        assert_ne!(draw(7, 3, 0), draw(7, 3, 1));
        assert_ne!(draw(7, 3, 0), draw(8, 3, 0));
        let n = 10_000;
        let below = (0..n).filter(|i| draw(42, *i, 0) < 0.25).count();
        assert!((2000..3000).contains(&below), "{below}");
        assert!((0..n).all(|i| (0.0..1.0).contains(&draw(1, i, 1))));
    }

    #[test]
    fn throughput_window() {
        let mut t = Throughput::default();
        let now = Instant::now();
        assert!(t.admit("p", 2, now));
        assert!(t.admit("p", 2, now));
        assert!(!t.admit("p", 2, now));
        assert!(t.admit("q", 2, now));
        assert!(t.admit("p", 2, now + Duration::from_millis(1001)));
    }

    #[test]
    fn pair_bucket() {
        let mut p = PairLimiter::default();
        let rate = PairRate {
            burst: 2,
            interval_ms: 100,
        };
        let now = Instant::now();
        assert!(p.admit("p", "1", &rate, now));
        assert!(p.admit("p", "1", &rate, now));
        assert!(!p.admit("p", "1", &rate, now));
        assert!(p.admit("p", "2", &rate, now));
        assert!(p.admit("p", "1", &rate, now + Duration::from_millis(100)));
    }
}
