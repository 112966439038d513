//! The canonical message model: Meta's Cloud API message object, parsed and validated.
//!
//! [`parse_request`] takes a body posted to `POST /{version}/{phone_number_id}/messages` —
//! a message to send or a mark-as-read — and either returns it typed, with the canonical
//! wire body, or the *first* violation as a [`MessageError`] carrying Meta's code (100,
//! 131008, 131009, 131051) and the JSON path at fault. Lengths count Unicode scalar
//! values. Nothing here panics, whatever the input.

mod contacts;
mod currency;
mod error;
mod graph_input;
mod idempotency;
mod interactive;
mod kind;
mod location;
mod media;
mod reaction;
mod read;
mod template;
mod text;
pub mod text_fallback;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use contacts::{
    Contact, ContactAddress, ContactEmail, ContactName, ContactOrg, ContactPhone, ContactUrl,
    CONTACTS_MAX,
};
pub use currency::is_currency_code;
pub use error::{
    title_for, MessageError, MetaError, MetaErrorBody, MetaErrorData, INVALID_PARAMETER,
    INVALID_VALUE, MISSING_PARAMETER, UNSUPPORTED_TYPE,
};
pub use idempotency::IdempotencyKey;
pub use interactive::{
    Body, ButtonAction, CardAction, CarouselAction, CarouselCard, CatalogAction, CatalogParameters,
    CtaUrlAction, CtaUrlParameters, DefaultAction, FlowAction, FlowActionPayload, FlowParameters,
    Footer, GenericAction, GenericButton, GenericElement, Header, Interactive, InteractiveAction,
    ListAction, ListRow, ListSection, LocationRequestAction, OrderAction, ProductAction,
    ProductItem, ProductListAction, ProductSection, QuickReplyButton, Reply, ReplyButton, BODY_MAX,
    FOOTER_MAX, HEADER_TEXT_MAX, INTERACTIVE_TYPES, LIST_BODY_MAX, PAGE_ONLY_TYPES,
};
pub use kind::MessageKind;
pub use location::Location;
pub use media::{Media, MediaSource, CAPTION_MAX};
pub use reaction::{is_single_emoji, Reaction};
pub use template::{
    Component, Currency, DateTime, Language, Parameter, Template, TemplateCard, TemplateRef,
    BUTTON_SUB_TYPES, COMPONENT_TYPES,
};
pub use text::{Text, TEXT_BODY_MAX};

use crate::address::Address;
use crate::channel::capability::AddressForm;
use crate::json_reader::Path;
use crate::recipient::WaId;
use error::{Check, Obj};

/// Maximum length of `biz_opaque_callback_data`, in characters.
pub const CALLBACK_DATA_MAX: usize = 512;

/// A request body accepted on `POST /{version}/{phone_number_id}/messages`.
// One value per request, moved once: boxing the send would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum CloudRequest {
    /// A message to send.
    Send(OutboundMessage),
    /// `{"messaging_product":"whatsapp","status":"read","message_id":…}`.
    MarkRead {
        /// The inbound message being marked as read.
        message_id: String,
        /// Whether a typing indicator was asked for as well (`typing_indicator:{type:"text"}`).
        typing_indicator: bool,
    },
}

/// A validated outbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundMessage {
    /// The recipient exactly as the client wrote it (echoed as `contacts[].input`; a JSON
    /// integer `to` as its decimal string).
    pub to_input: String,
    /// The recipient in the channel's address form: for WhatsApp kinds its WhatsApp id
    /// (digits only, country code first), for Telegram the `chat_id` as a string.
    pub address: Address,
    /// The message type (`text`, `image`, `interactive`, `template`, …).
    pub kind: String,
    /// The message as it goes on the wire to the Cloud API: the input with `to` normalized
    /// to `wa_id`, `messaging_product`, `recipient_type` (default `individual`) and `type`
    /// always present.
    pub body: Value,
    /// `context.message_id`, when the message quotes another one.
    pub context_message_id: Option<String>,
    /// The typed content.
    pub content: MessageContent,
    /// The template used, for `template` messages.
    pub template: Option<TemplateRef>,
}

