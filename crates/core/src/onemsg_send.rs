//! The 1msg send methods' fields translated into a Cloud API message object for the native
//! send path (which then validates it like any other send: WhatsApp's limits, the window, the
//! template check).
//!
//! The fields arrive as a JSON object or a form-encoded body, so structured fields (`sections`,
//! `contacts`, `params`, `language`, `action`) may be JSON or a string holding JSON. Fields the
//! method does not know are ignored (1msg's clients send `token`, `namespace` or
//! `mentionedPhones` alongside). The native validator's errors name the native JSON path;
//! [`dialect_details`] renames it to the field the client wrote.

use serde_json::{json, Map, Value};

use crate::json_reader::loose_text;

/// A 1msg send method that becomes one message (`sendFile` is [`file_message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMethod {
    /// `sendMessage`: text.
    Message,
    /// `sendLocation`.
    Location,
    /// `sendContact`.
    Contact,
    /// `sendList`: an interactive list.
    List,
    /// `sendButtons`: up to three reply buttons.
    Buttons,
    /// `sendLocationRequest`: a "Send location" button.
    LocationRequest,
    /// `sendReaction`: an emoji on `quotedMsgId`.
    Reaction,
    /// `sendTemplate`.
    Template,
    /// `sendProduct`: one product or a product list.
    Product,
    /// `sendFile`: a stored media file.
    File,
}

/// A field that cannot be translated: which one, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field as the client wrote it, e.g. `sections[0].reply`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

type Fields = Map<String, Value>;

/// A present, non-null field.
fn get<'a>(fields: &'a Fields, name: &str) -> Option<&'a Value> {
    fields.get(name).filter(|v| !v.is_null())
}

/// An optional text field (a number is read as its text); an empty string counts as given.
fn opt_text(fields: &Fields, name: &str) -> Result<Option<String>, FieldError> {
    match get(fields, name) {
        None => Ok(None),
        Some(v) => loose_text(v)
            .map(Some)
            .ok_or_else(|| FieldError::new(name, format!("must be a string, got {v}"))),
    }
}

/// An optional text field, absent when empty or only spaces.
fn opt_nonempty(fields: &Fields, name: &str) -> Result<Option<String>, FieldError> {
    Ok(opt_text(fields, name)?.filter(|t| !t.trim().is_empty()))
}

/// A required, non-empty text field.
fn text(fields: &Fields, name: &str, what: &str) -> Result<String, FieldError> {
    opt_nonempty(fields, name)?.ok_or_else(|| FieldError::new(name, format!("is required: {what}")))
}

/// A structured field: JSON, or (form-encoded bodies) a string holding JSON.
fn structured(fields: &Fields, name: &str, example: &str) -> Result<Option<Value>, FieldError> {
    match get(fields, name) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).map(Some).map_err(|e| {
            FieldError::new(
                name,
                format!("is a string but not JSON ({e}); send it as JSON, e.g. {example}"),
            )
        }),
        Some(v) => Ok(Some(v.clone())),
    }
}

/// A required array field (a single object is read as an array of one).
fn array(fields: &Fields, name: &str, example: &str) -> Result<Vec<Value>, FieldError> {
    match structured(fields, name, example)? {
        None => Err(FieldError::new(
            name,
            format!("is required, e.g. {example}"),
        )),
        Some(Value::Array(items)) => Ok(items),
        Some(o @ Value::Object(_)) => Ok(vec![o]),
        Some(other) => Err(FieldError::new(
            name,
            format!("must be an array, e.g. {example}; got {other}"),
        )),
    }
}

/// The value with the surrounding spaces of every object key removed, at any depth (1msg's
/// own `sendButtons` sample writes `"id "`).
fn trim_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.trim().to_string(), trim_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(trim_keys).collect()),
        other => other,
    }
}

/// A numeric `id` member made a string (row and button ids are strings on the wire).
fn id_as_text(mut object: Value) -> Value {
    if let Some(id) = object.get_mut("id") {
        if let Value::Number(n) = id {
            *id = Value::String(n.to_string());
        }
    }
    object
}

fn text_object(text: String) -> Value {
    json!({ "text": text })
}

fn text_header(text: String) -> Value {
    json!({ "type": "text", "text": text })
}

