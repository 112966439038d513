//! The 1msg dialect's message history (`GET messages`) and acks (`GET checkAcks`), read from
//! the native message history.
//!
//! Paging is by `messageNumber` (see [`switchboard_core::onemsg_view`]), turned into a
//! position of the history, so a page costs an index seek: messages after a number (oldest
//! first), or the newest ones before a number or of the whole history. A page never splits
//! the messages that share a number, so paging by the answer's numbers misses none.

use std::collections::HashMap;

use switchboard_core::channel::Channel;
use switchboard_core::event::MessageView;
use switchboard_core::id::MessageId;
use switchboard_core::onemsg_view::{
    ack, after_number, before_number, message_number, OneMsgAck, OneMsgMessage,
};
use switchboard_core::record::MessageRecord;
use switchboard_core::status::Direction;
use switchboard_store::contacts::ContactKey;
use switchboard_store::messages::MessageFilter;
use switchboard_store::{PageRequest, Store};

use crate::webhooks::onemsg::render_message;
use crate::{ServiceError, ServiceResult};

/// Most messages one answer carries (`limit=0`, "all", reads up to this many; the answer's
/// numbers continue from there).
pub const MAX_ANSWER: u32 = 10_000;

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The messages numbered above this, oldest first (`lastMessageNumber`; 0: the start).
    After(i64),
    /// The newest messages numbered below this (`firstMessageNumber`).
    Before(i64),
    /// The newest messages (`last=true`).
    Last,
}

/// A page of the history.
#[derive(Debug, Clone)]
pub struct History {
    /// The messages, oldest first.
    pub messages: Vec<OneMsgMessage>,
    /// The greatest number answered (the request's `lastMessageNumber` when none).
    pub last_number: i64,
    /// The smallest number answered (the request's `firstMessageNumber` when none).
    pub first_number: i64,
}

fn number(m: &MessageRecord) -> i64 {
    message_number(m.id)
}

/// Drops from the end of `page` (its `limit` items plus one more when more exist) the
/// messages sharing the extra one's number, unless that would empty it.
fn keep_whole_numbers(mut page: Vec<MessageRecord>, limit: usize) -> Vec<MessageRecord> {
    if page.len() <= limit {
        return page;
    }
    let cut = number(&page[limit]);
    page.truncate(limit);
    let kept = page.iter().rposition(|m| number(m) != cut).map(|i| i + 1);
    if let Some(n) = kept {
        page.truncate(n);
    }
    page
}

async fn after(
    store: &dyn Store,
    channel: &Channel,
    filter: &MessageFilter,
    from: i64,
    limit: u32,
) -> ServiceResult<Vec<MessageRecord>> {
    let want = limit as usize + 1;
    let mut rows = Vec::new();
    let mut page = PageRequest {
        after: Some(after_number(from)),
        limit: Some(limit.saturating_add(1)),
    };
    loop {
        let got = store
            .list_messages(channel.account_id, filter, &page)
            .await?;
        rows.extend(got.items);
        match got.next {
            Some(next) if rows.len() < want => page.after = Some(next),
            _ => break,
        }
    }
    rows.truncate(want);
    Ok(keep_whole_numbers(rows, limit as usize))
}

async fn newest(
    store: &dyn Store,
    channel: &Channel,
    filter: &MessageFilter,
    before: Option<i64>,
    limit: u32,
) -> ServiceResult<Vec<MessageRecord>> {
    let cursor = before.map(before_number).unwrap_or_default();
    let mut rows = store
        .latest_messages(channel.account_id, filter, &cursor, limit.saturating_add(1))
        .await?;
    rows.reverse();
    let mut kept = keep_whole_numbers(rows, limit as usize);
    kept.reverse();
    Ok(kept)
}

