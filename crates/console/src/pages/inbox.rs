//! The Inbox: the conversations (the customer who wrote last first, unread badges, the window),
//! a conversation's thread with every message kind and live status ticks, and its composer:
//! a reply while the 24-hour window is open, a template picker with a field per parameter when
//! it is closed, a Retry for a failed message. Every form works without JavaScript
//! (POST, redirect, GET) and carries the session's CSRF token.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_api::auth::Principal;
use switchboard_core::address::Address;
use switchboard_core::channel::Channel;
use switchboard_core::id::{ChannelId, ChannelMarker, MessageMarker};
use switchboard_core::key::Permission;
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::template_def::variables;
use switchboard_core::time::now_millis;
use switchboard_service::conversations;
use switchboard_service::send::{send, SendParts};
use switchboard_service::templates::TemplateParts;
use switchboard_store::messages::MessageFilter;
use switchboard_store::templates::TemplateFilter;
use switchboard_store::PageRequest;

use super::html;
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::inbox_views::{self, urlencoding, Bubble, ConversationRow, WindowState};
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// Conversations listed on the page.
const LISTED: u32 = 200;
/// Messages shown in a thread (the newest).
const THREAD: u32 = 200;
/// Longest reply (WhatsApp's text limit).
const TEXT_MAX: usize = 4096;

/// The Inbox page.
#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    title: &'static str,
    shell: Shell,
    rows: Vec<ConversationRow>,
    channels: Vec<(String, String)>,
    selected: Option<String>,
    after: Option<String>,
}

/// An approved template offered by the picker.
#[derive(Debug, Clone)]
pub struct TemplateForm {
    /// Its name.
    pub name: String,
    /// Its language code.
    pub language: String,
    /// Its category.
    pub category: String,
    /// Its body text, `{{n}}` and all.
    pub body: String,
    /// Its body's parameters, in order (`1`, `2`… or the names of a named template).
    pub params: Vec<String>,
}

/// A conversation's thread.
#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    title: &'static str,
    shell: Shell,
    channel_id: String,
    channel_name: String,
    chat: String,
    name: String,
    base: String,
    bubbles: Vec<Bubble>,
    window: WindowState,
    can_send: bool,
    templates: Vec<TemplateForm>,
    error: Option<String>,
    after: Option<String>,
}

/// `?channel=` of the Inbox.
#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    /// Only this channel.
    pub channel: Option<String>,
}

/// `?error=` after a refused send.
#[derive(Debug, Deserialize)]
pub struct ThreadQuery {
    /// Why the last send was refused.
    pub error: Option<String>,
}

fn parse_channel(text: &str) -> ConsoleResult<ChannelId> {
    switchboard_api::extract::path_id::<ChannelMarker>(text, "channel").map_err(Into::into)
}

/// The customer's address in the channel's form (not found when it does not parse).
fn chat_of(channel: &Channel, chat: &str) -> ConsoleResult<String> {
    let form = channel.kind.capabilities().address;
    Address::parse(form, &Value::String(chat.to_string()))
        .map(Address::into_string)
        .map_err(|_| ConsoleError::NotFound("no such conversation"))
}

/// The thread's own path.
pub fn thread_path(channel: ChannelId, chat: &str) -> String {
    format!("/console/inbox/{channel}/{}", urlencoding(chat))
}

/// The account's channels' names by id (a key limited to one channel: that one).
pub async fn channel_names(
    state: &ConsoleState,
    signed: &Signed,
) -> ConsoleResult<HashMap<String, String>> {
    let key = signed.key()?;
    Ok(super::visible_channels(state, key)
        .await?
        .into_iter()
        .map(|c| (c.id.to_string(), c.name))
        .collect())
}

