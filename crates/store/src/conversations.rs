//! Conversations ([`ConversationStore`]): one per channel and customer who wrote, read from
//! the 24-hour window rows (`conversations`) with each one's last message, unread inbound
//! count since the operator's read marker, and the contact's name.
//!
//! Nothing here is written on the send or inbound path: the list is computed when read, from
//! the window rows (by `conversations_recent`) and the messages' `(channel_id, chat, id)`
//! index; marking a conversation read moves its marker only.

use async_trait::async_trait;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::record::MessageRecord;
use switchboard_core::time::Millis;

use crate::columns::Columns;
use crate::decode;
use crate::select::{Arg, Select, Selects};
use crate::{Page, PageRequest, StoreResult};

/// Unread messages are counted up to this many (a badge shows "99+" beyond).
pub const UNREAD_COUNTED: i64 = 100;

/// A conversation: a customer who wrote to a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The channel.
    pub channel_id: ChannelId,
    /// The channel's kind name (`sandbox`, `cloud`, …), for its window rule.
    pub channel_kind: String,
    /// The customer's address on the channel (a WhatsApp id, a chat id…).
    pub chat: String,
    /// When the customer last wrote.
    pub last_inbound_at: Millis,
    /// The newest inbound message the operator has seen (`msg_…`), if any.
    pub read_up_to: Option<String>,
    /// Inbound messages after the marker (reactions not counted), at most [`UNREAD_COUNTED`].
    pub unread: u32,
    /// The contact's name, if known.
    pub contact_name: Option<String>,
    /// The newest message either way, if any remains.
    pub last_message: Option<MessageRecord>,
}

/// Where a conversation list starts and what it holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationFilter {
    /// Only this channel's conversations.
    pub channel_id: Option<ChannelId>,
    /// Only the conversation with this customer.
    pub chat: Option<String>,
}

