//! Local rate limits, so the upstream's 130429 and 131056 (Telegram's 429) are rare: messages
//! per second per channel, and a pair rate per (channel, recipient) with a burst. WhatsApp
//! channels use [`LimitSettings`]; Telegram bots Telegram's guidance ([`TELEGRAM`]: 30
//! messages per second per bot, one per second per chat after a burst of 3, 20 per minute in
//! a group); Messenger Pages and Instagram accounts Meta's Send API rate ([`META_PAGE`]: 300
//! calls per second per Page, and our own pacing of one thread).

use std::collections::HashMap;
use std::sync::Mutex;

use switchboard_core::channel::ChannelKind;
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

/// One kind's rates: per channel, and per recipient with a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Messages per second per channel.
    pub channel_mps: f64,
    /// Messages to one recipient in a burst.
    pub pair_burst: f64,
    /// Sustained messages per second to one recipient.
    pub pair_per_second: f64,
}

/// Telegram's published pacing for a bot in a private chat.
pub const TELEGRAM: Rates = Rates {
    channel_mps: 30.0,
    pair_burst: 3.0,
    pair_per_second: 1.0,
};

/// Telegram's pacing in a group (a negative `chat_id`): 20 messages per minute.
pub const TELEGRAM_GROUP: Rates = Rates {
    channel_mps: 30.0,
    pair_burst: 3.0,
    pair_per_second: 20.0 / 60.0,
};

/// Meta's Send API rate for a Messenger Page or an Instagram account: 300 calls per second
/// (text, links, reactions; Meta's 10 per second for audio and video is left to its 613
/// answer, retried after a backoff). Meta says a single thread may be limited too without a
/// figure: one message per second after a burst of 10 keeps a conversation readable.
pub const META_PAGE: Rates = Rates {
    channel_mps: 300.0,
    pair_burst: 10.0,
    pair_per_second: 1.0,
};

impl LimitSettings {
    /// These settings as [`Rates`].
    pub fn rates(&self) -> Rates {
        Rates {
            channel_mps: self.channel_mps,
            pair_burst: self.pair_burst,
            pair_per_second: self.pair_per_second,
        }
    }
}

/// The rates of a channel of `kind` sending to `chat`.
pub fn rates_for(settings: &LimitSettings, kind: ChannelKind, chat: &str) -> Rates {
    match kind {
        ChannelKind::Telegram if chat.starts_with('-') => TELEGRAM_GROUP,
        ChannelKind::Telegram => TELEGRAM,
        ChannelKind::Messenger | ChannelKind::Instagram => META_PAGE,
        _ => settings.rates(),
    }
}

/// The buckets of every channel and pair, in memory (the upstream is the final judge).
pub struct Limiter {
    settings: LimitSettings,
    channels: Mutex<HashMap<ChannelId, ChannelBucket>>,
    pairs: Mutex<HashMap<(ChannelId, String), TokenBucket>>,
}

