//! Wire mirrors of the messages a session sends and receives (bytes as base64).

use serde::{Deserialize, Serialize};

use super::Base64Bytes;
use crate::{
    ContactCard, InboundContent, InboundMedia, InboundMessage, Jid, MediaKind, OutboundContent,
    OutboundMedia, OutboundMessage, Quoted, Sent,
};

/// [`MediaKind`] on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // one variant per MediaKind
pub enum WireMediaKind {
    Image,
    Video,
    Audio,
    Document,
    Sticker,
}

impl From<MediaKind> for WireMediaKind {
    fn from(kind: MediaKind) -> Self {
        match kind {
            MediaKind::Image => Self::Image,
            MediaKind::Video => Self::Video,
            MediaKind::Audio => Self::Audio,
            MediaKind::Document => Self::Document,
            MediaKind::Sticker => Self::Sticker,
        }
    }
}

impl From<WireMediaKind> for MediaKind {
    fn from(kind: WireMediaKind) -> Self {
        match kind {
            WireMediaKind::Image => Self::Image,
            WireMediaKind::Video => Self::Video,
            WireMediaKind::Audio => Self::Audio,
            WireMediaKind::Document => Self::Document,
            WireMediaKind::Sticker => Self::Sticker,
        }
    }
}

/// [`OutboundMedia`] on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror OutboundMedia's
pub struct WireOutboundMedia {
    pub kind: WireMediaKind,
    pub data: Base64Bytes,
    pub mime_type: String,
    pub caption: Option<String>,
    pub filename: Option<String>,
    pub voice: bool,
}

/// [`ContactCard`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror ContactCard's
pub struct WireContactCard {
    pub display_name: String,
    pub vcard: String,
}

/// [`OutboundContent`] on the wire, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)] // the variants and fields mirror OutboundContent's
pub enum WireOutboundContent {
    Text {
        body: String,
        preview_url: bool,
    },
    Media {
        media: WireOutboundMedia,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        contacts: Vec<WireContactCard>,
    },
    Reaction {
        message_id: String,
        from_me: bool,
        emoji: String,
    },
}

/// [`Quoted`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror Quoted's
pub struct WireQuoted {
    pub message_id: String,
    pub sender: Option<Jid>,
    pub text: Option<String>,
}

/// [`OutboundMessage`] on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror OutboundMessage's
pub struct WireOutboundMessage {
    pub content: WireOutboundContent,
    pub quoted: Option<WireQuoted>,
}

/// [`Sent`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror Sent's
pub struct WireSent {
    pub message_id: String,
    pub at_ms: i64,
}

/// [`InboundMedia`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror InboundMedia's
pub struct WireInboundMedia {
    pub kind: WireMediaKind,
    pub mime_type: String,
    pub size: Option<u64>,
    pub voice: bool,
    pub handle: Base64Bytes,
}

/// [`InboundContent`] on the wire, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)] // the variants and fields mirror InboundContent's
pub enum WireInboundContent {
    Text {
        body: String,
    },
    Media {
        media: WireInboundMedia,
        caption: Option<String>,
        filename: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        contacts: Vec<WireContactCard>,
    },
    Reaction {
        message_id: String,
        emoji: String,
    },
    Unsupported {
        kind: String,
    },
}

/// [`InboundMessage`] on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror InboundMessage's
pub struct WireInboundMessage {
    pub id: String,
    pub chat: Jid,
    pub sender: Jid,
    pub sender_phone: Option<Jid>,
    pub from_me: bool,
    pub timestamp: i64,
    pub push_name: Option<String>,
    pub content: WireInboundContent,
    pub quoted_id: Option<String>,
}

impl From<ContactCard> for WireContactCard {
    fn from(c: ContactCard) -> Self {
        Self {
            display_name: c.display_name,
            vcard: c.vcard,
        }
    }
}

impl From<WireContactCard> for ContactCard {
    fn from(c: WireContactCard) -> Self {
        Self {
            display_name: c.display_name,
            vcard: c.vcard,
        }
    }
}

impl From<OutboundMessage> for WireOutboundMessage {
    fn from(m: OutboundMessage) -> Self {
        let content = match m.content {
            OutboundContent::Text { body, preview_url } => {
                WireOutboundContent::Text { body, preview_url }
            }
            OutboundContent::Media(media) => WireOutboundContent::Media {
                media: WireOutboundMedia {
                    kind: media.kind.into(),
                    data: media.data.into(),
                    mime_type: media.mime_type,
                    caption: media.caption,
                    filename: media.filename,
                    voice: media.voice,
                },
            },
            OutboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => WireOutboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            },
            OutboundContent::Contacts(cards) => WireOutboundContent::Contacts {
                contacts: cards.into_iter().map(Into::into).collect(),
            },
            OutboundContent::Reaction {
                message_id,
                from_me,
                emoji,
            } => WireOutboundContent::Reaction {
                message_id,
                from_me,
                emoji,
            },
        };
        Self {
            content,
            quoted: m.quoted.map(|q| WireQuoted {
                message_id: q.message_id,
                sender: q.sender,
                text: q.text,
            }),
        }
    }
}

