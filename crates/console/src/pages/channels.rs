//! Channels: the list with live status badges, adding a sandbox channel in one click, a
//! channel's detail with its status timeline, and deleting it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_api::routes::channels::create_connected;
use switchboard_core::channel::ChannelKind;
use switchboard_core::event::CHANNEL_STATUS;
use switchboard_core::id::{ChannelId, ChannelMarker};
use switchboard_core::key::Permission;
use switchboard_service::channels::{self, NewChannel, SettingsInput};
use switchboard_store::messages::EventFilter;
use switchboard_store::PageRequest;

use super::{html, web_pairing};
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::{ChannelRow, Shell, TimelineRow};
use crate::ConsoleState;

/// Channels listed on the page.
const LISTED: u32 = 500;
/// Status changes shown in a timeline.
const TIMELINE: usize = 200;

/// The channel list.
#[derive(Template)]
#[template(path = "channels.html")]
struct ChannelsPage {
    title: &'static str,
    shell: Shell,
    channels: Vec<ChannelRow>,
    can_manage: bool,
    /// Whether the sandbox runs (the web form offers the fake phone).
    sandbox: bool,
    flash: Option<String>,
    after: Option<String>,
}

/// A channel's detail.
#[derive(Template)]
#[template(path = "channel.html")]
struct ChannelPage {
    title: &'static str,
    shell: Shell,
    channel: ChannelRow,
    timeline: Vec<TimelineRow>,
    /// A web channel's pairing panel, rendered.
    pairing: Option<String>,
    /// A cloud channel (its connection can be tested).
    cloud: bool,
    /// A connection test just passed.
    tested: bool,
    can_manage: bool,
    after: Option<String>,
}

/// `?added=` / `?deleted=` after a form's redirect.
#[derive(Debug, Deserialize)]
pub struct Flash {
    /// A channel just added.
    pub added: Option<String>,
    /// A channel just deleted.
    pub deleted: Option<String>,
}

fn parse_id(text: &str) -> ConsoleResult<ChannelId> {
    switchboard_api::extract::path_id::<ChannelMarker>(text, "channel").map_err(Into::into)
}

/// `GET /console/channels`.
pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(flash): Query<Flash>,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let store = state.app.store().as_ref();
    let tail = state.tail.read(store, key.account_id).await?;
    let page = PageRequest {
        after: None,
        limit: Some(LISTED),
    };
    let listed = channels::list(store, key.account_id, key.channel_id, &page).await?;
    let flash = match (flash.added, flash.deleted) {
        (Some(_), _) => Some("Sandbox channel added.".to_string()),
        (_, Some(_)) => Some("Channel deleted.".to_string()),
        _ => None,
    };
    html(ChannelsPage {
        title: "Channels",
        shell: Shell::of(&signed, "channels"),
        channels: listed.items.iter().map(ChannelRow::from).collect(),
        can_manage: key.permission.allows(Permission::Manage) && key.channel_id.is_none(),
        sandbox: state.app.sandbox.is_some(),
        flash,
        after: tail.cursor,
    })
}

