//! The components of a template definition: HEADER, BODY, FOOTER, BUTTONS, CAROUSEL and
//! LIMITED_TIME_OFFER, tagged by `type`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::button::TemplateButton;
use super::wire::{from_map, tagged, untag, wire_enum};

wire_enum! {
    /// The component types of a definition.
    ComponentKind {
        /// `HEADER`
        Header = "HEADER",
        /// `BODY`
        Body = "BODY",
        /// `FOOTER`
        Footer = "FOOTER",
        /// `BUTTONS`
        Buttons = "BUTTONS",
        /// `CAROUSEL`
        Carousel = "CAROUSEL",
        /// `LIMITED_TIME_OFFER`
        LimitedTimeOffer = "LIMITED_TIME_OFFER",
    }
}

wire_enum! {
    /// What a header shows.
    HeaderFormat {
        /// Text, at most 60 characters with at most one variable.
        Text = "TEXT",
        /// An image, given at send time.
        Image = "IMAGE",
        /// A video, given at send time.
        Video = "VIDEO",
        /// A document (PDF), given at send time.
        Document = "DOCUMENT",
        /// A location, given at send time.
        Location = "LOCATION",
        /// A catalog product (single-product templates and product carousel cards).
        Product = "PRODUCT",
    }
}

/// A component of a template definition.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateComponent {
    /// `HEADER`.
    Header(HeaderComponent),
    /// `BODY`.
    Body(BodyComponent),
    /// `FOOTER`.
    Footer(FooterComponent),
    /// `BUTTONS`.
    Buttons(ButtonsComponent),
    /// `CAROUSEL`.
    Carousel(CarouselComponent),
    /// `LIMITED_TIME_OFFER`.
    LimitedTimeOffer(LimitedTimeOfferComponent),
    /// A component this model cannot type, kept as given (`kind` is its `type`).
    Other {
        /// The `type` as given.
        kind: String,
        /// The other fields.
        fields: Map<String, Value>,
    },
}

impl TemplateComponent {
    /// The component's kind; `None` for [`TemplateComponent::Other`].
    pub fn kind(&self) -> Option<ComponentKind> {
        Some(match self {
            TemplateComponent::Header(_) => ComponentKind::Header,
            TemplateComponent::Body(_) => ComponentKind::Body,
            TemplateComponent::Footer(_) => ComponentKind::Footer,
            TemplateComponent::Buttons(_) => ComponentKind::Buttons,
            TemplateComponent::Carousel(_) => ComponentKind::Carousel,
            TemplateComponent::LimitedTimeOffer(_) => ComponentKind::LimitedTimeOffer,
            TemplateComponent::Other { .. } => return None,
        })
    }
}

impl Serialize for TemplateComponent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TemplateComponent::Header(c) => tagged("HEADER", c, s),
            TemplateComponent::Body(c) => tagged("BODY", c, s),
            TemplateComponent::Footer(c) => tagged("FOOTER", c, s),
            TemplateComponent::Buttons(c) => tagged("BUTTONS", c, s),
            TemplateComponent::Carousel(c) => tagged("CAROUSEL", c, s),
            TemplateComponent::LimitedTimeOffer(c) => tagged("LIMITED_TIME_OFFER", c, s),
            TemplateComponent::Other { kind, fields } => tagged(kind, fields, s),
        }
    }
}

impl<'de> Deserialize<'de> for TemplateComponent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, fields) = untag::<D::Error>(Map::deserialize(d)?, "a component")?;
        let typed = match ComponentKind::parse(&kind) {
            Some(ComponentKind::Header) => from_map(&fields).map(TemplateComponent::Header),
            Some(ComponentKind::Body) => from_map(&fields).map(TemplateComponent::Body),
            Some(ComponentKind::Footer) => from_map(&fields).map(TemplateComponent::Footer),
            Some(ComponentKind::Buttons) => from_map(&fields).map(TemplateComponent::Buttons),
            Some(ComponentKind::Carousel) => from_map(&fields).map(TemplateComponent::Carousel),
            Some(ComponentKind::LimitedTimeOffer) => {
                from_map(&fields).map(TemplateComponent::LimitedTimeOffer)
            }
            None => None,
        };
        Ok(typed.unwrap_or(TemplateComponent::Other { kind, fields }))
    }
}

