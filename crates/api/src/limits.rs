//! Abuse limits per API key, kept in memory on each node: a request rate (a token bucket per
//! key, spent once per authenticated request) and the number of event streams a key holds
//! open. Neither is shared between nodes: behind a balancer of N nodes a key gets up to N
//! times the configured figures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_core::id::KeyId;
use switchboard_core::ratelimit::TokenBucket;
use switchboard_core::time::now_millis;

use crate::error::{ApiError, ApiResult};

/// Keys whose buckets are kept before full ones (idle keys) are forgotten.
const BUCKETS_KEPT: usize = 10_000;

/// The configured limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyLimitSettings {
    /// Requests per second per key; 0 turns the rate limit off.
    pub requests_per_second: f64,
    /// Requests a key may make at once before the rate applies.
    pub burst: u32,
    /// Event streams one key may hold open at once.
    pub streams: u32,
}

/// The request rate of each key.
pub struct KeyRates {
    settings: KeyLimitSettings,
    buckets: Mutex<HashMap<KeyId, TokenBucket>>,
}

impl KeyRates {
    /// Rates under `settings`.
    pub fn new(settings: KeyLimitSettings) -> Self {
        Self {
            settings,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Spends one request of `key`: 429 `rate_limited`, with the seconds to wait, when its
    /// bucket is empty.
    pub fn spend(&self, key: KeyId) -> ApiResult<()> {
        let per_second = self.settings.requests_per_second;
        if per_second <= 0.0 {
            return Ok(());
        }
        let now = now_millis();
        let wait_ms = {
            let Ok(mut buckets) = self.buckets.lock() else {
                return Ok(());
            };
            if buckets.len() >= BUCKETS_KEPT && !buckets.contains_key(&key) {
                buckets.retain(|_, bucket| !bucket.is_full(now));
            }
            buckets
                .entry(key)
                .or_insert_with(|| {
                    TokenBucket::new(f64::from(self.settings.burst), per_second, now)
                })
                .try_take(now)
        };
        if wait_ms == 0 {
            return Ok(());
        }
        let seconds = wait_ms.div_ceil(1000).max(1);
        Err(ApiError::TooManyRequests {
            code: "rate_limited",
            message: format!(
                "this key made more than {per_second} requests per second (burst {}): retry in {seconds} s (http.key_requests_per_second)",
                self.settings.burst
            ),
            retry_after_secs: seconds,
        })
    }
}

/// The event streams each key holds open.
pub struct StreamSlots {
    limit: u32,
    open: Arc<Mutex<HashMap<KeyId, u32>>>,
}

impl StreamSlots {
    /// At most `limit` streams per key.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Takes a slot for one more stream of `key`, given back when the slot is dropped; 429
    /// `too_many_streams` when the key holds its limit already.
    pub fn open(&self, key: KeyId) -> ApiResult<StreamSlot> {
        let refused = || {
            ApiError::TooManyRequests {
            code: "too_many_streams",
            message: format!(
                "this key holds {} event streams open already (http.streams_per_key): close one, or follow one stream with several filters client-side",
                self.limit
            ),
            retry_after_secs: 1,
        }
        };
        let mut open = self.open.lock().map_err(|_| refused())?;
        let count = open.entry(key).or_insert(0);
        if *count >= self.limit {
            return Err(refused());
        }
        *count += 1;
        Ok(StreamSlot {
            key,
            open: self.open.clone(),
        })
    }
}

/// One open stream of a key; dropping it frees the slot.
pub struct StreamSlot {
    key: KeyId,
    open: Arc<Mutex<HashMap<KeyId, u32>>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(count) = open.get_mut(&self.key) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&self.key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(requests_per_second: f64, burst: u32) -> KeyLimitSettings {
        KeyLimitSettings {
            requests_per_second,
            burst,
            streams: 2,
        }
    }

    #[test]
    fn a_key_spends_its_burst_then_is_told_when_to_retry() {
        let rates = KeyRates::new(settings(0.5, 3));
        let key = KeyId::new();
        for _ in 0..3 {
            rates.spend(key).unwrap();
        }
        match rates.spend(key) {
            Err(ApiError::TooManyRequests {
                code,
                retry_after_secs,
                ..
            }) => {
                assert_eq!(code, "rate_limited");
                assert!((1..=2).contains(&retry_after_secs), "{retry_after_secs}");
            }
            other => panic!("{other:?}"),
        }
        rates.spend(KeyId::new()).unwrap();
    }

    #[test]
    fn zero_turns_the_rate_off() {
        let rates = KeyRates::new(settings(0.0, 1));
        let key = KeyId::new();
        for _ in 0..100 {
            rates.spend(key).unwrap();
        }
    }

    #[test]
    fn a_dropped_stream_frees_its_slot() {
        let slots = StreamSlots::new(2);
        let key = KeyId::new();
        let first = slots.open(key).unwrap();
        let _second = slots.open(key).unwrap();
        assert!(slots.open(key).is_err());
        let _other = slots.open(KeyId::new()).unwrap();
        drop(first);
        let _third = slots.open(key).unwrap();
    }
}