/// A coordinate: a number or a numeric string.
fn coordinate(fields: &Fields, name: &str, example: &str) -> Result<f64, FieldError> {
    let hint = || format!("must be a number like {example}");
    match get(fields, name) {
        None => Err(FieldError::new(
            name,
            format!("is required, e.g. {example}"),
        )),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| FieldError::new(name, hint())),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| FieldError::new(name, format!("{}, got {s:?}", hint()))),
        Some(other) => Err(FieldError::new(name, format!("{}, got {other}", hint()))),
    }
}

/// The `quotedMsgId` field, if given.
pub fn quoted_msg_id(fields: &Fields) -> Result<Option<String>, FieldError> {
    Ok(opt_nonempty(fields, "quotedMsgId")?.map(|q| q.trim().to_string()))
}

/// The message object around `kind`'s content, to `to`, quoting `quoted` when given.
fn envelope(to: &str, kind: &str, content: Value, quoted: Option<&str>) -> Value {
    let mut message = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
    });
    message[kind] = content;
    if let Some(id) = quoted {
        message["context"] = json!({ "message_id": id });
    }
    message
}

fn interactive(to: &str, content: Value, quoted: Option<&str>) -> Value {
    envelope(to, "interactive", content, quoted)
}

fn send_message(f: &Fields) -> Result<(&'static str, Value), FieldError> {
    let body = text(f, "body", "the message text")?;
    let lower = body.to_ascii_lowercase();
    let preview = lower.contains("https://") || lower.contains("http://");
    Ok(("text", json!({ "body": body, "preview_url": preview })))
}

fn send_location(f: &Fields) -> Result<(&'static str, Value), FieldError> {
    let mut location = json!({
        "latitude": coordinate(f, "lat", "45.018337")?,
        "longitude": coordinate(f, "lng", "-73.968285")?,
    });
    if let Some(name) = opt_nonempty(f, "name")? {
        location["name"] = json!(name);
    }
    if let Some(address) = opt_nonempty(f, "address")? {
        location["address"] = json!(address);
    }
    Ok(("location", location))
}

fn send_contact(f: &Fields) -> Result<(&'static str, Value), FieldError> {
    let contacts = array(
        f,
        "contacts",
        r#"[{"name": {"formatted_name": "John Smith", "first_name": "John"}, "phones": [{"phone": "+1 (940) 555-1234", "type": "HOME"}]}]"#,
    )?;
    Ok(("contacts", trim_keys(Value::Array(contacts))))
}

fn add_footer(f: &Fields, content: &mut Value) -> Result<(), FieldError> {
    if let Some(footer) = opt_nonempty(f, "footer")? {
        content["footer"] = text_object(footer);
    }
    Ok(())
}

fn send_list(f: &Fields) -> Result<Value, FieldError> {
    let body = text(f, "body", "the main message text")?;
    let button = text(f, "action", "the label of the button that opens the list")?;
    let sections = array(
        f,
        "sections",
        r#"[{"title": "Section 1", "rows": [{"id": "1", "title": "Option 1", "description": "Description 1"}]}]"#,
    )?;
    let sections: Vec<Value> = sections
        .into_iter()
        .map(|s| {
            let mut s = trim_keys(s);
            if let Some(Value::Array(rows)) = s.get_mut("rows") {
                let taken = std::mem::take(rows);
                *rows = taken.into_iter().map(id_as_text).collect();
            }
            s
        })
        .collect();
    let mut content = json!({
        "type": "list",
        "body": text_object(body),
        "action": { "button": button, "sections": sections },
    });
    if let Some(header) = opt_nonempty(f, "header")? {
        content["header"] = text_header(header);
    }
    add_footer(f, &mut content)?;
    Ok(content)
}

/// `header` of `sendButtons`: a text, or a Cloud API header object (`{"type": "image",
/// "image": {"link": …}}`; the `type` may be left out when the object has one media key).
fn buttons_header(f: &Fields) -> Result<Option<Value>, FieldError> {
    let example = r#"{"type": "image", "image": {"link": "https://…"}}"#;
    let Some(header) = structured_or_text(f, "header", example)? else {
        return Ok(None);
    };
    match trim_keys(header) {
        Value::String(s) => Ok(Some(text_header(s))),
        Value::Object(mut o) => {
            if !o.contains_key("type") {
                let kind = ["text", "image", "video", "document"]
                    .into_iter()
                    .find(|k| o.contains_key(*k))
                    .ok_or_else(|| {
                        FieldError::new(
                            "header",
                            format!("give a text, or an object like {example}"),
                        )
                    })?;
                o.insert("type".into(), json!(kind));
            }
            Ok(Some(Value::Object(o)))
        }
        other => Err(FieldError::new(
            "header",
            format!("give a text, or an object like {example}; got {other}"),
        )),
    }
}

