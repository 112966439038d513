//! What the Inbox shows: a conversation row, a message bubble (every kind as the customer or
//! the API wrote it, all escaped when rendered), a status tick, the window's state. Built
//! from the services' records; the rows, bubbles and ticks are also the live fragments.

use std::collections::HashMap;

use askama::Template;
use serde_json::Value;
use switchboard_core::record::MessageRecord;
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::time::{to_rfc3339, Millis};
use switchboard_service::conversations::ConversationSummary;
use switchboard_store::conversations::UNREAD_COUNTED;

/// Longest preview of a last message.
const PREVIEW: usize = 80;

/// The window's state as shown: open with the time left, closed, or none for the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowState {
    /// `open`, `closed` or `none`.
    pub state: &'static str,
    /// When it closes (ms since the epoch), for the countdown; 0 when not open.
    pub closes_at: Millis,
    /// "closes in 3 h 12 min", "closed", "no window".
    pub label: String,
}

impl WindowState {
    /// The state of a window closing at `closes` (`None`: the kind has none) at `now`.
    pub fn of(closes: Option<Millis>, now: Millis) -> Self {
        match closes {
            None => WindowState {
                state: "none",
                closes_at: 0,
                label: "no 24-hour window on this channel".into(),
            },
            Some(at) if at > now => WindowState {
                state: "open",
                closes_at: at,
                label: format!("window closes in {}", time_left(at - now)),
            },
            Some(_) => WindowState {
                state: "closed",
                closes_at: 0,
                label: "window closed".into(),
            },
        }
    }

    /// Whether free-form messages may be sent.
    pub fn open(&self) -> bool {
        self.state != "closed"
    }
}

