//! Messages ([`MessageStore`]): the history and the durable outbox, statuses, inbound
//! messages and the 24-hour windows, and their types.

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::id::{AccountId, ChannelId, MessageId};
use switchboard_core::record::{MessageRecord, StatusEntry, StatusReport};
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::Millis;

use crate::decode;
use crate::owned::Owned;
use crate::select::{Arg, Select, Selects};
use crate::{Page, PageRequest, StoreResult};

pub use crate::events::EventFilter;
pub use crate::webhooks::{DeliveryOutcome, DeliverySlots, ReplayFrom};

/// A first answer remembered under an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyRecord {
    /// The client's key.
    pub key: String,
    /// Hash of the request body: the same key with another body is refused.
    pub request_hash: String,
    /// The answer to replay.
    pub response: Value,
}

/// A new outbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbound {
    /// The message, status `accepted` (into the outbox, `message.accepted` event) or
    /// `scheduled` (held until `not_before`, `message.scheduled` event).
    pub message: MessageRecord,
    /// The template's category (`MARKETING`, `UTILITY`, …) for statistics and cost; `None`
    /// for other kinds or when unknown.
    pub template_category: Option<String>,
    /// Set when the request carried an `Idempotency-Key`.
    pub idempotency: Option<IdempotencyRecord>,
    /// Keys older than this are forgotten (a reuse counts as new).
    pub idempotency_ttl_ms: Millis,
    /// Earliest dispatch time: `created_at` for now; the `send_at` time of a `scheduled`
    /// message.
    pub not_before: Millis,
}

/// What storing an outbound message did.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    /// Stored, with its `message.accepted` event, in the outbox.
    Inserted,
    /// The key was used before with the same body: here is the first answer; nothing stored.
    Replay(Value),
    /// The key was used before with a different body; nothing stored.
    KeyReused,
}

/// An outbox entry claimed for dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The message.
    pub message: MessageRecord,
}

/// The outcome of one dispatch attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchOutcome {
    /// The upstream accepted it: status `sent`, out of the outbox.
    Sent {
        /// The upstream id.
        upstream_id: String,
    },
    /// Try again at `not_before`; `attempted` counts the attempt (false for local deferrals
    /// such as a rate limit).
    Retry {
        /// Next attempt time.
        not_before: Millis,
        /// The error, kept on the message.
        error: Option<Value>,
        /// Whether an upstream attempt was made.
        attempted: bool,
    },
    /// Permanent failure: status `failed`, out of the outbox.
    Failed {
        /// The error, kept on the message.
        error: Value,
    },
}

/// What applying an upstream status did.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusOutcome {
    /// The message moved to the new status (an event was appended).
    Applied(Box<MessageRecord>),
    /// Recorded in the history without moving the status (late or duplicate).
    Recorded,
    /// No message has that upstream id yet: kept and applied when the send answer arrives.
    Pending,
}

/// Filters of the message list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageFilter {
    /// Only this channel.
    pub channel_id: Option<ChannelId>,
    /// Only this chat (customer WhatsApp id).
    pub chat: Option<String>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Only this status.
    pub status: Option<MessageStatus>,
    /// Created at or after.
    pub since: Option<Millis>,
    /// Created before.
    pub until: Option<Millis>,
    /// Only this message (our id).
    pub message_id: Option<MessageId>,
    /// Only the message with this upstream id.
    pub upstream_id: Option<String>,
}

/// A stored inbound message with the sender's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInbound {
    /// The message, status `received`, with the upstream id set.
    pub message: MessageRecord,
    /// The customer's profile name, if the upstream sent one.
    pub profile_name: Option<String>,
    /// The event type to append (`message.received` or `message.reaction`).
    pub event_type: &'static str,
    /// Upstream details kept in the event's `data.upstream` (`display_phone_number`), if any.
    pub upstream: Option<serde_json::Value>,
}

/// Messages: the history and the durable outbox, their statuses and the 24-hour windows.
/// Every change appends its event in the same transaction.
#[async_trait]
pub trait MessageStore {
    /// Stores an outbound message in the outbox with its `message.accepted` event, honouring
    /// its idempotency key.
    async fn insert_outbound(&self, new: &NewOutbound) -> StoreResult<InsertOutcome>;

