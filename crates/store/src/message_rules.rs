//! The message rules both backends apply around their SQL: what a dispatch outcome does to
//! the message record, how a stored idempotency key answers a repeated request, when an
//! inbound message is marked read, and the inbound message's event.

use serde_json::Value;
use switchboard_core::event::{inbound_event, Event};
use switchboard_core::id::AccountId;
use switchboard_core::record::MessageRecord;
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::Millis;

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
