//! The console's pages: one module per page, each handler extracting the session, calling a
//! service and rendering a template.

pub mod channels;
pub mod contacts;
pub mod deliveries;
pub mod events;
pub mod imports;
pub mod inbox;
pub mod keys;
pub mod web_pairing;
pub mod webhooks;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::Shell;

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: &'static str,
    shell: Shell,
}

/// Renders a page template into an HTML response.
pub fn html(page: impl Template) -> ConsoleResult<Response> {
    Ok(Html(page.render()?).into_response())
}

/// `GET /console`: an account's session goes to its channels; the admin's gets a welcome.
pub async fn home(signed: Signed) -> ConsoleResult<Response> {
    if signed.key().is_ok() {
        return Ok(axum::response::Redirect::to("/console/channels").into_response());
    }
    html(HomePage {
        title: "Welcome",
        shell: Shell::of(&signed, "home"),
    })
}

/// Any other console path.
pub async fn not_found() -> ConsoleError {
    ConsoleError::NotFound("no such console page")
}