/// "3 h 12 min", "12 min", "less than a minute".
pub fn time_left(ms: Millis) -> String {
    let minutes = ms / 60_000;
    match (minutes / 60, minutes % 60) {
        (0, 0) => "less than a minute".into(),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// One conversation in the Inbox (also the live fragment that moves it to the top).
#[derive(Debug, Clone, Template)]
#[template(path = "conversation_row.html")]
pub struct ConversationRow {
    /// The element id: `cv-{channel}-{chat}` with the chat's unsafe characters replaced.
    pub dom_id: String,
    /// `ch_…`
    pub channel_id: String,
    /// The channel's name.
    pub channel_name: String,
    /// The customer's address.
    pub chat: String,
    /// The contact's name (customer-written).
    pub name: String,
    /// The last message's preview, "You: " before an outbound one.
    pub preview: String,
    /// When the last message was written (RFC 3339).
    pub at: String,
    /// Unread count as shown ("" for none, "99+" beyond the count).
    pub unread: String,
    /// The window.
    pub window: WindowState,
}

impl ConversationRow {
    /// The row of `s`, on the channel named `channel_name`, at `now`.
    pub fn of(s: &ConversationSummary, channel_name: &str, now: Millis) -> Self {
        let c = &s.conversation;
        let (preview, at) = match &c.last_message {
            Some(m) => {
                let text = cut(&summary(m), PREVIEW);
                let text = match m.direction {
                    Direction::Outbound => format!("You: {text}"),
                    Direction::Inbound => text,
                };
                (text, m.created_at)
            }
            None => (String::new(), c.last_inbound_at),
        };
        let unread = match i64::from(c.unread) {
            0 => String::new(),
            n if n >= UNREAD_COUNTED => format!("{}+", UNREAD_COUNTED - 1),
            n => n.to_string(),
        };
        ConversationRow {
            dom_id: dom_id(&c.channel_id.to_string(), &c.chat),
            channel_id: c.channel_id.to_string(),
            channel_name: channel_name.to_string(),
            chat: c.chat.clone(),
            name: c.contact_name.clone().unwrap_or_default(),
            preview,
            at: to_rfc3339(at),
            unread,
            window: WindowState::of(s.window_expires_at, now),
        }
    }
}

/// A conversation's element id: `cv-{channel}-{chat}` with anything but letters, digits, `_`
/// and `-` turned into `_`.
pub fn dom_id(channel: &str, chat: &str) -> String {
    let safe: String = chat
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("cv-{channel}-{safe}")
}

/// A message's status tick (also the live fragment swapped in on each status event).
#[derive(Debug, Clone, Template)]
#[template(path = "tick.html")]
pub struct Tick {
    /// `msg_…`
    pub id: String,
    /// The status name.
    pub status: String,
    /// The upstream's error code, for a failure.
    pub code: String,
    /// The upstream's error message, for a failure.
    pub reason: String,
    /// Whether a failed message can be sent again from here (outbound, the session may send).
    pub retry: bool,
    /// The retry form's action.
    pub retry_url: String,
    /// The session's CSRF token, for the retry form.
    pub csrf: String,
}

impl Tick {
    /// The tick of `m` (`csrf` and `can_send` for the retry form).
    pub fn of(m: &MessageRecord, csrf: &str, can_send: bool) -> Self {
        let (code, reason) = error_of(m.error.as_ref());
        Tick {
            id: m.id.to_string(),
            status: m.status.as_str().to_string(),
            code,
            reason,
            retry: can_send
                && m.direction == Direction::Outbound
                && m.status == MessageStatus::Failed,
            retry_url: format!(
                "/console/inbox/{}/{}/retry/{}",
                m.channel_id,
                urlencoding(&m.chat),
                m.id
            ),
            csrf: csrf.to_string(),
        }
    }

    /// The symbol: a clock while queued, ✓ sent, ✓✓ delivered or read, ✗ failed.
    pub fn symbol(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "✓",
            "delivered" | "read" | "played" => "✓✓",
            "failed" => "✗",
            "canceled" => "⊘",
            "received" => "",
            _ => "🕓",
        }
    }
}

/// Percent-encodes a path segment.
pub fn urlencoding(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The first error's code and message of a stored error (Meta's `[{code, title, message}]`
/// or one object).
fn error_of(error: Option<&Value>) -> (String, String) {
    let Some(e) = error else {
        return (String::new(), String::new());
    };
    let first = e.as_array().and_then(|a| a.first()).unwrap_or(e);
    let code = match first.get("code") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let reason = ["message", "title", "error_data"]
        .iter()
        .find_map(|k| first.get(*k).and_then(Value::as_str))
        .or_else(|| {
            first
                .get("error_data")
                .and_then(|d| d.get("details"))
                .and_then(Value::as_str)
        })
        .unwrap_or_default()
        .to_string();
    (code, reason)
}

/// One line of a bubble beyond its text: a label and a value (`Button`, `Yes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// What it is.
    pub label: String,
    /// Its value (customer- or API-written).
    pub value: String,
}

/// One message in a thread (also the live fragment appended on a new message).
#[derive(Debug, Clone, Template)]
#[template(path = "bubble.html")]
pub struct Bubble {
    /// `msg_…`
    pub id: String,
    /// `in` or `out`.
    pub side: &'static str,
    /// The message kind.
    pub kind: String,
    /// When (RFC 3339).
    pub at: String,
    /// Its main text, if any.
    pub text: String,
    /// Further lines: media, location, contacts, buttons, the customer's choice, template.
    pub lines: Vec<Line>,
    /// A link to open (a location's map), if any.
    pub link: Option<String>,
    /// The stored media file to show (image, video, audio) or download, if it is ours.
    pub preview: Option<Preview>,
    /// The quoted message's preview, for a reply.
    pub quote: Option<String>,
    /// Reactions to it (emoji).
    pub reactions: String,
    /// Its status tick.
    pub tick: Tick,
}

/// A media file of the account, shown in its bubble from `/console/media/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// `image` (images and stickers), `video`, `audio` or `file`.
    pub show: &'static str,
    /// Where the console serves it.
    pub src: String,
}

impl Preview {
    /// The preview of a media object (`{"id": "med_…"}` sent, `{"media_id": "med_…"}`
    /// received) of `kind`; none when the file is not in our media store.
    fn of(kind: &str, media: &Value) -> Option<Preview> {
        let id = ["media_id", "id"]
            .iter()
            .find_map(|k| media.get(*k).and_then(Value::as_str))
            .filter(|id| {
                id.strip_prefix("med_").is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
                })
            })?;
        let show = match kind {
            "image" | "sticker" => "image",
            "video" => "video",
            "audio" => "audio",
            _ => "file",
        };
        Some(Preview {
            show,
            src: format!("/console/media/{id}"),
        })
    }
}

