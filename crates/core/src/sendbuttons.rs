//! The Send Buttons API (`POST /compat/sendbuttons/sendButtons`): its JSON body read and
//! checked against the service's documented limits, translated into a Cloud API message
//! object for the native send path, and its `reason` codes.
//!
//! The body is checked in the dialect's own terms first (`button1: at most 20 characters`),
//! so a client sees the field it wrote; the native message parser then checks the
//! translation like any other send.

use serde_json::{json, Map, Value};

use crate::json_reader::{is_http_url, loose_text};

/// `footer`: at most 60 characters.
pub const FOOTER_MAX: usize = 60;
/// `button1..3`: at most 20 characters.
pub const BUTTON_TEXT_MAX: usize = 20;
/// `button1_id..3_id`: at most 256 characters.
pub const BUTTON_ID_MAX: usize = 256;
/// `body`: at most 1024 characters (WhatsApp's limit for an interactive body).
pub const BODY_MAX: usize = 1024;

/// Why a request failed: the answer's `reason` (`1` is a success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// 1: accepted; the message is on its way (statuses follow on the webhook).
    Accepted,
    /// 2: `apiKey` missing, unknown, revoked, or without send permission.
    BadKey,
    /// 3: `from` is not a WhatsApp channel of the key's account.
    UnknownFrom,
    /// 4: a parameter is missing or invalid (`description` names it).
    InvalidParameter,
    /// 5: `to` is not a valid WhatsApp number.
    InvalidNumber,
    /// 6: the customer has not written in the last 24 hours: send a template message.
    WindowClosed,
    /// 7: the header file is of the wrong type for `header`, or too large.
    MediaRefused,
    /// 8: `headerURL` could not be fetched (with `localStorage`).
    MediaUnreachable,
    /// 9: `buttonExternal` is a phone number or e-mail, which the channel cannot carry as a
    /// button outside a template.
    ExternalUnsupported,
    /// 10: the body is not a JSON object.
    MalformedBody,
    /// 11: a temporary failure on our side; try again.
    Temporary,
    /// 12: the key sent more requests than its rate allows; try again shortly.
    RateLimited,
}

impl Reason {
    /// The numeric code of the answer's `reason`.
    pub fn code(self) -> u8 {
        match self {
            Reason::Accepted => 1,
            Reason::BadKey => 2,
            Reason::UnknownFrom => 3,
            Reason::InvalidParameter => 4,
            Reason::InvalidNumber => 5,
            Reason::WindowClosed => 6,
            Reason::MediaRefused => 7,
            Reason::MediaUnreachable => 8,
            Reason::ExternalUnsupported => 9,
            Reason::MalformedBody => 10,
            Reason::Temporary => 11,
            Reason::RateLimited => 12,
        }
    }
}

/// A failed request: its reason and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{description}")]
pub struct Refusal {
    /// The reason code.
    pub reason: Reason,
    /// What is wrong and how to fix it, naming the field.
    pub description: String,
}

impl Refusal {
    /// A refusal for `reason` saying `description`.
    pub fn new(reason: Reason, description: impl Into<String>) -> Self {
        Self {
            reason,
            description: description.into(),
        }
    }

    fn invalid(description: impl Into<String>) -> Self {
        Self::new(Reason::InvalidParameter, description)
    }
}

/// The header media kinds (`header` 2–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMedia {
    /// 2: JPEG or PNG, up to 5 MB.
    Image,
    /// 3: MP4, up to 16 MB.
    Video,
    /// 4: PDF, up to 100 MB.
    Document,
}

impl HeaderMedia {
    /// The Cloud API header type.
    pub fn as_str(self) -> &'static str {
        match self {
            HeaderMedia::Image => "image",
            HeaderMedia::Video => "video",
            HeaderMedia::Document => "document",
        }
    }

    /// The MIME types the service accepts for this header.
    pub fn mimes(self) -> &'static [&'static str] {
        match self {
            HeaderMedia::Image => &["image/jpeg", "image/png"],
            HeaderMedia::Video => &["video/mp4"],
            HeaderMedia::Document => &["application/pdf"],
        }
    }

    /// The file name extensions that go with the accepted types.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            HeaderMedia::Image => &["jpg", "jpeg", "png"],
            HeaderMedia::Video => &["mp4"],
            HeaderMedia::Document => &["pdf"],
        }
    }

    /// What the header takes, for people.
    pub fn rule(self) -> &'static str {
        match self {
            HeaderMedia::Image => "an image header takes a JPG or PNG of at most 5 MB",
            HeaderMedia::Video => "a video header takes an MP4 of at most 16 MB",
            HeaderMedia::Document => "a document header takes a PDF of at most 100 MB",
        }
    }
}

