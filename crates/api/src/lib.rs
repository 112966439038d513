//! Switchboard's HTTP API.
//!
//! [`router`] assembles every resource router with request ids, metrics, the body limit and
//! JSON fallbacks; [`openapi`] builds the OpenAPI 3.1 document from the same routes, so the
//! document cannot name a route the server does not have.

pub mod access;
pub mod auth;
pub mod body_timeout;
pub mod doc_errors;
pub mod error;
pub mod extract;
pub mod key_use;
pub mod limits;
pub mod list;
pub mod meta_error;
pub mod metrics;
pub mod qr_image;
pub mod request_id;
pub mod routes;
pub mod state;

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{middleware, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_scalar::Scalar;

pub use error::{ApiError, ApiResult};
pub use state::{ApiSettings, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "Self-hosted business messaging gateway. Authenticate with `Authorization: Bearer <key>` (also `x-api-key`, or `token` / `apikey` query parameters).",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Probes"),
        (name = "accounts", description = "Accounts (admin key)"),
        (name = "keys", description = "API keys"),
        (name = "channels", description = "Channels: upstream numbers"),
        (name = "web sessions", description = "WhatsApp Web sessions of `web` channels: start, pair by QR or pair code, stop, log out"),
        (name = "contacts", description = "Contacts: CRUD, search, CSV import jobs and export"),
        (name = "messages", description = "Sending (Cloud API shapes) and history"),
        (name = "conversations", description = "Conversations per channel and customer: last message, unread count since the read marker, the 24-hour window; mark read"),
        (name = "media", description = "Media files: upload, metadata, download, delete"),
        (name = "stats", description = "Channel statistics per month and day"),
        (name = "sandbox", description = "Simulated customers on sandbox channels"),
        (name = "events", description = "The event log: list, SSE and WebSocket streams"),
        (name = "webhooks", description = "Webhook subscriptions and deliveries (Standard Webhooks signatures)"),
        (name = "templates", description = "Message templates per channel, synced with the upstream"),
        (name = "bot", description = "Bot automation: settings, keyword rules and menus, opt-out, decision log"),
        (name = "broadcasts", description = "Broadcasts: one message to an audience, with per-target statuses, counters and credits"),
        (name = "compat-multiwhats", description = "The MultiWhats API (key as the `apikey` query parameter or in the body; errors `{status: false, message}`): send-dynamic queues are broadcasts underneath"),
        (name = "compat-1msg", description = "The 1msg API of a WhatsApp Business channel (`/compat/1msg/{channel_id}/`, key as the `token` query parameter; JSON or form-encoded bodies; errors `{error, code}`), translated onto the native services"),
        (name = "compat-wabot", description = "The WhatsApp Web bot platform's API (`/compat/wabot/`, `Authorization: Bearer <key>`; an instance is a `web` channel named by `session_id` and checked with its `access_token`, in the query or the body; answers `{status, message, data}`, errors `{status: false, message, code}`), translated onto web sessions, the native bot and send, and `wabot` webhooks"),
        (name = "compat-sendbuttons", description = "The Send Buttons service's API (key in the body as `apiKey`; answers `status` OK/FAIL with a `reason` code), translated onto the native send"),
        (name = "compat-whautomate", description = "The omnichannel API (`/compat/whautomate/`, key in the `x-api-key` header): text, media and template sends on WhatsApp, Telegram, Instagram and Messenger to a contact or a phone number, and a contact's history; answers `{success: true}`, errors `{success: false, error, code}`"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::accounts::router())
        .merge(routes::credits::router())
        .merge(routes::contacts::router())
        .merge(routes::keys::router())
        .merge(routes::channels::router())
        .merge(routes::web_sessions::router())
        .merge(routes::profile::router())
        .merge(routes::messages::router())
        .merge(routes::conversations::router())
        .merge(routes::media::router())
        .merge(routes::scheduled::router())
        .merge(routes::stats::router())
        .merge(routes::sandbox::router())
        .merge(routes::subscriptions::router())
        .merge(routes::events::router())
        .merge(routes::templates::router())
        .merge(routes::bot::router())
        .merge(routes::broadcasts::router())
        .merge(routes::sendbuttons::router())
        .merge(routes::multiwhats::router())
        .merge(routes::onemsg::router())
        .merge(routes::whautomate::router())
        .merge(routes::wabot::router())
}

/// The OpenAPI document of the native API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = documented_routes().into_openapi();
    doc_errors::add_common_errors(&mut document);
    document
}

/// The OpenAPI document as pretty JSON with a trailing newline (the committed form).
pub fn openapi_json() -> String {
    let mut text = openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route: see /docs for the API".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("this route does not accept that method: see /docs".into())
}

/// The whole HTTP application for `state`. Extra routers (the sandbox, inbound webhooks) are
/// merged by the caller before [`finish`] wraps everything.
pub fn router(state: AppState) -> Router<AppState> {
    let (api, _document) = documented_routes().split_for_parts();
    api.merge(documentation())
        .route("/metrics", get(metrics::serve))
        .merge(routes::cloud_webhooks::router())
        .merge(routes::telegram_webhooks::router())
        .merge(routes::meta_webhooks::router())
        .with_state::<AppState>(state)
}

/// `/openapi.json` and its Scalar page at `/docs`, each built on its first request (off the
/// async workers) and kept from then on. Not at start: building and serializing the document
/// peaks at several MB of heap that the allocator keeps resident, and an idle server that
/// nobody reads the documentation of should not carry it.
fn documentation() -> Router<AppState> {
    static JSON: OnceLock<Bytes> = OnceLock::new();
    static PAGE: OnceLock<Bytes> = OnceLock::new();
    async fn built(cell: &'static OnceLock<Bytes>, build: fn() -> String) -> Bytes {
        if let Some(built) = cell.get() {
            return built.clone();
        }
        let job = move || cell.get_or_init(|| Bytes::from(build())).clone();
        match tokio::task::spawn_blocking(job).await {
            Ok(built) => built,
            Err(_) => cell.get_or_init(|| Bytes::from(build())).clone(),
        }
    }
    Router::new()
        .route(
            "/openapi.json",
            get(|| async {
                let body = built(&JSON, openapi_json).await;
                ([(header::CONTENT_TYPE, "application/json")], body).into_response()
            }),
        )
        .route(
            "/docs",
            get(|| async { Html(built(&PAGE, || Scalar::new(openapi()).to_html()).await) }),
        )
}

/// Adds the fallbacks, metrics, the slow-body guard, request ids and the body limit around
/// `app`.
pub fn finish(app: Router<AppState>, state: AppState) -> Router {
    let limit = state.settings.body_limit;
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            body_timeout::guard,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(request_id::assign))
        .with_state(state)
}
