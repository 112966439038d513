//! The message types of the Cloud API (`type` of a message).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A message type, the value of the top-level `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// `text`
    Text,
    /// `image`
    Image,
    /// `video`
    Video,
    /// `audio`
    Audio,
    /// `document`
    Document,
    /// `sticker`
    Sticker,
    /// `location`
    Location,
    /// `contacts`
    Contacts,
    /// `interactive`
    Interactive,
    /// `template`
    Template,
    /// `reaction`
    Reaction,
}

impl MessageKind {
    /// Every kind, in the order Meta's docs list them.
    pub const ALL: [MessageKind; 11] = [
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Video,
        MessageKind::Audio,
        MessageKind::Document,
        MessageKind::Sticker,
        MessageKind::Location,
        MessageKind::Contacts,
        MessageKind::Interactive,
        MessageKind::Template,
        MessageKind::Reaction,
    ];

    /// The wire name, which is also the name of the message's content field.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Video => "video",
            MessageKind::Audio => "audio",
            MessageKind::Document => "document",
            MessageKind::Sticker => "sticker",
            MessageKind::Location => "location",
            MessageKind::Contacts => "contacts",
            MessageKind::Interactive => "interactive",
            MessageKind::Template => "template",
            MessageKind::Reaction => "reaction",
        }
    }

    /// The kind named `s` (exact, lowercase), if any.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the kind carries a media object (image, video, audio, document, sticker).
    pub fn is_media(self) -> bool {
        matches!(
            self,
            MessageKind::Image
                | MessageKind::Video
                | MessageKind::Audio
                | MessageKind::Document
                | MessageKind::Sticker
        )
    }

    /// Whether messages of this kind may be sent outside the 24-hour customer-service
    /// window. Per Meta, only `template` can.
    pub fn allowed_outside_window(self) -> bool {
        self == MessageKind::Template
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
