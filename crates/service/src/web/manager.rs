//! The node's session manager: every [`WebSessionSettings::poll_ms`](super::WebSessionSettings)
//! (and when woken by a start, stop or logout) it
//! 1. renews the leases of the sessions it runs and ends those whose lease was lost;
//! 2. ends the sessions whose stored state is no longer running (stopped, failed, deleted);
//! 3. starts the sessions that should run (`starting`, `working`) and whose lease it can
//!    take — on start-up this resumes every session that was working, without a QR code,
//!    and after a node died, another takes its sessions over once their leases expired;
//! 4. marks `stopped` a pairing (`scan_qr`) whose node is gone: its codes died with it, and
//!    showing new ones to nobody would only burn through WhatsApp's QR limit.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::channel::web_session::{FailReason, SessionState, WebSession};
use switchboard_core::id::AccountId;
use switchboard_core::time::now_millis;
use switchboard_store::leases::{Fence, Lease};
use switchboard_store::StoreResult;
use switchboard_web_driver::SessionStart;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::keys::StoreKeys;
use super::session_task::{self, SessionRun};
use super::{lease_name, Live, WebSessions};
use crate::media::inbound::InboundParts;

/// How many events a session may have queued before its driver waits.
const EVENT_QUEUE: usize = 256;

/// What the manager works with.
#[derive(Clone)]
pub struct ManagerParts {
    /// Store, upstreams, media.
    pub inbound: InboundParts,
    /// This node's sessions and drivers.
    pub sessions: WebSessions,
}

/// Starts the manager; on `cancel` it stops this node's sessions (keeping their state, so
/// the next start or another node resumes them) and gives their leases up.
pub fn spawn(parts: ManagerParts, cancel: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(parts, cancel))
}

