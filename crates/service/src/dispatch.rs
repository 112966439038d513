//! The dispatcher: claims outbox messages with leases (a chat's next message only after the
//! previous one's upstream answer), applies local rate limits, calls the connector with no
//! transaction open, and records the outcome: sent, retry with backoff and jitter, or failed.
//!
//! Scheduled messages wait outside the outbox; the dispatcher promotes them when due (a
//! timer to the earliest known `send_at`, lowered by the send path, and a periodic re-read of
//! the store for messages other nodes scheduled), after which they are claimed like any other.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Value};
use switchboard_connectors::{ConnectorError, ErrorClass};
use switchboard_core::channel::Channel;
use switchboard_core::id::ChannelId;
use switchboard_core::retry::backoff_millis;
use switchboard_core::time::now_millis;
use switchboard_store::messages::{Claimed, DispatchOutcome, FinishDispatch};
use switchboard_store::{Store, StoreResult};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::channel_leases::LeaseSettings;
use crate::gateway::Gateway;
use crate::limits::{LimitSettings, Limiter};
use crate::media::upstream::Uploads;
use crate::media::Media;
use crate::outbox::Outbox;
use crate::upstream::Upstream;

mod claims;

/// What the dispatcher works with.
#[derive(Clone)]
pub struct DispatchParts {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The outbox it claims from (and whose wake-up and next-due hint it follows).
    pub outbox: Outbox,
    /// The upstreams it sends to.
    pub upstream: Upstream,
    /// Media, uploaded to the upstream before a send that references it.
    pub media: Media,
    /// This node's WhatsApp Web sessions (web channels send on them).
    pub web: crate::web::WebSessions,
}

impl From<&Gateway> for DispatchParts {
    fn from(g: &Gateway) -> Self {
        Self {
            store: g.store.clone(),
            outbox: g.outbox.clone(),
            upstream: g.upstream.clone(),
            media: g.media.clone(),
            web: g.web.clone(),
        }
    }
}

/// Dispatcher settings.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Upstream calls in flight at once.
    pub concurrency: usize,
    /// How long a claim is leased (another node may take it over after).
    pub lease_ms: i64,
    /// How often to look for due retries without a wake-up.
    pub poll_ms: u64,
    /// Attempts before a transiently failing message is failed.
    pub max_attempts: u32,
    /// First retry delay.
    pub retry_base_ms: u64,
    /// Longest retry delay.
    pub retry_max_ms: u64,
    /// A message older than this is failed instead of retried.
    pub max_age_ms: i64,
    /// Waits shorter than this are slept through instead of re-queued.
    pub max_inline_wait_ms: u64,
    /// Local rate limits.
    pub limits: LimitSettings,
    /// Longest time uploading a message's media (`med_…` references) may take before the
    /// send, so upload and send together stay inside the lease; a slower upload is retried.
    pub media_budget_ms: u64,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            concurrency: 256,
            lease_ms: 60_000,
            poll_ms: 250,
            max_attempts: 12,
            retry_base_ms: 1_000,
            retry_max_ms: 300_000,
            max_age_ms: 24 * 60 * 60 * 1000,
            max_inline_wait_ms: 1_000,
            limits: LimitSettings::default(),
            media_budget_ms: 30_000,
        }
    }
}

/// A short-lived cache of channels, so dispatch does not read the channel per message.
struct ChannelCache {
    entries: RwLock<HashMap<ChannelId, (Channel, Instant)>>,
}

const CHANNEL_TTL: Duration = Duration::from_secs(5);

/// How often the store is asked for due scheduled messages even without a known due time
/// (messages scheduled through other nodes sharing the database).
const SCHEDULE_REFRESH: Duration = Duration::from_secs(10);

/// Scheduled messages promoted per pass.
const PROMOTE_BATCH: u32 = 1024;

