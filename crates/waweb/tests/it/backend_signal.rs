//! `SignalStore` over the key store.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use switchboard_waweb::{ns, KeysBackend};
use switchboard_web_driver::WebKeys as _;
use whatsapp_rust::wacore::store::traits::SignalStore;

use crate::support::{DownKeys, FencedKeys, Fixture};

#[tokio::test]
async fn identities_put_get_delete_and_batch() {
    let f = Fixture::new();
    let b = &f.backend;
    assert_eq!(b.load_identity("1555@s.whatsapp.net").await.unwrap(), None);
    b.put_identity("1555@s.whatsapp.net", [7; 32])
        .await
        .unwrap();
    assert_eq!(
        b.load_identity("1555@s.whatsapp.net").await.unwrap(),
        Some([7; 32])
    );
    let before = f.writes();
    b.put_identities_batch(&[
        (Arc::from("1666@s.whatsapp.net"), [1; 32]),
        (Arc::from("1777:2@s.whatsapp.net"), [2; 32]),
    ])
    .await
    .unwrap();
    assert_eq!(f.writes(), before + 1, "a batch is one write");
    assert_eq!(
        b.load_identity("1777:2@s.whatsapp.net").await.unwrap(),
        Some([2; 32])
    );
    b.delete_identity("1555@s.whatsapp.net").await.unwrap();
    assert_eq!(b.load_identity("1555@s.whatsapp.net").await.unwrap(), None);
    assert_eq!(
        f.raw_keys(ns::IDENTITY).await,
        vec!["1666@s.whatsapp.net", "1777:2@s.whatsapp.net"]
    );
}

#[tokio::test]
async fn sessions_round_trip_and_know_their_users() {
    let f = Fixture::new();
    let b = &f.backend;
    assert!(!b.has_session("1555:1@s.whatsapp.net").await.unwrap());
    b.put_session("1555:1@s.whatsapp.net", b"ratchet-1")
        .await
        .unwrap();
    assert!(b.has_session("1555:1@s.whatsapp.net").await.unwrap());
    assert_eq!(
        b.get_session("1555:1@s.whatsapp.net").await.unwrap(),
        Some(Bytes::from_static(b"ratchet-1"))
    );
    let before = f.writes();
    b.put_sessions_batch(&[
        (
            Arc::from("1555:1@s.whatsapp.net"),
            Bytes::from_static(b"ratchet-2"),
        ),
        (Arc::from("99@lid"), Bytes::from_static(b"lid-session")),
    ])
    .await
    .unwrap();
    assert_eq!(f.writes(), before + 1);
    assert_eq!(
        b.get_session("1555:1@s.whatsapp.net").await.unwrap(),
        Some(Bytes::from_static(b"ratchet-2"))
    );
    assert!(b.has_signal_state_for_user("1555").await.unwrap());
    assert!(b.has_signal_state_for_user("99").await.unwrap());
    assert!(
        !b.has_signal_state_for_user("155").await.unwrap(),
        "a prefix of a user is another user"
    );
    b.delete_session("1555:1@s.whatsapp.net").await.unwrap();
    assert_eq!(b.get_session("1555:1@s.whatsapp.net").await.unwrap(), None);
    assert!(!b.has_signal_state_for_user("1555").await.unwrap());
}

