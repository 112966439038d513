//! The WhatsApp Web bot platform's shapes (the `/compat/wabot/` dialect): recipients
//! (`chatId` as digits, `…@s.whatsapp.net`, `…@c.us` or a group `…@g.us`), its send bodies
//! read into Cloud API messages for the native send, and its answer objects (the session's
//! message with `key.remoteJid`, `fromMe`, `id`, `status: "PENDING"`).

use serde_json::{json, Map, Value};

/// Buttons per button message (WhatsApp's limit for a buttons message).
pub const BUTTONS_MAX: usize = 3;
/// Characters of a button title.
pub const BUTTON_TITLE_MAX: usize = 20;

/// The WhatsApp address of a `chatId`/`to`: digits (`2349048988056`, `+234 904…`),
/// `…@s.whatsapp.net` (a device suffix `:8` is dropped), `…@c.us`, or a group `…@g.us`
/// (kept whole). The error says what to write.
pub fn chat_address(field: &str, raw: &Value) -> Result<String, String> {
    let text = match raw {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => {
            return Err(format!(
                "{field}: is required; give the number with its country code (2349048988056)"
            ))
        }
        other => {
            return Err(format!(
                "{field}: must be a phone number or chat id, got {other}"
            ))
        }
    };
    if text.is_empty() {
        return Err(format!(
            "{field}: is empty; give the number with its country code (2349048988056), or a group id (…@g.us)"
        ));
    }
    if let Some(group) = text.strip_suffix("@g.us") {
        if !group.is_empty() && group.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Ok(text);
        }
        return Err(format!("{field}: `{text}` is not a group id"));
    }
    let user = text
        .strip_suffix("@s.whatsapp.net")
        .or_else(|| text.strip_suffix("@c.us"))
        .unwrap_or(&text);
    let user = user.split(':').next().unwrap_or(user);
    let digits: String = user
        .trim_start_matches('+')
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    if digits.len() < 6 || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{field}: `{text}` is not a phone number; give it in digits with the country code (2349048988056), as …@s.whatsapp.net, or a group id (…@g.us)"
        ));
    }
    Ok(digits)
}

/// The session's JID of an address: `…@s.whatsapp.net` for a number, a group as it is.
pub fn remote_jid(address: &str) -> String {
    if address.contains('@') {
        address.to_string()
    } else {
        format!("{address}@s.whatsapp.net")
    }
}

/// The old `…@c.us` form of an address (the deprecated `sendText` answer).
pub fn c_us(address: &str) -> String {
    if address.contains('@') {
        address.to_string()
    } else {
        format!("{address}@c.us")
    }
}

/// A text field of `fields`, trimmed; `None` when absent, null or empty.
pub fn text_of(fields: &Map<String, Value>, name: &str) -> Option<String> {
    match fields.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// A Cloud API text message.
pub fn text_message(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}})
}

fn coordinate(location: &Value, key: &str) -> Result<f64, String> {
    let value = match &location[key] {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    value.ok_or_else(|| format!("location.{key}: must be a number such as 6.556452"))
}

/// A `location` object (`name`, `lat`, `lng`, numbers or numeric strings) as a Cloud API
/// location message, and the session's `locationMessage`.
pub fn location_message(to: &str, location: &Value) -> Result<(Value, Value), String> {
    if !location.is_object() {
        return Err("location: must be an object {name, lat, lng}".into());
    }
    let (lat, lng) = (coordinate(location, "lat")?, coordinate(location, "lng")?);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
        return Err("location: lat must be within ±90 and lng within ±180".into());
    }
    let mut place = json!({"latitude": lat, "longitude": lng});
    if let Some(name) = location["name"].as_str().filter(|n| !n.trim().is_empty()) {
        place["name"] = json!(name);
    }
    let message =
        json!({"messaging_product": "whatsapp", "to": to, "type": "location", "location": place});
    let session = json!({"locationMessage": {"degreesLatitude": lat, "degreesLongitude": lng}});
    Ok((message, session))
}

