//! Local rate limits, so the upstream's 130429 and 131056 are rare: messages per second per
//! channel, and a pair rate per (channel, recipient) with a burst.

use std::collections::HashMap;
use std::sync::Mutex;

use switchboard_core::id::ChannelId;
use switchboard_core::ratelimit::TokenBucket;
use switchboard_core::time::Millis;

/// Limit settings.
#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// Messages per second per channel (Cloud API default 80, up to 1000).
    pub channel_mps: f64,
    /// Messages allowed to one recipient in a burst.
    pub pair_burst: f64,
    /// Sustained messages per second to one recipient (Meta: 1 per 6 s).
    pub pair_per_second: f64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            channel_mps: 80.0,
            pair_burst: 45.0,
            pair_per_second: 1.0 / 6.0,
        }
    }
}

/// The buckets of every channel and pair, in memory (the upstream is the final judge).
pub struct Limiter {
    settings: LimitSettings,
    channels: Mutex<HashMap<ChannelId, TokenBucket>>,
    pairs: Mutex<HashMap<(ChannelId, String), TokenBucket>>,
}

/// Pair buckets kept before full ones are forgotten.
const PAIRS_BEFORE_SWEEP: usize = 100_000;

impl Limiter {
    /// A limiter with `settings`.
    pub fn new(settings: LimitSettings) -> Self {
        Self {
            settings,
            channels: Mutex::new(HashMap::new()),
            pairs: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for a message on `channel` to `chat` at `now`; returns 0 when it may go
    /// now, otherwise how long to wait (nothing is taken then).
    pub fn acquire(&self, channel: ChannelId, chat: &str, now: Millis) -> u64 {
        let mut pairs = match self.pairs.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        if pairs.len() > PAIRS_BEFORE_SWEEP {
            pairs.retain(|_, b| !b.is_full(now));
        }
        let pair = pairs.entry((channel, chat.to_string())).or_insert_with(|| {
            TokenBucket::new(self.settings.pair_burst, self.settings.pair_per_second, now)
        });
        let mut probe = pair.clone();
        let pair_wait = probe.try_take(now);
        if pair_wait > 0 {
            return pair_wait;
        }
        let mut channels = match self.channels.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let bucket = channels.entry(channel).or_insert_with(|| {
            TokenBucket::new(self.settings.channel_mps, self.settings.channel_mps, now)
        });
        let channel_wait = bucket.try_take(now);
        if channel_wait > 0 {
            return channel_wait;
        }
        *pair = probe;
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_and_channel_limits_both_apply() {
        let limiter = Limiter::new(LimitSettings {
            channel_mps: 3.0,
            pair_burst: 2.0,
            pair_per_second: 1.0,
        });
        let ch = ChannelId::new();
        assert_eq!(limiter.acquire(ch, "a", 0), 0);
        assert_eq!(limiter.acquire(ch, "a", 0), 0);
        assert!(limiter.acquire(ch, "a", 0) > 0, "pair burst used up");
        assert_eq!(limiter.acquire(ch, "b", 0), 0);
        assert!(limiter.acquire(ch, "c", 0) > 0, "channel rate used up");
        assert_eq!(limiter.acquire(ch, "c", 1_000), 0);
        assert_eq!(
            limiter.acquire(ChannelId::new(), "a", 0),
            0,
            "other channels are independent"
        );
    }
}
