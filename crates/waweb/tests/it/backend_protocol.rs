//! `ProtocolStore` over the key store.

use switchboard_waweb::{ns, DEFAULT_SENT_MESSAGE_TTL_SECS, PENDING_INBOUND_TTL_SECS};
use whatsapp_rust::wacore::store::traits::{
    DeviceInfo, DeviceListRecord, LidPnMappingEntry, PendingInboundKey, PendingInboundRow,
    ProtocolStore, TcTokenEntry,
};

use crate::support::Fixture;

fn mapping(lid: &str, phone: &str, at: i64) -> LidPnMappingEntry {
    LidPnMappingEntry {
        lid: lid.into(),
        phone_number: phone.into(),
        created_at: at,
        updated_at: at,
        learning_source: "usync".into(),
    }
}

#[tokio::test]
async fn sender_key_device_status_per_group() {
    let f = Fixture::new();
    let b = &f.backend;
    b.set_sender_key_status(
        "g1@g.us",
        &[("1555:1@s.whatsapp.net", true), ("99:2@lid", false)],
    )
    .await
    .unwrap();
    b.set_sender_key_status("g2@g.us", &[("1555:1@s.whatsapp.net", true)])
        .await
        .unwrap();
    let mut g1 = b.get_sender_key_devices("g1@g.us").await.unwrap();
    g1.sort();
    assert_eq!(
        g1,
        vec![
            ("1555:1@s.whatsapp.net".to_string(), true),
            ("99:2@lid".to_string(), false)
        ]
    );
    b.delete_sender_key_device_rows(&["1555:1@s.whatsapp.net"])
        .await
        .unwrap();
    assert_eq!(
        b.get_sender_key_devices("g1@g.us").await.unwrap(),
        vec![("99:2@lid".to_string(), false)]
    );
    assert!(b
        .get_sender_key_devices("g2@g.us")
        .await
        .unwrap()
        .is_empty());
    b.set_sender_key_status("g2@g.us", &[("7:1@lid", true)])
        .await
        .unwrap();
    b.clear_sender_key_devices("g1@g.us").await.unwrap();
    assert!(b
        .get_sender_key_devices("g1@g.us")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(b.get_sender_key_devices("g2@g.us").await.unwrap().len(), 1);
    b.clear_all_sender_key_devices().await.unwrap();
    assert!(f.raw_keys(ns::SENDER_KEY_DEVICE).await.is_empty());
}

#[tokio::test]
async fn lid_and_phone_mappings_both_ways() {
    let f = Fixture::new();
    let b = &f.backend;
    assert!(b
        .get_lid_mapping("100000012345678")
        .await
        .unwrap()
        .is_none());
    b.put_lid_mapping(&mapping("100000012345678", "559980000001", 10))
        .await
        .unwrap();
    let by_lid = b.get_lid_mapping("100000012345678").await.unwrap().unwrap();
    assert_eq!(by_lid.phone_number, "559980000001");
    assert_eq!(by_lid.learning_source, "usync");
    let by_pn = b.get_pn_mapping("559980000001").await.unwrap().unwrap();
    assert_eq!(by_pn.lid, "100000012345678");

    // The LID's number changes: the old number no longer maps to it.
    b.put_lid_mapping(&mapping("100000012345678", "559980000002", 20))
        .await
        .unwrap();
    assert!(b.get_pn_mapping("559980000001").await.unwrap().is_none());
    assert_eq!(
        b.get_pn_mapping("559980000002").await.unwrap().unwrap().lid,
        "100000012345678"
    );

    let before = f.writes();
    b.put_lid_mappings(&[mapping("200", "4477001", 30), mapping("300", "4477002", 30)])
        .await
        .unwrap();
    assert_eq!(f.writes(), before + 1, "a batch is one write");
    let mut all: Vec<(String, String)> = b
        .get_all_lid_mappings()
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.lid, e.phone_number))
        .collect();
    all.sort();
    assert_eq!(
        all,
        vec![
            ("100000012345678".to_string(), "559980000002".to_string()),
            ("200".to_string(), "4477001".to_string()),
            ("300".to_string(), "4477002".to_string()),
        ]
    );
}