/// A field that is either text or JSON: a string holding a JSON object is read as one.
fn structured_or_text(f: &Fields, name: &str, example: &str) -> Result<Option<Value>, FieldError> {
    match get(f, name) {
        Some(Value::String(s)) if s.trim_start().starts_with('{') => structured(f, name, example),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => Ok(Some(v.clone())),
        None => Ok(None),
    }
}

fn send_buttons(f: &Fields) -> Result<Value, FieldError> {
    let body = text(f, "body", "the main message text")?;
    let example = r#"[{"type": "reply", "reply": {"id": "1", "title": "Yes"}}]"#;
    let name = if get(f, "sections").is_none() && get(f, "buttons").is_some() {
        "buttons"
    } else {
        "sections"
    };
    let buttons: Vec<Value> = array(f, name, example)?
        .into_iter()
        .enumerate()
        .map(|(i, b)| match trim_keys(b) {
            Value::Object(mut o) => {
                if let Some(reply) = o.remove("reply") {
                    o.insert("reply".into(), id_as_text(reply));
                    o.entry("type").or_insert_with(|| json!("reply"));
                    Ok(Value::Object(o))
                } else if o.contains_key("title") {
                    Ok(json!({ "type": "reply", "reply": id_as_text(Value::Object(o)) }))
                } else {
                    Err(FieldError::new(
                        format!("{name}[{i}]"),
                        format!("each button is {{\"type\": \"reply\", \"reply\": {{\"id\": …, \"title\": …}}}}, e.g. {example}"),
                    ))
                }
            }
            other => Err(FieldError::new(
                format!("{name}[{i}]"),
                format!("must be an object like {example}; got {other}"),
            )),
        })
        .collect::<Result<_, _>>()?;
    let mut content = json!({
        "type": "button",
        "body": text_object(body),
        "action": { "buttons": buttons },
    });
    if let Some(header) = buttons_header(f)? {
        content["header"] = header;
    }
    add_footer(f, &mut content)?;
    Ok(content)
}

fn send_location_request(f: &Fields) -> Result<Value, FieldError> {
    let body = text(f, "body", "the text above the \"Send location\" button")?;
    Ok(json!({
        "type": "location_request_message",
        "body": text_object(body),
        "action": { "name": "send_location" },
    }))
}

fn send_reaction(f: &Fields, quoted: Option<&str>) -> Result<Value, FieldError> {
    let emoji = opt_text(f, "body")?.ok_or_else(|| {
        FieldError::new(
            "body",
            "is required: one emoji, or an empty string to remove your reaction",
        )
    })?;
    let target = quoted.ok_or_else(|| {
        FieldError::new(
            "quotedMsgId",
            "is required: the id of the message to react to",
        )
    })?;
    Ok(json!({ "message_id": target, "emoji": emoji.trim() }))
}

fn template_language(f: &Fields) -> Result<Value, FieldError> {
    let example = r#"{"policy": "deterministic", "code": "en"}"#;
    match structured_or_text(f, "language", example)? {
        None => Err(FieldError::new(
            "language",
            format!("is required, e.g. {example}"),
        )),
        Some(Value::String(code)) => Ok(json!({ "code": code.trim() })),
        Some(Value::Object(o)) => Ok(trim_keys(Value::Object(o))),
        Some(other) => Err(FieldError::new(
            "language",
            format!("must be an object like {example}; got {other}"),
        )),
    }
}

fn send_template(f: &Fields) -> Result<Value, FieldError> {
    let name = text(f, "template", "the name of an approved template")?;
    let mut template = json!({
        "name": name.trim(),
        "language": template_language(f)?,
    });
    let example = r#"[{"type": "body", "parameters": [{"type": "text", "text": "test"}]}]"#;
    match structured(f, "params", example)? {
        None => {}
        Some(Value::Array(params)) if params.is_empty() => {}
        Some(Value::Array(params)) => template["components"] = trim_keys(Value::Array(params)),
        Some(other) => {
            return Err(FieldError::new(
                "params",
                format!("must be an array of components, e.g. {example}; got {other}"),
            ))
        }
    }
    Ok(template)
}

