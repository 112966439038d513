//! Reaction messages.

use serde::{Deserialize, Serialize};

use super::error::{Check, MessageError, Obj};

/// The content of a `reaction` message: `{message_id, emoji}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// The id (`wamid.…`) of the message reacted to.
    pub message_id: String,
    /// One emoji, or `""` to remove an earlier reaction.
    pub emoji: String,
}

impl Reaction {
    /// Whether this reaction removes an earlier one (`emoji` is empty).
    pub fn is_removal(&self) -> bool {
        self.emoji.is_empty()
    }
}

/// Whether `s` is exactly one emoji (any skin tone or variation selector).
pub fn is_single_emoji(s: &str) -> bool {
    emojis::get(s).is_some()
}

/// Parses the `reaction` object.
pub(crate) fn parse(o: &Obj<'_>) -> Check<Reaction> {
    o.only(&["message_id", "emoji"])?;
    let message_id = o.str("message_id", "give the id of the message to react to")?;
    o.check_len("message_id", message_id, 512)?;
    let emoji = o.str("emoji", "give one emoji, or \"\" to remove the reaction")?;
    if !emoji.is_empty() && !is_single_emoji(emoji) {
        return Err(MessageError::bad_value(
            o.at_key("emoji"),
            format!("must be exactly one emoji, or \"\" to remove the reaction; got `{emoji}`"),
        ));
    }
    Ok(Reaction {
        message_id: message_id.to_string(),
        emoji: emoji.to_string(),
    })
}