/// Text at `path` (`["text", "body"]`) in `body`.
fn text_at(body: &Value, path: &[&str]) -> Option<String> {
    let mut v = body;
    for p in path {
        v = v.get(*p)?;
    }
    v.as_str().map(str::to_string)
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        text.chars().take(max).collect::<String>() + "…"
    } else {
        text.to_string()
    }
}

/// A one-line summary of any message (previews and quotes).
pub fn summary(m: &MessageRecord) -> String {
    let bubble = content(m);
    if !bubble.text.is_empty() {
        return bubble.text;
    }
    match bubble.lines.first() {
        Some(line) => format!("{}: {}", line.label, line.value),
        None => format!("[{}]", m.kind),
    }
}

/// What a bubble shows of a message's body, whichever way it went.
struct Content {
    text: String,
    lines: Vec<Line>,
    link: Option<String>,
    preview: Option<Preview>,
}

fn line(label: &str, value: impl Into<String>) -> Line {
    Line {
        label: label.to_string(),
        value: value.into(),
    }
}

fn content(m: &MessageRecord) -> Content {
    let b = &m.body;
    let kind = m.kind.as_str();
    let mut out = Content {
        text: String::new(),
        lines: Vec::new(),
        link: None,
        preview: None,
    };
    match kind {
        "text" => out.text = text_at(b, &["text", "body"]).unwrap_or_default(),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let media = &b[kind];
            out.text = text_at(media, &["caption"]).unwrap_or_default();
            out.preview = Preview::of(kind, media);
            let mut what = Vec::new();
            for k in ["filename", "mime_type", "link", "id"] {
                if let Some(v) = media.get(k).and_then(Value::as_str) {
                    what.push(v.to_string());
                    if k == "filename" || k == "link" {
                        break;
                    }
                }
            }
            out.lines.push(line(kind, what.join(" · ")));
        }
        "location" => {
            let l = &b["location"];
            let lat = l.get("latitude").map(Value::to_string).unwrap_or_default();
            let lon = l.get("longitude").map(Value::to_string).unwrap_or_default();
            let place: Vec<String> = ["name", "address"]
                .iter()
                .filter_map(|k| l.get(*k).and_then(Value::as_str).map(str::to_string))
                .collect();
            out.lines.push(line(
                "location",
                format!("{} ({lat}, {lon})", place.join(", ")),
            ));
            if let (Some(a), Some(o)) = (
                l.get("latitude").and_then(Value::as_f64),
                l.get("longitude").and_then(Value::as_f64),
            ) {
                out.link = Some(format!(
                    "https://www.openstreetmap.org/?mlat={a}&mlon={o}#map=16/{a}/{o}"
                ));
            }
        }
        "contacts" => {
            for c in b["contacts"].as_array().into_iter().flatten() {
                let name = text_at(c, &["name", "formatted_name"]).unwrap_or_default();
                let phones: Vec<String> = c["phones"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("phone").and_then(Value::as_str).map(str::to_string))
                    .collect();
                out.lines
                    .push(line("contact", format!("{name} {}", phones.join(", "))));
            }
        }
        "interactive" => interactive(&b["interactive"], &mut out),
        "button" => {
            out.lines.push(line(
                "chose",
                text_at(b, &["button", "text"]).unwrap_or_default(),
            ));
        }
        "template" => {
            let t = &b["template"];
            let name = text_at(t, &["name"]).unwrap_or_default();
            let lang = text_at(t, &["language", "code"]).unwrap_or_default();
            out.lines.push(line("template", format!("{name} ({lang})")));
            for c in t["components"].as_array().into_iter().flatten() {
                for p in c["parameters"].as_array().into_iter().flatten() {
                    if let Some(v) = p.get("text").and_then(Value::as_str) {
                        out.lines.push(line("parameter", v));
                    }
                }
            }
        }
        "reaction" => {
            let emoji = text_at(b, &["reaction", "emoji"]).unwrap_or_default();
            out.lines.push(line("reacted", emoji));
        }
        _ => {
            if let Some(t) = text_at(b, &["text", "body"]).or_else(|| text_at(b, &["text"])) {
                out.text = t;
            }
        }
    }
    out
}

