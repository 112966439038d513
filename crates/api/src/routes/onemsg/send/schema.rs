//! The request bodies of the 1msg send methods, for the OpenAPI document. Every body is JSON
//! or form-encoded (structured fields as JSON text), with the recipient as `chatId` or
//! `phone`; the routes read them as fields, so these types only describe them.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The recipient and the quoted message, common to the send methods.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct OneMsgRecipient {
    /// The chat, `12020721369@c.us`; or give `phone`.
    pub chatId: Option<String>,
    /// The number with its country code, e.g. 12020721369 (a number or a string).
    #[schema(value_type = Option<String>)]
    pub phone: Option<Value>,
    /// The id of the message to quote (`wamid.…`, or our `msg_…`).
    pub quotedMsgId: Option<String>,
}

/// `sendMessage`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"chatId": "12020721369@c.us", "body": "Hello 🍏"}))]
pub struct OneMsgSendMessageBody {
    /// The text, at most 4096 characters (a link in it gets a preview).
    pub body: String,
    /// Accepted and ignored: WhatsApp Business has no mentions in a customer chat (the
    /// `@number` stays in the text).
    pub mentionedPhones: Option<String>,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendFile` as JSON or form-encoded (or multipart with the file in `file`).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"phone": 12020721369u64, "body": "https://example.com/1.jpg", "filename": "1.jpg", "caption": "Look"}))]
pub struct OneMsgSendFileBody {
    /// An http(s) link (fetched), or a data URI `data:image/jpeg;base64,…`; or the multipart
    /// field `file` instead.
    pub body: Option<String>,
    /// The multipart upload, instead of `body`.
    #[schema(value_type = Option<String>, format = Binary)]
    pub file: Option<String>,
    /// The file name, e.g. `hello.xlsx` (shown with documents).
    pub filename: Option<String>,
    /// Text under an image, video or document.
    pub caption: Option<String>,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendLocation`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"phone": 12020721369u64, "lat": "45.018337", "lng": "-73.968285", "name": "Facebook HQ", "address": "9766 Valley View St., New York, NY 10024"}))]
pub struct OneMsgSendLocationBody {
    /// Latitude, e.g. 45.018337 (a number or a string).
    #[schema(value_type = String)]
    pub lat: Value,
    /// Longitude, e.g. -73.968285 (a number or a string).
    #[schema(value_type = String)]
    pub lng: Value,
    /// The address.
    pub address: Option<String>,
    /// The place's name.
    pub name: Option<String>,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendContact`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"phone": 12020721369u64, "contacts": [{"name": {"formatted_name": "John Smith", "first_name": "John"}, "phones": [{"phone": "+1 (940) 555-1234", "type": "HOME"}]}]}))]
pub struct OneMsgSendContactBody {
    /// Contact cards as WhatsApp defines them (`name`, `phones`, `emails`, `addresses`, `org`,
    /// `urls`, `birthday`).
    #[schema(value_type = Vec<Object>)]
    pub contacts: Value,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendList`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"phone": 12020721369u64, "body": "Pick one", "action": "Options", "sections": [{"title": "Section 1", "rows": [{"id": "1", "title": "Option 1", "description": "Description 1"}]}]}))]
pub struct OneMsgSendListBody {
    /// The main text.
    pub body: String,
    /// A header text.
    pub header: Option<String>,
    /// A footer text.
    pub footer: Option<String>,
    /// The label of the button that opens the list.
    pub action: String,
    /// Up to 10 sections of `{title, rows: [{id, title, description}]}`.
    #[schema(value_type = Vec<Object>)]
    pub sections: Value,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendButtons`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"phone": 12020721369u64, "body": "Choose", "sections": [{"type": "reply", "reply": {"id": "1", "title": "Yes"}}, {"type": "reply", "reply": {"id": "2", "title": "No"}}]}))]
pub struct OneMsgSendButtonsBody {
    /// The main text.
    pub body: String,
    /// A header text, or a header object (`{"type": "image", "image": {"link": …}}`, text,
    /// video or document).
    #[schema(value_type = Option<Object>)]
    pub header: Option<Value>,
    /// A footer text.
    pub footer: Option<String>,
    /// Up to 3 buttons `{"type": "reply", "reply": {"id", "title"}}`.
    #[schema(value_type = Vec<Object>)]
    pub sections: Value,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendLocationRequest`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"phone": 12020721369u64, "body": "Where should we deliver?"}))]
pub struct OneMsgSendLocationRequestBody {
    /// The text above the "Send location" button.
    pub body: String,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendReaction` (the sample is form-encoded).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"chatId": "12020721369@c.us", "body": "👍", "quotedMsgId": "wamid.HBgLdemo-text-001"}))]
pub struct OneMsgSendReactionBody {
    /// One emoji, or an empty string to remove the reaction.
    pub body: String,
    /// The message reacted to (`wamid.…` or our `msg_…`).
    pub quotedMsgId: String,
    /// The chat, `12020721369@c.us`; or give `phone`.
    pub chatId: Option<String>,
    /// The number with its country code.
    #[schema(value_type = Option<String>)]
    pub phone: Option<Value>,
}

/// `sendTemplate`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"template": "hello_world", "language": {"policy": "deterministic", "code": "en_US"}, "namespace": "", "params": [], "phone": "12020721369"}))]
pub struct OneMsgSendTemplateBody {
    /// The template's name.
    pub template: String,
    /// `{"policy": "deterministic", "code": "en"}` (or the code alone).
    #[schema(value_type = Object)]
    pub language: Value,
    /// Accepted and ignored (the channel's templates are known by name).
    pub namespace: Option<String>,
    /// The components' values as WhatsApp defines them (`header`, `body`, `button` with
    /// `sub_type` and `index`, `carousel` with `cards`).
    #[schema(value_type = Option<Vec<Object>>)]
    pub params: Option<Value>,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `sendProduct`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
#[schema(example = json!({"phone": 12020721369u64, "action": {"catalog_id": "1234567890", "product_retailer_id": "SKU-1"}, "body": "Some text."}))]
pub struct OneMsgSendProductBody {
    /// `{catalog_id, product_retailer_id}` for one product, `{catalog_id, sections: [{title,
    /// product_items: [{product_retailer_id}]}]}` for a list (the fields may also be given at
    /// the top level).
    #[schema(value_type = Object)]
    pub action: Value,
    /// The text (required for a list).
    pub body: Option<String>,
    /// A footer text.
    pub footer: Option<String>,
    /// The header text of a list (required there; a single product has none).
    pub header: Option<String>,
    /// The recipient.
    #[serde(flatten)]
    pub recipient: OneMsgRecipient,
}

/// `uploadMedia` as JSON or form-encoded (or multipart with the file in `file`).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[schema(example = json!({"body": "https://example.com/1.jpg"}))]
pub struct OneMsgUploadMediaBody {
    /// An http(s) link (fetched), or a data URI `data:image/jpeg;base64,…`.
    pub body: Option<String>,
    /// The multipart upload, instead of `body`.
    #[schema(value_type = Option<String>, format = Binary)]
    pub file: Option<String>,
    /// A file name to keep with it.
    pub filename: Option<String>,
}

/// `uploadMedia`'s answer.
#[derive(Debug, serde::Serialize, ToSchema)]
#[allow(non_snake_case)]
pub struct OneMsgUploadAnswer {
    /// Our media id (`med_…`): use it in `sendTemplate`'s parameters (`{"id": …}`) or in the
    /// native API.
    pub mediaId: String,
}
