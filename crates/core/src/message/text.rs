//! Text messages.

use serde::{Deserialize, Serialize};

use super::error::{Check, Obj};

/// Maximum text message body length, in characters.
pub const TEXT_BODY_MAX: usize = 4096;

/// The content of a `text` message: `{body, preview_url?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// The message text, 1 to 4096 characters. URLs are rendered as links.
    pub body: String,
    /// Whether to draw a preview of the first http(s) URL in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<bool>,
}

/// Parses the `text` object.
pub(crate) fn parse(o: &Obj<'_>) -> Check<Text> {
    o.only(&["body", "preview_url"])?;
    Ok(Text {
        body: o.text("body", TEXT_BODY_MAX, "add the message text")?,
        preview_url: o.opt_bool("preview_url")?,
    })
}
