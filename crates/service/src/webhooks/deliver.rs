//! The deliverer: POSTs due deliveries with Standard Webhooks headers, bounded overall and per
//! endpoint so one slow or dead endpoint never delays the others, records every attempt and
//! schedules retries (±20 % jitter, `Retry-After` honoured within bounds, a floor after 429s
//! and timeouts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use switchboard_core::event::Event;
use switchboard_core::id::SubscriptionId;
use switchboard_core::standard_webhooks::signature_header;
use switchboard_core::subscription::{Attempt, Delivery, Subscription};
use switchboard_core::time::now_millis;
use switchboard_store::messages::{DeliveryOutcome, DeliverySlots};
use switchboard_store::StoreError;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{payload, WebhookParts, WebhookSettings};

/// Bytes of an answer kept with an attempt.
const RESPONSE_CAPTURE: usize = 1024;

/// How long a delivery waits after the store failed to say what it needs.
const STORE_RETRY_MS: i64 = 1_000;

struct Deliverer {
    gateway: WebhookParts,
    settings: WebhookSettings,
    client: reqwest::Client,
    owner: String,
    in_flight: Mutex<HashMap<SubscriptionId, usize>>,
}

enum Answer {
    Status {
        code: u16,
        retry_after: Option<u64>,
        body: String,
    },
    Failed {
        error: String,
        timeout: bool,
    },
}

/// An error with its sources, so the recorded attempt says why (e.g. the guard's refusal).
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

