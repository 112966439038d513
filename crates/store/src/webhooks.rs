//! Webhook subscriptions and their deliveries ([`WebhookStore`]).

use async_trait::async_trait;
use serde_json::json;
use switchboard_core::event::{Event, SUBSCRIPTION_DISABLED, SUBSCRIPTION_TEST};
use switchboard_core::id::{AccountId, DeliveryId, EventId, SubscriptionId};
use switchboard_core::subscription::{Attempt, Delivery, DeliveryState, Subscription};
use switchboard_core::time::Millis;

use crate::decode;
use crate::owned::Owned;
use crate::select::{Arg, Select, Selects};
use crate::{Page, PageRequest, StoreResult};

/// What a delivery attempt (or a decision not to attempt) came to.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Failed; try again at the given time.
    Retry {
        /// Next attempt time.
        next_attempt_at: Millis,
    },
    /// Failed and the retry schedule ran out.
    GiveUp,
    /// Not attempted (e.g. the endpoint's concurrency cap); try again at the given time.
    Deferred {
        /// Next attempt time.
        next_attempt_at: Millis,
    },
}

/// How many deliveries one claim may lease: in all, and per subscription (the deliverer's
/// per-endpoint concurrency less what it has in flight), so a claim never leases a delivery
/// the deliverer would only have to put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySlots {
    /// Deliveries leased in all.
    pub limit: u32,
    /// Deliveries leased per subscription not named in `busy`.
    pub per_subscription: u32,
    /// Subscriptions with deliveries in flight, each with how many more it may take (0: none;
    /// its deliveries are passed over, not leased).
    pub busy: Vec<(SubscriptionId, u32)>,
}

impl DeliverySlots {
    /// Up to `limit` deliveries, with no limit per subscription.
    pub fn up_to(limit: u32) -> Self {
        Self {
            limit,
            per_subscription: limit,
            busy: Vec::new(),
        }
    }

    /// How many deliveries of the subscription `id` (its text form) this claim may lease.
    pub(crate) fn free_for(&self, id: &str) -> u32 {
        self.busy
            .iter()
            .find(|(busy, _)| busy.to_string() == id)
            .map_or(self.per_subscription, |(_, free)| *free)
    }
}

/// Where finishing a delivery leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// Final, in this state (finished now).
    Final(DeliveryState),
    /// Pending until this time.
    Pending(Millis),
}

/// What finishing a delivery means for its subscription's run of failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Streak {
    /// It ends: the subscription is no longer failing.
    Ended,
    /// It goes on: the failure counts towards disabling the subscription.
    Continued,
    /// Nothing was attempted, so nothing changes.
    Untouched,
}

impl DeliveryOutcome {
    /// Where the outcome leaves the delivery and its subscription's run of failures.
    pub(crate) fn effects(&self) -> (Release, Streak) {
        match *self {
            DeliveryOutcome::Delivered => (Release::Final(DeliveryState::Delivered), Streak::Ended),
            DeliveryOutcome::Retry { next_attempt_at } => {
                (Release::Pending(next_attempt_at), Streak::Continued)
            }
            DeliveryOutcome::GiveUp => (Release::Final(DeliveryState::Failed), Streak::Continued),
            DeliveryOutcome::Deferred { next_attempt_at } => {
                (Release::Pending(next_attempt_at), Streak::Untouched)
            }
        }
    }
}

/// Why a subscription failing since `failing_since` is disabled at `now`, once it has been
/// failing for `disable_after_ms`; `None` before that.
pub(crate) fn disable_reason(
    failing_since: Option<Millis>,
    disable_after_ms: i64,
    now: Millis,
) -> Option<String> {
    let failing_for = failing_since.map(|since| now - since).unwrap_or(0);
    (failing_for >= disable_after_ms).then(|| {
        format!(
            "every delivery failed for {} hours",
            failing_for / 3_600_000
        )
    })
}

/// The `subscription.disabled` event of the (just disabled) subscription `s`.
pub(crate) fn disabled_event(s: &Subscription, now: Millis) -> Event {
    Event {
        seq: 0,
        cursor: String::new(),
        id: EventId::new(),
        kind: SUBSCRIPTION_DISABLED.to_string(),
        account_id: s.account_id,
        channel_id: s.channel_id,
        chat: None,
        created_at: now,
        data: json!({"subscription": {"id": s.id.to_string(), "url": s.url, "reason": s.disabled_reason}}),
    }
}

