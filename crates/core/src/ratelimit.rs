//! Token-bucket arithmetic for local rate limits (messages per second per channel, messages
//! per recipient pair). Pure: the caller passes the time.

/// A token bucket: holds up to `capacity` tokens, refilled at `per_second`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated_ms: i64,
}

impl TokenBucket {
    /// A full bucket at time `now_ms`.
    pub fn new(capacity: f64, per_second: f64, now_ms: i64) -> Self {
        let capacity = capacity.max(1.0);
        Self {
            capacity,
            per_second: per_second.max(f64::MIN_POSITIVE),
            tokens: capacity,
            updated_ms: now_ms,
        }
    }

    fn refill(&mut self, now_ms: i64) {
        if now_ms > self.updated_ms {
            let elapsed = (now_ms - self.updated_ms) as f64 / 1000.0;
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
            self.updated_ms = now_ms;
        }
    }

    /// Takes one token if available and returns 0; otherwise takes nothing and returns how
    /// many milliseconds until one is available.
    pub fn try_take(&mut self, now_ms: i64) -> u64 {
        self.refill(now_ms);
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            0
        } else {
            let missing = 1.0 - self.tokens;
            ((missing / self.per_second) * 1000.0 - 1e-6)
                .ceil()
                .max(1.0) as u64
        }
    }

    /// The tokens available at `now_ms` (fractional while refilling).
    pub fn tokens(&mut self, now_ms: i64) -> f64 {
        self.refill(now_ms);
        self.tokens
    }

    /// Whether the bucket is full at `now_ms` (and so can be forgotten).
    pub fn is_full(&mut self, now_ms: i64) -> bool {
        self.refill(now_ms);
        self.tokens >= self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::TokenBucket;
    use proptest::prelude::*;

    #[test]
    fn bursts_then_paces() {
        let mut b = TokenBucket::new(3.0, 1.0 / 6.0, 0);
        assert_eq!(b.try_take(0), 0);
        assert_eq!(b.try_take(0), 0);
        assert_eq!(b.try_take(0), 0);
        assert_eq!(b.try_take(0), 6_000);
        assert_eq!(b.try_take(5_999), 1);
        assert_eq!(b.try_take(6_000), 0);
    }

    proptest! {
        #[test]
        fn never_exceeds_the_rate(per_second in 1.0f64..1000.0, steps in proptest::collection::vec(0i64..50, 1..300)) {
            let mut b = TokenBucket::new(per_second, per_second, 0);
            let mut now = 0i64;
            let mut taken = 0u64;
            for step in steps {
                now += step;
                if b.try_take(now) == 0 { taken += 1; }
            }
            let allowed = per_second + per_second * now as f64 / 1000.0;
            prop_assert!(taken as f64 <= allowed + 1e-6);
        }
    }
}
