//! The channel lease keeper: one per node, so that a channel is dispatched by one node at a
//! time and its rate limits (`dispatch.channel_mps`, the pair limits) hold across a cluster.
//!
//! Every [`LeaseSettings::renew_ms`] the keeper, in three round trips whatever the number of
//! channels (four when it gives some up): lists the channels (ids and kinds) and the
//! `channel:` leases; gives up the ones over its fair share and those of deleted channels;
//! renews the leases it holds and takes free ones (never taken, released, or expired) in one
//! [`LeaseStore::acquire_many`](switchboard_store::LeaseStore::acquire_many). The owner names
//! the node and must be unique to it (a random id per start). The fair share is
//! `ceil(channels / live keepers)`: each keeper also holds a membership lease
//! (`channel:keeper:<owner>`), so the keepers see each other even when one holds no channel.
//! A node that dies stops renewing; once its leases expired, its membership is gone too and
//! the others take its channels. On shutdown the keeper releases everything at once.
//!
//! What the node holds is published as a sorted slice ([`ChannelLeases::held`]), cheap to
//! read on every claim, valid until one renewal interval before the leases end: if rounds
//! stop succeeding (the store fails or hangs, the task starves) the slice reads as empty
//! from then on, so a node cut off from the store stops dispatching before another node may
//! take its channels over.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::channel::ChannelKind;
use switchboard_core::id::ChannelId;
use switchboard_core::time::{now_millis, Millis};
use switchboard_store::leases::Lease;
use switchboard_store::{Store, StoreResult};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The shortest time between two rounds asked for by [`ChannelLeases::nudge`].
const NUDGE_GAP: Duration = Duration::from_millis(200);

/// The prefix of channel lease names: `channel:<id>`.
pub const CHANNEL_PREFIX: &str = "channel:";

/// The prefix of keeper membership lease names: `channel:keeper:<owner>`.
pub const KEEPER_PREFIX: &str = "channel:keeper:";

/// The lease name of a channel.
pub fn lease_name(channel: ChannelId) -> String {
    format!("{CHANNEL_PREFIX}{channel}")
}

/// Keeper settings.
#[derive(Debug, Clone)]
pub struct LeaseSettings {
    /// How long a lease lasts without renewal: how long a dead node's channels wait.
    pub ttl_ms: i64,
    /// How often leases are renewed and free channels taken (well under `ttl_ms`).
    pub renew_ms: u64,
    /// The kinds of channels taken (those the dispatcher sends).
    pub kinds: Vec<ChannelKind>,
}

impl LeaseSettings {
    /// Leases lasting `ttl_ms`, renewed every third of that, on channels of every kind.
    pub fn with_ttl(ttl_ms: i64) -> Self {
        Self {
            ttl_ms,
            renew_ms: u64::try_from(ttl_ms / 3).unwrap_or(1).max(1),
            kinds: ChannelKind::ALL.to_vec(),
        }
    }
}

impl Default for LeaseSettings {
    fn default() -> Self {
        Self::with_ttl(15_000)
    }
}

/// What a keeper published: the channels and until when they may be used.
#[derive(Clone)]
struct Published {
    ids: Arc<[ChannelId]>,
    until: Millis,
}

/// The channels this node holds, as the keeper last published them.
#[derive(Clone)]
pub struct ChannelLeases {
    held: watch::Receiver<Published>,
    nudge: Arc<Notify>,
    none: Arc<[ChannelId]>,
}

impl ChannelLeases {
    /// The channels held, sorted (a cheap copy of a shared slice); empty once the last
    /// successful round is too old.
    pub fn held(&self) -> Arc<[ChannelId]> {
        self.held_at(now_millis())
    }

    /// [`ChannelLeases::held`] at the time `now`.
    pub fn held_at(&self, now: Millis) -> Arc<[ChannelId]> {
        let published = self.held.borrow();
        if now < published.until {
            published.ids.clone()
        } else {
            self.none.clone()
        }
    }

    /// Whether `channel` is held.
    pub fn holds(&self, channel: ChannelId) -> bool {
        self.held().binary_search(&channel).is_ok()
    }

    /// Waits until the held set changed; false once the keeper is gone.
    pub async fn changed(&mut self) -> bool {
        self.held.changed().await.is_ok()
    }