/// Where `buttonExternal` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum External {
    /// A website: a URL button.
    Url(String),
    /// A phone number to call.
    Phone(String),
    /// An e-mail address.
    Email(String),
}

/// A checked Send Buttons request.
#[derive(Debug, Clone, PartialEq)]
pub struct SendButtons {
    /// The `apiKey`, when given.
    pub api_key: Option<String>,
    /// `from`: the channel's WhatsApp number or its id.
    pub from: String,
    /// `to`, as written.
    pub to: String,
    /// `header`: 1 none, 2 image, 3 video, 4 document.
    pub header: u8,
    /// The header's media kind and `headerURL`, for `header` 2–4.
    pub header_media: Option<(HeaderMedia, String)>,
    /// `body`.
    pub body: String,
    /// `footer`.
    pub footer: Option<String>,
    /// The reply buttons `(text, id)`, in order (one with `buttonExternal`).
    pub buttons: Vec<(String, String)>,
    /// `buttonExternal`, read.
    pub external: Option<External>,
    /// `buttonExternal` as written (echoed in the answer).
    pub external_text: Option<String>,
    /// `replyTo`: the quoted message.
    pub reply_to: Option<String>,
    /// `showRequest`: echo the request (without `apiKey`) in the answer.
    pub show_request: bool,
    /// `localStorage`: fetch `headerURL` and send our copy.
    pub local_storage: bool,
    /// The request as sent, without `apiKey` (for `showRequest`).
    pub request: Value,
}

/// A text field: a string, or a number written as one.
fn text(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Refusal> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => loose_text(v)
            .map(Some)
            .ok_or_else(|| Refusal::invalid(format!("{key}: must be a string; send it as text"))),
    }
}

fn required(map: &Map<String, Value>, key: &str, hint: &str) -> Result<String, Refusal> {
    match text(map, key)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(Refusal::invalid(format!("{key}: is required; {hint}"))),
    }
}

fn at_most(key: &str, value: &str, max: usize) -> Result<(), Refusal> {
    let n = value.chars().count();
    if n > max {
        return Err(Refusal::invalid(format!(
            "{key}: must be at most {max} characters, got {n}; shorten it"
        )));
    }
    Ok(())
}

/// A 0/1 switch: 0, 1, "0", "1", false or true.
fn switch(map: &Map<String, Value>, key: &str) -> Result<bool, Refusal> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => match v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(Refusal::invalid(format!(
                "{key}: must be 0 (off) or 1 (on), got {v}"
            ))),
        },
    }
}

/// Reads `buttonExternal`: an http(s) URL (or a bare domain), a phone number, or an e-mail.
pub fn read_external(value: &str) -> Result<External, Refusal> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if let Some(mail) = lower.strip_prefix("mailto:") {
        return Ok(External::Email(mail.to_string()));
    }
    if let Some(phone) = lower.strip_prefix("tel:") {
        return Ok(External::Phone(phone.to_string()));
    }
    if is_http_url(v) {
        return Ok(External::Url(v.to_string()));
    }
    if v.contains('@') && !v.contains(char::is_whitespace) {
        return Ok(External::Email(v.to_string()));
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if digits >= 5 && v.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c)) {
        return Ok(External::Phone(v.to_string()));
    }
    let url = format!("https://{v}");
    if v.contains('.') && is_http_url(&url) {
        return Ok(External::Url(url));
    }
    Err(Refusal::invalid(format!(
        "buttonExternal: `{v}` is not a website URL, phone number or e-mail address"
    )))
}

