//! The `getUpdates` worker for telegram channels with `inbound: "polling"` (installs without a
//! public URL). Every [`PollSettings::refresh`] it lists such channels and runs one loop per
//! channel; a loop polls only while it holds the channel's lease in the store
//! ([`PollStore`](switchboard_store::PollStore)), so one node polls a bot at a time, and
//! records each update (the same path as the webhook's) before it saves the next offset.

use std::collections::HashMap;
use std::time::Duration;

use switchboard_core::channel::{ChannelKind, ChannelSettings, TelegramInbound};
use switchboard_core::id::ChannelId;
use switchboard_core::time::now_millis;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::media::inbound::InboundParts;

/// Polling settings.
#[derive(Debug, Clone)]
pub struct PollSettings {
    /// How long a `getUpdates` call waits for an update, in seconds (Telegram caps it at 50).
    pub timeout_s: u32,
    /// How long a node's lease on a channel lasts without renewal.
    pub lease_ms: i64,
    /// How often the list of polling channels is read again.
    pub refresh: Duration,
    /// The pause after a failed call or while another node holds the lease.
    pub backoff: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            timeout_s: 25,
            lease_ms: 60_000,
            refresh: Duration::from_secs(5),
            backoff: Duration::from_secs(2),
        }
    }
}

fn polls(settings: &ChannelSettings) -> bool {
    matches!(settings, ChannelSettings::Telegram(t) if t.inbound == TelegramInbound::Polling)
}

/// Starts the worker; it stops when `cancel` fires.
pub fn spawn(
    parts: InboundParts,
    settings: PollSettings,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let owner = format!("node-{}", switchboard_core::secret::random_hex(8));
        let mut loops: HashMap<ChannelId, JoinHandle<()>> = HashMap::new();
        loop {
            match parts.store.all_channels().await {
                Ok(channels) => {
                    loops.retain(|_, h| !h.is_finished());
                    for c in channels {
                        if c.kind == ChannelKind::Telegram
                            && polls(&c.settings)
                            && !loops.contains_key(&c.id)
                        {
                            let task = channel_loop(
                                parts.clone(),
                                settings.clone(),
                                owner.clone(),
                                c.id,
                                cancel.clone(),
                            );
                            loops.insert(c.id, tokio::spawn(task));
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "listing the polling channels failed"),
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(settings.refresh) => {}
            }
        }
        for (_, h) in loops {
            let _ = h.await;
        }
    })
}

/// Polls one channel until it is deleted, stops polling, or `cancel` fires; then gives its
/// lease up so another node (or this one restarted) polls at once.
async fn channel_loop(
    parts: InboundParts,
    settings: PollSettings,
    owner: String,
    id: ChannelId,
    cancel: CancellationToken,
) {
    poll_channel(&parts, &settings, &owner, id, &cancel).await;
    if let Err(e) = parts.store.release_poll(id, &owner).await {
        tracing::debug!(channel_id = %id, error = %e, "giving up the polling lease failed; it runs out");
    }
}

async fn poll_channel(
    parts: &InboundParts,
    settings: &PollSettings,
    owner: &str,
    id: ChannelId,
    cancel: &CancellationToken,
) {
    let pause = |d: Duration| {
        let cancel = cancel.clone();
        async move {
            tokio::select! {
                _ = cancel.cancelled() => false,
                _ = tokio::time::sleep(d) => true,
            }
        }
    };
    while !cancel.is_cancelled() {
        let channel = match parts.store.find_channel(id).await {
            Ok(Some(c)) if polls(&c.settings) => c,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(channel_id = %id, error = %e, "reading a polling channel failed");
                if !pause(settings.backoff).await {
                    return;
                }
                continue;
            }
        };
        let offset = match parts
            .store
            .lease_poll(id, owner, now_millis(), settings.lease_ms)
            .await
        {
            Ok(Some(offset)) => offset,
            Ok(None) => {
                if !pause(settings.backoff).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(channel_id = %id, error = %e, "taking the polling lease failed");
                if !pause(settings.backoff).await {
                    return;
                }
                continue;
            }
        };
        let connector = match parts.upstream.connector(&channel) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(channel_id = %id, error = %e, "no connector for a polling channel");
                if !pause(settings.backoff).await {
                    return;
                }
                continue;
            }
        };
        let polled = tokio::select! {
            _ = cancel.cancelled() => return,
            r = connector.poll_inbound(offset, settings.timeout_s) => r,
        };
        let updates = match polled {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(channel_id = %id, error = %e, "getUpdates failed");
                if !pause(settings.backoff).await {
                    return;
                }
                continue;
            }
        };
        let mut next = offset;
        for update in &updates {
            let Some(update_id) = update["update_id"].as_i64() else {
                continue;
            };
            if let Err(e) = super::record_update(parts, &channel, update, now_millis()).await {
                // Not confirmed: the next poll gets it again (duplicates are dropped by
                // upstream id).
                tracing::warn!(channel_id = %id, error = %e, "recording a polled update failed");
                break;
            }
            next = next.max(update_id + 1);
        }
        if next != offset {
            if let Err(e) = parts.store.save_poll_offset(id, owner, next).await {
                tracing::warn!(channel_id = %id, error = %e, "saving the polling offset failed");
            }
        }
    }
}
