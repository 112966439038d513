//! Conformance tests for named leases and their fencing tokens, run on every backend.

use std::sync::Arc;

use crate::leases::Fence;
use crate::Store;

/// A lease name unique to this run (test runs may share a database).
fn unique(prefix: &str) -> String {
    format!("{prefix}{}", switchboard_core::secret::random_hex(8))
}

/// A free lease is taken with token 1; another owner is refused while it is live; its owner
/// renews it (by taking it again or by renewing) without changing the token.
pub async fn leases_are_exclusive_while_live(store: Arc<dyn Store>) {
    let name = unique("channel:");
    let a = store
        .try_acquire(&name, "node-a", 1_000, 500)
        .await
        .unwrap()
        .expect("a free lease is taken");
    assert_eq!(
        (a.owner.as_str(), a.token, a.expires_at),
        ("node-a", 1, 1_500)
    );
    assert_eq!(
        store
            .try_acquire(&name, "node-b", 1_499, 500)
            .await
            .unwrap(),
        None,
        "another owner is refused while the lease is live"
    );
    let again = store
        .try_acquire(&name, "node-a", 1_400, 500)
        .await
        .unwrap()
        .expect("the owner takes its own lease again");
    assert_eq!((again.token, again.expires_at), (1, 1_900));
    let renewed = store
        .renew(&a.fence(), "node-a", 1_800, 500)
        .await
        .unwrap()
        .expect("the owner renews");
    assert_eq!((renewed.token, renewed.expires_at), (1, 2_300));
    assert_eq!(
        store.renew(&a.fence(), "node-b", 1_800, 500).await.unwrap(),
        None,
        "only the owner renews"
    );
    assert!(store.check_fence(&a.fence()).await.unwrap());
}

/// Once a lease expired another owner takes it over with a greater token; the old owner's
/// renewal and fence then fail, and it cannot take the lease back while the new one lives.
pub async fn takeover_after_expiry_bumps_the_token(store: Arc<dyn Store>) {
    let name = unique("web:");
    let a = store
        .try_acquire(&name, "node-a", 1_000, 500)
        .await
        .unwrap()
        .unwrap();
    let b = store
        .try_acquire(&name, "node-b", 1_500, 500)
        .await
        .unwrap()
        .expect("an expired lease is taken over");
    assert_eq!(b.owner, "node-b");
    assert!(b.token > a.token, "a takeover bumps the token");
    assert_eq!(
        store.renew(&a.fence(), "node-a", 1_600, 500).await.unwrap(),
        None,
        "a renewal with a stale token fails"
    );
    assert!(!store.check_fence(&a.fence()).await.unwrap(), "stale fence");
    assert!(store.check_fence(&b.fence()).await.unwrap());
    assert!(
        !store
            .check_fence(&Fence {
                name: name.clone(),
                token: b.token + 1
            })
            .await
            .unwrap(),
        "a token never handed out is no fence"
    );
    assert_eq!(
        store
            .try_acquire(&name, "node-a", 1_600, 500)
            .await
            .unwrap(),
        None
    );
    // An expired lease still ours, not taken by anyone, is renewed with its token.
    let late = store
        .renew(&b.fence(), "node-b", 5_000, 500)
        .await
        .unwrap()
        .expect("nobody took it over");
    assert_eq!((late.token, late.expires_at), (b.token, 5_500));
}

/// A release by another owner does nothing; the owner's release frees the lease at once and
/// invalidates its fence, and the next holder gets a greater token.
pub async fn release_frees_only_ones_own(store: Arc<dyn Store>) {
    let name = unique("channel:");
    let a = store
        .try_acquire(&name, "node-a", 1_000, 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .release(std::slice::from_ref(&name), "node-b")
            .await
            .unwrap(),
        0
    );
    assert!(store.check_fence(&a.fence()).await.unwrap());
    assert_eq!(
        store
            .try_acquire(&name, "node-b", 1_100, 500)
            .await
            .unwrap(),
        None,
        "still node-a's"
    );
    assert_eq!(
        store
            .release(std::slice::from_ref(&name), "node-a")
            .await
            .unwrap(),
        1
    );
    assert!(
        !store.check_fence(&a.fence()).await.unwrap(),
        "a released fence is stale"
    );
    assert_eq!(
        store.renew(&a.fence(), "node-a", 1_200, 500).await.unwrap(),
        None
    );
    assert!(
        store.list_leases(&name).await.unwrap().is_empty(),
        "released leases are not listed"
    );
    let b = store
        .try_acquire(&name, "node-b", 1_200, 500)
        .await
        .unwrap()
        .expect("a released lease is free at once");
    assert!(b.token > a.token);
    let a2 = store
        .try_acquire(&name, "node-a", 1_800, 500)
        .await
        .unwrap()
        .unwrap();
    assert!(
        a2.token > b.token,
        "taking a lease back after another owner bumps the token"
    );
}

/// Batches take what is free and renew what is still held, one tenure per lease; the list
/// shows the holders by prefix.
pub async fn leases_are_taken_renewed_and_listed_in_batches(store: Arc<dyn Store>) {
    let prefix = unique("batch-");
    let names: Vec<String> = (0..5).map(|i| format!("{prefix}:{i}")).collect();
    let b_first = store
        .try_acquire(&names[1], "node-b", 1_000, 500)
        .await
        .unwrap()
        .unwrap();
    let mut asked = names.clone();
    asked.push(names[0].clone());
    let got = store
        .acquire_many(&asked, "node-a", 1_000, 500)
        .await
        .unwrap();
    let got_names: Vec<&str> = got.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        got_names,
        vec![&names[0], &names[2], &names[3], &names[4]],
        "all but node-b's, once each, in name order"
    );
    assert!(got.iter().all(|l| l.owner == "node-a" && l.token == 1));
    let listed = store.list_leases(&prefix).await.unwrap();
    assert_eq!(listed.len(), 5);
    assert_eq!(listed[1], b_first);
    // node-b's lease expires and node-a takes it; node-a's renewal of a stale fence fails.
    let taken = store
        .acquire_many(&names[1..2], "node-a", 1_600, 500)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert!(taken[0].token > b_first.token);
    let mut fences: Vec<Fence> = got.iter().map(|l| l.fence()).collect();
    fences.push(b_first.fence());
    let renewed = store
        .renew_many(&fences, "node-a", 1_700, 500)
        .await
        .unwrap();
    assert_eq!(renewed.len(), 4, "node-b's old fence renews nothing");
    assert!(renewed.iter().all(|l| l.expires_at == 2_200));
    assert_eq!(
        store
            .renew_many(&fences, "node-b", 1_700, 500)
            .await
            .unwrap(),
        vec![],
        "node-b renews nothing of node-a's"
    );
    assert_eq!(store.release(&names, "node-a").await.unwrap(), 5);
    assert!(store.list_leases(&prefix).await.unwrap().is_empty());
}