#[tokio::test]
async fn base_keys_device_lists_and_group_metadata() {
    let f = Fixture::new();
    let b = &f.backend;
    b.save_base_key("1555:1@s.whatsapp.net", "M1", b"base")
        .await
        .unwrap();
    assert!(b
        .has_same_base_key("1555:1@s.whatsapp.net", "M1", b"base")
        .await
        .unwrap());
    assert!(!b
        .has_same_base_key("1555:1@s.whatsapp.net", "M1", b"other")
        .await
        .unwrap());
    assert!(!b
        .has_same_base_key("1555:1@s.whatsapp.net", "M2", b"base")
        .await
        .unwrap());
    b.delete_base_key("1555:1@s.whatsapp.net", "M1")
        .await
        .unwrap();
    assert!(!b
        .has_same_base_key("1555:1@s.whatsapp.net", "M1", b"base")
        .await
        .unwrap());

    let record = |user: &str, n: u32| DeviceListRecord {
        user: user.into(),
        devices: (0..n).map(|d| DeviceInfo::new(d, Some(d + 10))).collect(),
        timestamp: 5,
        phash: Some("2:abc".into()),
        raw_id: Some(7),
    };
    b.update_device_list(record("1555", 2)).await.unwrap();
    let before = f.writes();
    b.update_device_lists(vec![record("1666", 1), record("1555", 3)])
        .await
        .unwrap();
    assert_eq!(f.writes(), before + 1);
    let got = b.get_devices("1555").await.unwrap().unwrap();
    assert_eq!(got.devices.len(), 3);
    assert_eq!(got.devices[2].key_index, Some(12));
    assert_eq!((got.phash.as_deref(), got.raw_id), (Some("2:abc"), Some(7)));
    b.delete_devices("1555").await.unwrap();
    assert!(b.get_devices("1555").await.unwrap().is_none());
    assert!(b.get_devices("1666").await.unwrap().is_some());

    b.put_group_metadata("g1@g.us", b"v1").await.unwrap();
    b.put_group_metadata("g1@g.us", b"v2").await.unwrap();
    assert_eq!(
        b.get_group_metadata("g1@g.us").await.unwrap(),
        Some(b"v2".to_vec())
    );
    b.delete_group_metadata("g1@g.us").await.unwrap();
    assert_eq!(b.get_group_metadata("g1@g.us").await.unwrap(), None);
}

#[tokio::test]
async fn tc_tokens_round_trip_and_expire() {
    let f = Fixture::new();
    let b = &f.backend;
    let entry = |token: &[u8], ts: i64, sender: Option<i64>| TcTokenEntry {
        token: token.to_vec(),
        token_timestamp: ts,
        sender_timestamp: sender,
    };
    b.put_tc_token("a@lid", &entry(b"tok", 100, None))
        .await
        .unwrap();
    b.put_tc_token("b@lid", &entry(b"tok", 10, Some(500)))
        .await
        .unwrap();
    b.put_tc_token("c@lid", &entry(b"", 10, None))
        .await
        .unwrap();
    let a = b.get_tc_token("a@lid").await.unwrap().unwrap();
    assert_eq!(
        (a.token, a.token_timestamp, a.sender_timestamp),
        (b"tok".to_vec(), 100, None)
    );
    let mut jids = b.get_all_tc_token_jids().await.unwrap();
    jids.sort();
    assert_eq!(jids, vec!["a@lid", "b@lid", "c@lid"]);
    // Cutoff 50: a's token is live, b's sender bucket is live, c has nothing live.
    assert_eq!(b.delete_expired_tc_tokens(50, 50).await.unwrap(), 1);
    assert!(b.get_tc_token("c@lid").await.unwrap().is_none());
    b.touch_tc_token_sender_timestamp("a@lid", 900)
        .await
        .unwrap();
    assert_eq!(
        b.get_tc_token("a@lid")
            .await
            .unwrap()
            .unwrap()
            .sender_timestamp,
        Some(900)
    );
    b.delete_tc_token("a@lid").await.unwrap();
    assert!(b.get_tc_token("a@lid").await.unwrap().is_none());
}