/// `GET /console/inbox`.
pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(q): Query<InboxQuery>,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let store = state.app.store().as_ref();
    let tail = state.tail.read(store, key.account_id).await?;
    let selected = q.channel.filter(|c| !c.is_empty());
    let channel = selected.as_deref().map(parse_channel).transpose()?;
    let names = channel_names(&state, &signed).await?;
    let page = PageRequest {
        after: None,
        limit: Some(LISTED),
    };
    let listed = conversations::list(store, key.account_id, key.channel_id, channel, &page).await?;
    let now = now_millis();
    let rows = listed
        .items
        .iter()
        .map(|s| {
            let id = s.conversation.channel_id.to_string();
            let name = names.get(&id).cloned().unwrap_or(id);
            ConversationRow::of(s, &name, now)
        })
        .collect();
    let mut channels: Vec<(String, String)> = names.into_iter().collect();
    channels.sort_by(|a, b| a.1.cmp(&b.1));
    html(InboxPage {
        title: "Inbox",
        shell: Shell::of(&signed, "inbox"),
        rows,
        channels,
        selected,
        after: tail.cursor,
    })
}

/// The channel's approved templates as picker forms.
pub async fn template_forms(
    state: &ConsoleState,
    channel: &Channel,
) -> ConsoleResult<Vec<TemplateForm>> {
    let parts = TemplateParts::from(&state.app.gateway);
    let filter = TemplateFilter {
        status: Some("APPROVED".into()),
        ..TemplateFilter::default()
    };
    let page = PageRequest {
        after: None,
        limit: Some(200),
    };
    let listed =
        switchboard_service::templates::manage::list(&parts, channel, &filter, &page).await?;
    Ok(listed
        .items
        .iter()
        .map(|t| {
            let d = &t.definition;
            let body = d.body().and_then(|b| b.text.clone()).unwrap_or_default();
            let params = variables(&body, d.parameter_format())
                .map(|v| v.names().to_vec())
                .unwrap_or_default();
            TemplateForm {
                name: d.name.clone(),
                language: d.language.clone(),
                category: d.category.as_str().to_string(),
                body,
                params,
            }
        })
        .collect())
}

/// `GET /console/inbox/{channel}/{chat}`: the thread; opening it marks it read.
pub async fn thread(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((channel, chat)): Path<(String, String)>,
    Query(q): Query<ThreadQuery>,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let id = parse_channel(&channel)?;
    key.require_channel(id)?;
    let store = state.app.store().as_ref();
    let channel = switchboard_service::channels::get(store, key.account_id, id).await?;
    let chat = chat_of(&channel, &chat)?;
    let tail = state.tail.read(store, key.account_id).await?;
    let can_send = key.permission.allows(Permission::Send);
    let summary = if can_send {
        conversations::mark_read(store, key.account_id, key.channel_id, id, &chat).await?
    } else {
        conversations::get(store, key.account_id, key.channel_id, id, &chat).await?
    };
    let filter = MessageFilter {
        channel_id: Some(id),
        chat: Some(chat.clone()),
        ..MessageFilter::default()
    };
    let messages = store
        .latest_messages(key.account_id, &filter, "", THREAD)
        .await?;
    let csrf = signed.session.csrf_token.clone();
    let templates = if can_send {
        template_forms(&state, &channel).await?
    } else {
        Vec::new()
    };
    html(ThreadPage {
        title: "Conversation",
        shell: Shell::of(&signed, "inbox"),
        channel_id: id.to_string(),
        channel_name: channel.name.clone(),
        base: thread_path(id, &chat),
        name: summary
            .conversation
            .contact_name
            .clone()
            .unwrap_or_default(),
        chat,
        bubbles: inbox_views::thread(&messages, &csrf, can_send),
        window: WindowState::of(summary.window_expires_at, now_millis()),
        can_send,
        templates,
        error: q.error,
        after: tail.cursor,
    })
}

/// The channel and customer of a composer post, checked: a key that may send, the channel in
/// its scope, a conversation that exists.
async fn composer_target(
    state: &ConsoleState,
    posted: &Posted,
    channel: &str,
    chat: &str,
) -> ConsoleResult<(Channel, String)> {
    thread_target(state, &posted.signed, channel, chat).await
}