/// `sendProduct`'s catalog fields: the `action` object, or the same fields at the top level.
fn product_action(f: &Fields) -> Result<Map<String, Value>, FieldError> {
    let example = r#"{"catalog_id": "…", "product_retailer_id": "SKU-1"}"#;
    match structured(f, "action", example)? {
        Some(Value::Object(o)) => match trim_keys(Value::Object(o)) {
            Value::Object(o) => Ok(o),
            _ => Ok(Map::new()),
        },
        Some(other) => Err(FieldError::new(
            "action",
            format!("must be an object like {example}; got {other}"),
        )),
        None => {
            let mut o = Map::new();
            for key in ["catalog_id", "product_retailer_id"] {
                if let Some(v) = opt_nonempty(f, key)? {
                    o.insert(key.to_string(), json!(v));
                }
            }
            if let Some(v) = structured(f, "sections", example)? {
                o.insert("sections".to_string(), trim_keys(v));
            }
            if o.is_empty() {
                return Err(FieldError::new(
                    "action",
                    format!("is required: {example} for one product, or {{\"catalog_id\": …, \"sections\": [{{\"title\": …, \"product_items\": [{{\"product_retailer_id\": …}}]}}]}} for a list"),
                ));
            }
            Ok(o)
        }
    }
}

fn send_product(f: &Fields) -> Result<Value, FieldError> {
    let mut action = product_action(f)?;
    let body = opt_nonempty(f, "body")?;
    let mut content = if action.contains_key("sections") {
        action.remove("product_retailer_id");
        let header = text(f, "header", "a product list needs a header text")?;
        let body = body
            .ok_or_else(|| FieldError::new("body", "is required: a product list needs a text"))?;
        json!({
            "type": "product_list",
            "header": text_header(header),
            "body": text_object(body),
            "action": action,
        })
    } else if action.contains_key("product_retailer_id") {
        // A single product has no header on WhatsApp: a `header` meant for lists is dropped.
        let mut content = json!({ "type": "product", "action": action });
        if let Some(body) = body {
            content["body"] = text_object(body);
        }
        content
    } else {
        return Err(FieldError::new(
            "action",
            "give product_retailer_id (one product) or sections (a product list)",
        ));
    };
    add_footer(f, &mut content)?;
    Ok(content)
}

/// The Cloud API message `method` makes of `fields`, to the WhatsApp id `to`; `quoted` is
/// `quotedMsgId` already resolved to the upstream id (the reaction's target for
/// `sendReaction`, else the quoted message). `sendFile` is [`file_message`].
pub fn translate(
    method: SendMethod,
    fields: &Fields,
    to: &str,
    quoted: Option<&str>,
) -> Result<Value, FieldError> {
    let (kind, content) = match method {
        SendMethod::Message => send_message(fields)?,
        SendMethod::Location => send_location(fields)?,
        SendMethod::Contact => send_contact(fields)?,
        SendMethod::List => ("interactive", send_list(fields)?),
        SendMethod::Buttons => ("interactive", send_buttons(fields)?),
        SendMethod::LocationRequest => ("interactive", send_location_request(fields)?),
        SendMethod::Reaction => {
            return Ok(envelope(
                to,
                "reaction",
                send_reaction(fields, quoted)?,
                None,
            ))
        }
        SendMethod::Template => ("template", send_template(fields)?),
        SendMethod::Product => return Ok(interactive(to, send_product(fields)?, quoted)),
        SendMethod::File => {
            return Err(FieldError::new(
                "body",
                "a file is sent by sendFile with its stored media",
            ))
        }
    };
    Ok(envelope(to, kind, content, quoted))
}