/// A contact card: its name, organization and phone.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The full name (`FN`).
    pub full_name: String,
    /// The name shown on the card.
    pub display_name: String,
    /// The organization, if any.
    pub organization: Option<String>,
    /// The number, digits with the country code.
    pub phone: String,
}

impl Card {
    /// Reads a `vcard` object (`fullName`, `displayName`, `organization`, `phoneNumber`).
    pub fn read(vcard: &Value) -> Result<Card, String> {
        let Value::Object(fields) = vcard else {
            return Err(
                "vcard: must be an object {fullName, displayName, organization, phoneNumber}"
                    .into(),
            );
        };
        let phone = chat_address(
            "vcard.phoneNumber",
            fields.get("phoneNumber").unwrap_or(&Value::Null),
        )?;
        let full_name = text_of(fields, "fullName")
            .or_else(|| text_of(fields, "displayName"))
            .ok_or("vcard.fullName: is required; give the contact's name")?;
        Ok(Card {
            display_name: text_of(fields, "displayName").unwrap_or_else(|| full_name.clone()),
            full_name,
            organization: text_of(fields, "organization"),
            phone,
        })
    }

    /// The vCard 3.0 text the session sends.
    pub fn vcard(&self) -> String {
        format!(
            "BEGIN:VCARD\nVERSION:3.0\nFN:{}\nORG:{};\nTEL;type=CELL;type=VOICE;waid={}:{}\nEND:VCARD",
            self.full_name,
            self.organization.as_deref().unwrap_or(""),
            self.phone,
            self.phone
        )
    }

    /// The Cloud API contacts message carrying the card.
    pub fn message(&self, to: &str) -> Value {
        let mut contact = json!({
            "name": {"formatted_name": self.display_name, "first_name": self.full_name},
            "phones": [{"phone": format!("+{}", self.phone), "wa_id": self.phone, "type": "CELL"}],
        });
        if let Some(org) = &self.organization {
            contact["org"] = json!({"company": org});
        }
        json!({"messaging_product": "whatsapp", "to": to, "type": "contacts", "contacts": [contact]})
    }

    /// The session's `contactMessage`.
    pub fn session_message(&self) -> Value {
        json!({"contactMessage": {"displayName": self.display_name, "vcard": self.vcard()}})
    }
}

/// One button of a `btndata`.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    /// `replyButton`, `urlButton` or `callButton`.
    pub kind: String,
    /// Its title.
    pub title: String,
    /// The link or number of a URL or call button.
    pub payload: Option<String>,
}

/// A checked `btndata`: text, up to three buttons, footer, and (for `MediaButton`) a media
/// link.
#[derive(Debug, Clone, PartialEq)]
pub struct ButtonData {
    /// The message text.
    pub text: String,
    /// The buttons.
    pub buttons: Vec<Button>,
    /// The footer, if any.
    pub footer: Option<String>,
    /// The media link (`image`), for `MediaButton`.
    pub media_url: Option<String>,
    /// `image`, `video` or `document` (`mediaType`), for `MediaButton`.
    pub media_type: Option<String>,
}

