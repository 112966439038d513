//! Conversations: the list (newest inbound first, last message, unread count, contact name,
//! paging, scope) and the read marker.

use std::sync::Arc;

use super::messages::{inbound, insert, outbound, setup};
use super::{account, channel, create_with_key, page_request, unique_number};
use crate::conversations::{ConversationFilter, UNREAD_COUNTED};
use crate::Store;

fn of_channel(ch: switchboard_core::id::ChannelId) -> ConversationFilter {
    ConversationFilter {
        channel_id: Some(ch),
        chat: None,
    }
}

/// The list holds one row per customer who wrote, the last to write first, with the last
/// message either way and the unread inbound count since the marker; pages by its cursor.
pub async fn conversations_are_listed_newest_first(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let empty = store
        .list_conversations(acc, &of_channel(ch), &page_request(None, 10))
        .await
        .unwrap();
    assert!(empty.items.is_empty() && empty.next.is_none());
    for (i, chat) in ["15550000001", "15550000002", "15550000003"]
        .iter()
        .enumerate()
    {
        let at = 1_000 * (i as i64 + 1);
        let m = inbound(acc, ch, chat, &format!("wamid.c{i}"), at);
        assert!(store.insert_inbound(&m, at).await.unwrap());
    }
    // A second inbound and a reply in the first conversation; an outbound-only chat.
    let again = inbound(acc, ch, "15550000001", "wamid.c9", 500);
    store.insert_inbound(&again, 5_000).await.unwrap();
    let reply = outbound(acc, ch, "15550000001", "hello back", 6_000);
    insert(&store, &reply).await;
    insert(&store, &outbound(acc, ch, "15550009999", "promo", 6_000)).await;

    let page = store
        .list_conversations(acc, &of_channel(ch), &page_request(None, 2))
        .await
        .unwrap();
    let chats: Vec<_> = page.items.iter().map(|c| c.chat.as_str()).collect();
    assert_eq!(chats, vec!["15550000003", "15550000002"]);
    assert_eq!(page.items[0].unread, 1);
    assert_eq!(page.items[0].contact_name.as_deref(), Some("Ana"));
    assert_eq!(page.items[0].last_inbound_at, 3_000);
    assert_eq!(page.items[0].channel_kind, "cloud");
    let rest = store
        .list_conversations(acc, &of_channel(ch), &page_request(page.next.clone(), 2))
        .await
        .unwrap();
    assert_eq!(
        rest.items.len(),
        1,
        "the outbound-only chat is not a conversation"
    );
    assert!(rest.next.is_none());
    let first = &rest.items[0];
    assert_eq!(first.chat, "15550000001");
    assert_eq!(
        first.unread, 2,
        "both inbound messages, whatever their time"
    );
    assert_eq!(
        first.last_message.as_ref().map(|m| m.id),
        Some(reply.id),
        "the last message is the newest either way"
    );
    assert_eq!(first.read_up_to, None);

    // Marking read moves the marker to the newest inbound; a new inbound is unread again.
    assert!(store
        .mark_conversation_read(acc, ch, "15550000001")
        .await
        .unwrap());
    let one = ConversationFilter {
        channel_id: Some(ch),
        chat: Some("15550000001".into()),
    };
    let read = store
        .list_conversations(acc, &one, &page_request(None, 10))
        .await
        .unwrap();
    assert_eq!(read.items.len(), 1);
    assert_eq!(read.items[0].unread, 0);
    assert_eq!(
        read.items[0].read_up_to.as_deref(),
        Some(again.message.id.to_string().as_str())
    );
    let later = inbound(acc, ch, "15550000001", "wamid.c10", 7_000);
    store.insert_inbound(&later, 7_000).await.unwrap();
    let moved = store
        .list_conversations(acc, &of_channel(ch), &page_request(None, 10))
        .await
        .unwrap();
    assert_eq!(
        moved.items[0].chat, "15550000001",
        "its new inbound moves it first"
    );
    assert_eq!(moved.items[0].unread, 1);
    assert_eq!(
        moved.items[0].last_message.as_ref().map(|m| m.id),
        Some(later.message.id)
    );
    // The whole account's list without a channel filter.
    let all = store
        .list_conversations(acc, &ConversationFilter::default(), &page_request(None, 10))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 3);
}

/// Unread counts stop at [`UNREAD_COUNTED`]; another account sees nothing and cannot mark.
pub async fn conversations_are_scoped_and_counts_capped(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    for i in 0..(UNREAD_COUNTED + 5) {
        let m = inbound(acc, ch, "15550000077", &format!("wamid.n{i}"), 100 + i);
        store.insert_inbound(&m, 100 + i).await.unwrap();
    }
    let listed = store
        .list_conversations(acc, &of_channel(ch), &page_request(None, 10))
        .await
        .unwrap();
    assert_eq!(i64::from(listed.items[0].unread), UNREAD_COUNTED);

    let other = account("other");
    let other_ch = channel(other.id, &unique_number('6'));
    create_with_key(&store, &other, std::slice::from_ref(&other_ch)).await;
    let theirs = store
        .list_conversations(other.id, &of_channel(ch), &page_request(None, 10))
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
    let theirs = store
        .list_conversations(
            other.id,
            &ConversationFilter::default(),
            &page_request(None, 10),
        )
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
    assert!(!store
        .mark_conversation_read(other.id, ch, "15550000077")
        .await
        .unwrap());
    assert!(!store
        .mark_conversation_read(acc, ch, "15550000078")
        .await
        .unwrap());
    assert!(store
        .mark_conversation_read(acc, ch, "15550000077")
        .await
        .unwrap());
}