/// The message of `sendFile` for a stored file of media `kind` (`image`, `video`, `audio`,
/// `document` or `sticker`) with our media id, its file name (documents show it) and
/// caption. WhatsApp shows no caption under audio or a sticker: a caption there is refused.
pub fn file_message(
    kind: &str,
    media_id: &str,
    filename: Option<&str>,
    caption: Option<&str>,
    to: &str,
    quoted: Option<&str>,
) -> Result<Value, FieldError> {
    let mut media = json!({ "id": media_id });
    let caption = caption.map(str::trim).filter(|c| !c.is_empty());
    if let Some(caption) = caption {
        if matches!(kind, "audio" | "sticker") {
            return Err(FieldError::new(
                "caption",
                format!("WhatsApp shows no caption under {kind}; remove the caption, or send a file type that takes one (image, video, document)"),
            ));
        }
        media["caption"] = json!(caption);
    }
    if kind == "document" {
        if let Some(name) = filename.map(str::trim).filter(|n| !n.is_empty()) {
            media["filename"] = json!(name);
        }
    }
    Ok(envelope(to, kind, media, quoted))
}

/// The native validator's `details` (which start with the native JSON path) with the path
/// renamed to the field the client of `method` wrote, e.g. `interactive.action.sections[0]`
/// becomes `sections[0]` for `sendList`.
pub fn dialect_details(method: SendMethod, details: &str) -> String {
    let common: &[(&str, &str)] = &[("context.message_id", "quotedMsgId"), ("to", "phone")];
    let own: &[(&str, &str)] = match method {
        SendMethod::Message => &[("text.body", "body")],
        SendMethod::Location => &[
            ("location.latitude", "lat"),
            ("location.longitude", "lng"),
            ("location.", ""),
        ],
        SendMethod::Contact => &[],
        SendMethod::List => &[
            ("interactive.action.sections", "sections"),
            ("interactive.action.button", "action"),
            ("interactive.body.text", "body"),
            ("interactive.header.text", "header"),
            ("interactive.footer.text", "footer"),
        ],
        SendMethod::Buttons => &[
            ("interactive.action.buttons", "sections"),
            ("interactive.body.text", "body"),
            ("interactive.header", "header"),
            ("interactive.footer.text", "footer"),
        ],
        SendMethod::LocationRequest => &[("interactive.body.text", "body")],
        SendMethod::Reaction => &[
            ("reaction.emoji", "body"),
            ("reaction.message_id", "quotedMsgId"),
        ],
        SendMethod::Template => &[
            ("template.components", "params"),
            ("template.name", "template"),
            ("template.language", "language"),
        ],
        SendMethod::Product => &[
            ("interactive.action", "action"),
            ("interactive.body.text", "body"),
            ("interactive.header.text", "header"),
            ("interactive.footer.text", "footer"),
        ],
        SendMethod::File => &[
            ("image.caption", "caption"),
            ("video.caption", "caption"),
            ("document.caption", "caption"),
            ("document.filename", "filename"),
        ],
    };
    for (native, ours) in own.iter().chain(common) {
        let Some(rest) = details.strip_prefix(native) else {
            continue;
        };
        let boundary =
            native.ends_with('.') || rest.is_empty() || rest.starts_with([':', ' ', '.', '[']);
        if boundary {
            return format!("{ours}{rest}");
        }
    }
    details.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: Value) -> Fields {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn go(method: SendMethod, v: Value) -> Value {
        translate(method, &fields(v), "12020721369", None).unwrap()
    }

    fn refused(method: SendMethod, v: Value) -> FieldError {
        translate(method, &fields(v), "12020721369", None).unwrap_err()
    }

    #[test]
    fn a_message_is_text_with_its_quote() {
        let m = translate(
            SendMethod::Message,
            &fields(json!({"body": "see https://example.com", "mentionedPhones": "1"})),
            "12020721369",
            Some("wamid.X"),
        )
        .unwrap();
        assert_eq!(m["type"], "text");
        assert_eq!(m["to"], "12020721369");
        assert_eq!(m["text"]["body"], "see https://example.com");
        assert_eq!(m["text"]["preview_url"], true);
        assert_eq!(m["context"]["message_id"], "wamid.X");
        assert_eq!(
            go(SendMethod::Message, json!({"body": "hi"}))["text"]["preview_url"],
            false
        );
        let e = refused(SendMethod::Message, json!({"body": " "}));
        assert_eq!(e.field, "body");
    }

    #[test]
    fn a_location_takes_strings_or_numbers() {
        let m = go(
            SendMethod::Location,
            json!({"lat": "45.018337", "lng": -73.968285, "name": "HQ", "address": "9766 Valley View St."}),
        );
        assert_eq!(m["location"]["latitude"], 45.018337);
        assert_eq!(m["location"]["longitude"], -73.968285);
        assert_eq!(m["location"]["name"], "HQ");
        let e = refused(SendMethod::Location, json!({"lat": "north", "lng": 1}));
        assert_eq!(e.field, "lat");
        assert!(e.message.contains("45.018337"), "{e}");
        assert_eq!(
            refused(SendMethod::Location, json!({"lat": 1})).field,
            "lng"
        );
    }

    #[test]
    fn contacts_may_be_a_json_string() {
        let m = go(
            SendMethod::Contact,
            json!({"contacts": "[{\"name\": {\"formatted_name\": \"John Smith\", \"first_name\": \"John\"}}]"}),
        );
        assert_eq!(m["contacts"][0]["name"]["first_name"], "John");
        let e = refused(SendMethod::Contact, json!({"contacts": "[oops"}));
        assert!(e.message.contains("not JSON"), "{e}");
        assert_eq!(refused(SendMethod::Contact, json!({})).field, "contacts");
    }

    #[test]
    fn a_list_has_its_button_label_and_sections() {
        let m = go(
            SendMethod::List,
            json!({"body": "Pick", "header": "Menu", "footer": "Thanks", "action": "Open",
                "sections": [{"title": "Section 1", "rows": [{"id": 1, "title": "Option 1", "description": "Description 1"}]}]}),
        );
        let i = &m["interactive"];
        assert_eq!(i["type"], "list");
        assert_eq!(i["header"], json!({"type": "text", "text": "Menu"}));
        assert_eq!(i["footer"]["text"], "Thanks");
        assert_eq!(i["action"]["button"], "Open");
        assert_eq!(i["action"]["sections"][0]["rows"][0]["id"], "1");
        assert_eq!(
            refused(SendMethod::List, json!({"body": "x", "sections": []})).field,
            "action"
        );
    }

    #[test]
    fn buttons_accept_the_seed_sample_with_its_spaced_key() {
        let m = go(
            SendMethod::Buttons,
            json!({"body": "Choose", "footer": "f", "header": {"type": "text", "text": "H"},
                "sections": [{"type": "reply","reply": {"id ": "1","title": "1 Button's Title"}},
                             {"type": "reply", "reply": {"id": "2", "title": "2 Button's Title"}}]}),
        );
        let i = &m["interactive"];
        assert_eq!(i["type"], "button");
        assert_eq!(i["header"]["text"], "H");
        assert_eq!(i["action"]["buttons"][0]["reply"]["id"], "1");
        assert_eq!(
            i["action"]["buttons"][1]["reply"]["title"],
            "2 Button's Title"
        );
        // Bare {id, title} objects, a text header and a media header without its type.
        let m = go(
            SendMethod::Buttons,
            json!({"body": "b", "header": "Top", "buttons": [{"id": 7, "title": "Seven"}]}),
        );
        assert_eq!(m["interactive"]["header"]["type"], "text");
        assert_eq!(m["interactive"]["action"]["buttons"][0]["reply"]["id"], "7");
        let m = go(
            SendMethod::Buttons,
            json!({"body": "b", "header": {"image": {"link": "https://x.test/a.jpg"}}, "sections": [{"id": "1", "title": "A"}]}),
        );
        assert_eq!(m["interactive"]["header"]["type"], "image");
        let e = refused(
            SendMethod::Buttons,
            json!({"body": "b", "sections": [{"x": 1}]}),
        );
        assert_eq!(e.field, "sections[0]");
    }

    #[test]
    fn a_location_request_and_a_reaction() {
        let m = go(
            SendMethod::LocationRequest,
            json!({"body": "Where are you?"}),
        );
        assert_eq!(m["interactive"]["type"], "location_request_message");
        assert_eq!(m["interactive"]["action"]["name"], "send_location");
        let m = translate(
            SendMethod::Reaction,
            &fields(json!({"body": "👍"})),
            "12020721369",
            Some("wamid.T"),
        )
        .unwrap();
        assert_eq!(
            m["reaction"],
            json!({"message_id": "wamid.T", "emoji": "👍"})
        );
        assert!(m.get("context").is_none());
        let removal = translate(
            SendMethod::Reaction,
            &fields(json!({"body": ""})),
            "1",
            Some("wamid.T"),
        )
        .unwrap();
        assert_eq!(removal["reaction"]["emoji"], "");
        assert_eq!(
            refused(SendMethod::Reaction, json!({"body": "👍"})).field,
            "quotedMsgId"
        );
    }

    #[test]
    fn a_template_maps_params_to_components() {
        let m = go(
            SendMethod::Template,
            json!({"template": "catalog", "namespace": "", "token": "t",
                "language": {"policy": "deterministic", "code": "en_US"},
                "params": [{"type": "button", "sub_type": "CATALOG", "index": 0,
                    "parameters": [{"type": "action", "action": {"thumbnail_product_retailer_id": "001"}}]}]}),
        );
        assert_eq!(m["template"]["name"], "catalog");
        assert_eq!(m["template"]["language"]["code"], "en_US");
        assert_eq!(m["template"]["components"][0]["sub_type"], "CATALOG");
        let m = go(
            SendMethod::Template,
            json!({"template": "hello_world", "language": "en_US", "params": "[]"}),
        );
        assert_eq!(m["template"]["language"], json!({"code": "en_US"}));
        assert!(m["template"].get("components").is_none());
        assert_eq!(
            refused(SendMethod::Template, json!({"template": "x"})).field,
            "language"
        );
    }

    #[test]
    fn a_product_or_a_product_list() {
        let m = go(
            SendMethod::Product,
            json!({"action": {"catalog_id": "c1", "product_retailer_id": "SKU-1"}, "body": "Look", "header": "H"}),
        );
        assert_eq!(m["interactive"]["type"], "product");
        assert!(m["interactive"].get("header").is_none());
        let m = go(
            SendMethod::Product,
            json!({"action": {"catalog_id": "c1", "sections": [{"title": "t", "product_items": [{"product_retailer_id": "SKU-1"}]}]},
                "body": "Some text.", "header": "Header.", "footer": "Footer."}),
        );
        assert_eq!(m["interactive"]["type"], "product_list");
        assert_eq!(m["interactive"]["header"]["text"], "Header.");
        assert_eq!(m["interactive"]["footer"]["text"], "Footer.");
        let m = go(
            SendMethod::Product,
            json!({"catalog_id": "c1", "product_retailer_id": "SKU-1"}),
        );
        assert_eq!(m["interactive"]["action"]["product_retailer_id"], "SKU-1");
        assert_eq!(refused(SendMethod::Product, json!({})).field, "action");
        let e = refused(
            SendMethod::Product,
            json!({"action": {"catalog_id": "c1", "sections": []}, "body": "b"}),
        );
        assert_eq!(e.field, "header");
    }

    #[test]
    fn a_file_message_by_kind() {
        let m = file_message(
            "document",
            "med_1",
            Some("hello.xlsx"),
            Some("Here"),
            "1",
            None,
        )
        .unwrap();
        assert_eq!(
            m["document"],
            json!({"id": "med_1", "caption": "Here", "filename": "hello.xlsx"})
        );
        let m = file_message("image", "med_2", Some("1.jpg"), None, "1", Some("wamid.Q")).unwrap();
        assert_eq!(m["image"], json!({"id": "med_2"}));
        assert_eq!(m["context"]["message_id"], "wamid.Q");
        assert_eq!(
            file_message("audio", "med_3", None, Some("x"), "1", None)
                .unwrap_err()
                .field,
            "caption"
        );
        assert!(translate(SendMethod::File, &Map::new(), "1", None).is_err());
    }

    #[test]
    fn native_paths_are_renamed_to_the_dialects_fields() {
        assert_eq!(
            dialect_details(
                SendMethod::List,
                "interactive.action.sections[0].rows[0].title: at most 24 characters"
            ),
            "sections[0].rows[0].title: at most 24 characters"
        );
        assert_eq!(
            dialect_details(SendMethod::Location, "location.latitude: out of range"),
            "lat: out of range"
        );
        assert_eq!(
            dialect_details(SendMethod::Message, "to: not a number"),
            "phone: not a number"
        );
        assert_eq!(
            dialect_details(SendMethod::Message, "text.bodyx: y"),
            "text.bodyx: y"
        );
        assert_eq!(
            dialect_details(SendMethod::Template, "template.components[1].cards: z"),
            "params[1].cards: z"
        );
    }
}
