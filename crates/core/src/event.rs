//! The event log's entries: typed, ordered, append-only. Every change of state appends one in
//! the same transaction; webhooks, streams and automation read them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::channel::web_session::{SessionState, WebSession};
use crate::channel::{ChannelState, ChannelStatus};
use crate::id::{AccountId, ChannelId, EventId};
use crate::record::MessageRecord;
use crate::time::{to_rfc3339, Millis};

/// An outbound message was stored and will be dispatched.
pub const MESSAGE_ACCEPTED: &str = "message.accepted";
/// The upstream accepted an outbound message.
pub const MESSAGE_SENT: &str = "message.sent";
/// An outbound message reached the customer's device.
pub const MESSAGE_DELIVERED: &str = "message.delivered";
/// The customer read an outbound message (or the business read an inbound one).
pub const MESSAGE_READ: &str = "message.read";
/// A voice message was played.
pub const MESSAGE_PLAYED: &str = "message.played";
/// An outbound message failed; the data carries the error.
pub const MESSAGE_FAILED: &str = "message.failed";
/// A customer's message arrived.
pub const MESSAGE_RECEIVED: &str = "message.received";
/// A customer reacted to a message.
pub const MESSAGE_REACTION: &str = "message.reaction";

/// A channel's status changed (created, reconfigured, deleted, or an upstream auth/config
/// error or recovery); the data carries `{status, previous_status, reason, error}`.
pub const CHANNEL_STATUS: &str = "channel.status";
/// A stored template's review status changed; the data carries the template, its new and
/// previous status and the upstream's reason.
pub const TEMPLATE_STATUS: &str = "template.status";
/// A contact opted out of marketing (an opt-out keyword to the bot).
pub const CONTACT_OPTED_OUT: &str = "contact.opted_out";
/// An opted-out contact opted back in (an opt-in keyword to the bot).
pub const CONTACT_OPTED_IN: &str = "contact.opted_in";
/// A contact import job processed a batch of rows; the data is the job as `GET
/// /v1/contacts/imports/{id}` answers it.
pub const CONTACT_IMPORT_PROGRESS: &str = "contact.import.progress";
/// A contact import job ended (`finished`, or `failed` with its `reason`); the data is the
/// job with its final counters and row errors.
pub const CONTACT_IMPORT_FINISHED: &str = "contact.import.finished";
/// The bot decided what to do with an inbound message (emitted when the channel's bot
/// setting `actions.send_webhook` is on); the data carries the decision log entry.
pub const BOT_DECISION: &str = "bot.decision";
/// An outbound message was stored to be sent at its `send_at` time.
pub const MESSAGE_SCHEDULED: &str = "message.scheduled";
/// A scheduled message was canceled before it was due.
pub const MESSAGE_CANCELED: &str = "message.canceled";

/// A broadcast's counters moved (throttled), or it was paused or resumed (at once); the data
/// carries the broadcast.
pub const BROADCAST_PROGRESS: &str = "broadcast.progress";
/// A broadcast has no pending or queued target left (completed or canceled); the data
/// carries the broadcast with its final counters.
pub const BROADCAST_FINISHED: &str = "broadcast.finished";

/// A webhook subscription was disabled after failing for too long.
pub const SUBSCRIPTION_DISABLED: &str = "subscription.disabled";
/// A test event sent to one webhook subscription on request (`POST
/// /v1/subscriptions/{id}/test`): delivered to that subscription only, whatever its filter
/// and format, in Switchboard's envelope.
pub const SUBSCRIPTION_TEST: &str = "subscription.test";

/// Every event type this version emits.
pub const ALL_TYPES: &[&str] = &[
    MESSAGE_ACCEPTED,
    MESSAGE_SENT,
    MESSAGE_DELIVERED,
    MESSAGE_READ,
    MESSAGE_PLAYED,
    MESSAGE_FAILED,
    MESSAGE_RECEIVED,
    MESSAGE_REACTION,
    CHANNEL_STATUS,
    TEMPLATE_STATUS,
    CONTACT_OPTED_OUT,
    CONTACT_OPTED_IN,
    CONTACT_IMPORT_PROGRESS,
    CONTACT_IMPORT_FINISHED,
    BOT_DECISION,
    MESSAGE_SCHEDULED,
    MESSAGE_CANCELED,
    BROADCAST_PROGRESS,
    BROADCAST_FINISHED,
    SUBSCRIPTION_DISABLED,
    SUBSCRIPTION_TEST,
];

