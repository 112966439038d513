//! The channel lease keeper on both stores: one node takes every channel, two split them and
//! never hold one at once, a dead node's channels are taken after the lease's time to live, a
//! released channel at once. Rounds run at chosen times (`Keeper::tick`), so nothing waits.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::channel::ChannelKind;
use switchboard_core::id::ChannelId;
use switchboard_service::channel_leases::{self, Keeper, LeaseSettings, CHANNEL_PREFIX};
use switchboard_store::conformance::{account, channel_of_kind, create_with_key};
use switchboard_store::{testing, Store};

use super::faults::Faults;
use super::faulty_store::FaultyStore;
use tokio_util::sync::CancellationToken;

const TTL: i64 = 15_000;

/// Runs `case` with two stores on one database ("two nodes"): SQLite (one store shared) and
/// PostgreSQL (two connections pools), skipped without PostgreSQL.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = switchboard_store::testing::sqlite().await;
                    super::$name([db.store.clone(), db.store.clone()]).await;
                    db.store.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::on_postgres(super::$name).await;
                }
            )*
        }
    };
}

async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce([Arc<dyn Store>; 2]) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let a = db.open().await.expect("open PostgreSQL store");
    let b = db.open().await.expect("open PostgreSQL store");
    case([a.clone(), b.clone()]).await;
    a.close().await;
    b.close().await;
    db.cleanup().await;
}

on_both_stores!(
    one_node_takes_every_channel,
    two_nodes_split_the_channels,
    a_dead_nodes_channels_are_taken_after_the_ttl,
    released_channels_are_taken_at_the_next_round,
    deleted_channels_are_given_up,
    the_spawned_keeper_releases_on_shutdown,
    a_paused_node_drops_what_it_lost,
    a_failed_round_keeps_only_leases_outlasting_the_next,
    keepers_ticking_at_once_never_share_a_channel,
);

/// `n` cloud channels (and one telegram channel, which the keepers are told to leave alone);
/// the cloud channels' ids, sorted.
async fn channels(store: &Arc<dyn Store>, n: u32) -> Vec<ChannelId> {
    let a = account("leases");
    let mut all: Vec<_> = (0..n)
        .map(|i| channel_of_kind(a.id, ChannelKind::Cloud, i))
        .collect();
    let mut ids: Vec<ChannelId> = all.iter().map(|c| c.id).collect();
    all.push(channel_of_kind(a.id, ChannelKind::Telegram, 99));
    create_with_key(store, &a, &all).await;
    ids.sort();
    ids
}

fn settings() -> LeaseSettings {
    LeaseSettings {
        kinds: vec![ChannelKind::Cloud, ChannelKind::Sandbox],
        ..LeaseSettings::with_ttl(TTL)
    }
}

fn held(k: &Keeper) -> BTreeSet<ChannelId> {
    k.held().keys().copied().collect()
}

/// The store's view: each channel's holder.
async fn holders(store: &Arc<dyn Store>) -> HashMap<String, String> {
    store
        .list_leases(CHANNEL_PREFIX)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| !l.name.starts_with(channel_leases::KEEPER_PREFIX))
        .map(|l| (l.name, l.owner))
        .collect()
}

/// The two keepers hold disjoint sets, together every channel, each published as held at
/// `at` (their last round).
fn assert_split(a: &Keeper, b: &Keeper, all: &[ChannelId], at: i64) {
    let (ha, hb) = (held(a), held(b));
    assert!(ha.is_disjoint(&hb), "a channel held twice: {ha:?} {hb:?}");
    let union: Vec<ChannelId> = ha.union(&hb).copied().collect();
    assert_eq!(union, all, "every channel is held");
    assert_eq!(
        &*a.leases().held_at(at),
        ha.iter().copied().collect::<Vec<_>>()
    );
    assert_eq!(
        &*b.leases().held_at(at),
        hb.iter().copied().collect::<Vec<_>>()
    );
}