/// Promotes due scheduled messages to the outbox if the earliest known due time has come
/// (or `force`); keeps the hint at the next due time.
async fn promote_due(gateway: &DispatchParts, force: bool) {
    let now = now_millis();
    let due = gateway.outbox.next_due().get().is_some_and(|at| at <= now);
    if !due && !force {
        return;
    }
    gateway.outbox.next_due().take();
    match gateway.store.promote_scheduled(now, PROMOTE_BATCH).await {
        Ok(p) => {
            if !p.promoted.is_empty() || !p.failed.is_empty() {
                tracing::debug!(
                    promoted = p.promoted.len(),
                    failed = p.failed.len(),
                    "scheduled messages became due"
                );
            }
            if p.promoted.len() + p.failed.len() >= PROMOTE_BATCH as usize {
                gateway.outbox.next_due().lower_to(now);
            } else if let Some(next) = p.next_due {
                gateway.outbox.next_due().lower_to(next);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "promoting due scheduled messages failed; retrying in a second");
            gateway.outbox.next_due().lower_to(now + 1000);
        }
    }
}

impl ChannelCache {
    fn forget(&self, id: ChannelId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&id);
        }
    }

    /// The channel, `None` if it no longer exists; a store error is passed on (the caller
    /// retries later instead of concluding the channel is gone).
    async fn get(&self, gateway: &DispatchParts, id: ChannelId) -> StoreResult<Option<Channel>> {
        if let Ok(entries) = self.entries.read() {
            if let Some((channel, at)) = entries.get(&id) {
                if at.elapsed() < CHANNEL_TTL {
                    return Ok(Some(channel.clone()));
                }
            }
        }
        let Some(channel) = gateway.store.find_channel(id).await? else {
            return Ok(None);
        };
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(id, (channel.clone(), Instant::now()));
        }
        Ok(Some(channel))
    }
}

/// The upstream error as kept on the message.
pub fn error_json(e: &ConnectorError) -> Value {
    json!({
        "code": e.code,
        "message": e.message,
        "details": e.details,
        "http_status": e.http_status,
        "class": match e.class {
            ErrorClass::Transient => "transient",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::Permanent => "permanent",
        },
    })
}

struct Worker {
    gateway: DispatchParts,
    settings: DispatchSettings,
    limiter: Limiter,
    channels: ChannelCache,
    claims: claims::Claims,
}

