//! Syncing a channel's templates with its upstream: list them all, upsert them (with
//! `template.status` events on changes), remove those the upstream no longer has.

use switchboard_connectors::ConnectorError;
use switchboard_core::channel::Channel;
use switchboard_core::message::MessageKind;
use switchboard_core::template_record::TemplateRecord;
use switchboard_core::time::now_millis;
use switchboard_store::templates::SyncOutcome;

use super::TemplateParts;
use crate::ServiceError;

/// A service error for an upstream failure during `what`.
pub fn upstream_error(what: &str, e: ConnectorError) -> ServiceError {
    let mut message = format!("{what}: {}", e.message);
    if let Some(code) = e.code {
        message = format!("{what}: (#{code}) {}", e.message);
    }
    if let Some(details) = e.details.as_deref().filter(|d| !d.is_empty()) {
        message.push_str(": ");
        message.push_str(details);
    }
    ServiceError::Upstream {
        permanent: !e.is_retryable(),
        message,
    }
}

/// Syncs `channel`'s templates with its upstream. No transaction is held during the
/// upstream call; the store applies the list in one transaction afterwards.
pub async fn sync_channel(
    gateway: &TemplateParts,
    channel: &Channel,
) -> Result<SyncOutcome, ServiceError> {
    if !channel
        .kind
        .capabilities()
        .carries(MessageKind::Template, None)
    {
        return Ok(SyncOutcome::default());
    }
    let listed_at = now_millis();
    let entries = gateway
        .upstream
        .connector(channel)
        .map_err(|e| upstream_error("the channel has no connector", e))?
        .list_templates(None)
        .await
        .map_err(|e| upstream_error("listing the upstream's templates failed", e))?;
    let now = now_millis();
    let records: Vec<TemplateRecord> = entries
        .iter()
        .filter_map(|entry| {
            TemplateRecord::from_upstream(channel.account_id, channel.id, entry, now)
                .map_err(|e| {
                    tracing::warn!(channel_id = %channel.id, error = %e, "an upstream template was skipped");
                })
                .ok()
        })
        .collect();
    let outcome = gateway
        .store
        .sync_templates(channel.account_id, channel.id, &records, listed_at)
        .await;
    gateway.templates.invalidate(channel.id);
    let outcome = outcome?;
    // The number is learned with each sync (a failure only costs the display number).
    if let Err(e) = crate::channels::display::learn_display_number(
        gateway.store.as_ref(),
        &gateway.upstream,
        channel,
    )
    .await
    {
        tracing::debug!(channel_id = %channel.id, error = %e, "reading the display number failed");
    }
    if outcome != SyncOutcome::default() {
        tracing::info!(channel_id = %channel.id, created = outcome.created, updated = outcome.updated,
            status_changes = outcome.status_changes, removed = outcome.removed, "templates synced");
    }
    Ok(outcome)
}
