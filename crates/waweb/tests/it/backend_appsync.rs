//! `AppSyncStore` over the key store.

use std::collections::HashMap;

use switchboard_waweb::ns;
use whatsapp_rust::wacore::appstate::hash::HashState;
use whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC;
use whatsapp_rust::wacore::store::traits::{AppStateSyncKey, AppSyncStore};

use crate::support::Fixture;

fn mac(index: u8, value: u8) -> AppStateMutationMAC {
    AppStateMutationMAC {
        index_mac: vec![index; 32],
        value_mac: vec![value; 32],
    }
}

#[tokio::test]
async fn sync_keys_round_trip_and_the_latest_is_remembered() {
    let f = Fixture::new();
    let b = &f.backend;
    assert!(b.get_sync_key(b"\x00\x01").await.unwrap().is_none());
    assert_eq!(b.get_latest_sync_key_id().await.unwrap(), None);
    let key = AppStateSyncKey {
        key_data: vec![1, 2, 3],
        fingerprint: vec![9, 8],
        timestamp: 1_700_000_000,
    };
    b.set_sync_key(b"\x00\x01", key).await.unwrap();
    b.set_sync_key(
        b"\x00\x02",
        AppStateSyncKey {
            key_data: vec![4],
            fingerprint: vec![],
            timestamp: -5,
        },
    )
    .await
    .unwrap();
    let back = b.get_sync_key(b"\x00\x01").await.unwrap().expect("stored");
    assert_eq!(back.key_data, vec![1, 2, 3]);
    assert_eq!(back.fingerprint, vec![9, 8]);
    assert_eq!(back.timestamp, 1_700_000_000);
    let second = b.get_sync_key(b"\x00\x02").await.unwrap().expect("stored");
    assert_eq!((second.key_data, second.timestamp), (vec![4], -5));
    assert_eq!(
        b.get_latest_sync_key_id().await.unwrap(),
        Some(b"\x00\x02".to_vec())
    );
    assert_eq!(f.raw_keys(ns::APP_STATE_KEY).await, vec!["0001", "0002"]);
}

#[tokio::test]
async fn versions_round_trip_with_their_index_map() {
    let f = Fixture::new();
    let b = &f.backend;
    let empty = b.get_version("regular_high").await.unwrap();
    assert_eq!(empty.version, 0);
    assert!(empty.index_value_map.is_empty());
    let mut hash = [0u8; 128];
    hash[0] = 1;
    hash[127] = 0xff;
    let mut map = HashMap::new();
    map.insert("idx-a".to_string(), vec![1, 2]);
    map.insert("idx-b".to_string(), vec![]);
    let state = HashState {
        version: 42,
        hash,
        index_value_map: map.clone(),
        mac_mismatch_fatal: true,
    };
    b.set_version("regular_high", state).await.unwrap();
    let back = b.get_version("regular_high").await.unwrap();
    assert_eq!(back.version, 42);
    assert_eq!(back.hash, hash);
    assert_eq!(back.index_value_map, map);
    assert!(back.mac_mismatch_fatal);
    assert_eq!(b.get_version("regular").await.unwrap().version, 0);
}

#[tokio::test]
async fn mutation_macs_put_get_delete_and_clear_per_collection() {
    let f = Fixture::new();
    let b = &f.backend;
    let before = f.writes();
    b.put_mutation_macs("regular", 3, &[mac(1, 10), mac(2, 20)])
        .await
        .unwrap();
    assert_eq!(f.writes(), before + 1, "a batch is one write");
    b.put_mutation_macs("regular_low", 1, &[mac(1, 30)])
        .await
        .unwrap();
    assert_eq!(
        b.get_mutation_mac("regular", &[1; 32]).await.unwrap(),
        Some(vec![10; 32])
    );
    assert_eq!(
        b.get_mutation_mac("regular_low", &[1; 32]).await.unwrap(),
        Some(vec![30; 32])
    );
    let many = b
        .get_mutation_macs("regular", &[[1; 32], [2; 32], [3; 32]])
        .await
        .unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(many[&[2; 32]], vec![20; 32]);

    b.delete_mutation_macs("regular", &[vec![1; 32]])
        .await
        .unwrap();
    assert_eq!(b.get_mutation_mac("regular", &[1; 32]).await.unwrap(), None);
    assert!(b
        .get_mutation_mac("regular", &[2; 32])
        .await
        .unwrap()
        .is_some());

    b.clear_mutation_macs("regular").await.unwrap();
    assert_eq!(b.get_mutation_mac("regular", &[2; 32]).await.unwrap(), None);
    assert_eq!(
        b.get_mutation_mac("regular_low", &[1; 32]).await.unwrap(),
        Some(vec![30; 32]),
        "clearing a collection leaves the others (even one whose name it prefixes)"
    );
}
