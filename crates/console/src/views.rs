//! What the templates show: plain view records built from the services' types, and the
//! fragments the live stream swaps in. Every text is escaped by askama when rendered.

use askama::Template;
use switchboard_core::channel::{sandbox_display_number, Channel, ChannelKind};
use switchboard_core::event::Event;
use switchboard_core::time::to_rfc3339;

use crate::session::Signed;

/// The frame of every signed-in page.
#[derive(Debug, Clone)]
pub struct Shell {
    /// The account's name (or `admin`).
    pub account_name: String,
    /// The session's CSRF token, for forms and htmx's `X-CSRF-Token` header.
    pub csrf: String,
    /// Whether the session is the admin's.
    pub admin: bool,
    /// The menu entry of the page.
    pub active: &'static str,
}

impl Shell {
    /// The shell of `signed` on the page `active`.
    pub fn of(signed: &Signed, active: &'static str) -> Self {
        Shell {
            account_name: signed.display_name(),
            csrf: signed.session.csrf_token.clone(),
            admin: matches!(signed.who, crate::session::Who::Admin),
            active,
        }
    }
}

/// A channel's status badge (also the live fragment swapped in on `channel.status`).
#[derive(Debug, Clone, Template)]
#[template(path = "badge.html")]
pub struct Badge {
    /// `active`, `error`, `deleted`, or a status a later kind reports.
    pub status: String,
}

impl Badge {
    /// The CSS modifier of the status (a fixed set, whatever the status text).
    pub fn tone(&self) -> &'static str {
        match self.status.as_str() {
            "active" | "working" | "connected" | "paired" => "ok",
            "error" | "failed" | "deleted" | "logged_out" => "bad",
            _ => "wait",
        }
    }
}

/// A channel in the list.
#[derive(Debug, Clone)]
pub struct ChannelRow {
    /// `ch_…`
    pub id: String,
    /// Its name (customer-chosen: escaped).
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Its WhatsApp number, when known.
    pub number: Option<String>,
    /// Its status badge.
    pub badge: Badge,
    /// Since when (RFC 3339).
    pub since: String,
}

impl From<&Channel> for ChannelRow {
    fn from(c: &Channel) -> Self {
        let number = match (c.kind, c.settings.cloud()) {
            (ChannelKind::Sandbox, Some(s)) => Some(sandbox_display_number(&s.phone_number_id)),
            (_, Some(s)) => s.display_phone_number.clone(),
            _ => None,
        };
        let since = if c.state.since > 0 {
            c.state.since
        } else {
            c.created_at
        };
        ChannelRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            kind: c.kind.as_str().to_string(),
            number,
            badge: Badge {
                status: c.state.status.as_str().to_string(),
            },
            since: to_rfc3339(since),
        }
    }
}

/// One `channel.status` event in a channel's timeline (also a live fragment).
#[derive(Debug, Clone, Template)]
#[template(path = "timeline_row.html")]
pub struct TimelineRow {
    /// When (RFC 3339).
    pub at: String,
    /// The new status.
    pub badge: Badge,
    /// The status before, if any.
    pub previous: String,
    /// Why it changed.
    pub reason: String,
    /// The upstream's error, as JSON text, if any.
    pub error: String,
}

