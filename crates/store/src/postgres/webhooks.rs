//! PostgreSQL: webhook subscriptions, deliveries, attempts and the fan-out position.
//!
//! The same rules as `sqlite/webhooks.rs`, made safe for several nodes sharing the database:
//! - deliveries are claimed with `FOR UPDATE … SKIP LOCKED` in one statement, so two nodes
//!   never lease the same delivery, and a pending head (leased or not) keeps the later
//!   deliveries of its subscription and ordering key waiting;
//! - `finish_delivery` locks the delivery row it checks the lease of;
//! - a subscription is disabled by a conditional update (`WHERE enabled`), so concurrent
//!   failures append exactly one `subscription.disabled` event;
//! - the fan-out reads the event log through `settled_events`, so it never skips an event
//!   whose transaction commits late.

use async_trait::async_trait;
use sqlx::PgConnection;
use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, DeliveryId, SubscriptionId};
use switchboard_core::subscription::{Attempt, Delivery, Subscription};
use switchboard_core::time::Millis;

use super::events::{append_event, read_position, settled_events, write_position};
use super::query::fetch_opt_on;
use super::retry::retry_on_conflict;
use super::PgStore;
use crate::columns::Prefixed;
use crate::decode::{self, DELIVERY_COLS, SUBSCRIPTION_COLS};
use crate::events::EventFilter;
use crate::owned::DELIVERY_ATTEMPTS;
use crate::shared_methods::{get_owned, get_owned_with, list_owned};
use crate::shared_methods::{select_method, shared_method};
use crate::webhooks::SUBSCRIPTION_DELIVERIES;
use crate::webhooks::{
    disable_reason, disabled_event, pending_delivery, test_event, DeliveryOutcome, DeliverySlots,
    Release, ReplayFrom, Streak, WebhookStore,
};
use crate::webhooks::{DELIVERIES, SUBSCRIPTIONS};
use crate::{Page, PageRequest, StoreError, StoreResult};

/// The fan-out's name in `fanout_position`.
const FANOUT: &str = "webhooks";

/// Leases the claimable heads in one statement: the due heads (`delivery_heads`, kept by
/// triggers: each key's oldest pending delivery) of enabled subscriptions, as far as each
/// one's slots go (`$6` for the busy ones named in `$5`, else `$7`; none when it has none
/// left), the earliest `$2` of all. The subscriptions with heads are found by a skip scan of
/// the heads' primary key (`pending`: from one subscription id to the next), each looked up
/// by its id (a subplan, not a join the planner could turn into a scan of every
/// subscription), so idle subscriptions cost nothing, and each one's heads are read in due
/// order through `delivery_heads_due`: the cost follows what is claimed, not what is queued.
/// The deliveries are locked with `SKIP LOCKED` (rows another node is claiming or finishing
/// are skipped), and a delivery leased by a claim that committed meanwhile fails the
/// re-check of its state and `lease_until`. The leases are written through the primary key
/// (`seq = ANY(…)`: a join with the chosen rows was planned as a scan of every delivery; a
/// generic plan made while the table was tiny may still scan it, see BENCHMARKS.md,
/// "PostgreSQL without statistics"). The event comes with each delivery (columns prefixed
/// `e_`).
pub(crate) const CLAIM: &str = "
    WITH RECURSIVE pending(sub) AS (
        (SELECT subscription_id FROM delivery_heads ORDER BY subscription_id LIMIT 1)
        UNION ALL
        SELECT (SELECT h.subscription_id FROM delivery_heads h WHERE h.subscription_id > p.sub
                ORDER BY h.subscription_id LIMIT 1)
        FROM pending p WHERE p.sub IS NOT NULL
    ), busy AS (
        SELECT * FROM unnest($5::text[], $6::int8[]) AS b(sub, free)
    ), open AS (
        SELECT p.sub AS id, COALESCE(b.free, $7) AS free
        FROM pending p LEFT JOIN busy b ON b.sub = p.sub
        WHERE p.sub IS NOT NULL AND COALESCE(b.free, $7) > 0
          AND (SELECT s.enabled FROM subscriptions s WHERE s.id = p.sub)
    ), allowed AS (
        SELECT d.seq FROM open, LATERAL (
            SELECT dh.seq, dh.due FROM delivery_heads dh
            WHERE dh.subscription_id = open.id AND dh.due <= $1
            ORDER BY dh.due, dh.seq LIMIT LEAST(open.free, $2)
        ) h, LATERAL (
            SELECT d.seq FROM deliveries d
            WHERE d.seq = h.seq AND d.state = 'pending'
              AND (d.lease_until IS NULL OR d.lease_until <= $1)
            FOR UPDATE SKIP LOCKED
        ) d
        ORDER BY h.due, h.seq LIMIT $2
    ), claimed AS (
        UPDATE deliveries SET lease_owner = $3, lease_until = $4
        WHERE seq = ANY(ARRAY(SELECT seq FROM allowed))
        RETURNING deliveries.*
    )
    SELECT c.id, c.subscription_id, c.account_id, c.event_id, c.ordering_key, c.state, c.attempts,
           c.next_attempt_at, c.last_status, c.last_error, c.created_at, c.finished_at,
           e.seq AS e_seq, e.txid::text || '.' || e.seq AS e_cursor, e.id AS e_id, e.account_id AS e_account_id,
           e.channel_id AS e_channel_id, e.chat AS e_chat, e.type AS e_type, e.data AS e_data,
           e.created_at AS e_created_at
    FROM claimed c JOIN events e ON e.id = c.event_id
    ORDER BY c.next_attempt_at, c.seq";

