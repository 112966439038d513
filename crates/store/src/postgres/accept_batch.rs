//! PostgreSQL group commit for accepted sends: concurrent [`MessageStore::insert_outbound`]
//! calls are queued and written by a few batch workers, each batch in one transaction with
//! one multi-row statement per table (`INSERT … SELECT … FROM UNNEST(…)`), so a burst of
//! sends costs a handful of round trips and one commit instead of ten round trips and a
//! commit each.
//!
//! Every request is still answered only after the transaction holding its rows committed,
//! and fails alone: when a batch's statements fail (a deleted channel, an idempotency key
//! another node inserted meanwhile, a deadlock), the batch is rolled back and each of its
//! requests is written again in a transaction of its own, so only the bad one gets the
//! error. Requests whose idempotency key is already stored (a replay, a reuse or an expired
//! key) or repeated within the batch take the one-transaction path too, after the batch, so
//! their answer follows the same rules as before.
//!
//! [`MessageStore::insert_outbound`]: crate::MessageStore::insert_outbound

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::postgres::PgPool;
use sqlx::PgConnection;
use switchboard_core::event::{message_event, Event, MESSAGE_ACCEPTED, MESSAGE_SCHEDULED};
use switchboard_core::id::ContactId;
use switchboard_core::status::MessageStatus;
use tokio::sync::{mpsc, oneshot, Mutex};
use tracing::Instrument;

use super::messages::insert_outbound;
use crate::messages::{InsertOutcome, NewOutbound};
use crate::{StoreError, StoreResult};

/// Most sends written in one transaction.
const MAX_BATCH: usize = 256;
/// Batches written at once (each holds one pooled connection while it runs).
const WORKERS: usize = 4;
/// Sends waiting for a worker before callers wait to enqueue.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<StoreResult<InsertOutcome>>;

/// A queued send and where its answer goes.
struct Job {
    new: NewOutbound,
    reply: Reply,
    /// The caller's span: a batch runs in the span of its first send, a send written alone
    /// in its own, so its statements are traced (and counted) for the request that caused
    /// them.
    span: tracing::Span,
}

/// The queue of sends waiting to be written, shared by the batch workers.
pub(super) struct AcceptQueue {
    sender: mpsc::Sender<Job>,
}

impl AcceptQueue {
    /// Starts the batch workers on `pool`; they stop when the queue is dropped.
    pub(super) fn start(pool: PgPool) -> AcceptQueue {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..WORKERS {
            tokio::spawn(work(pool.clone(), receiver.clone()));
        }
        AcceptQueue { sender }
    }

    /// Writes `new` with the next batch; answers once its transaction committed. `None`
    /// when the workers are gone (the store is closing): the caller writes it alone.
    pub(super) async fn submit(&self, new: &NewOutbound) -> Option<StoreResult<InsertOutcome>> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            new: new.clone(),
            reply,
            span: tracing::Span::current(),
        };
        self.sender.send(job).await.ok()?;
        answer.await.ok()
    }
}

/// Takes whatever is queued (up to [`MAX_BATCH`], waiting only for the first) and writes it;
/// until the queue closes.
async fn work(pool: PgPool, receiver: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let mut jobs = Vec::new();
        {
            let mut queue = receiver.lock().await;
            if queue.recv_many(&mut jobs, MAX_BATCH).await == 0 {
                return;
            }
        }
        write_jobs(&pool, jobs).await;
    }
}

/// Writes a batch: the plain sends together, then the ones that need the one-by-one rules.
async fn write_jobs(pool: &PgPool, jobs: Vec<Job>) {
    let span = jobs
        .first()
        .map_or_else(tracing::Span::none, |j| j.span.clone());
    let (together, alone) = split(pool, jobs).instrument(span).await;
    if let Some(first) = together.first() {
        let span = first.span.clone();
        match write_together(pool, &together).instrument(span).await {
            Ok(()) => {
                for job in together {
                    let _ = job.reply.send(Ok(InsertOutcome::Inserted));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, sends = together.len(), "a batch of sends failed; writing each alone");
                for job in together {
                    write_alone(pool, job).await;
                }
            }
        }
    }
    for job in alone {
        write_alone(pool, job).await;
    }
}

/// Splits the jobs into those written together and those written alone: a key already
/// stored, or one repeated in the batch, goes alone (after the batch, in arrival order).
async fn split(pool: &PgPool, jobs: Vec<Job>) -> (Vec<Job>, Vec<Job>) {
    let keyed: Vec<(String, String)> = jobs
        .iter()
        .filter_map(|j| {
            let idem = j.new.idempotency.as_ref()?;
            Some((j.new.message.account_id.to_string(), idem.key.clone()))
        })
        .collect();
    if keyed.is_empty() {
        return (jobs, Vec::new());
    }
    let (accounts, keys): (Vec<String>, Vec<String>) = keyed.into_iter().unzip();
    let stored: HashSet<(String, String)> = match sqlx::query_as(
        "SELECT i.account_id, i.key FROM idempotency_keys i
         JOIN UNNEST($1::text[], $2::text[]) AS u(account_id, key)
           ON i.account_id = u.account_id AND i.key = u.key",
    )
    .bind(&accounts)
    .bind(&keys)
    .fetch_all(pool)
    .await
    {
        Ok(rows) => rows.into_iter().collect(),
        // Unknown: every keyed send goes alone, where the lookup happens again.
        Err(_) => accounts.into_iter().zip(keys).collect(),
    };
    let mut seen = HashSet::new();
    let mut together = Vec::with_capacity(jobs.len());
    let mut alone = Vec::new();
    for job in jobs {
        let key = job
            .new
            .idempotency
            .as_ref()
            .map(|idem| (job.new.message.account_id.to_string(), idem.key.clone()));
        match key {
            Some(key) if stored.contains(&key) || !seen.insert(key.clone()) => alone.push(job),
            _ => together.push(job),
        }
    }
    (together, alone)
}