/// `POST /console/channels/sandbox`: adds a sandbox channel named after the form's `name`
/// (or `sandbox N`), then back to the list.
pub async fn add_sandbox(
    State(state): State<ConsoleState>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = posted.signed.key()?;
    switchboard_api::auth::Principal::Key(key.clone()).require_key(Permission::Manage)?;
    key.require_account_wide()?;
    let store = state.app.store();
    let name = match posted.fields.get("name").map(|n| n.trim()) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            let count = store
                .list_channels(
                    key.account_id,
                    None,
                    &PageRequest {
                        after: None,
                        limit: Some(500),
                    },
                )
                .await?
                .items
                .len();
            format!("sandbox {}", count + 1)
        }
    };
    let channel = create_connected(
        &state.app,
        key.account_id,
        NewChannel {
            name,
            kind: Some(ChannelKind::Sandbox),
            ..Default::default()
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/console/channels?added={}", channel.id)).into_response())
}

/// `POST /console/channels/web`: adds a WhatsApp Web channel named after the form's `name`
/// (or `WhatsApp Web N`), on the emulator's fake phone when `sandbox` is ticked, then opens
/// its page, where the pairing panel starts pairing.
pub async fn add_web(State(state): State<ConsoleState>, posted: Posted) -> ConsoleResult<Response> {
    let key = posted.signed.key()?;
    switchboard_api::auth::Principal::Key(key.clone()).require_key(Permission::Manage)?;
    key.require_account_wide()?;
    let name = match posted.fields.get("name").map(|n| n.trim()) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => "WhatsApp Web".to_string(),
    };
    let sandbox = posted.fields.get("sandbox").is_some_and(|v| v == "true");
    let channel = create_connected(
        &state.app,
        key.account_id,
        NewChannel {
            name,
            kind: Some(ChannelKind::Web),
            sandbox: Some(sandbox),
            ..Default::default()
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/console/channels/{}", channel.id)).into_response())
}

/// The page after adding a channel of a Meta kind or Telegram: where its upstream posts, and
/// the verify token, shown this once.
#[derive(Template)]
#[template(path = "channel_added.html")]
struct ChannelAddedPage {
    title: &'static str,
    shell: Shell,
    id: String,
    name: String,
    kind: String,
    webhook_url: Option<String>,
    verify_token: Option<String>,
}

/// The kinds the "add a channel" form takes.
const FORM_KINDS: [ChannelKind; 4] = [
    ChannelKind::Cloud,
    ChannelKind::Telegram,
    ChannelKind::Messenger,
    ChannelKind::Instagram,
];

/// `POST /console/channels/add`: adds a cloud, telegram, messenger or instagram channel from
/// the form's fields (those of other kinds ignored), then shows its webhook URL and verify
/// token once. A bad field is the API's 400, naming it.
pub async fn add(State(state): State<ConsoleState>, posted: Posted) -> ConsoleResult<Response> {
    let key = posted.signed.key()?;
    switchboard_api::auth::Principal::Key(key.clone()).require_key(Permission::Manage)?;
    key.require_account_wide()?;
    let field = |name: &str| {
        posted
            .fields
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let kind = field("kind")
        .and_then(|k| ChannelKind::parse(&k))
        .filter(|k| FORM_KINDS.contains(k))
        .ok_or_else(|| {
            ConsoleError::Page(
                StatusCode::BAD_REQUEST,
                "kind: choose cloud, telegram, messenger or instagram".into(),
            )
        })?;
    let name = field("name").unwrap_or_default();
    let input = if kind == ChannelKind::Cloud {
        NewChannel {
            name,
            kind: Some(kind),
            phone_number_id: field("phone_number_id"),
            waba_id: field("waba_id"),
            access_token: field("access_token"),
            app_secret: field("app_secret"),
            ..Default::default()
        }
    } else {
        let mut settings = SettingsInput::default();
        match kind {
            ChannelKind::Telegram => {
                settings.bot_token = field("bot_token");
                if field("polling").is_some() {
                    settings.inbound = Some("polling".into());
                }
            }
            ChannelKind::Messenger => {
                settings.page_id = field("page_id");
                settings.page_access_token = field("page_access_token");
                settings.app_secret = field("app_secret");
            }
            _ => {
                settings.ig_account_id = field("ig_account_id");
                settings.page_id = field("page_id");
                settings.access_token = field("access_token");
                settings.app_secret = field("app_secret");
            }
        }
        NewChannel {
            name,
            kind: Some(kind),
            settings: Some(settings),
            ..Default::default()
        }
    };
    let channel = create_connected(&state.app, key.account_id, input).await?;
    let view = switchboard_api::routes::channels::view(&state.app, channel, true);
    let verify_token = view
        .verify_token
        .clone()
        .or_else(|| view.settings.as_ref().and_then(|s| s.verify_token.clone()));
    html(ChannelAddedPage {
        title: "Channel added",
        shell: Shell::of(&posted.signed, "channels"),
        id: view.id,
        name: view.name,
        kind: view.kind,
        webhook_url: view.webhook_url,
        verify_token,
    })
}

/// `?tested=ok` after a passed connection test.
#[derive(Debug, Deserialize)]
pub struct Tested {
    /// `ok` after a passed test.
    pub tested: Option<String>,
}

/// `GET /console/channels/{id}`.
pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(tested): Query<Tested>,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let id = parse_id(&id)?;
    key.require_channel(id)?;
    let store = state.app.store().as_ref();
    let tail = state.tail.read(store, key.account_id).await?;
    let channel = channels::get(store, key.account_id, id).await?;
    let filter = EventFilter {
        channel_id: Some(id),
        types: vec![CHANNEL_STATUS.to_string()],
        chat: None,
    };
    let mut events = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = switchboard_service::events::list(
            store,
            key.account_id,
            &filter,
            after.as_deref(),
            500,
        )
        .await?;
        let done = page.items.len() < 500;
        after = page.items.last().map(|e| e.cursor.clone()).or(after);
        events.extend(page.items);
        if events.len() > TIMELINE {
            events.drain(..events.len() - TIMELINE);
        }
        if done {
            break;
        }
    }
    let timeline = events.iter().rev().map(TimelineRow::from).collect();
    let can_manage = key.permission.allows(Permission::Manage);
    let csrf = if can_manage {
        signed.session.csrf_token.clone()
    } else {
        String::new()
    };
    let pairing = match web_pairing::panel(&state, &channel, csrf).await? {
        Some(panel) => Some(panel.render()?),
        None => None,
    };
    html(ChannelPage {
        title: "Channel",
        shell: Shell::of(&signed, "channels"),
        channel: ChannelRow::from(&channel),
        timeline,
        pairing,
        cloud: channel.kind == ChannelKind::Cloud,
        tested: tested.tested.as_deref() == Some("ok"),
        can_manage,
        after: tail.cursor,
    })
}

/// `POST /console/channels/{id}/test`: asks the upstream of a cloud channel for its phone
/// number with the channel's credentials (the number is stored when it changed), then back
/// to the channel with the answer; a refusal is shown with the upstream's words.
pub async fn test_connection(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = posted.signed.key()?;
    switchboard_api::auth::Principal::Key(key.clone()).require_key(Permission::Manage)?;
    let id = parse_id(&id)?;
    key.require_channel(id)?;
    let store = state.app.store();
    let channel = channels::get(store.as_ref(), key.account_id, id).await?;
    if channel.kind != ChannelKind::Cloud {
        return Err(ConsoleError::Page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "only WhatsApp Cloud API channels have a connection to test here".into(),
        ));
    }
    channels::display::learn_display_number(store.as_ref(), &state.app.gateway.upstream, &channel)
        .await
        .map_err(|e| {
            ConsoleError::Page(
                StatusCode::BAD_GATEWAY,
                format!("the connection test failed: {e}"),
            )
        })?;
    Ok(Redirect::to(&format!("/console/channels/{id}?tested=ok")).into_response())
}

