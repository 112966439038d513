//! `sendtext`, `sendmedia` and Telegram's `sendtemplate` bodies as Cloud API shaped messages
//! to `to` (the channel's address of the contact). `scheduleDateTime` is carried over: the
//! native send reads it as the send time.

use serde_json::{json, Map, Value};

use super::{text_field, DialectError};

/// The common part of every message: `to`, the type, and `scheduleDateTime` when given.
pub(crate) fn envelope(to: &str, kind: &str, fields: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("messaging_product".into(), json!("whatsapp"));
    m.insert("to".into(), json!(to));
    m.insert("type".into(), json!(kind));
    if let Some(at) = fields
        .get("scheduleDateTime")
        .filter(|v| !v.is_null() && v.as_str() != Some(""))
    {
        m.insert("scheduleDateTime".into(), at.clone());
    }
    m
}

/// `sendtext`: `textMessage` as a text message.
pub fn text(to: &str, fields: &Map<String, Value>) -> Result<Value, DialectError> {
    let body = text_field(fields, "textMessage")?
        .ok_or_else(|| DialectError::invalid("textMessage: give the text to send"))?;
    let mut m = envelope(to, "text", fields);
    m.insert("text".into(), json!({ "body": body }));
    Ok(Value::Object(m))
}

/// The message kind a MIME type is sent as: `image/*`, `video/*` and `audio/*` as
/// themselves, anything else as a document.
pub fn media_kind(mime: &str) -> &'static str {
    let lower = mime.trim().to_ascii_lowercase();
    match lower.split('/').next().unwrap_or("") {
        "image" => "image",
        "video" => "video",
        "audio" => "audio",
        _ => "document",
    }
}

/// The file name at the end of a URL's path, if it has one.
fn file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let after_scheme = path.split_once("://").map_or(path, |(_, rest)| rest);
    let (_, rest) = after_scheme.split_once('/')?;
    let last = rest.rsplit('/').next().unwrap_or("");
    last.contains('.').then(|| last.to_string())
}

fn http_url<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, DialectError> {
    let Some(url) = text_field(fields, name)? else {
        return Ok(None);
    };
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(DialectError::invalid(format!(
            "{name}: `{url}` is not an http(s) URL; give the file's public link"
        )));
    }
    Ok(Some(url))
}

/// A media object `{link}` of `kind` (a document keeps the URL's file name).
fn media_object(kind: &str, url: &str) -> Value {
    let mut media = json!({ "link": url });
    if kind == "document" {
        if let Some(name) = file_name(url) {
            media["filename"] = json!(name);
        }
    }
    media
}

/// `sendmedia`: `mediaUrl` sent as the kind `mimeType` names.
pub fn media(to: &str, fields: &Map<String, Value>) -> Result<Value, DialectError> {
    let url = http_url(fields, "mediaUrl")?
        .ok_or_else(|| DialectError::invalid("mediaUrl: give the file's http(s) link"))?;
    let mime = text_field(fields, "mimeType")?.ok_or_else(|| {
        DialectError::invalid("mimeType: give the file's type, e.g. image/jpeg or application/pdf")
    })?;
    let kind = media_kind(mime);
    let mut m = envelope(to, kind, fields);
    m.insert(kind.into(), media_object(kind, url));
    Ok(Value::Object(m))
}

/// The header kind of Telegram's `headerType` (`IMAGE`, `VIDEO`, `DOCUMENT`; `TEXT` or none
/// means no media header), else from `mimeType`.
fn telegram_header(fields: &Map<String, Value>) -> Result<Option<&'static str>, DialectError> {
    match text_field(fields, "headerType")?
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None => Ok(text_field(fields, "mimeType")?.map(media_kind)),
        Some("TEXT" | "NONE") => Ok(None),
        Some("IMAGE") => Ok(Some("image")),
        Some("VIDEO") => Ok(Some("video")),
        Some("DOCUMENT" | "FILE") => Ok(Some("document")),
        Some("AUDIO") => Ok(Some("audio")),
        Some(other) => Err(DialectError::invalid(format!(
            "headerType: `{other}` is not one of IMAGE, VIDEO, DOCUMENT, TEXT"
        ))),
    }
}