/// The channel and customer of a thread `signed` may send to: a key that may send, the
/// channel in its scope, a conversation that exists.
pub async fn thread_target(
    state: &ConsoleState,
    signed: &Signed,
    channel: &str,
    chat: &str,
) -> ConsoleResult<(Channel, String)> {
    let key = signed.key()?;
    Principal::Key(key.clone()).require_key(Permission::Send)?;
    let id = parse_channel(channel)?;
    key.require_channel(id)?;
    let store = state.app.store().as_ref();
    let channel = switchboard_service::channels::get(store, key.account_id, id).await?;
    let chat = chat_of(&channel, chat)?;
    conversations::get(store, key.account_id, key.channel_id, id, &chat).await?;
    Ok((channel, chat))
}

/// Sends `request` on `channel` through the send service, then back to the thread (with the
/// refusal's message when refused).
pub async fn send_and_return(
    state: &ConsoleState,
    channel: &Channel,
    chat: &str,
    request: &Value,
) -> ConsoleResult<Response> {
    let parts = SendParts::from(&state.app.gateway);
    let back = thread_path(channel.id, chat);
    match send(&parts, channel, request, None, now_millis()).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(switchboard_service::send::SendError::Store(e)) => Err(e.into()),
        Err(refused) => Ok(refused_to(&back, &refused.to_string())),
    }
}

/// Back to the thread with `message` shown.
pub fn refused_to(back: &str, message: &str) -> Response {
    Redirect::to(&format!("{back}?error={}", urlencoding(message))).into_response()
}