    /// Leases up to `claim.limit` dispatchable messages to `claim.owner` until
    /// `claim.now + claim.lease_ms`: due, not
    /// leased, and each the oldest pending message of its chat (so a chat's next message
    /// waits for the previous one), earliest due first, of `claim.channels` if given. Reads
    /// the chats' heads, not the queue behind them: the cost follows what is claimed.
    async fn claim_outbox(&self, claim: &OutboxClaim<'_>) -> StoreResult<Vec<Claimed>>;

    /// Records a dispatch attempt's outcome for a message leased by `done.owner`; returns the
    /// message after the change, or `None` if the lease was lost.
    async fn finish_dispatch(&self, done: FinishDispatch<'_>)
        -> StoreResult<Option<MessageRecord>>;

    /// Releases every lease (used at start by single-node backends; a no-op where several
    /// nodes share the database and leases expire instead). Returns how many were released.
    async fn release_leases_at_start(&self) -> StoreResult<u64>;

    /// Number of messages waiting in the outbox.
    async fn outbox_len(&self) -> StoreResult<u64>;

    /// Applies an upstream status by upstream id: monotonic, recorded in the history, with an
    /// event when it moves the status; kept pending when the id is not known yet.
    async fn apply_status(&self, report: &StatusReport, now: Millis) -> StoreResult<StatusOutcome>;

    /// Stores an inbound message (deduplicated by upstream id), creates its contact on first
    /// contact, opens the 24-hour window and appends its event. Returns false for a duplicate.
    async fn insert_inbound(&self, new: &NewInbound, now: Millis) -> StoreResult<bool>;

    /// Marks an inbound message as read by the business (status and `message.read` event).
    async fn mark_inbound_read(
        &self,
        account: AccountId,
        id: MessageId,
        now: Millis,
    ) -> StoreResult<Option<MessageRecord>>;

    /// Reads a message of the account with its status history.
    async fn get_message(
        &self,
        account: AccountId,
        id: MessageId,
    ) -> StoreResult<Option<(MessageRecord, Vec<StatusEntry>)>>;

    /// Finds a message of a channel by its upstream id.
    async fn find_by_upstream(
        &self,
        channel: ChannelId,
        upstream_id: &str,
    ) -> StoreResult<Option<MessageRecord>>;

    /// Lists the account's messages, oldest first.
    async fn list_messages(
        &self,
        account: AccountId,
        filter: &MessageFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<MessageRecord>>;

    /// The account's newest `limit` messages matching `filter` whose id sorts before
    /// `before` (exclusive; every message when empty), oldest first: the end of a history.
    async fn latest_messages(
        &self,
        account: AccountId,
        filter: &MessageFilter,
        before: &str,
        limit: u32,
    ) -> StoreResult<Vec<MessageRecord>>;

    /// The customer's last inbound message time on the channel (the 24-hour window).
    async fn last_inbound(&self, channel: ChannelId, chat: &str) -> StoreResult<Option<Millis>>;

    /// The outbound messages to `chat` on `channel`, accepted at or before `until`, that have
    /// left for the upstream but not yet reached `receipt` (`delivered`: those `sent`;
    /// `read`: those `sent` or `delivered`), oldest first, at most `limit`: what a Messenger
    /// delivery or read watermark covers.
    async fn below_watermark(
        &self,
        channel: ChannelId,
        chat: &str,
        receipt: MessageStatus,
        until: Millis,
        limit: u32,
    ) -> StoreResult<Vec<MessageRecord>>;
}

/// Which outbox rows a dispatcher claims: up to `limit` due ones, leased to `owner` from
/// `now` for `lease_ms`.
#[derive(Debug, Clone, Copy)]
pub struct OutboxClaim<'a> {
    /// The lease owner (a node's dispatcher).
    pub owner: &'a str,
    /// The current time; rows due by then are claimable.
    pub now: Millis,
    /// How long the lease lasts.
    pub lease_ms: i64,
    /// At most this many rows.
    pub limit: u32,
    /// Only these channels' messages; `None`: every channel's.
    pub channels: Option<&'a [ChannelId]>,
}

/// A dispatch attempt's outcome for the message `id` leased by `owner`, recorded at `now`.
#[derive(Debug, Clone)]
pub struct FinishDispatch<'a> {
    /// The message.
    pub id: MessageId,
    /// The lease owner that dispatched it.
    pub owner: &'a str,
    /// What the attempt did.
    pub outcome: DispatchOutcome,
    /// When.
    pub now: Millis,
}

/// Messages.
pub(crate) const MESSAGES: Owned<MessageRecord> =
    Owned::new("messages", decode::MESSAGE_COLS, decode::message, |m| {
        m.id.to_string()
    });

/// A message by its upstream id on a channel (channel, upstream id).
pub(crate) const MESSAGE_BY_UPSTREAM: Select<MessageRecord> =
    MESSAGES.select("channel_id = $1 AND upstream_id = $2");

/// [`MessageStore::below_watermark`] (channel, chat, receipt name, until, limit).
pub(crate) const BELOW_WATERMARK: Select<MessageRecord> = MESSAGES.select(
    "channel_id = $1 AND chat = $2 AND direction = 'outbound'
       AND (status = 'sent' OR (status = 'delivered' AND CAST($3 AS TEXT) = 'read'))
       AND created_at <= $4
     ORDER BY id LIMIT $5",
);

/// An account's messages that match a [`MessageFilter`], in id order (account, after, the
/// filter's fields (each NULL when not filtered on), limit).
const FILTERED_MESSAGES: Select<MessageRecord> = MESSAGES.select(
    "account_id = $1 AND id > $2
       AND (CAST($3 AS TEXT) IS NULL OR channel_id = $3)
       AND (CAST($4 AS TEXT) IS NULL OR chat = $4)
       AND (CAST($5 AS TEXT) IS NULL OR direction = $5)
       AND (CAST($6 AS TEXT) IS NULL OR status = $6)
       AND (CAST($7 AS BIGINT) IS NULL OR created_at >= $7)
       AND (CAST($8 AS BIGINT) IS NULL OR created_at < $8)
       AND (CAST($9 AS TEXT) IS NULL OR id = $9)
       AND (CAST($10 AS TEXT) IS NULL OR upstream_id = $10)
     ORDER BY id LIMIT $11",
);

/// An account's newest messages that match a [`MessageFilter`] before an id, newest first
/// (account, before (empty: none), the filter's fields as in [`FILTERED_MESSAGES`], limit).
const LATEST_MESSAGES: Select<MessageRecord> = MESSAGES.select(
    "account_id = $1 AND (CAST($2 AS TEXT) = '' OR id < $2)
       AND (CAST($3 AS TEXT) IS NULL OR channel_id = $3)
       AND (CAST($4 AS TEXT) IS NULL OR chat = $4)
       AND (CAST($5 AS TEXT) IS NULL OR direction = $5)
       AND (CAST($6 AS TEXT) IS NULL OR status = $6)
       AND (CAST($7 AS BIGINT) IS NULL OR created_at >= $7)
       AND (CAST($8 AS BIGINT) IS NULL OR created_at < $8)
       AND (CAST($9 AS TEXT) IS NULL OR id = $9)
       AND (CAST($10 AS TEXT) IS NULL OR upstream_id = $10)
     ORDER BY id DESC LIMIT $11",
);

/// The filter's arguments `$3`…`$10` of [`FILTERED_MESSAGES`] and [`LATEST_MESSAGES`].
fn filter_args(f: &MessageFilter) -> [Arg; 8] {
    [
        Arg::from(f.channel_id),
        Arg::from(f.chat.clone()),
        Arg::from(f.direction.map(|d| d.as_str().to_string())),
        Arg::from(f.status.map(|s| s.as_str().to_string())),
        Arg::from(f.since),
        Arg::from(f.until),
        Arg::from(f.message_id),
        Arg::from(f.upstream_id.clone()),
    ]
}

/// [`MessageStore::latest_messages`], for both backends.
pub(crate) async fn latest_messages(
    store: &impl Selects,
    account: AccountId,
    f: &MessageFilter,
    before: &str,
    limit: u32,
) -> StoreResult<Vec<MessageRecord>> {
    let mut args = vec![Arg::from(account), Arg::from(before.to_string())];
    args.extend(filter_args(f));
    args.push(Arg::from(i64::from(limit)));
    let mut rows = store.select_all(LATEST_MESSAGES, args).await?;
    rows.reverse();
    Ok(rows)
}

/// [`MessageStore::list_messages`], for both backends.
pub(crate) async fn list_messages(
    store: &impl Selects,
    account: AccountId,
    f: &MessageFilter,
    page: &PageRequest,
) -> StoreResult<Page<MessageRecord>> {
    let mut args = vec![Arg::from(account), Arg::from(page.after_key())];
    args.extend(filter_args(f));
    args.push(Arg::from(page.fetch()));
    store
        .select_page(FILTERED_MESSAGES, args, page, MESSAGES.cursor)
        .await
}
