//! Outbound: a boundary [`OutboundMessage`] as the library's protobuf `wa::Message`.

use switchboard_web_driver::{
    ContactCard, Jid, MediaKind, OutboundContent, OutboundMedia, OutboundMessage, Quoted, WebError,
    WebErrorKind,
};
use whatsapp_rust::waproto::buffa::MessageField;
use whatsapp_rust::waproto::whatsapp as wa;

/// What an upload to the media CDN returned: the fields a media message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The CDN URL.
    pub url: String,
    /// The CDN path.
    pub direct_path: String,
    /// The media key (encrypts the file).
    pub media_key: Vec<u8>,
    /// SHA-256 of the plain file.
    pub file_sha256: Vec<u8>,
    /// SHA-256 of the encrypted file.
    pub file_enc_sha256: Vec<u8>,
    /// The plain file's size.
    pub file_length: u64,
    /// When the media key was made (unix seconds).
    pub media_key_timestamp: i64,
    /// Audio/video streaming sidecar, when the library made one.
    pub streaming_sidecar: Option<Vec<u8>>,
}

impl From<whatsapp_rust::upload::UploadResponse> for Uploaded {
    fn from(r: whatsapp_rust::upload::UploadResponse) -> Self {
        Self {
            url: r.url,
            direct_path: r.direct_path,
            media_key: r.media_key.to_vec(),
            file_sha256: r.file_sha256.to_vec(),
            file_enc_sha256: r.file_enc_sha256.to_vec(),
            file_length: r.file_length,
            media_key_timestamp: r.media_key_timestamp,
            streaming_sidecar: r.streaming_sidecar,
        }
    }
}

/// The library's media type for an upload of `kind`.
pub fn media_type(kind: MediaKind) -> whatsapp_rust::wacore::download::MediaType {
    use whatsapp_rust::wacore::download::MediaType;
    match kind {
        MediaKind::Image => MediaType::Image,
        MediaKind::Video => MediaType::Video,
        MediaKind::Audio => MediaType::Audio,
        MediaKind::Document => MediaType::Document,
        MediaKind::Sticker => MediaType::Sticker,
    }
}

