//! A session's inbound messages on the Cloud-shaped inbound path: each becomes a canonical
//! message (`messages[]` of a webhook `value`) and is recorded like WhatsApp Cloud's — one
//! event, the history row, the contact, de-duplication by WhatsApp id, the bot, webhooks.
//!
//! | session message | canonical message |
//! |---|---|
//! | text | `text{body}` |
//! | image / video / audio (voice notes: `voice: true`) / document / sticker | the same type, `{id, mime_type, caption?, filename?}`; the file is downloaded through the session into the media store (`media_id`, `media_url`) |
//! | location | `location{latitude, longitude, name?, address?}` |
//! | contacts | `contacts[{name{formatted_name}, phones[{phone}], vcard}]` |
//! | reaction | `reaction{message_id, emoji}` |
//! | anything else | `unsupported` with error 131051 naming the kind |
//!
//! A customer's text that answers the numbered options of our last message to them (buttons
//! or a list sent as text: `choices` recorded on that message) becomes the reply it stands
//! for: `interactive` `button_reply` / `list_reply` `{id, title}`, quoting that message.
//!
//! `from` is where a reply goes: the sender's phone number (digits), the group's JID
//! (`…@g.us`, with `group_id` and `participant` = the member) for a group, or the sender's
//! `…@lid` when WhatsApp hides the number. Messages the account sent from its phone
//! (`from_me`) are not recorded as inbound.

use futures::StreamExt;
use serde_json::{json, Map, Value};
use switchboard_core::channel::Channel;
use switchboard_core::cloud_webhook::MessagesValue;
use switchboard_core::media::MediaSource;
use switchboard_core::message::text_fallback;
use switchboard_core::status::Direction;
use switchboard_core::template_def::media_rules::MediaKind as CanonicalMediaKind;
use switchboard_core::time::Millis;
use switchboard_store::messages::MessageFilter;
use switchboard_store::StoreError;
use switchboard_web_driver::{ContactCard, InboundContent, InboundMessage, Jid, WebSession};

use crate::inbound::InboundSummary;
use crate::media::inbound::InboundParts;
use crate::media::ingest::{ingest, IngestRequest};

/// The address a reply to `m` goes to.
pub fn reply_address(m: &InboundMessage) -> String {
    if m.chat.is_group() {
        return m.chat.to_string();
    }
    person_address(m.sender_phone.as_ref().unwrap_or(&m.chat))
}

fn person_address(jid: &Jid) -> String {
    match jid.phone_number() {
        Some(number) => number.to_string(),
        None => jid.to_non_device().to_string(),
    }
}

/// Contact cards as Cloud `contacts[]` objects (name and phones read from the vCard, which
/// is kept whole beside them).
pub fn contacts_json(cards: &[ContactCard]) -> Value {
    Value::Array(
        cards
            .iter()
            .map(|c| {
                let phones: Vec<Value> = c
                    .vcard
                    .lines()
                    .filter(|l| l.to_ascii_uppercase().starts_with("TEL"))
                    .filter_map(|l| l.split_once(':').map(|(_, n)| n.trim().to_string()))
                    .map(|n| json!({ "phone": n }))
                    .collect();
                json!({
                    "name": {"formatted_name": c.display_name},
                    "phones": phones,
                    "vcard": c.vcard,
                })
            })
            .collect(),
    )
}

/// The canonical `(type, object)` of a message's content.
fn content(c: &InboundContent) -> (String, Value) {
    match c {
        InboundContent::Text { body } => ("text".into(), json!({ "body": body })),
        InboundContent::Media {
            media,
            caption,
            filename,
        } => {
            let mut o = Map::new();
            o.insert("mime_type".into(), json!(media.mime_type));
            if let Some(c) = caption {
                o.insert("caption".into(), json!(c));
            }
            if let Some(f) = filename {
                o.insert("filename".into(), json!(f));
            }
            if media.voice {
                o.insert("voice".into(), json!(true));
            }
            (media.kind.as_str().into(), Value::Object(o))
        }
        InboundContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => (
            "location".into(),
            json!({"latitude": latitude, "longitude": longitude, "name": name, "address": address}),
        ),
        InboundContent::Contacts(cards) => ("contacts".into(), contacts_json(cards)),
        InboundContent::Reaction { message_id, emoji } => (
            "reaction".into(),
            json!({"message_id": message_id, "emoji": emoji}),
        ),
        InboundContent::Unsupported { kind } => ("unsupported".into(), json!({ "type": kind })),
    }
}