/// A named variable's sample value `{param_name, example}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedParamExample {
    /// The variable's name, without braces.
    pub param_name: String,
    /// A sample value.
    pub example: String,
}

/// `HEADER {format, text?, example?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeaderComponent {
    /// What the header shows.
    pub format: HeaderFormat,
    /// The text, for `TEXT` headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Sample values: the text variable's value, or the sample media's handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<HeaderExample>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A header's `example`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeaderExample {
    /// The positional variable's sample value (one string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text: Option<Vec<String>>,
    /// The named variable's sample value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text_named_params: Option<Vec<NamedParamExample>>,
    /// Handles (or URLs) of sample media, for media headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_handle: Option<Vec<String>>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `BODY {text, example?}`, or for authentication templates
/// `BODY {add_security_recommendation?}` (WhatsApp supplies the text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyComponent {
    /// The text; absent in authentication templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Sample values of the variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<BodyExample>,
    /// Authentication templates: add "For your security, do not share this code."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_security_recommendation: Option<bool>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A body's `example`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyExample {
    /// One list of sample values, one per positional variable: `[["Mark", "FALL25"]]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<Vec<Vec<String>>>,
    /// Sample values of named variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text_named_params: Option<Vec<NamedParamExample>>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `FOOTER {text}`, or for authentication templates `FOOTER {code_expiration_minutes}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FooterComponent {
    /// The text (no variables), at most 60 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Authentication templates: minutes the code stays valid (1–90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_expiration_minutes: Option<u32>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `BUTTONS {buttons}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ButtonsComponent {
    /// The buttons; a send addresses them by position (`index`, from 0).
    pub buttons: Vec<TemplateButton>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `CAROUSEL {cards}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarouselComponent {
    /// The cards (2–10), all of the same shape.
    pub cards: Vec<CarouselCard>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A carousel card `{components}`: a media header, an optional body and buttons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarouselCard {
    /// The card's components.
    pub components: Vec<TemplateComponent>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `LIMITED_TIME_OFFER {limited_time_offer{text, has_expiration?}}` (marketing only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitedTimeOfferComponent {
    /// The offer.
    pub limited_time_offer: LimitedTimeOffer,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The offer of a limited-time-offer component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitedTimeOffer {
    /// The offer's text, at most 16 characters.
    pub text: String,
    /// Whether the offer shows an expiry (then each send gives `expiration_time_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_expiration: Option<bool>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CarouselCard {
    /// The card's header, if any.
    pub fn header(&self) -> Option<&HeaderComponent> {
        self.components.iter().find_map(|c| match c {
            TemplateComponent::Header(h) => Some(h),
            _ => None,
        })
    }

    /// The card's body, if any.
    pub fn body(&self) -> Option<&BodyComponent> {
        self.components.iter().find_map(|c| match c {
            TemplateComponent::Body(b) => Some(b),
            _ => None,
        })
    }

    /// The card's buttons, in order.
    pub fn buttons(&self) -> &[TemplateButton] {
        self.components
            .iter()
            .find_map(|c| match c {
                TemplateComponent::Buttons(b) => Some(b.buttons.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_or_malformed_components_are_kept() {
        for v in [
            json!({"type": "CALL_PERMISSION_REQUEST"}),
            json!({"type": "HEADER", "format": "GIF"}),
        ] {
            let c: TemplateComponent = serde_json::from_value(v.clone()).expect("reads");
            assert!(c.kind().is_none(), "{c:?}");
            assert_eq!(serde_json::to_value(&c).ok(), Some(v));
        }
        assert!(serde_json::from_value::<TemplateComponent>(json!({"format": "TEXT"})).is_err());
        let c: TemplateComponent =
            serde_json::from_value(json!({"type": "body", "text": "Hi", "x": 1})).expect("reads");
        assert_eq!(c.kind(), Some(ComponentKind::Body));
        assert_eq!(
            serde_json::to_value(&c).ok(),
            Some(json!({"type": "BODY", "text": "Hi", "x": 1}))
        );
    }
}
