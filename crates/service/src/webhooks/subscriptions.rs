//! Webhook subscriptions of an account and their deliveries: create, read, change, delete,
//! rotate the signing secret, replay events, list and retry deliveries.

use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, ChannelId, DeliveryId, SubscriptionId};
use switchboard_core::standard_webhooks::generate_secret;
use switchboard_core::subscription::{Attempt, Delivery, PayloadFormat, Subscription};
use switchboard_core::time::now_millis;
use switchboard_store::messages::ReplayFrom;
use switchboard_store::webhooks::LoggedDelivery;
use switchboard_store::{Page, PageRequest, Store, StoreError};

use super::WebhookParts;
use crate::{ServiceError, ServiceResult};

/// A new subscription, its fields already checked.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Where to POST.
    pub url: String,
    /// The event filter.
    pub events: Vec<String>,
    /// The payload format.
    pub format: PayloadFormat,
    /// Only this channel's events, when set (`text` is how the client named it).
    pub channel: Option<(ChannelId, String)>,
    /// Whether it receives deliveries.
    pub enabled: bool,
    /// A note.
    pub description: Option<String>,
}

/// Changes to a subscription; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionPatch {
    /// New URL.
    pub url: Option<String>,
    /// New event filter.
    pub events: Option<Vec<String>>,
    /// New payload format.
    pub format: Option<PayloadFormat>,
    /// Enables (clearing an automatic disable) or disables it.
    pub enabled: Option<bool>,
    /// New note; an empty one removes it.
    pub description: Option<String>,
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("subscription")
}

/// Creates a subscription with a new signing secret; a channel of another account is refused.
pub async fn create(
    store: &dyn Store,
    account: AccountId,
    new: NewSubscription,
) -> ServiceResult<Subscription> {
    let channel_id = match new.channel {
        None => None,
        Some((id, text)) => {
            store.get_channel(account, id).await?.ok_or_else(|| {
                ServiceError::invalid(
                    "channel_id",
                    format!("`{text}` is not a channel of this account"),
                )
            })?;
            Some(id)
        }
    };
    let now = now_millis();
    let s = Subscription {
        id: SubscriptionId::new(),
        account_id: account,
        channel_id,
        url: new.url,
        events: new.events,
        format: new.format,
        secret: generate_secret(),
        previous_secret: None,
        previous_expires_at: None,
        enabled: new.enabled,
        description: new.description,
        failing_since: None,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    store.create_subscription(&s).await?;
    Ok(s)
}

/// The account's subscriptions, oldest first.
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    page: &PageRequest,
) -> ServiceResult<Page<Subscription>> {
    Ok(store.list_subscriptions(account, page).await?)
}

/// A subscription of the account.
pub async fn get(
    store: &dyn Store,
    account: AccountId,
    id: SubscriptionId,
) -> ServiceResult<Subscription> {
    store
        .get_subscription(account, id)
        .await?
        .ok_or_else(not_found)
}

/// Applies `patch`; enabling clears an automatic disable.
pub async fn update(
    store: &dyn Store,
    account: AccountId,
    id: SubscriptionId,
    patch: SubscriptionPatch,
) -> ServiceResult<Subscription> {
    let mut s = get(store, account, id).await?;
    if let Some(url) = patch.url {
        s.url = url;
    }
    if let Some(events) = patch.events {
        s.events = events;
    }
    if let Some(format) = patch.format {
        s.format = format;
    }
    if let Some(enabled) = patch.enabled {
        if enabled && !s.enabled {
            s.failing_since = None;
            s.disabled_reason = None;
        }
        s.enabled = enabled;
    }
    if let Some(description) = patch.description {
        s.description = Some(description).filter(|d| !d.is_empty());
    }
    s.updated_at = now_millis();
    store.update_subscription(&s).await?;
    Ok(s)
}

/// Deletes a subscription and its deliveries.
pub async fn delete(
    store: &dyn Store,
    account: AccountId,
    id: SubscriptionId,
) -> ServiceResult<()> {
    let s = get(store, account, id).await?;
    store.delete_subscription(account, s.id).await?;
    Ok(())
}

