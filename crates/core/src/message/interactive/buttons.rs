//! Reply-button messages: up to three buttons.

use serde::{Deserialize, Serialize};

use crate::message::error::{Check, Obj, Unique};

/// Maximum number of reply buttons.
pub const BUTTONS_MAX: usize = 3;
/// Maximum reply button title length, in characters.
pub const BUTTON_TITLE_MAX: usize = 20;
/// Maximum reply button id length, in characters.
pub const BUTTON_ID_MAX: usize = 256;

/// The action of a `button` message: `{buttons:[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonAction {
    /// One to three reply buttons.
    pub buttons: Vec<ReplyButton>,
}

/// A reply button `{type:"reply", reply:{id, title}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyButton {
    /// The only button type of a `button` message.
    Reply {
        /// Its id and title.
        reply: Reply,
    },
}

/// The id and title of a reply or quick-reply button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// Returned in the webhook when tapped; unique within the message, at most 256 characters.
    pub id: String,
    /// The label; unique within the message, at most 20 characters.
    pub title: String,
}

/// Parses `{id, title}` of a button, checking uniqueness with `ids` and `titles`.
pub(crate) fn reply(o: &Obj<'_>, ids: &mut Unique, titles: &mut Unique) -> Check<Reply> {
    o.only(&["id", "title"])?;
    let id = o.text("id", BUTTON_ID_MAX, "give the button an id")?;
    ids.check(&o.at_key("id"), &id, "button id")?;
    let title = o.text("title", BUTTON_TITLE_MAX, "give the button a label")?;
    titles.check(&o.at_key("title"), &title, "button title")?;
    Ok(Reply { id, title })
}

/// Parses the action of a `button` message.
pub(crate) fn parse(a: &Obj<'_>) -> Check<ButtonAction> {
    a.only(&["buttons"])?;
    let arr = a.arr("buttons", "add one to three reply buttons")?;
    arr.count(1, BUTTONS_MAX, "reply buttons")?;
    let (mut ids, mut titles) = (Unique::default(), Unique::default());
    let mut buttons = Vec::with_capacity(arr.len());
    for b in arr.objects() {
        let b = b?;
        b.only(&["type", "reply"])?;
        b.one_of("type", &["reply"])?;
        let r = b.obj("reply", "add {\"id\": …, \"title\": …}")?;
        buttons.push(ReplyButton::Reply {
            reply: reply(&r, &mut ids, &mut titles)?,
        });
    }
    Ok(ButtonAction { buttons })
}