/// A channel's bucket, and whether it ran dry since it was last full.
struct ChannelBucket {
    bucket: TokenBucket,
    limited: bool,
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
        self.acquire_at(self.settings.rates(), channel, chat, now)
    }

    /// [`Limiter::acquire`] at the rates of a channel of `kind`.
    pub fn acquire_for(
        &self,
        kind: ChannelKind,
        channel: ChannelId,
        chat: &str,
        now: Millis,
    ) -> u64 {
        self.acquire_at(rates_for(&self.settings, kind, chat), channel, chat, now)
    }

    /// The channels that ran out of tokens since their bucket was last full and hold fewer
    /// than `below` tokens at `now`, each with the whole tokens it has: the dispatcher claims
    /// no more of their messages than that, so a busy channel's messages are not claimed only
    /// to be released for the limit. A channel leaves the list when its bucket is full again
    /// (it went quiet); channels never limited are not listed, so an unhurried gateway claims
    /// everything due at once.
    pub fn short_channels(&self, now: Millis, below: f64) -> Vec<(ChannelId, u32)> {
        let mut channels = match self.channels.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        channels
            .iter_mut()
            .filter_map(|(id, channel)| {
                if !channel.limited {
                    return None;
                }
                if channel.bucket.is_full(now) {
                    channel.limited = false;
                    return None;
                }
                let tokens = channel.bucket.tokens(now);
                (tokens < below).then(|| (*id, (tokens + 1e-9).floor() as u32))
            })
            .collect()
    }

    fn acquire_at(&self, rates: Rates, channel: ChannelId, chat: &str, now: Millis) -> u64 {
        let mut pairs = match self.pairs.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        if pairs.len() > PAIRS_BEFORE_SWEEP {
            pairs.retain(|_, b| !b.is_full(now));
        }
        let pair = pairs
            .entry((channel, chat.to_string()))
            .or_insert_with(|| TokenBucket::new(rates.pair_burst, rates.pair_per_second, now));
        let mut probe = pair.clone();
        let pair_wait = probe.try_take(now);
        if pair_wait > 0 {
            return pair_wait;
        }
        let mut channels = match self.channels.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entry = channels.entry(channel).or_insert_with(|| ChannelBucket {
            bucket: TokenBucket::new(rates.channel_mps, rates.channel_mps, now),
            limited: false,
        });
        let channel_wait = entry.bucket.try_take(now);
        if channel_wait > 0 {
            entry.limited = true;
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
    fn telegram_bots_pace_per_chat_and_per_group() {
        let limiter = Limiter::new(LimitSettings::default());
        let ch = ChannelId::new();
        let kind = ChannelKind::Telegram;
        for _ in 0..3 {
            assert_eq!(limiter.acquire_for(kind, ch, "42", 0), 0);
        }
        let wait = limiter.acquire_for(kind, ch, "42", 0);
        assert!(wait > 0 && wait <= 1000, "{wait}");
        assert_eq!(limiter.acquire_for(kind, ch, "42", 1000), 0);
        for _ in 0..3 {
            assert_eq!(limiter.acquire_for(kind, ch, "-1001", 0), 0);
        }
        assert!(
            limiter.acquire_for(kind, ch, "-1001", 1000) > 1000,
            "20 a minute in a group"
        );
        let cloud = rates_for(&LimitSettings::default(), ChannelKind::Cloud, "16505551234");
        assert_eq!(cloud.channel_mps, 80.0);
    }

    #[test]
    fn short_channels_ran_dry_and_are_below_the_threshold() {
        let limiter = Limiter::new(LimitSettings {
            channel_mps: 4.0,
            pair_burst: 10.0,
            pair_per_second: 10.0,
        });
        let (busy, calm) = (ChannelId::new(), ChannelId::new());
        assert!(
            limiter.short_channels(0, 4.0).is_empty(),
            "unknown channels"
        );
        for chat in ["a", "b", "c"] {
            assert_eq!(limiter.acquire(calm, chat, 0), 0);
        }
        assert!(
            limiter.short_channels(0, 4.0).is_empty(),
            "a channel that never ran dry claims freely"
        );
        for chat in ["a", "b", "c", "d"] {
            assert_eq!(limiter.acquire(busy, chat, 0), 0);
        }
        assert!(limiter.acquire(busy, "e", 0) > 0);
        assert_eq!(limiter.short_channels(0, 4.0), vec![(busy, 0)]);
        assert_eq!(limiter.short_channels(500, 4.0), vec![(busy, 2)]);
        assert!(
            limiter.short_channels(500, 2.0).is_empty(),
            "enough tokens for the batch"
        );
        assert!(limiter.short_channels(1_000, 4.0).is_empty(), "full again");
        assert!(
            limiter.short_channels(1_000, 5.0).is_empty(),
            "and forgiven"
        );
    }

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
