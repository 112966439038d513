//! Conformance checks for the outbox's per-chat heads: what a claim may return while a
//! chat's earlier message is leased or waiting, the channel filter, and heads of messages
//! deleted by a cascade.

use std::sync::Arc;

use serde_json::json;
use switchboard_core::id::{ChannelId, MessageId};

use super::messages::{claim_ids, finish, insert, outbound, retry, sent, setup, LEASE, OWNER};
use crate::messages::{DispatchOutcome, OutboxClaim};
use crate::Store;

/// The ids `OWNER` claims at `now`, up to `limit`, of `channels` (`None`: all).
async fn claim_of(
    store: &Arc<dyn Store>,
    now: i64,
    limit: u32,
    channels: Option<&[ChannelId]>,
) -> Vec<MessageId> {
    let claimed = store
        .claim_outbox(&OutboxClaim {
            owner: OWNER,
            now,
            lease_ms: LEASE,
            limit,
            channels,
        })
        .await
        .unwrap();
    claimed.into_iter().map(|c| c.message.id).collect()
}

/// A chat's second message is never claimed while its first is leased or waiting for a
/// retry, whatever the limit; it becomes claimable when the first is sent or failed.
pub async fn a_chats_next_message_waits_for_the_previous(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let x: Vec<_> = (0..3)
        .map(|i| outbound(acc, ch, "15551240001", &format!("x{i}"), 1_000 + i))
        .collect();
    let y = outbound(acc, ch, "15551240002", "y0", 1_005);
    for m in x.iter().chain([&y]) {
        insert(&store, m).await;
    }
    assert_eq!(claim_ids(&store, OWNER, 2_000).await, vec![x[0].id, y.id]);
    assert!(
        claim_ids(&store, OWNER, 2_001).await.is_empty(),
        "x1 waits while x0 is leased"
    );
    finish(&store, x[0].id, OWNER, retry(5_000, None, false), 2_002)
        .await
        .unwrap();
    assert!(
        claim_ids(&store, OWNER, 4_999).await.is_empty(),
        "x0 waits for its retry time and x1 behind it"
    );
    assert_eq!(claim_ids(&store, OWNER, 5_000).await, vec![x[0].id]);
    finish(&store, x[0].id, OWNER, sent("wamid.x0"), 5_001)
        .await
        .unwrap();
    assert_eq!(claim_ids(&store, OWNER, 5_002).await, vec![x[1].id]);
    let failed = DispatchOutcome::Failed {
        error: json!({"code": 131026}),
    };
    finish(&store, x[1].id, OWNER, failed, 5_003).await.unwrap();
    assert_eq!(claim_ids(&store, OWNER, 5_004).await, vec![x[2].id]);
    assert_eq!(store.outbox_len().await.unwrap(), 2, "x2 and y0");
}

/// A retry with a later `not_before` lets the other chats' messages go first, and comes
/// back at its time, after the heads that were due before it.
pub async fn retries_are_claimed_at_their_time(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let early = outbound(acc, ch, "15551240011", "early", 1_000);
    insert(&store, &early).await;
    assert_eq!(claim_of(&store, 1_000, 10, None).await, vec![early.id]);
    finish(&store, early.id, OWNER, retry(3_000, None, true), 1_001)
        .await
        .unwrap();
    let late = outbound(acc, ch, "15551240012", "late", 2_000);
    insert(&store, &late).await;
    assert_eq!(claim_of(&store, 2_999, 10, None).await, vec![late.id]);
    assert_eq!(claim_of(&store, 3_000, 10, None).await, vec![early.id]);
}

/// The channel filter: only the listed channels' heads are claimed, each channel's chats
/// still one message at a time; an empty list claims nothing.
pub async fn claims_filter_by_channel(store: Arc<dyn Store>) {
    let (acc_a, a) = setup(&store).await;
    let (acc_b, b) = setup(&store).await;
    let a0 = outbound(acc_a, a, "15551240021", "a0", 1_000);
    let a1 = outbound(acc_a, a, "15551240021", "a1", 1_001);
    let b0 = outbound(acc_b, b, "15551240021", "b0", 1_002);
    let b1 = outbound(acc_b, b, "15551240022", "b1", 1_003);
    for m in [&a0, &a1, &b0, &b1] {
        insert(&store, m).await;
    }
    assert!(claim_of(&store, 2_000, 10, Some(&[])).await.is_empty());
    assert_eq!(claim_of(&store, 2_000, 1, Some(&[b])).await, vec![b0.id]);
    assert_eq!(claim_of(&store, 2_000, 10, Some(&[a])).await, vec![a0.id]);
    finish(&store, a0.id, OWNER, sent("wamid.a0"), 2_001)
        .await
        .unwrap();
    assert_eq!(
        claim_of(&store, 2_002, 10, Some(&[b, a])).await.len(),
        2,
        "b1 and a1, whichever channel is listed first"
    );
    assert!(claim_of(&store, 2_003, 10, None).await.is_empty());
}

/// Deleting a channel deletes its messages and their outbox rows by cascade; their heads go
/// too, so they neither come back nor take the places of another channel's messages.
pub async fn cascaded_deletes_drop_the_heads(store: Arc<dyn Store>) {
    let (acc_a, a) = setup(&store).await;
    let (acc_b, b) = setup(&store).await;
    for chat in 0..3 {
        for i in 0..2 {
            let m = outbound(acc_a, a, &format!("1555124003{chat}"), "a", 1_000 + i);
            insert(&store, &m).await;
        }
    }
    let kept = outbound(acc_b, b, "15551240030", "b", 1_500);
    insert(&store, &kept).await;
    assert_eq!(
        claim_of(&store, 2_000, 1, None).await.len(),
        1,
        "one of a's"
    );
    assert!(store.delete_channel(acc_a, a, 2_001).await.unwrap());
    assert_eq!(store.outbox_len().await.unwrap(), 1);
    assert_eq!(
        claim_of(&store, 2_000 + LEASE + 1, 1, None).await,
        vec![kept.id],
        "no head of the deleted channel is left ahead of b's"
    );
}
