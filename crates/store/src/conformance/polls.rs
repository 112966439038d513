//! Conformance tests for Telegram polling leases and offsets, run on every backend.

use std::sync::Arc;

use switchboard_core::channel::ChannelKind;

use super::{account, channel_of_kind, create_with_key};
use crate::Store;

/// One node holds a channel's polling lease until it runs out; the offset it saved is where
/// the next holder starts.
pub async fn poll_leases_and_offsets(store: Arc<dyn Store>) {
    let a = account("polls");
    let c = channel_of_kind(a.id, ChannelKind::Telegram, 41);
    create_with_key(&store, &a, std::slice::from_ref(&c)).await;
    assert_eq!(
        store.lease_poll(c.id, "node-a", 1_000, 500).await.unwrap(),
        Some(0)
    );
    assert_eq!(
        store.lease_poll(c.id, "node-b", 1_200, 500).await.unwrap(),
        None
    );
    assert!(store.save_poll_offset(c.id, "node-a", 17).await.unwrap());
    assert!(!store.save_poll_offset(c.id, "node-b", 99).await.unwrap());
    assert_eq!(
        store.lease_poll(c.id, "node-a", 1_300, 500).await.unwrap(),
        Some(17)
    );
    // node-a's lease ran out at 1_800: node-b takes over from the saved offset.
    assert_eq!(
        store.lease_poll(c.id, "node-b", 1_900, 500).await.unwrap(),
        Some(17)
    );
    assert!(!store.save_poll_offset(c.id, "node-a", 20).await.unwrap());
    // A stopping node gives its lease up at once.
    store.release_poll(c.id, "node-b").await.unwrap();
    assert_eq!(
        store.lease_poll(c.id, "node-a", 2_000, 500).await.unwrap(),
        Some(17)
    );
}