/// The account's events matching a subscription's channel and types (exact names, `prefix.*`
/// wildcards, `*`; `$6` says every type), after a log position and created at or after a
/// time, in log order; of the test events, only those sent to the subscription `$9`.
const REPLAY_EVENTS: &str = "
    SELECT id, chat FROM events
    WHERE account_id = $1 AND (txid, seq) > ($2::text::xid8, $3) AND created_at >= $4
      AND ($5::text IS NULL OR channel_id = $5)
      AND ((type <> 'subscription.test'
            AND ($6 OR type = ANY($7)
                 OR EXISTS (SELECT 1 FROM unnest($7::text[]) AS f
                            WHERE right(f, 2) = '.*' AND starts_with(type, left(f, -1)))))
           OR (type = 'subscription.test'
               AND id IN (SELECT event_id FROM deliveries WHERE subscription_id = $9)))
    ORDER BY txid, seq LIMIT $8";

/// Inserts new deliveries in one statement, their `seq` (the per-key order) following the
/// slice.
async fn insert_deliveries(c: &mut PgConnection, deliveries: &[Delivery]) -> StoreResult<()> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let text = |f: fn(&Delivery) -> String| deliveries.iter().map(f).collect::<Vec<_>>();
    let number = |f: fn(&Delivery) -> i64| deliveries.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO deliveries (id, subscription_id, account_id, event_id, ordering_key, state, attempts, next_attempt_at, created_at)
         SELECT id, subscription_id, account_id, event_id, ordering_key, state, attempts, next_attempt_at, created_at
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[])
              WITH ORDINALITY AS d(id, subscription_id, account_id, event_id, ordering_key, state, attempts, next_attempt_at, created_at, n)
         ORDER BY n",
    )
    .bind(text(|d| d.id.to_string()))
    .bind(text(|d| d.subscription_id.to_string()))
    .bind(text(|d| d.account_id.to_string()))
    .bind(text(|d| d.event_id.clone()))
    .bind(text(|d| d.ordering_key.clone()))
    .bind(text(|d| d.state.as_str().to_string()))
    .bind(number(|d| i64::from(d.attempts)))
    .bind(number(|d| d.next_attempt_at))
    .bind(number(|d| d.created_at))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A failed attempt: marks the subscription failing (if it was not) and, once it has been
/// failing for `disable_after_ms`, disables it with a `subscription.disabled` event.
async fn note_failure(
    c: &mut PgConnection,
    subscription: &str,
    disable_after_ms: i64,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE subscriptions SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL",
    )
    .bind(subscription)
    .bind(now)
    .execute(&mut *c)
    .await?;
    let failing: Option<(bool, Option<i64>)> =
        sqlx::query_as("SELECT enabled, failing_since FROM subscriptions WHERE id = $1")
            .bind(subscription)
            .fetch_optional(&mut *c)
            .await?;
    let Some((true, since)) = failing else {
        return Ok(());
    };
    let Some(reason) = disable_reason(since, disable_after_ms, now) else {
        return Ok(());
    };
    // `AND enabled`: of two failures racing past the threshold, only one disables.
    let sql = format!(
        "UPDATE subscriptions SET enabled = FALSE, disabled_reason = $2, updated_at = $3
         WHERE id = $1 AND enabled RETURNING {SUBSCRIPTION_COLS}"
    );
    let query = sqlx::query(&sql).bind(subscription).bind(&reason).bind(now);
    let Some(s) = fetch_opt_on(&mut *c, query, decode::subscription).await? else {
        return Ok(());
    };
    append_event(c, &disabled_event(&s, now)).await
}

async fn load_delivery(c: &mut PgConnection, id: &str) -> StoreResult<Option<Delivery>> {
    let sql = format!("SELECT {DELIVERY_COLS} FROM deliveries WHERE id = $1");
    fetch_opt_on(&mut *c, sqlx::query(&sql).bind(id), decode::delivery).await
}