/// The canonical message of `m` (its media not yet downloaded).
pub fn canonical(m: &InboundMessage) -> Value {
    let (kind, object) = content(&m.content);
    let mut message = json!({
        "from": reply_address(m),
        "id": m.id,
        "timestamp": m.timestamp.to_string(),
        "type": kind,
    });
    message[kind.as_str()] = object;
    if kind == "unsupported" {
        message["errors"] = json!([{
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": format!("WhatsApp Web message of kind `{}` is not mapped", match &m.content { InboundContent::Unsupported { kind } => kind.as_str(), _ => "" })},
        }]);
    }
    if let Some(quoted) = &m.quoted_id {
        message["context"] = json!({ "id": quoted });
    }
    if m.chat.is_group() {
        message["group_id"] = json!(m.chat.to_string());
        message["participant"] =
            json!(person_address(m.sender_phone.as_ref().unwrap_or(&m.sender)));
    }
    message
}

/// Downloads the media of `m` through `session` into the media store and notes it on
/// `message` (`media_id` and `media_url`, or `media_error`).
async fn attach_media(
    parts: &InboundParts,
    channel: &Channel,
    session: &dyn WebSession,
    m: &InboundMessage,
    message: &mut Value,
) {
    let InboundContent::Media {
        media, filename, ..
    } = &m.content
    else {
        return;
    };
    let kind = media.kind.as_str();
    let timeout = parts.media.settings.inbound_timeout;
    let outcome = tokio::time::timeout(timeout, async {
        let bytes = session
            .download(media)
            .await
            .map_err(|e| format!("downloading the WhatsApp media failed: {e}"))?;
        let request = IngestRequest {
            account_id: channel.account_id,
            channel_id: Some(channel.id),
            kind: CanonicalMediaKind::from_name(kind),
            declared_mime: Some(media.mime_type.clone()),
            filename: filename.clone(),
            source: MediaSource::Inbound,
            upstream_id: Some(m.id.clone()),
        };
        let stream = futures::stream::once(async move { Ok(bytes) }).boxed();
        ingest(parts.store.as_ref(), &parts.media, request, stream)
            .await
            .map_err(|e| format!("storing the WhatsApp media failed: {e}"))
    })
    .await
    .unwrap_or_else(|_| {
        Err(format!(
            "downloading the WhatsApp media took longer than {} s",
            timeout.as_secs()
        ))
    });
    let Some(object) = message.get_mut(kind).and_then(Value::as_object_mut) else {
        return;
    };
    match outcome {
        Ok(record) => {
            object.insert("id".into(), json!(record.id.to_string()));
            object.insert("media_id".into(), json!(record.id.to_string()));
            object.insert(
                "media_url".into(),
                json!(parts.media.content_url(record.id)),
            );
        }
        Err(e) => {
            tracing::warn!(channel_id = %channel.id, message = %m.id, error = %e, "inbound WhatsApp Web media not stored");
            object.insert("media_error".into(), json!(e));
        }
    }
}

/// When `m` is a person's text answering the numbered options of our last message to them,
/// `message` becomes the reply it stands for (`interactive` `button_reply` / `list_reply`,
/// quoting that message).
async fn answer_to_choices(
    parts: &InboundParts,
    channel: &Channel,
    m: &InboundMessage,
    message: &mut Value,
) -> Result<(), StoreError> {
    let InboundContent::Text { body } = &m.content else {
        return Ok(());
    };
    if m.chat.is_group() {
        return Ok(());
    }
    let filter = MessageFilter {
        channel_id: Some(channel.id),
        chat: Some(reply_address(m)),
        direction: Some(Direction::Outbound),
        ..MessageFilter::default()
    };
    let last = parts
        .store
        .latest_messages(channel.account_id, &filter, "", 1)
        .await?;
    let Some(ours) = last.last() else {
        return Ok(());
    };
    let Some(reply) = ours
        .body
        .get(text_fallback::CHOICES)
        .and_then(|c| text_fallback::chosen(c, body))
    else {
        return Ok(());
    };
    if let Some(o) = message.as_object_mut() {
        o.remove("text");
        o.insert("type".into(), json!("interactive"));
        o.insert("interactive".into(), reply);
        if !o.contains_key("context") {
            let quoted = ours
                .upstream_id
                .clone()
                .unwrap_or_else(|| ours.id.to_string());
            o.insert("context".into(), json!({ "id": quoted }));
        }
    }
    Ok(())
}

