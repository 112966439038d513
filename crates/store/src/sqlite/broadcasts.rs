//! SQLite: broadcasts, their targets, materialization, feeding and status tracking.

use std::collections::HashMap;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use switchboard_core::broadcast::{
    broadcast_event, BroadcastRecord, BroadcastStatus, Counters, TargetStatus,
};
use switchboard_core::event::{BROADCAST_FINISHED, BROADCAST_PROGRESS};
use switchboard_core::id::{AccountId, BroadcastId, ContactId};
use switchboard_core::time::Millis;

use super::credits::{append_ledger, balance, set_balance};
use super::events::{append_event, read_position, write_position};
use super::messages::insert_outbound;
use super::query::args;
use super::query::{query_all, query_one};
use super::SqliteStore;
use crate::broadcast_rules::{
    add_move, control_target, counts_by_status, fed_target, finish_if_done, refund_entry,
    reserve_entry, target_cursor, tracked_move, POSITION,
};
use crate::broadcasts::BROADCASTS;
use crate::broadcasts::OPEN_BROADCASTS;
use crate::broadcasts::{
    AudienceContact, BroadcastStore, ContactAudience, ControlAction, ControlOutcome,
    CreateBroadcastOutcome, FeedAction, FeedItem, FeedOutcome, MaterializeBatch, PendingTarget,
    TargetRecord, TrackedStatus,
};
use crate::decode::{self, AUDIENCE_CONTACT_COLS, BROADCAST_COLS, TARGET_COLS};
use crate::messages::InsertOutcome;
use crate::shared_methods::{get_owned, list_owned, select_method};
use crate::{Page, PageRequest, StoreError, StoreResult};

fn load(c: &Connection, id: &str) -> StoreResult<Option<BroadcastRecord>> {
    let sql = format!("SELECT {BROADCAST_COLS} FROM broadcasts WHERE id = ?1");
    query_one(c, &sql, [id], decode::broadcast)
}

/// Gives `amount` credits back to the account with one ledger entry.
fn refund(
    c: &Connection,
    account: AccountId,
    amount: i64,
    reference: &str,
    now: Millis,
) -> StoreResult<()> {
    if amount <= 0 {
        return Ok(());
    }
    let account = account.to_string();
    let after = balance(c, &account)?.saturating_add(amount);
    set_balance(c, &account, after, now)?;
    let entry = refund_entry(&account, amount, after, reference, now);
    append_ledger(c, &entry)?;
    Ok(())
}

/// Adds counter deltas and refunds `refund_targets` targets' credits.
fn apply_delta(
    c: &Connection,
    b: &BroadcastRecord,
    d: &Counters,
    refund_targets: i64,
    now: Millis,
) -> StoreResult<()> {
    let credits = refund_targets.saturating_mul(b.credits_per_target);
    c.prepare_cached(
        "UPDATE broadcasts SET total = total + ?2, pending = pending + ?3, queued = queued + ?4,
           sent = sent + ?5, delivered = delivered + ?6, not_delivered = not_delivered + ?7,
           seen = seen + ?8, failed = failed + ?9, skipped = skipped + ?10, canceled = canceled + ?11,
           credits_refunded = credits_refunded + ?12, updated_at = ?13 WHERE id = ?1",
    )?
    .execute(params![
        b.id.to_string(),
        d.total,
        d.pending,
        d.queued,
        d.sent,
        d.delivered,
        d.not_delivered,
        d.seen,
        d.failed,
        d.skipped,
        d.canceled,
        credits,
        now
    ])?;
    refund(c, b.account_id, credits, &b.id.to_string(), now)
}

