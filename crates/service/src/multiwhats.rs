//! The MultiWhats API's queue, translated onto broadcasts: `send-dynamic` creates a
//! broadcast (credits, counters, per-target rows, `send_at` scheduling) on the channel its
//! `from` names, and a queue is that broadcast shown as the service's queue object, its
//! counters following the targets' real statuses.

use serde_json::{json, Value};
use switchboard_core::broadcast::{BroadcastRecord, TargetStatus};
use switchboard_core::id::{AccountId, BroadcastId, ChannelId};
use switchboard_core::multiwhats::{queue_object, QueueTarget, SendDynamic};
use switchboard_core::time::{to_rfc3339, Millis};
use switchboard_store::{PageRequest, StoreError};

use crate::broadcasts::audience::{Audience, NumberEntry};
use crate::broadcasts::{create, manage, BroadcastError, Broadcasts, NewBroadcast};
use crate::channels::by_number::whatsapp_channel;
use crate::error::ServiceError;
use crate::send::SendParts;
use crate::webhooks::payload::display_number;

/// Why a queue request failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The request is invalid; says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// The account's credits do not cover the targets.
    #[error("{0}")]
    Insufficient(String),
    /// No such channel (`from`) or queue in the account.
    #[error("{0}")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Queues `request` for `account` (a key limited to `scope` sees only that channel);
/// returns the queue object.
pub async fn send_dynamic(
    parts: &SendParts,
    broadcasts: &Broadcasts,
    account: AccountId,
    scope: Option<ChannelId>,
    request: &SendDynamic,
    now: Millis,
) -> Result<Value, QueueError> {
    let channel = whatsapp_channel(parts.store.as_ref(), account, scope, &request.from)
        .await?
        .ok_or_else(|| QueueError::NotFound(format!(
            "from: `{}` is not a WhatsApp number of your account; give one of your channels' numbers (display_phone_number) or a channel id (ch_…)",
            request.from
        )))?;
    let new = NewBroadcast {
        id: BroadcastId::new(),
        name: Some("multiwhats send-dynamic".into()),
        message: request.message_object(),
        audience: Audience::Numbers(
            request
                .to
                .iter()
                .map(|phone| NumberEntry {
                    phone: phone.clone(),
                    name: None,
                    fields: Default::default(),
                })
                .collect(),
        ),
        send_at: request.send_at.map(|at| json!(to_rfc3339(at))),
    };
    let record = create(parts, broadcasts, &channel, new, now)
        .await
        .map_err(|e| match e {
            BroadcastError::Invalid { message, .. } => QueueError::Invalid(message),
            e @ BroadcastError::Insufficient { .. } => QueueError::Insufficient(e.to_string()),
            BroadcastError::Store(e) => QueueError::Store(e),
        })?;
    let targets = targets_of(parts, &record).await?;
    Ok(queue_object(&record, &display_number(&channel), &targets))
}

/// The targets of `b`: its rows once materialized, else its numbers as pending.
async fn targets_of(
    parts: &SendParts,
    b: &BroadcastRecord,
) -> Result<Vec<QueueTarget>, QueueError> {
    let mut rows = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    loop {
        let listed = parts
            .store
            .list_targets(b.account_id, b.id, None, &page)
            .await?;
        rows.extend(listed.items.into_iter().map(|t| QueueTarget {
            id: t.message_id.map(|m| m.to_string()),
            identifier: t.wa_id,
            status: t.status,
            updated_at: t.updated_at,
        }));
        match listed.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    if rows.is_empty() && !b.materialized {
        if let Ok(Audience::Numbers(numbers)) = Audience::from_request(&b.audience) {
            rows = numbers
                .into_iter()
                .map(|n| QueueTarget {
                    id: None,
                    identifier: n.phone,
                    status: TargetStatus::Pending,
                    updated_at: b.updated_at,
                })
                .collect();
        }
    }
    Ok(rows)
}

/// The queue `id` of `account` with live counters and targets.
pub async fn queue(
    parts: &SendParts,
    account: AccountId,
    scope: Option<ChannelId>,
    id: &str,
) -> Result<Value, QueueError> {
    let missing = || {
        QueueError::NotFound(format!(
            "queue `{id}` does not exist in your account; use the id send-dynamic answered"
        ))
    };
    let broadcast_id: BroadcastId = id.parse().map_err(|_| missing())?;
    let record = manage::get(parts.store.as_ref(), account, scope, broadcast_id)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound(_) => missing(),
            ServiceError::Store(e) => QueueError::Store(e),
            other => QueueError::Invalid(other.to_string()),
        })?;
    let from = parts
        .store
        .find_channel(record.channel_id)
        .await?
        .map(|c| display_number(&c))
        .unwrap_or_default();
    let targets = targets_of(parts, &record).await?;
    Ok(queue_object(&record, &from, &targets))
}
