//! The public handle: construction, router, phone numbers, faults, records, injection.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::{middleware, Router};
use serde_json::Value;

use crate::config::{BotConfig, EmulatorConfig, Faults, PageConfig, PhoneNumberConfig};
use crate::error::EmulatorError;
use crate::graph::{media, messages, objects, profile, templates};
use crate::records::{RecordedRequest, SentMessage, WebhookDelivery};
use crate::state::{lock, write, Inner};
use crate::{control, inbound, meta_send, recorder, telegram};

/// The WhatsApp Cloud API emulator. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("seed", &self.inner.config.seed)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// An emulator with no phone numbers yet.
    pub fn new(config: EmulatorConfig) -> Self {
        let emulator = Self {
            inner: Arc::new(Inner::new(config)),
        };
        for page in emulator.inner.config.pages.clone() {
            if let Err(e) = emulator.add_page(page) {
                tracing::warn!(error = %e, "emulator page from the configuration not registered");
            }
        }
        for bot in emulator.inner.config.bots.clone() {
            if let Err(e) = emulator.add_bot(bot) {
                tracing::warn!(error = %e, "emulator bot from the configuration not registered");
            }
        }
        emulator
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// The configuration it was built with (faults as at start).
    pub fn config(&self) -> &EmulatorConfig {
        &self.inner.config
    }

    /// The HTTP routes, state applied; mountable with `Router::nest("/sandbox", …)`.
    pub fn router(&self) -> Router {
        let graph = Router::new()
            .route("/emulator/requests", get(control::requests))
            .route("/emulator/messages", get(control::messages))
            .route("/emulator/webhooks", get(control::webhooks))
            .route(
                "/emulator/faults",
                get(control::get_faults).post(control::set_faults),
            )
            .route(
                "/emulator/phone_numbers",
                get(control::list_phone_numbers).post(control::add_phone_number),
            )
            .route(
                "/emulator/customers/{phone}/messages",
                post(control::inject),
            )
            .route("/emulator/reset", post(control::reset))
            .route(
                "/emulator/telegram/bots",
                get(telegram::control::list_bots).post(telegram::control::add_bot),
            )
            .route(
                "/emulator/telegram/bots/{bot_id}/users/{user_id}/{action}",
                post(telegram::control::user_action),
            )
            .nest("/telegram", telegram::router())
            .route(
                "/emulator/pages",
                get(meta_send::control::list_pages).post(meta_send::control::add_page),
            )
            .route(
                "/emulator/pages/{page_id}/users/{user_id}/{action}",
                post(meta_send::control::user_action),
            )
            .route("/lookaside/{media_id}", get(media::download))
            .route(
                "/{version}/{id}",
                get(objects::get)
                    .delete(objects::delete)
                    .fallback(objects::unknown),
            )
            .route(
                "/{version}/{id}/messages",
                post(messages::post).fallback(objects::unknown),
            )
            .route(
                "/{version}/{id}/media",
                post(media::upload).fallback(objects::unknown),
            )
            .route(
                "/{version}/{id}/message_templates",
                get(templates::handle)
                    .post(templates::handle)
                    .delete(templates::handle)
                    .fallback(objects::unknown),
            )
            .route(
                "/{version}/{id}/message_attachments",
                post(meta_send::attachments::post).fallback(objects::unknown),
            )
            .route(
                "/{version}/{id}/whatsapp_business_profile",
                get(profile::business_profile)
                    .post(profile::business_profile)
                    .fallback(objects::unknown),
            )
            .route(
                "/{version}/{id}/whatsapp_commerce_settings",
                get(profile::commerce_settings)
                    .post(profile::commerce_settings)
                    .fallback(objects::unknown),
            )
            .route("/{version}/{id}/{edge}", any(objects::unknown))
            .fallback(objects::unknown);
        graph
            .layer(middleware::from_fn_with_state(
                self.inner.clone(),
                recorder::record,
            ))
            .layer(DefaultBodyLimit::max(recorder::MAX_BODY_BYTES))
            .with_state(self.inner.clone())
            .merge(crate::web::router(self.inner.web.clone()))
            .merge(crate::web_bridge::web_bridge_router(std::sync::Arc::new(
                self.inner.web.clone(),
            )))
    }

    /// The fake WhatsApp Web phone (a [`switchboard_web_driver::WebDriver`]) whose sessions
    /// the `/emulator/web/{channel_id}/…` routes of [`Emulator::router`] control. Clones share
    /// them. The router also serves it to other processes over a WebSocket
    /// (`/emulator/web/{channel_id}/connect`, see [`crate::web_bridge_router`]).
    pub fn web_driver(&self) -> crate::web::FakeWebDriver {
        self.inner.web.clone()
    }

    /// Registers a phone number, or replaces the one with the same id. A new WABA gets the
    /// pre-approved `hello_world` template.
    pub fn add_phone_number(&self, p: PhoneNumberConfig) {
        self.inner.add_phone_number(p);
    }

    /// Registers a Telegram bot, or replaces the one with the same id; returns the bot id.
    /// Refuses a token that is not `<bot_id>:<secret>`.
    pub fn add_bot(&self, bot: BotConfig) -> Result<i64, EmulatorError> {
        telegram::add_bot(&self.inner, bot).map_err(EmulatorError::InvalidConfig)
    }

    /// The Telegram user `user_id` writes to bot `bot_id` (starting it when new). `message`:
    /// `{"text"}`, a media kind (`photo`, `document`, `voice`, `video`, `audio`, `sticker`:
    /// `{"data"? (base64), "mime_type"?, "file_name"?}`) with an optional `caption`, a
    /// `location` or a `contact`; plus optional `first_name`, `username`,
    /// `reply_to_message_id`. Returns `{update_id, chat, message_id}`. The update goes to the
    /// bot's webhook, or waits for `getUpdates`.
    pub async fn telegram_user_writes(
        &self,
        bot_id: i64,
        user_id: i64,
        message: Value,
    ) -> Result<Value, EmulatorError> {
        telegram::users::writes(&self.inner, bot_id, user_id, message).await
    }

    /// The Telegram user taps the inline button carrying `data` under the bot's message
    /// `message_id`: a `callback_query` update. Returns `{update_id, chat, callback_query_id}`.
    pub async fn telegram_user_taps(
        &self,
        bot_id: i64,
        user_id: i64,
        message_id: i64,
        data: &str,
    ) -> Result<Value, EmulatorError> {
        telegram::users::taps(&self.inner, bot_id, user_id, message_id, data).await
    }

    /// The Telegram user reacts to message `message_id` with `emoji` (`None` removes the
    /// reaction): a `message_reaction` update.
    pub async fn telegram_user_reacts(
        &self,
        bot_id: i64,
        user_id: i64,
        message_id: i64,
        emoji: Option<&str>,
    ) -> Result<Value, EmulatorError> {
        telegram::users::reacts(&self.inner, bot_id, user_id, message_id, emoji).await
    }

    /// The Telegram user blocks (or unblocks) the bot: a `my_chat_member` update; while
    /// blocked, sends to them are 403 `Forbidden: bot was blocked by the user`.
    pub async fn telegram_user_blocks(
        &self,
        bot_id: i64,
        user_id: i64,
        blocked: bool,
    ) -> Result<Value, EmulatorError> {
        telegram::users::blocks(&self.inner, bot_id, user_id, blocked).await
    }

    /// Registers a Messenger page or Instagram account, or replaces the one with the same id
    /// (its users stay). Refuses an empty `page_id`.
    pub fn add_page(&self, page: PageConfig) -> Result<(), EmulatorError> {
        meta_send::add_page(&self.inner, page).map_err(EmulatorError::InvalidConfig)
    }

    /// The user `user` (a PSID or IGSID) writes to the page, opening the 24-hour window.
    /// `message`: `{"text"?, "attachments"?: [{type, payload:{url}}], "quick_reply"?:
    /// {"payload"} (a tapped quick reply, with `text` its title), "reply_to"?: {"mid"},
    /// "timestamp"? (unix ms)}`. Returns `{mid}`.
    pub async fn page_user_writes(
        &self,
        page_id: &str,
        user: &str,
        message: Value,
    ) -> Result<Value, EmulatorError> {
        meta_send::events::writes(&self.inner, page_id, user, message).await
    }

    /// The user taps a postback button: `{title?, payload}`; opens the window. Returns `{mid}`.
    pub async fn page_user_postback(
        &self,
        page_id: &str,
        user: &str,
        postback: Value,
    ) -> Result<Value, EmulatorError> {
        meta_send::events::postback(&self.inner, page_id, user, postback).await
    }

    /// The user reacts to a message: `{mid, reaction?, emoji?, action?}`.
    pub async fn page_user_reacts(
        &self,
        page_id: &str,
        user: &str,
        reaction: Value,
    ) -> Result<Value, EmulatorError> {
        meta_send::events::reacts(&self.inner, page_id, user, reaction).await
    }

    /// The user blocks (or unblocks) the page; sends to them are then 551/1545041.
    pub fn page_user_blocks(
        &self,
        page_id: &str,
        user: &str,
        blocked: bool,
    ) -> Result<Value, EmulatorError> {
        meta_send::events::blocks(&self.inner, page_id, user, blocked)
    }

    /// Replaces the faults in force.
    pub fn set_faults(&self, f: Faults) {
        *write(&self.inner.faults) = f;
    }

    /// Every request received (control API excepted), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        let mut v = lock(&self.inner.records).requests.to_vec();
        v.sort_by_key(|r| r.seq);
        v
    }

    /// Every accepted send, in acceptance order.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        lock(&self.inner.records).sent.to_vec()
    }

    /// Every webhook POST attempt, in attempt order.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.inner.records).deliveries.to_vec()
    }

    /// Clears the records (requests, sent messages, webhook deliveries) and the changed
    /// business profiles and commerce settings. Phone numbers, templates, media, customers'
    /// windows, bots, pages and their users stay.
    pub fn reset(&self) {
        lock(&self.inner.records).clear();
        lock(&self.inner.profiles).clear();
    }

    /// The customer `message.from` writes to `phone_number_id`: posts Meta's inbound webhook
    /// and opens the customer's 24-hour window. Returns the message's wamid.
    ///
    /// `message` is one inbound message as in Meta's webhook: `{"from", "type", <kind
    /// object>}` plus optional `"profile": {"name"}`, `"context": {"id", "from"?}`,
    /// `"timestamp"` (unix seconds; defaults to now) and `"id"` (defaults to a new wamid).
    /// Media kinds may carry `"data"` (base64 bytes) or the `"id"` of stored media; otherwise
    /// placeholder bytes are stored. The webhook is queued, not awaited.
    pub async fn inject_inbound(
        &self,
        phone_number_id: &str,
        message: Value,
    ) -> Result<String, EmulatorError> {
        inbound::inject(&self.inner, phone_number_id, message).await
    }
}
