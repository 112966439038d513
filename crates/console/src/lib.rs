//! Switchboard's web console, served at `/console` inside the binary.
//!
//! Server-rendered pages (askama templates compiled into the binary) made live with htmx and
//! its SSE extension, both vendored and embedded ([`assets`]). A browser signs in with an
//! account API key (or the admin key) and gets a server-side session ([`session`]): a random
//! id in an `HttpOnly; SameSite=Strict; Path=/console` cookie, stored hashed. Every non-GET
//! request passes the CSRF check ([`csrf`]); every response carries a strict
//! Content-Security-Policy ([`headers`]). The pages call the same services as the API.

pub mod assets;
pub mod broadcast_views;
pub mod broadcasts_live;
pub mod charts;
pub mod csrf;
pub mod error;
pub mod headers;
pub mod inbox_live;
pub mod inbox_views;
pub mod link;
pub mod live;
pub mod pages;
pub mod session;
pub mod sign_in;
pub mod tail;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};
use switchboard_api::AppState;

/// Where the console is mounted.
pub const BASE: &str = "/console";

/// How the console treats sessions and cookies.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// Always mark the session cookie `Secure` (else only when the request came over HTTPS:
    /// an `https` public URL or `X-Forwarded-Proto: https`).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub idle: Duration,
    /// A session ends this long after sign-in, however used.
    pub max_age: Duration,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            idle: Duration::from_secs(2 * 3600),
            max_age: Duration::from_secs(24 * 3600),
        }
    }
}

/// What every console handler gets: the API's state (services, store, authenticator) and
/// the console's settings.
#[derive(Clone)]
pub struct ConsoleState {
    /// The API's state.
    pub app: AppState,
    /// Session and cookie settings.
    pub settings: Arc<ConsoleSettings>,
    /// The recent events of each account, read forward from where this node last stopped.
    pub tail: Arc<tail::LogTail>,
}

/// The console's router, to be nested at [`BASE`] (its paths are relative to it).
pub fn router(app: AppState, settings: ConsoleSettings) -> Router {
    // A broadcast's CSV upload may be as large as the API allows (the spool enforces it).
    let upload_limit = usize::try_from(app.gateway.broadcasts.settings.upload_limit_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    let state = ConsoleState {
        app,
        settings: Arc::new(settings),
        tail: Arc::new(tail::LogTail::default()),
    };
    Router::new()
        .route("/", get(pages::home))
        .route("/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/channels", get(pages::channels::list))
        .route("/channels/sandbox", post(pages::channels::add_sandbox))
        .route("/channels/{id}", get(pages::channels::detail))
        .route("/channels/{id}/delete", post(pages::channels::delete))
        .route("/channels/web", post(pages::channels::add_web))
        .route("/channels/add", post(pages::channels::add))
        .route(
            "/channels/{id}/test",
            post(pages::channels::test_connection),
        )
        .route(
            "/channels/{id}/session/{action}",
            post(pages::web_pairing::act),
        )
        .route("/channels/{id}/pair", post(pages::web_pairing::pair))
        .route("/channels/{id}/qr.png", get(pages::web_pairing::qr_png))
        .route("/events", get(pages::events::list))
        .route("/media/{id}", get(pages::media::content))
        .route("/inbox", get(pages::inbox::list))
        .route("/inbox/{channel}/{chat}", get(pages::inbox::thread))
        .route(
            "/inbox/{channel}/{chat}/send",
            post(pages::inbox::send_text),
        )
        .route(
            "/inbox/{channel}/{chat}/send-other",
            post(pages::inbox::send_other),
        )
        .route(
            "/inbox/{channel}/{chat}/upload",
            post(pages::composer_upload::upload).layer(DefaultBodyLimit::max(
                switchboard_api::routes::media::UPLOAD_BODY_LIMIT,
            )),
        )
        .route(
            "/inbox/{channel}/{chat}/template",
            post(pages::inbox::send_template),
        )
        .route(
            "/inbox/{channel}/{chat}/retry/{message}",
            post(pages::inbox::retry),
        )
        .route(
            "/inbox/{channel}/{chat}/sync-templates",
            post(pages::inbox::sync_templates),
        )
        .route(
            "/webhooks",
            get(pages::webhooks::list).post(pages::webhooks::create),
        )
        .route("/webhooks/{id}", get(pages::webhooks::detail))
        .route("/webhooks/{id}/log", get(pages::deliveries::poll))
        .route("/webhooks/{id}/test", post(pages::webhooks::send_test))
        .route("/webhooks/{id}/rotate", post(pages::webhooks::rotate))
        .route("/webhooks/{id}/enabled", post(pages::webhooks::set_enabled))
        .route("/webhooks/{id}/edit", post(pages::webhooks::edit))
        .route("/webhooks/{id}/delete", post(pages::webhooks::delete))
        .route(
            "/webhooks/{id}/deliveries/{delivery}",
            get(pages::deliveries::detail),
        )
        .route(
            "/webhooks/{id}/deliveries/{delivery}/retry",
            post(pages::deliveries::retry),
        )
        .route(
            "/webhooks/{id}/deliveries/{delivery}/replay",
            post(pages::deliveries::replay),
        )
        .route("/stats", get(pages::stats::page))
        .route(
            "/accounts",
            get(pages::accounts::list).post(pages::accounts::create),
        )
        .route("/accounts/{id}", get(pages::accounts::detail))
        .route("/accounts/{id}/credits", post(pages::accounts::change))
        .route("/keys", get(pages::keys::list).post(pages::keys::create))
        .route("/keys/{id}/revoke", post(pages::keys::revoke))
        .route(
            "/broadcasts",
            get(pages::broadcasts::list)
                .post(pages::broadcast_form::create)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/broadcasts/{id}", get(pages::broadcasts::detail))
        .route(
            "/broadcasts/{id}/{action}",
            post(pages::broadcasts::control),
        )
        .route("/templates", get(pages::templates::pick))
        .route(
            "/channels/{id}/templates",
            get(pages::templates::list).post(pages::templates::create),
        )
        .route(
            "/channels/{id}/templates/sync",
            post(pages::templates::sync),
        )
        .route(
            "/channels/{id}/templates/{template}/delete",
            post(pages::templates::delete),
        )
        .route("/bot", get(pages::bot::pick))
        .route(
            "/channels/{id}/bot",
            get(pages::bot::show).post(pages::bot::save_settings),
        )
        .route("/channels/{id}/bot/try", post(pages::bot::try_it))
        .route("/channels/{id}/bot/rules", post(pages::bot::create_rule))
        .route(
            "/channels/{id}/bot/rules/{rule}",
            post(pages::bot::update_rule),
        )
        .route(
            "/channels/{id}/bot/rules/{rule}/delete",
            post(pages::bot::delete_rule),
        )
        .route(
            "/channels/{id}/bot/rules/{rule}/move",
            post(pages::bot::move_rule),
        )
        .route("/contacts", get(pages::contacts::list))
        .route("/contacts/export", get(pages::contacts::export_csv))
        .route(
            "/contacts/import",
            post(pages::imports::start).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/contacts/imports/{id}", get(pages::imports::detail))
        .route(
            "/contacts/{id}",
            get(pages::contacts::detail).post(pages::contacts::update),
        )
        .route("/contacts/{id}/delete", post(pages::contacts::delete))
        .route("/live", get(live::stream))
        .route("/static/{*path}", get(assets::serve))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(csrf::origin_guard))
        .layer(middleware::from_fn(headers::secure))
        .with_state(state)
}