/// A `subscription.test` event for the subscription `s`, created at `now`.
pub fn test_event(s: &Subscription, now: Millis) -> Event {
    Event {
        seq: 0,
        cursor: String::new(),
        id: EventId::new(),
        kind: SUBSCRIPTION_TEST.to_string(),
        account_id: s.account_id,
        channel_id: s.channel_id,
        chat: None,
        created_at: now,
        data: json!({
            "subscription": {"id": s.id.to_string(), "url": s.url},
            "test": true,
            "message": "A test event from Switchboard: answer 2xx to acknowledge it.",
        }),
    }
}

/// A new delivery of the event `event_id` to `s`, due at `now`: ordered with its chat's
/// events, or on its own when it has no chat.
pub(crate) fn pending_delivery(
    s: &Subscription,
    event_id: String,
    chat: Option<String>,
    now: Millis,
) -> Delivery {
    Delivery {
        id: DeliveryId::new(),
        subscription_id: s.id,
        account_id: s.account_id,
        ordering_key: chat.unwrap_or_else(|| event_id.clone()),
        event_id,
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: now,
        last_status: None,
        last_error: None,
        created_at: now,
        finished_at: None,
    }
}

/// A delivery as a subscription's delivery log shows it: with its event's type and its last
/// attempt's latency.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedDelivery {
    /// The delivery.
    pub delivery: Delivery,
    /// Its event's type.
    pub event_type: String,
    /// How long its last attempt took, if it made one.
    pub last_latency_ms: Option<i64>,
}

/// Columns read by [`logged_delivery`]: the delivery's, its event's type and the latency of
/// its last attempt.
const LOGGED_DELIVERY_COLS: &str = "d.id, d.subscription_id, d.account_id, d.event_id, d.ordering_key, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.finished_at, e.type AS event_type, (SELECT a.latency_ms FROM delivery_attempts a WHERE a.delivery_id = d.id ORDER BY a.id DESC LIMIT 1) AS last_latency_ms";

fn logged_delivery(r: &dyn crate::columns::Columns) -> StoreResult<LoggedDelivery> {
    Ok(LoggedDelivery {
        delivery: decode::delivery(r)?,
        event_type: r.text("event_type")?,
        last_latency_ms: r.opt_int("last_latency_ms")?,
    })
}

/// A subscription's deliveries, newest first, before a delivery id (account, subscription,
/// before or NULL, limit).
pub(crate) const DELIVERY_LOG: Select<LoggedDelivery> = Select::new(
    "deliveries d JOIN events e ON e.id = d.event_id",
    LOGGED_DELIVERY_COLS,
    logged_delivery,
    "d.account_id = $1 AND d.subscription_id = $2 AND (CAST($3 AS TEXT) IS NULL OR d.id < $3) ORDER BY d.id DESC LIMIT $4",
);

/// The event of a delivery (account, delivery); its cursor is left empty.
pub(crate) const DELIVERY_EVENT: Select<Event> = Select::new(
    "events e JOIN deliveries d ON d.event_id = e.id",
    "e.seq, '' AS cursor, e.id, e.account_id, e.channel_id, e.chat, e.type, e.data, e.created_at",
    decode::event,
    "d.account_id = $1 AND d.id = $2",
);

/// [`WebhookStore::delivery_log`], for both backends.
pub(crate) async fn delivery_log(
    store: &impl Selects,
    account: AccountId,
    subscription: SubscriptionId,
    before: Option<DeliveryId>,
    limit: u32,
) -> StoreResult<Vec<LoggedDelivery>> {
    store
        .select_all(
            DELIVERY_LOG,
            vec![
                Arg::from(account),
                Arg::from(subscription),
                Arg::from(before),
                Arg::from(limit),
            ],
        )
        .await
}

/// [`WebhookStore::delivery_event`], for both backends.
pub(crate) async fn delivery_event(
    store: &impl Selects,
    account: AccountId,
    delivery: DeliveryId,
) -> StoreResult<Option<Event>> {
    store
        .select_one(
            DELIVERY_EVENT,
            vec![Arg::from(account), Arg::from(delivery)],
        )
        .await
}

/// Where a replay starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayFrom {
    /// Events created at or after this time.
    Time(Millis),
    /// Events after this event id (`evt_…`).
    Event(String),
}