impl ButtonData {
    /// Reads `btndata`; `with_media` requires `image` (a link) and reads `mediaType`.
    pub fn read(btndata: &Value, with_media: bool) -> Result<ButtonData, String> {
        let Value::Object(fields) = btndata else {
            return Err("btndata: must be an object {text, buttons, footerText}".into());
        };
        let text = text_of(fields, "text").ok_or("btndata.text: is required")?;
        let list = match fields.get("buttons") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            _ => {
                return Err(format!(
                    "btndata.buttons: give one to {BUTTONS_MAX} buttons"
                ))
            }
        };
        if list.len() > BUTTONS_MAX {
            return Err(format!(
                "btndata.buttons: at most {BUTTONS_MAX} buttons, got {}",
                list.len()
            ));
        }
        let mut buttons = Vec::new();
        for (i, b) in list.iter().enumerate() {
            let at = format!("btndata.buttons[{i}]");
            let Value::Object(b) = b else {
                return Err(format!("{at}: must be an object {{type, title, payload}}"));
            };
            let kind = text_of(b, "type").unwrap_or_else(|| "replyButton".into());
            let title = text_of(b, "title").ok_or(format!("{at}.title: is required"))?;
            let payload = text_of(b, "payload");
            match kind.as_str() {
                "replyButton" => {}
                "urlButton" | "callButton" if payload.is_none() => {
                    return Err(format!(
                        "{at}.payload: a {kind} needs its {}",
                        if kind == "urlButton" {
                            "link (https://…)"
                        } else {
                            "phone number"
                        }
                    ))
                }
                "urlButton" | "callButton" => {}
                other => {
                    return Err(format!(
                        "{at}.type: `{other}` is not a button type; use replyButton, urlButton or callButton"
                    ))
                }
            }
            buttons.push(Button {
                kind,
                title,
                payload,
            });
        }
        let (media_url, media_type) = if with_media {
            let url = text_of(fields, "image")
                .ok_or("btndata.image: is required; give the media's https:// link")?;
            let kind = text_of(fields, "mediaType").unwrap_or_else(|| "image".into());
            if !matches!(kind.as_str(), "image" | "video" | "document") {
                return Err(format!(
                    "btndata.mediaType: `{kind}` is not a media type; use image, video or document"
                ));
            }
            (Some(url), Some(kind))
        } else {
            (None, None)
        };
        Ok(ButtonData {
            text,
            buttons,
            footer: text_of(fields, "footerText"),
            media_url,
            media_type,
        })
    }

    /// The text a WhatsApp Web session sends for the buttons: the text, reply buttons as
    /// numbered options, URL and call buttons as `title: link` lines, the footer in italics.
    pub fn as_text(&self) -> String {
        let mut parts = vec![self.text.clone()];
        let lines: Vec<String> = self
            .buttons
            .iter()
            .enumerate()
            .map(|(i, b)| match (b.kind.as_str(), &b.payload) {
                ("urlButton", Some(url)) => format!("{}. {}: {url}", i + 1, b.title),
                ("callButton", Some(number)) => {
                    format!(
                        "{}. {}: +{}",
                        i + 1,
                        b.title,
                        number.trim_start_matches('+')
                    )
                }
                _ => format!("{}. {}", i + 1, b.title),
            })
            .collect();
        parts.push(lines.join("\n"));
        if let Some(footer) = &self.footer {
            parts.push(format!("_{footer}_"));
        }
        parts.join("\n\n")
    }

    /// The numbered options the text offers (its reply buttons, by their number in the
    /// text; a button's id is its `payload`, else its number), in the shape of
    /// [`crate::message::text_fallback::CHOICES`]; `None` without reply buttons.
    pub fn choices(&self) -> Option<Value> {
        let options: Vec<Value> = self
            .buttons
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind == "replyButton")
            .map(|(i, b)| {
                let id = b.payload.clone().unwrap_or_else(|| (i + 1).to_string());
                json!({"n": i + 1, "id": id, "title": b.title})
            })
            .collect();
        (!options.is_empty()).then(|| json!({"type": "button_reply", "options": options}))
    }

    /// The session's `buttonsMessage`, recording the buttons as given.
    pub fn session_message(&self) -> Value {
        let buttons: Vec<Value> = self
            .buttons
            .iter()
            .enumerate()
            .map(|(i, b)| {
                json!({"index": i + 1, "type": b.kind, "title": b.title, "payload": b.payload})
            })
            .collect();
        json!({"buttonsMessage": {"contentText": self.text, "footerText": self.footer,
            "buttons": buttons, "mediaUrl": self.media_url, "mediaType": self.media_type}})
    }
}

