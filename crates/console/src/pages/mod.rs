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