/// `POST /console/channels/{id}/delete`: deletes the channel when the form's `confirm` is its
/// name.
pub async fn delete(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = posted.signed.key()?;
    switchboard_api::auth::Principal::Key(key.clone()).require_key(Permission::Manage)?;
    let id = parse_id(&id)?;
    key.require_channel(id)?;
    let store = state.app.store();
    let channel = channels::get(store.as_ref(), key.account_id, id).await?;
    let confirm = posted
        .fields
        .get("confirm")
        .map(|c| c.trim())
        .unwrap_or_default();
    if confirm != channel.name.trim() {
        return Err(ConsoleError::Page(
            StatusCode::BAD_REQUEST,
            "type the channel's exact name to confirm the deletion".into(),
        ));
    }
    channels::delete(store.as_ref(), key.account_id, id).await?;
    state.app.gateway.upstream.forget(id);
    Ok(Redirect::to(&format!("/console/channels?deleted={id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::Badge;

    fn shell() -> Shell {
        Shell {
            account_name: "<b>acme</b>".into(),
            csrf: "c".repeat(64),
            admin: false,
            active: "channels",
        }
    }

    fn row(i: usize, name: &str) -> ChannelRow {
        ChannelRow {
            id: format!("ch_{i:026}"),
            name: name.to_string(),
            kind: "sandbox".into(),
            number: Some("15550001234".into()),
            badge: Badge {
                status: "active".into(),
            },
            since: "2026-12-07T00:00:00Z".into(),
        }
    }

    fn render(channels: Vec<ChannelRow>) -> String {
        ChannelsPage {
            title: "Channels",
            shell: shell(),
            channels,
            can_manage: true,
            sandbox: true,
            flash: None,
            after: Some("12".into()),
        }
        .render()
        .unwrap()
    }

    #[test]
    fn renders_empty_many_and_hostile_lists() {
        let empty = render(Vec::new());
        assert!(empty.contains("No channel yet."));
        assert!(empty.contains("sse-connect=\"/console/live?scope=channels&amp;after=12\""));
        let many = render((0..300).map(|i| row(i, &format!("line {i}"))).collect());
        assert_eq!(many.matches("<tr data-channel=").count(), 300);
        assert_eq!(many.matches("sse-swap=\"status-ch_").count(), 300);
        let hostile = render(vec![row(1, "<script>alert(1)</script>\"'&")]);
        assert!(!hostile.contains("<script>alert(1)"));
        assert!(hostile.contains("&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;"));
        assert!(
            !hostile.contains("<b>acme</b>"),
            "the account name is escaped too"
        );
        assert!(hostile.contains(&format!("value=\"{}\"", "c".repeat(64))));
    }
}
