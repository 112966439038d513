//! The channel a per-channel page (Templates, Bot) works on: the session's key must have the
//! permission the API's route for the same thing needs, and see the channel (a channel-scoped
//! key sees only its own; another account's channel is not found). Also the picker those
//! pages' menu entries open when the account has several channels.

use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use switchboard_api::auth::{KeyPrincipal, Principal};
use switchboard_core::channel::Channel;
use switchboard_core::id::ChannelMarker;
use switchboard_core::key::Permission;
use switchboard_service::channels;
use switchboard_store::PageRequest;

use super::html;
use crate::error::ConsoleResult;
use crate::session::Signed;
use crate::views::{ChannelRow, Shell};
use crate::ConsoleState;

/// The session's key and the channel `id_text` names, when the key has `need` and sees it.
pub async fn channel(
    state: &ConsoleState,
    signed: &Signed,
    id_text: &str,
    need: Permission,
) -> ConsoleResult<(KeyPrincipal, Channel)> {
    let key = signed.key()?.clone();
    let id = switchboard_api::extract::path_id::<ChannelMarker>(id_text, "channel")?;
    key.require_channel(id)?;
    Principal::Key(key.clone()).require_key(need)?;
    let channel = channels::get(state.app.store().as_ref(), key.account_id, id).await?;
    Ok((key, channel))
}

/// The page that picks a channel for a per-channel page.
#[derive(Template)]
#[template(path = "channel_picker.html")]
struct PickerPage {
    title: &'static str,
    shell: Shell,
    heading: &'static str,
    section: &'static str,
    channels: Vec<ChannelRow>,
}

/// The menu entry of a per-channel page: straight to the channel when the key sees only
/// one, else the list of channels to pick from. `section` is the page's path under the
/// channel (`templates`, `bot`).
pub async fn pick(
    state: &ConsoleState,
    signed: &Signed,
    section: &'static str,
    heading: &'static str,
) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let page = PageRequest {
        after: None,
        limit: Some(500),
    };
    let listed = channels::list(
        state.app.store().as_ref(),
        key.account_id,
        key.channel_id,
        &page,
    )
    .await?;
    if let [only] = listed.items.as_slice() {
        return Ok(
            Redirect::to(&format!("/console/channels/{}/{section}", only.id)).into_response(),
        );
    }
    html(PickerPage {
        title: heading,
        shell: Shell::of(signed, section),
        heading,
        section,
        channels: listed.items.iter().map(ChannelRow::from).collect(),
    })
}
