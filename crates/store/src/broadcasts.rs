//! Broadcasts: the broadcast rows with their counters, the per-target rows, materialization
//! in batches, feeding targets to the outbox, and tracking their messages' statuses.
//!
//! Every change of targets updates the broadcast's counters, its credit refunds (one ledger
//! entry per batch) and, when it ends, its `broadcast.finished` event in the same transaction.

use async_trait::async_trait;
use serde_json::Value;
use switchboard_core::broadcast::{BroadcastRecord, TargetStatus};
use switchboard_core::id::{AccountId, BroadcastId, ContactId, MessageId};
use switchboard_core::status::MessageStatus;
use switchboard_core::time::Millis;

use crate::decode;
use crate::messages::NewOutbound;
use crate::owned::Owned;
use crate::select::Select;
use crate::{Page, PageRequest, StoreResult};

/// Ledger reason of the credits reserved when a broadcast is created.
pub const RESERVE_REASON: &str = "broadcast_reserve";
/// Ledger reason of credits given back for targets that were never sent.
pub const REFUND_REASON: &str = "broadcast_refund";

/// What creating a broadcast did.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateBroadcastOutcome {
    /// Stored, with its credits reserved.
    Created,
    /// The account's balance does not cover the reservation: nothing stored.
    Insufficient {
        /// Credits needed.
        needed: i64,
        /// Credits the account has.
        available: i64,
    },
}

/// One target row.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRecord {
    /// The broadcast.
    pub broadcast_id: BroadcastId,
    /// Position in the audience (0, 1, 2…).
    pub seq: i64,
    /// The recipient (normalized when it parsed, else as given).
    pub wa_id: String,
    /// Placeholder values snapshot (see `switchboard_core::broadcast::render::TargetFields`).
    pub fields: Value,
    /// State.
    pub status: TargetStatus,
    /// The message, once queued.
    pub message_id: Option<MessageId>,
    /// Why it failed or was skipped.
    pub error: Option<Value>,
    /// Last change.
    pub updated_at: Millis,
}

/// A target to materialize.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTarget {
    /// The recipient.
    pub wa_id: String,
    /// Placeholder values snapshot.
    pub fields: Value,
}

/// A batch of materialized targets and where the audience reading stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterializeBatch<'a> {
    /// The broadcast.
    pub id: BroadcastId,
    /// The cursor the batch was read from (must still be the stored one, else nothing is
    /// written: another node did it).
    pub from_cursor: Option<&'a str>,
    /// The cursor after this batch.
    pub to_cursor: &'a str,
    /// The targets (a number already in the broadcast is skipped).
    pub targets: &'a [NewTarget],
    /// Whether the audience is exhausted after this batch.
    pub done: bool,
}

/// A pending target with what the feeder needs to decide about it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTarget {
    /// Position.
    pub seq: i64,
    /// The recipient.
    pub wa_id: String,
    /// Placeholder values snapshot.
    pub fields: Value,
    /// Whether the account's contact with this number opted out of marketing.
    pub opted_out: bool,
    /// The customer's last inbound message on the broadcast's channel (24-hour window).
    pub last_inbound: Option<Millis>,
}

/// What to do with one pending target.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedAction {
    /// Put this message (status `accepted`) in the outbox and mark the target queued.
    Queue(Box<NewOutbound>),
    /// Mark the target failed with this error (refunded).
    Fail(Value),
    /// Mark the target skipped with this reason (refunded).
    Skip(Value),
}

/// One decision of the feeder.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The target's position.
    pub seq: i64,
    /// What to do.
    pub action: FeedAction,
}

/// What a feed did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedOutcome {
    /// Messages put in the outbox.
    pub queued: u64,
    /// Targets failed or skipped.
    pub ended: u64,
    /// Whether the broadcast finished with this feed.
    pub finished: bool,
}

/// A message status seen in the event log, for the tracker.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedStatus {
    /// The message.
    pub message_id: MessageId,
    /// Its new status.
    pub status: MessageStatus,
    /// The error of a failure.
    pub error: Option<Value>,
}

/// What a pause, resume or cancel did.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlOutcome {
    /// Changed; the broadcast after the change.
    Changed(Box<BroadcastRecord>),
    /// Not allowed in its current state; the broadcast unchanged.
    WrongState(Box<BroadcastRecord>),
    /// No such broadcast in the account.
    NotFound,
}

/// Pause, resume or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlAction {
    /// Stop feeding (scheduled or running → paused).
    Pause,
    /// Feed again (paused → running, or scheduled when `send_at` is ahead).
    Resume,
    /// Cancel: pending targets canceled and refunded, materialization stopped.
    Cancel,
}

/// Which contacts form an audience.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactAudience {
    /// These contacts of the account (unknown ids are left out).
    Ids(Vec<ContactId>),
    /// Contacts having any of these tags.
    Tags(Vec<String>),
}