/// Writes one send in a transaction of its own (the rules of the single path).
async fn write_alone(pool: &PgPool, job: Job) {
    let span = job.span.clone();
    let result = async {
        let mut tx = pool.begin().await?;
        let outcome = insert_outbound(&mut tx, &job.new).await?;
        if outcome == InsertOutcome::Inserted {
            tx.commit().await?;
        }
        Ok::<_, StoreError>(outcome)
    }
    .instrument(span)
    .await;
    let _ = job.reply.send(result);
}

/// Writes every job's rows in one transaction, one statement per table.
async fn write_together(pool: &PgPool, jobs: &[Job]) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    insert_rows(&mut tx, jobs).await?;
    tx.commit().await?;
    Ok(())
}

/// The columns of a batch, one vector per column, in arrival order.
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    account: Vec<String>,
    channel: Vec<String>,
    direction: Vec<&'static str>,
    chat: Vec<String>,
    kind: Vec<String>,
    body: Vec<String>,
    status: Vec<&'static str>,
    context: Vec<Option<String>>,
    error: Vec<Option<String>>,
    attempts: Vec<i32>,
    created: Vec<i64>,
    updated: Vec<i64>,
    category: Vec<Option<String>>,
    not_before: Vec<i64>,
    scheduled: Vec<bool>,
}

impl Columns {
    fn of(jobs: &[Job]) -> Columns {
        let mut c = Columns::default();
        for job in jobs {
            let m = &job.new.message;
            c.id.push(m.id.to_string());
            c.account.push(m.account_id.to_string());
            c.channel.push(m.channel_id.to_string());
            c.direction.push(m.direction.as_str());
            c.chat.push(m.chat.clone());
            c.kind.push(m.kind.clone());
            c.body.push(m.body.to_string());
            c.status.push(m.status.as_str());
            c.context.push(m.context_id.clone());
            c.error.push(crate::columns::json_text(&m.error));
            c.attempts
                .push(i32::try_from(m.attempts).unwrap_or(i32::MAX));
            c.created.push(m.created_at);
            c.updated.push(m.updated_at);
            c.category.push(job.new.template_category.clone());
            c.not_before.push(job.new.not_before);
            c.scheduled.push(m.status == MessageStatus::Scheduled);
        }
        c
    }

    /// The positions of the scheduled (`true`) or outbox (`false`) sends.
    fn positions(&self, scheduled: bool) -> Vec<usize> {
        (0..self.id.len())
            .filter(|&i| self.scheduled[i] == scheduled)
            .collect()
    }

    fn pick<T: Clone>(values: &[T], at: &[usize]) -> Vec<T> {
        at.iter().map(|&i| values[i].clone()).collect()
    }
}