/// Reads a `msgdata` (`buttonText`, `text`, `title`, `description`, `sections[{title,
/// rows[{title, description, rowId}]}]`) into a Cloud API interactive list to `to` (sent
/// with the text fallback on a web session), and the session's `listMessage`.
pub fn list_message(to: &str, msgdata: &Value) -> Result<(Value, Value), String> {
    let Value::Object(fields) = msgdata else {
        return Err(
            "msgdata: must be an object {buttonText, text, title, description, sections}".into(),
        );
    };
    let text = text_of(fields, "text").ok_or("msgdata.text: is required")?;
    let button = text_of(fields, "buttonText").unwrap_or_else(|| "Options".into());
    let sections = match fields.get("sections") {
        Some(Value::Array(s)) if !s.is_empty() => s,
        _ => return Err("msgdata.sections: give at least one section with rows".into()),
    };
    let mut cloud_sections = Vec::new();
    let mut n = 0;
    for (i, section) in sections.iter().enumerate() {
        let rows = match section.get("rows") {
            Some(Value::Array(r)) if !r.is_empty() => r,
            _ => return Err(format!("msgdata.sections[{i}].rows: give at least one row")),
        };
        let mut cloud_rows = Vec::new();
        for (j, row) in rows.iter().enumerate() {
            n += 1;
            let title = row["title"]
                .as_str()
                .filter(|t| !t.trim().is_empty())
                .ok_or(format!(
                    "msgdata.sections[{i}].rows[{j}].title: is required"
                ))?;
            let id = row["rowId"]
                .as_str()
                .filter(|t| !t.trim().is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| n.to_string());
            let mut r = json!({"id": id, "title": title});
            if let Some(d) = row["description"].as_str().filter(|d| !d.trim().is_empty()) {
                r["description"] = json!(d);
            }
            cloud_rows.push(r);
        }
        let mut s = json!({"rows": cloud_rows});
        if let Some(t) = section["title"].as_str().filter(|t| !t.trim().is_empty()) {
            s["title"] = json!(t);
        }
        cloud_sections.push(s);
    }
    let mut interactive = json!({"type": "list", "body": {"text": text},
        "action": {"button": button, "sections": cloud_sections}});
    if let Some(title) = text_of(fields, "title") {
        interactive["header"] = json!({"type": "text", "text": title});
    }
    if let Some(footer) = text_of(fields, "description") {
        interactive["footer"] = json!({"text": footer});
    }
    let session = json!({"listMessage": {"title": text_of(fields, "title"), "description": text,
        "buttonText": button, "footerText": text_of(fields, "description"),
        "listType": fields.get("listType").cloned().unwrap_or(json!(0)),
        "sections": msgdata["sections"]}});
    let message = json!({"messaging_product": "whatsapp", "to": to, "type": "interactive",
        "interactive": interactive, "fallback": "text"});
    Ok((message, session))
}

/// The session's message answered for a send: `key` (`remoteJid`, `fromMe`, `id` — our
/// `msg_…` id), `status: "PENDING"` (stored and queued for the session), the `message` and
/// `messageTimestamp` (Unix seconds, as text).
pub fn sent_message(address: &str, id: &str, message: Value, at_secs: i64) -> Value {
    json!({
        "key": {"remoteJid": remote_jid(address), "fromMe": true, "id": id},
        "status": "PENDING",
        "message": message,
        "messageTimestamp": at_secs.to_string(),
    })
}

/// The session's media message key for a media kind (`imageMessage`, …).
pub fn media_message_key(kind: &str) -> &'static str {
    match kind {
        "image" => "imageMessage",
        "video" => "videoMessage",
        "audio" => "audioMessage",
        "sticker" => "stickerMessage",
        _ => "documentMessage",
    }
}

