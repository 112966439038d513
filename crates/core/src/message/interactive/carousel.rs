//! Media and product carousel messages: two to ten horizontally scrolling cards.

use serde::{Deserialize, Serialize};

use super::buttons::{reply, Reply};
use super::commerce::{parse_product, ProductAction};
use super::cta::{parse_cta_url, CtaUrlAction};
use super::{header, text_object, Body, Header};
use crate::message::error::{Check, MessageError, Obj, Unique};

/// Minimum number of cards.
pub const CARDS_MIN: usize = 2;
/// Maximum number of cards.
pub const CARDS_MAX: usize = 10;
/// Maximum card body length, in characters.
pub const CARD_BODY_MAX: usize = 160;

/// The action of a `carousel` message: `{cards:[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarouselAction {
    /// Two to ten cards, all of the same shape.
    pub cards: Vec<CarouselCard>,
}

/// One card of a carousel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarouselCard {
    /// Position, 0 to 9, unique.
    pub card_index: u32,
    /// `cta_url` (URL button), `product`, or absent for quick-reply cards.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Image or video header (media cards only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
    /// Card text, at most 160 characters (media cards only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// The card's button(s) or product.
    pub action: CardAction,
}

/// The action of a carousel card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CardAction {
    /// One URL button.
    CtaUrl(CtaUrlAction),
    /// One or more quick-reply buttons.
    QuickReplies {
        /// The buttons.
        buttons: Vec<QuickReplyButton>,
    },
    /// A product of a catalog.
    Product(ProductAction),
}

/// A quick-reply button of a card `{type:"quick_reply", quick_reply:{id, title}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuickReplyButton {
    /// The only button type of a card's button list.
    QuickReply {
        /// Its id and title.
        quick_reply: Reply,
    },
}

/// What must be the same on every card.
#[derive(PartialEq, Eq)]
struct Shape {
    header: Option<&'static str>,
    action: &'static str,
    buttons: usize,
    catalog: Option<String>,
}

fn header_name(h: &Option<Header>) -> Option<&'static str> {
    match h {
        Some(Header::Image { .. }) => Some("image"),
        Some(Header::Video { .. }) => Some("video"),
        Some(Header::Document { .. }) => Some("document"),
        Some(Header::Text { .. }) => Some("text"),
        None => None,
    }
}

fn card(c: &Obj<'_>) -> Check<(CarouselCard, Shape)> {
    c.only(&["card_index", "type", "header", "body", "action"])?;
    let card_index = c.index("card_index", 9, "number the cards from 0")?;
    let kind = match c.opt_str("type")? {
        None => None,
        Some(k) => Some(
            c.check_enum("type", k, &["cta_url", "product"])?
                .to_string(),
        ),
    };
    let a = c.obj("action", "add the card's button(s) or product")?;
    if kind.as_deref() == Some("product") {
        c.forbid(
            "header",
            "a product card shows the product image; remove the header",
        )?;
        c.forbid("body", "a product card cannot have a body; remove it")?;
        let p = parse_product(&a)?;
        let shape = Shape {
            header: None,
            action: "product",
            buttons: 0,
            catalog: Some(p.catalog_id.clone()),
        };
        let card = CarouselCard {
            card_index,
            kind,
            header: None,
            body: None,
            action: CardAction::Product(p),
        };
        return Ok((card, shape));
    }
    let h = c.obj("header", "a media card needs an image or video header")?;
    let header = Some(header(&h, &["image", "video"], 0)?);
    let body = match c.opt_obj("body")? {
        Some(b) => Some(Body {
            text: text_object(&b, CARD_BODY_MAX)?,
        }),
        None => None,
    };
    let (action, name, buttons) = if a.has("buttons") {
        if kind.is_some() {
            return Err(MessageError::invalid(
                c.at_key("type"),
                "omit type on a card with quick-reply buttons (use cta_url only for a URL button)",
            ));
        }
        a.only(&["buttons"])?;
        let arr = a.arr("buttons", "add quick-reply buttons")?;
        arr.count(1, usize::MAX, "quick-reply buttons")?;
        let (mut ids, mut titles) = (Unique::default(), Unique::default());
        let mut list = Vec::with_capacity(arr.len());
        for b in arr.objects() {
            let b = b?;
            b.only(&["type", "quick_reply"])?;
            b.one_of("type", &["quick_reply"])?;
            let r = b.obj("quick_reply", "add {\"id\": …, \"title\": …}")?;
            list.push(QuickReplyButton::QuickReply {
                quick_reply: reply(&r, &mut ids, &mut titles)?,
            });
        }
        let n = list.len();
        (CardAction::QuickReplies { buttons: list }, "quick_reply", n)
    } else {
        if kind.is_none() {
            return Err(c.missing("type", "set type to cta_url on a card with a URL button"));
        }
        (CardAction::CtaUrl(parse_cta_url(&a)?), "cta_url", 1)
    };
    let shape = Shape {
        header: header_name(&header),
        action: name,
        buttons,
        catalog: None,
    };
    Ok((
        CarouselCard {
            card_index,
            kind,
            header,
            body,
            action,
        },
        shape,
    ))
}

/// Parses the action of a `carousel` message.
pub(crate) fn parse(a: &Obj<'_>) -> Check<CarouselAction> {
    a.only(&["cards"])?;
    let arr = a.arr("cards", "add two to ten cards")?;
    arr.count(CARDS_MIN, CARDS_MAX, "cards")?;
    let mut indexes = Unique::default();
    let mut first: Option<Shape> = None;
    let mut cards = Vec::with_capacity(arr.len());
    for c in arr.objects() {
        let c = c?;
        let (card, shape) = card(&c)?;
        indexes.check(
            &c.at_key("card_index"),
            &card.card_index.to_string(),
            "card_index",
        )?;
        match &first {
            None => first = Some(shape),
            Some(f) if *f != shape => {
                return Err(MessageError::bad_value(
                    c.path(),
                    "every card must have the same header type, the same kind and number of buttons, and the same catalog as the first card",
                ))
            }
            Some(_) => {}
        }
        cards.push(card);
    }
    Ok(CarouselAction { cards })
}
