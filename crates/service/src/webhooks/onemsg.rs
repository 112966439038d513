//! The 1msg service's webhook payload (a subscription with format `1msg`, which the 1msg
//! dialect's `webhook` and `settings` methods manage), so a handler written for that service
//! works unchanged.
//!
//! A customer's message or reaction, and the echo of a message the business sent (when it is
//! accepted), is `{"instanceId": "<channel id>", "messages": [<message>]}`; a status of an
//! outbound message is `{"instanceId": …, "ack": [<ack>]}`. The objects are those of
//! [`switchboard_core::onemsg_view`]: the message's fields are `id, body, type, senderName,
//! fromMe, self, author, time, chatId, chatName, messageNumber, caption, quotedMsgId,
//! quotedMsgBody, isForwarded`; the ack's `id, chatId, phone, status, time` (and `error`).

use serde_json::{json, Value};
use switchboard_core::channel::Channel;
use switchboard_core::event::{
    Event, MessageView, MESSAGE_ACCEPTED, MESSAGE_DELIVERED, MESSAGE_FAILED, MESSAGE_PLAYED,
    MESSAGE_REACTION, MESSAGE_READ, MESSAGE_RECEIVED, MESSAGE_SENT,
};
use switchboard_core::id::MessageId;
use switchboard_core::onemsg_view::{ack, message, MessageContext, OneMsgMessage};
use switchboard_core::subscription::{PayloadFormat, Subscription};
use switchboard_store::{PageRequest, Store, StoreResult};

use super::payload::display_number;
use super::subscriptions::{self, NewSubscription, SubscriptionPatch};
use crate::ServiceResult;

/// The events of a 1msg webhook: messages, and the acks unless they are turned off.
fn events(acks: bool) -> Vec<String> {
    let mut kinds = vec![MESSAGE_RECEIVED, MESSAGE_REACTION, MESSAGE_ACCEPTED];
    if acks {
        kinds.extend([
            MESSAGE_SENT,
            MESSAGE_DELIVERED,
            MESSAGE_READ,
            MESSAGE_PLAYED,
            MESSAGE_FAILED,
        ]);
    }
    kinds.into_iter().map(str::to_string).collect()
}

/// The channel's 1msg webhook: its subscription is the account's (oldest) one with format
/// `1msg` limited to the channel.
pub async fn webhook(store: &dyn Store, channel: &Channel) -> ServiceResult<Option<Subscription>> {
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    loop {
        let got = subscriptions::list(store, channel.account_id, &page).await?;
        if let Some(found) = got
            .items
            .into_iter()
            .find(|s| s.format == PayloadFormat::Onemsg && s.channel_id == Some(channel.id))
        {
            return Ok(Some(found));
        }
        match got.next {
            Some(next) => page.after = Some(next),
            None => return Ok(None),
        }
    }
}

/// Whether a 1msg webhook delivers acks.
pub fn delivers_acks(s: &Subscription) -> bool {
    s.events.iter().any(|e| e == MESSAGE_DELIVERED)
}

/// What a 1msg `webhook` or `settings` call changes; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct WebhookSettings {
    /// The new URL (already checked); `Some(None)` removes the webhook.
    pub url: Option<Option<String>>,
    /// Whether acks are delivered.
    pub acks: Option<bool>,
}

/// Sets the channel's 1msg webhook: creates its subscription (enabled, acks on unless
/// said otherwise), changes it, or deletes it when the URL is removed.
pub async fn set_webhook(
    store: &dyn Store,
    channel: &Channel,
    change: WebhookSettings,
) -> ServiceResult<Option<Subscription>> {
    let existing = webhook(store, channel).await?;
    match (existing, change.url) {
        (Some(s), Some(None)) => {
            subscriptions::delete(store, channel.account_id, s.id).await?;
            Ok(None)
        }
        (None, Some(None)) | (None, None) => Ok(None),
        (None, Some(Some(url))) => {
            let new = NewSubscription {
                url,
                events: events(change.acks.unwrap_or(true)),
                format: PayloadFormat::Onemsg,
                channel: Some((channel.id, channel.id.to_string())),
                enabled: true,
                description: Some("1msg webhook (set by the 1msg API)".into()),
            };
            Ok(Some(
                subscriptions::create(store, channel.account_id, new).await?,
            ))
        }
        (Some(s), url) => {
            let patch = SubscriptionPatch {
                enabled: url.is_some().then_some(true),
                url: url.flatten(),
                events: change.acks.map(events),
                ..SubscriptionPatch::default()
            };
            Ok(Some(
                subscriptions::update(store, channel.account_id, s.id, patch).await?,
            ))
        }
    }
}

/// Whether an event type has a 1msg webhook: messages (inbound, reactions, the echo of an
/// accepted outbound one) and outbound statuses.
pub fn representable(kind: &str) -> bool {
    matches!(
        kind,
        MESSAGE_RECEIVED
            | MESSAGE_REACTION
            | MESSAGE_ACCEPTED
            | MESSAGE_SENT
            | MESSAGE_DELIVERED
            | MESSAGE_READ
            | MESSAGE_PLAYED
            | MESSAGE_FAILED
    )
}

/// The message a message quotes (its `context_message_id`: our id or the upstream's), if it
/// is in the channel's history.
pub async fn quoted(
    store: &dyn Store,
    channel: &Channel,
    m: &MessageView,
) -> StoreResult<Option<MessageView>> {
    let reference = if m.kind == "reaction" {
        m.content["reaction"]["message_id"].as_str()
    } else {
        m.context_message_id.as_deref()
    };
    let Some(reference) = reference.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let found = match reference.parse::<MessageId>() {
        Ok(id) => store
            .get_message(channel.account_id, id)
            .await?
            .map(|(m, _)| m)
            .filter(|m| m.channel_id == channel.id),
        Err(_) => store.find_by_upstream(channel.id, reference).await?,
    };
    Ok(found.as_ref().map(MessageView::from))
}

/// A message of `channel` in the dialect's shape, with the customer's name when known and
/// the quoted message looked up.
pub async fn render_message(
    store: &dyn Store,
    channel: &Channel,
    m: &MessageView,
    contact_name: Option<&str>,
) -> StoreResult<OneMsgMessage> {
    let quoted = quoted(store, channel, m).await?;
    let own_number = display_number(channel);
    let cx = MessageContext {
        contact_name,
        channel_name: Some(channel.name.as_str()),
        own_number: &own_number,
        quoted: quoted.as_ref(),
    };
    Ok(message(m, &cx))
}

/// The payload of `e` on `channel`; `None` for events the service has no webhook for (and
/// for the business reading a customer's message, which is no ack).
pub async fn payload(
    store: &dyn Store,
    e: &Event,
    channel: &Channel,
) -> StoreResult<Option<Value>> {
    let Some(view) = e
        .data
        .get("message")
        .and_then(|m| serde_json::from_value::<MessageView>(m.clone()).ok())
    else {
        return Ok(None);
    };
    let instance = channel.id.to_string();
    match e.kind.as_str() {
        MESSAGE_RECEIVED | MESSAGE_REACTION | MESSAGE_ACCEPTED => {
            let name = e
                .data
                .get("contact")
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str);
            let rendered = render_message(store, channel, &view, name).await?;
            Ok(Some(
                json!({"instanceId": instance, "messages": [rendered]}),
            ))
        }
        kind if representable(kind) && view.direction == "outbound" => {
            let status = kind.trim_start_matches("message.");
            Ok(ack(&view, status, e.created_at, None)
                .map(|a| json!({"instanceId": instance, "ack": [a]})))
        }
        _ => Ok(None),
    }
}
