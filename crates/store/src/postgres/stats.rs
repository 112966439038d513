//! PostgreSQL: channel statistics aggregated from the message table (the shared count
//! queries, see [`crate::stats`]).

use async_trait::async_trait;
use switchboard_core::id::ChannelId;
use switchboard_core::time::Millis;

use super::PgStore;
use crate::shared_methods::shared_method;
use crate::stats::{DailyCounts, FailureCount};
use crate::StatsStore;

#[async_trait]
impl StatsStore for PgStore {
    shared_method!(
        bucket_counts(channel: ChannelId, from: Millis, to: Millis, bucket_ms: i64) -> DailyCounts =
            crate::stats::bucket_counts
    );
    shared_method!(
        failure_counts(channel: ChannelId, from: Millis, to: Millis) -> Vec<FailureCount> =
            crate::stats::failure_counts
    );
}