fn interactive(i: &Value, out: &mut Content) {
    match i["type"].as_str().unwrap_or_default() {
        "button_reply" | "list_reply" => {
            let key = if i["type"] == "button_reply" {
                "button_reply"
            } else {
                "list_reply"
            };
            out.lines.push(line(
                "chose",
                text_at(&i[key], &["title"]).unwrap_or_default(),
            ));
        }
        "nfm_reply" => out.lines.push(line(
            "form",
            text_at(i, &["nfm_reply", "response_json"]).unwrap_or_default(),
        )),
        kind => {
            out.text = text_at(i, &["body", "text"]).unwrap_or_default();
            let action = &i["action"];
            for button in action["buttons"].as_array().into_iter().flatten() {
                let title = text_at(button, &["reply", "title"])
                    .or_else(|| text_at(button, &["title"]))
                    .unwrap_or_default();
                out.lines.push(line("button", title));
            }
            for section in action["sections"].as_array().into_iter().flatten() {
                for row in section["rows"].as_array().into_iter().flatten() {
                    out.lines
                        .push(line("option", text_at(row, &["title"]).unwrap_or_default()));
                }
            }
            if kind == "cta_url" {
                out.lines.push(line(
                    "link",
                    text_at(action, &["parameters", "display_text"]).unwrap_or_default(),
                ));
            }
            for element in action["elements"].as_array().into_iter().flatten() {
                let title = text_at(element, &["title"]).unwrap_or_default();
                let card = match text_at(element, &["subtitle"]) {
                    Some(sub) => format!("{title} — {sub}"),
                    None => title,
                };
                out.lines.push(line("card", card));
                for button in element["buttons"].as_array().into_iter().flatten() {
                    out.lines.push(line(
                        "button",
                        text_at(button, &["title"]).unwrap_or_default(),
                    ));
                }
            }
            if let Some(footer) = text_at(i, &["footer", "text"]) {
                out.lines.push(line("footer", footer));
            }
        }
    }
}

/// The bubbles of a thread (oldest first): reactions are shown on the message they react
/// to when it is in the thread, quotes name the quoted message.
pub fn thread(messages: &[MessageRecord], csrf: &str, can_send: bool) -> Vec<Bubble> {
    let mut by_ref: HashMap<String, usize> = HashMap::new();
    for (i, m) in messages.iter().enumerate() {
        by_ref.insert(m.id.to_string(), i);
        if let Some(u) = &m.upstream_id {
            by_ref.insert(u.clone(), i);
        }
    }
    let mut reactions: HashMap<usize, String> = HashMap::new();
    let mut shown = Vec::new();
    for m in messages {
        if m.kind == "reaction" {
            let target =
                text_at(&m.body, &["reaction", "message_id"]).and_then(|t| by_ref.get(&t).copied());
            if let Some(t) = target {
                let emoji = text_at(&m.body, &["reaction", "emoji"]).unwrap_or_default();
                reactions.entry(t).or_default().push_str(&emoji);
                continue;
            }
        }
        shown.push(m);
    }
    shown
        .into_iter()
        .map(|m| {
            let mut b = bubble(m, csrf, can_send, |r| {
                by_ref.get(r).map(|i| cut(&summary(&messages[*i]), PREVIEW))
            });
            if let Some(r) = by_ref.get(&m.id.to_string()).and_then(|i| reactions.get(i)) {
                b.reactions = r.clone();
            }
            b
        })
        .collect()
}