impl From<&Event> for TimelineRow {
    fn from(e: &Event) -> Self {
        let text = |name: &str| {
            e.data
                .get(name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let error = match e.data.get("error") {
            Some(v) if !v.is_null() => v.to_string(),
            _ => String::new(),
        };
        // A WhatsApp Web session's change carries the session instead of a channel status.
        if let Some(session) = e.data.get("session") {
            let field = |name: &str| {
                session
                    .get(name)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let reason = match (field("reason"), field("detail")) {
                (r, d) if r.is_empty() => d,
                (r, d) if d.is_empty() => r,
                (r, d) => format!("{r}: {d}"),
            };
            return TimelineRow {
                at: to_rfc3339(e.created_at),
                badge: Badge {
                    status: field("state"),
                },
                previous: text("previous_state"),
                reason,
                error,
            };
        }
        TimelineRow {
            at: to_rfc3339(e.created_at),
            badge: Badge {
                status: text("status"),
            },
            previous: text("previous_status"),
            reason: text("reason"),
            error,
        }
    }
}

/// Longest data text shown in an event row.
const DATA_SHOWN: usize = 300;

/// One event in the Events log (also a live fragment).
#[derive(Debug, Clone, Template)]
#[template(path = "event_row.html")]
pub struct EventRow {
    /// When (RFC 3339).
    pub at: String,
    /// Its type.
    pub kind: String,
    /// Its channel, if any.
    pub channel: String,
    /// Its chat, if any.
    pub chat: String,
    /// Its data as JSON text, cut at [`DATA_SHOWN`] characters.
    pub data: String,
    /// Its cursor (to resume an API stream from here).
    pub cursor: String,
}

impl From<&Event> for EventRow {
    fn from(e: &Event) -> Self {
        let mut data = e.data.to_string();
        if data.chars().count() > DATA_SHOWN {
            data = data.chars().take(DATA_SHOWN).collect::<String>() + "…";
        }
        EventRow {
            at: to_rfc3339(e.created_at),
            kind: e.kind.clone(),
            channel: e.channel_id.map(|c| c.to_string()).unwrap_or_default(),
            chat: e.chat.clone().unwrap_or_default(),
            data,
            cursor: e.cursor.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use switchboard_core::id::{AccountId, EventId};

    use super::*;

    fn event(kind: &str, data: serde_json::Value) -> Event {
        Event {
            seq: 7,
            cursor: "7".into(),
            id: EventId::new(),
            kind: kind.into(),
            account_id: AccountId::new(),
            channel_id: None,
            chat: Some("<i>15550001</i>".into()),
            created_at: 1_765_000_000_000,
            data,
        }
    }

    #[test]
    fn live_fragments_escape_what_customers_and_upstreams_wrote() {
        let row = EventRow::from(&event(
            "message.received",
            json!({"text": "<img src=x onerror=alert(1)>"}),
        ))
        .render()
        .unwrap();
        assert!(row.starts_with("<tr>"));
        assert!(!row.contains("<img") && !row.contains("<i>"), "{row}");
        let timeline = TimelineRow::from(&event(
            "channel.status",
            json!({"status": "error", "previous_status": "active", "reason": "upstream_error",
                   "error": {"message": "</code><script>x</script>"}}),
        ))
        .render()
        .unwrap();
        assert!(timeline.contains("badge bad") && timeline.contains("from active"));
        assert!(!timeline.contains("<script>"), "{timeline}");
    }

    #[test]
    fn a_web_session_change_shows_its_state_reason_and_detail() {
        let row = TimelineRow::from(&event(
            "channel.status",
            json!({"session": {"state": "failed", "reason": "qr_timeout",
                   "detail": "<b>no scan</b>"}, "previous_state": "scan_qr"}),
        ));
        assert_eq!(row.badge.status, "failed");
        assert_eq!(row.previous, "scan_qr");
        assert_eq!(row.reason, "qr_timeout: <b>no scan</b>");
        let html = row.render().unwrap();
        assert!(
            html.contains("badge bad") && !html.contains("<b>"),
            "{html}"
        );
    }

    #[test]
    fn long_data_is_cut_and_unknown_statuses_wait() {
        let row = EventRow::from(&event("x", json!({"t": "a".repeat(1000)})));
        assert!(row.data.chars().count() <= DATA_SHOWN + 1);
        assert_eq!(
            Badge {
                status: "scan_qr".into()
            }
            .tone(),
            "wait"
        );
        assert_eq!(
            Badge {
                status: "active".into()
            }
            .tone(),
            "ok"
        );
    }
}
