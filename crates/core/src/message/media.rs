//! Media objects: the content of image, video, audio, document and sticker messages, and
//! the media of interactive headers and template parameters.

use serde::{Deserialize, Serialize};

use super::error::{Check, MessageError, Obj};
use super::kind::MessageKind;

/// Maximum caption length (image, video, document), in characters.
pub const CAPTION_MAX: usize = 1024;

/// Where a media file comes from: exactly one of an uploaded media `id` or a public `link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaSource {
    /// `id`: a media id returned by `POST /{phone_number_id}/media` (recommended by Meta).
    Id(String),
    /// `link`: an http(s) URL the Cloud API downloads the file from.
    Link(String),
}

/// A media object `{id | link, caption?, filename?, voice?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// The file: an uploaded id or a link.
    #[serde(flatten)]
    pub source: MediaSource,
    /// Caption (image, video and document messages only), at most 1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// File name shown to the recipient (documents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// `true` to send an audio file as a voice message (audio messages only; OGG/Opus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<bool>,
}

/// Where a media object appears, which decides the fields it may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaUse {
    /// The content of a media message.
    Message,
    /// An interactive message header, a carousel card header or a template parameter.
    Embedded,
}

/// Parses the media object `o` of media type `kind` used as `usage`.
pub(crate) fn parse(o: &Obj<'_>, kind: MessageKind, usage: MediaUse) -> Check<Media> {
    let caption_ok = usage == MediaUse::Message
        && matches!(
            kind,
            MessageKind::Image | MessageKind::Video | MessageKind::Document
        );
    if !caption_ok {
        let why = if usage == MediaUse::Message {
            format!("captions are only allowed on image, video and document messages, not {kind}; remove it")
        } else {
            "media in a header or a template parameter cannot have a caption; put the text in the body instead".to_string()
        };
        o.forbid("caption", &why)?;
    }
    if kind != MessageKind::Document {
        o.forbid(
            "filename",
            &format!("filename is only allowed on documents, not {kind}; remove it"),
        )?;
    }
    if !(usage == MediaUse::Message && kind == MessageKind::Audio) {
        o.forbid(
            "voice",
            "voice is only allowed on audio messages; remove it",
        )?;
    }
    o.only(&["id", "link", "caption", "filename", "voice"])?;

    let source = match (o.opt_str("id")?, o.opt_str("link")?) {
        (Some(_), Some(_)) => {
            return Err(MessageError::invalid(
                o.path(),
                "give either `id` (an uploaded media id) or `link` (an http(s) URL), not both",
            ))
        }
        (None, None) => {
            return Err(MessageError::missing(
                o.path(),
                "`id` (an uploaded media id) or `link` (an http(s) URL) is required",
            ))
        }
        (Some(id), None) => {
            o.check_len("id", id, 1024)?;
            MediaSource::Id(id.to_string())
        }
        (None, Some(link)) => {
            o.check_url("link", link)?;
            MediaSource::Link(link.to_string())
        }
    };
    Ok(Media {
        source,
        caption: o.opt_limited("caption", CAPTION_MAX)?,
        filename: o.opt_text("filename", 1024)?,
        voice: o.opt_bool("voice")?,
    })
}
