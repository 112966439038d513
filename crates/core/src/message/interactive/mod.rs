//! Interactive messages: reply buttons, lists, CTA URL, location request, commerce
//! (product, product list, catalog, order details/status), flows, media carousels, and
//! Messenger's and Instagram's generic templates.

mod buttons;
mod carousel;
mod commerce;
mod cta;
mod flow;
mod generic;
mod list;

use serde::{Deserialize, Serialize};

pub use buttons::{ButtonAction, Reply, ReplyButton};
pub use carousel::{CardAction, CarouselAction, CarouselCard, QuickReplyButton};
pub use commerce::{
    CatalogAction, CatalogParameters, OrderAction, ProductAction, ProductItem, ProductListAction,
    ProductSection,
};
pub use cta::{CtaUrlAction, CtaUrlParameters, LocationRequestAction};
pub use flow::{FlowAction, FlowActionPayload, FlowParameters};
pub use generic::{DefaultAction, GenericAction, GenericButton, GenericElement};
pub use list::{ListAction, ListRow, ListSection};

use super::error::MessageError;
use super::kind::MessageKind;
use super::media::{self, Media, MediaUse};
use crate::message::error::{Check, Obj};

/// Maximum interactive body length for every type but `list`, in characters.
pub const BODY_MAX: usize = 1024;
/// Maximum `list` body length (Meta's list page), in characters.
pub const LIST_BODY_MAX: usize = 4096;
/// Maximum header text length, in characters.
pub const HEADER_TEXT_MAX: usize = 60;
/// Maximum footer text length, in characters.
pub const FOOTER_MAX: usize = 60;

/// The content of an `interactive` message: `{type, header?, body?, footer?, action}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interactive {
    /// The header (text or media, depending on the type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
    /// The body text (required by every type but `product`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// The footer text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<Footer>,
    /// `type` and `action` together.
    #[serde(flatten)]
    pub action: InteractiveAction,
}

/// The interactive type (`type`) with its `action` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "action", rename_all = "snake_case")]
pub enum InteractiveAction {
    /// Up to three reply buttons.
    Button(ButtonAction),
    /// A menu of up to ten rows in up to ten sections.
    List(ListAction),
    /// One button opening a URL.
    CtaUrl(CtaUrlAction),
    /// A "Send location" button.
    LocationRequestMessage(LocationRequestAction),
    /// One product of a catalog.
    Product(ProductAction),
    /// Up to 30 products of a catalog in sections.
    ProductList(ProductListAction),
    /// A "View catalog" button.
    CatalogMessage(CatalogAction),
    /// A WhatsApp Flow.
    Flow(FlowAction),
    /// An order with a payment request (`review_and_pay`).
    OrderDetails(OrderAction),
    /// A status update of an earlier order (`review_order`).
    OrderStatus(OrderAction),
    /// Two to ten horizontally scrolling cards.
    Carousel(CarouselAction),
    /// Messenger's and Instagram's generic template: one to ten cards with buttons.
    Generic(GenericAction),
}

impl InteractiveAction {
    /// The wire name of the interactive type, e.g. `button`.
    pub fn type_name(&self) -> &'static str {
        match self {
            InteractiveAction::Button(_) => "button",
            InteractiveAction::List(_) => "list",
            InteractiveAction::CtaUrl(_) => "cta_url",
            InteractiveAction::LocationRequestMessage(_) => "location_request_message",
            InteractiveAction::Product(_) => "product",
            InteractiveAction::ProductList(_) => "product_list",
            InteractiveAction::CatalogMessage(_) => "catalog_message",
            InteractiveAction::Flow(_) => "flow",
            InteractiveAction::OrderDetails(_) => "order_details",
            InteractiveAction::OrderStatus(_) => "order_status",
            InteractiveAction::Carousel(_) => "carousel",
            InteractiveAction::Generic(_) => "generic",
        }
    }
}

/// An interactive header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Header {
    /// `{type:"text", text}`, at most 60 characters.
    Text {
        /// The header text.
        text: String,
    },
    /// `{type:"image", image:{id|link}}`.
    Image {
        /// The image.
        image: Media,
    },
    /// `{type:"video", video:{id|link}}`.
    Video {
        /// The video.
        video: Media,
    },
    /// `{type:"document", document:{id|link, filename?}}`.
    Document {
        /// The document.
        document: Media,
    },
}

/// An interactive body `{text}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// The body text.
    pub text: String,
}

/// An interactive footer `{text}`, at most 60 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footer {
    /// The footer text.
    pub text: String,
}

/// The interactive types only Meta's page channels (Messenger, Instagram) carry; WhatsApp
/// carries every other one.
pub const PAGE_ONLY_TYPES: [&str; 1] = ["generic"];

/// Every interactive type we accept, in the order error messages list them.
pub const INTERACTIVE_TYPES: [&str; 12] = [
    "button",
    "list",
    "cta_url",
    "location_request_message",
    "product",
    "product_list",
    "catalog_message",
    "flow",
    "order_details",
    "order_status",
    "carousel",
    "generic",
];

const ANY_HEADER: &[&str] = &["text", "image", "video", "document"];
const TEXT_HEADER: &[&str] = &["text"];

/// Whether a header is refused, optional or required, and of which types.
#[derive(Clone, Copy)]
enum HeaderRule {
    Forbidden(&'static str),
    Optional(&'static [&'static str]),
    Required(&'static [&'static str]),
}

/// What a type allows around its action.
struct Rules {
    header: HeaderRule,
    /// Body maximum length and whether the body is required.
    body: (usize, bool),
    footer: bool,
}

