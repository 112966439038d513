//! Sending: validate → policy (24-hour window, connector capabilities) → store durably with
//! its event (and idempotency key) → wake the dispatcher → answer in Meta's shape.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use switchboard_connectors::messenger;
use switchboard_core::address::Address;
use switchboard_core::channel::{telegram, Channel, ChannelKind};
use switchboard_core::id::MessageId;
use switchboard_core::message::text_fallback::{self, Fallback};
use switchboard_core::message::{
    parse_message_to, IdempotencyKey, MessageContent, MessageError, OutboundMessage,
};
use switchboard_core::record::MessageRecord;
use switchboard_core::schedule::{ScheduleError, SendTime};
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::{to_rfc3339, Millis};
use switchboard_store::messages::{IdempotencyRecord, InsertOutcome, NewOutbound};
use switchboard_store::StoreError;

use std::sync::Arc;

use switchboard_store::Store;

use crate::bot::optout::{check_marketing_allowed, MarketingRefused};
use crate::gateway::{Gateway, Outbox, SendSettings, Upstream};
use crate::templates::check::{check_template_send, TemplateCheckError};
use crate::templates::{TemplateCache, TemplateParts};

/// What the send path works with (the API's sends, the bot's replies, broadcast creation).
#[derive(Clone)]
pub struct SendParts {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The upstreams: their capabilities, and template syncs on a miss.
    pub upstream: Upstream,
    /// The outbox sends are stored in (it wakes the dispatcher).
    pub outbox: Outbox,
    /// Each channel's templates, cached for the template check.
    pub templates: Arc<TemplateCache>,
    /// Sending settings.
    pub settings: SendSettings,
}

impl From<&Gateway> for SendParts {
    fn from(g: &Gateway) -> Self {
        Self {
            store: g.store.clone(),
            upstream: g.upstream.clone(),
            outbox: g.outbox.clone(),
            templates: g.templates.clone(),
            settings: g.settings.clone(),
        }
    }
}

impl From<&SendParts> for TemplateParts {
    fn from(p: &SendParts) -> Self {
        Self {
            store: p.store.clone(),
            upstream: p.upstream.clone(),
            templates: p.templates.clone(),
        }
    }
}

/// Why a send was refused.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message is invalid (Meta's code and the JSON path are in the error).
    #[error(transparent)]
    Invalid(MessageError),
    /// A free-form message outside the customer-service window (Meta's 131047 on WhatsApp,
    /// 10 with a window subcode on Messenger and Instagram).
    #[error("the customer-service window with {address} is closed")]
    WindowClosed {
        /// The recipient.
        address: Address,
        /// When the customer last wrote, if ever.
        last_inbound: Option<Millis>,
        /// The channel's kind (whose upstream's error the answer imitates).
        channel_kind: ChannelKind,
        /// Whether the message was tagged `HUMAN_AGENT` (the 7-day window applied).
        human_agent: bool,
    },
    /// The channel's kind cannot carry this kind of message (its capability map says so).
    #[error("a {channel_kind} channel cannot carry `{what}` messages; it carries {carried}")]
    Unsupported {
        /// The channel's kind, e.g. `telegram`.
        channel_kind: &'static str,
        /// What it cannot carry: a message kind, or `interactive/{type}`.
        what: String,
        /// What it carries, as a list for people.
        carried: String,
    },
    /// `send_at` (or `scheduleDateTime`) is invalid, too far in the past or too far ahead.
    #[error(transparent)]
    Schedule(ScheduleError),
    /// The idempotency key was used before with a different body.
    #[error("the Idempotency-Key was already used with a different request body")]
    KeyReused,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The answer to a send.
#[derive(Debug, Clone, PartialEq)]
pub struct SendAnswer {
    /// Meta's response shape, plus `window_expires_at`.
    pub body: Value,
    /// True when this is the first answer replayed for a repeated idempotency key.
    pub replayed: bool,
}