async fn read_prefix(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < RESPONSE_CAPTURE {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                kept.extend_from_slice(&chunk[..chunk.len().min(RESPONSE_CAPTURE - kept.len())])
            }
            _ => break,
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// The wait before the next attempt after failed attempt number `attempts` (1 = the first):
/// the schedule's delay times `jitter` (drawn from 0.8..1.2, i.e. ±20 %), at least
/// `throttle_floor_ms` after a 429 or a timeout, and at least the receiver's `Retry-After`
/// (in ms) capped at `max_retry_after_ms`.
pub fn retry_delay(
    settings: &WebhookSettings,
    attempts: u32,
    throttled: bool,
    retry_after: Option<u64>,
    jitter: f64,
) -> u64 {
    let mut delay = (settings.base_delay(attempts) as f64 * jitter) as u64;
    if throttled {
        delay = delay.max(settings.throttle_floor_ms);
    }
    if let Some(wait) = retry_after {
        delay = delay.max(wait.min(settings.max_retry_after_ms));
    }
    delay
}

impl Deliverer {
    /// What the next claim may lease: `free` in all, and per endpoint what its concurrency
    /// cap leaves, so the claim leases nothing that would have to be put back.
    fn slots(&self, free: u32) -> DeliverySlots {
        let cap = self.settings.per_endpoint_concurrency;
        let map = match self.in_flight.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        DeliverySlots {
            limit: free,
            per_subscription: cap as u32,
            busy: map
                .iter()
                .map(|(id, n)| (*id, cap.saturating_sub(*n) as u32))
                .collect(),
        }
    }

    fn slot(&self, id: SubscriptionId) -> bool {
        let mut map = match self.in_flight.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let n = map.entry(id).or_insert(0);
        if *n >= self.settings.per_endpoint_concurrency {
            return false;
        }
        *n += 1;
        true
    }

    fn release(&self, id: SubscriptionId) {
        let mut map = match self.in_flight.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if let Some(n) = map.get_mut(&id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&id);
            }
        }
    }

    /// A delivery put off because the store failed before anything was sent: not an attempt.
    fn store_failed(&self, d: &Delivery, error: &StoreError, now: i64) -> DeliveryOutcome {
        tracing::warn!(delivery_id = %d.id, error = %error, "reading what a delivery needs failed; trying again later");
        DeliveryOutcome::Deferred {
            next_attempt_at: now + STORE_RETRY_MS,
        }
    }

    async fn post(&self, s: &Subscription, e: &Event, body: Vec<u8>) -> Answer {
        let timestamp = now_millis() / 1000;
        let id = e.id.to_string();
        let signature = signature_header(&s.signing_secrets(now_millis()), &id, timestamp, &body);
        let sent = self
            .client
            .post(&s.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let code = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|s| s.saturating_mul(1000));
                let body = read_prefix(response).await;
                Answer::Status {
                    code,
                    retry_after,
                    body,
                }
            }
            Err(e) => Answer::Failed {
                timeout: e.is_timeout(),
                error: if e.is_timeout() {
                    "timed out".to_string()
                } else if e.is_connect() {
                    format!("could not connect: {}", with_sources(&e))
                } else {
                    with_sources(&e)
                },
            },
        }
    }

    fn retry_outcome(
        &self,
        d: &Delivery,
        throttled: bool,
        retry_after: Option<u64>,
    ) -> DeliveryOutcome {
        let now = now_millis();
        if now - d.created_at >= self.settings.max_age_ms {
            return DeliveryOutcome::GiveUp;
        }
        let jitter: f64 = rand::rng().random_range(0.8..1.2);
        let delay = retry_delay(
            &self.settings,
            d.attempts + 1,
            throttled,
            retry_after,
            jitter,
        );
        DeliveryOutcome::Retry {
            next_attempt_at: now + delay as i64,
        }
    }

    async fn deliver(&self, d: Delivery, e: Event) {
        let now = now_millis();
        let subscription = match self
            .gateway
            .store
            .get_subscription(d.account_id, d.subscription_id)
            .await
        {
            Ok(subscription) => subscription,
            Err(error) => {
                let outcome = self.store_failed(&d, &error, now);
                self.finish(&d, outcome, None).await;
                return;
            }
        };
        // The URL is checked again now (a literal IP never goes through the guarded resolver,
        // and the configuration may have changed since the subscription was created).
        let refused = subscription.as_ref().and_then(|s| {
            super::guard::check_url(&s.url, self.settings.allow_private_targets).err()
        });
        let (outcome, attempt) = match subscription {
            None => return,
            Some(s) if !s.enabled => (
                DeliveryOutcome::Deferred {
                    next_attempt_at: now + 60_000,
                },
                None,
            ),
            Some(s) => match payload::body(self.gateway.store.as_ref(), &s, &e).await {
                Err(error) => (self.store_failed(&d, &error, now), None),
                Ok(None) => (
                    DeliveryOutcome::GiveUp,
                    Some(Attempt {
                        attempted_at: now,
                        status_code: None,
                        latency_ms: 0,
                        response: None,
                        error: Some(
                            "this event has no payload in the subscription's format".into(),
                        ),
                    }),
                ),
                Ok(Some(_)) if refused.is_some() => {
                    let refused = refused.clone().unwrap_or_default();
                    (
                        self.retry_outcome(&d, false, None),
                        Some(Attempt {
                            attempted_at: now,
                            status_code: None,
                            latency_ms: 0,
                            response: None,
                            error: Some(format!("refused by the URL guard: {refused}")),
                        }),
                    )
                }
                Ok(Some(body)) => {
                    let started = Instant::now();
                    let answer = self.post(&s, &e, body).await;
                    let latency_ms = started.elapsed().as_millis() as u64;
                    match answer {
                        Answer::Status {
                            code,
                            retry_after,
                            body,
                        } => {
                            let attempt = Attempt {
                                attempted_at: now,
                                status_code: Some(code),
                                latency_ms,
                                response: Some(body),
                                error: None,
                            };
                            let outcome = if (200..300).contains(&code) {
                                DeliveryOutcome::Delivered
                            } else {
                                self.retry_outcome(&d, code == 429, retry_after)
                            };
                            (outcome, Some(attempt))
                        }
                        Answer::Failed { error, timeout } => (
                            self.retry_outcome(&d, timeout, None),
                            Some(Attempt {
                                attempted_at: now,
                                status_code: None,
                                latency_ms,
                                response: None,
                                error: Some(error),
                            }),
                        ),
                    }
                }
            },
        };
        self.finish(&d, outcome, attempt.as_ref()).await;
    }

    async fn finish(&self, d: &Delivery, outcome: DeliveryOutcome, attempt: Option<&Attempt>) {
        let finished = self
            .gateway
            .store
            .finish_delivery(
                d.id,
                &self.owner,
                outcome,
                attempt,
                self.settings.disable_after_ms,
                now_millis(),
            )
            .await;
        if let Err(e) = finished {
            tracing::error!(delivery_id = %d.id, error = %e, "recording a delivery attempt failed; the lease will expire and it will be retried");
        }
    }
}