/// Webhook subscriptions and their deliveries.
#[async_trait]
pub trait WebhookStore {
    /// Stores a new subscription.
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()>;
    /// Reads a subscription of the account.
    async fn get_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<Option<Subscription>>;
    /// Lists the account's subscriptions, oldest first.
    async fn list_subscriptions(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Subscription>>;
    /// Every enabled subscription of every account (the fan-out's view).
    async fn enabled_subscriptions(&self) -> StoreResult<Vec<Subscription>>;
    /// Replaces a subscription's settings; false if it does not exist.
    async fn update_subscription(&self, s: &Subscription) -> StoreResult<bool>;
    /// Deletes a subscription and its deliveries; false if it does not exist.
    async fn delete_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<bool>;

    /// Lists events of every account in log order after `after` (the fan-out reads this).
    async fn list_all_events(&self, after: Option<&str>, limit: u32) -> StoreResult<Page<Event>>;
    /// The fan-out's position in the event log.
    async fn fanout_position(&self) -> StoreResult<Option<String>>;
    /// Stores deliveries and moves the fan-out position past the events they came from, in
    /// one transaction.
    async fn create_deliveries(&self, deliveries: &[Delivery], position: &str) -> StoreResult<()>;

    /// Leases due deliveries of enabled subscriptions, each the oldest pending one of its
    /// subscription and ordering key, with its event: at most `slots.limit` in all and no
    /// more per subscription than [`DeliverySlots`] allows, earliest due first.
    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        slots: &DeliverySlots,
    ) -> StoreResult<Vec<(Delivery, Event)>>;
    /// Records an attempt and its outcome for a delivery leased by `owner`. A failure marks
    /// the subscription failing; failing for longer than `disable_after_ms` disables it with
    /// a `subscription.disabled` event. Returns the delivery after the change, or `None` if
    /// the lease was lost.
    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
        attempt: Option<&Attempt>,
        disable_after_ms: i64,
        now: Millis,
    ) -> StoreResult<Option<Delivery>>;
    /// Reads a delivery of the account with its attempts.
    async fn get_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>>;
    /// Lists a subscription's deliveries, oldest first.
    async fn list_deliveries(
        &self,
        account: AccountId,
        subscription: SubscriptionId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>>;
    /// Makes a delivery of the account pending and due now.
    async fn retry_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
        now: Millis,
    ) -> StoreResult<Option<Delivery>>;
    /// Creates new deliveries to `subscription` for its matching events since `from` (at most
    /// `limit`); returns how many.
    async fn replay(
        &self,
        subscription: &Subscription,
        from: &ReplayFrom,
        now: Millis,
        limit: u32,
    ) -> StoreResult<u64>;
    /// Appends a `subscription.test` event for `subscription` (see [`test_event`]) and its
    /// delivery, due now, to that subscription only, in one transaction; returns the delivery
    /// (its `event_id` names the event). The fan-out passes
    /// test events over; a replay re-sends a subscription's own test events only.
    async fn send_test_event(
        &self,
        subscription: &Subscription,
        now: Millis,
    ) -> StoreResult<Delivery>;
    /// A subscription's deliveries of the account, newest first, before the delivery
    /// `before` (from the newest when `None`), at most `limit`, each with its event's type
    /// and its last attempt's latency.
    async fn delivery_log(
        &self,
        account: AccountId,
        subscription: SubscriptionId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<LoggedDelivery>>;
    /// The event of a delivery of the account (its `cursor` left empty).
    async fn delivery_event(
        &self,
        account: AccountId,
        delivery: DeliveryId,
    ) -> StoreResult<Option<Event>>;
}

/// Webhook subscriptions.
pub(crate) const SUBSCRIPTIONS: Owned<Subscription> = Owned::new(
    "subscriptions",
    decode::SUBSCRIPTION_COLS,
    decode::subscription,
    |s| s.id.to_string(),
)
.with_secrets();

/// Webhook deliveries.
pub(crate) const DELIVERIES: Owned<Delivery> =
    Owned::new("deliveries", decode::DELIVERY_COLS, decode::delivery, |d| {
        d.id.to_string()
    });

/// A subscription's deliveries, in id order (account, subscription, after, limit).
pub(crate) const SUBSCRIPTION_DELIVERIES: Select<Delivery> =
    DELIVERIES.select("account_id = $1 AND subscription_id = $2 AND id > $3 ORDER BY id LIMIT $4");