/// `POST /console/inbox/{channel}/{chat}/send`: a text reply.
pub async fn send_text(
    State(state): State<ConsoleState>,
    Path((channel, chat)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (channel, chat) = composer_target(&state, &posted, &channel, &chat).await?;
    let text = posted
        .fields
        .get("text")
        .map(|t| t.trim())
        .unwrap_or_default();
    let back = thread_path(channel.id, &chat);
    if text.is_empty() {
        return Ok(refused_to(&back, "write a message before sending"));
    }
    if text.chars().count() > TEXT_MAX {
        return Ok(refused_to(
            &back,
            "a text message holds at most 4,096 characters",
        ));
    }
    let request = json!({"messaging_product": "whatsapp", "to": chat, "type": "text",
                         "text": {"body": text}});
    send_and_return(&state, &channel, &chat, &request).await
}

/// `POST /console/inbox/{channel}/{chat}/send-other`: media by link, a location, reply
/// buttons or a contact card (the form's `kind`), checked by the send service as the API's.
pub async fn send_other(
    State(state): State<ConsoleState>,
    Path((channel, chat)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (channel, chat) = composer_target(&state, &posted, &channel, &chat).await?;
    match super::composer_kinds::request(&posted.fields, &chat) {
        Ok(request) => send_and_return(&state, &channel, &chat, &request).await,
        Err(message) => Ok(refused_to(&thread_path(channel.id, &chat), &message)),
    }
}

/// `POST /console/inbox/{channel}/{chat}/template`: an approved template with a value for
/// each of its body's parameters (checked here before anything is sent).
pub async fn send_template(
    State(state): State<ConsoleState>,
    Path((channel, chat)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (channel, chat) = composer_target(&state, &posted, &channel, &chat).await?;
    let back = thread_path(channel.id, &chat);
    let field = |name: &str| {
        posted
            .fields
            .get(name)
            .map(|v| v.trim())
            .unwrap_or_default()
    };
    let (name, language) = (field("name"), field("language"));
    let forms = template_forms(&state, &channel).await?;
    let Some(form) = forms
        .iter()
        .find(|t| t.name == name && t.language == language)
    else {
        return Ok(refused_to(
            &back,
            "that template is not an approved template of this channel: sync the templates and pick again",
        ));
    };
    let mut parameters = Vec::new();
    for (i, param) in form.params.iter().enumerate() {
        let value = field(&format!("p{i}"));
        if value.is_empty() {
            return Ok(refused_to(
                &back,
                &format!("fill in the template's parameter {{{{{param}}}}}"),
            ));
        }
        let mut p = json!({"type": "text", "text": value});
        if param.parse::<u32>().is_err() {
            p["parameter_name"] = Value::String(param.clone());
        }
        parameters.push(p);
    }
    let mut template = json!({"name": form.name, "language": {"code": form.language}});
    if !parameters.is_empty() {
        template["components"] = json!([{"type": "body", "parameters": parameters}]);
    }
    let request = json!({"messaging_product": "whatsapp", "to": chat, "type": "template",
                         "template": template});
    send_and_return(&state, &channel, &chat, &request).await
}

/// `POST /console/inbox/{channel}/{chat}/retry/{message}`: sends a failed message of the
/// conversation again (a new message with the same content).
pub async fn retry(
    State(state): State<ConsoleState>,
    Path((channel, chat, message)): Path<(String, String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (channel, chat) = composer_target(&state, &posted, &channel, &chat).await?;
    let key = posted.signed.key()?;
    let id = switchboard_api::extract::path_id::<MessageMarker>(&message, "message")?;
    let (failed, _) = switchboard_service::messages::get(
        state.app.store().as_ref(),
        key.account_id,
        key.channel_id,
        id,
    )
    .await?;
    if failed.channel_id != channel.id
        || failed.chat != chat
        || failed.direction != Direction::Outbound
        || failed.status != MessageStatus::Failed
    {
        return Err(ConsoleError::NotFound(
            "no such failed message in this conversation",
        ));
    }
    let mut request = failed.body.clone();
    if let Some(object) = request.as_object_mut() {
        object.insert("to".into(), Value::String(chat.clone()));
        object
            .entry("messaging_product")
            .or_insert_with(|| Value::String("whatsapp".into()));
    }
    send_and_return(&state, &channel, &chat, &request).await
}

/// `POST /console/inbox/{channel}/{chat}/sync-templates`: syncs the channel's templates from
/// its upstream, then back to the thread.
pub async fn sync_templates(
    State(state): State<ConsoleState>,
    Path((channel, chat)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (channel, chat) = composer_target(&state, &posted, &channel, &chat).await?;
    let parts = TemplateParts::from(&state.app.gateway);
    let back = thread_path(channel.id, &chat);
    match switchboard_service::templates::manage::sync(&parts, &channel).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(switchboard_service::ServiceError::Store(e)) => Err(e.into()),
        Err(e) => Ok(refused_to(&back, &e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> Shell {
        Shell {
            account_name: "acme".into(),
            csrf: "c".repeat(64),
            admin: false,
            active: "inbox",
        }
    }

    #[test]
    fn the_composer_turns_into_the_template_picker_when_the_window_is_closed() {
        let page = |window: WindowState| {
            ThreadPage {
                title: "Conversation",
                shell: shell(),
                channel_id: "ch_1".into(),
                channel_name: "<b>line</b>".into(),
                chat: "15550001".into(),
                name: "<script>x</script>".into(),
                base: "/console/inbox/ch_1/15550001".into(),
                bubbles: Vec::new(),
                window,
                can_send: true,
                templates: vec![TemplateForm {
                    name: "order_update".into(),
                    language: "en_US".into(),
                    category: "UTILITY".into(),
                    body: "Hi {{1}}, order {{2}} <i>ships</i>".into(),
                    params: vec!["1".into(), "2".into()],
                }],
                error: Some("<img src=x>".into()),
                after: None,
            }
            .render()
            .unwrap()
        };
        let open = page(WindowState::of(Some(10_000_000), 0));
        assert!(open.contains(
            "<form method=\"post\" action=\"/console/inbox/ch_1/15550001/send\" id=\"free-form\">"
        ));
        assert!(open.contains("<div id=\"template-picker\" hidden>"));
        let closed = page(WindowState::of(Some(5), 10));
        assert!(closed.contains("id=\"free-form\" hidden>"));
        assert!(closed.contains("<div id=\"template-picker\">"));
        assert_eq!(
            closed.matches("name=\"p").count(),
            2,
            "a field per parameter"
        );
        assert!(closed.contains("{{1}}") && closed.contains("{{2}}"));
        for hostile in ["<script>x", "<img src=x>", "<b>line", "<i>ships"] {
            assert!(!closed.contains(hostile), "{hostile} escaped");
        }
    }
}