/// Starts the deliverer; it stops claiming when `cancel` fires and waits for attempts in flight.
pub fn spawn(
    gateway: WebhookParts,
    settings: WebhookSettings,
    cancel: CancellationToken,
) -> Result<tokio::task::JoinHandle<()>, reqwest::Error> {
    let client = super::guard::client(
        settings.allow_private_targets,
        Duration::from_millis(settings.request_timeout_ms),
    )?;
    let deliverer = Arc::new(Deliverer {
        owner: format!("webhooks-{}", switchboard_core::secret::random_hex(8)),
        gateway,
        settings,
        client,
        in_flight: Mutex::new(HashMap::new()),
    });
    Ok(tokio::spawn(run(deliverer, cancel)))
}

async fn run(deliverer: Arc<Deliverer>, cancel: CancellationToken) {
    let slots = Arc::new(Semaphore::new(deliverer.settings.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        if cancel.is_cancelled() {
            break;
        }
        let free = slots.available_permits();
        let mut full = false;
        if free > 0 {
            let allowance = deliverer.slots(free.min(256) as u32);
            let now = now_millis();
            match deliverer
                .gateway
                .store
                .claim_deliveries(
                    &deliverer.owner,
                    now,
                    deliverer.settings.lease_ms,
                    &allowance,
                )
                .await
            {
                Ok(claimed) => {
                    full = claimed.len() as u32 == allowance.limit;
                    for (d, e) in claimed {
                        if !deliverer.slot(d.subscription_id) {
                            let defer = DeliveryOutcome::Deferred {
                                next_attempt_at: now + 100,
                            };
                            let _ = deliverer
                                .gateway
                                .store
                                .finish_delivery(
                                    d.id,
                                    &deliverer.owner,
                                    defer,
                                    None,
                                    deliverer.settings.disable_after_ms,
                                    now,
                                )
                                .await;
                            continue;
                        }
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            break;
                        };
                        let worker = deliverer.clone();
                        tasks.spawn(async move {
                            let subscription = d.subscription_id;
                            worker.deliver(d, e).await;
                            worker.release(subscription);
                            drop(permit);
                            worker.gateway.wake.notify_one();
                        });
                    }
                }
                Err(e) => tracing::error!(error = %e, "claiming deliveries failed"),
            }
        }
        if full && slots.available_permits() > 0 {
            continue;
        }
        tokio::select! {
            _ = deliverer.gateway.wake.notified() => {},
            _ = tokio::time::sleep(Duration::from_millis(deliverer.settings.poll_ms)) => {},
            _ = cancel.cancelled() => {},
        }
    }
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_jittered_by_twenty_percent() {
        let s = WebhookSettings::default();
        for (attempts, base) in [
            (1, 5_000u64),
            (2, 30_000),
            (9, 43_200_000),
            (10, 86_400_000),
        ] {
            assert_eq!(retry_delay(&s, attempts, false, None, 1.0), base);
            let low = retry_delay(&s, attempts, false, None, 0.8);
            let high = retry_delay(&s, attempts, false, None, 1.2 - f64::EPSILON);
            assert_eq!(low, base * 8 / 10, "attempt {attempts}");
            assert!(high < base * 12 / 10 && high > base, "attempt {attempts}");
        }
        let mut rng = rand::rng();
        for _ in 0..1_000 {
            let jitter: f64 = rng.random_range(0.8..1.2);
            let d = retry_delay(&s, 1, false, None, jitter);
            assert!((4_000..6_000).contains(&d), "{d}");
        }
    }

    #[test]
    fn throttling_and_timeouts_get_the_floor() {
        let s = WebhookSettings::default();
        assert_eq!(retry_delay(&s, 1, true, None, 0.8), s.throttle_floor_ms);
        assert_eq!(retry_delay(&s, 1, false, None, 0.8), 4_000);
        // A later step longer than the floor keeps its own delay.
        assert_eq!(retry_delay(&s, 3, true, None, 1.0), 120_000);
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let s = WebhookSettings::default();
        assert_eq!(retry_delay(&s, 1, false, Some(90_000), 1.0), 90_000);
        // Shorter than the schedule: the schedule wins.
        assert_eq!(retry_delay(&s, 2, false, Some(1_000), 1.0), 30_000);
        // Longer than the cap: capped.
        assert_eq!(
            retry_delay(&s, 1, true, Some(86_400_000), 1.0),
            s.max_retry_after_ms
        );
    }
}