/// Ends the broadcast if nothing is pending or queued any more: `completed` (unless it was
/// canceled or failed), `finished_at`, and its `broadcast.finished` event. Returns whether it
/// finished now.
fn maybe_finish(c: &Connection, id: &str, now: Millis) -> StoreResult<bool> {
    let Some(mut b) = load(c, id)? else {
        return Ok(false);
    };
    if !finish_if_done(&mut b, now) {
        return Ok(false);
    }
    c.prepare_cached(
        "UPDATE broadcasts SET status = ?2, finished_at = ?3, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, b.status.as_str(), now])?;
    append_event(c, &broadcast_event(BROADCAST_FINISHED, &b, now))?;
    Ok(true)
}

/// Cancels every pending target (refunded), and the reservation of targets never
/// materialized; marks the broadcast materialized.
fn cancel_rest(c: &Connection, b: &BroadcastRecord, now: Millis) -> StoreResult<()> {
    let id = b.id.to_string();
    let n = c
        .prepare_cached(
            "UPDATE broadcast_targets SET status = 'canceled', updated_at = ?2 WHERE broadcast_id = ?1 AND status = 'pending'",
        )?
        .execute(params![id, now])? as i64;
    let mut d = Counters::default();
    d.moved(TargetStatus::Pending, TargetStatus::Canceled, n);
    let unmaterialized = if b.materialized {
        0
    } else {
        (b.audience_size - b.counters.total).max(0)
    };
    apply_delta(c, b, &d, n + unmaterialized, now)?;
    c.prepare_cached("UPDATE broadcasts SET materialized = 1 WHERE id = ?1")?
        .execute([&id])?;
    Ok(())
}

fn set_status(c: &Connection, id: &str, status: BroadcastStatus, now: Millis) -> StoreResult<()> {
    c.prepare_cached("UPDATE broadcasts SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, status.as_str(), now])?;
    Ok(())
}

fn audience_sql(audience: &ContactAudience) -> (String, Vec<String>) {
    match audience {
        ContactAudience::Ids(ids) => (
            "id IN (SELECT value FROM json_each(?3))".to_string(),
            vec![serde_json::to_string(
                &ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
            )
            .unwrap_or_else(|_| "[]".into())],
        ),
        ContactAudience::Tags(tags) => (
            "EXISTS (SELECT 1 FROM json_each(contacts.tags) t WHERE t.value IN (SELECT value FROM json_each(?3)))".to_string(),
            vec![serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())],
        ),
    }
}

#[async_trait]
impl BroadcastStore for SqliteStore {
    async fn create_broadcast(&self, b: &BroadcastRecord) -> StoreResult<CreateBroadcastOutcome> {
        let b = b.clone();
        self.engine
            .write(move |c| {
                let account = b.account_id.to_string();
                let balance = balance(c, &account)?;
                if balance < b.credits_reserved {
                    return Ok(CreateBroadcastOutcome::Insufficient {
                        needed: b.credits_reserved,
                        available: balance,
                    });
                }
                if b.credits_reserved > 0 {
                    // The balance covers the reservation, so the account has a row.
                    let after = balance - b.credits_reserved;
                    set_balance(c, &account, after, b.created_at)?;
                    let reference = b.id.to_string();
                    let entry = reserve_entry(&account, &b, after, &reference);
                    append_ledger(c, &entry)?;
                }
                c.execute(
                    "INSERT INTO broadcasts (id, account_id, channel_id, name, message, audience, marketing, template_category, status, send_at, audience_size, credits_per_target, credits_reserved, audience_cursor, materialized, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                    params![
                        b.id.to_string(),
                        account,
                        b.channel_id.to_string(),
                        b.name,
                        b.message.to_string(),
                        b.audience.to_string(),
                        b.marketing,
                        b.template_category,
                        b.status.as_str(),
                        b.send_at,
                        b.audience_size,
                        b.credits_per_target,
                        b.credits_reserved,
                        b.audience_cursor,
                        b.materialized,
                        b.created_at,
                        b.updated_at
                    ],
                )?;
                Ok(CreateBroadcastOutcome::Created)
            })
            .await
    }

    get_owned!(get_broadcast(BroadcastId) -> BroadcastRecord, BROADCASTS);

    list_owned!(list_broadcasts -> BroadcastRecord, BROADCASTS);

    async fn list_targets(
        &self,
        account: AccountId,
        id: BroadcastId,
        status: Option<TargetStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<TargetRecord>> {
        let (account, id) = (account.to_string(), id.to_string());
        let after = target_cursor(page)?;
        let sql = format!(
            "SELECT {TARGET_COLS} FROM broadcast_targets
             WHERE broadcast_id = (SELECT id FROM broadcasts WHERE id = ?1 AND account_id = ?2)
               AND seq > ?3 AND (?4 IS NULL OR status = ?4) ORDER BY seq LIMIT ?5"
        );
        let args = args![
            id,
            account,
            after,
            status.map(|s| s.as_str().to_string()),
            page.fetch()
        ];
        self.read_page(sql, args, page, decode::target, |t| t.seq.to_string())
            .await
    }

    async fn count_targets(&self, id: BroadcastId) -> StoreResult<[i64; 9]> {
        let id = id.to_string();
        self.engine
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT status, COUNT(*) FROM broadcast_targets WHERE broadcast_id = ?1 GROUP BY status",
                )?;
                let rows = stmt
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                counts_by_status(rows)
            })
            .await
    }

    async fn control_broadcast(
        &self,
        account: AccountId,
        id: BroadcastId,
        action: ControlAction,
        now: Millis,
    ) -> StoreResult<ControlOutcome> {
        let id = id.to_string();
        self.engine
            .write(move |c| {
                let Some(b) = load(c, &id)?.filter(|b| b.account_id == account) else {
                    return Ok(ControlOutcome::NotFound);
                };
                let Some(next) = control_target(action, &b, now) else {
                    return Ok(ControlOutcome::WrongState(Box::new(b)));
                };
                set_status(c, &id, next, now)?;
                if action == ControlAction::Cancel {
                    cancel_rest(c, &b, now)?;
                }
                let finished = maybe_finish(c, &id, now)?;
                let after = load(c, &id)?
                    .ok_or_else(|| StoreError::Corrupt("broadcast vanished".into()))?;
                if !finished {
                    append_event(c, &broadcast_event(BROADCAST_PROGRESS, &after, now))?;
                }
                Ok(ControlOutcome::Changed(Box::new(after)))
            })
            .await
    }

    select_method!(open_broadcasts() -> Vec<BroadcastRecord> = select_all(OPEN_BROADCASTS, []));

    async fn count_audience(
        &self,
        account: AccountId,
        audience: &ContactAudience,
    ) -> StoreResult<i64> {
        let account = account.to_string();
        let (cond, args) = audience_sql(audience);
        self.engine
            .read(move |c| {
                let sql = format!(
                    "SELECT COUNT(*) FROM contacts WHERE account_id = ?1 AND id > ?2 AND {cond}"
                );
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![account, "", args[0]], |r| r.get(0))?)
            })
            .await
    }

    async fn audience_contacts(
        &self,
        account: AccountId,
        audience: &ContactAudience,
        after: Option<ContactId>,
        limit: u32,
    ) -> StoreResult<Vec<AudienceContact>> {
        let account = account.to_string();
        let after = after.map(|a| a.to_string()).unwrap_or_default();
        let (cond, args) = audience_sql(audience);
        self.engine
            .read(move |c| {
                let sql = format!(
                    "SELECT {AUDIENCE_CONTACT_COLS} FROM contacts
                     WHERE account_id = ?1 AND id > ?2 AND {cond} ORDER BY id LIMIT ?4"
                );
                query_all(
                    c,
                    &sql,
                    params![account, after, args[0], limit],
                    decode::audience_contact,
                )
            })
            .await
    }

    async fn materialize_targets(
        &self,
        batch: &MaterializeBatch<'_>,
        now: Millis,
    ) -> StoreResult<bool> {
        let id = batch.id.to_string();
        let from = batch.from_cursor.map(str::to_string);
        let to = batch.to_cursor.to_string();
        let targets = batch.targets.to_vec();
        let done = batch.done;
        self.engine
            .write(move |c| {
                let Some(b) = load(c, &id)? else {
                    return Ok(false);
                };
                if !b.status.is_open() || b.materialized || b.audience_cursor != from {
                    return Ok(false);
                }
                let mut n = 0i64;
                {
                    let mut insert = c.prepare_cached(
                        "INSERT OR IGNORE INTO broadcast_targets (broadcast_id, seq, wa_id, fields, status, updated_at)
                         VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
                    )?;
                    for t in &targets {
                        if b.counters.total + n >= b.audience_size {
                            break;
                        }
                        n += insert.execute(params![
                            id,
                            b.counters.total + n,
                            t.wa_id,
                            t.fields.to_string(),
                            now
                        ])? as i64;
                    }
                }
                let d = Counters {
                    total: n,
                    pending: n,
                    ..Counters::default()
                };
                let unmaterialized = if done {
                    (b.audience_size - b.counters.total - n).max(0)
                } else {
                    0
                };
                apply_delta(c, &b, &d, unmaterialized, now)?;
                c.prepare_cached(
                    "UPDATE broadcasts SET audience_cursor = ?2, materialized = ?3 WHERE id = ?1",
                )?
                .execute(params![id, to, done])?;
                maybe_finish(c, &id, now)?;
                Ok(true)
            })
            .await
    }

    async fn fail_broadcast(&self, id: BroadcastId, error: &Value, now: Millis) -> StoreResult<()> {
        let id = id.to_string();
        let error = error.to_string();
        self.engine
            .write(move |c| {
                let Some(b) = load(c, &id)? else {
                    return Ok(());
                };
                if !b.status.is_open() {
                    return Ok(());
                }
                c.prepare_cached(
                    "UPDATE broadcasts SET status = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1",
                )?
                .execute(params![id, error, now])?;
                cancel_rest(c, &b, now)?;
                maybe_finish(c, &id, now)?;
                Ok(())
            })
            .await
    }

    async fn start_broadcast(&self, id: BroadcastId, now: Millis) -> StoreResult<bool> {
        let id = id.to_string();
        self.engine
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "UPDATE broadcasts SET status = 'running', updated_at = ?2 WHERE id = ?1 AND status = 'scheduled'",
                    )?
                    .execute(params![id, now])?;
                Ok(n == 1)
            })
            .await
    }

    async fn pending_targets(
        &self,
        id: BroadcastId,
        limit: u32,
    ) -> StoreResult<Vec<PendingTarget>> {
        let id = id.to_string();
        self.engine
            .read(move |c| {
                query_all(
                    c,
                    "SELECT t.seq, t.wa_id, t.fields, ct.opted_out_at IS NOT NULL AS opted_out, cv.last_inbound_at
                     FROM broadcast_targets t
                     JOIN broadcasts b ON b.id = t.broadcast_id
                     LEFT JOIN contacts ct ON ct.account_id = b.account_id AND ct.wa_id = t.wa_id
                     LEFT JOIN conversations cv ON cv.channel_id = b.channel_id AND cv.chat = t.wa_id
                     WHERE t.broadcast_id = ?1 AND t.status = 'pending' ORDER BY t.seq LIMIT ?2",
                    params![id, limit],
                    decode::pending_target,
                )
            })
            .await
    }

    async fn feed_targets(
        &self,
        id: BroadcastId,
        items: &[FeedItem],
        now: Millis,
    ) -> StoreResult<FeedOutcome> {
        let id = id.to_string();
        let items = items.to_vec();
        self.engine
            .write(move |c| {
                let mut out = FeedOutcome::default();
                let Some(b) = load(c, &id)? else {
                    return Ok(out);
                };
                if b.status != BroadcastStatus::Running {
                    return Ok(out);
                }
                let mut d = Counters::default();
                let mut refunds = 0i64;
                for item in &items {
                    let (status, message_id, error) = fed_target(&item.action);
                    let changed = c
                        .prepare_cached(
                            "UPDATE broadcast_targets SET status = ?3, message_id = ?4, error = ?5, updated_at = ?6
                             WHERE broadcast_id = ?1 AND seq = ?2 AND status = 'pending'",
                        )?
                        .execute(params![id, item.seq, status.as_str(), message_id, error, now])?;
                    if changed == 0 {
                        continue;
                    }
                    d.moved(TargetStatus::Pending, status, 1);
                    match &item.action {
                        FeedAction::Queue(new) => {
                            if insert_outbound(c, new)? != InsertOutcome::Inserted {
                                return Err(StoreError::Conflict(
                                    "a broadcast message could not be inserted".into(),
                                ));
                            }
                            out.queued += 1;
                        }
                        _ => {
                            refunds += 1;
                            out.ended += 1;
                        }
                    }
                }
                if !d.is_zero() {
                    apply_delta(c, &b, &d, refunds, now)?;
                }
                out.finished = maybe_finish(c, &id, now)?;
                Ok(out)
            })
            .await
    }

    async fn track_statuses(
        &self,
        statuses: &[TrackedStatus],
        position: &str,
        progress_every_ms: i64,
        now: Millis,
    ) -> StoreResult<u64> {
        let statuses = statuses.to_vec();
        let position = position.to_string();
        self.engine
            .write(move |c| {
                let mut moved = 0u64;
                let mut deltas: HashMap<String, (Counters, i64)> = HashMap::new();
                for s in &statuses {
                    let found: Option<(String, i64, String)> = c
                        .prepare_cached(
                            "SELECT broadcast_id, seq, status FROM broadcast_targets WHERE message_id = ?1",
                        )?
                        .query_row([s.message_id.to_string()], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                        })
                        .optional()?;
                    let Some((bc, seq, current)) = found else {
                        continue;
                    };
                    let Some((current, next, error)) = tracked_move(&current, s) else {
                    continue;
                };
                    c.prepare_cached(
                        "UPDATE broadcast_targets SET status = ?3, error = COALESCE(?4, error), updated_at = ?5
                         WHERE broadcast_id = ?1 AND seq = ?2",
                    )?
                    .execute(params![bc, seq, next.as_str(), error, now])?;
                    add_move(deltas.entry(bc).or_default(), current, next);
                    moved += 1;
                }
                for (bc, (d, refunds)) in deltas {
                    let Some(b) = load(c, &bc)? else {
                        continue;
                    };
                    apply_delta(c, &b, &d, refunds, now)?;
                    if maybe_finish(c, &bc, now)? {
                        continue;
                    }
                    let last: i64 = c
                        .prepare_cached("SELECT progress_at FROM broadcasts WHERE id = ?1")?
                        .query_row([&bc], |r| r.get(0))?;
                    if now - last >= progress_every_ms {
                        if let Some(b) = load(c, &bc)? {
                            append_event(c, &broadcast_event(BROADCAST_PROGRESS, &b, now))?;
                        }
                        c.prepare_cached("UPDATE broadcasts SET progress_at = ?2 WHERE id = ?1")?
                            .execute(params![bc, now])?;
                    }
                }
                write_position(c, POSITION, &position)?;
                Ok(moved)
            })
            .await
    }

    async fn broadcast_position(&self) -> StoreResult<Option<String>> {
        self.engine.read(|c| read_position(c, POSITION)).await
    }
}