/// Inserts the batch's messages, contacts, history, outbox and schedule rows, events and
/// idempotency keys: the rows `insert_outbound` writes for one send, for all of them.
async fn insert_rows(tx: &mut PgConnection, jobs: &[Job]) -> StoreResult<()> {
    let c = Columns::of(jobs);
    sqlx::query(
        "INSERT INTO messages (id, account_id, channel_id, direction, chat, kind, body, status, upstream_id, context_id, error, attempts, created_at, updated_at, template_category)
         SELECT id, account_id, channel_id, direction, chat, kind, body, status, NULL, context_id, error, attempts, created_at, updated_at, template_category
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::bigint[], $13::bigint[], $14::text[])
           AS u(id, account_id, channel_id, direction, chat, kind, body, status, context_id, error, attempts, created_at, updated_at, template_category)",
    )
    .bind(&c.id)
    .bind(&c.account)
    .bind(&c.channel)
    .bind(&c.direction)
    .bind(&c.chat)
    .bind(&c.kind)
    .bind(&c.body)
    .bind(&c.status)
    .bind(&c.context)
    .bind(&c.error)
    .bind(&c.attempts)
    .bind(&c.created)
    .bind(&c.updated)
    .bind(&c.category)
    .execute(&mut *tx)
    .await?;
    insert_contacts(tx, &c).await?;
    sqlx::query(
        "INSERT INTO message_statuses (message_id, status, at, applied, error)
         SELECT id, status, at, TRUE, NULL FROM UNNEST($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS u(id, status, at, n)
         ORDER BY n",
    )
    .bind(&c.id)
    .bind(&c.status)
    .bind(&c.created)
    .execute(&mut *tx)
    .await?;
    let queued = c.positions(false);
    if !queued.is_empty() {
        // Each chat's sends in arrival order, so the outbox's sequence keeps the chat's order;
        // chats in a fixed order, so two batches creating the same chats' heads (a trigger on
        // `outbox`) never wait on each other in opposite orders.
        sqlx::query(
            "INSERT INTO outbox (message_id, channel_id, chat, not_before)
             SELECT id, channel_id, chat, not_before
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u(id, channel_id, chat, not_before, n)
             ORDER BY channel_id, chat, n",
        )
        .bind(Columns::pick(&c.id, &queued))
        .bind(Columns::pick(&c.channel, &queued))
        .bind(Columns::pick(&c.chat, &queued))
        .bind(Columns::pick(&c.not_before, &queued))
        .execute(&mut *tx)
        .await?;
    }
    let held = c.positions(true);
    if !held.is_empty() {
        sqlx::query(
            "INSERT INTO scheduled_messages (message_id, channel_id, chat, send_at)
             SELECT id, channel_id, chat, send_at
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(id, channel_id, chat, send_at)",
        )
        .bind(Columns::pick(&c.id, &held))
        .bind(Columns::pick(&c.channel, &held))
        .bind(Columns::pick(&c.chat, &held))
        .bind(Columns::pick(&c.not_before, &held))
        .execute(&mut *tx)
        .await?;
    }
    insert_events(tx, jobs).await?;
    insert_keys(tx, jobs).await
}

/// The recipients become contacts on their first message, in a fixed order (account, chat)
/// so two batches never wait on each other's new contacts in opposite orders.
async fn insert_contacts(tx: &mut PgConnection, c: &Columns) -> StoreResult<()> {
    let mut pairs: Vec<(&str, &str, i64)> = (0..c.id.len())
        .map(|i| (c.account[i].as_str(), c.chat[i].as_str(), c.created[i]))
        .collect();
    pairs.sort_unstable();
    pairs.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let ids: Vec<String> = pairs.iter().map(|_| ContactId::new().to_string()).collect();
    let accounts: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let chats: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    let at: Vec<i64> = pairs.iter().map(|p| p.2).collect();
    sqlx::query(
        "INSERT INTO contacts (id, account_id, wa_id, created_at, updated_at)
         SELECT id, account_id, wa_id, at, at
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u(id, account_id, wa_id, at, n)
         ORDER BY n
         ON CONFLICT (account_id, wa_id) DO NOTHING",
    )
    .bind(&ids)
    .bind(&accounts)
    .bind(&chats)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Each send's `message.accepted` (or `message.scheduled`) event, in arrival order.
async fn insert_events(tx: &mut PgConnection, jobs: &[Job]) -> StoreResult<()> {
    let events: Vec<Event> = jobs
        .iter()
        .map(|j| {
            let m = &j.new.message;
            let kind = if m.status == MessageStatus::Scheduled {
                MESSAGE_SCHEDULED
            } else {
                MESSAGE_ACCEPTED
            };
            message_event(kind, m, m.created_at)
        })
        .collect();
    let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
    let accounts: Vec<String> = events.iter().map(|e| e.account_id.to_string()).collect();
    let channels: Vec<Option<String>> = events
        .iter()
        .map(|e| e.channel_id.map(|c| c.to_string()))
        .collect();
    let chats: Vec<Option<String>> = events.iter().map(|e| e.chat.clone()).collect();
    let kinds: Vec<String> = events.iter().map(|e| e.kind.to_string()).collect();
    let data: Vec<String> = events.iter().map(|e| e.data.to_string()).collect();
    let at: Vec<i64> = events.iter().map(|e| e.created_at).collect();
    sqlx::query(
        "INSERT INTO events (id, account_id, channel_id, chat, type, data, created_at)
         SELECT id, account_id, channel_id, chat, type, data, created_at
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
           WITH ORDINALITY AS u(id, account_id, channel_id, chat, type, data, created_at, n)
         ORDER BY n",
    )
    .bind(&ids)
    .bind(&accounts)
    .bind(&channels)
    .bind(&chats)
    .bind(&kinds)
    .bind(&data)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The idempotency keys of the keyed sends (none of them stored before: see [`split`]).
async fn insert_keys(tx: &mut PgConnection, jobs: &[Job]) -> StoreResult<()> {
    let mut accounts = Vec::new();
    let mut keys = Vec::new();
    let mut hashes = Vec::new();
    let mut responses = Vec::new();
    let mut at = Vec::new();
    for job in jobs {
        if let Some(idem) = &job.new.idempotency {
            accounts.push(job.new.message.account_id.to_string());
            keys.push(idem.key.clone());
            hashes.push(idem.request_hash.clone());
            responses.push(idem.response.to_string());
            at.push(job.new.message.created_at);
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO idempotency_keys (account_id, key, request_hash, response, created_at)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])",
    )
    .bind(&accounts)
    .bind(&keys)
    .bind(&hashes)
    .bind(&responses)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