/// A contact read for an audience.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceContact {
    /// `ct_…` (the materialization cursor).
    pub id: ContactId,
    /// Number.
    pub wa_id: String,
    /// Name.
    pub name: Option<String>,
    /// Custom fields.
    pub custom_fields: serde_json::Map<String, Value>,
}

/// Broadcasts and their targets.
#[async_trait]
pub trait BroadcastStore {
    /// Stores a new broadcast and reserves `credits_reserved` credits of its account
    /// (ledger reason [`RESERVE_REASON`]) in one transaction; nothing is stored when the
    /// balance does not cover it.
    async fn create_broadcast(&self, b: &BroadcastRecord) -> StoreResult<CreateBroadcastOutcome>;

    /// Reads a broadcast of the account.
    async fn get_broadcast(
        &self,
        account: AccountId,
        id: BroadcastId,
    ) -> StoreResult<Option<BroadcastRecord>>;

    /// Lists the account's broadcasts, oldest first.
    async fn list_broadcasts(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<BroadcastRecord>>;

    /// Lists a broadcast's targets by position (the cursor is the position), optionally only
    /// those in `status`.
    async fn list_targets(
        &self,
        account: AccountId,
        id: BroadcastId,
        status: Option<TargetStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<TargetRecord>>;

    /// Counts a broadcast's target rows per status (to check the counters).
    async fn count_targets(&self, id: BroadcastId) -> StoreResult<[i64; 9]>;

    /// Pauses, resumes or cancels a broadcast of the account, appending in the same
    /// transaction its `broadcast.finished` event when that ends it, else a
    /// `broadcast.progress` event with its new status.
    async fn control_broadcast(
        &self,
        account: AccountId,
        id: BroadcastId,
        action: ControlAction,
        now: Millis,
    ) -> StoreResult<ControlOutcome>;

    /// Every broadcast that is not finished (the workers' view), oldest first.
    async fn open_broadcasts(&self) -> StoreResult<Vec<BroadcastRecord>>;

    /// Counts an account's contacts matching an audience.
    async fn count_audience(
        &self,
        account: AccountId,
        audience: &ContactAudience,
    ) -> StoreResult<i64>;

    /// Reads an account's contacts matching an audience after contact `after`, by id.
    async fn audience_contacts(
        &self,
        account: AccountId,
        audience: &ContactAudience,
        after: Option<ContactId>,
        limit: u32,
    ) -> StoreResult<Vec<AudienceContact>>;

    /// Stores a batch of targets (pending) and moves the audience cursor; when `done`, marks
    /// the broadcast materialized and refunds the reservation of targets that did not
    /// materialize. Returns false (nothing written) when the cursor moved meanwhile or the
    /// broadcast is no longer open.
    async fn materialize_targets(
        &self,
        batch: &MaterializeBatch<'_>,
        now: Millis,
    ) -> StoreResult<bool>;

    /// Marks an open broadcast failed (e.g. its audience cannot be read): pending targets
    /// are canceled and refunded, as is the reservation of targets never materialized.
    async fn fail_broadcast(&self, id: BroadcastId, error: &Value, now: Millis) -> StoreResult<()>;

    /// Moves a scheduled broadcast whose `send_at` has come to running; false if it was not
    /// scheduled.
    async fn start_broadcast(&self, id: BroadcastId, now: Millis) -> StoreResult<bool>;

    /// The next pending targets of a broadcast by position, with their contact's opt-out and
    /// 24-hour window.
    async fn pending_targets(&self, id: BroadcastId, limit: u32)
        -> StoreResult<Vec<PendingTarget>>;

    /// Applies the feeder's decisions in one transaction, each only if its target is still
    /// pending and the broadcast still running: messages in the outbox with their events,
    /// targets queued / failed / skipped, counters, one refund entry, and the end of the
    /// broadcast when nothing is left.
    async fn feed_targets(
        &self,
        id: BroadcastId,
        items: &[FeedItem],
        now: Millis,
    ) -> StoreResult<FeedOutcome>;

    /// Applies message statuses to the targets they belong to (monotonically), with counters,
    /// refunds, throttled `broadcast.progress` events (at most one per broadcast every
    /// `progress_every_ms`) and `broadcast.finished`, and moves the tracker's position to
    /// `position`, in one transaction. Returns how many targets moved.
    async fn track_statuses(
        &self,
        statuses: &[TrackedStatus],
        position: &str,
        progress_every_ms: i64,
        now: Millis,
    ) -> StoreResult<u64>;

    /// The tracker's position in the event log.
    async fn broadcast_position(&self) -> StoreResult<Option<String>>;
}

/// Broadcasts.
pub(crate) const BROADCASTS: Owned<BroadcastRecord> = Owned::new(
    "broadcasts",
    decode::BROADCAST_COLS,
    decode::broadcast,
    |b| b.id.to_string(),
);

/// Broadcasts not finished yet, in id order.
pub(crate) const OPEN_BROADCASTS: Select<BroadcastRecord> = BROADCASTS
    .select("finished_at IS NULL AND status IN ('scheduled', 'running', 'paused') ORDER BY id");
