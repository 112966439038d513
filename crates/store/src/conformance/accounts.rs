//! Conformance: accounts, keys, channels and their states, installation metadata, and
//! concurrent writes.

use std::sync::Arc;

use switchboard_core::channel::{
    reason, ChannelKind, ChannelSettings, ChannelState, ChannelStatus, TelegramInbound,
};
use switchboard_core::event::CHANNEL_STATUS;
use switchboard_core::id::AccountId;
use switchboard_core::key::Permission;
use switchboard_core::time::now_millis;

use crate::events::EventFilter;
use crate::{PageRequest, Store, StoreError};

use super::{account, channel, create_with_key, key, page_request};

/// Accounts are created with their first key and channels atomically, read back and paged.
pub async fn accounts_round_trip_and_page(store: Arc<dyn Store>) {
    assert_eq!(store.count_accounts().await.unwrap(), 0);
    let mut ids = Vec::new();
    for i in 0..5 {
        let a = account(&format!("acct {i}"));
        let k = key(a.id, Permission::Manage);
        store.create_account(&a, &k, &[]).await.unwrap();
        assert_eq!(store.get_account(a.id).await.unwrap(), Some(a.clone()));
        assert_eq!(store.find_key(k.id).await.unwrap(), Some(k));
        ids.push(a.id);
    }
    assert_eq!(store.count_accounts().await.unwrap(), 5);
    let first = store.list_accounts(&page_request(None, 2)).await.unwrap();
    assert_eq!(
        first.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        ids[..2]
    );
    let second = store
        .list_accounts(&page_request(first.next.clone(), 2))
        .await
        .unwrap();
    assert_eq!(
        second.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        ids[2..4]
    );
    let third = store
        .list_accounts(&page_request(second.next.clone(), 2))
        .await
        .unwrap();
    assert_eq!(third.items.len(), 1);
    assert_eq!(third.next, None);
    assert_eq!(store.get_account(AccountId::new()).await.unwrap(), None);
}

/// A failed account creation leaves nothing behind.
pub async fn account_creation_is_atomic(store: Arc<dyn Store>) {
    let a = account("first");
    let ch = channel(a.id, "111");
    create_with_key(&store, &a, std::slice::from_ref(&ch)).await;
    let b = account("second");
    // Same phone number id and kind as an existing channel: the unique index refuses it.
    let clash = channel(b.id, "111");
    let err = store
        .create_account(&b, &key(b.id, Permission::Manage), &[clash])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.get_account(b.id).await.unwrap(), None);
    assert_eq!(store.count_accounts().await.unwrap(), 1);
}

/// Keys are listed per account only, and revoked once.
pub async fn keys_are_scoped_and_revocable(store: Arc<dyn Store>) {
    let a = account("a");
    let b = account("b");
    let ka = key(a.id, Permission::Manage);
    let kb = key(b.id, Permission::Manage);
    store.create_account(&a, &ka, &[]).await.unwrap();
    store.create_account(&b, &kb, &[]).await.unwrap();
    let extra = key(a.id, Permission::Read);
    store.create_key(&extra).await.unwrap();
    let listed = store
        .list_keys(a.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|k| k.id).collect::<Vec<_>>(),
        vec![ka.id, extra.id]
    );
    assert!(!store
        .revoke_key(b.id, extra.id, now_millis())
        .await
        .unwrap());
    assert!(store.revoke_key(a.id, extra.id, 42).await.unwrap());
    assert!(!store.revoke_key(a.id, extra.id, 43).await.unwrap());
    assert_eq!(
        store.find_key(extra.id).await.unwrap().unwrap().revoked_at,
        Some(42)
    );
}

/// A key's last use is recorded, never moved back, and read with the key and in its list.
pub async fn key_last_use_is_recorded_forward_only(store: Arc<dyn Store>) {
    let a = account("a");
    let ka = key(a.id, Permission::Manage);
    store.create_account(&a, &ka, &[]).await.unwrap();
    assert_eq!(
        store.find_key(ka.id).await.unwrap().unwrap().last_used_at,
        None
    );
    store.record_key_use(ka.id, 5_000).await.unwrap();
    assert_eq!(
        store.find_key(ka.id).await.unwrap().unwrap().last_used_at,
        Some(5_000)
    );
    // A slower node's older time does not undo a newer one.
    store.record_key_use(ka.id, 4_000).await.unwrap();
    store.record_key_use(ka.id, 9_000).await.unwrap();
    let listed = store
        .list_keys(a.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items[0].last_used_at, Some(9_000));
    // An unknown key is not an error (it may have been deleted meanwhile).
    store
        .record_key_use(key(a.id, Permission::Read).id, 1)
        .await
        .unwrap();
}