#[tokio::test]
async fn sent_messages_are_taken_once_and_expire() {
    let f = Fixture::new();
    let b = &f.backend;
    b.store_sent_message("1555@s.whatsapp.net", "M1", b"payload-1")
        .await
        .unwrap();
    assert_eq!(
        b.take_sent_message("1555@s.whatsapp.net", "M1")
            .await
            .unwrap(),
        Some(b"payload-1".to_vec())
    );
    assert_eq!(
        b.take_sent_message("1555@s.whatsapp.net", "M1")
            .await
            .unwrap(),
        None,
        "a take consumes"
    );

    b.store_sent_message("1555@s.whatsapp.net", "M2", b"old")
        .await
        .unwrap();
    let stored_at = f.now();
    f.advance(DEFAULT_SENT_MESSAGE_TTL_SECS + 1);
    b.store_sent_message("1555@s.whatsapp.net", "M3", b"new")
        .await
        .unwrap();
    // Past its retention a message reads as gone even before the sweep.
    assert_eq!(
        b.take_sent_message("1555@s.whatsapp.net", "M2")
            .await
            .unwrap(),
        None
    );
    b.store_sent_message("1555@s.whatsapp.net", "M4", b"x")
        .await
        .unwrap();
    assert_eq!(
        b.delete_expired_sent_messages(stored_at + 1).await.unwrap(),
        0
    );
    assert_eq!(
        b.delete_expired_sent_messages(f.now() + 1).await.unwrap(),
        2
    );
    assert!(f.raw_keys(ns::SENT_MESSAGE).await.is_empty());
}

#[tokio::test]
async fn pending_inbound_buffer_batches_and_expiry() {
    let f = Fixture::new();
    let b = &f.backend;
    b.store_pending_inbound("c@s.whatsapp.net", "s@s.whatsapp.net", "I1", b"m1")
        .await
        .unwrap();
    let before = f.writes();
    b.store_pending_inbound_batch(&[
        PendingInboundRow {
            chat: "g@g.us",
            sender: "s@s.whatsapp.net",
            id: "I1",
            message: b"m2",
        },
        PendingInboundRow {
            chat: "g@g.us",
            sender: "t@lid",
            id: "I1",
            message: b"m3",
        },
    ])
    .await
    .unwrap();
    assert_eq!(f.writes(), before + 1);
    // Ids are scoped by chat and sender.
    assert_eq!(
        b.get_pending_inbound("c@s.whatsapp.net", "s@s.whatsapp.net", "I1")
            .await
            .unwrap(),
        Some(b"m1".to_vec())
    );
    assert_eq!(
        b.get_pending_inbound("g@g.us", "t@lid", "I1")
            .await
            .unwrap(),
        Some(b"m3".to_vec())
    );
    b.delete_pending_inbound_batch(&[PendingInboundKey {
        chat: "g@g.us",
        sender: "t@lid",
        id: "I1",
    }])
    .await
    .unwrap();
    assert_eq!(
        b.get_pending_inbound("g@g.us", "t@lid", "I1")
            .await
            .unwrap(),
        None
    );
    b.delete_pending_inbound("g@g.us", "s@s.whatsapp.net", "I1")
        .await
        .unwrap();
    assert_eq!(
        b.get_pending_inbound("g@g.us", "s@s.whatsapp.net", "I1")
            .await
            .unwrap(),
        None
    );
    f.advance(PENDING_INBOUND_TTL_SECS + 1);
    assert_eq!(
        b.get_pending_inbound("c@s.whatsapp.net", "s@s.whatsapp.net", "I1")
            .await
            .unwrap(),
        None,
        "an expired buffered message reads as gone"
    );
    assert_eq!(b.delete_expired_pending_inbound(f.now()).await.unwrap(), 1);
    assert!(f.raw_keys(ns::PENDING_INBOUND).await.is_empty());
}
