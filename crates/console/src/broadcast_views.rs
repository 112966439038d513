//! What the Broadcasts pages show, built from the API's [`BroadcastView`] (which the
//! `broadcast.*` events carry, so the page and the live stream render the same fragments):
//! the progress block (status, bar of the finished share, counters) and the pause / resume /
//! cancel forms valid for the status.

use askama::Template;
use switchboard_core::broadcast::{BroadcastStatus, BroadcastView};

/// One counter of a broadcast.
#[derive(Debug, Clone)]
pub struct Count {
    /// Its key (a CSS class and test hook): `total`, `sent`, `seen`…
    pub key: &'static str,
    /// What the page calls it.
    pub label: &'static str,
    /// The number of targets.
    pub value: i64,
}

/// A broadcast's status, bar and counters (also the live fragment `progress-<id>`).
#[derive(Debug, Clone, Template)]
#[template(path = "broadcast_progress.html")]
pub struct Progress {
    /// `bc_…`
    pub id: String,
    /// `scheduled`, `running`, `paused`, `completed`, `canceled` or `failed`.
    pub status: String,
    /// The badge's tone (`ok`, `bad`, `wait`).
    pub tone: &'static str,
    /// Targets past the upstream or ended (neither pending nor queued).
    pub done: i64,
    /// The bar's maximum: the audience size, or the target rows once all exist.
    pub max: i64,
    /// The finished share, 0–100.
    pub percent: i64,
    /// The counters, in the API's order.
    pub counts: Vec<Count>,
}

impl Progress {
    /// The progress of `b`.
    pub fn of(b: &BroadcastView) -> Self {
        let c = &b.counters;
        let done = c.total - c.pending - c.queued;
        // Duplicate numbers are dropped when targets are made: once all exist, they are the
        // whole audience.
        let max = if b.materialized {
            c.total
        } else {
            b.audience_size.max(c.total)
        };
        let finished = b.finished_at.is_some();
        let (done, max) = match max {
            m if m > 0 => (done.clamp(0, m), m),
            _ => (i64::from(finished), 1),
        };
        let percent = done * 100 / max;
        let counts = [
            ("total", "targets", c.total),
            ("pending", "pending", c.pending),
            ("queued", "queued", c.queued),
            ("sent", "sent", c.sent),
            ("delivered", "delivered", c.delivered),
            ("seen", "read", c.seen),
            ("not_delivered", "not delivered", c.not_delivered),
            ("failed", "failed", c.failed),
            ("skipped", "skipped", c.skipped),
            ("canceled", "canceled", c.canceled),
        ]
        .into_iter()
        .map(|(key, label, value)| Count { key, label, value })
        .collect();
        Progress {
            id: b.id.clone(),
            status: b.status.clone(),
            tone: tone(&b.status),
            done,
            max,
            percent,
            counts,
        }
    }
}

/// The badge tone of a broadcast status.
pub fn tone(status: &str) -> &'static str {
    match status {
        "completed" => "ok",
        "canceled" | "failed" => "bad",
        _ => "wait",
    }
}

/// The pause / resume / cancel forms a broadcast's status allows (also the live fragment
/// `actions-<id>`); none without the send permission.
#[derive(Debug, Clone, Template)]
#[template(path = "broadcast_actions.html")]
pub struct Actions {
    /// `bc_…`
    pub id: String,
    /// Its status.
    pub status: String,
    /// The session's CSRF token (empty: a read key, no forms).
    pub csrf: String,
    /// Scheduled or running.
    pub pause: bool,
    /// Paused.
    pub resume: bool,
    /// Scheduled, running or paused.
    pub cancel: bool,
}

impl Actions {
    /// The forms for `b`, posted with `csrf` (empty: none).
    pub fn of(b: &BroadcastView, csrf: &str) -> Self {
        let status = BroadcastStatus::parse(&b.status);
        let can = !csrf.is_empty();
        let is = |s: BroadcastStatus| status == Some(s);
        Actions {
            id: b.id.clone(),
            status: b.status.clone(),
            csrf: csrf.to_string(),
            pause: can && (is(BroadcastStatus::Scheduled) || is(BroadcastStatus::Running)),
            resume: can && is(BroadcastStatus::Paused),
            cancel: can && status.is_some_and(BroadcastStatus::is_open),
        }
    }

    /// Whether any form is offered.
    pub fn any(&self) -> bool {
        self.pause || self.resume || self.cancel
    }
}

#[cfg(test)]
mod tests {
    use switchboard_core::broadcast::Counters;

    use super::*;

    fn view(status: &str, size: i64, counters: Counters, finished: bool) -> BroadcastView {
        BroadcastView {
            id: "bc_1".into(),
            channel_id: "ch_1".into(),
            name: None,
            status: status.into(),
            message: serde_json::json!({}),
            audience_type: "numbers".into(),
            audience_size: size,
            materialized: counters.total == size,
            counters,
            credits_per_target: 1,
            credits_reserved: size,
            credits_refunded: 0,
            template_category: None,
            send_at: None,
            error: None,
            created_at: String::new(),
            updated_at: String::new(),
            finished_at: finished.then(String::new),
        }
    }

    #[test]
    fn the_bar_is_the_finished_share() {
        let running = Counters {
            total: 4,
            pending: 1,
            queued: 1,
            sent: 1,
            seen: 1,
            ..Counters::default()
        };
        let p = Progress::of(&view("running", 5, running, false));
        assert_eq!((p.done, p.max, p.percent), (2, 5, 40));
        let done = Counters {
            total: 5,
            delivered: 4,
            failed: 1,
            ..Counters::default()
        };
        let p = Progress::of(&view("completed", 5, done, true));
        assert_eq!((p.done, p.max, p.percent), (5, 5, 100));
        let html = p.render().unwrap();
        assert!(html.contains("<progress value=\"5\" max=\"5\""), "{html}");
        assert!(!html.contains("style"), "{html}");
        let empty = Progress::of(&view("canceled", 0, Counters::default(), true));
        assert_eq!((empty.done, empty.max, empty.percent), (1, 1, 100));
    }

    #[test]
    fn only_the_actions_the_status_allows() {
        let b = view("running", 1, Counters::default(), false);
        let a = Actions::of(&b, "tok");
        assert!(a.pause && !a.resume && a.cancel);
        let a = Actions::of(&view("paused", 1, Counters::default(), false), "tok");
        assert!(!a.pause && a.resume && a.cancel);
        let a = Actions::of(&view("completed", 1, Counters::default(), true), "tok");
        assert!(!a.any());
        assert!(!Actions::of(&b, "").any(), "a read key gets no form");
    }
}
