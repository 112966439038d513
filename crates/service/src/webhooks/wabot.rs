//! The WhatsApp Web bot platform's webhook (a subscription with format `wabot`, which the
//! dialect's `init` and `setWebhook` manage), so a handler written for that platform works.
//!
//! Its events: `onMessage`, a customer's message (stored as the native `message.received`
//! filter), and `onAnyMessage`, every message of the session — the customer's and the ones
//! sent from it (`message.*`: received, and the business's own once accepted). A customer's
//! message goes once: as `onMessage` when that event is subscribed, else as `onAnyMessage`.
//!
//! The payload is `{"event", "session_id", "data"}` where `data` is the session's message:
//! `key {remoteJid, fromMe, id}` (`id` the upstream message id, or ours before it has one),
//! `pushName`, `messageTimestamp` (Unix seconds), `message` (`conversation`,
//! `imageMessage`/`videoMessage`/`audioMessage`/`documentMessage`/`stickerMessage` with
//! `caption`, `mimetype`, `fileName`, `url`; `locationMessage`; `contactMessage`;
//! `reactionMessage`; `buttonsResponseMessage`/`listResponseMessage`), and Switchboard's
//! additions `messageId` (`msg_…`), `type`, `body` (the text or caption) and `from`.

use serde_json::{json, Value};
use switchboard_core::channel::Channel;
use switchboard_core::event::{Event, MessageView, MESSAGE_ACCEPTED, MESSAGE_RECEIVED};
use switchboard_core::subscription::{PayloadFormat, Subscription};
use switchboard_core::time::parse_rfc3339;
use switchboard_core::wabot::{media_message_key, remote_jid};
use switchboard_store::{PageRequest, Store};

use super::subscriptions::{self, NewSubscription, SubscriptionPatch};
use crate::{ServiceError, ServiceResult};

/// The event name of a customer's message.
pub const ON_MESSAGE: &str = "onMessage";
/// The event name of every message.
pub const ON_ANY_MESSAGE: &str = "onAnyMessage";

/// The native filter of `onMessage`.
pub const ON_MESSAGE_FILTER: &str = MESSAGE_RECEIVED;

/// The native event filter of a platform event.
fn filter_of(event: &str) -> Option<&'static str> {
    match event {
        ON_MESSAGE => Some(MESSAGE_RECEIVED),
        ON_ANY_MESSAGE => Some("message.*"),
        _ => None,
    }
}

/// The native filters of platform `events` (each `onMessage` or `onAnyMessage`); an
/// unknown name is an error naming the accepted ones.
pub fn filters(events: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let f = filter_of(e).ok_or_else(|| {
            format!("events[{i}]: `{e}` is not an event; use {ON_MESSAGE} or {ON_ANY_MESSAGE}")
        })?;
        if !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    }
    Ok(out)
}

/// The platform events of a subscription's filters.
pub fn events_of(s: &Subscription) -> Vec<&'static str> {
    let mut out = Vec::new();
    if s.events.iter().any(|e| e == MESSAGE_RECEIVED) {
        out.push(ON_MESSAGE);
    }
    if s.events.iter().any(|e| e == "message.*") {
        out.push(ON_ANY_MESSAGE);
    }
    out
}

/// Whether an event type has a payload in this format.
pub fn representable(kind: &str) -> bool {
    matches!(kind, MESSAGE_RECEIVED | MESSAGE_ACCEPTED)
}

/// The channel's webhook: the account's (oldest) `wabot` subscription limited to it.
pub async fn webhook(store: &dyn Store, channel: &Channel) -> ServiceResult<Option<Subscription>> {
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    loop {
        let got = subscriptions::list(store, channel.account_id, &page).await?;
        if let Some(found) = got
            .items
            .into_iter()
            .find(|s| s.format == PayloadFormat::Wabot && s.channel_id == Some(channel.id))
        {
            return Ok(Some(found));
        }
        match got.next {
            Some(next) => page.after = Some(next),
            None => return Ok(None),
        }
    }
}

/// Points the channel's webhook at `url` for `events` (native filters, see [`filters`]):
/// creates its subscription (enabled) or changes it.
pub async fn set_webhook(
    store: &dyn Store,
    channel: &Channel,
    url: String,
    events: Vec<String>,
) -> ServiceResult<Subscription> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(ServiceError::invalid(
            "webhook_url",
            format!("webhook_url: `{url}` is not an http(s) URL; give the address that receives the events"),
        ));
    }
    match webhook(store, channel).await? {
        None => {
            let new = NewSubscription {
                url,
                events,
                format: PayloadFormat::Wabot,
                channel: Some((channel.id, channel.id.to_string())),
                enabled: true,
                description: Some("bot platform webhook (set by the wabot API)".into()),
            };
            subscriptions::create(store, channel.account_id, new).await
        }
        Some(s) => {
            let patch = SubscriptionPatch {
                url: Some(url),
                events: Some(events),
                enabled: Some(true),
                ..SubscriptionPatch::default()
            };
            subscriptions::update(store, channel.account_id, s.id, patch).await
        }
    }
}

