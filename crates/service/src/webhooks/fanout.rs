//! The fan-out: reads the event log after its stored position and creates a delivery for each
//! matching enabled subscription, moving the position in the same transaction, so every event
//! reaches every subscription once even across crashes.

use std::time::Duration;

use switchboard_core::event::SUBSCRIPTION_TEST;
use switchboard_core::id::DeliveryId;
use switchboard_core::subscription::{Delivery, DeliveryState, PayloadFormat, Subscription};
use switchboard_core::time::now_millis;
use tokio_util::sync::CancellationToken;

use super::payload::meta_representable;
use super::WebhookParts;
use super::WebhookSettings;

/// Events read per round.
const BATCH: u32 = 500;

fn deliveries_for(
    event: &switchboard_core::event::Event,
    subscriptions: &[Subscription],
    now: i64,
) -> Vec<Delivery> {
    // A test event's one delivery was stored with it.
    if event.kind == SUBSCRIPTION_TEST {
        return Vec::new();
    }
    subscriptions
        .iter()
        .filter(|s| s.account_id == event.account_id && s.wants(&event.kind, event.channel_id))
        .filter(|s| match s.format {
            PayloadFormat::Switchboard => true,
            PayloadFormat::Meta => meta_representable(&event.kind),
            PayloadFormat::Sendbuttons => super::sendbuttons::representable(&event.kind),
            PayloadFormat::Onemsg => super::onemsg::representable(&event.kind),
            PayloadFormat::Wabot => super::wabot::representable(&event.kind),
        })
        .map(|s| Delivery {
            id: DeliveryId::new(),
            subscription_id: s.id,
            account_id: s.account_id,
            event_id: event.id.to_string(),
            ordering_key: event.chat.clone().unwrap_or_else(|| event.id.to_string()),
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_status: None,
            last_error: None,
            created_at: now,
            finished_at: None,
        })
        .collect()
}

/// Starts the fan-out; it stops when `cancel` fires.
pub fn spawn(
    gateway: WebhookParts,
    settings: WebhookSettings,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let store = gateway.store.clone();
        let mut position = loop {
            match store.fanout_position().await {
                Ok(p) => break p,
                Err(e) => {
                    tracing::error!(error = %e, "reading the fan-out position failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                        _ = cancel.cancelled() => return,
                    }
                }
            }
        };
        loop {
            if cancel.is_cancelled() {
                break;
            }
            let mut busy = false;
            match store.list_all_events(position.as_deref(), BATCH).await {
                Ok(page) if !page.items.is_empty() => {
                    let last = page
                        .items
                        .last()
                        .map(|e| e.cursor.clone())
                        .unwrap_or_default();
                    // A store error is "try again later": the position stays before these
                    // events, so none of them is passed over without its deliveries.
                    let subscriptions = match store.enabled_subscriptions().await {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::error!(
                                error = %e,
                                after = position.as_deref().unwrap_or(""),
                                events = page.items.len(),
                                "reading the enabled subscriptions failed; the fan-out retries these events without moving its position"
                            );
                            tokio::select! {
                                _ = tokio::time::sleep(Duration::from_millis(settings.poll_ms)) => {},
                                _ = cancel.cancelled() => {},
                            }
                            continue;
                        }
                    };
                    let now = now_millis();
                    let deliveries: Vec<Delivery> = page
                        .items
                        .iter()
                        .flat_map(|e| deliveries_for(e, &subscriptions, now))
                        .collect();
                    match store.create_deliveries(&deliveries, &last).await {
                        Ok(()) => {
                            position = Some(last);
                            busy = page.next.is_some();
                            if !deliveries.is_empty() {
                                gateway.wake.notify_one();
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "creating deliveries failed; retrying")
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "reading the event log failed"),
            }
            if busy {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(settings.poll_ms)) => {},
                _ = cancel.cancelled() => {},
            }
        }
    })
}