impl From<WireOutboundMessage> for OutboundMessage {
    fn from(m: WireOutboundMessage) -> Self {
        let content = match m.content {
            WireOutboundContent::Text { body, preview_url } => {
                OutboundContent::Text { body, preview_url }
            }
            WireOutboundContent::Media { media } => OutboundContent::Media(OutboundMedia {
                kind: media.kind.into(),
                data: media.data.into(),
                mime_type: media.mime_type,
                caption: media.caption,
                filename: media.filename,
                voice: media.voice,
            }),
            WireOutboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => OutboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            },
            WireOutboundContent::Contacts { contacts } => {
                OutboundContent::Contacts(contacts.into_iter().map(Into::into).collect())
            }
            WireOutboundContent::Reaction {
                message_id,
                from_me,
                emoji,
            } => OutboundContent::Reaction {
                message_id,
                from_me,
                emoji,
            },
        };
        Self {
            content,
            quoted: m.quoted.map(|q| Quoted {
                message_id: q.message_id,
                sender: q.sender,
                text: q.text,
            }),
        }
    }
}

impl From<Sent> for WireSent {
    fn from(s: Sent) -> Self {
        Self {
            message_id: s.message_id,
            at_ms: s.at_ms,
        }
    }
}

impl From<WireSent> for Sent {
    fn from(s: WireSent) -> Self {
        Self {
            message_id: s.message_id,
            at_ms: s.at_ms,
        }
    }
}

impl From<InboundMedia> for WireInboundMedia {
    fn from(m: InboundMedia) -> Self {
        Self {
            kind: m.kind.into(),
            mime_type: m.mime_type,
            size: m.size,
            voice: m.voice,
            handle: m.handle.into(),
        }
    }
}

impl From<WireInboundMedia> for InboundMedia {
    fn from(m: WireInboundMedia) -> Self {
        Self {
            kind: m.kind.into(),
            mime_type: m.mime_type,
            size: m.size,
            voice: m.voice,
            handle: m.handle.into(),
        }
    }
}

impl From<InboundMessage> for WireInboundMessage {
    fn from(m: InboundMessage) -> Self {
        let content = match m.content {
            InboundContent::Text { body } => WireInboundContent::Text { body },
            InboundContent::Media {
                media,
                caption,
                filename,
            } => WireInboundContent::Media {
                media: media.into(),
                caption,
                filename,
            },
            InboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => WireInboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            },
            InboundContent::Contacts(cards) => WireInboundContent::Contacts {
                contacts: cards.into_iter().map(Into::into).collect(),
            },
            InboundContent::Reaction { message_id, emoji } => {
                WireInboundContent::Reaction { message_id, emoji }
            }
            InboundContent::Unsupported { kind } => WireInboundContent::Unsupported { kind },
        };
        Self {
            id: m.id,
            chat: m.chat,
            sender: m.sender,
            sender_phone: m.sender_phone,
            from_me: m.from_me,
            timestamp: m.timestamp,
            push_name: m.push_name,
            content,
            quoted_id: m.quoted_id,
        }
    }
}

impl From<WireInboundMessage> for InboundMessage {
    fn from(m: WireInboundMessage) -> Self {
        let content = match m.content {
            WireInboundContent::Text { body } => InboundContent::Text { body },
            WireInboundContent::Media {
                media,
                caption,
                filename,
            } => InboundContent::Media {
                media: media.into(),
                caption,
                filename,
            },
            WireInboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => InboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            },
            WireInboundContent::Contacts { contacts } => {
                InboundContent::Contacts(contacts.into_iter().map(Into::into).collect())
            }
            WireInboundContent::Reaction { message_id, emoji } => {
                InboundContent::Reaction { message_id, emoji }
            }
            WireInboundContent::Unsupported { kind } => InboundContent::Unsupported { kind },
        };
        Self {
            id: m.id,
            chat: m.chat,
            sender: m.sender,
            sender_phone: m.sender_phone,
            from_me: m.from_me,
            timestamp: m.timestamp,
            push_name: m.push_name,
            content,
            quoted_id: m.quoted_id,
        }
    }
}