/// Gives the subscription a new signing secret; the old one keeps signing beside it for
/// `overlap_ms`.
pub async fn rotate_secret(
    store: &dyn Store,
    account: AccountId,
    id: SubscriptionId,
    overlap_ms: i64,
) -> ServiceResult<Subscription> {
    let mut s = get(store, account, id).await?;
    let now = now_millis();
    s.previous_secret = Some(s.secret.clone());
    s.previous_expires_at = Some(now + overlap_ms);
    s.secret = generate_secret();
    s.updated_at = now;
    store.update_subscription(&s).await?;
    Ok(s)
}

/// Creates deliveries of the subscription's matching events from `from` (at most `limit`)
/// and wakes the deliverer; returns how many were created.
pub async fn replay(
    parts: &WebhookParts,
    account: AccountId,
    id: SubscriptionId,
    from: &ReplayFrom,
    limit: u32,
) -> ServiceResult<u64> {
    let s = get(parts.store.as_ref(), account, id).await?;
    let created = parts
        .store
        .replay(&s, from, now_millis(), limit)
        .await
        .map_err(|e| match e {
            StoreError::Config(m) => ServiceError::invalid("after_event_id", m),
            other => other.into(),
        })?;
    parts.wake.notify_one();
    Ok(created)
}

/// The subscription's deliveries, oldest first.
pub async fn deliveries(
    store: &dyn Store,
    account: AccountId,
    id: SubscriptionId,
    page: &PageRequest,
) -> ServiceResult<Page<Delivery>> {
    let s = get(store, account, id).await?;
    Ok(store.list_deliveries(account, s.id, page).await?)
}

/// The subscription's deliveries, newest first, before the delivery `before`, at most
/// `limit`, with their events' types and last latencies (the console's delivery log).
pub async fn delivery_log(
    store: &dyn Store,
    account: AccountId,
    id: SubscriptionId,
    before: Option<DeliveryId>,
    limit: u32,
) -> ServiceResult<Vec<LoggedDelivery>> {
    let s = get(store, account, id).await?;
    Ok(store.delivery_log(account, s.id, before, limit).await?)
}

/// The body a delivery of the account POSTs (rebuilt from its event now), `None` when its
/// event has no payload in the subscription's format or is gone.
pub async fn request_body(
    store: &dyn Store,
    s: &Subscription,
    delivery: DeliveryId,
) -> ServiceResult<Option<Vec<u8>>> {
    let Some(event) = store.delivery_event(s.account_id, delivery).await? else {
        return Ok(None);
    };
    Ok(super::payload::body(store, s, &event).await?)
}

/// The event of a delivery of the account.
pub async fn delivery_event(
    store: &dyn Store,
    account: AccountId,
    delivery: DeliveryId,
) -> ServiceResult<Event> {
    store
        .delivery_event(account, delivery)
        .await?
        .ok_or(ServiceError::NotFound("delivery"))
}

/// A delivery of the account with every attempt.
pub async fn delivery(
    store: &dyn Store,
    account: AccountId,
    id: DeliveryId,
) -> ServiceResult<(Delivery, Vec<Attempt>)> {
    store
        .get_delivery(account, id)
        .await?
        .ok_or(ServiceError::NotFound("delivery"))
}

/// Sends the subscription a `subscription.test` event (to it only, whatever its filter and
/// format) and wakes the deliverer; returns the new delivery. A disabled subscription is a
/// conflict: nothing would be sent until it is enabled.
pub async fn send_test(
    parts: &WebhookParts,
    account: AccountId,
    id: SubscriptionId,
) -> ServiceResult<Delivery> {
    let s = get(parts.store.as_ref(), account, id).await?;
    if !s.enabled {
        return Err(ServiceError::Conflict(
            "the subscription is disabled: enable it, then send the test event".into(),
        ));
    }
    let d = parts.store.send_test_event(&s, now_millis()).await?;
    parts.wake.notify_one();
    Ok(d)
}

/// Makes a delivery due now (whatever its state) and wakes the deliverer.
pub async fn retry_delivery(
    parts: &WebhookParts,
    account: AccountId,
    id: DeliveryId,
) -> ServiceResult<Delivery> {
    let d = parts
        .store
        .retry_delivery(account, id, now_millis())
        .await?
        .ok_or(ServiceError::NotFound("delivery"))?;
    parts.wake.notify_one();
    Ok(d)
}