/// One of Telegram's `buttons[]`: a link (`web_url`) or a callback (`postback`, its
/// `payload` coming back when tapped).
enum TgButton {
    Url { title: String, url: String },
    Callback { title: String, payload: String },
}

fn telegram_buttons(fields: &Map<String, Value>) -> Result<Vec<TgButton>, DialectError> {
    let list = match fields.get("buttons") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(DialectError::invalid(format!(
                "buttons: must be a list of {{type, title, payload, url}}, got {other}"
            )))
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, b) in list.iter().enumerate() {
        let Value::Object(b) = b else {
            return Err(DialectError::invalid(format!(
                "buttons[{i}]: must be an object"
            )));
        };
        let title = text_field(b, "title")
            .map_err(|e| DialectError::invalid(format!("buttons[{i}].{}", e.message)))?
            .ok_or_else(|| {
                DialectError::invalid(format!("buttons[{i}].title: give the button's text"))
            })?
            .to_string();
        let kind = text_field(b, "type").ok().flatten().unwrap_or("postback");
        let url = text_field(b, "url").ok().flatten();
        let payload = text_field(b, "payload").ok().flatten();
        out.push(match (kind, url) {
            ("web_url", Some(url)) => TgButton::Url {
                title,
                url: url.to_string(),
            },
            ("web_url", None) => {
                return Err(DialectError::invalid(format!(
                    "buttons[{i}].url: a web_url button needs its url"
                )))
            }
            ("postback", _) => TgButton::Callback {
                payload: payload.unwrap_or(&title).to_string(),
                title,
            },
            (other, _) => {
                return Err(DialectError::invalid(format!(
                    "buttons[{i}].type: `{other}` is not web_url or postback"
                )))
            }
        });
    }
    Ok(out)
}

