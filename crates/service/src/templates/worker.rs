//! The template sync worker: every `sync_interval_ms` it syncs the channels that have
//! non-final templates (PENDING, IN_APPEAL), so review results arrive even without Meta's
//! `message_template_status_update` webhook; every `full_sync_interval_ms` (first one after
//! one interval) it syncs every channel, to pick up templates created, changed or deleted
//! elsewhere (e.g. in WhatsApp Manager).

use std::time::Duration;

use switchboard_core::template_def::TemplateStatus;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::sync::sync_channel;
use super::TemplateParts;
use super::TemplateSettings;

/// Statuses that the review or an appeal will still change.
pub const NON_FINAL: [TemplateStatus; 2] = [TemplateStatus::Pending, TemplateStatus::InAppeal];

/// Starts the worker; it stops when `cancel` fires.
pub fn spawn(
    gateway: TemplateParts,
    settings: TemplateSettings,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let interval = Duration::from_millis(settings.sync_interval_ms.max(100));
        let full = (settings.full_sync_interval_ms > 0)
            .then(|| Duration::from_millis(settings.full_sync_interval_ms.max(1000)));
        let mut next_full = full.map(|f| Instant::now() + f);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {},
                _ = cancel.cancelled() => return,
            }
            let everything = next_full.is_some_and(|at| Instant::now() >= at);
            if everything {
                next_full = full.map(|f| Instant::now() + f);
            }
            run_once(&gateway, everything, &cancel).await;
        }
    })
}

/// One round: the channels with non-final templates, or every channel.
pub async fn run_once(gateway: &TemplateParts, everything: bool, cancel: &CancellationToken) {
    let channels = if everything {
        gateway
            .store
            .all_channels()
            .await
            .map(|all| all.into_iter().map(|c| c.id).collect())
    } else {
        gateway.store.channels_with_templates_in(&NON_FINAL).await
    };
    let channels = match channels {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "template sync: listing channels failed");
            return;
        }
    };
    for id in channels {
        if cancel.is_cancelled() {
            return;
        }
        let channel = match gateway.store.find_channel(id).await {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(channel_id = %id, error = %e, "template sync: reading the channel failed");
                continue;
            }
        };
        if let Err(e) = sync_channel(gateway, &channel).await {
            tracing::warn!(channel_id = %id, error = %e, "template sync failed; retrying next round");
        }
    }
}
