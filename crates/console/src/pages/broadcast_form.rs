//! Creating a broadcast from the console's form: channel, name, the message (a text, or an
//! approved template of the channel with its body parameters), the audience (numbers pasted
//! one per line, the contacts with a tag, or an uploaded CSV, spooled as the API spools it)
//! and an optional send time. The form posts as multipart/form-data (plain urlencoded works
//! too without a file) and goes through the same service path as `POST /v1/broadcasts`;
//! a refusal shows the form again, filled in, with what to fix.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use switchboard_api::auth::KeyPrincipal;
use switchboard_core::channel::Channel;
use switchboard_core::id::BroadcastId;
use switchboard_core::message::MessageKind;
use switchboard_core::time::now_millis;
use switchboard_service::broadcasts::request::{new_broadcast, pasted_numbers, CreateRequest};
use switchboard_service::broadcasts::spool::{
    discard, inspect_spooled, spool_path, Spool, SpoolError,
};
use switchboard_service::broadcasts::{create as create_broadcast, BroadcastError};
use switchboard_service::send::SendParts;

use super::broadcasts::{list_page, sender};
use super::inbox::{template_forms, TemplateForm};
use crate::csrf::{self, token_matches, FIELD};
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::ConsoleState;

/// A channel to pick.
#[derive(Debug, Clone)]
pub struct ChannelChoice {
    /// `ch_…`
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether the form has it picked.
    pub selected: bool,
}

/// An approved template to pick, `name|language`.
#[derive(Debug, Clone)]
pub struct TemplateChoice {
    /// `name|language`, the option's value.
    pub value: String,
    /// Its name, language and body parameters.
    pub label: String,
    /// Whether the form has it picked.
    pub selected: bool,
}

/// A channel's approved templates.
#[derive(Debug, Clone)]
pub struct TemplateGroup {
    /// The channel's name.
    pub channel: String,
    /// Its templates.
    pub templates: Vec<TemplateChoice>,
}

/// What the form was given (kept when it is shown again with an error).
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    /// Channel id.
    pub channel: String,
    /// Name.
    pub name: String,
    /// `text` or `template`.
    pub kind: String,
    /// The text.
    pub text: String,
    /// The template picked, `name|language`.
    pub template: String,
    /// The template's body parameters, one per line.
    pub params: String,
    /// `numbers`, `tag` or `csv`.
    pub audience: String,
    /// Pasted numbers.
    pub numbers: String,
    /// Tags, comma-separated.
    pub tag: String,
    /// Send time (RFC 3339), or empty.
    pub send_at: String,
}

/// The creation form as the page shows it.
#[derive(Debug, Clone)]
pub struct FormView {
    /// The values.
    pub values: FormValues,
    /// The channels to pick.
    pub channels: Vec<ChannelChoice>,
    /// Each channel's approved templates.
    pub groups: Vec<TemplateGroup>,
}

fn label(t: &TemplateForm) -> String {
    let params = if t.params.is_empty() {
        String::new()
    } else {
        format!(" — parameters: {}", t.params.join(", "))
    };
    format!("{} ({}, {}){params}", t.name, t.language, t.category)
}

/// The form holding `values`.
pub async fn view(
    state: &ConsoleState,
    key: &KeyPrincipal,
    values: FormValues,
) -> ConsoleResult<FormView> {
    let channels = super::visible_channels(state, key).await?;
    let mut groups = Vec::new();
    for c in &channels {
        if !c.kind.capabilities().carries(MessageKind::Template, None) {
            continue;
        }
        let templates = template_forms(state, c).await?;
        if templates.is_empty() {
            continue;
        }
        groups.push(TemplateGroup {
            channel: c.name.clone(),
            templates: templates
                .iter()
                .map(|t| {
                    let value = format!("{}|{}", t.name, t.language);
                    TemplateChoice {
                        selected: value == values.template,
                        label: label(t),
                        value,
                    }
                })
                .collect(),
        });
    }
    Ok(FormView {
        channels: channels
            .iter()
            .map(|c| ChannelChoice {
                id: c.id.to_string(),
                name: c.name.clone(),
                selected: c.id.to_string() == values.channel,
            })
            .collect(),
        groups,
        values,
    })
}

/// A new form: a text to pasted numbers, at once.
pub async fn blank(state: &ConsoleState, key: &KeyPrincipal) -> ConsoleResult<FormView> {
    let values = FormValues {
        kind: "text".into(),
        audience: "numbers".into(),
        ..FormValues::default()
    };
    view(state, key, values).await
}

/// Why a creation did not happen.
enum Refusal {
    /// The form again, with this status and message.
    Form(StatusCode, String),
    /// An error page (CSRF, a server failure).
    Page(ConsoleError),
}