impl Worker {
    async fn process(&self, claimed: Claimed) {
        let m = claimed.message;
        let now = now_millis();
        let outcome = match self.channels.get(&self.gateway, m.channel_id).await {
            Ok(None) => {
                self.claims.pending.done(m.channel_id);
                DispatchOutcome::Failed {
                    error: json!({"message": "the channel no longer exists", "attempted": false}),
                }
            }
            Ok(Some(channel)) => self.attempt(&channel, &m, now).await,
            // The store could not say whether the channel exists: try again later, without
            // counting an attempt.
            Err(e) => {
                self.claims.pending.done(m.channel_id);
                tracing::warn!(message_id = %m.id, error = %e, "reading the message's channel failed; retrying");
                DispatchOutcome::Retry {
                    not_before: now + self.settings.retry_base_ms as i64,
                    error: None,
                    attempted: false,
                }
            }
        };
        let finished = self
            .gateway
            .store
            .finish_dispatch(FinishDispatch {
                id: m.id,
                owner: &self.claims.owner,
                outcome,
                now: now_millis(),
            })
            .await;
        match finished {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::warn!(message_id = %m.id, "lease lost before the outcome was recorded")
            }
            Err(e) => {
                tracing::error!(message_id = %m.id, error = %e, "recording a dispatch outcome failed; the lease will expire and the message be retried")
            }
        }
        self.gateway.outbox.wake();
    }

    async fn attempt(
        &self,
        channel: &Channel,
        m: &switchboard_core::record::MessageRecord,
        now: i64,
    ) -> DispatchOutcome {
        let mut wait = self
            .limiter
            .acquire_for(channel.kind, channel.id, &m.chat, now);
        if wait > 0 && wait <= self.settings.max_inline_wait_ms {
            tokio::time::sleep(Duration::from_millis(wait)).await;
            wait = self
                .limiter
                .acquire_for(channel.kind, channel.id, &m.chat, now_millis());
        }
        // The limiter has decided: the claim budget no longer counts this message.
        self.claims.pending.done(m.channel_id);
        if wait > 0 {
            return DispatchOutcome::Retry {
                not_before: now_millis() + wait as i64,
                error: None,
                attempted: false,
            };
        }
        if channel.kind == switchboard_core::channel::ChannelKind::Web {
            return self.attempt_on_session(channel, m).await;
        }
        let connector = match self.gateway.upstream.connector(channel) {
            Ok(c) => c,
            Err(e) => {
                self.note_upstream(channel, Some(&e)).await;
                return self.after_error(m, &e);
            }
        };
        let body = match self.quoted_upstream_ids(channel, &m.body).await {
            Ok(body) => body,
            Err(e) => return self.after_error(m, &e),
        };
        let body = body.as_ref().unwrap_or(&m.body);
        let result = if connector.uploads_with_send() {
            self.send_with_uploads(channel, connector.as_ref(), body)
                .await
        } else {
            let budget = Duration::from_millis(self.settings.media_budget_ms);
            let uploads = Uploads {
                store: self.gateway.store.as_ref(),
                media: &self.gateway.media,
                upstream: &self.gateway.upstream,
            };
            let resolving = crate::media::upstream::resolve(&uploads, channel, body);
            match tokio::time::timeout(budget, resolving).await {
                Ok(Ok(resolved)) => connector.send(resolved.as_ref().unwrap_or(body)).await,
                Ok(Err(e)) => Err(e),
                Err(_) => {
                    tracing::warn!(message_id = %m.id, budget_ms = self.settings.media_budget_ms, "uploading the message's media outlasted its budget; retrying");
                    return DispatchOutcome::Retry {
                        not_before: now_millis() + self.settings.retry_base_ms as i64,
                        error: Some(json!({
                            "message": "uploading the message's media to the upstream took longer than the dispatch lease allows; retrying",
                            "attempted": false,
                        })),
                        attempted: false,
                    };
                }
            }
        };
        self.note_upstream(channel, result.as_ref().err()).await;
        match result {
            Ok(receipt) => DispatchOutcome::Sent {
                upstream_id: receipt.upstream_id,
            },
            Err(e) => self.after_error(m, &e),
        }
    }

    /// Sends a web channel's message on its live session (see [`crate::web::outbound`]).
    async fn attempt_on_session(
        &self,
        channel: &Channel,
        m: &switchboard_core::record::MessageRecord,
    ) -> DispatchOutcome {
        let body = match self.quoted_upstream_ids(channel, &m.body).await {
            Ok(body) => body,
            Err(e) => return self.after_error(m, &e),
        };
        let parts = crate::web::outbound::WebSend {
            store: self.gateway.store.as_ref(),
            media: &self.gateway.media,
            sessions: &self.gateway.web,
        };
        let body = body.as_ref().unwrap_or(&m.body);
        match crate::web::outbound::send(&parts, channel, &m.id, body).await {
            Ok(receipt) => DispatchOutcome::Sent {
                upstream_id: receipt.upstream_id,
            },
            // The session runs on another node: leave the channel's messages to it for a
            // while, without spending an attempt.
            Err(e) if e.code == Some(crate::web::outbound::RUNS_ELSEWHERE) => {
                self.claims
                    .runs_elsewhere(channel.id, Duration::from_millis(RUNS_ELSEWHERE_MS));
                DispatchOutcome::Retry {
                    not_before: now_millis() + 200,
                    error: None,
                    attempted: false,
                }
            }
            Err(e) => self.after_error(m, &e),
        }
    }

    /// Sends through a connector that uploads media with the send (Telegram): a cached
    /// upstream id is reused, else the file is attached and the id it gets cached.
    async fn send_with_uploads(
        &self,
        channel: &Channel,
        connector: &dyn switchboard_connectors::Connector,
        body: &Value,
    ) -> Result<switchboard_connectors::SendReceipt, ConnectorError> {
        use crate::media::upstream::{prepare, remember, Prepared};
        let uploads = Uploads {
            store: self.gateway.store.as_ref(),
            media: &self.gateway.media,
            upstream: &self.gateway.upstream,
        };
        match prepare(&uploads, channel, body).await? {
            Prepared::Body(body) => connector.send(&body).await,
            Prepared::Attach {
                body,
                media_id,
                attachment,
            } => {
                let uploaded_at = now_millis();
                let receipt = connector.send_with_attachment(&body, attachment).await?;
                if let Some(id) = &receipt.media_id {
                    remember(
                        self.gateway.store.as_ref(),
                        media_id,
                        channel,
                        id.clone(),
                        uploaded_at,
                    )
                    .await;
                }
                Ok(receipt)
            }
        }
    }

    /// For kinds other than WhatsApp, `context.message_id` and `reaction.message_id` may name
    /// our message (`msg_…`): they become its upstream id. `None` when nothing changes.
    async fn quoted_upstream_ids(
        &self,
        channel: &Channel,
        body: &Value,
    ) -> Result<Option<Value>, ConnectorError> {
        if channel.kind.is_whatsapp_cloud() {
            return Ok(None);
        }
        let mut changed = None;
        for pointer in ["/context/message_id", "/reaction/message_id"] {
            let Some(id) = body.pointer(pointer).and_then(Value::as_str) else {
                continue;
            };
            let Ok(ours) = id.parse::<switchboard_core::id::MessageId>() else {
                continue;
            };
            let found = self
                .gateway
                .store
                .get_message(channel.account_id, ours)
                .await
                .map_err(|e| ConnectorError::transient(format!("reading message {id}: {e}")))?;
            let upstream = found.and_then(|(m, _)| m.upstream_id).ok_or_else(|| {
                ConnectorError::permanent(format!(
                    "{}: message {id} has no upstream id on this channel (not sent yet, or not found)",
                    pointer.trim_start_matches('/').replace('/', ".")
                ))
            })?;
            let target = changed.get_or_insert_with(|| body.clone());
            if let Some(slot) = target.pointer_mut(pointer) {
                *slot = Value::String(upstream);
            }
        }
        Ok(changed)
    }

    /// Records what the upstream's answer says about the channel itself (its status).
    async fn note_upstream(&self, channel: &Channel, error: Option<&ConnectorError>) {
        let error = match error {
            Some(e) if switchboard_connectors::concerns_channel(channel.kind, e) => {
                Some(error_json(e))
            }
            Some(_) => return,
            None => None,
        };
        let recorded = crate::channels::record_upstream_outcome(
            self.gateway.store.as_ref(),
            channel.id,
            channel.state.status,
            error,
        )
        .await;
        match recorded {
            Ok(None) => {}
            Ok(Some(changed)) => {
                if changed {
                    tracing::info!(channel_id = %channel.id, "channel status changed after an upstream answer");
                }
                self.channels.forget(channel.id);
            }
            Err(e) => {
                tracing::warn!(channel_id = %channel.id, error = %e, "recording the channel's status failed")
            }
        }
    }

    fn after_error(
        &self,
        m: &switchboard_core::record::MessageRecord,
        e: &ConnectorError,
    ) -> DispatchOutcome {
        let error = error_json(e);
        let attempts = m.attempts + 1;
        let too_old = now_millis() - m.created_at > self.settings.max_age_ms;
        // Throttling (130429, 131056, 429) is retried until the message is too old, never
        // failed for the number of attempts: the upstream asked us to wait, not to give up.
        let out_of_attempts =
            e.class != ErrorClass::RateLimited && attempts >= self.settings.max_attempts;
        if e.class == ErrorClass::Permanent || out_of_attempts || too_old {
            tracing::info!(message_id = %m.id, code = ?e.code, class = ?e.class, attempts, "message failed");
            return DispatchOutcome::Failed { error };
        }
        let random: f64 = rand::rng().random();
        let mut delay = backoff_millis(
            attempts,
            self.settings.retry_base_ms,
            self.settings.retry_max_ms,
            0.2,
            random,
        );
        if let Some(after) = e.retry_after {
            delay = delay
                .max(after.as_millis() as u64)
                .min(self.settings.retry_max_ms.max(1));
        }
        tracing::debug!(message_id = %m.id, code = ?e.code, class = ?e.class, attempts, delay, "retrying");
        DispatchOutcome::Retry {
            not_before: now_millis() + delay as i64,
            error: Some(error),
            attempted: true,
        }
    }
}