/// Hex SHA-256 of a request body, to compare requests under one idempotency key.
pub fn request_hash(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The rules of a channel kind beyond its capability map, checked before a message is
/// stored: Telegram's limits; Messenger's and Instagram's Send API limits and their
/// `messaging_type`/`tag`. Returns whether the message is tagged `HUMAN_AGENT` (the 7-day
/// window applies).
pub fn kind_rules(kind: ChannelKind, message: &OutboundMessage) -> Result<bool, MessageError> {
    if kind == ChannelKind::Telegram {
        telegram::check(&message.content)?;
    }
    let Some(platform) = messenger::Platform::of(kind) else {
        return Ok(false);
    };
    let refused = |e: messenger::LimitError| MessageError::invalid(e.field, e.message);
    messenger::check(&message.body, platform).map_err(refused)?;
    Ok(messenger::messaging(&message.body).map_err(refused)? == messenger::Messaging::HumanAgent)
}

/// Sends `request` (a Cloud API message object) on `channel`. `idempotency` is the client's
/// key with the hash of the raw request body.
///
/// A future `send_at` (or its other name `scheduleDateTime`) stores the message as `scheduled`
/// instead: it waits outside the outbox until due, and the 24-hour window is checked then,
/// not now.
pub async fn send(
    parts: &SendParts,
    channel: &Channel,
    request: &Value,
    idempotency: Option<(IdempotencyKey, String)>,
    now: Millis,
) -> Result<SendAnswer, SendError> {
    send_offering(parts, channel, request, idempotency, None, now).await
}

/// [`send`] of a message that offers numbered options (`offered`, in the shape of
/// [`text_fallback::CHOICES`]), as the dialects' button messages sent as text do. On a
/// WhatsApp Web channel the options are recorded with the message, so a customer's answer
/// by number or title comes back as the reply it stands for; a message sent with
/// `"fallback": "text"` records the options of its buttons or list the same way.
pub async fn send_offering(
    parts: &SendParts,
    channel: &Channel,
    request: &Value,
    idempotency: Option<(IdempotencyKey, String)>,
    offered: Option<Value>,
    now: Millis,
) -> Result<SendAnswer, SendError> {
    let mut offered = offered;
    let mut request = request.clone();
    let when = parts
        .settings
        .schedule
        .take(&mut request, now)
        .map_err(SendError::Schedule)?;
    let capabilities = channel.kind.capabilities();
    let fallback = text_fallback::take(&mut request)
        .map_err(|e| SendError::Invalid(MessageError::invalid("fallback", e)))?;
    // `to` is read in the channel's address form: a wa_id for WhatsApp kinds, a chat_id
    // for Telegram, a page-scoped id for Messenger and Instagram.
    let mut message =
        parse_message_to(&request, capabilities.address).map_err(SendError::Invalid)?;
    // `"fallback": "text"`: what the channel cannot carry (buttons, lists, links on a web
    // session) goes as text keeping its content, instead of a 422.
    if fallback == Fallback::Text && capabilities.check(&message.content).is_err() {
        if let Some(text) = text_fallback::as_text(&request) {
            offered = offered.or_else(|| text_fallback::choices_of(&request["interactive"]));
            request = text;
            message =
                parse_message_to(&request, capabilities.address).map_err(SendError::Invalid)?;
        }
    }
    // Typed from here down; strings again only at the connector and store calls.
    let address = message.address.clone();
    let kind = message.message_kind();
    capabilities
        .check(&message.content)
        .map_err(|what| SendError::Unsupported {
            channel_kind: channel.kind.as_str(),
            what,
            carried: capabilities.carried(),
        })?;
    let human_agent = kind_rules(channel.kind, &message).map_err(SendError::Invalid)?;
    crate::media::refs::check_refs(parts.store.as_ref(), channel.account_id, &message.body, now)
        .await
        .map_err(|e| match e {
            crate::media::refs::RefError::Invalid(e) => SendError::Invalid(e),
            crate::media::refs::RefError::Store(e) => SendError::Store(e),
        })?;
    // Template sends are checked against the channel's templates now (Meta's 132000 family
    // at once), not after the fact. The category (None when the upstream could not be
    // asked) is counted by the statistics and decides the marketing opt-out rule.
    let template_category = match &message.content {
        MessageContent::Template { template } => {
            check_template_send(&TemplateParts::from(parts), channel, template)
                .await
                .map_err(|e| match e {
                    TemplateCheckError::Refused(e) => SendError::Invalid(MessageError::from(&e)),
                    TemplateCheckError::Store(e) => SendError::Store(e),
                })?
        }
        _ => None,
    };
    if let Some(category) = template_category {
        // Templates are WhatsApp's only (the capability map), so the address is a wa_id.
        match check_marketing_allowed(
            parts.store.as_ref(),
            channel.account_id,
            &message.recipient(),
            category.as_str(),
        )
        .await
        {
            Ok(()) => {}
            Err(MarketingRefused::Store(e)) => return Err(SendError::Store(e)),
            Err(refused) => {
                if let Some(err) = refused.to_meta_error() {
                    return Err(SendError::Invalid(err));
                }
            }
        }
    }
    let last_inbound = parts
        .store
        .last_inbound(channel.id, address.as_str())
        .await?;
    let send_at = match when {
        SendTime::Now => None,
        SendTime::At(at) => Some(at),
    };
    if send_at.is_none()
        && message.is_free_form()
        && !capabilities.window_open_for(last_inbound, now, human_agent)
    {
        return Err(SendError::WindowClosed {
            address,
            last_inbound,
            channel_kind: channel.kind,
            human_agent,
        });
    }
    let record = MessageRecord {
        id: MessageId::new(),
        account_id: channel.account_id,
        channel_id: channel.id,
        direction: Direction::Outbound,
        chat: address.to_string(),
        kind: kind.as_str().to_string(),
        body: recorded_body(&message.body, channel.kind, offered),
        status: if send_at.is_some() {
            MessageStatus::Scheduled
        } else {
            MessageStatus::Accepted
        },
        upstream_id: None,
        context_id: message.context_message_id.clone(),
        error: None,
        attempts: 0,
        created_at: now,
        updated_at: now,
    };
    let mut body = json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": message.to_input, "wa_id": address }],
        "messages": [{ "id": record.id.to_string(), "message_status": record.status.as_str() }],
        "window_expires_at": capabilities.window_expires_at(last_inbound, human_agent).map(to_rfc3339),
    });
    if let Some(at) = send_at {
        body["send_at"] = json!(to_rfc3339(at));
    }
    let new = NewOutbound {
        message: record,
        // Keys are unique per account: the channel is part of the request, so the same key
        // and body on another channel is a different request (422), not a replay.
        idempotency: idempotency.map(|(key, request_hash)| IdempotencyRecord {
            key: key.into_string(),
            request_hash: format!("{}:{request_hash}", channel.id),
            response: body.clone(),
        }),
        idempotency_ttl_ms: parts.settings.idempotency_ttl_ms,
        not_before: send_at.unwrap_or(now),
        template_category: template_category.map(|c| c.as_str().to_string()),
    };
    let outcome = match parts.outbox.insert(&new, send_at).await {
        // Two requests with the same new key raced and this one lost: the winner's row now
        // exists, so asking again replays its answer (or reports a different body).
        Err(StoreError::Conflict(_)) if new.idempotency.is_some() => {
            parts.outbox.insert(&new, send_at).await?
        }
        other => other?,
    };
    match outcome {
        InsertOutcome::Inserted => Ok(SendAnswer {
            body,
            replayed: false,
        }),
        InsertOutcome::Replay(first) => Ok(SendAnswer {
            body: first,
            replayed: true,
        }),
        InsertOutcome::KeyReused => Err(SendError::KeyReused),
    }
}

/// The body stored for a message: as sent, with the options it offers on a WhatsApp Web
/// channel (the only kind whose answers are matched against them).
fn recorded_body(body: &Value, kind: ChannelKind, offered: Option<Value>) -> Value {
    let mut body = body.clone();
    if let (ChannelKind::Web, Some(choices), Some(o)) = (kind, offered, body.as_object_mut()) {
        o.insert(text_fallback::CHOICES.into(), choices);
    }
    body
}
