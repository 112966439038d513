//! SQLite: webhook subscriptions, deliveries, attempts and the fan-out position.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;
use switchboard_core::event::{Event, SUBSCRIPTION_DISABLED};
use switchboard_core::id::{AccountId, DeliveryId, EventId, SubscriptionId};
use switchboard_core::subscription::{
    Attempt, Delivery, DeliveryState, PayloadFormat, Subscription,
};
use switchboard_core::time::Millis;

use super::messages::{append_event, type_condition};
use super::rows::parse;
use crate::messages::{DeliveryOutcome, ReplayFrom};
use crate::{Page, PageRequest, StoreError, StoreResult};

/// The fan-out's name in `fanout_position`.
const FANOUT: &str = "webhooks";

pub(crate) const SUBSCRIPTION_COLS: &str = "id, account_id, channel_id, url, events, format, secret, previous_secret, previous_expires_at, enabled, description, failing_since, disabled_reason, created_at, updated_at";
pub(crate) const DELIVERY_COLS: &str = "id, subscription_id, account_id, event_id, ordering_key, state, attempts, next_attempt_at, last_status, last_error, created_at, finished_at";
const EVENT_COLS: &str = "seq, id, account_id, channel_id, chat, type, data, created_at";

pub(crate) fn subscription_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<Subscription>> {
    let id: String = row.get(0)?;
    let account_id: String = row.get(1)?;
    let channel_id: Option<String> = row.get(2)?;
    let url: String = row.get(3)?;
    let events: String = row.get(4)?;
    let format: String = row.get(5)?;
    let secret: String = row.get(6)?;
    let previous_secret: Option<String> = row.get(7)?;
    let previous_expires_at: Option<i64> = row.get(8)?;
    let enabled: bool = row.get(9)?;
    let description: Option<String> = row.get(10)?;
    let failing_since: Option<i64> = row.get(11)?;
    let disabled_reason: Option<String> = row.get(12)?;
    let created_at: i64 = row.get(13)?;
    let updated_at: i64 = row.get(14)?;
    Ok((|| {
        Ok(Subscription {
            id: parse(&id, "subscription id")?,
            account_id: parse(&account_id, "account id")?,
            channel_id: channel_id.map(|c| parse(&c, "channel id")).transpose()?,
            url,
            events: serde_json::from_str(&events)?,
            format: PayloadFormat::parse(&format)
                .ok_or_else(|| StoreError::Corrupt(format!("bad payload format `{format}`")))?,
            secret,
            previous_secret,
            previous_expires_at,
            enabled,
            description,
            failing_since,
            disabled_reason,
            created_at,
            updated_at,
        })
    })())
}

pub(crate) fn delivery_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<Delivery>> {
    let id: String = row.get(0)?;
    let subscription_id: String = row.get(1)?;
    let account_id: String = row.get(2)?;
    let event_id: String = row.get(3)?;
    let ordering_key: String = row.get(4)?;
    let state: String = row.get(5)?;
    let attempts: i64 = row.get(6)?;
    let next_attempt_at: i64 = row.get(7)?;
    let last_status: Option<i64> = row.get(8)?;
    let last_error: Option<String> = row.get(9)?;
    let created_at: i64 = row.get(10)?;
    let finished_at: Option<i64> = row.get(11)?;
    Ok((|| {
        Ok(Delivery {
            id: parse(&id, "delivery id")?,
            subscription_id: parse(&subscription_id, "subscription id")?,
            account_id: parse(&account_id, "account id")?,
            event_id,
            ordering_key,
            state: DeliveryState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("bad delivery state `{state}`")))?,
            attempts: u32::try_from(attempts).unwrap_or(0),
            next_attempt_at,
            last_status: last_status.and_then(|s| u16::try_from(s).ok()),
            last_error,
            created_at,
            finished_at,
        })
    })())
}

pub(crate) fn event_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<Event>> {
    let seq: i64 = row.get(0)?;
    let id: String = row.get(1)?;
    let account_id: String = row.get(2)?;
    let channel_id: Option<String> = row.get(3)?;
    let chat: Option<String> = row.get(4)?;
    let kind: String = row.get(5)?;
    let data: String = row.get(6)?;
    let created_at: i64 = row.get(7)?;
    Ok((|| {
        Ok(Event {
            seq,
            cursor: seq.to_string(),
            id: parse(&id, "event id")?,
            kind,
            account_id: parse(&account_id, "account id")?,
            channel_id: channel_id.map(|x| parse(&x, "channel id")).transpose()?,
            chat,
            created_at,
            data: serde_json::from_str(&data)?,
        })
    })())
}

