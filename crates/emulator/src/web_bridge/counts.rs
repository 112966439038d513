//! Live and peak WebSocket connections per channel (a test of two nodes asserts that at most
//! one drove a channel at a time).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;

/// A channel's bridge connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ConnectionCounts {
    /// Open now.
    pub live: u64,
    /// The most ever open at once.
    pub max_concurrent: u64,
    /// Opened since the bridge started.
    pub total: u64,
}

/// The counts of every channel.
#[derive(Default)]
pub(super) struct Counts {
    channels: Arc<Mutex<HashMap<String, ConnectionCounts>>>,
}

impl Counts {
    fn lock(
        channels: &Mutex<HashMap<String, ConnectionCounts>>,
    ) -> MutexGuard<'_, HashMap<String, ConnectionCounts>> {
        channels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a connection of `channel_id` open until the returned guard drops.
    pub(super) fn open(&self, channel_id: &str) -> Live {
        let mut channels = Self::lock(&self.channels);
        let counts = channels.entry(channel_id.to_string()).or_default();
        counts.live += 1;
        counts.total += 1;
        counts.max_concurrent = counts.max_concurrent.max(counts.live);
        Live {
            channels: self.channels.clone(),
            channel_id: channel_id.to_string(),
        }
    }

    /// The counts of `channel_id` (zeros for a channel never connected).
    pub(super) fn of(&self, channel_id: &str) -> ConnectionCounts {
        Self::lock(&self.channels)
            .get(channel_id)
            .copied()
            .unwrap_or_default()
    }
}

/// One open connection; closing it (dropping) counts it out.
pub(super) struct Live {
    channels: Arc<Mutex<HashMap<String, ConnectionCounts>>>,
    channel_id: String,
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(counts) = Counts::lock(&self.channels).get_mut(&self.channel_id) {
            counts.live = counts.live.saturating_sub(1);
        }
    }
}