/// How long a node leaves a web channel's messages to the node running its session.
const RUNS_ELSEWHERE_MS: u64 = 5_000;

/// Starts the dispatcher; it stops claiming when `cancel` fires and returns once in-flight
/// sends were recorded.
pub fn spawn(
    gateway: DispatchParts,
    settings: DispatchSettings,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(gateway, settings, cancel))
}

async fn run(gateway: DispatchParts, settings: DispatchSettings, cancel: CancellationToken) {
    let owner = format!("node-{}", switchboard_core::secret::random_hex(8));
    match gateway.store.release_leases_at_start().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "released leases left by the previous run"),
        Err(e) => tracing::warn!(error = %e, "could not release old leases; they will expire"),
    }
    // Several nodes may share a PostgreSQL database: each channel is dispatched by the node
    // holding its lease, so its rate limits hold across the cluster. SQLite is one node's.
    // The keeper stops after the dispatcher recorded its in-flight sends, so no other node
    // takes a channel over while this one is still sending on it.
    let keeper_cancel = CancellationToken::new();
    let keeper = (gateway.store.backend() == "postgres").then(|| {
        crate::channel_leases::spawn(
            gateway.store.clone(),
            owner.clone(),
            LeaseSettings::default(),
            keeper_cancel.clone(),
        )
    });
    let leases = keeper.as_ref().map(|(leases, _)| leases.clone());
    let mut held_changed = leases.clone();
    let worker = Arc::new(Worker {
        limiter: Limiter::new(settings.limits.clone()),
        channels: ChannelCache {
            entries: RwLock::new(HashMap::new()),
        },
        gateway: gateway.clone(),
        settings: settings.clone(),
        claims: claims::Claims::new(
            owner.clone(),
            settings.lease_ms,
            leases.clone(),
            gateway.web.clone(),
        ),
    });
    let slots = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut refreshed = Instant::now();
    promote_due(&gateway, true).await;
    loop {
        while tasks.try_join_next().is_some() {}
        if cancel.is_cancelled() {
            break;
        }
        let refresh = refreshed.elapsed() >= SCHEDULE_REFRESH;
        if refresh {
            refreshed = Instant::now();
        }
        promote_due(&gateway, refresh).await;
        let free = slots.available_permits();
        let mut full_batch = false;
        if free > 0 {
            let limit = free.min(1024) as u32;
            match worker
                .claims
                .claim(gateway.store.as_ref(), &worker.limiter, limit)
                .await
            {
                Ok(claimed) => {
                    full_batch = claimed.len() as u32 == limit;
                    for c in claimed {
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            break;
                        };
                        worker.claims.pending.add(c.message.channel_id);
                        let worker = worker.clone();
                        tasks.spawn(async move {
                            worker.process(c).await;
                            drop(permit);
                        });
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "claiming from the outbox failed");
                }
            }
        }
        if full_batch && slots.available_permits() > 0 {
            continue;
        }
        // Sleep until woken, the next poll, or the earliest scheduled message's time.
        let mut idle = Duration::from_millis(settings.poll_ms);
        if let Some(at) = gateway.outbox.next_due().get() {
            let until = u64::try_from(at.saturating_sub(now_millis())).unwrap_or(0);
            idle = idle.min(Duration::from_millis(until));
        }
        let leases_changed = async {
            let still_kept = match held_changed.as_mut() {
                Some(leases) => leases.changed().await,
                None => false,
            };
            if !still_kept {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = gateway.outbox.woken() => {
                // A send accepted here may be for a channel no node holds yet (just created).
                if let Some(leases) = &leases {
                    leases.nudge();
                }
            },
            _ = leases_changed => {},
            _ = tokio::time::sleep(idle) => {},
            _ = cancel.cancelled() => {},
        }
    }
    while tasks.join_next().await.is_some() {}
    keeper_cancel.cancel();
    if let Some((_, keeper)) = keeper {
        let _ = keeper.await;
    }
    tracing::info!("dispatcher stopped");
}