/// The file extension of a URL's path, lowercase, if it has one.
fn url_extension(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let last = path.rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// Reads and checks a Send Buttons body.
pub fn read(value: &Value) -> Result<SendButtons, Refusal> {
    let Value::Object(map) = value else {
        return Err(Refusal::new(
            Reason::MalformedBody,
            "the body must be a JSON object with apiKey, from, to, header, body and button1",
        ));
    };
    let api_key = text(map, "apiKey")?.filter(|k| !k.is_empty());
    let from = required(map, "from", "give your WhatsApp number (or the channel id)")?;
    let to = required(
        map,
        "to",
        "give the customer's number, international without +",
    )?;
    let header_text = required(map, "header", "1 none, 2 image, 3 video, 4 document")?;
    let header = match header_text.trim() {
        "1" => 1,
        "2" => 2,
        "3" => 3,
        "4" => 4,
        other => {
            return Err(Refusal::invalid(format!(
                "header: must be 1 (none), 2 (image), 3 (video) or 4 (document), got `{other}`"
            )))
        }
    };
    let header_url = text(map, "headerURL")?.filter(|u| !u.trim().is_empty());
    let header_media = match (header, header_url) {
        (1, _) => None,
        (h, None) => {
            return Err(Refusal::invalid(format!(
                "headerURL: is required with header {h}; give an https URL of the file"
            )))
        }
        (h, Some(url)) => {
            let kind = match h {
                2 => HeaderMedia::Image,
                3 => HeaderMedia::Video,
                _ => HeaderMedia::Document,
            };
            if !is_http_url(&url) {
                return Err(Refusal::invalid(format!(
                    "headerURL: must be an http(s) URL, got `{url}`"
                )));
            }
            if let Some(ext) = url_extension(&url) {
                if ext.len() <= 4 && !kind.extensions().contains(&ext.as_str()) {
                    return Err(Refusal::new(
                        Reason::MediaRefused,
                        format!(
                            "headerURL: a .{ext} file cannot be the header; {}",
                            kind.rule()
                        ),
                    ));
                }
            }
            Some((kind, url))
        }
    };
    let body = required(map, "body", "give the message text")?;
    at_most("body", &body, BODY_MAX)?;
    let footer = text(map, "footer")?.filter(|f| !f.is_empty());
    if let Some(f) = &footer {
        at_most("footer", f, FOOTER_MAX)?;
    }
    let external_text = text(map, "buttonExternal")?.filter(|e| !e.trim().is_empty());
    let external = external_text.as_deref().map(read_external).transpose()?;
    let mut buttons = Vec::new();
    let count = if external.is_some() { 1 } else { 3 };
    for i in 1..=count {
        let key = format!("button{i}");
        let Some(title) = text(map, &key)?.filter(|t| !t.trim().is_empty()) else {
            if i == 1 {
                return Err(Refusal::invalid(
                    "button1: is required; give the text of the first button",
                ));
            }
            continue;
        };
        at_most(&key, &title, BUTTON_TEXT_MAX)?;
        let id_key = format!("button{i}_id");
        let id = text(map, &id_key)?
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| i.to_string());
        at_most(&id_key, &id, BUTTON_ID_MAX)?;
        if let Some((_, other)) = buttons.iter().find(|(_, other)| *other == id) {
            return Err(Refusal::invalid(format!(
                "{id_key}: `{id}` is already the id of another button ({other}); ids must differ"
            )));
        }
        buttons.push((title, id));
    }
    let reply_to = text(map, "replyTo")?.filter(|r| !r.is_empty());
    let show_request = switch(map, "showRequest")?;
    let local_storage = switch(map, "localStorage")?;
    let mut request = map.clone();
    request.remove("apiKey");
    Ok(SendButtons {
        api_key,
        from,
        to,
        header,
        header_media,
        body,
        footer,
        buttons,
        external,
        external_text,
        reply_to,
        show_request,
        local_storage,
        request: Value::Object(request),
    })
}

impl SendButtons {
    /// The Cloud API message object to send. `header_media` is the header's media object
    /// (`{"link": …}` or `{"id": …}`, for `header` 2–4). A phone or e-mail `buttonExternal`
    /// is refused: outside a template, WhatsApp carries only a URL button.
    pub fn message(&self, header_media: Option<Value>) -> Result<Value, Refusal> {
        let header = match (&self.header_media, header_media) {
            (Some((kind, _)), Some(media)) => {
                let mut h = json!({"type": kind.as_str()});
                h[kind.as_str()] = media;
                Some(h)
            }
            _ => None,
        };
        let (kind, action) = match &self.external {
            None => (
                "button",
                json!({"buttons": self.buttons.iter().map(|(title, id)| {
                    json!({"type": "reply", "reply": {"id": id, "title": title}})
                }).collect::<Vec<_>>()}),
            ),
            Some(External::Url(url)) => (
                "cta_url",
                json!({"name": "cta_url", "parameters": {
                    "display_text": self.buttons.first().map(|(t, _)| t.as_str()).unwrap_or_default(),
                    "url": url,
                }}),
            ),
            Some(External::Phone(p)) => {
                return Err(Refusal::new(
                    Reason::ExternalUnsupported,
                    format!("buttonExternal: `{p}` is a phone number; WhatsApp carries a call button only in an approved template, not in a reply message; send a URL or use a template with a phone button"),
                ))
            }
            Some(External::Email(m)) => {
                return Err(Refusal::new(
                    Reason::ExternalUnsupported,
                    format!("buttonExternal: `{m}` is an e-mail address; WhatsApp has no e-mail button; send a website URL instead"),
                ))
            }
        };
        let mut interactive = json!({"type": kind, "body": {"text": self.body}, "action": action});
        if let Some(h) = header {
            interactive["header"] = h;
        }
        if let Some(f) = &self.footer {
            interactive["footer"] = json!({"text": f});
        }
        let mut message = json!({
            "messaging_product": "whatsapp",
            "to": self.to,
            "type": "interactive",
            "interactive": interactive,
        });
        if let Some(r) = &self.reply_to {
            message["context"] = json!({"message_id": r});
        }
        Ok(message)
    }
}

