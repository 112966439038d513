//! Inbound: the library's protobuf `wa::Message` as boundary [`InboundContent`], and the
//! download handle of inbound media (the encoded media message itself).

use bytes::Bytes;
use switchboard_web_driver::{ContactCard, InboundContent, InboundMedia, MediaKind};
use whatsapp_rust::wacore::proto_helpers::MessageExt;
use whatsapp_rust::waproto::buffa::{Message as _, MessageField};
use whatsapp_rust::waproto::whatsapp as wa;

/// The handle of a media message: a `wa::Message` holding only that media sub-message
/// (without its reply context), protobuf-encoded.
fn handle(only_media: wa::Message) -> Bytes {
    only_media.encode_to_bytes()
}

fn inbound_media(
    kind: MediaKind,
    mime_type: Option<&String>,
    size: Option<u64>,
    voice: bool,
    only_media: wa::Message,
) -> InboundMedia {
    InboundMedia {
        kind,
        mime_type: mime_type.cloned().unwrap_or_default(),
        size,
        voice,
        handle: handle(only_media),
    }
}

fn card(c: &wa::message::ContactMessage) -> ContactCard {
    ContactCard {
        display_name: c.display_name.clone().unwrap_or_default(),
        vcard: c.vcard.clone().unwrap_or_default(),
    }
}

/// What `message` carries (its wrappers — ephemeral, view once, document with caption,
/// edits — peeled first).
pub fn content(message: &wa::Message) -> InboundContent {
    let m = message.get_base_message();
    if let Some(text) = m.conversation.as_ref().filter(|t| !t.is_empty()) {
        return InboundContent::Text { body: text.clone() };
    }
    if let Some(ext) = m.extended_text_message.as_option() {
        return InboundContent::Text {
            body: ext.text.clone().unwrap_or_default(),
        };
    }
    if let Some(img) = m.image_message.as_option() {
        let mut only = img.clone();
        only.context_info = MessageField::none();
        let media = inbound_media(
            MediaKind::Image,
            img.mimetype.as_ref(),
            img.file_length,
            false,
            wa::Message {
                image_message: MessageField::some(only),
                ..Default::default()
            },
        );
        return InboundContent::Media {
            media,
            caption: img.caption.clone(),
            filename: None,
        };
    }
    if let Some(video) = m.video_message.as_option() {
        let mut only = video.clone();
        only.context_info = MessageField::none();
        let media = inbound_media(
            MediaKind::Video,
            video.mimetype.as_ref(),
            video.file_length,
            false,
            wa::Message {
                video_message: MessageField::some(only),
                ..Default::default()
            },
        );
        return InboundContent::Media {
            media,
            caption: video.caption.clone(),
            filename: None,
        };
    }
    if let Some(audio) = m.audio_message.as_option() {
        let mut only = audio.clone();
        only.context_info = MessageField::none();
        let media = inbound_media(
            MediaKind::Audio,
            audio.mimetype.as_ref(),
            audio.file_length,
            audio.ptt.unwrap_or(false),
            wa::Message {
                audio_message: MessageField::some(only),
                ..Default::default()
            },
        );
        return InboundContent::Media {
            media,
            caption: None,
            filename: None,
        };
    }
    if let Some(doc) = m.document_message.as_option() {
        let mut only = doc.clone();
        only.context_info = MessageField::none();
        let media = inbound_media(
            MediaKind::Document,
            doc.mimetype.as_ref(),
            doc.file_length,
            false,
            wa::Message {
                document_message: MessageField::some(only),
                ..Default::default()
            },
        );
        return InboundContent::Media {
            media,
            caption: doc.caption.clone(),
            filename: doc.file_name.clone(),
        };
    }
    if let Some(sticker) = m.sticker_message.as_option() {
        let mut only = sticker.clone();
        only.context_info = MessageField::none();
        let media = inbound_media(
            MediaKind::Sticker,
            sticker.mimetype.as_ref(),
            sticker.file_length,
            false,
            wa::Message {
                sticker_message: MessageField::some(only),
                ..Default::default()
            },
        );
        return InboundContent::Media {
            media,
            caption: None,
            filename: None,
        };
    }
    if let Some(loc) = m.location_message.as_option() {
        return InboundContent::Location {
            latitude: loc.degrees_latitude.unwrap_or_default(),
            longitude: loc.degrees_longitude.unwrap_or_default(),
            name: loc.name.clone(),
            address: loc.address.clone(),
        };
    }
    if let Some(c) = m.contact_message.as_option() {
        return InboundContent::Contacts(vec![card(c)]);
    }
    if let Some(cs) = m.contacts_array_message.as_option() {
        return InboundContent::Contacts(cs.contacts.iter().map(card).collect());
    }
    if let Some(r) = m.reaction_message.as_option() {
        return InboundContent::Reaction {
            message_id: r
                .key
                .as_option()
                .and_then(|k| k.id.clone())
                .unwrap_or_default(),
            emoji: r.text.clone().unwrap_or_default(),
        };
    }
    InboundContent::Unsupported {
        kind: unsupported_kind(m).to_string(),
    }
}

/// The name of the kind of a message Switchboard does not map.
fn unsupported_kind(m: &wa::Message) -> &'static str {
    let kinds: [(bool, &'static str); 12] = [
        (m.poll_creation_message.is_set(), "poll"),
        (m.poll_creation_message_v2.is_set(), "poll"),
        (m.poll_creation_message_v3.is_set(), "poll"),
        (m.poll_update_message.is_set(), "poll_update"),
        (m.live_location_message.is_set(), "live_location"),
        (m.protocol_message.is_set(), "protocol"),
        (m.call.is_set(), "call"),
        (m.group_invite_message.is_set(), "group_invite"),
        (m.buttons_response_message.is_set(), "buttons_response"),
        (m.list_response_message.is_set(), "list_response"),
        (m.template_message.is_set(), "template"),
        (
            m.sender_key_distribution_message.is_set(),
            "sender_key_distribution",
        ),
    ];
    kinds
        .iter()
        .find(|(set, _)| *set)
        .map(|(_, name)| *name)
        .unwrap_or("unknown")
}

/// The id of the message `message` replies to, from its context info.
pub fn quoted_id(message: &wa::Message) -> Option<String> {
    let m = message.get_base_message();
    let contexts = [
        m.extended_text_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.image_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.video_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.audio_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.document_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.sticker_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.location_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.contact_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.contacts_array_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
    ];
    contexts
        .into_iter()
        .flatten()
        .find_map(|ctx| ctx.stanza_id.clone().filter(|id| !id.is_empty()))
}

/// The media sub-message a download handle holds, decoded.
pub fn decode_handle(handle: &[u8]) -> Option<wa::Message> {
    wa::Message::decode_from_slice(handle).ok()
}