/// Binds a subscription's columns as `$1…$15`, in `SUBSCRIPTION_COLS` order.
fn bind_subscription<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    s: &'q Subscription,
) -> StoreResult<sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>> {
    Ok(query
        .bind(s.id.to_string())
        .bind(s.account_id.to_string())
        .bind(s.channel_id.map(|c| c.to_string()))
        .bind(&s.url)
        .bind(serde_json::to_string(&s.events)?)
        .bind(s.format.as_str())
        .bind(&s.secret)
        .bind(&s.previous_secret)
        .bind(s.previous_expires_at)
        .bind(s.enabled)
        .bind(&s.description)
        .bind(s.failing_since)
        .bind(&s.disabled_reason)
        .bind(s.created_at)
        .bind(s.updated_at))
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO subscriptions ({SUBSCRIPTION_COLS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        );
        let s = self.keys.sealed(s)?;
        bind_subscription(sqlx::query(&sql), &s)?
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    get_owned!(get_subscription(SubscriptionId) -> Subscription, SUBSCRIPTIONS);

    list_owned!(list_subscriptions -> Subscription, SUBSCRIPTIONS);

    async fn enabled_subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        let sql =
            format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions WHERE enabled ORDER BY id");
        let query = sqlx::query(&sql);
        let rows = self.fetch_all(query, decode::subscription).await?;
        self.keys.open_records(rows)
    }

    async fn update_subscription(&self, s: &Subscription) -> StoreResult<bool> {
        let s = self.keys.sealed(s)?;
        // `created_at` ($14) is bound (the statement declares its type) but never changes.
        let done = bind_subscription(
            sqlx::query(
                "UPDATE subscriptions SET channel_id = $3, url = $4, events = $5, format = $6, secret = $7,
                     previous_secret = $8, previous_expires_at = $9, enabled = $10, description = $11,
                     failing_since = $12, disabled_reason = $13, updated_at = $15
                 WHERE id = $1 AND account_id = $2",
            ),
            &s,
        )?
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<bool> {
        // The cascade to deliveries can deadlock with a delivery being created or finished
        // for this subscription at the same moment; PostgreSQL then aborts one side, and
        // the delete is simply tried again.
        let done = retry_on_conflict(|| {
            sqlx::query("DELETE FROM subscriptions WHERE account_id = $1 AND id = $2")
                .bind(account.to_string())
                .bind(id.to_string())
                .execute(&self.pool)
        })
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_all_events(&self, after: Option<&str>, limit: u32) -> StoreResult<Page<Event>> {
        settled_events(&self.pool, None, &EventFilter::default(), after, limit).await
    }

    async fn fanout_position(&self) -> StoreResult<Option<String>> {
        read_position(&self.pool, FANOUT).await
    }

    async fn create_deliveries(&self, deliveries: &[Delivery], position: &str) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        insert_deliveries(&mut tx, deliveries).await?;
        write_position(&mut *tx, FANOUT, position).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        slots: &DeliverySlots,
    ) -> StoreResult<Vec<(Delivery, Event)>> {
        let (busy, free): (Vec<String>, Vec<i64>) = slots
            .busy
            .iter()
            .map(|(id, n)| (id.to_string(), i64::from(*n)))
            .unzip();
        sqlx::query(CLAIM)
            .bind(now)
            .bind(i64::from(slots.limit))
            .bind(owner)
            .bind(now + lease_ms)
            .bind(busy)
            .bind(free)
            .bind(i64::from(slots.per_subscription))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let event = Prefixed {
                    row: r,
                    prefix: "e_",
                };
                Ok((decode::delivery(r)?, decode::event(&event)?))
            })
            .collect()
    }

    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
        attempt: Option<&Attempt>,
        disable_after_ms: i64,
        now: Millis,
    ) -> StoreResult<Option<Delivery>> {
        let id_text = id.to_string();
        let mut tx = self.pool.begin().await?;
        let leased: Option<String> = sqlx::query_scalar(
            "SELECT subscription_id FROM deliveries WHERE id = $1 AND lease_owner = $2 FOR UPDATE",
        )
        .bind(&id_text)
        .bind(owner)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(subscription) = leased else {
            return Ok(None);
        };
        if let Some(a) = attempt {
            sqlx::query(
                "INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, response, error) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id_text)
            .bind(a.attempted_at)
            .bind(a.status_code.map(i64::from))
            .bind(i64::try_from(a.latency_ms).unwrap_or(i64::MAX))
            .bind(&a.response)
            .bind(&a.error)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3 WHERE id = $1",
            )
            .bind(&id_text)
            .bind(a.status_code.map(i64::from))
            .bind(a.error.clone().or_else(|| a.response.clone()))
            .execute(&mut *tx)
            .await?;
        }
        let (release, streak) = outcome.effects();
        let released = match release {
            Release::Final(state) => sqlx::query(
                "UPDATE deliveries SET state = $3, finished_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1",
            )
            .bind(&id_text)
            .bind(now)
            .bind(state.as_str()),
            Release::Pending(at) => sqlx::query(
                "UPDATE deliveries SET next_attempt_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1",
            )
            .bind(&id_text)
            .bind(at),
        };
        released.execute(&mut *tx).await?;
        match streak {
            Streak::Ended => {
                // Only when it is set: successes do not lock (or rewrite) the subscription.
                sqlx::query(
                    "UPDATE subscriptions SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
                )
                .bind(&subscription)
                .execute(&mut *tx)
                .await?;
            }
            Streak::Continued => {
                note_failure(&mut tx, &subscription, disable_after_ms, now).await?
            }
            Streak::Untouched => {}
        }
        let delivery = load_delivery(&mut tx, &id_text).await?;
        tx.commit().await?;
        Ok(delivery)
    }

    get_owned_with!(get_delivery(DeliveryId) -> Delivery, Attempt, DELIVERIES, DELIVERY_ATTEMPTS);

    select_method!(
        list_deliveries['life1](
            account: AccountId,
            subscription: SubscriptionId,
            page: &'life1 PageRequest
        ) -> Page<Delivery> = select_page(
            SUBSCRIPTION_DELIVERIES,
            [account, subscription, page.after_key(), page.fetch()],
            page,
            DELIVERIES.cursor
        )
    );

    async fn retry_delivery(
        &self,
        account: AccountId,
        id: DeliveryId,
        now: Millis,
    ) -> StoreResult<Option<Delivery>> {
        let sql = format!(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = $3, finished_at = NULL, lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND account_id = $2 RETURNING {DELIVERY_COLS}"
        );
        let query = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(account.to_string())
            .bind(now);
        self.fetch_one(query, decode::delivery).await
    }

    async fn replay(
        &self,
        s: &Subscription,
        from: &ReplayFrom,
        now: Millis,
        limit: u32,
    ) -> StoreResult<u64> {
        let account = s.account_id.to_string();
        let mut tx = self.pool.begin().await?;
        let ((txid, seq), since) = match from {
            ReplayFrom::Time(t) => (("0".to_string(), 0), *t),
            ReplayFrom::Event(id) => {
                let at: Option<(String, i64)> = sqlx::query_as(
                    "SELECT txid::text, seq FROM events WHERE id = $1 AND account_id = $2",
                )
                .bind(id)
                .bind(&account)
                .fetch_optional(&mut *tx)
                .await?;
                let at = at.ok_or_else(|| {
                    StoreError::Config(format!("no event `{id}` in this account"))
                })?;
                (at, 0)
            }
        };
        let every_type = s.events.is_empty() || s.events.iter().any(|t| t == "*");
        let events: Vec<(String, Option<String>)> = sqlx::query_as(REPLAY_EVENTS)
            .bind(&account)
            .bind(txid)
            .bind(seq)
            .bind(since)
            .bind(s.channel_id.map(|c| c.to_string()))
            .bind(every_type)
            .bind(&s.events)
            .bind(i64::from(limit))
            .bind(s.id.to_string())
            .fetch_all(&mut *tx)
            .await?;
        let deliveries: Vec<Delivery> = events
            .into_iter()
            .map(|(event_id, chat)| pending_delivery(s, event_id, chat, now))
            .collect();
        insert_deliveries(&mut tx, &deliveries).await?;
        tx.commit().await?;
        Ok(deliveries.len() as u64)
    }

    async fn send_test_event(&self, s: &Subscription, now: Millis) -> StoreResult<Delivery> {
        let event = test_event(s, now);
        let d = pending_delivery(s, event.id.to_string(), None, now);
        let mut tx = self.pool.begin().await?;
        append_event(&mut tx, &event).await?;
        insert_deliveries(&mut tx, std::slice::from_ref(&d)).await?;
        tx.commit().await?;
        Ok(d)
    }

    shared_method!(
        delivery_log(
            account: AccountId,
            subscription: SubscriptionId,
            before: Option<DeliveryId>,
            limit: u32
        ) -> Vec<crate::webhooks::LoggedDelivery> = crate::webhooks::delivery_log
    );

    shared_method!(
        delivery_event(account: AccountId, delivery: DeliveryId) -> Option<Event> =
            crate::webhooks::delivery_event
    );
}
