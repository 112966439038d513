//! Template definitions and media rules: pure checks, no I/O.
//!
//! - [`TemplateDefinition`]: a template in Meta's create-template JSON shape, read and
//!   written by serde (leniently, for templates synced from the upstream).
//! - [`validate`]: the strict local check of a create request, returning the first problem
//!   as a [`TemplateError`] naming the JSON path and what to fix.
//! - [`check_send`] / [`check_send_among`]: a template send (the message model's
//!   [`Template`](crate::message::Template)) checked against the stored definition and its
//!   [`TemplateStatus`], with Meta's 132000 / 132001 / 132005 / 132012 / 132015 / 132016 as
//!   a [`TemplateSendError`].
//! - [`media_rules`]: media kinds, MIME allow-lists and size limits, MIME sniffing.

mod button;
mod component;
mod definition;
mod error;
mod language;
pub mod media_rules;
mod send_check;
mod status;
mod validate;
mod validate_buttons;
mod validate_carousel;
mod vars;
mod wire;

pub use button::{
    ButtonKind, CopyCodeButton, FlowButton, LabelButton, OtpButton, OtpType, PhoneNumberButton,
    SupportedApp, TemplateButton, UrlButton,
};
pub use component::{
    BodyComponent, BodyExample, ButtonsComponent, CarouselCard, CarouselComponent, ComponentKind,
    FooterComponent, HeaderComponent, HeaderExample, HeaderFormat, LimitedTimeOffer,
    LimitedTimeOfferComponent, NamedParamExample, TemplateComponent,
};
pub use definition::{Category, ParameterFormat, TemplateDefinition};
pub use error::{
    template_title_for, TemplateError, TemplateSendError, PARAMETER_COUNT_MISMATCH,
    PARAMETER_FORMAT_MISMATCH, TEMPLATE_DISABLED, TEMPLATE_NOT_FOUND, TEMPLATE_PAUSED,
    TEMPLATE_TEXT_TOO_LONG,
};
pub use language::{
    is_language_code_format, is_supported_language, similar_languages, SUPPORTED_LANGUAGES,
};
pub use send_check::{check_send, check_send_among};
pub use status::TemplateStatus;
pub use validate::{
    validate, BODY_TEXT_MAX, CARD_BODY_TEXT_MAX, FOOTER_TEXT_MAX, HEADER_TEXT_MAX, NAME_MAX,
    OFFER_TEXT_MAX, SAMPLE_MAX,
};
pub use validate_buttons::{
    BUTTONS_MAX, BUTTON_TEXT_MAX, CARD_BUTTONS_MAX, COPY_CODE_MAX, PHONE_NUMBER_MAX, URL_MAX,
};
pub use validate_carousel::{CARDS_MAX, CARDS_MIN};
pub use vars::{render, scan, variables, Found, Placeholder, Variables};
