//! Generic template messages, Messenger's and Instagram's cards: one to ten elements, each a
//! title with a subtitle, an image, a link opened by a tap on the card and up to three
//! buttons. WhatsApp has no such message; the capability map keeps it to Meta's page
//! channels.

use serde::{Deserialize, Serialize};

use crate::message::error::{Check, MessageError, Obj};

/// Maximum number of elements.
pub const ELEMENTS_MAX: usize = 10;
/// Maximum title and subtitle length, in characters.
pub const ELEMENT_TEXT_MAX: usize = 80;
/// Maximum number of buttons of an element.
pub const ELEMENT_BUTTONS_MAX: usize = 3;
/// Maximum button title length, in characters.
pub const BUTTON_TITLE_MAX: usize = 20;
/// Maximum postback payload length, in characters.
pub const PAYLOAD_MAX: usize = 1000;

/// The action of a `generic` message: `{elements:[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericAction {
    /// One to ten elements, shown as a horizontally scrolling row of cards.
    pub elements: Vec<GenericElement>,
}

/// One element (card) of a generic template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericElement {
    /// The title, at most 80 characters.
    pub title: String,
    /// The line under the title, at most 80 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// The image's http(s) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The link a tap on the card opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<DefaultAction>,
    /// Up to three buttons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<GenericButton>,
}

/// The link of a card: `{type:"web_url", url}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultAction {
    /// Always `web_url`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The http(s) URL.
    pub url: String,
}

/// A button of an element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GenericButton {
    /// Opens `url`.
    WebUrl {
        /// The label, at most 20 characters.
        title: String,
        /// The http(s) URL.
        url: String,
    },
    /// Sends `payload` back as a postback event when tapped.
    Postback {
        /// The label, at most 20 characters.
        title: String,
        /// What comes back, at most 1000 characters.
        payload: String,
    },
    /// Calls `payload`, a phone number in international format (`+…`); Messenger only.
    PhoneNumber {
        /// The label, at most 20 characters.
        title: String,
        /// The number to call, `+` and digits.
        payload: String,
    },
}

impl GenericButton {
    /// The button's label.
    pub fn title(&self) -> &str {
        match self {
            GenericButton::WebUrl { title, .. }
            | GenericButton::Postback { title, .. }
            | GenericButton::PhoneNumber { title, .. } => title,
        }
    }

    /// The wire name of its type (`web_url`, `postback`, `phone_number`).
    pub fn type_name(&self) -> &'static str {
        match self {
            GenericButton::WebUrl { .. } => "web_url",
            GenericButton::Postback { .. } => "postback",
            GenericButton::PhoneNumber { .. } => "phone_number",
        }
    }
}

fn url(o: &Obj<'_>, key: &str, hint: &str) -> Check<String> {
    let u = o.str(key, hint)?;
    o.check_url(key, u)?;
    Ok(u.to_string())
}

fn button(b: &Obj<'_>) -> Check<GenericButton> {
    let kind = b.one_of("type", &["web_url", "postback", "phone_number"])?;
    let title = b.text("title", BUTTON_TITLE_MAX, "give the button's label")?;
    Ok(match kind {
        "web_url" => {
            b.only(&["type", "title", "url"])?;
            GenericButton::WebUrl {
                title,
                url: url(b, "url", "give the http(s) URL the button opens")?,
            }
        }
        "postback" => {
            b.only(&["type", "title", "payload"])?;
            GenericButton::Postback {
                title,
                payload: b.text("payload", PAYLOAD_MAX, "give what comes back when tapped")?,
            }
        }
        _ => {
            b.only(&["type", "title", "payload"])?;
            let number = b.str("payload", "give the number to call, e.g. +15551234567")?;
            let digits = number.strip_prefix('+').unwrap_or("");
            if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err(MessageError::bad_value(
                    b.at_key("payload"),
                    "a phone_number button's payload is the number to call: + and 6 to 15 digits",
                ));
            }
            GenericButton::PhoneNumber {
                title,
                payload: number.to_string(),
            }
        }
    })
}

fn element(e: &Obj<'_>) -> Check<GenericElement> {
    e.only(&[
        "title",
        "subtitle",
        "image_url",
        "default_action",
        "buttons",
    ])?;
    let title = e.text("title", ELEMENT_TEXT_MAX, "give the card's title")?;
    let subtitle = e.opt_text("subtitle", ELEMENT_TEXT_MAX)?;
    let image_url = match e.opt_str("image_url")? {
        Some(u) => {
            e.check_url("image_url", u)?;
            Some(u.to_string())
        }
        None => None,
    };
    let default_action = match e.opt_obj("default_action")? {
        Some(d) => {
            d.only(&["type", "url"])?;
            d.one_of("type", &["web_url"])?;
            Some(DefaultAction {
                kind: "web_url".into(),
                url: url(&d, "url", "give the http(s) URL a tap on the card opens")?,
            })
        }
        None => None,
    };
    let mut buttons = Vec::new();
    if let Some(arr) = e.opt_arr("buttons")? {
        arr.count(0, ELEMENT_BUTTONS_MAX, "buttons")?;
        for b in arr.objects() {
            buttons.push(button(&b?)?);
        }
    }
    if subtitle.is_none() && image_url.is_none() && default_action.is_none() && buttons.is_empty() {
        return Err(MessageError::missing(
            e.path(),
            "a card needs more than its title: add a subtitle, an image_url, a default_action or buttons",
        ));
    }
    Ok(GenericElement {
        title,
        subtitle,
        image_url,
        default_action,
        buttons,
    })
}

/// Parses the action of a `generic` message.
pub(crate) fn parse(a: &Obj<'_>) -> Check<GenericAction> {
    a.only(&["elements"])?;
    let arr = a.arr("elements", "add one to ten elements (cards)")?;
    arr.count(1, ELEMENTS_MAX, "elements")?;
    let mut elements = Vec::with_capacity(arr.len());
    for e in arr.objects() {
        elements.push(element(&e?)?);
    }
    Ok(GenericAction { elements })
}