/// The kind a `type` of `message/fileurl` names: `image`, `video`, `audio`, or `document`
/// (also `doc`, `file`, `pdf`).
pub fn file_kind(kind: &str) -> Result<&'static str, String> {
    match kind.trim().to_ascii_lowercase().as_str() {
        "image" => Ok("image"),
        "video" => Ok("video"),
        "audio" => Ok("audio"),
        "document" | "doc" | "file" | "pdf" => Ok("document"),
        other => Err(format!(
            "type: `{other}` is not a file type; use image, video, audio or document"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_ids_are_read_in_every_form() {
        for (raw, want) in [
            (json!("2349048988056"), "2349048988056"),
            (json!("2349040613521:8@s.whatsapp.net"), "2349040613521"),
            (json!("2348179803743@c.us"), "2348179803743"),
            (json!(2348179803743_u64), "2348179803743"),
            (json!("+234 904 898 8056"), "2349048988056"),
            (json!("120363041234567890@g.us"), "120363041234567890@g.us"),
        ] {
            assert_eq!(chat_address("chatId", &raw).as_deref(), Ok(want), "{raw}");
        }
        for bad in [
            json!(""),
            json!("hello"),
            json!(null),
            json!({"a": 1}),
            json!("x@g.us"),
        ] {
            let e = chat_address("chatId", &bad).expect_err("bad");
            assert!(e.starts_with("chatId"), "{e}");
        }
        assert_eq!(remote_jid("2349048988056"), "2349048988056@s.whatsapp.net");
        assert_eq!(c_us("2348179803743"), "2348179803743@c.us");
    }

    #[test]
    fn the_documented_buttons_become_text() {
        let data = json!({"text": "title Head", "buttons": [
            {"type": "replyButton", "title": "Reply this text (REPLY)"},
            {"type": "urlButton", "title": "Click me (URL)", "payload": "https://google.com"},
            {"type": "callButton", "title": "Click to call (CALL)", "payload": "918788889688"}],
            "footerText": "title footer"});
        let read = ButtonData::read(&data, false).expect("valid");
        assert_eq!(
            read.as_text(),
            "title Head\n\n1. Reply this text (REPLY)\n2. Click me (URL): https://google.com\n3. Click to call (CALL): +918788889688\n\n_title footer_"
        );
        let mut no_link = data.clone();
        no_link["buttons"][1]["payload"] = Value::Null;
        assert!(ButtonData::read(&no_link, false)
            .expect_err("no link")
            .starts_with("btndata.buttons[1].payload"));
        assert!(ButtonData::read(&data, true)
            .expect_err("no media")
            .starts_with("btndata.image"));
    }

    #[test]
    fn cards_lists_and_locations() {
        let card = Card::read(&json!({"fullName": "john doe", "displayName": "johndoe",
            "organization": "Men In Black", "phoneNumber": "919999999999"}))
        .expect("card");
        assert_eq!(card.vcard(), "BEGIN:VCARD\nVERSION:3.0\nFN:john doe\nORG:Men In Black;\nTEL;type=CELL;type=VOICE;waid=919999999999:919999999999\nEND:VCARD");
        assert_eq!(
            card.message("1")["contacts"][0]["phones"][0]["wa_id"],
            "919999999999"
        );
        let (list, session) = list_message(
            "1",
            &json!({"buttonText": "Button Text", "text": "Middle Text",
            "title": "Head Title", "description": "Footer Description", "listType": 0,
            "sections": [{"title": "title", "rows": [{"title": "Title Option 1",
                "description": "Option Description", "rowId": "string"}]}]}),
        )
        .expect("list");
        assert_eq!(
            list["interactive"]["action"]["sections"][0]["rows"][0]["id"],
            "string"
        );
        assert_eq!(list["interactive"]["header"]["text"], "Head Title");
        assert_eq!(session["listMessage"]["buttonText"], "Button Text");
        let (loc, session) = location_message(
            "1",
            &json!({"name": "locationName", "lat": "6.556452", "lng": "3.2774487"}),
        )
        .expect("loc");
        assert_eq!(loc["location"]["latitude"], 6.556452);
        assert_eq!(session["locationMessage"]["degreesLongitude"], 3.2774487);
        assert!(location_message("1", &json!({"lat": "x", "lng": 1})).is_err());
        assert_eq!(file_kind("image"), Ok("image"));
        assert!(file_kind("gif").is_err());
    }
}
