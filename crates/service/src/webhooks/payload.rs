//! Webhook payloads: Switchboard's envelope, or Meta's webhook payload so an existing Cloud API
//! webhook handler works unchanged.

use serde_json::{json, Value};
use switchboard_core::channel::{sandbox_display_number, Channel, ChannelKind};
use switchboard_core::event::{
    Event, MESSAGE_DELIVERED, MESSAGE_FAILED, MESSAGE_PLAYED, MESSAGE_REACTION, MESSAGE_READ,
    MESSAGE_RECEIVED, MESSAGE_SENT, SUBSCRIPTION_TEST,
};
use switchboard_core::subscription::{PayloadFormat, Subscription};
use switchboard_core::time::to_rfc3339;
use switchboard_store::{Store, StoreResult};

/// Switchboard's envelope: `{id, type, created_at, account_id, channel_id, chat, data}`.
pub fn switchboard(e: &Event) -> Value {
    json!({
        "id": e.id.to_string(),
        "type": e.kind,
        "created_at": to_rfc3339(e.created_at),
        "account_id": e.account_id.to_string(),
        "channel_id": e.channel_id.map(|c| c.to_string()),
        "chat": e.chat,
        "data": e.data,
    })
}

/// The body POSTed for the event `e` to the subscription `s`, `None` when the event has no
/// payload in the subscription's format; a test event is always in Switchboard's envelope.
pub async fn body(store: &dyn Store, s: &Subscription, e: &Event) -> StoreResult<Option<Vec<u8>>> {
    let format = if e.kind == SUBSCRIPTION_TEST {
        PayloadFormat::Switchboard
    } else {
        s.format
    };
    let value = match format {
        PayloadFormat::Switchboard => Some(switchboard(e)),
        PayloadFormat::Meta
        | PayloadFormat::Sendbuttons
        | PayloadFormat::Onemsg
        | PayloadFormat::Wabot => {
            let Some(channel_id) = e.channel_id else {
                return Ok(None);
            };
            let Some(channel) = store.find_channel(channel_id).await? else {
                return Ok(None);
            };
            match format {
                PayloadFormat::Meta => meta(e, &channel),
                PayloadFormat::Onemsg => super::onemsg::payload(store, e, &channel).await?,
                PayloadFormat::Wabot => super::wabot::payload(s, e, &channel),
                _ => super::sendbuttons::payload(e, &channel),
            }
        }
    };
    Ok(value.and_then(|value| serde_json::to_vec(&value).ok()))
}

/// Whether an event type has a Meta webhook equivalent.
pub fn meta_representable(kind: &str) -> bool {
    matches!(
        kind,
        MESSAGE_SENT
            | MESSAGE_DELIVERED
            | MESSAGE_READ
            | MESSAGE_PLAYED
            | MESSAGE_FAILED
            | MESSAGE_RECEIVED
            | MESSAGE_REACTION
    )
}

fn envelope(channel: &Channel, value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": channel.settings.cloud().map(|c| c.waba_id.as_str()),
            "changes": [{ "field": "messages", "value": value }],
        }],
    })
}

/// `metadata` of Meta's payload: the display number the upstream reported with the event
/// (`data.upstream.display_phone_number`); without one, the sandbox's number for sandbox
/// channels and the phone number id for cloud channels (Switchboard has no other source).
fn metadata(e: &Event, channel: &Channel) -> Value {
    let reported = e
        .data
        .get("upstream")
        .and_then(|u| u.get("display_phone_number"))
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    let phone_number_id = channel
        .settings
        .cloud()
        .map(|c| c.phone_number_id.as_str())
        .unwrap_or_default();
    let display = reported.unwrap_or_else(|| display_number(channel));
    json!({
        "display_phone_number": display,
        "phone_number_id": phone_number_id,
    })
}

/// The channel's WhatsApp number as known without an event: the sandbox's number for
/// sandbox channels; for cloud channels the number the upstream reported at creation or the
/// last sync, else the phone number id; the channel id for the other kinds.
pub fn display_number(channel: &Channel) -> String {
    match (channel.kind, channel.settings.cloud()) {
        (ChannelKind::Sandbox, Some(c)) => sandbox_display_number(&c.phone_number_id),
        (_, Some(c)) => c
            .display_phone_number
            .clone()
            .unwrap_or_else(|| c.phone_number_id.clone()),
        _ => channel.id.to_string(),
    }
}

/// Meta's webhook payload for an event on `channel`: a status for our outbound messages (the
/// status `id` is our message id, the one the send answered, with the upstream's
/// `conversation`, `pricing` and other fields when its status webhook carried them), the
/// message itself for inbound ones. `None` for events Meta has no payload for.
pub fn meta(e: &Event, channel: &Channel) -> Option<Value> {
    let message = e.data.get("message")?;
    let chat = e.chat.clone().unwrap_or_default();
    let timestamp = (e.created_at / 1000).to_string();
    match e.kind.as_str() {
        MESSAGE_RECEIVED | MESSAGE_REACTION => {
            let name = e.data.get("contact").and_then(|c| c.get("name")).cloned();
            let mut contact = json!({ "wa_id": chat });
            if let Some(name) = name.filter(|n| !n.is_null()) {
                contact["profile"] = json!({ "name": name });
            }
            Some(envelope(
                channel,
                json!({
                    "messaging_product": "whatsapp",
                    "metadata": metadata(e, channel),
                    "contacts": [contact],
                    "messages": [message.get("content").cloned().unwrap_or(Value::Null)],
                }),
            ))
        }
        MESSAGE_SENT | MESSAGE_DELIVERED | MESSAGE_READ | MESSAGE_PLAYED | MESSAGE_FAILED => {
            let status = e.kind.trim_start_matches("message.");
            let mut entry = json!({
                "id": message.get("id").cloned().unwrap_or(Value::Null),
                "status": status,
                "timestamp": timestamp,
                "recipient_id": chat,
            });
            let fields = e.data.get("upstream").and_then(|u| u.get("fields"));
            if let (Some(Value::Object(fields)), Some(target)) = (fields, entry.as_object_mut()) {
                for (k, v) in fields {
                    target.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            if status == "failed" {
                let errors = match message.get("error") {
                    Some(Value::Array(list)) => Value::Array(list.clone()),
                    Some(Value::Null) | None => json!([]),
                    Some(other) => json!([{
                        "code": other.get("code").cloned().unwrap_or(Value::Null),
                        "title": other.get("message").cloned().unwrap_or(Value::Null),
                        "message": other.get("message").cloned().unwrap_or(Value::Null),
                        "error_data": { "details": other.get("details").cloned().unwrap_or(Value::Null) },
                    }]),
                };
                entry["errors"] = errors;
            }
            Some(envelope(
                channel,
                json!({
                    "messaging_product": "whatsapp",
                    "metadata": metadata(e, channel),
                    "statuses": [entry],
                }),
            ))
        }
        _ => None,
    }
}
