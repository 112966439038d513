//! Conformance tests for bot platform instances, run on every backend.

use std::sync::Arc;

use switchboard_core::channel::ChannelKind;

use super::{account, channel_of_kind, create_with_key};
use crate::wabot_instances::WabotInstance;
use crate::{Store, StoreError};

/// An instance is stored with its token (given back in clear), found only in its account,
/// listed by channel, unique per channel, already sealed under the current key, and deleted
/// with its channel.
pub async fn wabot_instances_round_trip(store: Arc<dyn Store>) {
    let a = account("wabot");
    let b = account("wabot-other");
    let web1 = channel_of_kind(a.id, ChannelKind::Web, 1);
    let web2 = channel_of_kind(a.id, ChannelKind::Web, 2);
    create_with_key(&store, &a, &[web1.clone(), web2.clone()]).await;
    create_with_key(&store, &b, &[]).await;
    let first = WabotInstance {
        channel_id: web1.id,
        account_id: a.id,
        access_token: "0184-28a5-439a-a1cd-fc6f".into(),
        created_at: 1_000,
    };
    let second = WabotInstance {
        channel_id: web2.id,
        account_id: a.id,
        access_token: "d451-5a9b-45d8-86a9-0b7f".into(),
        created_at: 2_000,
    };
    store.create_wabot_instance(&first).await.unwrap();
    store.create_wabot_instance(&second).await.unwrap();
    assert_eq!(
        store.wabot_instance(a.id, web1.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.wabot_instance(b.id, web1.id).await.unwrap(), None);
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort_by_key(|i| i.channel_id.to_string());
    assert_eq!(store.list_wabot_instances(a.id).await.unwrap(), expected);
    assert!(store.list_wabot_instances(b.id).await.unwrap().is_empty());
    let again = store.create_wabot_instance(&first).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.reseal_secrets().await.unwrap(), 0);
    assert!(store.delete_channel(a.id, web1.id, 3_000).await.unwrap());
    assert_eq!(store.wabot_instance(a.id, web1.id).await.unwrap(), None);
    assert_eq!(
        store.list_wabot_instances(a.id).await.unwrap(),
        vec![second]
    );
}
