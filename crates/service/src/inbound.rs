//! Inbound Cloud API webhooks: statuses matched to our messages by upstream id (kept when
//! they overtake the send answer), inbound messages stored once with their contact and
//! window, each with its event.

use serde_json::{json, Value};
use switchboard_core::channel::Channel;
use switchboard_core::cloud_webhook::{ChangeValue, MessagesValue, WebhookPayload};
use switchboard_core::event::{MESSAGE_REACTION, MESSAGE_RECEIVED};
use switchboard_core::id::MessageId;
use switchboard_core::record::{MessageRecord, StatusReport};
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::template_def::TemplateStatus;
use switchboard_core::template_record::reason as template_reason;
use switchboard_core::time::Millis;
use switchboard_store::messages::NewInbound;
use switchboard_store::{Store, StoreError};

/// What one webhook delivery changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundSummary {
    /// New inbound messages stored.
    pub messages: usize,
    /// Duplicate inbound messages ignored.
    pub duplicates: usize,
    /// Statuses applied or recorded.
    pub statuses: usize,
    /// Statuses kept until their message's send answer arrives.
    pub pending_statuses: usize,
    /// Template status updates (`message_template_status_update`) matched to a stored
    /// template; the caller invalidates the channel's template cache when non-zero.
    pub templates: usize,
    /// Changes skipped (another phone number, unknown fields).
    pub skipped: usize,
}

fn upstream_time(timestamp: &str, now: Millis) -> Millis {
    timestamp
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .map(|s| s.saturating_mul(1000))
        .unwrap_or(now)
}

fn errors_json(
    errors: &Option<Vec<switchboard_core::cloud_webhook::WebhookError>>,
) -> Option<Value> {
    errors
        .as_ref()
        .filter(|e| !e.is_empty())
        .and_then(|e| serde_json::to_value(e).ok())
}

/// What the upstream said beside a status, kept in its event's `data.upstream`: the display
/// number and the status object's fields beyond `id`, `status`, `timestamp`, `recipient_id`
/// and `errors` (Meta's `conversation`, `pricing`, …), so the `meta` webhook format can
/// repeat them.
fn status_upstream(
    value: &MessagesValue,
    status: &switchboard_core::cloud_webhook::StatusUpdate,
) -> Value {
    let mut fields = serde_json::Map::new();
    if let Ok(Value::Object(all)) = serde_json::to_value(status) {
        for (k, v) in all {
            if !matches!(
                k.as_str(),
                "id" | "status" | "timestamp" | "recipient_id" | "errors"
            ) {
                fields.insert(k, v);
            }
        }
    }
    json!({
        "display_phone_number": value.metadata.display_phone_number,
        "fields": fields,
    })
}

/// Records everything in a verified webhook payload for `channel`.
pub async fn record_cloud_webhook(
    store: &dyn Store,
    channel: &Channel,
    payload: &WebhookPayload,
    now: Millis,
) -> Result<InboundSummary, StoreError> {
    let mut summary = InboundSummary::default();
    let Some(cloud) = channel.settings.cloud() else {
        return Ok(summary);
    };
    for entry in &payload.entry {
        for change in &entry.changes {
            match &change.value {
                ChangeValue::Messages(value)
                    if value.metadata.phone_number_id == cloud.phone_number_id =>
                {
                    record_messages_value(store, channel, value, now, &mut summary).await?;
                }
                ChangeValue::TemplateStatus(update) if entry.id == cloud.waba_id => {
                    let status = TemplateStatus::parse(&update.event);
                    let reason = template_reason(update.reason.as_deref());
                    let found = store
                        .set_template_status(
                            channel.id,
                            &update.message_template_name,
                            &update.message_template_language,
                            status,
                            reason.as_deref(),
                            now,
                        )
                        .await?;
                    if found.is_some() {
                        summary.templates += 1;
                    } else {
                        tracing::debug!(channel_id = %channel.id, template = %update.message_template_name, "status update for a template not stored here; the next sync picks it up");
                        summary.skipped += 1;
                    }
                }
                ChangeValue::Messages(value) => {
                    tracing::warn!(channel_id = %channel.id, phone_number_id = %value.metadata.phone_number_id, "webhook for another phone number ignored");
                    summary.skipped += 1;
                }
                _ => {
                    tracing::debug!(channel_id = %channel.id, field = %change.field, "webhook field not handled yet");
                    summary.skipped += 1;
                }
            }
        }
    }
    Ok(summary)
}

/// Records the messages and statuses of one Cloud-shaped `value` for `channel`, whatever its
/// kind: the path other upstreams' inbound (Telegram's updates) is translated onto.
pub async fn record_messages(
    store: &dyn Store,
    channel: &Channel,
    value: &MessagesValue,
    now: Millis,
) -> Result<InboundSummary, StoreError> {
    let mut summary = InboundSummary::default();
    record_messages_value(store, channel, value, now, &mut summary).await?;
    Ok(summary)
}

async fn record_messages_value(
    store: &dyn Store,
    channel: &Channel,
    value: &MessagesValue,
    now: Millis,
    summary: &mut InboundSummary,
) -> Result<(), StoreError> {
    for status in value.statuses.iter().flatten() {
        let Some(parsed) = MessageStatus::parse(&status.status) else {
            tracing::debug!(status = %status.status, "unknown status ignored");
            continue;
        };
        let report = StatusReport {
            channel_id: channel.id,
            upstream_id: status.id.clone(),
            status: parsed,
            at: upstream_time(&status.timestamp, now),
            error: errors_json(&status.errors),
            upstream: Some(status_upstream(value, status)),
        };
        match store.apply_status(&report, now).await? {
            switchboard_store::messages::StatusOutcome::Pending => summary.pending_statuses += 1,
            _ => summary.statuses += 1,
        }
    }
    for message in value.messages.iter().flatten() {
        let profile_name = value
            .contacts
            .iter()
            .flatten()
            .find(|c| c.wa_id.as_deref() == Some(message.from.as_str()))
            .or_else(|| value.contacts.as_ref().and_then(|c| c.first()))
            .and_then(|c| c.profile.as_ref())
            .and_then(|p| p.name.clone());
        let at = upstream_time(&message.timestamp, now);
        let body = serde_json::to_value(message).unwrap_or_else(|_| json!({}));
        let record = MessageRecord {
            id: MessageId::new(),
            account_id: channel.account_id,
            channel_id: channel.id,
            direction: Direction::Inbound,
            chat: message.from.clone(),
            kind: message.kind.clone(),
            body,
            status: MessageStatus::Received,
            upstream_id: Some(message.id.clone()),
            context_id: message.context.as_ref().and_then(|c| c.id.clone()),
            error: errors_json(&message.errors),
            attempts: 0,
            created_at: at,
            updated_at: at,
        };
        let event_type = if message.kind == "reaction" {
            MESSAGE_REACTION
        } else {
            MESSAGE_RECEIVED
        };
        let new = NewInbound {
            message: record,
            profile_name,
            event_type,
            upstream: Some(json!({
                "display_phone_number": value.metadata.display_phone_number,
            })),
        };
        if store.insert_inbound(&new, now).await? {
            summary.messages += 1;
        } else {
            summary.duplicates += 1;
        }
    }
    Ok(())
}