/// Telegram's `sendtemplate`: `textMessage` under an optional media header (`headerType`
/// with `mediaUrl`) and an inline keyboard from `buttons[]`: one to three `postback`
/// buttons (their `payload` comes back when tapped) or one `web_url` button. Without
/// buttons it is a media message captioned `textMessage` (or a text).
pub fn telegram_template(to: &str, fields: &Map<String, Value>) -> Result<Value, DialectError> {
    let body = text_field(fields, "textMessage")?
        .ok_or_else(|| DialectError::invalid("textMessage: give the message's text"))?;
    let url = http_url(fields, "mediaUrl")?;
    let header = match (telegram_header(fields)?, url) {
        (Some(kind), Some(url)) => Some((kind, url)),
        (Some(_), None) if text_field(fields, "headerType")?.is_some() => {
            return Err(DialectError::invalid(
                "mediaUrl: a media headerType needs the file's http(s) link",
            ))
        }
        (None, Some(url)) => Some(("document", url)),
        _ => None,
    };
    let buttons = telegram_buttons(fields)?;
    if buttons.is_empty() {
        return Ok(match header {
            Some((kind, url)) => {
                let mut m = envelope(to, kind, fields);
                let mut media = media_object(kind, url);
                media["caption"] = json!(body);
                m.insert(kind.into(), media);
                Value::Object(m)
            }
            None => {
                let mut m = envelope(to, "text", fields);
                m.insert("text".into(), json!({ "body": body }));
                Value::Object(m)
            }
        });
    }
    let mut interactive = Map::new();
    if let Some((kind, url)) = header {
        if kind == "audio" {
            return Err(DialectError::invalid(
                "headerType: an audio file cannot carry buttons; use IMAGE, VIDEO or DOCUMENT",
            ));
        }
        interactive.insert(
            "header".into(),
            json!({"type": kind, kind: media_object(kind, url)}),
        );
    }
    interactive.insert("body".into(), json!({ "text": body }));
    let urls = buttons
        .iter()
        .filter(|b| matches!(b, TgButton::Url { .. }))
        .count();
    match (urls, buttons.as_slice()) {
        (0, list) if list.len() <= 3 => {
            let replies: Vec<Value> = list
                .iter()
                .filter_map(|b| match b {
                    TgButton::Callback { title, payload } => {
                        Some(json!({"type": "reply", "reply": {"id": payload, "title": title}}))
                    }
                    TgButton::Url { .. } => None,
                })
                .collect();
            interactive.insert("type".into(), json!("button"));
            interactive.insert("action".into(), json!({ "buttons": replies }));
        }
        (1, [TgButton::Url { title, url }]) => {
            interactive.insert("type".into(), json!("cta_url"));
            interactive.insert(
                "action".into(),
                json!({"name": "cta_url", "parameters": {"display_text": title, "url": url}}),
            );
        }
        _ => {
            return Err(DialectError::invalid(
                "buttons: give one to three postback buttons, or one web_url button (a link and callbacks cannot share a message here)",
            ))
        }
    }
    let mut m = envelope(to, "interactive", fields);
    m.insert("interactive".into(), Value::Object(interactive));
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::whautomate::fields_of as map;

    #[test]
    fn texts_and_media() {
        let t = text(
            "123",
            &map(json!({"textMessage": "hi", "scheduleDateTime": "2030-01-01T00:00:00Z"})),
        )
        .unwrap();
        assert_eq!(t["text"]["body"], "hi");
        assert_eq!(t["scheduleDateTime"], "2030-01-01T00:00:00Z");
        assert!(text("123", &map(json!({}))).is_err());
        let m = media("123", &map(json!({"mimeType": "application/pdf", "mediaUrl": "https://x.test/files/menu.pdf?x=1"}))).unwrap();
        assert_eq!(m["type"], "document");
        assert_eq!(m["document"]["filename"], "menu.pdf");
        let m = media(
            "123",
            &map(json!({"mimeType": "image/png", "mediaUrl": "https://x.test/a.png"})),
        )
        .unwrap();
        assert_eq!(m["image"]["link"], "https://x.test/a.png");
        assert!(media(
            "123",
            &map(json!({"mimeType": "image/png", "mediaUrl": "ftp://x"}))
        )
        .is_err());
    }

    #[test]
    fn telegram_templates_are_media_with_a_keyboard() {
        let one_link = telegram_template(
            "5",
            &map(json!({"headerType": "IMAGE", "mediaUrl": "https://x.test/a.png", "textMessage": "Menu",
                "buttons": [{"type": "web_url", "title": "Open", "url": "https://x.test"}]})),
        )
        .unwrap();
        assert_eq!(one_link["interactive"]["type"], "cta_url");
        assert_eq!(
            one_link["interactive"]["header"]["image"]["link"],
            "https://x.test/a.png"
        );
        let replies = telegram_template(
            "5",
            &map(json!({"textMessage": "Pick", "buttons": [
                {"type": "postback", "title": "Yes", "payload": "y"}, {"type": "postback", "title": "No"}]})),
        )
        .unwrap();
        assert_eq!(
            replies["interactive"]["action"]["buttons"][1]["reply"]["id"],
            "No"
        );
        let plain = telegram_template("5", &map(json!({"headerType": "VIDEO", "mediaUrl": "https://x.test/v.mp4", "textMessage": "Hi"}))).unwrap();
        assert_eq!(plain["video"]["caption"], "Hi");
        assert!(telegram_template(
            "5",
            &map(json!({"headerType": "IMAGE", "textMessage": "x"}))
        )
        .is_err());
        assert!(telegram_template("5", &map(json!({"textMessage": "x", "buttons": [
            {"type": "web_url", "title": "a", "url": "https://x"}, {"type": "postback", "title": "b"}]}))).is_err());
    }
}