impl OutboundMessage {
    /// The message type.
    pub fn message_kind(&self) -> MessageKind {
        self.content.kind()
    }

    /// The recipient as a [`WaId`] (the digits of `address`), for messages parsed in a
    /// WhatsApp address form.
    pub fn recipient(&self) -> WaId {
        WaId::from_normalized(self.address.as_str().to_string())
    }

    /// Whether this is a template message (allowed outside the 24-hour window).
    pub fn is_template(&self) -> bool {
        self.template.is_some()
    }

    /// Whether this is a free-form message: anything but a template, which WhatsApp only
    /// delivers inside the 24-hour customer-service window.
    pub fn is_free_form(&self) -> bool {
        !self.is_template()
    }
}

/// The typed content of a message, serialized like the wire: `{"type":"text","text":{…}}`.
// One value per message; the interactive variant is the largest and also the most common.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum MessageContent {
    /// A text message.
    Text {
        /// Its content.
        text: Text,
    },
    /// An image with an optional caption.
    Image {
        /// The image.
        image: Media,
    },
    /// A video with an optional caption.
    Video {
        /// The video.
        video: Media,
    },
    /// An audio file or voice message.
    Audio {
        /// The audio.
        audio: Media,
    },
    /// A document with an optional caption and file name.
    Document {
        /// The document.
        document: Media,
    },
    /// A sticker.
    Sticker {
        /// The sticker.
        sticker: Media,
    },
    /// A place.
    Location {
        /// The place.
        location: Location,
    },
    /// One to five contact cards.
    Contacts {
        /// The cards.
        contacts: Vec<Contact>,
    },
    /// Buttons, lists, flows, commerce and carousels.
    Interactive {
        /// The message.
        interactive: Interactive,
    },
    /// An approved template with its values.
    Template {
        /// The template.
        template: Template,
    },
    /// A reaction to an earlier message.
    Reaction {
        /// The reaction.
        reaction: Reaction,
    },
}

impl MessageContent {
    /// The message type.
    pub fn kind(&self) -> MessageKind {
        match self {
            MessageContent::Text { .. } => MessageKind::Text,
            MessageContent::Image { .. } => MessageKind::Image,
            MessageContent::Video { .. } => MessageKind::Video,
            MessageContent::Audio { .. } => MessageKind::Audio,
            MessageContent::Document { .. } => MessageKind::Document,
            MessageContent::Sticker { .. } => MessageKind::Sticker,
            MessageContent::Location { .. } => MessageKind::Location,
            MessageContent::Contacts { .. } => MessageKind::Contacts,
            MessageContent::Interactive { .. } => MessageKind::Interactive,
            MessageContent::Template { .. } => MessageKind::Template,
            MessageContent::Reaction { .. } => MessageKind::Reaction,
        }
    }
}

/// Top-level fields of a send besides the content fields (one per [`MessageKind`]).
const ENVELOPE_FIELDS: [&str; 6] = [
    "messaging_product",
    "recipient_type",
    "to",
    "type",
    "context",
    "biz_opaque_callback_data",
];

/// Top-level fields only Messenger and Instagram sends take: the Send API's `messaging_type`
/// and `tag` (`HUMAN_AGENT`), validated by the channel's connector rules and kept in the body.
const PAGE_ENVELOPE_FIELDS: [&str; 2] = ["messaging_type", "tag"];

/// The extra envelope fields of the address form `form`'s platform.
fn page_envelope_fields(form: AddressForm) -> &'static [&'static str] {
    match form {
        AddressForm::Psid | AddressForm::Igsid => &PAGE_ENVELOPE_FIELDS,
        _ => &[],
    }
}

