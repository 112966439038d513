//! Retry backoff: exponential with full jitter bounds, given a random fraction so it stays
//! pure and testable.

/// Delay before attempt `attempt` (1 = the first retry): `base · 2^(attempt-1)`, capped at
/// `max`, then scaled by a jitter factor in `[1 - jitter, 1 + jitter]` chosen by `random`
/// (a value in `[0, 1)`).
pub fn backoff_millis(attempt: u32, base: u64, max: u64, jitter: f64, random: f64) -> u64 {
    let exp = attempt.saturating_sub(1).min(32);
    let raw = base.saturating_mul(1u64 << exp).min(max);
    let jitter = jitter.clamp(0.0, 1.0);
    let factor = 1.0 - jitter + 2.0 * jitter * random.clamp(0.0, 1.0);
    ((raw as f64) * factor).round() as u64
}

#[cfg(test)]
mod tests {
    use super::backoff_millis;
    use proptest::prelude::*;

    #[test]
    fn doubles_until_the_cap() {
        assert_eq!(backoff_millis(1, 500, 60_000, 0.0, 0.3), 500);
        assert_eq!(backoff_millis(2, 500, 60_000, 0.0, 0.3), 1_000);
        assert_eq!(backoff_millis(5, 500, 60_000, 0.0, 0.3), 8_000);
        assert_eq!(backoff_millis(40, 500, 60_000, 0.0, 0.3), 60_000);
    }

    proptest! {
        #[test]
        fn jitter_stays_within_bounds(attempt in 1u32..50, random in 0.0f64..1.0) {
            let plain = backoff_millis(attempt, 500, 60_000, 0.0, 0.0);
            let jittered = backoff_millis(attempt, 500, 60_000, 0.2, random);
            prop_assert!(jittered as f64 >= plain as f64 * 0.8 - 1.0);
            prop_assert!(jittered as f64 <= plain as f64 * 1.2 + 1.0);
        }
    }
}
