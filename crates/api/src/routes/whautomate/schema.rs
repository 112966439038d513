//! The request bodies of the omnichannel dialect, for the OpenAPI document. The routes read
//! bodies as JSON fields, so these types only describe them.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// `{"id": "…"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct IdRef {
    /// The id.
    pub id: String,
}

/// A bare recipient: the contact with this number is used, or created with `name`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct Recepient {
    /// The number with its country code, e.g. `+12020721369`.
    pub phoneNumber: String,
    /// The name a new contact gets.
    pub name: Option<String>,
}

/// Who a message goes to and on which channel: one of `contact`, `client` (a contact id
/// too) or `recepient` (also spelled `recipient`; WhatsApp only).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct Addressing {
    /// A contact (`ct_…`, `GET /v1/contacts`).
    pub contact: Option<IdRef>,
    /// A contact too (`ct_…`).
    pub client: Option<IdRef>,
    /// A phone number and name (WhatsApp).
    pub recepient: Option<Recepient>,
    /// The channel (`ch_…`) to send on; needed when the account has several channels of the
    /// platform.
    pub location: Option<IdRef>,
    /// When to send: RFC 3339 with an offset (`2030-01-31T09:00:00+01:00`), up to a year
    /// ahead; absent means now.
    pub scheduleDateTime: Option<String>,
}

/// `sendtext`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"contact": {"id": "ct_…"}, "textMessage": "Your order shipped", "location": {"id": "ch_…"}}))]
pub struct TextBody {
    /// The text.
    pub textMessage: String,
    /// The recipient, channel and send time.
    #[serde(flatten)]
    pub to: Addressing,
}

/// `sendmedia`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"contact": {"id": "ct_…"}, "mimeType": "image/jpeg", "mediaUrl": "https://example.com/menu.jpg"}))]
pub struct MediaBody {
    /// `image/…`, `video/…` and `audio/…` are sent as such, anything else as a document.
    pub mimeType: String,
    /// The file's http(s) link.
    pub mediaUrl: String,
    /// The recipient, channel and send time.
    #[serde(flatten)]
    pub to: Addressing,
}

/// `template` of a WhatsApp `sendtemplate`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TemplateName {
    /// The approved template's name.
    pub name: String,
    /// Its language code, e.g. `en_US`.
    pub language: String,
}

/// A LOCATION header.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct LocationParameters {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Address.
    pub address: Option<String>,
    /// Name.
    pub name: Option<String>,
}

/// The FLOW button's data.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct FlowParameters {
    /// The flow token.
    pub flowToken: Option<String>,
    /// The data the Flow's first screen receives: a JSON object, or its text.
    #[schema(value_type = Option<String>)]
    pub flowData: Option<Value>,
}

/// WhatsApp `sendtemplate`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"recepient": {"phoneNumber": "+12020721369", "name": "Ana"},
    "template": {"name": "order_update", "language": "en_US"}, "bodyTextParameters": ["Ana", "42"]}))]
pub struct WhatsappTemplateBody {
    /// The template.
    pub template: TemplateName,
    /// A TEXT header's variables.
    pub headerTextParameters: Option<Vec<String>>,
    /// An IMAGE, VIDEO or DOCUMENT header's file (http(s) link).
    pub headerMediaUrl: Option<String>,
    /// The body's variables, in order.
    pub bodyTextParameters: Option<Vec<String>>,
    /// The variables of the URL buttons that have one, in button order.
    pub buttonUrlParameters: Option<Vec<String>>,
    /// A LOCATION header.
    pub locationParameters: Option<LocationParameters>,
    /// The FLOW button's token and data.
    pub flowParameters: Option<FlowParameters>,
    /// The recipient, channel and send time.
    #[serde(flatten)]
    pub to: Addressing,
}

/// A button of a Telegram or generic template.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TemplateButton {
    /// `web_url` (opens `url`) or `postback` (its `payload` comes back when tapped).
    #[serde(rename = "type")]
    pub kind: String,
    /// The button's text.
    pub title: String,
    /// What a `postback` tap sends back (default: the title).
    pub payload: Option<String>,
    /// The link of a `web_url` button.
    pub url: Option<String>,
}

/// Telegram `sendtemplate`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"contact": {"id": "ct_…"}, "headerType": "IMAGE", "mimeType": "image/png",
    "mediaUrl": "https://example.com/menu.png", "textMessage": "Today's menu",
    "buttons": [{"type": "web_url", "title": "Order", "url": "https://example.com/order"}]}))]
pub struct TelegramTemplateBody {
    /// `IMAGE`, `VIDEO`, `DOCUMENT` (or `TEXT`: no media).
    pub headerType: Option<String>,
    /// The file's type (decides the header when `headerType` is absent).
    pub mimeType: Option<String>,
    /// The file's http(s) link.
    pub mediaUrl: Option<String>,
    /// The text (the caption under a media header).
    pub textMessage: String,
    /// One to three `postback` buttons, or one `web_url` button.
    pub buttons: Option<Vec<TemplateButton>>,
    /// The recipient, channel and send time.
    #[serde(flatten)]
    pub to: Addressing,
}

/// An element's default action.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DefaultAction {
    /// `web_url`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The link opened when the element is tapped.
    pub url: String,
}

/// An element of a generic template.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct Element {
    /// The title (at most 80 characters).
    pub title: String,
    /// The subtitle (at most 80 characters).
    pub subtitle: Option<String>,
    /// The image's http(s) link.
    pub image_url: Option<String>,
    /// What tapping the element opens.
    pub default_action: Option<DefaultAction>,
    /// Up to three buttons.
    pub buttons: Option<Vec<TemplateButton>>,
}

/// Instagram and Messenger `sendtemplate`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct GenericTemplateBody {
    /// One to ten elements (cards).
    pub elements: Vec<Element>,
    /// The recipient, channel and send time.
    #[serde(flatten)]
    pub to: Addressing,
}