#[tokio::test]
async fn prekeys_keep_their_upload_flag_and_the_highest_id() {
    let f = Fixture::new();
    let b = &f.backend;
    assert_eq!(b.get_max_prekey_id().await.unwrap(), 0);
    b.store_prekey(9, b"pk9", false).await.unwrap();
    b.store_prekeys_batch(
        &[
            (10, Bytes::from_static(b"pk10")),
            (100, Bytes::from_static(b"pk100")),
        ],
        false,
    )
    .await
    .unwrap();
    // Numeric, not text, order: 100 > 10 > 9.
    assert_eq!(b.get_max_prekey_id().await.unwrap(), 100);
    assert_eq!(
        b.load_prekey(10).await.unwrap(),
        Some(Bytes::from_static(b"pk10"))
    );
    let loaded = b.load_prekeys_batch(&[9, 11, 100]).await.unwrap();
    assert_eq!(
        loaded,
        vec![
            (9, Bytes::from_static(b"pk9")),
            (100, Bytes::from_static(b"pk100"))
        ]
    );
    // Many ids at once take the listing path; same answer.
    let many = b
        .load_prekeys_batch(&[1, 2, 3, 9, 10, 11, 100])
        .await
        .unwrap();
    assert_eq!(
        many.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![9, 10, 100]
    );
    assert_eq!(many[1].1, Bytes::from_static(b"pk10"));
    b.remove_prekey(10).await.unwrap();
    // Marking uploads never resurrects a consumed key.
    b.mark_prekeys_uploaded(&[9, 10]).await.unwrap();
    assert_eq!(b.load_prekey(10).await.unwrap(), None);
    let raw9 = f
        .keys
        .inner
        .list(ns::PREKEY, "")
        .await
        .unwrap()
        .into_iter()
        .find(|(_, v)| v.ends_with(b"pk9"))
        .expect("prekey 9 stored")
        .1;
    assert_eq!(raw9[0], 1, "prekey 9 is marked uploaded");
    assert_eq!(
        b.load_prekey(9).await.unwrap(),
        Some(Bytes::from_static(b"pk9")),
        "the flag is not part of the record"
    );
}

#[tokio::test]
async fn signed_prekeys_and_sender_keys_round_trip() {
    let f = Fixture::new();
    let b = &f.backend;
    b.store_signed_prekey(2, b"spk2").await.unwrap();
    b.store_signed_prekey(1, b"spk1").await.unwrap();
    assert_eq!(
        b.load_signed_prekey(2).await.unwrap(),
        Some(b"spk2".to_vec())
    );
    assert_eq!(
        b.load_all_signed_prekeys().await.unwrap(),
        vec![(1, b"spk1".to_vec()), (2, b"spk2".to_vec())]
    );
    b.remove_signed_prekey(1).await.unwrap();
    assert_eq!(b.load_signed_prekey(1).await.unwrap(), None);

    b.put_sender_key("g1::1555:1", b"sk").await.unwrap();
    let before = f.writes();
    b.put_sender_keys_batch(&[
        (Arc::from("g1::1555:1"), Bytes::from_static(b"sk2")),
        (Arc::from("g2::1555:1"), Bytes::from_static(b"sk3")),
    ])
    .await
    .unwrap();
    assert_eq!(f.writes(), before + 1);
    assert_eq!(
        b.get_sender_key("g1::1555:1").await.unwrap(),
        Some(b"sk2".to_vec())
    );
    b.delete_sender_key("g1::1555:1").await.unwrap();
    assert_eq!(b.get_sender_key("g1::1555:1").await.unwrap(), None);
    assert_eq!(
        b.get_sender_key("g2::1555:1").await.unwrap(),
        Some(b"sk3".to_vec())
    );
}

#[tokio::test]
async fn a_fenced_store_stops_the_backend() {
    let keys = Arc::new(FencedKeys::default());
    let b = KeysBackend::new(keys.clone());
    assert!(!b.is_fenced());
    let err = b
        .put_session("1555:1@s.whatsapp.net", b"x")
        .await
        .unwrap_err();
    assert!(b.is_fenced(), "a fenced write trips the fence");
    assert!(
        !format!("{err:?}").contains("ratchet"),
        "errors carry no key material"
    );
    let calls = keys.calls.load(Ordering::SeqCst);
    // Once fenced, nothing reaches the store any more, reads included.
    assert!(b.get_session("1555:1@s.whatsapp.net").await.is_err());
    assert!(b.load_identity("x@s.whatsapp.net").await.is_err());
    assert_eq!(keys.calls.load(Ordering::SeqCst), calls);
}

#[tokio::test]
async fn an_unavailable_store_is_an_error_but_not_a_fence() {
    let b = KeysBackend::new(Arc::new(DownKeys));
    assert!(b.get_session("1555:1@s.whatsapp.net").await.is_err());
    assert!(b
        .put_identity("1555@s.whatsapp.net", [0; 32])
        .await
        .is_err());
    assert!(!b.is_fenced());
}
