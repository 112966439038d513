//! What the dispatcher claims, so messages held by their channel's rate limit are not
//! claimed only to be released again, over and over: while no channel is short of tokens,
//! one claim of everything due (the common case, one statement); once a channel ran dry
//! (its limiter made a message wait) and until its bucket is full again, it is claimed alone
//! for no more than its limiter can send now, less its claimed messages not yet past it,
//! and the other channels together. What a channel over-claims before it first runs dry is
//! released with the wait as its `not_before` once. Chats held by a pair limit are released
//! the same way; the store's heads are ordered by due time, so those chats are not claimed
//! again before then.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use switchboard_core::id::ChannelId;
use switchboard_core::time::now_millis;
use switchboard_store::messages::{Claimed, OutboxClaim};
use switchboard_store::{Store, StoreResult};

use crate::channel_leases::ChannelLeases;
use crate::limits::Limiter;

/// How long the list of channels is reused before it is read again (it is only read while a
/// channel is short of tokens; a channel created meanwhile waits at most this long).
const CHANNEL_LIST_TTL: Duration = Duration::from_secs(1);

/// Claimed messages per channel the limiter has not yet ruled on (they will take tokens).
#[derive(Default)]
pub(super) struct Pending {
    counts: Mutex<HashMap<ChannelId, u32>>,
}

impl Pending {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelId, u32>> {
        match self.counts.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A message of `channel` was claimed.
    pub(super) fn add(&self, channel: ChannelId) {
        *self.counts().entry(channel).or_insert(0) += 1;
    }

    /// The limiter ruled on a message of `channel` (or it never reached the limiter).
    pub(super) fn done(&self, channel: ChannelId) {
        let mut counts = self.counts();
        if let Some(n) = counts.get_mut(&channel) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&channel);
            }
        }
    }

    fn of(&self, channel: ChannelId) -> u32 {
        self.counts().get(&channel).copied().unwrap_or(0)
    }
}

/// The dispatcher's claims (see the module).
pub(super) struct Claims {
    /// The lease owner.
    pub(super) owner: String,
    /// How long a claim is leased.
    pub(super) lease_ms: i64,
    /// Claimed messages not yet past the limiter, per channel.
    pub(super) pending: Pending,
    channels: Mutex<Option<(Vec<ChannelId>, Instant)>>,
    /// The channels this node may dispatch, when a channel is dispatched by one node at a
    /// time (PostgreSQL); `None`: every channel (SQLite, one node).
    leases: Option<ChannelLeases>,
    /// The WhatsApp Web sessions running on this node: their channels are claimed here
    /// whoever holds their channel lease (a session sends only on the node running it).
    web: crate::web::WebSessions,
    /// Web channels whose session runs on another node, seen on a send: not claimed here
    /// until the instant noted, so the node running the session claims their messages.
    elsewhere: Mutex<HashMap<ChannelId, Instant>>,
}

impl Claims {
    /// Claims for `owner`, leased for `lease_ms`, of the channels `leases` holds (every
    /// channel without).
    pub(super) fn new(
        owner: String,
        lease_ms: i64,
        leases: Option<ChannelLeases>,
        web: crate::web::WebSessions,
    ) -> Self {
        Self {
            owner,
            lease_ms,
            pending: Pending::default(),
            channels: Mutex::new(None),
            leases,
            web,
            elsewhere: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `channel`'s web session runs on another node: this node leaves its
    /// messages to that node for `for_how_long`.
    pub(super) fn runs_elsewhere(&self, channel: ChannelId, for_how_long: Duration) {
        let mut map = self
            .elsewhere
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        map.retain(|_, until| *until > now);
        map.insert(channel, now + for_how_long);
    }

    /// Whether `channel` is left to another node now.
    fn left_elsewhere(&self, channel: ChannelId) -> bool {
        self.elsewhere
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&channel)
            .is_some_and(|until| *until > Instant::now())
    }

    /// The channels this node holds, with those of the web sessions it runs.
    fn held(&self, leases: &ChannelLeases) -> Vec<ChannelId> {
        let mut held: Vec<ChannelId> = leases
            .held()
            .iter()
            .copied()
            .filter(|c| !self.left_elsewhere(*c))
            .collect();
        for channel in self.web.live_channels() {
            if let Err(at) = held.binary_search(&channel) {
                held.insert(at, channel);
            }
        }
        held
    }

    /// Up to `free` due messages that the limiter can send now.
    pub(super) async fn claim(
        &self,
        store: &dyn Store,
        limiter: &Limiter,
        free: u32,
    ) -> StoreResult<Vec<Claimed>> {
        let short = limiter.short_channels(now_millis(), f64::from(free));
        if short.is_empty() {
            return self.claim_of(store, None, free).await;
        }
        let mut claimed = Vec::new();
        let mut left = free;
        for (channel, tokens) in &short {
            let budget = tokens.saturating_sub(self.pending.of(*channel)).min(left);
            if budget == 0 {
                continue;
            }
            let got = self
                .claim_of(store, Some(std::slice::from_ref(channel)), budget)
                .await?;
            left -= got.len() as u32;
            claimed.extend(got);
        }
        if left > 0 {
            // With leases, the channels this node may claim are the ones it holds: no read.
            let candidates = match &self.leases {
                Some(leases) => self.held(leases),
                None => self.channel_ids(store).await?,
            };
            let others: Vec<ChannelId> = candidates
                .into_iter()
                .filter(|id| !short.iter().any(|(s, _)| s == id))
                .collect();
            if !others.is_empty() {
                claimed.extend(self.claim_of(store, Some(&others), left).await?);
            }
        }
        Ok(claimed)
    }

    async fn claim_of(
        &self,
        store: &dyn Store,
        channels: Option<&[ChannelId]>,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>> {
        // Only the channels this node holds the lease of.
        let held;
        let channels = match (&self.leases, channels) {
            (None, channels) => channels,
            (Some(leases), None) => {
                held = self.held(leases);
                Some(&held[..])
            }
            (Some(leases), Some(some)) => {
                held = some
                    .iter()
                    .copied()
                    .filter(|c| {
                        (leases.holds(*c) && !self.left_elsewhere(*c))
                            || self.web.live(*c).is_some()
                    })
                    .collect();
                Some(&held[..])
            }
        };
        if channels.is_some_and(<[ChannelId]>::is_empty) {
            return Ok(Vec::new());
        }
        store
            .claim_outbox(&OutboxClaim {
                owner: &self.owner,
                now: now_millis(),
                lease_ms: self.lease_ms,
                limit,
                channels,
            })
            .await
    }

    /// Every channel's id, read at most every [`CHANNEL_LIST_TTL`].
    async fn channel_ids(&self, store: &dyn Store) -> StoreResult<Vec<ChannelId>> {
        if let Ok(cached) = self.channels.lock() {
            if let Some((ids, at)) = cached.as_ref() {
                if at.elapsed() < CHANNEL_LIST_TTL {
                    return Ok(ids.clone());
                }
            }
        }
        let ids: Vec<ChannelId> = store
            .channel_kinds()
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if let Ok(mut cached) = self.channels.lock() {
            *cached = Some((ids.clone(), Instant::now()));
        }
        Ok(ids)
    }
}
