//! SQLite: webhook subscriptions, deliveries, attempts and the fan-out position (see
//! [`WebhookStore`]).

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_core::event::{Event, SUBSCRIPTION_TEST};
use switchboard_core::id::{AccountId, DeliveryId, SubscriptionId};
use switchboard_core::subscription::{Attempt, Delivery, Subscription};
use switchboard_core::time::Millis;

use super::events::{
    append_event, list_all_events, read_position, type_condition, write_position, EVENT_COLS,
};
use super::query::query_one;
use super::SqliteStore;
use crate::decode::{self, DELIVERY_COLS, SUBSCRIPTION_COLS};
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

pub(crate) fn write_subscription(
    c: &Connection,
    s: &Subscription,
    insert: bool,
) -> StoreResult<bool> {
    let sql = if insert {
        "INSERT INTO subscriptions (id, account_id, channel_id, url, events, format, secret, previous_secret, previous_expires_at, enabled, description, failing_since, disabled_reason, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    } else {
        "UPDATE subscriptions SET channel_id = ?3, url = ?4, events = ?5, format = ?6, secret = ?7, previous_secret = ?8, previous_expires_at = ?9,
             enabled = ?10, description = ?11, failing_since = ?12, disabled_reason = ?13, updated_at = ?15
         WHERE id = ?1 AND account_id = ?2"
    };
    let n = c.execute(
        sql,
        params![
            s.id.to_string(),
            s.account_id.to_string(),
            s.channel_id.map(|c| c.to_string()),
            s.url,
            serde_json::to_string(&s.events)?,
            s.format.as_str(),
            s.secret,
            s.previous_secret,
            s.previous_expires_at,
            s.enabled,
            s.description,
            s.failing_since,
            s.disabled_reason,
            s.created_at,
            s.updated_at
        ],
    )?;
    Ok(n == 1)
}

fn insert_delivery(c: &Connection, d: &Delivery) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO deliveries (id, subscription_id, account_id, event_id, ordering_key, state, attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        d.id.to_string(),
        d.subscription_id.to_string(),
        d.account_id.to_string(),
        d.event_id,
        d.ordering_key,
        d.state.as_str(),
        d.attempts,
        d.next_attempt_at,
        d.created_at
    ])?;
    Ok(())
}

pub(crate) fn create_deliveries(
    c: &Connection,
    deliveries: &[Delivery],
    position: &str,
) -> StoreResult<()> {
    for d in deliveries {
        insert_delivery(c, d)?;
    }
    write_position(c, FANOUT, position)?;
    Ok(())
}

fn load_delivery(c: &Connection, id: &str) -> StoreResult<Option<Delivery>> {
    let sql = format!("SELECT {DELIVERY_COLS} FROM deliveries WHERE id = ?1");
    query_one(c, &sql, [id], decode::delivery)
}

/// The enabled subscriptions that have pending deliveries: a skip scan of the primary key of
/// `delivery_heads` (kept by triggers: each key's oldest pending delivery), one probe per
/// such subscription, however many deliveries each holds and however many have none.
const PENDING_SUBSCRIPTIONS: &str = "
    WITH RECURSIVE pending(sub) AS (
        SELECT (SELECT subscription_id FROM delivery_heads ORDER BY subscription_id LIMIT 1)
        UNION ALL
        SELECT (SELECT h.subscription_id FROM delivery_heads h WHERE h.subscription_id > pending.sub
                ORDER BY h.subscription_id LIMIT 1)
        FROM pending WHERE pending.sub IS NOT NULL
    )
    SELECT s.id FROM pending JOIN subscriptions s ON s.id = pending.sub WHERE s.enabled = 1";

/// A subscription's due heads in due order, as far as `?3` goes, through
/// `delivery_heads_due` (a leased head is due at its lease's end).
const DUE_HEADS: &str = "
    SELECT h.due, h.seq, d.id, d.event_id FROM delivery_heads h JOIN deliveries d ON d.seq = h.seq
    WHERE h.subscription_id = ?1 AND h.due <= ?2
    ORDER BY h.due, h.seq LIMIT ?3";