/// Channels are read, listed, updated and deleted within their account only.
pub async fn channels_are_scoped_to_their_account(store: Arc<dyn Store>) {
    let a = account("a");
    let b = account("b");
    create_with_key(&store, &a, &[]).await;
    create_with_key(&store, &b, &[]).await;
    let c1 = channel(a.id, "201");
    let c2 = channel(a.id, "202");
    store.create_channel(&c1).await.unwrap();
    store.create_channel(&c2).await.unwrap();
    assert_eq!(
        store.get_channel(a.id, c1.id).await.unwrap(),
        Some(c1.clone())
    );
    assert_eq!(store.get_channel(b.id, c1.id).await.unwrap(), None);
    assert_eq!(store.find_channel(c1.id).await.unwrap(), Some(c1.clone()));
    let all = store
        .list_channels(a.id, None, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);
    let only = store
        .list_channels(a.id, Some(c2.id), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(only.items, vec![c2.clone()]);
    assert!(store
        .list_channels(b.id, None, &PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());

    // Read first, so a store that keeps channels in memory must notice each change below.
    assert_eq!(
        store.get_channel(a.id, c1.id).await.unwrap(),
        Some(c1.clone())
    );
    assert_eq!(store.find_channel(c2.id).await.unwrap(), Some(c2.clone()));
    let mut renamed = c1.clone();
    renamed.name = "renamed".into();
    renamed.settings.cloud_mut().unwrap().access_token = "new-token".into();
    renamed.updated_at += 1;
    assert!(store.update_channel(&renamed, false).await.unwrap());
    assert_eq!(store.get_channel(a.id, c1.id).await.unwrap(), Some(renamed));
    let mut foreign = c2.clone();
    foreign.account_id = b.id;
    assert!(!store.update_channel(&foreign, false).await.unwrap());

    let mut scoped = key(a.id, Permission::Send);
    scoped.channel_id = Some(c2.id);
    store.create_key(&scoped).await.unwrap();
    assert!(!store
        .delete_channel(b.id, c2.id, now_millis())
        .await
        .unwrap());
    assert!(store
        .delete_channel(a.id, c2.id, now_millis())
        .await
        .unwrap());
    assert_eq!(store.get_channel(a.id, c2.id).await.unwrap(), None);
    assert_eq!(
        store.find_key(scoped.id).await.unwrap(),
        None,
        "keys of a deleted channel go with it"
    );
    assert_eq!(store.all_channels().await.unwrap().len(), 1);
}

/// Every channel status change appends its `channel.status` event in the same transaction:
/// creation, a reconfiguration, an upstream-driven change (only from the expected status)
/// and deletion; a plain rename keeps the stored state and appends nothing.
pub async fn channel_status_is_evented_with_each_change(store: Arc<dyn Store>) {
    let a = account("a");
    create_with_key(&store, &a, &[]).await;
    let c = channel(a.id, "301");
    store.create_channel(&c).await.unwrap();
    let broken = ChannelState {
        error: Some(serde_json::json!({"code": 190})),
        ..ChannelState::new(
            ChannelStatus::Error,
            reason::UPSTREAM_ERROR,
            c.created_at + 1,
        )
    };
    assert!(store.get_channel(a.id, c.id).await.unwrap().is_some());
    assert!(!store
        .set_channel_state(c.id, ChannelStatus::Error, &broken)
        .await
        .unwrap());
    assert!(store
        .set_channel_state(c.id, ChannelStatus::Active, &broken)
        .await
        .unwrap());
    assert!(!store
        .set_channel_state(c.id, ChannelStatus::Active, &broken)
        .await
        .unwrap());
    let stored = store.get_channel(a.id, c.id).await.unwrap().unwrap();
    assert_eq!(stored.state, broken);
    let mut renamed = stored.clone();
    renamed.name = "renamed".into();
    renamed.state = ChannelState::default();
    assert!(store.update_channel(&renamed, false).await.unwrap());
    let stored = store.get_channel(a.id, c.id).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), &stored.state), ("renamed", &broken));
    let mut fixed = stored.clone();
    fixed.settings.cloud_mut().unwrap().access_token = "new-token".into();
    fixed.state = ChannelState::new(
        ChannelStatus::Active,
        reason::RECONFIGURED,
        c.created_at + 2,
    );
    assert!(store.update_channel(&fixed, true).await.unwrap());
    assert_eq!(
        store.find_channel(c.id).await.unwrap().unwrap().state,
        fixed.state
    );
    assert!(store
        .delete_channel(a.id, c.id, c.created_at + 3)
        .await
        .unwrap());
    let filter = EventFilter {
        types: vec![CHANNEL_STATUS.into()],
        ..Default::default()
    };
    let events = store
        .list_events(a.id, &filter, None, 50)
        .await
        .unwrap()
        .items;
    let seen: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            assert_eq!(e.channel_id, Some(c.id));
            let text = |k: &str| e.data[k].as_str().unwrap_or("-").to_string();
            (text("status"), text("previous_status"), text("reason"))
        })
        .collect();
    let expected = [
        ("active", "-", "created"),
        ("error", "active", "upstream_error"),
        ("active", "error", "reconfigured"),
        ("deleted", "active", "deleted"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(events[1].data["error"]["code"], 190);
    assert!(!store
        .set_channel_state(c.id, ChannelStatus::Active, &broken)
        .await
        .unwrap());
}

/// Installation metadata is written once.
pub async fn meta_is_write_once(store: Arc<dyn Store>) {
    assert_eq!(store.get_meta("admin").await.unwrap(), None);
    assert!(store.put_meta_if_absent("admin", "h1").await.unwrap());
    assert!(!store.put_meta_if_absent("admin", "h2").await.unwrap());
    assert_eq!(
        store.get_meta("admin").await.unwrap().as_deref(),
        Some("h1")
    );
    store.ping().await.unwrap();
}

/// Many concurrent writers all land (SQLite commits them in groups).
pub async fn concurrent_writes_all_land(store: Arc<dyn Store>) {
    let a = account("busy");
    create_with_key(&store, &a, &[]).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_channel(&channel(a.id, &format!("9{i:04}")))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let listed = store
        .list_channels(a.id, None, &page_request(None, 500))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 200);
}