/// The bubble of `m`; `quoted` finds the preview of a quoted message by its id.
pub fn bubble(
    m: &MessageRecord,
    csrf: &str,
    can_send: bool,
    quoted: impl Fn(&str) -> Option<String>,
) -> Bubble {
    let c = content(m);
    let quote = m
        .context_id
        .as_deref()
        .map(|r| quoted(r).unwrap_or_else(|| "an earlier message".into()));
    Bubble {
        id: m.id.to_string(),
        side: match m.direction {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
        },
        kind: m.kind.clone(),
        at: to_rfc3339(m.created_at),
        text: c.text,
        lines: c.lines,
        link: c.link,
        preview: c.preview,
        quote,
        reactions: String::new(),
        tick: Tick::of(m, csrf, can_send),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use switchboard_core::id::{AccountId, ChannelId, MessageId};

    use super::*;

    fn message(direction: Direction, kind: &str, body: Value) -> MessageRecord {
        MessageRecord {
            id: MessageId::new(),
            account_id: AccountId::new(),
            channel_id: ChannelId::new(),
            direction,
            chat: "15550001".into(),
            kind: kind.into(),
            body,
            status: MessageStatus::Received,
            upstream_id: Some(format!("wamid.{}", MessageId::new())),
            context_id: None,
            error: None,
            attempts: 0,
            created_at: 1_765_000_000_000,
            updated_at: 1_765_000_000_000,
        }
    }

    #[test]
    fn every_kind_renders_escaped() {
        let hostile = "<script>alert(1)</script>";
        let kinds = [
            ("text", json!({"text": {"body": hostile}})),
            (
                "image",
                json!({"image": {"id": "1", "caption": hostile, "mime_type": "image/png"}}),
            ),
            ("document", json!({"document": {"filename": hostile}})),
            (
                "location",
                json!({"location": {"latitude": 1.5, "longitude": 2.5, "name": hostile}}),
            ),
            (
                "contacts",
                json!({"contacts": [{"name": {"formatted_name": hostile}, "phones": [{"phone": "+1"}]}]}),
            ),
            (
                "interactive",
                json!({"interactive": {"type": "button_reply", "button_reply": {"id": "y", "title": hostile}}}),
            ),
            (
                "interactive",
                json!({"interactive": {"type": "button", "body": {"text": hostile},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": hostile}}]}}}),
            ),
            (
                "interactive",
                json!({"interactive": {"type": "generic", "action": {"elements": [
                    {"title": hostile, "buttons": [{"type": "postback", "title": hostile, "payload": "p"}]}]}}}),
            ),
            (
                "button",
                json!({"button": {"text": hostile, "payload": "p"}}),
            ),
            (
                "template",
                json!({"template": {"name": "t", "language": {"code": "en"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": hostile}]}]}}),
            ),
        ];
        for (kind, body) in kinds {
            let m = message(Direction::Inbound, kind, body);
            let html = bubble(&m, "c", true, |_| None).render().unwrap();
            assert!(!html.contains("<script>"), "{kind}: {html}");
            assert!(html.contains("&#60;script&#62;"), "{kind}: {html}");
        }
    }

    #[test]
    fn reactions_attach_and_quotes_name_their_message() {
        let first = message(
            Direction::Inbound,
            "text",
            json!({"text": {"body": "pick one"}}),
        );
        let target = first.upstream_id.clone().unwrap();
        let reaction = message(
            Direction::Inbound,
            "reaction",
            json!({"reaction": {"message_id": target, "emoji": "👍"}}),
        );
        let mut reply = message(Direction::Inbound, "text", json!({"text": {"body": "yes"}}));
        reply.context_id = Some(target.clone());
        let bubbles = thread(&[first, reaction, reply], "c", true);
        assert_eq!(bubbles.len(), 2, "the reaction sits on its message");
        assert_eq!(bubbles[0].reactions, "👍");
        assert_eq!(bubbles[1].quote.as_deref(), Some("pick one"));
    }

    #[test]
    fn failed_ticks_show_the_code_and_a_retry() {
        let mut m = message(Direction::Outbound, "text", json!({"text": {"body": "x"}}));
        m.status = MessageStatus::Failed;
        m.error = Some(json!([{"code": 131047, "title": "Re-engagement message"}]));
        let tick = Tick::of(&m, "tok", true);
        assert_eq!((tick.code.as_str(), tick.symbol()), ("131047", "✗"));
        let html = tick.render().unwrap();
        assert!(html.contains("131047") && html.contains("Retry") && html.contains("tok"));
        assert!(!Tick::of(&m, "tok", false)
            .render()
            .unwrap()
            .contains("Retry"));
    }

    #[test]
    fn windows_count_down() {
        assert_eq!(WindowState::of(None, 0).state, "none");
        let open = WindowState::of(Some(3 * 3_600_000 + 12 * 60_000 + 5), 0);
        assert_eq!(open.label, "window closes in 3 h 12 min");
        assert!(!WindowState::of(Some(5), 10).open());
        assert_eq!(dom_id("ch_1", "1203@g.us"), "cv-ch_1-1203_g_us");
    }
}
