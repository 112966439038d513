//! A template definition in Meta's create-template JSON shape:
//! `{name, language, category, parameter_format?, components[]}`.
//!
//! Serde reads what Meta sends and writes it back unchanged: enum values are read in any
//! ASCII case and written upper-case; fields this model does not name are kept in `extra`;
//! a component or button it cannot type is kept verbatim as `Other`. Serde is therefore
//! lenient (for templates synced from the upstream); [`validate`](super::validate) is the
//! strict path for templates created through Switchboard.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::button::TemplateButton;
use super::component::{
    BodyComponent, CarouselComponent, FooterComponent, HeaderComponent, LimitedTimeOfferComponent,
    TemplateComponent,
};
use super::wire::wire_enum;
use crate::message::TemplateRef;

wire_enum! {
    /// A template category. Marketing templates go only to contacts who have not opted out.
    Category {
        /// `MARKETING`: promotions, offers, announcements.
        Marketing = "MARKETING",
        /// `UTILITY`: updates about a transaction or account the user asked for.
        Utility = "UTILITY",
        /// `AUTHENTICATION`: one-time passwords.
        Authentication = "AUTHENTICATION",
    }
}

wire_enum! {
    /// How the variables of the header and body texts are written.
    #[derive(Default)]
    ParameterFormat {
        /// `{{1}}`, `{{2}}`, … (Meta's default).
        #[default]
        Positional = "POSITIONAL",
        /// `{{first_name}}`, …; send parameters carry `parameter_name`.
        Named = "NAMED",
    }
}

/// A template definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateDefinition {
    /// The template's name: lower-case a–z, 0–9 and `_`, at most 512 characters.
    pub name: String,
    /// The language (and locale) code, e.g. `en_US`.
    pub language: String,
    /// The category.
    pub category: Category,
    /// How variables are written; absent means positional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_format: Option<ParameterFormat>,
    /// The components, in order.
    pub components: Vec<TemplateComponent>,
    /// Other fields, kept as given: `allow_category_change`, `message_send_ttl_seconds`,
    /// `sub_category`, … and, in Meta's list answers, `id`, `status`, `quality_score`, ….
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TemplateDefinition {
    /// The category (callers refuse MARKETING templates to opted-out contacts).
    pub fn category(&self) -> Category {
        self.category
    }

    /// Whether this is a marketing template.
    pub fn is_marketing(&self) -> bool {
        self.category == Category::Marketing
    }

    /// The parameter format in effect (positional when absent).
    pub fn parameter_format(&self) -> ParameterFormat {
        self.parameter_format.unwrap_or_default()
    }

    /// The name and language, as a send names them.
    pub fn reference(&self) -> TemplateRef {
        TemplateRef {
            name: self.name.clone(),
            language_code: self.language.clone(),
        }
    }

    /// The header, if any.
    pub fn header(&self) -> Option<&HeaderComponent> {
        self.components.iter().find_map(|c| match c {
            TemplateComponent::Header(h) => Some(h),
            _ => None,
        })
    }

    /// The body, if any (a valid template always has one).
    pub fn body(&self) -> Option<&BodyComponent> {
        self.components.iter().find_map(|c| match c {
            TemplateComponent::Body(b) => Some(b),
            _ => None,
        })
    }

    /// The footer, if any.
    pub fn footer(&self) -> Option<&FooterComponent> {
        self.components.iter().find_map(|c| match c {
            TemplateComponent::Footer(f) => Some(f),
            _ => None,
        })
    }

    /// The buttons, in order (their position is the `index` a send gives).
    pub fn buttons(&self) -> &[TemplateButton] {
        self.components
            .iter()
            .find_map(|c| match c {
                TemplateComponent::Buttons(b) => Some(b.buttons.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The carousel, if any.
    pub fn carousel(&self) -> Option<&CarouselComponent> {
        self.components.iter().find_map(|c| match c {
            TemplateComponent::Carousel(c) => Some(c),
            _ => None,
        })
    }

    /// The limited-time offer, if any.
    pub fn limited_time_offer(&self) -> Option<&LimitedTimeOfferComponent> {
        self.components.iter().find_map(|c| match c {
            TemplateComponent::LimitedTimeOffer(l) => Some(l),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enums_read_any_case_and_write_upper() {
        assert_eq!(Category::parse("marketing"), Some(Category::Marketing));
        assert_eq!(Category::parse("ACCOUNT_UPDATE"), None);
        assert_eq!(
            serde_json::to_value(ParameterFormat::Named).ok(),
            Some(json!("NAMED"))
        );
        assert!(serde_json::from_value::<Category>(json!("nope")).is_err());
        assert_eq!(ParameterFormat::default(), ParameterFormat::Positional);
        assert_eq!(Category::names(), "MARKETING, UTILITY, AUTHENTICATION");
    }
}