fn rules(kind: &str) -> Rules {
    use HeaderRule::*;
    let (header, body, footer) = match kind {
        "button" | "cta_url" | "flow" | "order_details" => {
            (Optional(ANY_HEADER), (BODY_MAX, true), true)
        }
        "list" => (Optional(TEXT_HEADER), (LIST_BODY_MAX, true), true),
        "product_list" => (Required(TEXT_HEADER), (BODY_MAX, true), true),
        "product" => (
            Forbidden("a single-product message cannot have a header"),
            (BODY_MAX, false),
            true,
        ),
        "catalog_message" => (
            Forbidden("a catalog message has a fixed header; remove it"),
            (BODY_MAX, true),
            true,
        ),
        "order_status" => (
            Forbidden("an order status message cannot have a header"),
            (BODY_MAX, true),
            true,
        ),
        "location_request_message" => (
            Forbidden("a location request message cannot have a header; remove it"),
            (BODY_MAX, true),
            false,
        ),
        "generic" => (
            Forbidden(
                "a generic template cannot have a header; put the image in an element's image_url",
            ),
            (BODY_MAX, false),
            false,
        ),
        // carousel
        _ => (
            Forbidden("a carousel message cannot have a header; put media in the cards' headers"),
            (BODY_MAX, true),
            false,
        ),
    };
    Rules {
        header,
        body,
        footer,
    }
}

/// Parses a header allowing the types `allowed`.
pub(crate) fn header(o: &Obj<'_>, allowed: &[&str], max_text: usize) -> Check<Header> {
    let kind = o.str("type", &format!("set it to one of {}", allowed.join(", ")))?;
    let kind = o.check_enum("type", kind, allowed)?;
    o.only(&["type", kind])?;
    let hint = format!("add the {kind} of the header");
    if kind == "text" {
        return Ok(Header::Text {
            text: o.text("text", max_text, &hint)?,
        });
    }
    let media_kind = match kind {
        "image" => MessageKind::Image,
        "video" => MessageKind::Video,
        _ => MessageKind::Document,
    };
    let m = media::parse(&o.obj(kind, &hint)?, media_kind, MediaUse::Embedded)?;
    Ok(match media_kind {
        MessageKind::Image => Header::Image { image: m },
        MessageKind::Video => Header::Video { video: m },
        _ => Header::Document { document: m },
    })
}

/// Parses a `{text}` object of at most `max` characters.
pub(crate) fn text_object(o: &Obj<'_>, max: usize) -> Check<String> {
    o.only(&["text"])?;
    o.text("text", max, "add the text")
}

/// Parses the `interactive` object.
pub(crate) fn parse(o: &Obj<'_>) -> Check<Interactive> {
    let kind = o.str(
        "type",
        &format!("set it to one of {}", INTERACTIVE_TYPES.join(", ")),
    )?;
    if !INTERACTIVE_TYPES.contains(&kind) {
        return Err(MessageError::unsupported(
            o.at_key("type"),
            format!(
                "interactive type `{kind}` is not supported; use one of {}",
                INTERACTIVE_TYPES.join(", ")
            ),
        ));
    }
    o.only(&["type", "header", "body", "footer", "action"])?;
    let r = rules(kind);

    let header = match (r.header, o.opt_obj("header")?) {
        (HeaderRule::Forbidden(why), Some(_)) => {
            return Err(MessageError::invalid(o.at_key("header"), why))
        }
        (HeaderRule::Required(_), None) => {
            return Err(o.missing("header", &format!("a {kind} message needs a text header")))
        }
        (HeaderRule::Optional(allowed) | HeaderRule::Required(allowed), Some(h)) => {
            Some(header(&h, allowed, HEADER_TEXT_MAX)?)
        }
        (_, None) => None,
    };
    if kind == "generic" {
        o.forbid(
            "body",
            "a generic template has no body; put the text in the elements' title and subtitle",
        )?;
    }
    let (body_max, body_required) = r.body;
    let body = match o.opt_obj("body")? {
        Some(b) => Some(Body {
            text: text_object(&b, body_max)?,
        }),
        None if body_required => {
            return Err(o.missing(
                "body",
                &format!("a {kind} message needs {{\"text\": \"…\"}}"),
            ))
        }
        None => None,
    };
    if !r.footer {
        o.forbid(
            "footer",
            &format!("a {kind} message cannot have a footer; remove it"),
        )?;
    }
    let footer = match o.opt_obj("footer")? {
        Some(f) => Some(Footer {
            text: text_object(&f, FOOTER_MAX)?,
        }),
        None => None,
    };

    let a = o.obj("action", "add the action object of the message")?;
    let action = match kind {
        "button" => InteractiveAction::Button(buttons::parse(&a)?),
        "list" => InteractiveAction::List(list::parse(&a)?),
        "cta_url" => InteractiveAction::CtaUrl(cta::parse_cta_url(&a)?),
        "location_request_message" => {
            InteractiveAction::LocationRequestMessage(cta::parse_location_request(&a)?)
        }
        "product" => InteractiveAction::Product(commerce::parse_product(&a)?),
        "product_list" => InteractiveAction::ProductList(commerce::parse_product_list(&a)?),
        "catalog_message" => InteractiveAction::CatalogMessage(commerce::parse_catalog(&a)?),
        "flow" => InteractiveAction::Flow(flow::parse(&a)?),
        "order_details" => InteractiveAction::OrderDetails(commerce::parse_order_details(&a)?),
        "order_status" => InteractiveAction::OrderStatus(commerce::parse_order_status(&a)?),
        "generic" => InteractiveAction::Generic(generic::parse(&a)?),
        _ => InteractiveAction::Carousel(carousel::parse(&a)?),
    };
    Ok(Interactive {
        header,
        body,
        footer,
        action,
    })
}