fn collect<T>(rows: impl Iterator<Item = rusqlite::Result<StoreResult<T>>>) -> StoreResult<Vec<T>> {
    rows.collect::<Result<Vec<_>, _>>()?.into_iter().collect()
}

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

pub(crate) fn get_subscription(
    c: &Connection,
    account: AccountId,
    id: SubscriptionId,
) -> StoreResult<Option<Subscription>> {
    let sql =
        format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions WHERE account_id = ?1 AND id = ?2");
    c.prepare_cached(&sql)?
        .query_row(
            params![account.to_string(), id.to_string()],
            subscription_from_row,
        )
        .optional()?
        .transpose()
}

pub(crate) fn list_subscriptions(
    c: &Connection,
    account: AccountId,
    page: &PageRequest,
) -> StoreResult<Page<Subscription>> {
    let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions WHERE account_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = collect(stmt.query_map(
        params![
            account.to_string(),
            page.after.clone().unwrap_or_default(),
            page.fetch()
        ],
        subscription_from_row,
    )?)?;
    Ok(Page::from_rows(rows, page, |s| s.id.to_string()))
}

pub(crate) fn enabled_subscriptions(c: &Connection) -> StoreResult<Vec<Subscription>> {
    let sql =
        format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions WHERE enabled = 1 ORDER BY id");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([], subscription_from_row)?;
    collect(rows)
}

