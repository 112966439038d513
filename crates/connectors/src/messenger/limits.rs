//! The Send API limits, checked before any upstream call, and the error that names the
//! canonical field at fault.

use super::Platform;

/// Messenger text: fewer than 2000 characters.
pub const MESSENGER_TEXT_MAX_CHARS: usize = 1999;
/// Instagram text: at most 1000 bytes of UTF-8.
pub const INSTAGRAM_TEXT_MAX_BYTES: usize = 1000;
/// Quick replies per message.
pub const QUICK_REPLIES_MAX: usize = 13;
/// Quick reply and button titles, in characters (Instagram truncates longer quick-reply
/// titles; they are refused rather than cut).
pub const TITLE_MAX: usize = 20;
/// Quick reply and postback payloads, in characters.
pub const PAYLOAD_MAX: usize = 1000;
/// Button template text, in characters.
pub const BUTTON_TEMPLATE_TEXT_MAX: usize = 640;
/// Buttons of a button template.
pub const BUTTONS_MAX: usize = 3;

/// Why a canonical message cannot go to Messenger or Instagram as it is: the canonical field
/// at fault (`text.body`, `interactive.action.buttons[3].reply.title`, `tag`, …) and what to
/// change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct LimitError {
    /// The JSON path of the field at fault in the canonical body.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl LimitError {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Checks a text sent as a message's `text` (plain, quick replies) against the platform's
/// limit.
pub(crate) fn text(platform: Platform, field: &str, text: &str) -> Result<(), LimitError> {
    if text.trim().is_empty() {
        return Err(LimitError::new(field, "must not be empty"));
    }
    match platform {
        Platform::Messenger if text.chars().count() > MESSENGER_TEXT_MAX_CHARS => {
            Err(LimitError::new(
                field,
                format!(
                    "Messenger texts must be shorter than 2000 characters, this one has {}; shorten it or split it",
                    text.chars().count()
                ),
            ))
        }
        Platform::Instagram if text.len() > INSTAGRAM_TEXT_MAX_BYTES => Err(LimitError::new(
            field,
            format!(
                "Instagram texts are at most {INSTAGRAM_TEXT_MAX_BYTES} bytes of UTF-8, this one has {}; shorten it or split it",
                text.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// At most `max` characters, not empty.
pub(crate) fn short(field: &str, value: &str, max: usize, what: &str) -> Result<(), LimitError> {
    let n = value.chars().count();
    if value.trim().is_empty() {
        return Err(LimitError::new(field, format!("{what} must not be empty")));
    }
    if n > max {
        return Err(LimitError::new(
            field,
            format!(
                "{what} is at most {max} characters on Messenger and Instagram, this one has {n}"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_differ_by_platform() {
        let m = "é".repeat(1999);
        assert!(text(Platform::Messenger, "text.body", &m).is_ok());
        assert!(text(Platform::Messenger, "text.body", &"a".repeat(2000)).is_err());
        assert!(text(Platform::Instagram, "text.body", &"a".repeat(1000)).is_ok());
        let e = text(Platform::Instagram, "text.body", &"é".repeat(501)).expect_err("bytes");
        assert_eq!(e.field, "text.body");
        assert!(e.message.contains("1002"), "{e}");
        assert!(text(Platform::Messenger, "text.body", " ").is_err());
    }

    #[test]
    fn short_fields() {
        assert!(short("t", &"a".repeat(20), TITLE_MAX, "a title").is_ok());
        let e = short("t", &"a".repeat(21), TITLE_MAX, "a title").expect_err("long");
        assert_eq!(
            e.to_string(),
            "t: a title is at most 20 characters on Messenger and Instagram, this one has 21"
        );
        assert!(short("t", "", TITLE_MAX, "a title").is_err());
    }
}