pub(crate) fn claim_deliveries(
    c: &Connection,
    owner: &str,
    now: Millis,
    lease_ms: i64,
    slots: &DeliverySlots,
) -> StoreResult<Vec<(Delivery, Event)>> {
    // Per enabled subscription with pending deliveries and a slot left, its earliest due
    // heads as far as its slots go, then the earliest of all: the cost follows what is
    // claimed, not what is queued.
    let subscriptions: Vec<String> = c
        .prepare_cached(PENDING_SUBSCRIPTIONS)?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut heads = c.prepare_cached(DUE_HEADS)?;
    let mut picked: Vec<(i64, i64, String, String)> = Vec::new();
    for subscription in subscriptions {
        let free = slots.free_for(&subscription).min(slots.limit);
        if free == 0 {
            continue;
        }
        let rows = heads.query_map(params![subscription, now, free], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        for row in rows {
            picked.push(row?);
        }
    }
    picked.sort_unstable();
    picked.truncate(slots.limit as usize);
    let picked: Vec<(i64, String, String)> = picked
        .into_iter()
        .map(|(_, seq, id, event)| (seq, id, event))
        .collect();
    let mut claimed = Vec::with_capacity(picked.len());
    let event_sql = format!("SELECT {EVENT_COLS} FROM events WHERE id = ?1");
    for (seq, id, event_id) in picked {
        c.prepare_cached(
            "UPDATE deliveries SET lease_owner = ?2, lease_until = ?3 WHERE seq = ?1",
        )?
        .execute(params![seq, owner, now + lease_ms])?;
        let event = query_one(c, &event_sql, [&event_id], decode::event)?;
        if let (Some(d), Some(e)) = (load_delivery(c, &id)?, event) {
            claimed.push((d, e));
        }
    }
    Ok(claimed)
}

fn note_failure(
    c: &Connection,
    subscription: &str,
    disable_after_ms: i64,
    now: Millis,
) -> StoreResult<()> {
    c.prepare_cached(
        "UPDATE subscriptions SET failing_since = COALESCE(failing_since, ?2) WHERE id = ?1",
    )?
    .execute(params![subscription, now])?;
    let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions WHERE id = ?1");
    let Some(mut s) = query_one(c, &sql, [subscription], decode::subscription)? else {
        return Ok(());
    };
    let reason = disable_reason(s.failing_since, disable_after_ms, now).filter(|_| s.enabled);
    if let Some(reason) = reason {
        s.enabled = false;
        s.disabled_reason = Some(reason);
        s.updated_at = now;
        write_subscription(c, &s, false)?;
        append_event(c, &disabled_event(&s, now))?;
    }
    Ok(())
}

pub(crate) fn finish_delivery(
    c: &Connection,
    id: DeliveryId,
    owner: &str,
    outcome: DeliveryOutcome,
    attempt: Option<&Attempt>,
    disable_after_ms: i64,
    now: Millis,
) -> StoreResult<Option<Delivery>> {
    let id_text = id.to_string();
    let leased: Option<String> = c
        .prepare_cached(
            "SELECT subscription_id FROM deliveries WHERE id = ?1 AND lease_owner = ?2",
        )?
        .query_row(params![id_text, owner], |r| r.get(0))
        .optional()?;
    let Some(subscription) = leased else {
        return Ok(None);
    };
    if let Some(a) = attempt {
        c.prepare_cached(
            "INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, response, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![id_text, a.attempted_at, a.status_code, a.latency_ms as i64, a.response, a.error])?;
        c.prepare_cached(
            "UPDATE deliveries SET attempts = attempts + 1, last_status = ?2, last_error = ?3 WHERE id = ?1",
        )?
        .execute(params![id_text, a.status_code, a.error.clone().or_else(|| a.response.clone())])?;
    }
    let (release, streak) = outcome.effects();
    match release {
        Release::Final(state) => c
            .prepare_cached(
                "UPDATE deliveries SET state = ?3, finished_at = ?2, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
            )?
            .execute(params![id_text, now, state.as_str()])?,
        Release::Pending(at) => c
            .prepare_cached(
                "UPDATE deliveries SET next_attempt_at = ?2, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
            )?
            .execute(params![id_text, at])?,
    };
    match streak {
        Streak::Ended => {
            c.prepare_cached("UPDATE subscriptions SET failing_since = NULL WHERE id = ?1")?
                .execute([&subscription])?;
        }
        Streak::Continued => note_failure(c, &subscription, disable_after_ms, now)?,
        Streak::Untouched => {}
    }
    load_delivery(c, &id_text)
}

pub(crate) fn retry_delivery(
    c: &Connection,
    account: AccountId,
    id: DeliveryId,
    now: Millis,
) -> StoreResult<Option<Delivery>> {
    let n = c.execute(
        "UPDATE deliveries SET state = 'pending', next_attempt_at = ?3, finished_at = NULL, lease_owner = NULL, lease_until = NULL
         WHERE id = ?1 AND account_id = ?2",
        params![id.to_string(), account.to_string(), now],
    )?;
    if n == 0 {
        return Ok(None);
    }
    load_delivery(c, &id.to_string())
}

/// Appends a test event for `s` and its delivery (see [`WebhookStore::send_test_event`]).
pub(crate) fn send_test_event(
    c: &Connection,
    s: &Subscription,
    now: Millis,
) -> StoreResult<Delivery> {
    let event = test_event(s, now);
    append_event(c, &event)?;
    let d = pending_delivery(s, event.id.to_string(), None, now);
    insert_delivery(c, &d)?;
    Ok(d)
}

pub(crate) fn replay(
    c: &Connection,
    s: &Subscription,
    from: &ReplayFrom,
    now: Millis,
    limit: u32,
) -> StoreResult<u64> {
    let (after_seq, since) = match from {
        ReplayFrom::Time(t) => (0, *t),
        ReplayFrom::Event(id) => {
            let seq: Option<i64> = c
                .prepare_cached("SELECT seq FROM events WHERE id = ?1 AND account_id = ?2")?
                .query_row(params![id, s.account_id.to_string()], |r| r.get(0))
                .optional()?;
            (
                seq.ok_or_else(|| StoreError::Config(format!("no event `{id}` in this account")))?,
                0,
            )
        }
    };
    let (types_sql, type_values) = type_condition(&s.events, 7);
    // A test event goes to the subscription it was sent to only, whatever its filter.
    let sql = format!(
        "SELECT id, chat FROM events WHERE account_id = ?1 AND seq > ?2 AND created_at >= ?3 AND (?4 IS NULL OR channel_id = ?4)
           AND ((type <> '{SUBSCRIPTION_TEST}' AND {types_sql})
                OR (type = '{SUBSCRIPTION_TEST}' AND id IN (SELECT event_id FROM deliveries WHERE subscription_id = ?6)))
         ORDER BY seq LIMIT ?5"
    );
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = vec![
        Box::new(s.account_id.to_string()),
        Box::new(after_seq),
        Box::new(since),
        Box::new(s.channel_id.map(|c| c.to_string())),
        Box::new(i64::from(limit)),
        Box::new(s.id.to_string()),
    ];
    for v in type_values {
        values.push(Box::new(v));
    }
    let events: Vec<(String, Option<String>)> = c
        .prepare(&sql)?
        .query_map(rusqlite::params_from_iter(values.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    for (event_id, chat) in &events {
        let d = pending_delivery(s, event_id.clone(), chat.clone(), now);
        insert_delivery(c, &d)?;
    }
    Ok(events.len() as u64)
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()> {
        let s = self.keys.sealed(s)?;
        self.engine
            .write(move |c| write_subscription(c, &s, true).map(|_| ()))
            .await
    }

    get_owned!(get_subscription(SubscriptionId) -> Subscription, SUBSCRIPTIONS);

    list_owned!(list_subscriptions -> Subscription, SUBSCRIPTIONS);

    async fn enabled_subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        let sql =
            format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions WHERE enabled = 1 ORDER BY id");
        let rows = self.read_all(sql, Vec::new(), decode::subscription).await?;
        self.keys.open_records(rows)
    }

    async fn update_subscription(&self, s: &Subscription) -> StoreResult<bool> {
        let s = self.keys.sealed(s)?;
        self.engine
            .write(move |c| write_subscription(c, &s, false))
            .await
    }

    async fn delete_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> StoreResult<bool> {
        self.engine
            .write(move |c| {
                let n = c.execute(
                    "DELETE FROM subscriptions WHERE account_id = ?1 AND id = ?2",
                    params![account.to_string(), id.to_string()],
                )?;
                Ok(n == 1)
            })
            .await
    }

    async fn list_all_events(&self, after: Option<&str>, limit: u32) -> StoreResult<Page<Event>> {
        let after = after.map(str::to_string);
        self.engine
            .read(move |c| list_all_events(c, after.as_deref(), limit))
            .await
    }

    async fn fanout_position(&self) -> StoreResult<Option<String>> {
        self.engine.read(|c| read_position(c, FANOUT)).await
    }

    async fn create_deliveries(&self, deliveries: &[Delivery], position: &str) -> StoreResult<()> {
        let (deliveries, position) = (deliveries.to_vec(), position.to_string());
        self.engine
            .write(move |c| create_deliveries(c, &deliveries, &position))
            .await
    }

    async fn claim_deliveries(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: i64,
        slots: &DeliverySlots,
    ) -> StoreResult<Vec<(Delivery, Event)>> {
        let (owner, slots) = (owner.to_string(), slots.clone());
        self.engine
            .write(move |c| claim_deliveries(c, &owner, now, lease_ms, &slots))
            .await
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
        let (owner, attempt) = (owner.to_string(), attempt.cloned());
        self.engine
            .write(move |c| {
                finish_delivery(
                    c,
                    id,
                    &owner,
                    outcome,
                    attempt.as_ref(),
                    disable_after_ms,
                    now,
                )
            })
            .await
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
        self.engine
            .write(move |c| retry_delivery(c, account, id, now))
            .await
    }

    async fn replay(
        &self,
        subscription: &Subscription,
        from: &ReplayFrom,
        now: Millis,
        limit: u32,
    ) -> StoreResult<u64> {
        let (s, from) = (subscription.clone(), from.clone());
        self.engine
            .write(move |c| replay(c, &s, &from, now, limit))
            .await
    }

    async fn send_test_event(
        &self,
        subscription: &Subscription,
        now: Millis,
    ) -> StoreResult<Delivery> {
        let s = subscription.clone();
        self.engine
            .write(move |c| send_test_event(c, &s, now))
            .await
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
