//! PostgreSQL only: several nodes (separate stores on one database) taking the same leases at
//! once. Skipped without a server unless `CI=true` or `SWITCHBOARD_REQUIRE_POSTGRES=1`.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_store::testing::{self, PgTestDb};
use switchboard_store::Store;
use tokio::sync::Barrier;

const NODES: usize = 4;

/// A fresh database and `NODES` stores on it.
async fn nodes() -> Option<(PgTestDb, Vec<Arc<dyn Store>>)> {
    let db = testing::postgres_db().await?;
    let mut stores = Vec::new();
    for _ in 0..NODES {
        stores.push(db.open().await.expect("open PostgreSQL store"));
    }
    Some((db, stores))
}

async fn finish(db: PgTestDb, stores: Vec<Arc<dyn Store>>) {
    for s in stores {
        s.close().await;
    }
    db.cleanup().await;
}

/// Four nodes take one free lease at once, then (after it expired) four others take it over
/// at once: each time exactly one wins, and the takeover bumps the token once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_acquirers_one_wins() {
    let Some((db, stores)) = nodes().await else {
        return;
    };
    let mut last_token = 0;
    for now in [1_000, 10_000] {
        let start = Arc::new(Barrier::new(NODES));
        let mut tasks = Vec::new();
        for (n, store) in stores.iter().enumerate() {
            let (store, start) = (store.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                store
                    .try_acquire("channel:raced", &format!("node-{n}-at-{now}"), now, 5_000)
                    .await
                    .unwrap()
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            winners.extend(t.await.unwrap());
        }
        assert_eq!(
            winners.len(),
            1,
            "exactly one node wins at {now}: {winners:?}"
        );
        assert_eq!(winners[0].token, last_token + 1);
        last_token = winners[0].token;
    }
    finish(db, stores).await;
}

/// Four nodes take the same 100 leases in batches at once: each lease has one holder, and
/// no batch fails on a deadlock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_batch_acquirers_never_share_a_lease() {
    let Some((db, stores)) = nodes().await else {
        return;
    };
    let names: Vec<String> = (0..100).map(|i| format!("channel:{i:03}")).collect();
    let start = Arc::new(Barrier::new(NODES));
    let mut tasks = Vec::new();
    for (n, store) in stores.iter().enumerate() {
        let (store, start) = (store.clone(), start.clone());
        let mut mine = names.clone();
        mine.rotate_left(n * 25);
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let owner = format!("node-{n}");
            let mut got = Vec::new();
            for batch in mine.chunks(10) {
                got.extend(
                    store
                        .acquire_many(batch, &owner, 1_000, 60_000)
                        .await
                        .unwrap(),
                );
            }
            got
        }));
    }
    let mut held = HashMap::new();
    for t in tasks {
        for lease in t.await.unwrap() {
            assert!(
                held.insert(lease.name.clone(), lease.owner.clone())
                    .is_none(),
                "{} taken twice",
                lease.name
            );
        }
    }
    assert_eq!(held.len(), names.len(), "every lease has a holder");
    let listed = stores[0].list_leases("channel:").await.unwrap();
    let listed: HashMap<String, String> = listed.into_iter().map(|l| (l.name, l.owner)).collect();
    assert_eq!(listed, held);
    finish(db, stores).await;
}
