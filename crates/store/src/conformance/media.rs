//! Conformance checks for [`crate::MediaStore`].

use std::sync::Arc;

use switchboard_core::id::MediaId;
use switchboard_core::key::Permission;
use switchboard_core::media::{MediaRecord, MediaSource, UpstreamMedia};
use switchboard_core::template_def::media_rules::MediaKind;
use switchboard_core::time::now_millis;

use super::{account, channel, create_with_key, key};
use crate::Store;

fn media(
    account: switchboard_core::id::AccountId,
    channel: Option<switchboard_core::id::ChannelId>,
    expires_at: i64,
) -> MediaRecord {
    let id = MediaId::new();
    MediaRecord {
        id,
        account_id: account,
        channel_id: channel,
        kind: MediaKind::Image,
        mime_type: "image/png".into(),
        size: 5_000_000_000,
        sha256: "ab".repeat(32),
        filename: Some("cat.png".into()),
        storage_key: id.to_string(),
        source: MediaSource::Upload,
        upstream_id: None,
        created_at: now_millis(),
        expires_at,
    }
}

/// Media records round-trip, are scoped to their account, and delete with their upstream
/// copies.
pub async fn media_round_trip_and_scope(store: Arc<dyn Store>) {
    let a = account("a");
    let b = account("b");
    let ch = channel(a.id, "111");
    create_with_key(&store, &a, std::slice::from_ref(&ch)).await;
    create_with_key(&store, &b, &[]).await;
    let m = media(a.id, Some(ch.id), now_millis() + 60_000);
    store.insert_media(&m).await.unwrap();
    let mut inbound = media(a.id, None, now_millis() + 60_000);
    inbound.source = MediaSource::Inbound;
    inbound.upstream_id = Some("998877".into());
    inbound.filename = None;
    inbound.kind = MediaKind::Sticker;
    store.insert_media(&inbound).await.unwrap();

    assert_eq!(store.get_media(a.id, m.id).await.unwrap(), Some(m.clone()));
    assert_eq!(
        store.get_media(a.id, inbound.id).await.unwrap(),
        Some(inbound.clone())
    );
    assert_eq!(store.get_media(b.id, m.id).await.unwrap(), None);
    assert_eq!(store.delete_media(b.id, m.id).await.unwrap(), None);

    assert_eq!(store.upstream_media(m.id, ch.id).await.unwrap(), None);
    for (upstream_id, uploaded_at) in [("1001", 10), ("1002", 20)] {
        let copy = UpstreamMedia {
            upstream_id: upstream_id.into(),
            uploaded_at,
        };
        store.put_upstream_media(m.id, ch.id, &copy).await.unwrap();
        assert_eq!(
            store.upstream_media(m.id, ch.id).await.unwrap(),
            Some(copy),
            "the latest copy"
        );
    }

    assert_eq!(
        store.delete_media(a.id, m.id).await.unwrap(),
        Some(m.clone())
    );
    assert_eq!(store.get_media(a.id, m.id).await.unwrap(), None);
    assert_eq!(store.upstream_media(m.id, ch.id).await.unwrap(), None);
    assert_eq!(store.delete_media(a.id, m.id).await.unwrap(), None);
    assert!(store.get_media(a.id, inbound.id).await.unwrap().is_some());
}

/// Expired media of every account is listed oldest expiry first, bounded by the limit.
pub async fn expired_media_is_listed(store: Arc<dyn Store>) {
    let a = account("a");
    let b = account("b");
    for acct in [&a, &b] {
        store
            .create_account(acct, &key(acct.id, Permission::Manage), &[])
            .await
            .unwrap();
    }
    let now = now_millis();
    let old_a = media(a.id, None, now - 2_000);
    let old_b = media(b.id, None, now - 1_000);
    let fresh = media(a.id, None, now + 60_000);
    for m in [&fresh, &old_b, &old_a] {
        store.insert_media(m).await.unwrap();
    }
    let expired = store.expired_media(now, 10).await.unwrap();
    assert_eq!(expired, vec![old_a.clone(), old_b.clone()]);
    assert_eq!(store.expired_media(now, 1).await.unwrap(), vec![old_a]);
    assert!(store
        .expired_media(now - 5_000, 10)
        .await
        .unwrap()
        .is_empty());
}