/// An event, before (`seq == 0`) or after the store placed it in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log, assigned by the store; 0 before that.
    pub seq: i64,
    /// Opaque resume cursor naming this event's position (empty before it is stored).
    #[serde(default)]
    pub cursor: String,
    /// `evt_…`
    pub id: EventId,
    /// Dotted type, e.g. `message.delivered`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Owning account.
    pub account_id: AccountId,
    /// Channel concerned, if any.
    pub channel_id: Option<ChannelId>,
    /// Chat (the customer's WhatsApp id) concerned, if any.
    pub chat: Option<String>,
    /// When it happened.
    pub created_at: Millis,
    /// Type-specific data.
    pub data: Value,
}

/// The public form of a message, as carried by events and answered by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    /// `msg_…`
    pub id: String,
    /// `ch_…`
    pub channel_id: String,
    /// `outbound` or `inbound`.
    pub direction: String,
    /// The customer's WhatsApp id.
    pub chat: String,
    /// Message type (`text`, `image`, `interactive`, `template`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// `scheduled`, `accepted`, `sent`, `delivered`, `read`, `played`, `failed`, `canceled`
    /// (outbound) or `received`, `read` (inbound).
    pub status: String,
    /// The upstream id (`wamid.…`), once known.
    pub upstream_id: Option<String>,
    /// The quoted message, if any.
    pub context_message_id: Option<String>,
    /// Outbound: the Cloud API message sent. Inbound: Meta's message object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub content: Value,
    /// The last upstream or dispatch error, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub error: Option<Value>,
    /// Upstream attempts so far.
    pub attempts: u32,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<&MessageRecord> for MessageView {
    fn from(m: &MessageRecord) -> Self {
        MessageView {
            id: m.id.to_string(),
            channel_id: m.channel_id.to_string(),
            direction: m.direction.as_str().to_string(),
            chat: m.chat.clone(),
            kind: m.kind.clone(),
            status: m.status.as_str().to_string(),
            upstream_id: m.upstream_id.clone(),
            context_message_id: m.context_id.clone(),
            content: m.body.clone(),
            error: m.error.clone(),
            attempts: m.attempts,
            created_at: to_rfc3339(m.created_at),
            updated_at: to_rfc3339(m.updated_at),
        }
    }
}

/// The public JSON of a message.
pub fn message_json(m: &MessageRecord) -> Value {
    serde_json::to_value(MessageView::from(m)).unwrap_or(Value::Null)
}

/// A new event of `kind` about message `m`, at `at`.
pub fn message_event(kind: &str, m: &MessageRecord, at: Millis) -> Event {
    Event {
        seq: 0,
        cursor: String::new(),
        id: EventId::new(),
        kind: kind.to_string(),
        account_id: m.account_id,
        channel_id: Some(m.channel_id),
        chat: Some(m.chat.clone()),
        created_at: at,
        data: json!({ "message": message_json(m) }),
    }
}

/// A new event of `kind` about inbound message `m` from a customer whose profile name is
/// `profile_name`; the data carries the contact (`{wa_id, name}`) beside the message.
pub fn inbound_event(
    kind: &str,
    m: &MessageRecord,
    profile_name: Option<&str>,
    at: Millis,
) -> Event {
    let mut event = message_event(kind, m, at);
    event.data["contact"] = json!({ "wa_id": m.chat, "name": profile_name });
    event
}

/// A new `channel.status` event of `channel` (of `account`) entering `state` from `previous`
/// (`None` for a new channel), at the state's time.
pub fn channel_status_event(
    account: AccountId,
    channel: ChannelId,
    state: &ChannelState,
    previous: Option<ChannelStatus>,
) -> Event {
    Event {
        seq: 0,
        cursor: String::new(),
        id: EventId::new(),
        kind: CHANNEL_STATUS.to_string(),
        account_id: account,
        channel_id: Some(channel),
        chat: None,
        created_at: state.since,
        data: json!({
            "status": state.status.as_str(),
            "previous_status": previous.map(ChannelStatus::as_str),
            "reason": state.reason,
            "error": state.error,
        }),
    }
}

