//! The message rules both backends apply around their SQL: what a dispatch outcome does to
//! the message record, how a stored idempotency key answers a repeated request, when an
//! inbound message is marked read, and the inbound message's event.

use serde_json::Value;
use switchboard_core::event::{inbound_event, message_event, Event};
use switchboard_core::id::AccountId;
use switchboard_core::record::{MessageRecord, StatusReport};
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::Millis;

use crate::columns::json_opt;
use crate::decode::message_status;
use crate::messages::{IdempotencyRecord, InsertOutcome, NewInbound, NewOutbound};
use crate::StoreResult;

/// A stored idempotency key: the request hash, the response and when it was stored.
pub(crate) type StoredKey = (String, String, Millis);

/// What the stored key answers the request `new` (keyed by `idem`) with: the stored
/// response for the same request, `KeyReused` for another one, `None` once the key expired
/// (it is then replaced).
pub(crate) fn stored_answer(
    stored: &StoredKey,
    new: &NewOutbound,
    idem: &IdempotencyRecord,
) -> StoreResult<Option<InsertOutcome>> {
    let (hash, response, created_at) = stored;
    if new.message.created_at - created_at >= new.idempotency_ttl_ms {
        return Ok(None);
    }
    Ok(Some(if *hash == idem.request_hash {
        InsertOutcome::Replay(serde_json::from_str(response)?)
    } else {
        InsertOutcome::KeyReused
    }))
}

/// Records a successful send on the message: one more attempt, its upstream id, no error.
pub(crate) fn record_sent(m: &mut MessageRecord, upstream_id: &str, now: Millis) {
    m.attempts += 1;
    m.upstream_id = Some(upstream_id.to_string());
    m.error = None;
    m.updated_at = now;
}

/// Records a retry on the message: an attempt if one was made, the error if there is one.
pub(crate) fn record_retry(
    m: &mut MessageRecord,
    error: Option<Value>,
    attempted: bool,
    now: Millis,
) {
    if attempted {
        m.attempts += 1;
    }
    if error.is_some() {
        m.error = error;
    }
    m.updated_at = now;
}

/// Counts a final failure as an attempt, unless its error says it was decided locally
/// (`"attempted": false`).
pub(crate) fn record_failed_attempt(m: &mut MessageRecord, error: &Value) {
    if error.get("attempted").and_then(Value::as_bool) != Some(false) {
        m.attempts += 1;
    }
}

/// Marks `m` read at `now` if `account` may (it is the account's inbound message):
/// `None` when it may not, else whether the status changed.
pub(crate) fn mark_read(m: &mut MessageRecord, account: AccountId, now: Millis) -> Option<bool> {
    if m.account_id != account || m.direction != Direction::Inbound {
        return None;
    }
    if m.status == MessageStatus::Read {
        return Some(false);
    }
    m.status = MessageStatus::Read;
    m.updated_at = now;
    Some(true)
}

/// The inbound message's event, with the upstream details kept in `data.upstream`.
pub(crate) fn inbound_with_upstream(new: &NewInbound, now: Millis) -> Event {
    let mut event = inbound_event(
        new.event_type,
        &new.message,
        new.profile_name.as_deref(),
        now,
    );
    if let Some(upstream) = &new.upstream {
        event.data["upstream"] = upstream.clone();
    }
    event
}

/// A status to apply to a stored message: the status, when it happened, its error and the
/// upstream's report (copied into the event).
pub(crate) struct StatusChange<'a> {
    /// The new status.
    pub status: MessageStatus,
    /// When it happened.
    pub at: Millis,
    /// Its error, if any.
    pub error: Option<Value>,
    /// The upstream's report, if any.
    pub upstream: Option<&'a Value>,
}

impl<'a> StatusChange<'a> {
    /// A status the store applies itself (no upstream report).
    pub(crate) fn local(status: MessageStatus, at: Millis, error: Option<Value>) -> Self {
        StatusChange {
            status,
            at,
            error,
            upstream: None,
        }
    }

    /// The status an upstream reported.
    pub(crate) fn reported(report: &'a StatusReport) -> Self {
        StatusChange {
            status: report.status,
            at: report.at,
            error: report.error.clone(),
            upstream: report.upstream.as_ref(),
        }
    }
}

/// Advances the message to the change's status (its error replaces the message's when it
/// carries one) and returns the event to append.
pub(crate) fn advance(m: &mut MessageRecord, change: StatusChange<'_>, now: Millis) -> Event {
    m.status = change.status;
    if change.error.is_some() {
        m.error = change.error;
    }
    m.updated_at = now;
    let mut event = message_event(change.status.event_type(), m, now);
    if let Some(upstream) = change.upstream {
        event.data["upstream"] = upstream.clone();
    }
    event
}

/// The stored pending statuses `(status, at, error)` of a message, parsed, in the order they
/// are applied (status rank, then time).
pub(crate) fn pending_in_order(
    rows: Vec<(String, i64, Option<String>)>,
) -> StoreResult<Vec<StatusChange<'static>>> {
    let mut pending = Vec::with_capacity(rows.len());
    for (text, at, error) in rows {
        pending.push(StatusChange::local(
            message_status(&text)?,
            at,
            json_opt(error)?,
        ));
    }
    pending.sort_by_key(|p| (p.status.rank(), p.at));
    Ok(pending)
}