/// A page of `channel`'s history matching `filter` (its channel is set here): at most
/// `limit` messages (0: up to [`MAX_ANSWER`]) from `from`.
pub async fn messages(
    store: &dyn Store,
    channel: &Channel,
    mut filter: MessageFilter,
    from: Start,
    limit: u32,
) -> ServiceResult<History> {
    filter.channel_id = Some(channel.id);
    let limit = if limit == 0 {
        MAX_ANSWER
    } else {
        limit.min(MAX_ANSWER)
    };
    let rows = match from {
        Start::After(n) => after(store, channel, &filter, n, limit).await?,
        Start::Before(n) => newest(store, channel, &filter, Some(n), limit).await?,
        Start::Last => newest(store, channel, &filter, None, limit).await?,
    };
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut messages = Vec::with_capacity(rows.len());
    for row in &rows {
        let name = match (row.direction, names.get(&row.chat)) {
            (Direction::Outbound, _) => None,
            (_, Some(known)) => known.clone(),
            (_, None) => {
                let found = store
                    .find_contact(channel.account_id, &ContactKey::WaId(row.chat.clone()))
                    .await?
                    .and_then(|c| c.name);
                names.insert(row.chat.clone(), found.clone());
                found
            }
        };
        let view = MessageView::from(row);
        messages.push(render_message(store, channel, &view, name.as_deref()).await?);
    }
    let (default_last, default_first) = match from {
        Start::After(n) => (n, n),
        Start::Before(n) => (n, n),
        Start::Last => (0, 0),
    };
    Ok(History {
        last_number: rows.last().map(number).unwrap_or(default_last),
        first_number: rows.first().map(number).unwrap_or(default_first),
        messages,
    })
}

/// A message of `channel` by our id or the upstream's.
async fn find(
    store: &dyn Store,
    channel: &Channel,
    id: &str,
) -> ServiceResult<Option<(MessageRecord, Vec<switchboard_core::record::StatusEntry>)>> {
    let found = match id.parse::<MessageId>() {
        Ok(ours) => store.get_message(channel.account_id, ours).await?,
        Err(_) => match store.find_by_upstream(channel.id, id).await? {
            Some(m) => store.get_message(channel.account_id, m.id).await?,
            None => None,
        },
    };
    Ok(found.filter(|(m, _)| m.channel_id == channel.id))
}

/// The acks an outbound message of `channel` (by our id or the upstream's) has had, in
/// order: one per status that moved it (sent, delivered, read, failed).
pub async fn acks(store: &dyn Store, channel: &Channel, id: &str) -> ServiceResult<Vec<OneMsgAck>> {
    let (message, history) = find(store, channel, id)
        .await?
        .filter(|(m, _)| m.direction == Direction::Outbound)
        .ok_or(ServiceError::NotFound("message"))?;
    let view = MessageView::from(&message);
    Ok(history
        .iter()
        .filter(|h| h.applied)
        .filter_map(|h| ack(&view, h.status.as_str(), h.at, h.error.as_ref()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::id::{AccountId, ChannelId};
    use switchboard_core::status::MessageStatus;

    /// A message numbered `n`, the first (`last` false) or last of those sharing it.
    fn record(n: i64, last: bool) -> MessageRecord {
        let text = if last {
            after_number(n)
        } else {
            before_number(n)
        };
        MessageRecord {
            id: text.parse().unwrap(),
            account_id: AccountId::new(),
            channel_id: ChannelId::new(),
            direction: Direction::Inbound,
            chat: "1".into(),
            kind: "text".into(),
            body: serde_json::Value::Null,
            status: MessageStatus::Received,
            upstream_id: None,
            context_id: None,
            error: None,
            attempts: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_page_does_not_split_a_number() {
        let page = vec![record(1, false), record(2, false), record(2, true)];
        let kept = keep_whole_numbers(page.clone(), 2);
        assert_eq!(
            kept.len(),
            1,
            "the second number is left whole for the next page"
        );
        assert_eq!(keep_whole_numbers(page.clone(), 3).len(), 3);
        let same = vec![record(2, false), record(2, true)];
        assert_eq!(keep_whole_numbers(same, 1).len(), 1, "never empty");
    }
}
