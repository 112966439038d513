//! Sending through the fake: recipient checks, de-duplication by message id, the record
//! `GET …/state` shows, and the receipts that follow (delivered, read, played).

use rand::Rng;
use switchboard_web_driver::{
    Jid, MediaKind, OutboundContent, OutboundMessage, ReceiptKind, Sent, SessionEvent, WebError,
    WebErrorKind,
};

use super::channel::SentRecord;
use super::phone::PhoneState;
use super::session::FakeSession;
use crate::state::now_millis;

fn rejected(message: impl Into<String>) -> WebError {
    WebError::new(WebErrorKind::Rejected, message)
}

/// What the record keeps of a message: kind, text, referenced id, media size, and whether
/// it is a voice note.
struct Described {
    kind: &'static str,
    text: Option<String>,
    reference: Option<String>,
    media_size: Option<usize>,
    voice: bool,
}

fn describe(message: &OutboundMessage) -> Result<Described, WebError> {
    let quoted = message.quoted.as_ref().map(|q| q.message_id.clone());
    let plain = |kind, text| Described {
        kind,
        text,
        reference: quoted.clone(),
        media_size: None,
        voice: false,
    };
    Ok(match &message.content {
        OutboundContent::Text { body, .. } => {
            if body.trim().is_empty() {
                return Err(rejected("the text is empty"));
            }
            plain("text", Some(body.clone()))
        }
        OutboundContent::Media(media) => {
            if media.data.is_empty() {
                return Err(rejected("the media file is empty"));
            }
            let voice = media.kind == MediaKind::Audio && media.voice;
            Described {
                kind: if voice { "voice" } else { media.kind.as_str() },
                text: media.caption.clone(),
                reference: quoted.clone(),
                media_size: Some(media.data.len()),
                voice,
            }
        }
        OutboundContent::Location {
            latitude,
            longitude,
            name,
            ..
        } => {
            if !(-90.0..=90.0).contains(latitude) || !(-180.0..=180.0).contains(longitude) {
                return Err(rejected("the location is out of range"));
            }
            plain("location", name.clone())
        }
        OutboundContent::Contacts(cards) => {
            let Some(first) = cards.first() else {
                return Err(rejected("no contact card to send"));
            };
            plain("contacts", Some(first.display_name.clone()))
        }
        OutboundContent::Reaction {
            message_id, emoji, ..
        } => Described {
            kind: "reaction",
            text: Some(emoji.clone()),
            reference: Some(message_id.clone()),
            media_size: None,
            voice: false,
        },
    })
}

impl FakeSession {
    /// `WebSession::send`.
    pub async fn send_message(
        &self,
        to: &Jid,
        message: OutboundMessage,
        message_id: &str,
    ) -> Result<Sent, WebError> {
        let _phone = self.connected_phone().await?;
        if message_id.is_empty() {
            return Err(rejected("the message id is empty"));
        }
        let settings = &self.shared.settings;
        if to.is_group() && !settings.in_group(to.user()) {
            return Err(WebError::new(
                WebErrorKind::BadRecipient,
                format!("the phone is not a participant of the group {to}"),
            ));
        }
        if let Some(number) = to.phone_number() {
            if settings.undeliverable(number) {
                return Err(WebError::new(
                    WebErrorKind::BadRecipient,
                    format!("{number} is not on WhatsApp"),
                ));
            }
        }
        let described = describe(&message)?;
        let chat = to.to_non_device();
        let at_ms = now_millis();
        let outcome = self.shared.with_channel(&self.channel_id, |c| {
            if let Some(at) = c.sent_ids.get(message_id) {
                return Err(*at);
            }
            c.sent_ids.insert(message_id.to_string(), at_ms);
            c.sent.push(SentRecord {
                id: message_id.to_string(),
                to: chat.to_string(),
                kind: described.kind,
                text: described.text.clone(),
                quoted_id: described.reference.clone(),
                media_size: described.media_size,
                at_ms,
            });
            // In a group, receipts come from a member.
            let member = chat
                .is_group()
                .then(|| format!("1555{:07}", c.rng.random_range(0..10_000_000u32)));
            Ok(member.and_then(|m| Jid::from_phone(&m).ok()))
        });
        let member = match outcome {
            Ok(member) => member,
            // Already sent under that id: WhatsApp de-duplicates it.
            Err(first_at) => {
                return Ok(Sent {
                    message_id: message_id.to_string(),
                    at_ms: first_at,
                })
            }
        };
        if described.kind != "reaction" {
            self.receipts(chat, member, message_id.to_string(), described.voice);
        }
        Ok(Sent {
            message_id: message_id.to_string(),
            at_ms,
        })
    }

    /// Delivered after the configured delay, then read (and played, for a voice note).
    fn receipts(&self, chat: Jid, from: Option<Jid>, id: String, voice: bool) {
        let settings = self.shared.settings.clone();
        self.spawn(|s| async move {
            let ms = std::time::Duration::from_millis;
            tokio::time::sleep(ms(settings.delivered_ms)).await;
            s.receipt(&chat, &from, &id, ReceiptKind::Delivered).await;
            if !settings.read_receipts {
                return;
            }
            tokio::time::sleep(ms(settings.read_ms.saturating_sub(settings.delivered_ms))).await;
            s.receipt(&chat, &from, &id, ReceiptKind::Read).await;
            if voice {
                s.receipt(&chat, &from, &id, ReceiptKind::Played).await;
            }
        });
    }

    /// Reports one receipt now, or holds it while reconnecting.
    async fn receipt(&self, chat: &Jid, from: &Option<Jid>, id: &str, kind: ReceiptKind) {
        let mut phone = self.phone().await;
        let event = SessionEvent::Receipt {
            chat: chat.clone(),
            from: from.clone(),
            ids: vec![id.to_string()],
            kind,
            at_ms: now_millis(),
        };
        match phone.state {
            PhoneState::Connected => self.emit(&phone, event),
            PhoneState::Reconnecting => phone.held_receipts.push(event),
            _ => {}
        }
    }
}
