//! The broadcast rules both backends apply around their SQL: which state a control action
//! leads to, when a broadcast finishes, and how target pages and counts are read.

use switchboard_core::broadcast::{BroadcastRecord, BroadcastStatus, TargetStatus};
use switchboard_core::time::Millis;

use crate::broadcasts::ControlAction;
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
