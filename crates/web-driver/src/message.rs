//! Messages as a session sends and receives them: already resolved (media as bytes,
//! addresses as JIDs), independent of the protocol library's types.

use bytes::Bytes;

use crate::Jid;

/// The kind of a media message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A picture.
    Image,
    /// A video.
    Video,
    /// An audio file (a voice note when [`OutboundMedia::voice`] is set).
    Audio,
    /// A document (any file).
    Document,
    /// A sticker (WebP).
    Sticker,
}

impl MediaKind {
    /// The canonical (Cloud API) name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }
}

/// A media file to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMedia {
    /// Its kind.
    pub kind: MediaKind,
    /// The file's bytes (the driver encrypts and uploads them).
    pub data: Bytes,
    /// Its MIME type.
    pub mime_type: String,
    /// The caption (image, video, document).
    pub caption: Option<String>,
    /// The file name (document).
    pub filename: Option<String>,
    /// For audio: send as a voice note (push-to-talk), which reports `played`.
    pub voice: bool,
}

/// A contact card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCard {
    /// The name shown on the card.
    pub display_name: String,
    /// The vCard 3.0 text.
    pub vcard: String,
}

/// What an outbound message carries.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboundContent {
    /// Text.
    Text {
        /// The text.
        body: String,
        /// Whether to attach a link preview.
        preview_url: bool,
    },
    /// A media file.
    Media(OutboundMedia),
    /// A location pin.
    Location {
        /// Latitude.
        latitude: f64,
        /// Longitude.
        longitude: f64,
        /// The place's name.
        name: Option<String>,
        /// Its address.
        address: Option<String>,
    },
    /// One or more contact cards.
    Contacts(Vec<ContactCard>),
    /// A reaction to an earlier message (an empty emoji removes it).
    Reaction {
        /// The WhatsApp id of the message reacted to.
        message_id: String,
        /// Whether that message was sent by this session.
        from_me: bool,
        /// The emoji, or empty to remove the reaction.
        emoji: String,
    },
}

/// The message a reply quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    /// Its WhatsApp id.
    pub message_id: String,
    /// Who sent it (in a group, the member; `None`: this session).
    pub sender: Option<Jid>,
    /// Its text, shown in the quote bubble, when known.
    pub text: Option<String>,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundMessage {
    /// What it carries.
    pub content: OutboundContent,
    /// The message it replies to.
    pub quoted: Option<Quoted>,
}

/// What the server answered to a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The WhatsApp message id (the one asked for).
    pub message_id: String,
    /// When the server took it (milliseconds since the epoch).
    pub at_ms: i64,
}

/// Media of an inbound message, downloadable through
/// [`WebSession::download`](crate::WebSession::download).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMedia {
    /// Its kind.
    pub kind: MediaKind,
    /// Its MIME type.
    pub mime_type: String,
    /// Its size in bytes, when announced.
    pub size: Option<u64>,
    /// Whether an audio is a voice note.
    pub voice: bool,
    /// What the driver needs to download it (opaque to Switchboard).
    pub handle: Bytes,
}

/// What an inbound message carries.
#[derive(Debug, Clone, PartialEq)]
pub enum InboundContent {
    /// Text.
    Text {
        /// The text.
        body: String,
    },
    /// A media file.
    Media {
        /// The media.
        media: InboundMedia,
        /// The caption.
        caption: Option<String>,
        /// The file name (document).
        filename: Option<String>,
    },
    /// A location pin.
    Location {
        /// Latitude.
        latitude: f64,
        /// Longitude.
        longitude: f64,
        /// The place's name.
        name: Option<String>,
        /// Its address.
        address: Option<String>,
    },
    /// Contact cards.
    Contacts(Vec<ContactCard>),
    /// A reaction (an empty emoji removed one).
    Reaction {
        /// The WhatsApp id of the message reacted to.
        message_id: String,
        /// The emoji.
        emoji: String,
    },
    /// A kind Switchboard does not map (poll, call log, …): kept with its type name.
    Unsupported {
        /// The upstream's name of the kind.
        kind: String,
    },
}

/// A message received by a session.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// Its WhatsApp id (unique per chat and sender).
    pub id: String,
    /// The chat: the person, or the group.
    pub chat: Jid,
    /// Who sent it (in a group, the member; else the person).
    pub sender: Jid,
    /// The sender's phone-number JID when `sender` is a LID and the mapping is known.
    pub sender_phone: Option<Jid>,
    /// Whether this account sent it (from the phone itself).
    pub from_me: bool,
    /// When it was sent (seconds since the epoch).
    pub timestamp: i64,
    /// The sender's profile name.
    pub push_name: Option<String>,
    /// What it carries.
    pub content: InboundContent,
    /// The id of the message it replies to.
    pub quoted_id: Option<String>,
}