async fn one_node_takes_every_channel(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 6).await;
    let mut a = Keeper::new(stores[0].clone(), "node-a", settings());
    assert!(a.leases().held_at(1_000).is_empty());
    a.tick(1_000).await.unwrap();
    assert_eq!(held(&a).into_iter().collect::<Vec<_>>(), all);
    assert_eq!(&*a.leases().held_at(1_000), all.as_slice());
    // Without another round, the publication lapses one renewal interval before the leases.
    let lapse = 1_000 + TTL - i64::try_from(settings().renew_ms).unwrap();
    assert_eq!(&*a.leases().held_at(lapse - 1), all.as_slice());
    assert!(a.leases().held_at(lapse).is_empty());
    assert!(
        a.leases().held().is_empty(),
        "leases of 1970 are not held now"
    );
    let tokens: Vec<i64> = a.held().values().map(|l| l.token).collect();
    a.tick(6_000).await.unwrap();
    assert_eq!(
        a.held().values().map(|l| l.token).collect::<Vec<_>>(),
        tokens,
        "renewing keeps the tokens"
    );
    assert!(a.held().values().all(|l| l.expires_at == 6_000 + TTL));
    let owners = holders(&stores[0]).await;
    assert_eq!(owners.len(), 6, "the telegram channel is left alone");
    assert!(owners.values().all(|o| o == "node-a"));
}

async fn two_nodes_split_the_channels(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 7).await;
    let mut a = Keeper::new(stores[0].clone(), "node-a", settings());
    let mut b = Keeper::new(stores[1].clone(), "node-b", settings());
    a.tick(1_000).await.unwrap();
    b.tick(1_000).await.unwrap();
    assert_eq!(held(&a).len(), 7);
    assert!(held(&b).is_empty(), "a's leases are live");
    let mut now = 1_000;
    for _ in 0..4 {
        now += 5_000;
        a.tick(now).await.unwrap();
        assert!(held(&a).is_disjoint(&held(&b)));
        b.tick(now).await.unwrap();
        assert!(held(&a).is_disjoint(&held(&b)));
    }
    assert_split(&a, &b, &all, now);
    assert_eq!(held(&a).len(), 4, "the fair share is ceil(7 / 2)");
    assert_eq!(held(&b).len(), 3);
    let owners = holders(&stores[1]).await;
    for id in &all {
        let owner = &owners[&channel_leases::lease_name(*id)];
        let expected = if held(&a).contains(id) {
            "node-a"
        } else {
            "node-b"
        };
        assert_eq!(owner, expected);
    }
}

/// Two keepers that split the channels, after enough rounds; the time of their last round.
async fn split(stores: &[Arc<dyn Store>; 2], all: &[ChannelId]) -> (Keeper, Keeper, i64) {
    let mut a = Keeper::new(stores[0].clone(), "node-a", settings());
    let mut b = Keeper::new(stores[1].clone(), "node-b", settings());
    let mut now = 1_000;
    for _ in 0..3 {
        now += 5_000;
        a.tick(now).await.unwrap();
        b.tick(now).await.unwrap();
    }
    assert_split(&a, &b, all, now);
    (a, b, now)
}

async fn a_dead_nodes_channels_are_taken_after_the_ttl(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 6).await;
    let (mut a, b, last_b) = split(&stores, &all).await;
    let b_leases: Vec<_> = b.held().values().cloned().collect();
    drop(b);
    a.tick(last_b + TTL - 1).await.unwrap();
    assert_eq!(held(&a).len(), 3, "b's leases are still live");
    a.tick(last_b + TTL).await.unwrap();
    assert_eq!(held(&a).into_iter().collect::<Vec<_>>(), all);
    for old in b_leases {
        assert!(
            !stores[0].check_fence(&old.fence()).await.unwrap(),
            "the dead node's fences are stale"
        );
        let id: ChannelId = old.name[CHANNEL_PREFIX.len()..].parse().unwrap();
        assert!(
            a.held()[&id].token > old.token,
            "the takeover bumped the token"
        );
    }
}

async fn released_channels_are_taken_at_the_next_round(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 6).await;
    let (mut a, mut b, now) = split(&stores, &all).await;
    b.release_all().await.unwrap();
    assert!(b.leases().held_at(now).is_empty());
    a.tick(now + 1).await.unwrap();
    assert_eq!(
        held(&a).into_iter().collect::<Vec<_>>(),
        all,
        "taken long before b's leases would have expired"
    );
}