/// Parses and validates a Cloud API request body (a send or a mark-as-read).
pub fn parse_request(value: &Value) -> Result<CloudRequest, MessageError> {
    parse_request_to(value, AddressForm::WaId)
}

/// Parses and validates a request body whose `to` is in the address form `form`.
pub fn parse_request_to(value: &Value, form: AddressForm) -> Result<CloudRequest, MessageError> {
    let plain = graph_input::plain(value)?;
    let o = Obj::at(&plain, Path::root())?;
    let product = o.str("messaging_product", "set it to \"whatsapp\"")?;
    if product != "whatsapp" {
        return Err(MessageError::invalid(
            o.at_key("messaging_product"),
            format!("must be \"whatsapp\", got `{product}`"),
        ));
    }
    if o.has("status") {
        let (message_id, typing_indicator) = read::parse(&o)?;
        return Ok(CloudRequest::MarkRead {
            message_id,
            typing_indicator,
        });
    }
    parse_send(&o, form).map(CloudRequest::Send)
}

/// Parses a message to a WhatsApp recipient; a mark-as-read body is refused.
pub fn parse_message(value: &Value) -> Result<OutboundMessage, MessageError> {
    parse_message_to(value, AddressForm::WaId)
}

/// Parses a message whose `to` is in the address form `form` (a channel kind's,
/// [`Capabilities::address`](crate::channel::Capabilities)); a mark-as-read body is refused.
pub fn parse_message_to(value: &Value, form: AddressForm) -> Result<OutboundMessage, MessageError> {
    match parse_request_to(value, form)? {
        CloudRequest::Send(m) => Ok(m),
        CloudRequest::MarkRead { .. } => Err(MessageError::invalid(
            "status",
            "a mark-as-read request is not a message; remove status or send it as a read receipt",
        )),
    }
}

