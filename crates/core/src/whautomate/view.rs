//! A stored message as an entry of the dialect's `GET v1/messages/{contactId}` array.

use serde::Serialize;
use serde_json::Value;

use super::Platform;
use crate::record::MessageRecord;
use crate::status::Direction;

/// The contact of a history entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EntryContact {
    /// The contact's id (`ct_…`).
    pub id: String,
    /// The platform of the message's channel (`whatsapp`, `telegram`, `instagram`, `messenger`).
    pub channel: String,
    /// The contact's address on it: the phone number (WhatsApp), chat id (Telegram) or
    /// page-scoped id (Messenger, Instagram).
    pub phone_number: String,
}

/// A button of an entry's `options`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryButton {
    /// `reply` (a reply button, list row or postback button), `url` or `call` (a generic
    /// template's phone_number button).
    #[serde(rename = "type")]
    pub kind: String,
    /// The button's text.
    pub text: String,
    /// The link of a `url` button.
    pub url: Option<String>,
}

/// The buttons of an interactive message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryOptions {
    /// The interactive type: `button`, `list`, `cta_url` or `generic` (its elements'
    /// buttons in order).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its buttons (a list's rows).
    pub buttons: Vec<EntryButton>,
}

/// One message of a contact's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// The Switchboard message id (`msg_…`), usable in the native API.
    pub id: String,
    /// The contact and the platform.
    pub contact: EntryContact,
    /// The platform of the channel it went through.
    pub channel: String,
    /// Whether the contact sent it.
    pub is_incoming: bool,
    /// The message kind: `text`, `image`, `video`, `audio`, `document`, `template`,
    /// `interactive`, `location`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// `contact` for incoming messages, `business` for the ones sent to the contact.
    pub sent_by: String,
    /// The native status: `scheduled`, `accepted`, `sent`, `delivered`, `read`, `failed`,
    /// `canceled`, `received`, ….
    pub status: String,
    /// Why it failed, when it did.
    pub error_message: Option<String>,
    /// The media's link, for media sent by link.
    pub media_url: Option<String>,
    /// The text, caption, interactive body (a generic template's element titles, one per
    /// line), or the tapped reply's title.
    pub text: Option<String>,
    /// An interactive message's footer.
    pub footer_text: Option<String>,
    /// An interactive message's buttons.
    pub options: Option<EntryOptions>,
}

fn str_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn text_of(m: &MessageRecord) -> Option<String> {
    let kind = m.kind.as_str();
    [
        "/text/body".to_string(),
        format!("/{kind}/caption"),
        "/interactive/body/text".into(),
        "/interactive/button_reply/title".into(),
        "/interactive/list_reply/title".into(),
        "/button/text".into(),
        "/reaction/emoji".into(),
    ]
    .iter()
    .find_map(|p| str_at(&m.body, p))
    .or_else(|| element_titles(&m.body))
}

fn element_titles(body: &Value) -> Option<String> {
    let titles: Vec<String> = body
        .pointer("/interactive/action/elements")?
        .as_array()?
        .iter()
        .filter_map(|e| str_at(e, "/title"))
        .collect();
    (!titles.is_empty()).then(|| titles.join("\n"))
}

fn options_of(body: &Value) -> Option<EntryOptions> {
    let i = body.get("interactive")?;
    let kind = i.get("type")?.as_str()?.to_string();
    let action = &i["action"];
    let buttons = match kind.as_str() {
        "button" => action["buttons"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| EntryButton {
                kind: "reply".into(),
                text: str_at(b, "/reply/title").unwrap_or_default(),
                url: None,
            })
            .collect(),
        "list" => action["sections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["rows"].as_array().into_iter().flatten())
            .map(|r| EntryButton {
                kind: "reply".into(),
                text: str_at(r, "/title").unwrap_or_default(),
                url: None,
            })
            .collect(),
        "generic" => action["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["buttons"].as_array().into_iter().flatten())
            .map(|b| EntryButton {
                kind: match b["type"].as_str() {
                    Some("web_url") => "url",
                    Some("phone_number") => "call",
                    _ => "reply",
                }
                .into(),
                text: str_at(b, "/title").unwrap_or_default(),
                url: str_at(b, "/url"),
            })
            .collect(),
        "cta_url" => vec![EntryButton {
            kind: "url".into(),
            text: str_at(action, "/parameters/display_text").unwrap_or_default(),
            url: str_at(action, "/parameters/url"),
        }],
        _ => return None,
    };
    Some(EntryOptions { kind, buttons })
}

fn error_message(error: &Option<Value>) -> Option<String> {
    let e = error.as_ref()?;
    ["/details", "/message", "/error_data/details", "/title"]
        .iter()
        .find_map(|p| str_at(e, p))
        .or_else(|| Some(e.to_string()))
}

/// `m` (a message of the contact `contact_id` on a channel of `platform`) as a history entry.
pub fn entry(m: &MessageRecord, contact_id: &str, platform: Platform) -> HistoryEntry {
    let incoming = m.direction == Direction::Inbound;
    let kind = m.kind.as_str();
    HistoryEntry {
        id: m.id.to_string(),
        contact: EntryContact {
            id: contact_id.to_string(),
            channel: platform.as_str().into(),
            phone_number: m.chat.clone(),
        },
        channel: platform.as_str().into(),
        is_incoming: incoming,
        kind: kind.to_string(),
        sent_by: if incoming { "contact" } else { "business" }.into(),
        status: m.status.as_str().to_string(),
        error_message: error_message(&m.error),
        media_url: str_at(&m.body, &format!("/{kind}/link")),
        text: text_of(m),
        footer_text: str_at(&m.body, "/interactive/footer/text"),
        options: options_of(&m.body),
    }
}

/// Whether `entry` matches `search` (case-insensitive, in its text, footer or buttons).
pub fn matches(entry: &HistoryEntry, search: &str) -> bool {
    let needle = search.to_lowercase();
    let has = |s: &Option<String>| {
        s.as_ref()
            .is_some_and(|t| t.to_lowercase().contains(&needle))
    };
    has(&entry.text)
        || has(&entry.footer_text)
        || entry.options.as_ref().is_some_and(|o| {
            o.buttons
                .iter()
                .any(|b| b.text.to_lowercase().contains(&needle))
        })
}
