//! Webhook delivery settings.

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Allow private, loopback and link-local targets (local development and tests).
    pub allow_private_targets: bool,
    /// Timeout of one delivery attempt.
    pub request_timeout_ms: u64,
    /// Attempts in flight at once, over all endpoints.
    pub concurrency: usize,
    /// Attempts in flight at once to one subscription, so a slow endpoint cannot take every slot.
    pub per_endpoint_concurrency: usize,
    /// Delay before each retry; after the last entry, `daily_retry_ms` repeats.
    pub retry_schedule_ms: Vec<u64>,
    /// Delay between retries once the schedule ran out.
    pub daily_retry_ms: u64,
    /// A delivery older than this is given up.
    pub max_age_ms: i64,
    /// A subscription failing continuously this long is disabled.
    pub disable_after_ms: i64,
    /// Shortest wait after a 429 or a timeout.
    pub throttle_floor_ms: u64,
    /// Longest `Retry-After` honoured.
    pub max_retry_after_ms: u64,
    /// How often the fan-out and the deliverer look for work when idle.
    pub poll_ms: u64,
    /// How long a claimed delivery is leased.
    pub lease_ms: i64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            request_timeout_ms: 10_000,
            concurrency: 64,
            per_endpoint_concurrency: 4,
            retry_schedule_ms: vec![
                5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000,
                43_200_000,
            ],
            daily_retry_ms: 86_400_000,
            max_age_ms: 3 * 86_400_000,
            disable_after_ms: 5 * 86_400_000,
            throttle_floor_ms: 30_000,
            max_retry_after_ms: 3_600_000,
            poll_ms: 100,
            lease_ms: 60_000,
        }
    }
}

impl WebhookSettings {
    /// The delay before retry number `attempts` (1 = after the first failure), before jitter.
    pub fn base_delay(&self, attempts: u32) -> u64 {
        let index = attempts.saturating_sub(1) as usize;
        self.retry_schedule_ms
            .get(index)
            .copied()
            .unwrap_or(self.daily_retry_ms)
    }
}