impl From<ConsoleError> for Refusal {
    fn from(e: ConsoleError) -> Self {
        Refusal::Page(e)
    }
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal::Form(StatusCode::BAD_REQUEST, message.into())
}

fn spool_refusal(e: SpoolError) -> Refusal {
    match e {
        e @ SpoolError::TooLarge(_) => Refusal::Form(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
        SpoolError::Invalid(message) => bad(format!("csv: {message}")),
        SpoolError::Io(detail) => Refusal::Page(ConsoleError::Internal(detail)),
    }
}

fn broadcast_refusal(e: BroadcastError) -> Refusal {
    match e {
        BroadcastError::Invalid {
            code: "unsupported_message_kind",
            message,
        } => Refusal::Form(StatusCode::UNPROCESSABLE_ENTITY, message),
        BroadcastError::Invalid { message, .. } => bad(message),
        e @ BroadcastError::Insufficient { .. } => {
            Refusal::Form(StatusCode::PAYMENT_REQUIRED, e.to_string())
        }
        BroadcastError::Store(e) => Refusal::Page(e.into()),
    }
}

/// The posted fields, and the CSV's layout when one was uploaded (spooled under `id`).
struct Received {
    fields: HashMap<String, String>,
    csv: Option<switchboard_service::broadcasts::csv::CsvLayout>,
}

fn csrf_refusal() -> Refusal {
    Refusal::Page(csrf::refused())
}

/// Reads the form: urlencoded, or multipart with the CSV spooled as it arrives (only after
/// the CSRF token came, in the header or in the `csrf` part before the file).
async fn receive(
    state: &ConsoleState,
    signed: &Signed,
    id: BroadcastId,
    request: Request<Body>,
) -> Result<Received, Refusal> {
    let expected = signed.session.csrf_token.as_str();
    let header_token = csrf::header_token(request.headers());
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let limit = state.app.settings.body_limit;
    let unreadable = |e: &dyn std::fmt::Display| bad(format!("the form could not be read: {e}"));
    let mut fields = HashMap::new();
    let mut csv = None;
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| unreadable(&e))?;
        let mut trusted = token_matches(expected, header_token.as_deref());
        while let Some(mut field) = multipart.next_field().await.map_err(|e| unreadable(&e))? {
            let name = field.name().unwrap_or("").to_string();
            if name == "csv" {
                let mut spool = None;
                while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(&e))? {
                    if chunk.is_empty() {
                        continue;
                    }
                    if !trusted {
                        return Err(csrf_refusal());
                    }
                    if spool.is_none() {
                        let settings = &state.app.gateway.broadcasts.settings;
                        spool = Some(Spool::create(settings, id).await.map_err(spool_refusal)?);
                    }
                    if let Some(s) = spool.as_mut() {
                        s.write(&chunk).await.map_err(spool_refusal)?;
                    }
                }
                if let Some(s) = spool {
                    let path = s.finish().await.map_err(spool_refusal)?;
                    csv = Some(inspect_spooled(&path).await.map_err(spool_refusal)?);
                }
                continue;
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(&e))? {
                if bytes.len() + chunk.len() > limit {
                    return Err(Refusal::Form(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("{name}: longer than {limit} bytes; upload a large audience as a CSV file"),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if name == FIELD {
                trusted = trusted || token_matches(expected, Some(&text));
            } else {
                fields.insert(name, text);
            }
        }
        if !trusted {
            return Err(csrf_refusal());
        }
    } else {
        let bytes = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|e| unreadable(&e))?;
        fields = form_urlencoded::parse(&bytes).into_owned().collect();
        let presented = header_token.or_else(|| fields.remove(FIELD));
        if !token_matches(expected, presented.as_deref()) {
            return Err(csrf_refusal());
        }
    }
    Ok(Received { fields, csv })
}

fn values_of(fields: &HashMap<String, String>) -> FormValues {
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    FormValues {
        channel: field("channel").trim().to_string(),
        name: field("name"),
        kind: field("kind"),
        text: field("text"),
        template: field("template"),
        params: field("params"),
        audience: field("audience"),
        numbers: field("numbers"),
        tag: field("tag"),
        send_at: field("send_at").trim().to_string(),
    }
}

/// The message object the form asks for.
async fn message(
    state: &ConsoleState,
    channel: &Channel,
    values: &FormValues,
) -> Result<Value, Refusal> {
    match values.kind.as_str() {
        "text" => {
            if values.text.trim().is_empty() {
                return Err(bad("message: write the text to send"));
            }
            Ok(json!({"type": "text", "text": {"body": values.text}}))
        }
        "template" => {
            let Some((name, language)) = values.template.split_once('|') else {
                return Err(bad("template: pick an approved template of the channel"));
            };
            // Named parameters are named as the stored template names them; a template this
            // node does not know is passed on as asked, for the service to refuse.
            let known = template_forms(state, channel).await?;
            let names = known
                .iter()
                .find(|t| t.name == name && t.language == language)
                .map(|t| t.params.clone())
                .unwrap_or_default();
            let parameters: Vec<Value> = values
                .params
                .lines()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .enumerate()
                .map(|(i, text)| {
                    let mut p = json!({"type": "text", "text": text});
                    if let Some(n) = names.get(i).filter(|n| n.parse::<u32>().is_err()) {
                        p["parameter_name"] = Value::String(n.clone());
                    }
                    p
                })
                .collect();
            let mut template = json!({"name": name, "language": {"code": language}});
            if !parameters.is_empty() {
                template["components"] = json!([{"type": "body", "parameters": parameters}]);
            }
            Ok(json!({"type": "template", "template": template}))
        }
        _ => Err(bad("message: choose a text or a template")),
    }
}

/// The JSON audience the form asks for (`None` for a CSV, which must have come).
fn audience(channel: &Channel, values: &FormValues, csv: bool) -> Result<Option<Value>, Refusal> {
    match values.audience.as_str() {
        "numbers" => pasted_numbers(&values.numbers, channel.kind.capabilities().address)
            .map(Some)
            .map_err(broadcast_refusal),
        "tag" => {
            let tags: Vec<&str> = values
                .tag
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            if tags.is_empty() {
                return Err(bad("tag: name the tag of the contacts to send to"));
            }
            Ok(Some(json!({ "tags": tags })))
        }
        "csv" if csv => Ok(None),
        "csv" => Err(bad(
            "csv: choose a CSV file (a header row with a `phone` column, optional `name`, other columns as custom fields)",
        )),
        _ => Err(bad("audience: choose pasted numbers, a tag or a CSV file")),
    }
}

async fn create_from(
    state: &ConsoleState,
    key: &KeyPrincipal,
    id: BroadcastId,
    values: &FormValues,
    csv: Option<switchboard_service::broadcasts::csv::CsvLayout>,
) -> Result<BroadcastId, Refusal> {
    let channel = switchboard_api::access::key_channel_named(&state.app, key, &values.channel)
        .await
        .map_err(|e| match ConsoleError::from(e) {
            ConsoleError::Page(status, message) => {
                Refusal::Form(status, format!("channel: {message}"))
            }
            other => Refusal::Page(other),
        })?;
    let message = message(state, &channel, values).await?;
    let audience = audience(&channel, values, csv.is_some())?;
    let request = CreateRequest {
        name: Some(values.name.trim().to_string()).filter(|n| !n.is_empty()),
        message,
        audience,
        send_at: Some(values.send_at.clone())
            .filter(|s| !s.is_empty())
            .map(Value::String),
    };
    let new = new_broadcast(id, request, csv).map_err(broadcast_refusal)?;
    let gateway = &state.app.gateway;
    let record = create_broadcast(
        &SendParts::from(gateway),
        &gateway.broadcasts,
        &channel,
        new,
        now_millis(),
    )
    .await
    .map_err(broadcast_refusal)?;
    Ok(record.id)
}

/// `POST /console/broadcasts`: creates the broadcast and goes to its page; a refusal shows
/// the form again with the message (4xx).
pub async fn create(
    State(state): State<ConsoleState>,
    signed: Signed,
    request: Request<Body>,
) -> ConsoleResult<Response> {
    let key = sender(&signed)?.clone();
    let id = BroadcastId::new();
    let spooled = spool_path(&state.app.gateway.broadcasts.settings, id);
    let mut values = FormValues {
        kind: "text".into(),
        audience: "numbers".into(),
        ..FormValues::default()
    };
    let result = match receive(&state, &signed, id, request).await {
        Ok(received) => {
            values = values_of(&received.fields);
            // A file left in the form while another audience is chosen is not used.
            let csv = received.csv.filter(|_| values.audience == "csv");
            if csv.is_none() {
                discard(&spooled).await;
            }
            create_from(&state, &key, id, &values, csv).await
        }
        Err(refusal) => Err(refusal),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/console/broadcasts/{id}?created=1")).into_response()),
        Err(refusal) => {
            discard(&spooled).await;
            match refusal {
                Refusal::Page(e) => Err(e),
                Refusal::Form(status, message) => {
                    let form = view(&state, &key, values).await?;
                    let page = list_page(&state, &signed, Some(form), Some(message)).await?;
                    Ok((status, Html(askama::Template::render(&page)?)).into_response())
                }
            }
        }
    }
}