/// The reply context of a message quoting `quoted` in `chat`; `me` stands for a quoted
/// message this session sent.
pub fn quote_context(quoted: &Quoted, chat: &Jid, me: Option<&Jid>) -> wa::ContextInfo {
    let participant = quoted
        .sender
        .as_ref()
        .or(me)
        .map(|jid| jid.to_non_device().to_string());
    wa::ContextInfo {
        stanza_id: Some(quoted.message_id.clone()),
        participant,
        remote_jid: chat.is_group().then(|| chat.to_string()),
        quoted_message: MessageField::some(wa::Message {
            conversation: Some(quoted.text.clone().unwrap_or_default()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The first `http(s)://` link of `text`, for the link-preview fields.
fn first_link(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|word| word.starts_with("https://") || word.starts_with("http://"))
        .map(str::to_string)
}

fn text(body: &str, preview_url: bool, context: Option<wa::ContextInfo>) -> wa::Message {
    let link = preview_url.then(|| first_link(body)).flatten();
    if context.is_none() && link.is_none() {
        // WA Web sends bare text as `conversation`.
        return wa::Message {
            conversation: Some(body.to_string()),
            ..Default::default()
        };
    }
    wa::Message {
        extended_text_message: MessageField::some(wa::message::ExtendedTextMessage {
            text: Some(body.to_string()),
            // The link the recipient's app previews; the library fetches no page, so the
            // preview carries the link itself (no title or thumbnail).
            matched_text: link.clone(),
            title: link,
            context_info: context.map(MessageField::some).unwrap_or_default(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A media message struct of type `$ty` with the upload's CDN fields set, the message's MIME
/// type, and `$extra` fields; the five kinds differ only in their extra fields.
macro_rules! uploaded_media {
    ($($ty:ident)::+, $up:expr, $mime:expr, { $($extra:tt)* }) => {
        $($ty)::+ {
            url: Some($up.url.clone()),
            direct_path: Some($up.direct_path.clone()),
            media_key: Some($up.media_key.clone()),
            file_sha256: Some($up.file_sha256.clone()),
            file_enc_sha256: Some($up.file_enc_sha256.clone()),
            file_length: Some($up.file_length),
            media_key_timestamp: Some($up.media_key_timestamp),
            mimetype: $mime,
            $($extra)*
            ..Default::default()
        }
    };
}

fn media(m: &OutboundMedia, up: &Uploaded, context: Option<wa::ContextInfo>) -> wa::Message {
    let context_info = context.map(MessageField::some).unwrap_or_default();
    let mime = Some(m.mime_type.clone());
    match m.kind {
        MediaKind::Image => wa::Message {
            image_message: MessageField::some(
                uploaded_media!(wa::message::ImageMessage, up, mime, {
                    caption: m.caption.clone(),
                    context_info,
                }),
            ),
            ..Default::default()
        },
        MediaKind::Video => wa::Message {
            video_message: MessageField::some(
                uploaded_media!(wa::message::VideoMessage, up, mime, {
                    streaming_sidecar: up.streaming_sidecar.clone(),
                    caption: m.caption.clone(),
                    context_info,
                }),
            ),
            ..Default::default()
        },
        MediaKind::Audio => wa::Message {
            audio_message: MessageField::some(
                uploaded_media!(wa::message::AudioMessage, up, mime, {
                    streaming_sidecar: up.streaming_sidecar.clone(),
                    ptt: Some(m.voice),
                    context_info,
                }),
            ),
            ..Default::default()
        },
        MediaKind::Document => wa::Message {
            document_message: MessageField::some(uploaded_media!(
                wa::message::DocumentMessage,
                up,
                mime,
                {
                    caption: m.caption.clone(),
                    file_name: m.filename.clone(),
                    title: m.filename.clone(),
                    context_info,
                }
            )),
            ..Default::default()
        },
        MediaKind::Sticker => wa::Message {
            sticker_message: MessageField::some(uploaded_media!(
                wa::message::StickerMessage,
                up,
                mime,
                { context_info, }
            )),
            ..Default::default()
        },
    }
}

fn contact(card: &ContactCard) -> wa::message::ContactMessage {
    wa::message::ContactMessage {
        display_name: Some(card.display_name.clone()),
        vcard: Some(card.vcard.clone()),
        ..Default::default()
    }
}

/// Builds the protobuf of `message` to `chat`. Media needs what its upload returned
/// (`uploaded`); `me` is this session's JID, for quotes of its own messages.
pub fn build(
    message: &OutboundMessage,
    chat: &Jid,
    me: Option<&Jid>,
    uploaded: Option<&Uploaded>,
    now_ms: i64,
) -> Result<wa::Message, WebError> {
    let context = message
        .quoted
        .as_ref()
        .map(|quoted| quote_context(quoted, chat, me));
    Ok(match &message.content {
        OutboundContent::Text { body, preview_url } => text(body, *preview_url, context),
        OutboundContent::Media(m) => {
            let up = uploaded.ok_or_else(|| {
                WebError::new(
                    WebErrorKind::Rejected,
                    "media must be uploaded before it is sent",
                )
            })?;
            media(m, up, context)
        }
        OutboundContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => wa::Message {
            location_message: MessageField::some(wa::message::LocationMessage {
                degrees_latitude: Some(*latitude),
                degrees_longitude: Some(*longitude),
                name: name.clone(),
                address: address.clone(),
                context_info: context.map(MessageField::some).unwrap_or_default(),
                ..Default::default()
            }),
            ..Default::default()
        },
        OutboundContent::Contacts(cards) => match cards.as_slice() {
            [] => {
                return Err(WebError::new(
                    WebErrorKind::Rejected,
                    "a contacts message needs at least one contact",
                ))
            }
            [card] => wa::Message {
                contact_message: MessageField::some(wa::message::ContactMessage {
                    context_info: context.map(MessageField::some).unwrap_or_default(),
                    ..contact(card)
                }),
                ..Default::default()
            },
            many => wa::Message {
                contacts_array_message: MessageField::some(wa::message::ContactsArrayMessage {
                    display_name: Some(format!("{} contacts", many.len())),
                    contacts: many.iter().map(contact).collect(),
                    context_info: context.map(MessageField::some).unwrap_or_default(),
                }),
                ..Default::default()
            },
        },
        OutboundContent::Reaction {
            message_id,
            from_me,
            emoji,
        } => wa::Message {
            reaction_message: MessageField::some(wa::message::ReactionMessage {
                key: MessageField::some(wa::MessageKey {
                    remote_jid: Some(chat.to_string()),
                    from_me: Some(*from_me),
                    id: Some(message_id.clone()),
                    participant: None,
                }),
                text: Some(emoji.clone()),
                sender_timestamp_ms: Some(now_ms),
                ..Default::default()
            }),
            ..Default::default()
        },
    })
}
