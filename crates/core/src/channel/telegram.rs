//! Telegram rules the send path and the inbound path share: the local limits checked before
//! a message is accepted, and how a reply id too long for `callback_data` (1–64 bytes) is
//! carried as a short token and resolved back when the user taps.
//!
//! A reply id (button `reply.id`, list `rows[].id`) of at most 64 bytes that does not start
//! with [`TOKEN_PREFIX`] is sent as is. Any other id is sent as `~` and the first 40 hex
//! digits of its SHA-256; a tap carrying such a token is resolved by hashing the ids of the
//! tapped message's own buttons (the message is found by its upstream id), so no table is
//! needed and the original id comes back.

use sha2::{Digest, Sha256};

use crate::message::{Header, MediaSource, MessageContent, MessageError};

/// Most bytes of an inline button's `callback_data`.
pub const CALLBACK_DATA_MAX: usize = 64;
/// Most characters of a text message.
pub const TEXT_MAX: usize = 4096;
/// Most characters of a media caption.
pub const CAPTION_MAX: usize = 1024;
/// The first character of a callback token standing for a longer id.
pub const TOKEN_PREFIX: char = '~';

/// The `callback_data` carrying reply id `id`.
pub fn callback_data(id: &str) -> String {
    if id.len() <= CALLBACK_DATA_MAX && !id.starts_with(TOKEN_PREFIX) {
        return id.to_string();
    }
    let digest = hex::encode(Sha256::digest(id.as_bytes()));
    format!("{TOKEN_PREFIX}{}", &digest[..40])
}

/// The reply id among `ids` that `data` stands for: `data` itself when it is no token, else
/// the id whose token it is (`None` when none matches).
pub fn resolve_callback<'a>(
    data: &'a str,
    ids: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    if !data.starts_with(TOKEN_PREFIX) {
        return Some(data.to_string());
    }
    ids.into_iter()
        .find(|id| callback_data(id) == data)
        .map(str::to_string)
}

/// The reply ids of an interactive message body (Cloud shape): its buttons' and rows' ids.
pub fn reply_ids(body: &serde_json::Value) -> Vec<&str> {
    let action = &body["interactive"]["action"];
    let buttons = action["buttons"].as_array().into_iter().flatten();
    let button_ids = buttons.filter_map(|b| b["reply"]["id"].as_str());
    let rows = action["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["rows"].as_array().into_iter().flatten());
    button_ids
        .chain(rows.filter_map(|r| r["id"].as_str()))
        .collect()
}

fn too_long(path: &str, what: &str, max: usize, len: usize) -> MessageError {
    MessageError::invalid(
        path,
        format!("{what} has {len} characters; Telegram allows at most {max}"),
    )
}

/// Checks what Telegram cannot take although the Cloud API could: captions over 1024
/// characters, several contact cards in one message (Telegram's `sendContact` sends one: send
/// them one by one), a contact card without a phone number, and an interactive media header
/// given by id rather than link or whose body and footer exceed a caption (the message is
/// then sent as the media with its caption and the inline keyboard).
pub fn check(content: &MessageContent) -> Result<(), MessageError> {
    let caption = |path: &str, c: &Option<String>| match c {
        Some(c) if c.chars().count() > CAPTION_MAX => Err(too_long(
            path,
            "the caption",
            CAPTION_MAX,
            c.chars().count(),
        )),
        _ => Ok(()),
    };
    match content {
        MessageContent::Text { text } if text.body.chars().count() > TEXT_MAX => Err(too_long(
            "text.body",
            "the text",
            TEXT_MAX,
            text.body.chars().count(),
        )),
        MessageContent::Image { image: m } => caption("image.caption", &m.caption),
        MessageContent::Video { video: m } => caption("video.caption", &m.caption),
        MessageContent::Document { document: m } => caption("document.caption", &m.caption),
        MessageContent::Audio { audio: m } => caption("audio.caption", &m.caption),
        MessageContent::Contacts { contacts } if contacts.len() > 1 => Err(MessageError::invalid(
            "contacts",
            format!(
                "Telegram sends one contact per message ({} given): send each contact as its own message",
                contacts.len()
            ),
        )),
        MessageContent::Contacts { contacts } => {
            let has_phone = contacts
                .first()
                .is_some_and(|c| c.phones.iter().any(|p| p.phone.is_some()));
            if has_phone {
                Ok(())
            } else {
                Err(MessageError::invalid(
                    "contacts[0].phones",
                    "Telegram's sendContact needs a phone number: give the contact one in phones[0].phone",
                ))
            }
        }
        MessageContent::Interactive { interactive } => {
            let media = match &interactive.header {
                None | Some(Header::Text { .. }) => return Ok(()),
                Some(Header::Image { image: m })
                | Some(Header::Video { video: m })
                | Some(Header::Document { document: m }) => m,
            };
            if !matches!(media.source, MediaSource::Link(_)) {
                return Err(MessageError::invalid(
                    "interactive.header",
                    "a Telegram media header above buttons takes a link: give the file's http(s) link, or send the media as its own message",
                ));
            }
            let text: usize = [
                interactive.body.as_ref().map(|b| b.text.chars().count()),
                interactive.footer.as_ref().map(|f| f.text.chars().count() + 2),
            ]
            .into_iter()
            .flatten()
            .sum();
            if text > CAPTION_MAX {
                return Err(too_long(
                    "interactive.body.text",
                    "under a media header the body and footer become the caption, which",
                    CAPTION_MAX,
                    text,
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_pass_and_long_ones_become_tokens_that_resolve_back() {
        assert_eq!(callback_data("yes"), "yes");
        let long = "x".repeat(65);
        let token = callback_data(&long);
        assert!(token.len() <= CALLBACK_DATA_MAX && token.starts_with('~'));
        assert_eq!(callback_data("~tilde"), callback_data("~tilde"));
        assert_ne!(callback_data("~tilde"), "~tilde");
        let ids = ["yes", long.as_str(), "~tilde"];
        assert_eq!(resolve_callback(&token, ids), Some(long.clone()));
        assert_eq!(resolve_callback("yes", ids), Some("yes".into()));
        assert_eq!(
            resolve_callback(&callback_data("~tilde"), ids),
            Some("~tilde".into())
        );
        assert_eq!(resolve_callback("~0000", ids), None);
    }

    #[test]
    fn reply_ids_of_buttons_and_lists() {
        let b = serde_json::json!({"interactive": {"action": {"buttons": [
            {"type": "reply", "reply": {"id": "a", "title": "A"}}]}}});
        assert_eq!(reply_ids(&b), vec!["a"]);
        let l = serde_json::json!({"interactive": {"action": {"sections": [
            {"rows": [{"id": "r1", "title": "R"}, {"id": "r2", "title": "S"}]}]}}});
        assert_eq!(reply_ids(&l), vec!["r1", "r2"]);
    }
}