/// A new `channel.status` event of a WhatsApp Web channel (of `account`) whose session
/// entered `session`'s state from `previous` (`None` for a first record), at the session's
/// `updated_at`. Its data is, with every field present (`null` when unset) and times in
/// RFC 3339:
///
/// ```json
/// {
///   "session": {
///     "state": "scan_qr",            // stopped | starting | scan_qr | working | failed
///     "reason": null,                // for failed: qr_timeout | logged_out | banned | …
///     "detail": null,                // the last change in words, when known
///     "paired_as": {"jid": "…", "lid": null, "push_name": null, "platform": null} | null,
///     "qr": {"code": "…", "expires_at": "…", "number": 1, "of": 5} | null,
///     "pair_code": {"code": "ABCD1234", "phone_number": "…", "expires_at": "…"} | null,
///     "restarts": 0
///   },
///   "previous_state": "starting"     // or null
/// }
/// ```
pub fn web_session_event(
    account: AccountId,
    session: &WebSession,
    previous: Option<SessionState>,
) -> Event {
    Event {
        seq: 0,
        cursor: String::new(),
        id: EventId::new(),
        kind: CHANNEL_STATUS.to_string(),
        account_id: account,
        channel_id: Some(session.channel_id),
        chat: None,
        created_at: session.updated_at,
        data: json!({
            "session": web_session_json(session),
            "previous_state": previous.map(SessionState::as_str),
        }),
    }
}

/// The public JSON of a WhatsApp Web session (the `session` of [`web_session_event`]).
pub fn web_session_json(s: &WebSession) -> Value {
    json!({
        "state": s.state.as_str(),
        "reason": s.reason.map(|r| r.as_str()),
        "detail": s.detail,
        "paired_as": s.paired_as.as_ref().map(|p| json!({
            "jid": p.jid,
            "lid": p.lid,
            "push_name": p.push_name,
            "platform": p.platform,
        })),
        "qr": s.qr.as_ref().map(|q| json!({
            "code": q.code,
            "expires_at": to_rfc3339(q.expires_at),
            "number": q.number,
            "of": q.of,
        })),
        "pair_code": s.pair_code.as_ref().map(|p| json!({
            "code": p.code,
            "phone_number": p.phone_number,
            "expires_at": to_rfc3339(p.expires_at),
        })),
        "restarts": s.restarts,
    })
}

/// Whether an event type matches a filter entry: an exact name, `*`, or a `prefix.*` wildcard.
pub fn type_matches(filter: &str, kind: &str) -> bool {
    if filter == "*" || filter == kind {
        return true;
    }
    match filter.strip_suffix(".*") {
        Some(prefix) => {
            kind.len() > prefix.len() + 1
                && kind.starts_with(prefix)
                && kind.as_bytes()[prefix.len()] == b'.'
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::web_session::{FailReason, PairedAs, QrCode};

    #[test]
    fn filters_match_exact_names_and_wildcards() {
        assert!(type_matches("message.sent", "message.sent"));
        assert!(type_matches("message.*", "message.sent"));
        assert!(type_matches("*", "channel.status"));
        assert!(!type_matches("message.*", "messages.sent"));
        assert!(!type_matches("message.*", "message"));
        assert!(!type_matches("message.sent", "message.sent2"));
    }

    #[test]
    fn web_session_events_carry_the_whole_session_with_explicit_nulls() {
        let account = AccountId::new();
        let mut session = WebSession::stopped(ChannelId::new(), 1_763_734_000_000);
        session.state = SessionState::ScanQr;
        session.qr = Some(QrCode {
            code: "2@abc".into(),
            expires_at: 1_763_734_020_000,
            number: 1,
            of: 5,
        });
        let e = web_session_event(account, &session, Some(SessionState::Starting));
        assert_eq!(e.kind, CHANNEL_STATUS);
        assert_eq!(e.channel_id, Some(session.channel_id));
        assert_eq!(e.created_at, session.updated_at);
        assert_eq!(
            e.data,
            json!({
                "session": {
                    "state": "scan_qr",
                    "reason": null,
                    "detail": null,
                    "paired_as": null,
                    "qr": {
                        "code": "2@abc",
                        "expires_at": to_rfc3339(1_763_734_020_000),
                        "number": 1,
                        "of": 5,
                    },
                    "pair_code": null,
                    "restarts": 0,
                },
                "previous_state": "starting",
            })
        );
        session.state = SessionState::Failed;
        session.reason = Some(FailReason::LoggedOut);
        session.qr = None;
        session.paired_as = Some(PairedAs {
            jid: "1:2@s.whatsapp.net".into(),
            ..Default::default()
        });
        let e = web_session_event(account, &session, None);
        assert_eq!(e.data["session"]["reason"], "logged_out");
        assert_eq!(e.data["session"]["paired_as"]["jid"], "1:2@s.whatsapp.net");
        assert_eq!(e.data["session"]["paired_as"]["lid"], Value::Null);
        assert_eq!(e.data["previous_state"], Value::Null);
        assert!(e.data["session"].as_object().unwrap().contains_key("qr"));
    }
}