async fn deleted_channels_are_given_up(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 3).await;
    let mut a = Keeper::new(stores[0].clone(), "node-a", settings());
    a.tick(1_000).await.unwrap();
    let gone = all[1];
    let c = stores[0].find_channel(gone).await.unwrap().unwrap();
    assert!(stores[0]
        .delete_channel(c.account_id, gone, 1_500)
        .await
        .unwrap());
    a.tick(2_000).await.unwrap();
    assert!(!a.leases().held_at(2_000).contains(&gone));
    assert_eq!(held(&a).len(), 2);
    assert!(!holders(&stores[0])
        .await
        .contains_key(&channel_leases::lease_name(gone)));
}

async fn the_spawned_keeper_releases_on_shutdown(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 4).await;
    let cancel = CancellationToken::new();
    let (mut leases, task) =
        channel_leases::spawn(stores[0].clone(), "node-a", settings(), cancel.clone());
    let first = tokio::time::timeout(Duration::from_secs(30), leases.changed())
        .await
        .expect("the keeper publishes its first round");
    assert!(first);
    assert_eq!(&*leases.held(), all.as_slice());
    cancel.cancel();
    task.await.unwrap();
    assert!(leases.held().is_empty());
    assert!(
        stores[1]
            .list_leases(CHANNEL_PREFIX)
            .await
            .unwrap()
            .is_empty(),
        "everything released, membership included"
    );
}

async fn a_paused_node_drops_what_it_lost(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 6).await;
    let mut a = Keeper::new(stores[0].clone(), "node-a", settings());
    let mut b = Keeper::new(stores[1].clone(), "node-b", settings());
    a.tick(1_000).await.unwrap();
    assert_eq!(held(&a).len(), 6);
    // a stalls past its leases' end; b takes everything over.
    b.tick(1_000 + TTL).await.unwrap();
    assert_eq!(held(&b).into_iter().collect::<Vec<_>>(), all);
    a.tick(2_000 + TTL).await.unwrap();
    assert!(held(&a).is_empty(), "a dropped what b took: {:?}", held(&a));
    assert!(a.leases().held_at(2_000 + TTL).is_empty());
    let mut now = 2_000 + TTL;
    for _ in 0..2 {
        now += 5_000;
        b.tick(now).await.unwrap();
        assert!(held(&a).is_disjoint(&held(&b)));
        a.tick(now).await.unwrap();
        assert!(held(&a).is_disjoint(&held(&b)));
    }
    assert_split(&a, &b, &all, now);
    assert_eq!((held(&a).len(), held(&b).len()), (3, 3));
}

async fn a_failed_round_keeps_only_leases_outlasting_the_next(stores: [Arc<dyn Store>; 2]) {
    channels(&stores[0], 2).await;
    let faulty = Arc::new(FaultyStore {
        inner: stores[0].clone(),
        faults: Faults::default(),
    });
    let mut a = Keeper::new(faulty.clone(), "node-a", settings());
    a.tick(1_000).await.unwrap();
    let renew = i64::try_from(settings().renew_ms).unwrap();
    faulty.faults.fail("acquire_many", 2);
    let early = 1_000 + TTL - renew - 1;
    assert!(a.tick(early).await.is_err());
    a.drop_expiring(early);
    assert_eq!(held(&a).len(), 2, "still held at the next round");
    assert_eq!(a.leases().held_at(early).len(), 2);
    let late = early + 1;
    assert!(a.tick(late).await.is_err());
    a.drop_expiring(late);
    assert!(
        held(&a).is_empty(),
        "a lease ending before the next round is dropped"
    );
    assert!(a.leases().held_at(late).is_empty());
}

async fn keepers_ticking_at_once_never_share_a_channel(stores: [Arc<dyn Store>; 2]) {
    let all = channels(&stores[0], 20).await;
    let mut a = Keeper::new(stores[0].clone(), "node-a", settings());
    let mut b = Keeper::new(stores[1].clone(), "node-b", settings());
    let mut now = 1_000;
    for _ in 0..6 {
        now += 5_000;
        let (ra, rb) = tokio::join!(a.tick(now), b.tick(now));
        ra.unwrap();
        rb.unwrap();
        assert!(
            held(&a).is_disjoint(&held(&b)),
            "a channel held twice at {now}"
        );
    }
    assert_split(&a, &b, &all, now);
    assert_eq!((held(&a).len(), held(&b).len()), (10, 10));
}