/// The message type: `type`, or inferred from the one content field present (Meta's
/// examples sometimes omit `type`; a body without any content field defaults to `text`).
fn message_kind(o: &Obj<'_>) -> Check<MessageKind> {
    let names = MessageKind::ALL.map(MessageKind::as_str);
    if let Some(t) = o.opt_str("type")? {
        return MessageKind::from_name(t).ok_or_else(|| {
            MessageError::unsupported(
                o.at_key("type"),
                format!(
                    "message type `{t}` is not supported; use one of {}",
                    names.join(", ")
                ),
            )
        });
    }
    let present: Vec<MessageKind> = MessageKind::ALL
        .into_iter()
        .filter(|k| o.has(k.as_str()))
        .collect();
    match present.as_slice() {
        [] => Ok(MessageKind::Text),
        [one] => Ok(*one),
        many => Err(o.missing(
            "type",
            &format!(
                "the body carries several message kinds ({}); set type to the one to send",
                many.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn parse_send(o: &Obj<'_>, form: AddressForm) -> Check<OutboundMessage> {
    let kind = message_kind(o)?;
    let allowed: Vec<&str> = ENVELOPE_FIELDS
        .iter()
        .copied()
        .chain(MessageKind::ALL.iter().map(|k| k.as_str()))
        .chain(page_envelope_fields(form).iter().copied())
        .collect();
    o.only(&allowed)?;
    match o.opt_str("recipient_type")? {
        None | Some("individual") => {}
        Some("group") => {
            return Err(MessageError::invalid(
                o.at_key("recipient_type"),
                "groups are not supported on this channel kind; send to an individual (recipient_type \"individual\")",
            ))
        }
        Some(other) => {
            return Err(MessageError::bad_value(
                o.at_key("recipient_type"),
                format!("must be \"individual\", got `{other}`"),
            ))
        }
    }
    let (to_input, address) = recipient(o, form)?;

    let name = kind.as_str();
    if let Some(other) = MessageKind::ALL
        .into_iter()
        .find(|k| *k != kind && o.has(k.as_str()))
    {
        return Err(MessageError::invalid(
            o.at_key(other.as_str()),
            format!(
                "is not allowed in a {name} message; remove it or set type to {}",
                other.as_str()
            ),
        ));
    }
    if !o.has(name) {
        return Err(o.missing(name, &format!("a {name} message needs its {name} content")));
    }

    let context_message_id = match o.opt_obj("context")? {
        None => None,
        Some(c) => {
            c.only(&["message_id"])?;
            let id = c.str("message_id", "give the id of the message to quote")?;
            c.check_len("message_id", id, 512)?;
            Some(id.to_string())
        }
    };
    o.opt_limited("biz_opaque_callback_data", CALLBACK_DATA_MAX)?;

    let content = parse_content(o, kind)?;
    let template = match &content {
        MessageContent::Template { template } => Some(template.reference()),
        _ => None,
    };

    let mut body = o.map().clone();
    body.insert("messaging_product".into(), Value::from("whatsapp"));
    body.entry("recipient_type")
        .or_insert_with(|| Value::from("individual"));
    body.insert("to".into(), Value::from(address.as_str()));
    body.insert("type".into(), Value::from(name));

    Ok(OutboundMessage {
        to_input,
        address,
        kind: name.to_string(),
        body: Value::Object(body),
        context_message_id,
        content,
        template,
    })
}

/// `to` as written and as an [`Address`] of `form`. WhatsApp forms read it exactly as they
/// always have (a string, a phone number or chat id).
fn recipient(o: &Obj<'_>, form: AddressForm) -> Check<(String, Address)> {
    let to_input = match (form, o.get("to")) {
        (AddressForm::WaId | AddressForm::WaIdOrGroup, _) | (_, None) => o
            .str(
                "to",
                match form {
                    AddressForm::WaId | AddressForm::WaIdOrGroup => {
                        "give the recipient's phone number with its country code"
                    }
                    other => other.describe(),
                },
            )?
            .to_string(),
        (_, Some(Value::Number(n))) => n.to_string(),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(_)) => {
            return Err(MessageError::invalid(
                o.at_key("to"),
                format!("must be {}", form.describe()),
            ))
        }
    };
    let value = o.get("to").cloned().unwrap_or(Value::Null);
    let address =
        Address::parse(form, &value).map_err(|e| MessageError::invalid(o.at_key("to"), e))?;
    Ok((to_input, address))
}

fn parse_content(o: &Obj<'_>, kind: MessageKind) -> Check<MessageContent> {
    let name = kind.as_str();
    let obj = || o.obj(name, &format!("a {name} message needs its {name} content"));
    let media = |k| media::parse(&obj()?, k, media::MediaUse::Message);
    Ok(match kind {
        MessageKind::Text => MessageContent::Text {
            text: text::parse(&obj()?)?,
        },
        MessageKind::Image => MessageContent::Image {
            image: media(kind)?,
        },
        MessageKind::Video => MessageContent::Video {
            video: media(kind)?,
        },
        MessageKind::Audio => MessageContent::Audio {
            audio: media(kind)?,
        },
        MessageKind::Document => MessageContent::Document {
            document: media(kind)?,
        },
        MessageKind::Sticker => MessageContent::Sticker {
            sticker: media(kind)?,
        },
        MessageKind::Location => MessageContent::Location {
            location: location::parse(&obj()?)?,
        },
        MessageKind::Contacts => {
            let arr = o.arr(name, "add one to five contact cards")?;
            MessageContent::Contacts {
                contacts: contacts::parse(&arr)?,
            }
        }
        MessageKind::Interactive => MessageContent::Interactive {
            interactive: interactive::parse(&obj()?)?,
        },
        MessageKind::Template => MessageContent::Template {
            template: template::parse(&obj()?)?,
        },
        MessageKind::Reaction => MessageContent::Reaction {
            reaction: reaction::parse(&obj()?)?,
        },
    })
}
