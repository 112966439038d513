//! Mark-as-read requests, optionally showing a typing indicator.

use super::error::{Check, Obj};

/// Parses `{"messaging_product":"whatsapp","status":"read","message_id":…,
/// "typing_indicator"?:{"type":"text"}}` into (message id, typing indicator asked).
pub(crate) fn parse(o: &Obj<'_>) -> Check<(String, bool)> {
    o.only(&[
        "messaging_product",
        "status",
        "message_id",
        "typing_indicator",
    ])?;
    o.one_of("status", &["read"])?;
    let message_id = o.str("message_id", "give the id of the message to mark as read")?;
    o.check_len("message_id", message_id, 512)?;
    let typing = match o.opt_obj("typing_indicator")? {
        None => false,
        Some(t) => {
            t.only(&["type"])?;
            t.one_of("type", &["text"])?;
            true
        }
    };
    Ok((message_id.to_string(), typing))
}
