//! PostgreSQL: broadcasts, their targets, materialization, feeding and status tracking.
//! A broadcast row is locked (`FOR UPDATE`) by every transaction that changes its targets,
//! so nodes sharing the database serialize per broadcast.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::PgConnection;
use switchboard_core::broadcast::{
    broadcast_event, BroadcastRecord, BroadcastStatus, Counters, TargetStatus,
};
use switchboard_core::event::{BROADCAST_FINISHED, BROADCAST_PROGRESS};
use switchboard_core::id::{AccountId, BroadcastId, ContactId};
use switchboard_core::time::Millis;

use super::credits::{append_ledger, balance};
use super::events::{append_event, read_position, write_position};
use super::messages::insert_outbound;
use super::query::fetch_opt_on;
use super::PgStore;
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

/// Reads a broadcast, locking its row for the transaction when `lock`.
async fn load(c: &mut PgConnection, id: &str, lock: bool) -> StoreResult<Option<BroadcastRecord>> {
    let sql = format!(
        "SELECT {BROADCAST_COLS} FROM broadcasts WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    fetch_opt_on(&mut *c, sqlx::query(&sql).bind(id), decode::broadcast).await
}

/// Gives `amount` credits back to the account with one ledger entry.
async fn refund(
    c: &mut PgConnection,
    account: AccountId,
    amount: i64,
    reference: &str,
    now: Millis,
) -> StoreResult<()> {
    if amount <= 0 {
        return Ok(());
    }
    let account = account.to_string();
    let after: i64 = sqlx::query_scalar(
        "INSERT INTO account_credits (account_id, balance, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE SET balance = account_credits.balance + excluded.balance, updated_at = excluded.updated_at
         RETURNING balance",
    )
    .bind(&account)
    .bind(amount)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    let entry = refund_entry(&account, amount, after, reference, now);
    append_ledger(c, &entry).await?;
    Ok(())
}

/// Adds counter deltas and refunds `refund_targets` targets' credits.
async fn apply_delta(
    c: &mut PgConnection,
    b: &BroadcastRecord,
    d: &Counters,
    refund_targets: i64,
    now: Millis,
) -> StoreResult<()> {
    let credits = refund_targets.saturating_mul(b.credits_per_target);
    sqlx::query(
        "UPDATE broadcasts SET total = total + $2, pending = pending + $3, queued = queued + $4,
           sent = sent + $5, delivered = delivered + $6, not_delivered = not_delivered + $7,
           seen = seen + $8, failed = failed + $9, skipped = skipped + $10, canceled = canceled + $11,
           credits_refunded = credits_refunded + $12, updated_at = $13 WHERE id = $1",
    )
    .bind(b.id.to_string())
    .bind(d.total)
    .bind(d.pending)
    .bind(d.queued)
    .bind(d.sent)
    .bind(d.delivered)
    .bind(d.not_delivered)
    .bind(d.seen)
    .bind(d.failed)
    .bind(d.skipped)
    .bind(d.canceled)
    .bind(credits)
    .bind(now)
    .execute(&mut *c)
    .await?;
    refund(c, b.account_id, credits, &b.id.to_string(), now).await
}

/// Ends the broadcast if nothing is pending or queued any more (see the SQLite twin).
async fn maybe_finish(c: &mut PgConnection, id: &str, now: Millis) -> StoreResult<bool> {
    let Some(mut b) = load(c, id, false).await? else {
        return Ok(false);
    };
    if !finish_if_done(&mut b, now) {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE broadcasts SET status = $2, finished_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(b.status.as_str())
    .bind(now)
    .execute(&mut *c)
    .await?;
    append_event(c, &broadcast_event(BROADCAST_FINISHED, &b, now)).await?;
    Ok(true)
}

/// Cancels every pending target (refunded), and the reservation of targets never
/// materialized; marks the broadcast materialized.
async fn cancel_rest(c: &mut PgConnection, b: &BroadcastRecord, now: Millis) -> StoreResult<()> {
    let id = b.id.to_string();
    let n = sqlx::query(
        "UPDATE broadcast_targets SET status = 'canceled', updated_at = $2 WHERE broadcast_id = $1 AND status = 'pending'",
    )
    .bind(&id)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected() as i64;
    let mut d = Counters::default();
    d.moved(TargetStatus::Pending, TargetStatus::Canceled, n);
    let unmaterialized = if b.materialized {
        0
    } else {
        (b.audience_size - b.counters.total).max(0)
    };
    apply_delta(c, b, &d, n + unmaterialized, now).await?;
    sqlx::query("UPDATE broadcasts SET materialized = TRUE WHERE id = $1")
        .bind(&id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

fn audience_cond(audience: &ContactAudience) -> (&'static str, Vec<String>) {
    match audience {
        ContactAudience::Ids(ids) => (
            "id = ANY($3)",
            ids.iter().map(ToString::to_string).collect(),
        ),
        ContactAudience::Tags(tags) => ("tags::jsonb ?| $3", tags.clone()),
    }
}

#[async_trait]
impl BroadcastStore for PgStore {
    async fn create_broadcast(&self, b: &BroadcastRecord) -> StoreResult<CreateBroadcastOutcome> {
        let mut tx = self.pool.begin().await?;
        let account = b.account_id.to_string();
        if b.credits_reserved > 0 {
            let after: Option<i64> = sqlx::query_scalar(
                "UPDATE account_credits SET balance = balance - $2, updated_at = $3
                 WHERE account_id = $1 AND balance >= $2 RETURNING balance",
            )
            .bind(&account)
            .bind(b.credits_reserved)
            .bind(b.created_at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(after) = after else {
                let available = balance(&mut tx, &account).await?;
                tx.rollback().await?;
                return Ok(CreateBroadcastOutcome::Insufficient {
                    needed: b.credits_reserved,
                    available: available.unwrap_or(0),
                });
            };
            let reference = b.id.to_string();
            let entry = reserve_entry(&account, b, after, &reference);
            append_ledger(&mut tx, &entry).await?;
        }
        sqlx::query(
            "INSERT INTO broadcasts (id, account_id, channel_id, name, message, audience, marketing, template_category, status, send_at, audience_size, credits_per_target, credits_reserved, audience_cursor, materialized, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(b.id.to_string())
        .bind(&account)
        .bind(b.channel_id.to_string())
        .bind(&b.name)
        .bind(b.message.to_string())
        .bind(b.audience.to_string())
        .bind(b.marketing)
        .bind(&b.template_category)
        .bind(b.status.as_str())
        .bind(b.send_at)
        .bind(b.audience_size)
        .bind(b.credits_per_target)
        .bind(b.credits_reserved)
        .bind(&b.audience_cursor)
        .bind(b.materialized)
        .bind(b.created_at)
        .bind(b.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CreateBroadcastOutcome::Created)
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
        let after = target_cursor(page)?;
        let sql = format!(
            "SELECT {TARGET_COLS} FROM broadcast_targets
             WHERE broadcast_id = (SELECT id FROM broadcasts WHERE id = $1 AND account_id = $2)
               AND seq > $3 AND ($4::text IS NULL OR status = $4) ORDER BY seq LIMIT $5"
        );
        let query = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(account.to_string())
            .bind(after)
            .bind(status.map(|s| s.as_str()))
            .bind(page.fetch());
        self.fetch_page(query, page, decode::target, |t| t.seq.to_string())
            .await
    }

    async fn count_targets(&self, id: BroadcastId) -> StoreResult<[i64; 9]> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM broadcast_targets WHERE broadcast_id = $1 GROUP BY status",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        counts_by_status(rows)
    }

    async fn control_broadcast(
        &self,
        account: AccountId,
        id: BroadcastId,
        action: ControlAction,
        now: Millis,
    ) -> StoreResult<ControlOutcome> {
        let id = id.to_string();
        let mut tx = self.pool.begin().await?;
        let Some(b) = load(&mut tx, &id, true)
            .await?
            .filter(|b| b.account_id == account)
        else {
            return Ok(ControlOutcome::NotFound);
        };
        let Some(next) = control_target(action, &b, now) else {
            return Ok(ControlOutcome::WrongState(Box::new(b)));
        };
        sqlx::query("UPDATE broadcasts SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(&id)
            .bind(next.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if action == ControlAction::Cancel {
            cancel_rest(&mut tx, &b, now).await?;
        }
        let finished = maybe_finish(&mut tx, &id, now).await?;
        let after = load(&mut tx, &id, false)
            .await?
            .ok_or_else(|| StoreError::Corrupt("broadcast vanished".into()))?;
        if !finished {
            append_event(&mut tx, &broadcast_event(BROADCAST_PROGRESS, &after, now)).await?;
        }
        tx.commit().await?;
        Ok(ControlOutcome::Changed(Box::new(after)))
    }

    select_method!(open_broadcasts() -> Vec<BroadcastRecord> = select_all(OPEN_BROADCASTS, []));

    async fn count_audience(
        &self,
        account: AccountId,
        audience: &ContactAudience,
    ) -> StoreResult<i64> {
        let (cond, args) = audience_cond(audience);
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM contacts WHERE account_id = $1 AND id > $2 AND {cond}"
        ))
        .bind(account.to_string())
        .bind("")
        .bind(args)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn audience_contacts(
        &self,
        account: AccountId,
        audience: &ContactAudience,
        after: Option<ContactId>,
        limit: u32,
    ) -> StoreResult<Vec<AudienceContact>> {
        let (cond, args) = audience_cond(audience);
        let sql = format!(
            "SELECT {AUDIENCE_CONTACT_COLS} FROM contacts
             WHERE account_id = $1 AND id > $2 AND {cond} ORDER BY id LIMIT $4"
        );
        let query = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(after.map(|a| a.to_string()).unwrap_or_default())
            .bind(args)
            .bind(i64::from(limit));
        self.fetch_all(query, decode::audience_contact).await
    }

    async fn materialize_targets(
        &self,
        batch: &MaterializeBatch<'_>,
        now: Millis,
    ) -> StoreResult<bool> {
        let id = batch.id.to_string();
        let mut tx = self.pool.begin().await?;
        let Some(b) = load(&mut tx, &id, true).await? else {
            return Ok(false);
        };
        if !b.status.is_open()
            || b.materialized
            || b.audience_cursor.as_deref() != batch.from_cursor
        {
            return Ok(false);
        }
        let room = (b.audience_size - b.counters.total).max(0) as usize;
        let targets = &batch.targets[..batch.targets.len().min(room)];
        let mut n = 0i64;
        if !targets.is_empty() {
            let wa_ids: Vec<&str> = targets.iter().map(|t| t.wa_id.as_str()).collect();
            let fields: Vec<String> = targets.iter().map(|t| t.fields.to_string()).collect();
            // Numbers already in the broadcast (or repeated in the batch) are skipped; the
            // rest get consecutive positions after the existing rows.
            n = sqlx::query(
                "INSERT INTO broadcast_targets (broadcast_id, seq, wa_id, fields, status, updated_at)
                 SELECT $1, $2 + ROW_NUMBER() OVER (ORDER BY u.ord) - 1, u.wa_id, u.fields, 'pending', $3
                 FROM (
                   SELECT DISTINCT ON (x.wa_id) x.wa_id, x.fields, x.ord
                   FROM UNNEST($4::text[], $5::text[]) WITH ORDINALITY AS x(wa_id, fields, ord)
                   WHERE NOT EXISTS (SELECT 1 FROM broadcast_targets e WHERE e.broadcast_id = $1 AND e.wa_id = x.wa_id)
                   ORDER BY x.wa_id, x.ord
                 ) u",
            )
            .bind(&id)
            .bind(b.counters.total)
            .bind(now)
            .bind(&wa_ids)
            .bind(&fields)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        }
        let d = Counters {
            total: n,
            pending: n,
            ..Counters::default()
        };
        let unmaterialized = if batch.done {
            (b.audience_size - b.counters.total - n).max(0)
        } else {
            0
        };
        apply_delta(&mut tx, &b, &d, unmaterialized, now).await?;
        sqlx::query("UPDATE broadcasts SET audience_cursor = $2, materialized = $3 WHERE id = $1")
            .bind(&id)
            .bind(batch.to_cursor)
            .bind(batch.done)
            .execute(&mut *tx)
            .await?;
        maybe_finish(&mut tx, &id, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn fail_broadcast(&self, id: BroadcastId, error: &Value, now: Millis) -> StoreResult<()> {
        let id = id.to_string();
        let mut tx = self.pool.begin().await?;
        let Some(b) = load(&mut tx, &id, true).await? else {
            return Ok(());
        };
        if !b.status.is_open() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE broadcasts SET status = 'failed', error = $2, updated_at = $3 WHERE id = $1",
        )
        .bind(&id)
        .bind(error.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        cancel_rest(&mut tx, &b, now).await?;
        maybe_finish(&mut tx, &id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn start_broadcast(&self, id: BroadcastId, now: Millis) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE broadcasts SET status = 'running', updated_at = $2 WHERE id = $1 AND status = 'scheduled'",
        )
        .bind(id.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn pending_targets(
        &self,
        id: BroadcastId,
        limit: u32,
    ) -> StoreResult<Vec<PendingTarget>> {
        let query = sqlx::query(
            "SELECT t.seq, t.wa_id, t.fields, ct.opted_out_at IS NOT NULL AS opted_out, cv.last_inbound_at
             FROM broadcast_targets t
             JOIN broadcasts b ON b.id = t.broadcast_id
             LEFT JOIN contacts ct ON ct.account_id = b.account_id AND ct.wa_id = t.wa_id
             LEFT JOIN conversations cv ON cv.channel_id = b.channel_id AND cv.chat = t.wa_id
             WHERE t.broadcast_id = $1 AND t.status = 'pending' ORDER BY t.seq LIMIT $2",
        )
        .bind(id.to_string())
        .bind(i64::from(limit));
        self.fetch_all(query, decode::pending_target).await
    }

    async fn feed_targets(
        &self,
        id: BroadcastId,
        items: &[FeedItem],
        now: Millis,
    ) -> StoreResult<FeedOutcome> {
        let id = id.to_string();
        let mut out = FeedOutcome::default();
        let mut tx = self.pool.begin().await?;
        let Some(b) = load(&mut tx, &id, true).await? else {
            return Ok(out);
        };
        if b.status != BroadcastStatus::Running {
            return Ok(out);
        }
        let mut d = Counters::default();
        let mut refunds = 0i64;
        for item in items {
            let (status, message_id, error) = fed_target(&item.action);
            let changed = sqlx::query(
                "UPDATE broadcast_targets SET status = $3, message_id = $4, error = $5, updated_at = $6
                 WHERE broadcast_id = $1 AND seq = $2 AND status = 'pending'",
            )
            .bind(&id)
            .bind(item.seq)
            .bind(status.as_str())
            .bind(message_id)
            .bind(error)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                continue;
            }
            d.moved(TargetStatus::Pending, status, 1);
            match &item.action {
                FeedAction::Queue(new) => {
                    if insert_outbound(&mut tx, new).await? != InsertOutcome::Inserted {
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
            apply_delta(&mut tx, &b, &d, refunds, now).await?;
        }
        out.finished = maybe_finish(&mut tx, &id, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn track_statuses(
        &self,
        statuses: &[TrackedStatus],
        position: &str,
        progress_every_ms: i64,
        now: Millis,
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let ids: Vec<String> = statuses.iter().map(|s| s.message_id.to_string()).collect();
        let found: Vec<(String, String)> = if ids.is_empty() {
            Vec::new()
        } else {
            sqlx::query_as(
                "SELECT DISTINCT broadcast_id, message_id FROM broadcast_targets WHERE message_id = ANY($1)",
            )
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?
        };
        let mut moved = 0u64;
        if !found.is_empty() {
            // Lock the broadcasts concerned in a fixed order, so trackers and feeders on
            // several nodes never deadlock.
            let by_message: BTreeMap<String, String> =
                found.into_iter().map(|(b, m)| (m, b)).collect();
            let mut broadcasts: Vec<&String> = by_message.values().collect();
            broadcasts.sort();
            broadcasts.dedup();
            let mut records = BTreeMap::new();
            for bc in broadcasts {
                if let Some(b) = load(&mut tx, bc, true).await? {
                    records.insert(bc.clone(), b);
                }
            }
            let mut deltas: BTreeMap<String, (Counters, i64)> = BTreeMap::new();
            for s in statuses {
                let message_id = s.message_id.to_string();
                if !by_message.contains_key(&message_id) {
                    continue;
                }
                let row: Option<(String, i64, String)> = sqlx::query_as(
                    "SELECT broadcast_id, seq, status FROM broadcast_targets WHERE message_id = $1",
                )
                .bind(&message_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((bc, seq, current)) = row else {
                    continue;
                };
                let Some((current, next, error)) = tracked_move(&current, s) else {
                    continue;
                };
                sqlx::query(
                    "UPDATE broadcast_targets SET status = $3, error = COALESCE($4, error), updated_at = $5
                     WHERE broadcast_id = $1 AND seq = $2",
                )
                .bind(&bc)
                .bind(seq)
                .bind(next.as_str())
                .bind(error)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                add_move(deltas.entry(bc).or_default(), current, next);
                moved += 1;
            }
            for (bc, (d, refunds)) in deltas {
                let Some(b) = records.get(&bc) else {
                    continue;
                };
                apply_delta(&mut tx, b, &d, refunds, now).await?;
                if maybe_finish(&mut tx, &bc, now).await? {
                    continue;
                }
                let last: i64 =
                    sqlx::query_scalar("SELECT progress_at FROM broadcasts WHERE id = $1")
                        .bind(&bc)
                        .fetch_one(&mut *tx)
                        .await?;
                if now - last >= progress_every_ms {
                    if let Some(b) = load(&mut tx, &bc, false).await? {
                        append_event(&mut tx, &broadcast_event(BROADCAST_PROGRESS, &b, now))
                            .await?;
                    }
                    sqlx::query("UPDATE broadcasts SET progress_at = $2 WHERE id = $1")
                        .bind(&bc)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        write_position(&mut *tx, POSITION, position).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn broadcast_position(&self) -> StoreResult<Option<String>> {
        read_position(&self.pool, POSITION).await
    }
}