/// Records `messages` received by `channel`'s session (paired as `display_number`): new
/// ones are stored with their media, repeats are counted as duplicates.
pub async fn record(
    parts: &InboundParts,
    channel: &Channel,
    session: &dyn WebSession,
    display_number: &str,
    messages: &[InboundMessage],
    now: Millis,
) -> Result<InboundSummary, StoreError> {
    let mut summary = InboundSummary::default();
    for m in messages {
        if m.from_me {
            summary.skipped += 1;
            continue;
        }
        if parts
            .store
            .find_by_upstream(channel.id, &m.id)
            .await?
            .is_some()
        {
            summary.duplicates += 1;
            continue;
        }
        let mut message = canonical(m);
        attach_media(parts, channel, session, m, &mut message).await;
        answer_to_choices(parts, channel, m, &mut message).await?;
        let value = json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": display_number, "phone_number_id": channel.id.to_string()},
            "contacts": [{"wa_id": reply_address(m), "profile": {"name": m.push_name}}],
            "messages": [message],
        });
        let value: MessagesValue = serde_json::from_value(value)
            .map_err(|e| StoreError::Corrupt(format!("translating a WhatsApp Web message: {e}")))?;
        let one =
            crate::inbound::record_messages(parts.store.as_ref(), channel, &value, now).await?;
        summary.messages += one.messages;
        summary.duplicates += one.duplicates;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use switchboard_web_driver::{InboundMedia, MediaKind};

    fn message(content: InboundContent) -> InboundMessage {
        InboundMessage {
            id: "3EB0AA".into(),
            chat: Jid::parse("15551234567@s.whatsapp.net").expect("jid"),
            sender: Jid::parse("15551234567@s.whatsapp.net").expect("jid"),
            sender_phone: None,
            from_me: false,
            timestamp: 1_700_000_000,
            push_name: Some("Ann".into()),
            content,
            quoted_id: None,
        }
    }

    #[test]
    fn text_from_a_person_replies_to_the_number() {
        let m = message(InboundContent::Text { body: "hi".into() });
        let v = canonical(&m);
        assert_eq!(v["from"], "15551234567");
        assert_eq!(v["type"], "text");
        assert_eq!(v["text"]["body"], "hi");
        assert_eq!(v["timestamp"], "1700000000");
    }

    #[test]
    fn group_messages_reply_to_the_group_and_name_the_member() {
        let mut m = message(InboundContent::Text { body: "hi".into() });
        m.chat = Jid::parse("120363025246125888@g.us").expect("group");
        m.sender = Jid::parse("99887766@lid").expect("lid");
        m.sender_phone = Some(Jid::parse("15550001111@s.whatsapp.net").expect("pn"));
        m.quoted_id = Some("3EB0QUOTED".into());
        let v = canonical(&m);
        assert_eq!(v["from"], "120363025246125888@g.us");
        assert_eq!(v["group_id"], "120363025246125888@g.us");
        assert_eq!(v["participant"], "15550001111");
        assert_eq!(v["context"]["id"], "3EB0QUOTED");
    }

    #[test]
    fn a_hidden_number_replies_to_the_lid() {
        let mut m = message(InboundContent::Text { body: "hi".into() });
        m.chat = Jid::parse("99887766@lid").expect("lid");
        assert_eq!(canonical(&m)["from"], "99887766@lid");
    }

    #[test]
    fn kinds_map_to_canonical_objects() {
        let voice = message(InboundContent::Media {
            media: InboundMedia {
                kind: MediaKind::Audio,
                mime_type: "audio/ogg; codecs=opus".into(),
                size: Some(3),
                voice: true,
                handle: Bytes::from_static(b"h"),
            },
            caption: None,
            filename: None,
        });
        let v = canonical(&voice);
        assert_eq!(v["type"], "audio");
        assert_eq!(v["audio"]["voice"], true);
        let card = message(InboundContent::Contacts(vec![ContactCard {
            display_name: "Bob".into(),
            vcard: "BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nTEL;type=CELL:+1 555 000\nEND:VCARD".into(),
        }]));
        let v = canonical(&card);
        assert_eq!(v["contacts"][0]["name"]["formatted_name"], "Bob");
        assert_eq!(v["contacts"][0]["phones"][0]["phone"], "+1 555 000");
        let reaction = message(InboundContent::Reaction {
            message_id: "3EB0X".into(),
            emoji: "👍".into(),
        });
        assert_eq!(canonical(&reaction)["reaction"]["message_id"], "3EB0X");
        let poll = message(InboundContent::Unsupported {
            kind: "poll".into(),
        });
        let v = canonical(&poll);
        assert_eq!(v["type"], "unsupported");
        assert_eq!(v["errors"][0]["code"], 131051);
    }
}