fn seconds(view: &MessageView) -> i64 {
    parse_rfc3339(&view.created_at).unwrap_or(0) / 1000
}

/// The session's `message` object of a stored message's content (Meta's inbound object or
/// the Cloud API request sent).
pub fn session_message(content: &Value, kind: &str) -> Value {
    let part = &content[kind];
    match kind {
        "text" => json!({"conversation": part["body"]}),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let mut m = json!({
                "caption": part["caption"],
                "mimetype": part["mime_type"],
                "fileName": part["filename"],
                "url": part.get("link").or_else(|| part.get("url")).cloned().unwrap_or(Value::Null),
                "mediaId": part["id"],
            });
            if let Value::Object(o) = &mut m {
                o.retain(|_, v| !v.is_null());
            }
            json!({ media_message_key(kind): m })
        }
        "location" => json!({"locationMessage": {
            "degreesLatitude": part["latitude"], "degreesLongitude": part["longitude"],
            "name": part["name"], "address": part["address"]}}),
        "contacts" => {
            let c = &content["contacts"][0];
            json!({"contactMessage": {"displayName": c["name"]["formatted_name"],
                "phone": c["phones"][0]["wa_id"]}})
        }
        "reaction" => json!({"reactionMessage": {"key": {"id": part["message_id"]},
            "text": part["emoji"]}}),
        "interactive" => match part["type"].as_str() {
            Some("button_reply") => json!({"buttonsResponseMessage": {
                "selectedButtonId": part["button_reply"]["id"],
                "selectedDisplayText": part["button_reply"]["title"]}}),
            Some("list_reply") => json!({"listResponseMessage": {
                "title": part["list_reply"]["title"],
                "singleSelectReply": {"selectedRowId": part["list_reply"]["id"]}}}),
            _ => json!({"interactiveMessage": part}),
        },
        "button" => json!({"buttonsResponseMessage": {
            "selectedButtonId": part["payload"], "selectedDisplayText": part["text"]}}),
        other => json!({ format!("{other}Message"): part }),
    }
}

/// The text of a message: its body, caption or chosen option.
fn body_of(content: &Value, kind: &str) -> Value {
    let part = &content[kind];
    part.get("body")
        .or_else(|| part.get("caption"))
        .or_else(|| part.pointer("/button_reply/title"))
        .or_else(|| part.pointer("/list_reply/title"))
        .or_else(|| part.get("text"))
        .or_else(|| part.get("emoji"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The payload of `e` on `channel` for subscription `s`; `None` for events it does not carry.
pub fn payload(s: &Subscription, e: &Event, channel: &Channel) -> Option<Value> {
    let view: MessageView = serde_json::from_value(e.data.get("message")?.clone()).ok()?;
    let subscribed = events_of(s);
    let event = match e.kind.as_str() {
        MESSAGE_RECEIVED if subscribed.contains(&ON_MESSAGE) => ON_MESSAGE,
        MESSAGE_RECEIVED | MESSAGE_ACCEPTED if subscribed.contains(&ON_ANY_MESSAGE) => {
            ON_ANY_MESSAGE
        }
        _ => return None,
    };
    let from_me = view.direction == "outbound";
    let push_name = if from_me {
        Value::Null
    } else {
        e.data
            .pointer("/contact/name")
            .cloned()
            .unwrap_or(Value::Null)
    };
    let id = view.upstream_id.clone().unwrap_or_else(|| view.id.clone());
    Some(json!({
        "event": event,
        "session_id": channel.id.to_string(),
        "data": {
            "key": {"remoteJid": remote_jid(&view.chat), "fromMe": from_me, "id": id},
            "pushName": push_name,
            "messageTimestamp": seconds(&view),
            "message": session_message(&view.content, &view.kind),
            "messageId": view.id,
            "type": view.kind,
            "body": body_of(&view.content, &view.kind),
            "from": if from_me { Value::Null } else { json!(view.chat) },
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_filters_and_back() {
        let f =
            filters(&[ON_MESSAGE.into(), ON_ANY_MESSAGE.into(), ON_MESSAGE.into()]).expect("ok");
        assert_eq!(
            f,
            vec![MESSAGE_RECEIVED.to_string(), "message.*".to_string()]
        );
        assert!(filters(&["onQr".into()])
            .expect_err("bad")
            .starts_with("events[0]"));
    }

    #[test]
    fn messages_take_the_session_shape() {
        let text = json!({"type": "text", "text": {"body": "hi"}});
        assert_eq!(
            session_message(&text, "text"),
            json!({"conversation": "hi"})
        );
        let image = json!({"type": "image", "image": {"id": "med_1", "caption": "Yo", "mime_type": "image/png"}});
        let m = session_message(&image, "image");
        assert_eq!(m["imageMessage"]["caption"], "Yo");
        assert_eq!(body_of(&image, "image"), "Yo");
    }
}
