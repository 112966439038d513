//! `DeviceStore` and `MsgSecretStore` over the key store.

use std::sync::Arc;

use switchboard_waweb::ns;
use switchboard_web_driver::WebKeys as _;
use whatsapp_rust::wacore::store::traits::{DeviceStore, MsgSecretEntry, MsgSecretStore};
use whatsapp_rust::wacore::store::Device;

use crate::support::Fixture;

#[tokio::test]
async fn the_device_saves_and_loads_whole() {
    let f = Fixture::new();
    let b = &f.backend;
    assert!(!b.exists().await.unwrap());
    assert!(b.load().await.unwrap().is_none());
    assert_eq!(b.create().await.unwrap(), 1);
    assert!(
        f.keys.is_empty().await.unwrap(),
        "creating writes nothing: an unpaired session leaves the store empty"
    );

    let mut device = Device::new();
    device.push_name = "Switchboard".into();
    device.pn = Some("15551234567:8@s.whatsapp.net".parse().unwrap());
    device.lid = Some("100000012345678:8@lid".parse().unwrap());
    device.registration_id = 4242;
    device.next_pre_key_id = 813;
    device.edge_routing_info = Some(vec![1, 2, 3]);
    b.save(&device).await.unwrap();
    assert!(b.exists().await.unwrap());
    assert_eq!(f.raw_keys(ns::DEVICE).await, vec![""]);

    let back = b.load().await.unwrap().expect("saved");
    assert_eq!(back.push_name, "Switchboard");
    assert_eq!(back.pn, device.pn);
    assert_eq!(back.lid, device.lid);
    assert_eq!(back.registration_id, 4242);
    assert_eq!(back.next_pre_key_id, 813);
    assert_eq!(back.edge_routing_info, Some(vec![1, 2, 3]));
    assert_eq!(back.adv_secret_key, device.adv_secret_key);
    assert_eq!(
        back.signed_pre_key_signature,
        device.signed_pre_key_signature
    );
    assert_eq!(
        back.identity_key.public_key.serialize(),
        device.identity_key.public_key.serialize()
    );
    assert_eq!(
        back.noise_key.private_key.serialize(),
        device.noise_key.private_key.serialize()
    );
}

fn entry(msg_id: &str, secret: u8, expires_at: i64, message_ts: i64) -> MsgSecretEntry {
    MsgSecretEntry {
        chat: Arc::from("1555@s.whatsapp.net"),
        sender: Arc::from("1666@s.whatsapp.net"),
        msg_id: Arc::from(msg_id),
        secret: [secret; 32],
        expires_at,
        message_ts,
    }
}

#[tokio::test]
async fn message_secrets_round_trip_merge_and_expire() {
    let f = Fixture::new();
    let b = &f.backend;
    let now = f.now();
    b.put_msg_secret(
        "1555@s.whatsapp.net",
        "1666@s.whatsapp.net",
        "FOREVER",
        &[1; 32],
    )
    .await
    .unwrap();
    let before = f.writes();
    let n = b
        .put_msg_secrets(vec![
            entry("SHORT", 2, now + 10, 50),
            entry("LONG", 3, now + 1000, 0),
        ])
        .await
        .unwrap();
    assert_eq!((n, f.writes()), (2, before + 1));
    assert_eq!(
        b.get_msg_secret("1555@s.whatsapp.net", "1666@s.whatsapp.net", "FOREVER")
            .await
            .unwrap(),
        Some(vec![1; 32])
    );
    assert_eq!(
        b.get_msg_secret_with_ts("1555@s.whatsapp.net", "1666@s.whatsapp.net", "SHORT")
            .await
            .unwrap(),
        Some((vec![2; 32], 50))
    );

    // A re-persist never shortens the window nor forgets a known parent time.
    b.put_msg_secrets(vec![entry("LONG", 4, now + 5, 77)])
        .await
        .unwrap();
    b.put_msg_secrets(vec![entry("SHORT", 5, now + 10, 0)])
        .await
        .unwrap();
    assert_eq!(
        b.get_msg_secret_with_ts("1555@s.whatsapp.net", "1666@s.whatsapp.net", "SHORT")
            .await
            .unwrap(),
        Some((vec![5; 32], 50))
    );

    f.advance(11);
    assert_eq!(
        b.get_msg_secret("1555@s.whatsapp.net", "1666@s.whatsapp.net", "SHORT")
            .await
            .unwrap(),
        None,
        "an expired secret reads as absent before the sweep"
    );
    assert_eq!(
        b.get_msg_secret_with_ts("1555@s.whatsapp.net", "1666@s.whatsapp.net", "LONG")
            .await
            .unwrap(),
        Some((vec![4; 32], 77)),
        "the later deadline won"
    );
    assert_eq!(b.delete_expired_msg_secrets(f.now()).await.unwrap(), 1);
    assert_eq!(b.delete_expired_msg_secrets(now + 2000).await.unwrap(), 1);
    assert_eq!(
        f.raw_keys(ns::MSG_SECRET).await.len(),
        1,
        "the one without expiry stays"
    );
}
