//! Conformance tests for console sessions and one-time sign-in tokens, run on every backend.

use std::sync::Arc;

use switchboard_core::key::Permission;

use super::{account, key};
use crate::console_sessions::{ConsoleSession, SignInToken};
use crate::Store;

fn session(hash: &str, store_key: &switchboard_core::key::ApiKey, now: i64) -> ConsoleSession {
    ConsoleSession {
        id_hash: hash.to_string(),
        account_id: Some(store_key.account_id),
        key_id: Some(store_key.id),
        csrf_token: format!("csrf-{hash}"),
        created_at: now,
        last_seen_at: now,
        idle_expires_at: now + 100,
        expires_at: now + 1_000,
    }
}

/// A session is found while live, its idle expiry moves with each use, it ends at the idle
/// or the absolute expiry, sign-out deletes it, and purging drops only ended ones.
pub async fn console_sessions_expire_and_sign_out(store: Arc<dyn Store>) {
    let a = account("console");
    let k = key(a.id, Permission::Manage);
    store.create_account(&a, &k, &[]).await.unwrap();
    let s = session("h1", &k, 10_000);
    store.create_console_session(&s).await.unwrap();
    assert_eq!(
        store.find_console_session("h1", 10_050).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        store.find_console_session("nope", 10_050).await.unwrap(),
        None
    );
    // Idle: gone at 10_100 unless touched.
    assert_eq!(
        store.find_console_session("h1", 10_100).await.unwrap(),
        None
    );
    assert!(store
        .touch_console_session("h1", 10_090, 10_190)
        .await
        .unwrap());
    let found = store
        .find_console_session("h1", 10_150)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.last_seen_at, found.idle_expires_at),
        (10_090, 10_190)
    );
    // Absolute: gone at 11_000 however recently used.
    assert!(store
        .touch_console_session("h1", 10_990, 11_000)
        .await
        .unwrap());
    assert!(store
        .find_console_session("h1", 10_999)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store.find_console_session("h1", 11_000).await.unwrap(),
        None
    );
    // An admin session has no key nor account.
    let admin = ConsoleSession {
        account_id: None,
        key_id: None,
        ..session("h2", &k, 10_000)
    };
    store.create_console_session(&admin).await.unwrap();
    assert_eq!(
        store.find_console_session("h2", 10_001).await.unwrap(),
        Some(admin)
    );
    // Purge drops h1 (ended) and keeps h3 (live).
    store
        .create_console_session(&session("h3", &k, 20_000))
        .await
        .unwrap();
    assert!(store.purge_console_sessions(20_000).await.unwrap() >= 2);
    assert!(store
        .find_console_session("h3", 20_001)
        .await
        .unwrap()
        .is_some());
    assert!(!store
        .touch_console_session("h1", 20_001, 20_100)
        .await
        .unwrap());
    // Sign out.
    assert!(store.delete_console_session("h3").await.unwrap());
    assert!(!store.delete_console_session("h3").await.unwrap());
    assert_eq!(
        store.find_console_session("h3", 20_001).await.unwrap(),
        None
    );
}

/// A sign-in token works once, and not after it expired.
pub async fn sign_in_tokens_are_single_use(store: Arc<dyn Store>) {
    let a = account("console-link");
    let k = key(a.id, Permission::Manage);
    store.create_account(&a, &k, &[]).await.unwrap();
    let token = SignInToken {
        token_hash: "t1".into(),
        account_id: Some(a.id),
        key_id: Some(k.id),
        created_at: 1_000,
        expires_at: 2_000,
    };
    store.create_sign_in_token(&token).await.unwrap();
    assert_eq!(
        store.take_sign_in_token("t1", 1_500).await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(store.take_sign_in_token("t1", 1_500).await.unwrap(), None);
    // Expired: refused, and gone too.
    let late = SignInToken {
        token_hash: "t2".into(),
        ..token
    };
    store.create_sign_in_token(&late).await.unwrap();
    assert_eq!(store.take_sign_in_token("t2", 2_000).await.unwrap(), None);
    assert_eq!(store.take_sign_in_token("t2", 1_000).await.unwrap(), None);
    assert_eq!(
        store.take_sign_in_token("unknown", 1_000).await.unwrap(),
        None
    );
}
