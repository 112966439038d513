//! The console's pages: one module per page, each handler extracting the session, calling a
//! service and rendering a template.

pub mod accounts;
pub mod bot;
pub mod bot_form;
pub mod broadcast_form;
pub mod broadcasts;
pub mod channels;
pub mod composer_kinds;
pub mod composer_upload;
pub mod contacts;
pub mod deliveries;
pub mod events;
pub mod imports;
pub mod inbox;
pub mod keys;
pub mod media;
pub mod overview;
pub mod scoped;
pub mod stats;
pub mod template_form;
pub mod templates;
pub mod web_pairing;
pub mod webhooks;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::ConsoleState;

/// The channels `key` sees (its one channel when it is limited to one), at most 500.
pub async fn visible_channels(
    state: &ConsoleState,
    key: &switchboard_api::auth::KeyPrincipal,
) -> ConsoleResult<Vec<switchboard_core::channel::Channel>> {
    let page = switchboard_store::PageRequest {
        after: None,
        limit: Some(500),
    };
    let listed = switchboard_service::channels::list(
        state.app.store().as_ref(),
        key.account_id,
        key.channel_id,
        &page,
    )
    .await?;
    Ok(listed.items)
}

/// The server's public URL without a trailing slash (for the `curl` lines shown with secrets).
pub fn public_base(state: &ConsoleState) -> String {
    state
        .app
        .settings
        .public_url
        .trim_end_matches('/')
        .to_string()
}

/// Renders a page template into an HTML response.
pub fn html(page: impl Template) -> ConsoleResult<Response> {
    Ok(Html(page.render()?).into_response())
}

/// `GET /console`: an account's overview; the admin's session goes to the accounts.
pub async fn home(State(state): State<ConsoleState>, signed: Signed) -> ConsoleResult<Response> {
    if signed.key().is_err() {
        return Ok(axum::response::Redirect::to("/console/accounts").into_response());
    }
    overview::page(&state, &signed).await
}

/// Any other console path.
pub async fn not_found() -> ConsoleError {
    ConsoleError::NotFound("no such console page")
}