/// Conversations and their read markers.
#[async_trait]
pub trait ConversationStore {
    /// The account's conversations matching `filter`, the customer who wrote last first;
    /// `page.after` is the `next` of the previous page.
    async fn list_conversations(
        &self,
        account: AccountId,
        filter: &ConversationFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Conversation>>;

    /// Moves the read marker of the account's conversation with `chat` on `channel` to its
    /// newest inbound message (never backwards); false when there is no such conversation.
    async fn mark_conversation_read(
        &self,
        account: AccountId,
        channel: ChannelId,
        chat: &str,
    ) -> StoreResult<bool>;
}

/// The columns [`conversation`] reads: the window row's (prefixed `cv_`), then the last
/// message's under their own names (all NULL when there is none).
const CONVERSATION_COLS: &str = "cv.channel_id AS cv_channel_id, ch.kind AS cv_channel_kind,
    cv.chat AS cv_chat, cv.last_inbound_at AS cv_last_inbound_at, cv.read_up_to AS cv_read_up_to,
    ct.name AS cv_contact_name,
    (SELECT COUNT(*) FROM (SELECT 1 FROM messages u
        WHERE u.channel_id = cv.channel_id AND u.chat = cv.chat AND u.direction = 'inbound'
          AND u.kind <> 'reaction' AND u.id > COALESCE(cv.read_up_to, '')
        LIMIT 100) unread_rows) AS cv_unread,
    m.id, m.account_id, m.channel_id, m.direction, m.chat, m.kind, m.body, m.status,
    m.upstream_id, m.context_id, m.error, m.attempts, m.created_at, m.updated_at";

/// The window rows of the account's channels, with the contact and the last message.
const CONVERSATION_FROM: &str = "conversations cv
    JOIN channels ch ON ch.id = cv.channel_id
    LEFT JOIN contacts ct ON ct.account_id = ch.account_id AND ct.wa_id = cv.chat
    LEFT JOIN messages m ON m.id = (SELECT l.id FROM messages l
        WHERE l.channel_id = cv.channel_id AND l.chat = cv.chat ORDER BY l.id DESC LIMIT 1)";

/// [`ConversationStore::list_conversations`] (account, channel, chat, after: time, channel,
/// chat, limit).
const CONVERSATIONS: Select<Conversation> = Select::new(
    CONVERSATION_FROM,
    CONVERSATION_COLS,
    conversation,
    "ch.account_id = $1
       AND (CAST($2 AS TEXT) IS NULL OR cv.channel_id = $2)
       AND (CAST($3 AS TEXT) IS NULL OR cv.chat = $3)
       AND (CAST($4 AS BIGINT) IS NULL OR cv.last_inbound_at < $4
            OR (cv.last_inbound_at = $4 AND (cv.channel_id < CAST($5 AS TEXT)
                OR (cv.channel_id = CAST($5 AS TEXT) AND cv.chat < CAST($6 AS TEXT)))))
     ORDER BY cv.last_inbound_at DESC, cv.channel_id DESC, cv.chat DESC LIMIT $7",
);

/// Moves a read marker to the conversation's newest inbound message (channel, chat,
/// account): forward only, as ids sort by time. Matches one row when the account has the
/// conversation.
pub(crate) const MARK_READ: &str = "UPDATE conversations
    SET read_up_to = (SELECT MAX(m.id) FROM messages m
        WHERE m.channel_id = $1 AND m.chat = $2 AND m.direction = 'inbound')
    WHERE channel_id = $1 AND chat = $2
      AND EXISTS (SELECT 1 FROM channels ch WHERE ch.id = $1 AND ch.account_id = $3)";

fn conversation(r: &dyn Columns) -> StoreResult<Conversation> {
    let last_message = match r.opt_text("id")? {
        Some(_) => Some(decode::message(r)?),
        None => None,
    };
    Ok(Conversation {
        channel_id: r.parsed("cv_channel_id", "channel id")?,
        channel_kind: r.text("cv_channel_kind")?,
        chat: r.text("cv_chat")?,
        last_inbound_at: r.int("cv_last_inbound_at")?,
        read_up_to: r.opt_text("cv_read_up_to")?,
        unread: u32::try_from(r.int("cv_unread")?).unwrap_or(0),
        contact_name: r.opt_text("cv_contact_name")?,
        last_message,
    })
}

/// The cursor naming a conversation in a list: `{last_inbound_at}.{channel_id}.{chat}`.
fn cursor(c: &Conversation) -> String {
    format!("{}.{}.{}", c.last_inbound_at, c.channel_id, c.chat)
}

/// The parts of a [`cursor`]; a cursor that does not parse starts from the beginning.
fn cursor_args(after: Option<&str>) -> [Arg; 3] {
    let parts = after.and_then(|a| {
        let mut it = a.splitn(3, '.');
        let at = it.next()?.parse::<i64>().ok()?;
        Some((at, it.next()?.to_string(), it.next()?.to_string()))
    });
    match parts {
        Some((at, channel, chat)) => [Arg::from(at), Arg::from(channel), Arg::from(chat)],
        None => [Arg::Int(None), Arg::Text(None), Arg::Text(None)],
    }
}

/// Whether `after` is a conversation cursor (what [`ConversationStore::list_conversations`]
/// answers as `next`).
pub fn is_cursor(after: &str) -> bool {
    let mut it = after.splitn(3, '.');
    it.next().is_some_and(|t| t.parse::<i64>().is_ok())
        && it.next().is_some_and(|c| !c.is_empty())
        && it.next().is_some_and(|c| !c.is_empty())
}

/// [`ConversationStore::list_conversations`], for both backends.
pub(crate) async fn list_conversations(
    store: &impl Selects,
    account: AccountId,
    filter: &ConversationFilter,
    page: &PageRequest,
) -> StoreResult<Page<Conversation>> {
    let mut args = vec![
        Arg::from(account),
        Arg::from(filter.channel_id),
        Arg::from(filter.chat.clone()),
    ];
    args.extend(cursor_args(page.after.as_deref()));
    args.push(Arg::from(page.fetch()));
    let rows = store.select_all(CONVERSATIONS, args).await?;
    Ok(Page::from_rows(rows, page, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_split_at_the_first_two_dots() {
        assert!(is_cursor("1765000000000.ch_01.15551230000"));
        assert!(is_cursor("1.ch_1.a.b@g.us"));
        assert!(!is_cursor("x.ch_1.a"));
        assert!(!is_cursor("12.ch_1"));
        assert!(!is_cursor(""));
    }
}