    /// Asks the keeper for a round now (e.g. after a channel was created on this node).
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }
}

/// One node's keeper of channel leases; [`spawn`] runs it, tests drive its rounds.
pub struct Keeper {
    store: Arc<dyn Store>,
    owner: String,
    settings: LeaseSettings,
    held: BTreeMap<ChannelId, Lease>,
    publish: watch::Sender<Published>,
    leases: ChannelLeases,
}

impl Keeper {
    /// A keeper for the node `owner`, holding nothing yet.
    pub fn new(store: Arc<dyn Store>, owner: impl Into<String>, settings: LeaseSettings) -> Self {
        let none: Arc<[ChannelId]> = Arc::from(Vec::new());
        let (publish, held) = watch::channel(Published {
            ids: none.clone(),
            until: Millis::MIN,
        });
        Self {
            store,
            owner: owner.into(),
            settings,
            held: BTreeMap::new(),
            publish,
            leases: ChannelLeases {
                held,
                nudge: Arc::new(Notify::new()),
                none,
            },
        }
    }

    /// The published view of what this keeper holds.
    pub fn leases(&self) -> ChannelLeases {
        self.leases.clone()
    }

    /// The leases held, by channel.
    pub fn held(&self) -> &BTreeMap<ChannelId, Lease> {
        &self.held
    }

    fn membership(&self) -> String {
        format!("{KEEPER_PREFIX}{}", self.owner)
    }

    /// One round at `now`: renew, take the free channels up to the fair share, give up the
    /// excess; then publish.
    pub async fn tick(&mut self, now: Millis) -> StoreResult<()> {
        let kinds: HashSet<ChannelKind> = self.settings.kinds.iter().copied().collect();
        let channels: Vec<ChannelId> = self
            .store
            .channel_kinds()
            .await?
            .into_iter()
            .filter(|(_, kind)| kinds.contains(kind))
            .map(|(id, _)| id)
            .collect();
        let rows = self.store.list_leases(CHANNEL_PREFIX).await?;
        let mut keepers: BTreeSet<&str> = BTreeSet::from([self.owner.as_str()]);
        let mut taken: BTreeMap<ChannelId, &Lease> = BTreeMap::new();
        for row in &rows {
            if let Some(owner) = row.name.strip_prefix(KEEPER_PREFIX) {
                if row.live_at(now) {
                    keepers.insert(owner);
                }
            } else if let Some(id) = row.name.strip_prefix(CHANNEL_PREFIX) {
                if let Ok(id) = id.parse::<ChannelId>() {
                    taken.insert(id, row);
                }
            }
        }
        let share = channels.len().div_ceil(keepers.len());
        let existing: HashSet<ChannelId> = channels.iter().copied().collect();
        let mut give_up: Vec<ChannelId> = self
            .held
            .keys()
            .copied()
            .filter(|id| !existing.contains(id))
            .collect();
        let mut keep: Vec<ChannelId> = self
            .held
            .keys()
            .copied()
            .filter(|id| existing.contains(id))
            .collect();
        if keep.len() > share {
            give_up.extend(keep.split_off(share));
        }
        let free = |id: &ChannelId| {
            !self.held.contains_key(id)
                && taken
                    .get(id)
                    .is_none_or(|l| l.owner == self.owner || !l.live_at(now))
        };
        let start = preferred_start(&self.owner, channels.len());
        let take: Vec<ChannelId> = channels[start..]
            .iter()
            .chain(&channels[..start])
            .copied()
            .filter(free)
            .take(share - keep.len())
            .collect();
        let mut names: Vec<String> = keep.iter().chain(&take).map(|id| lease_name(*id)).collect();
        names.push(self.membership());
        if !give_up.is_empty() {
            let names: Vec<String> = give_up.iter().map(|id| lease_name(*id)).collect();
            self.store.release(&names, &self.owner).await?;
            for id in &give_up {
                self.held.remove(id);
            }
        }
        let got = self
            .store
            .acquire_many(&names, &self.owner, now, self.settings.ttl_ms)
            .await?;
        let mut held = BTreeMap::new();
        for lease in got {
            let Some(id) = lease.name.strip_prefix(CHANNEL_PREFIX) else {
                continue;
            };
            if let Ok(id) = id.parse::<ChannelId>() {
                held.insert(id, lease);
            }
        }
        for id in self.held.keys().filter(|id| !held.contains_key(id)) {
            tracing::warn!(channel_id = %id, owner = %self.owner, "channel lease lost to another node");
        }
        self.held = held;
        self.publish_held();
        Ok(())
    }

