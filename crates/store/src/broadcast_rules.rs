//! The broadcast rules both backends apply around their SQL: which state a control action
//! leads to, where feeding and tracking move a target, when a broadcast finishes, and how
//! target pages and counts are read.

use serde_json::Value;
use switchboard_core::broadcast::{
    target_advance, BroadcastRecord, BroadcastStatus, Counters, TargetStatus,
};
use switchboard_core::time::Millis;

use crate::broadcasts::{ControlAction, FeedAction, TrackedStatus, REFUND_REASON, RESERVE_REASON};
use crate::credits::LedgerEntry;
use crate::{PageRequest, StoreError, StoreResult};

/// The status `action` moves `b` to at `now`, or `None` when its status does not allow it.
pub(crate) fn control_target(
    action: ControlAction,
    b: &BroadcastRecord,
    now: Millis,
) -> Option<BroadcastStatus> {
    match (action, b.status) {
        (ControlAction::Pause, BroadcastStatus::Scheduled | BroadcastStatus::Running) => {
            Some(BroadcastStatus::Paused)
        }
        (ControlAction::Resume, BroadcastStatus::Paused) => {
            if b.send_at.is_some_and(|at| at > now) {
                Some(BroadcastStatus::Scheduled)
            } else {
                Some(BroadcastStatus::Running)
            }
        }
        (ControlAction::Cancel, s) if s.is_open() => Some(BroadcastStatus::Canceled),
        _ => None,
    }
}

/// Ends `b` at `now` if nothing is pending or queued any more: `completed` (unless it was
/// canceled or failed) and `finished_at`. Returns whether it finished now.
pub(crate) fn finish_if_done(b: &mut BroadcastRecord, now: Millis) -> bool {
    let ends = matches!(
        b.status,
        BroadcastStatus::Running
            | BroadcastStatus::Paused
            | BroadcastStatus::Canceled
            | BroadcastStatus::Failed
    );
    if !ends
        || b.finished_at.is_some()
        || !b.materialized
        || b.counters.pending != 0
        || b.counters.queued != 0
    {
        return false;
    }
    if matches!(b.status, BroadcastStatus::Running | BroadcastStatus::Paused) {
        b.status = BroadcastStatus::Completed;
    }
    b.finished_at = Some(now);
    b.updated_at = now;
    true
}

/// The target sequence number a page starts after (-1 for the first page).
pub(crate) fn target_cursor(page: &PageRequest) -> StoreResult<i64> {
    match page.after.as_deref() {
        None | Some("") => Ok(-1),
        Some(text) => text
            .parse()
            .map_err(|_| StoreError::Config(format!("invalid target cursor `{text}`"))),
    }
}

/// Target counts in [`TargetStatus::ALL`] order from `(status, count)` rows.
pub(crate) fn counts_by_status(
    rows: impl IntoIterator<Item = (String, i64)>,
) -> StoreResult<[i64; 9]> {
    let mut out = [0i64; 9];
    for (status, n) in rows {
        let status = TargetStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("bad target status `{status}`")))?;
        if let Some(i) = TargetStatus::ALL.iter().position(|s| *s == status) {
            out[i] = n;
        }
    }
    Ok(out)
}

/// Where the feeder's `action` moves its pending target: the new status, the queued
/// message's id and the error.
pub(crate) fn fed_target(action: &FeedAction) -> (TargetStatus, Option<String>, Option<String>) {
    match action {
        FeedAction::Queue(new) => (TargetStatus::Queued, Some(new.message.id.to_string()), None),
        FeedAction::Fail(e) => (TargetStatus::Failed, None, Some(e.to_string())),
        FeedAction::Skip(e) => (TargetStatus::Skipped, None, Some(e.to_string())),
    }
}

/// Where the tracked message status `s` moves a target stored with the status `current`:
/// its current and next status and the error to keep, or `None` when it stays.
pub(crate) fn tracked_move(
    current: &str,
    s: &TrackedStatus,
) -> Option<(TargetStatus, TargetStatus, Option<String>)> {
    let current = TargetStatus::parse(current)?;
    let next = target_advance(current, s.status)?;
    let error = if matches!(next, TargetStatus::Failed | TargetStatus::NotDelivered) {
        s.error.as_ref().map(Value::to_string)
    } else {
        None
    };
    Some((current, next, error))
}

/// Adds one target's move to its broadcast's counter deltas and count of refunded targets.
pub(crate) fn add_move(delta: &mut (Counters, i64), current: TargetStatus, next: TargetStatus) {
    delta.0.moved(current, next, 1);
    if next.is_refunded() {
        delta.1 += 1;
    }
}

/// The tracker's name in `fanout_position`.
pub(crate) const POSITION: &str = "broadcasts";

/// The ledger entry of the credits reserved when `b` is created, leaving the balance at
/// `after` (`reference` is the broadcast's id).
pub(crate) fn reserve_entry<'a>(
    account: &'a str,
    b: &BroadcastRecord,
    after: i64,
    reference: &'a str,
) -> LedgerEntry<'a> {
    LedgerEntry {
        account,
        amount: -b.credits_reserved,
        balance_after: after,
        reason: RESERVE_REASON,
        reference: Some(reference),
        at: b.created_at,
    }
}

/// The ledger entry of `amount` credits given back at `now`, leaving the balance at `after`.
pub(crate) fn refund_entry<'a>(
    account: &'a str,
    amount: i64,
    after: i64,
    reference: &'a str,
    now: Millis,
) -> LedgerEntry<'a> {
    LedgerEntry {
        account,
        amount,
        balance_after: after,
        reason: REFUND_REASON,
        reference: Some(reference),
        at: now,
    }
}
