//! The Telegram Bot API: `/bot{token}/{method}` (mounted under `/telegram`), file downloads,
//! simulated users and their updates, delivered by webhook or `getUpdates`.

pub(crate) mod control;
mod entities;
mod errors;
mod files;
mod methods;
mod state;
mod updates;
pub(crate) mod users;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;

pub(crate) use errors::{TgError, TgOk};
pub(crate) use state::{Bot, Bots};

use crate::config::BotConfig;
use crate::faults::{admit_channel, stage, Hit};
use crate::params::Params;
use crate::state::{lock, Inner};
use crate::webhook::{enqueue, Job, Post};

/// The routes, relative to the `/telegram` mount.
pub(crate) fn router() -> Router<Arc<Inner>> {
    Router::new()
        .route("/file/{bot}/{*path}", get(files::download))
        .route("/{bot}/{method}", any(call))
        .fallback(not_found)
}

async fn not_found() -> Response {
    TgError::not_found().into_response()
}

/// Registers (or replaces) a bot; refuses a token without a numeric bot id.
pub(crate) fn add_bot(inner: &Inner, config: BotConfig) -> Result<i64, String> {
    let id = config
        .bot_id()
        .ok_or_else(|| format!("token {:?} is not <bot_id>:<secret>", config.token))?;
    let cap = inner.config.max_records;
    lock(&inner.telegram)
        .by_id
        .insert(id, Bot::new(id, config, cap));
    Ok(id)
}

/// Queues webhook POSTs of bot `bot_id`, each on the lane of its chat (so a chat's updates
/// arrive in order).
pub(crate) async fn flush(inner: &Arc<Inner>, bot_id: i64, posts: Vec<(i64, Post)>) {
    let lane = format!("telegram:{bot_id}");
    for (chat, post) in posts {
        enqueue(inner, &lane, &chat.to_string(), Job::Post(Box::new(post))).await;
    }
}

/// The bot id of a `bot{token}` path segment: 404 without `bot`, 401 for a malformed or
/// unknown token.
pub(crate) fn authenticate(inner: &Inner, segment: &str) -> Result<i64, TgError> {
    let token = segment.strip_prefix("bot").ok_or_else(TgError::not_found)?;
    if token.starts_with('0') || token.len() > 80 || !token.contains(':') {
        return Err(TgError::invalid_token());
    }
    lock(&inner.telegram)
        .by_token(token)
        .map(|b| b.id)
        .ok_or_else(TgError::unauthorized)
}

/// Methods the emulator serves, lowercase.
const METHODS: &[&str] = &[
    "getme",
    "sendmessage",
    "sendphoto",
    "sendvideo",
    "sendaudio",
    "senddocument",
    "sendsticker",
    "sendvoice",
    "sendlocation",
    "sendvenue",
    "sendcontact",
    "sendchataction",
    "setmessagereaction",
    "answercallbackquery",
    "setwebhook",
    "deletewebhook",
    "getwebhookinfo",
    "getupdates",
    "getfile",
];

/// `GET|POST /telegram/bot{token}/{method}`.
async fn call(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<TgOk, TgError> {
    let bot_id = authenticate(&inner, &bot)?;
    let method = method.to_ascii_lowercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(TgError::no_method());
    }
    match stage(&inner).await {
        Some(Hit::Timeout) => return Err(TgError::bad_gateway()),
        Some(Hit::Unavailable) => return Err(TgError::internal()),
        None => {}
    }
    if body.len() as u64 > files::MAX_UPLOAD_BYTES {
        return Err(TgError::too_large());
    }
    let p = Params::parse(query.as_deref(), &headers, body)
        .await
        .map_err(TgError::bad)?;
    if method.starts_with("send") && !admit_channel(&inner, &format!("telegram:{bot_id}")) {
        return Err(TgError::flood(1));
    }
    match method.as_str() {
        "getme" => Ok(methods::get_me(&inner, bot_id)?.into()),
        "sendchataction" => methods::chat_action(&inner, bot_id, &p).map(TgOk::from),
        "setmessagereaction" => methods::set_reaction(&inner, bot_id, &p).map(TgOk::from),
        "answercallbackquery" => methods::answer_callback(&inner, bot_id, &p).map(TgOk::from),
        "setwebhook" => updates::set_webhook(&inner, bot_id, &p).await,
        "deletewebhook" => updates::delete_webhook(&inner, bot_id, &p),
        "getwebhookinfo" => updates::webhook_info(&inner, bot_id).map(TgOk::from),
        "getupdates" => updates::get_updates(&inner, bot_id, &p)
            .await
            .map(TgOk::from),
        "getfile" => files::get_file(&inner, bot_id, &p).map(TgOk::from),
        send => methods::send(&inner, bot_id, send, &p).map(TgOk::from),
    }
}

/// Runs `f` on bot `bot_id` (401 when it was removed meanwhile).
pub(crate) fn with_bot<T>(
    inner: &Inner,
    bot_id: i64,
    f: impl FnOnce(&mut Bot) -> Result<T, TgError>,
) -> Result<T, TgError> {
    let mut bots = lock(&inner.telegram);
    let bot = bots
        .by_id
        .get_mut(&bot_id)
        .ok_or_else(TgError::unauthorized)?;
    f(bot)
}