    fn renew_ms(&self) -> i64 {
        i64::try_from(self.settings.renew_ms).unwrap_or(i64::MAX)
    }

    /// After a failed round at `now`: keeps only the leases that outlast the next round.
    pub fn drop_expiring(&mut self, now: Millis) {
        let horizon = now.saturating_add(self.renew_ms());
        self.held.retain(|_, lease| lease.expires_at > horizon);
        self.publish_held();
    }

    /// Gives every lease up (a node stopping) and publishes the empty set.
    pub async fn release_all(&mut self) -> StoreResult<()> {
        let mut names: Vec<String> = self.held.keys().map(|id| lease_name(*id)).collect();
        names.push(self.membership());
        self.held.clear();
        self.publish_held();
        self.store.release(&names, &self.owner).await?;
        Ok(())
    }

    /// Publishes the held channels, usable until one renewal interval before the first of
    /// their leases ends.
    fn publish_held(&self) {
        let ids: Arc<[ChannelId]> = self.held.keys().copied().collect();
        let until = self
            .held
            .values()
            .map(|l| l.expires_at)
            .min()
            .map_or(Millis::MAX, |end| end.saturating_sub(self.renew_ms()));
        self.publish.send_replace(Published { ids, until });
    }

    /// Runs rounds every `renew_ms` (or when nudged) until `cancel` fires, then releases.
    pub async fn run(mut self, cancel: CancellationToken) {
        let nudge = self.leases.nudge.clone();
        let every = Duration::from_millis(self.settings.renew_ms.max(1));
        // A round outlasting the leases' time to live is given up (its leases lapsed anyway).
        let patience = Duration::from_millis(u64::try_from(self.settings.ttl_ms).unwrap_or(0));
        loop {
            let gap = tokio::time::Instant::now() + NUDGE_GAP;
            let now = now_millis();
            let failure = match tokio::time::timeout(patience, self.tick(now)).await {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some("the round outlasted the leases' time to live".to_string()),
            };
            if let Some(error) = failure {
                tracing::warn!(%error, owner = %self.owner, "renewing channel leases failed");
                self.drop_expiring(now_millis());
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
                // Nudges (one per send accepted here, coalesced) run a round at most
                // every NUDGE_GAP.
                _ = nudge.notified() => tokio::time::sleep_until(gap).await,
            }
        }
        if let Err(e) = self.release_all().await {
            tracing::warn!(error = %e, owner = %self.owner, "releasing channel leases failed; they will expire");
        }
    }
}

/// Where in the sorted channel list `owner` starts looking for free channels: spread by a
/// hash of the owner, so keepers starting together mostly ask for different channels.
fn preferred_start(owner: &str, channels: usize) -> usize {
    if channels == 0 {
        return 0;
    }
    let hash = owner.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    usize::try_from(hash % channels as u64).unwrap_or(0)
}

/// Starts the keeper of node `owner`; it releases its leases and stops when `cancel` fires.
pub fn spawn(
    store: Arc<dyn Store>,
    owner: impl Into<String>,
    settings: LeaseSettings,
    cancel: CancellationToken,
) -> (ChannelLeases, JoinHandle<()>) {
    let keeper = Keeper::new(store, owner, settings);
    let leases = keeper.leases();
    (leases, tokio::spawn(keeper.run(cancel)))
}

#[cfg(test)]
mod tests {
    use super::preferred_start;

    #[test]
    fn starts_spread_within_the_list() {
        assert_eq!(preferred_start("node-a", 0), 0);
        let starts: Vec<usize> = (0..8)
            .map(|n| preferred_start(&format!("node-{n}"), 1000))
            .collect();
        assert!(starts.iter().all(|s| *s < 1000));
        let distinct: std::collections::HashSet<_> = starts.iter().collect();
        assert!(distinct.len() > 1, "{starts:?}");
    }
}