/// Minutes left in a 24-hour window that closes at `expires_at`, seen at `now` (0 when closed).
pub fn minutes_left(expires_at: Option<i64>, now: i64) -> i64 {
    expires_at.map_or(0, |at| (at - now).max(0) / 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({
            "apiKey": "sk_1", "from": "972507654321", "to": "972501234567", "header": "1",
            "body": "your body", "footer": "your footer", "button1": "button 1 text",
            "button2": "button 2 text", "button3": "button 3 text"
        })
    }

    #[test]
    fn reads_the_documented_body() {
        let r = read(&sample()).expect("valid");
        assert_eq!(r.api_key.as_deref(), Some("sk_1"));
        assert_eq!(r.header, 1);
        assert_eq!(
            r.buttons,
            vec![
                ("button 1 text".into(), "1".into()),
                ("button 2 text".into(), "2".into()),
                ("button 3 text".into(), "3".into())
            ]
        );
        assert_eq!(r.request.get("apiKey"), None);
        let m = r.message(None).expect("message");
        assert_eq!(m["interactive"]["type"], "button");
        assert_eq!(m["interactive"]["footer"]["text"], "your footer");
        assert_eq!(m["interactive"]["action"]["buttons"][2]["reply"]["id"], "3");
        let parsed = crate::message::parse_message(&m).expect("a valid Cloud message");
        assert_eq!(parsed.kind, "interactive");
    }

    #[test]
    fn limits_name_the_field() {
        let cases = [
            ("footer", json!("x".repeat(61))),
            ("button2", json!("x".repeat(21))),
            ("button1_id", json!("x".repeat(257))),
            ("header", json!(7)),
            ("showRequest", json!(2)),
        ];
        for (key, value) in cases {
            let mut body = sample();
            body[key] = value;
            let err = read(&body).expect_err(key);
            assert_eq!(err.reason, Reason::InvalidParameter, "{key}");
            assert!(err.description.starts_with(key), "{}", err.description);
        }
        let mut body = sample();
        body["header"] = json!(2);
        assert!(read(&body)
            .expect_err("no url")
            .description
            .starts_with("headerURL"));
        body["headerURL"] = json!("https://example.com/a.gif");
        assert_eq!(read(&body).expect_err("gif").reason, Reason::MediaRefused);
        body["headerURL"] = json!("https://example.com/a.png");
        let r = read(&body).expect("png");
        let m = r
            .message(Some(json!({"link": "https://example.com/a.png"})))
            .expect("message");
        assert_eq!(
            m["interactive"]["header"]["image"]["link"],
            "https://example.com/a.png"
        );
        assert_eq!(
            read(&json!([])).expect_err("array").reason,
            Reason::MalformedBody
        );
    }

    #[test]
    fn external_buttons() {
        let mut body = sample();
        body["buttonExternal"] = json!("https://www.example.com");
        let r = read(&body).expect("valid");
        assert_eq!(r.buttons.len(), 1, "button2 and button3 are ignored");
        let m = r.message(None).expect("url button");
        assert_eq!(m["interactive"]["type"], "cta_url");
        assert_eq!(
            m["interactive"]["action"]["parameters"]["display_text"],
            "button 1 text"
        );
        crate::message::parse_message(&m).expect("a valid Cloud message");
        for (value, expected) in [
            ("+972 50-123-4567", "phone"),
            ("tel:0501234567", "phone"),
            ("info@example.com", "e-mail"),
        ] {
            body["buttonExternal"] = json!(value);
            let err = read(&body).expect("read").message(None).expect_err(value);
            assert_eq!(err.reason, Reason::ExternalUnsupported);
            assert!(err.description.contains(expected), "{}", err.description);
        }
        assert_eq!(
            read_external("www.example.com"),
            Ok(External::Url("https://www.example.com".into()))
        );
        assert!(read_external("nothing useful").is_err());
    }

    #[test]
    fn minutes_left_in_the_window() {
        assert_eq!(minutes_left(None, 0), 0);
        assert_eq!(minutes_left(Some(400 * 60_000 + 59_000), 0), 400);
        assert_eq!(minutes_left(Some(0), 10), 0);
    }
}