/// A channel of every kind is stored with its own settings variant and read back, listed,
/// changed and deleted like any other; two web sessions (no upstream identity yet) coexist.
pub async fn channels_of_every_kind_round_trip(store: Arc<dyn Store>) {
    let a = account("every-kind");
    create_with_key(&store, &a, &[]).await;
    let mut created = Vec::new();
    for (n, kind) in ChannelKind::ALL.into_iter().enumerate() {
        let c = super::channel_of_kind(a.id, kind, n as u32);
        store.create_channel(&c).await.unwrap();
        assert_eq!(
            store.get_channel(a.id, c.id).await.unwrap(),
            Some(c.clone())
        );
        assert_eq!(store.find_channel(c.id).await.unwrap(), Some(c.clone()));
        created.push(c);
    }
    let second_web = super::channel_of_kind(a.id, ChannelKind::Web, 99);
    store.create_channel(&second_web).await.unwrap();
    let listed = store
        .list_channels(a.id, None, &PageRequest::default())
        .await
        .unwrap()
        .items;
    for c in &created {
        assert!(listed.contains(c), "{:?} listed", c.kind);
    }
    let kinds = store.channel_kinds().await.unwrap();
    for c in created.iter().chain([&second_web]) {
        assert!(
            kinds.contains(&(c.id, c.kind)),
            "{:?} with its kind",
            c.kind
        );
    }
    let mut telegram = created[2].clone();
    if let ChannelSettings::Telegram(t) = &mut telegram.settings {
        t.bot_token = "700002:AAH-other-secret".into();
        t.inbound = TelegramInbound::Webhook;
    }
    telegram.updated_at += 1;
    assert!(store.update_channel(&telegram, true).await.unwrap());
    assert_eq!(
        store.get_channel(a.id, telegram.id).await.unwrap(),
        Some(telegram.clone())
    );
    assert!(store
        .delete_channel(a.id, telegram.id, now_millis())
        .await
        .unwrap());
    assert_eq!(store.get_channel(a.id, telegram.id).await.unwrap(), None);
}