pub(crate) fn list_all_events(
    c: &Connection,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Event>> {
    let after = parse_cursor(after)?;
    let request = PageRequest {
        after: None,
        limit: Some(limit),
    };
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = collect(stmt.query_map(params![after, request.fetch()], event_from_row)?)?;
    Ok(Page::from_rows(rows, &request, |e| e.cursor.clone()))
}

fn parse_cursor(after: Option<&str>) -> StoreResult<i64> {
    match after {
        None | Some("") => Ok(0),
        Some(text) => text
            .parse()
            .map_err(|_| StoreError::Config(format!("invalid event cursor `{text}`"))),
    }
}

pub(crate) fn fanout_position(c: &Connection) -> StoreResult<Option<String>> {
    Ok(
        c.prepare_cached("SELECT cursor FROM fanout_position WHERE name = ?1")?
            .query_row([FANOUT], |r| r.get(0))
            .optional()?,
    )
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
    c.prepare_cached(
        "INSERT INTO fanout_position (name, cursor) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor",
    )?
    .execute(params![FANOUT, position])?;
    Ok(())
}

fn load_delivery(c: &Connection, id: &str) -> StoreResult<Option<Delivery>> {
    let sql = format!("SELECT {DELIVERY_COLS} FROM deliveries WHERE id = ?1");
    c.prepare_cached(&sql)?
        .query_row([id], delivery_from_row)
        .optional()?
        .transpose()
}

pub(crate) fn claim_deliveries(
    c: &Connection,
    owner: &str,
    now: Millis,
    lease_ms: i64,
    limit: u32,
) -> StoreResult<Vec<(Delivery, Event)>> {
    let picked: Vec<(i64, String, String)> = c
        .prepare_cached(
            "SELECT d.seq, d.id, d.event_id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND (d.lease_until IS NULL OR d.lease_until <= ?1) AND s.enabled = 1
               AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.subscription_id = d.subscription_id
                               AND p.ordering_key = d.ordering_key AND p.state = 'pending' AND p.seq < d.seq)
             ORDER BY d.next_attempt_at, d.seq LIMIT ?2",
        )?
        .query_map(params![now, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut claimed = Vec::with_capacity(picked.len());
    let event_sql = format!("SELECT {EVENT_COLS} FROM events WHERE id = ?1");
    for (seq, id, event_id) in picked {
        c.prepare_cached(
            "UPDATE deliveries SET lease_owner = ?2, lease_until = ?3 WHERE seq = ?1",
        )?
        .execute(params![seq, owner, now + lease_ms])?;
        let event = c
            .prepare_cached(&event_sql)?
            .query_row([&event_id], event_from_row)
            .optional()?
            .transpose()?;
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
    let Some(mut s) = c
        .prepare_cached(&sql)?
        .query_row([subscription], subscription_from_row)
        .optional()?
        .transpose()?
    else {
        return Ok(());
    };
    let failing_for = s.failing_since.map(|since| now - since).unwrap_or(0);
    if s.enabled && failing_for >= disable_after_ms {
        s.enabled = false;
        s.disabled_reason = Some(format!(
            "every delivery failed for {} hours",
            failing_for / 3_600_000
        ));
        s.updated_at = now;
        write_subscription(c, &s, false)?;
        append_event(
            c,
            &Event {
                seq: 0,
                cursor: String::new(),
                id: EventId::new(),
                kind: SUBSCRIPTION_DISABLED.to_string(),
                account_id: s.account_id,
                channel_id: s.channel_id,
                chat: None,
                created_at: now,
                data: json!({"subscription": {"id": s.id.to_string(), "url": s.url, "reason": s.disabled_reason}}),
            },
        )?;
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
    match outcome {
        DeliveryOutcome::Delivered => {
            c.prepare_cached(
                "UPDATE deliveries SET state = 'delivered', finished_at = ?2, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
            )?
            .execute(params![id_text, now])?;
            c.prepare_cached("UPDATE subscriptions SET failing_since = NULL WHERE id = ?1")?
                .execute([&subscription])?;
        }
        DeliveryOutcome::Retry { next_attempt_at } => {
            c.prepare_cached(
                "UPDATE deliveries SET next_attempt_at = ?2, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
            )?
            .execute(params![id_text, next_attempt_at])?;
            note_failure(c, &subscription, disable_after_ms, now)?;
        }
        DeliveryOutcome::GiveUp => {
            c.prepare_cached(
                "UPDATE deliveries SET state = 'failed', finished_at = ?2, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
            )?
            .execute(params![id_text, now])?;
            note_failure(c, &subscription, disable_after_ms, now)?;
        }
        DeliveryOutcome::Deferred { next_attempt_at } => {
            c.prepare_cached(
                "UPDATE deliveries SET next_attempt_at = ?2, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
            )?
            .execute(params![id_text, next_attempt_at])?;
        }
    }
    load_delivery(c, &id_text)
}

pub(crate) fn get_delivery(
    c: &Connection,
    account: AccountId,
    id: DeliveryId,
) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
    let Some(d) = load_delivery(c, &id.to_string())? else {
        return Ok(None);
    };
    if d.account_id != account {
        return Ok(None);
    }
    let attempts = c
        .prepare_cached(
            "SELECT attempted_at, status_code, latency_ms, response, error FROM delivery_attempts WHERE delivery_id = ?1 ORDER BY id",
        )?
        .query_map([id.to_string()], |r| {
            Ok(Attempt {
                attempted_at: r.get(0)?,
                status_code: r.get::<_, Option<i64>>(1)?.and_then(|s| u16::try_from(s).ok()),
                latency_ms: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                response: r.get(3)?,
                error: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((d, attempts)))
}

pub(crate) fn list_deliveries(
    c: &Connection,
    account: AccountId,
    subscription: SubscriptionId,
    page: &PageRequest,
) -> StoreResult<Page<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLS} FROM deliveries WHERE account_id = ?1 AND subscription_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = collect(stmt.query_map(
        params![
            account.to_string(),
            subscription.to_string(),
            page.after.clone().unwrap_or_default(),
            page.fetch()
        ],
        delivery_from_row,
    )?)?;
    Ok(Page::from_rows(rows, page, |d| d.id.to_string()))
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
    let (types_sql, type_values) = type_condition(&s.events, 6);
    let sql = format!(
        "SELECT id, chat FROM events WHERE account_id = ?1 AND seq > ?2 AND created_at >= ?3 AND (?4 IS NULL OR channel_id = ?4) AND {types_sql}
         ORDER BY seq LIMIT ?5"
    );
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = vec![
        Box::new(s.account_id.to_string()),
        Box::new(after_seq),
        Box::new(since),
        Box::new(s.channel_id.map(|c| c.to_string())),
        Box::new(i64::from(limit)),
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
        insert_delivery(
            c,
            &Delivery {
                id: DeliveryId::new(),
                subscription_id: s.id,
                account_id: s.account_id,
                event_id: event_id.clone(),
                ordering_key: chat.clone().unwrap_or_else(|| event_id.clone()),
                state: DeliveryState::Pending,
                attempts: 0,
                next_attempt_at: now,
                last_status: None,
                last_error: None,
                created_at: now,
                finished_at: None,
            },
        )?;
    }
    Ok(events.len() as u64)
}