async fn run(parts: ManagerParts, cancel: CancellationToken) {
    let mut tasks = JoinSet::new();
    let period = Duration::from_millis(parts.sessions.settings().poll_ms.max(10));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
            _ = parts.sessions.woken() => {}
        }
        while tasks.try_join_next().is_some() {}
        if let Err(e) = round(&parts, &mut tasks).await {
            tracing::warn!(error = %e, "the WhatsApp Web session round failed");
        }
    }
    for channel in parts.sessions.live_channels() {
        if let Some(live) = parts.sessions.live(channel) {
            live.stop.cancel();
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// One round (see the module documentation).
pub async fn round(parts: &ManagerParts, tasks: &mut JoinSet<()>) -> StoreResult<()> {
    let store = parts.inbound.store.clone();
    let sessions = &parts.sessions;
    let settings = sessions.settings().clone();
    let owner = sessions.owner().to_string();
    let now = now_millis();
    let running: Vec<Live> = sessions
        .live_channels()
        .into_iter()
        .filter_map(|c| sessions.live(c))
        .collect();
    if !running.is_empty() {
        let fences: Vec<Fence> = running.iter().map(|l| l.fence.clone()).collect();
        let kept = store
            .renew_many(&fences, &owner, now, settings.lease_ttl_ms)
            .await?;
        let kept: HashSet<String> = kept.into_iter().map(|l| l.name).collect();
        for live in &running {
            if !kept.contains(&live.fence.name) {
                tracing::warn!(lease = %live.fence.name, "a session lease was lost; stopping the session on this node");
                live.stop.cancel();
            }
        }
    }
    let wanted = store
        .web_sessions_in(&[
            SessionState::Starting,
            SessionState::ScanQr,
            SessionState::Working,
        ])
        .await?;
    let wanted_ids: HashSet<_> = wanted.iter().map(|(_, s)| s.channel_id).collect();
    for live in &running {
        let channel = live
            .fence
            .name
            .strip_prefix(super::LEASE_PREFIX)
            .and_then(|id| id.parse().ok());
        if channel.is_some_and(|c| !wanted_ids.contains(&c)) {
            live.stop.cancel();
        }
    }
    for (account, session) in wanted {
        if sessions.live(session.channel_id).is_some() {
            continue;
        }
        let name = lease_name(session.channel_id);
        let Some(lease) = store
            .try_acquire(&name, &owner, now, settings.lease_ttl_ms)
            .await?
        else {
            continue;
        };
        if session.state == SessionState::ScanQr {
            orphaned_pairing(parts, account, session, &lease).await;
            continue;
        }
        start(parts, account, session, lease, tasks).await;
    }
    Ok(())
}

/// A pairing whose node is gone ends as `stopped`.
async fn orphaned_pairing(
    parts: &ManagerParts,
    account: AccountId,
    session: WebSession,
    lease: &Lease,
) {
    let store = &parts.inbound.store;
    let previous = session.state;
    let mut record = session;
    record.state = SessionState::Stopped;
    record.reason = None;
    record.qr = None;
    record.pair_code = None;
    record.detail = Some(
        "the pairing ended when the node showing its QR codes stopped: start the session again"
            .into(),
    );
    record.updated_at = now_millis();
    if let Err(e) = store
        .set_web_session(account, &record, Some(previous), Some(&lease.fence()))
        .await
    {
        tracing::warn!(channel_id = %record.channel_id, error = %e, "ending an orphaned pairing failed");
    }
    release(parts, lease).await;
}

async fn release(parts: &ManagerParts, lease: &Lease) {
    if let Err(e) = parts
        .inbound
        .store
        .release(std::slice::from_ref(&lease.name), parts.sessions.owner())
        .await
    {
        tracing::warn!(lease = %lease.name, error = %e, "giving up a session lease failed; it will expire");
    }
}

/// Records that the session could not start and gives the lease up.
async fn start_failed(
    parts: &ManagerParts,
    account: AccountId,
    mut record: WebSession,
    lease: &Lease,
    why: String,
) {
    tracing::warn!(channel_id = %record.channel_id, reason = %why, "a WhatsApp Web session could not start");
    let previous = record.state;
    record.state = SessionState::Failed;
    record.reason = Some(FailReason::StartFailed);
    record.detail = Some(why);
    record.qr = None;
    record.pair_code = None;
    record.updated_at = now_millis();
    if let Err(e) = parts
        .inbound
        .store
        .set_web_session(account, &record, Some(previous), Some(&lease.fence()))
        .await
    {
        tracing::warn!(channel_id = %record.channel_id, error = %e, "recording a failed start failed");
    }
    release(parts, lease).await;
}

/// Starts `session` under `lease` and runs its event loop in `tasks`.
async fn start(
    parts: &ManagerParts,
    account: AccountId,
    session: WebSession,
    lease: Lease,
    tasks: &mut JoinSet<()>,
) {
    let store = parts.inbound.store.clone();
    let channel = match store.get_channel(account, session.channel_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return release(parts, &lease).await,
        Err(e) => {
            tracing::warn!(channel_id = %session.channel_id, error = %e, "reading a session's channel failed");
            return release(parts, &lease).await;
        }
    };
    let driver = match parts.sessions.driver_for(&channel) {
        Ok(d) => d,
        Err(why) => return start_failed(parts, account, session, &lease, why).await,
    };
    let fence = lease.fence();
    let keys = Arc::new(StoreKeys::new(store.clone(), channel.id, fence.clone()));
    let (events, receiver) = mpsc::channel(EVENT_QUEUE);
    let start = SessionStart {
        channel_id: channel.id.to_string(),
        keys,
        events,
        max_qr_codes: parts.sessions.settings().max_qr_codes,
    };
    let running = match driver.start(start).await {
        Ok(s) => s,
        Err(e) => {
            let why = format!(
                "the {} driver could not start the session: {e}",
                driver.name()
            );
            return start_failed(parts, account, session, &lease, why).await;
        }
    };
    tracing::info!(channel_id = %channel.id, driver = driver.name(), "WhatsApp Web session started");
    let live = Live {
        session: running,
        fence,
        account,
        stop: CancellationToken::new(),
        done: CancellationToken::new(),
        pair_phone: Default::default(),
    };
    parts.sessions.insert(channel.id, live.clone());
    let mut record = session;
    let previous = record.state;
    record.state = SessionState::Starting;
    record.reason = None;
    record.qr = None;
    record.pair_code = None;
    record.detail = Some(format!("connecting ({})", driver.name()));
    record.updated_at = now_millis();
    if let Err(e) = store
        .set_web_session(account, &record, Some(previous), Some(&live.fence))
        .await
    {
        tracing::warn!(channel_id = %channel.id, error = %e, "recording a session start failed");
    }
    tasks.spawn(session_task::run(SessionRun {
        parts: parts.inbound.clone(),
        sessions: parts.sessions.clone(),
        channel,
        live,
        record,
        events: receiver,
    }));
}
