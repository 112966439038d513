//! The emulator that plays WhatsApp: a WhatsApp Cloud API (Graph API) look-alike that accepts
//! sends, media, template management and phone-number reads with Meta's shapes, limits and
//! error codes, and plays the other side — signed status and inbound webhooks, simulated
//! customers who read and reply, numbers that are not on WhatsApp, rate limits, 5xx and
//! timeouts on demand.
//!
//! Build an [`Emulator`], register numbers with [`Emulator::add_phone_number`], and mount
//! [`Emulator::router`] (for instance under `/sandbox`), or run [`serve`].
//!
//! # Graph API (`{version}` is any `v{major}.{minor}`; anything else is a Meta 400)
//!
//! | route | answer |
//! |---|---|
//! | `POST /{version}/{phone_number_id}/messages` | send → `{messaging_product, contacts[{input,wa_id}], messages[{id}]}`; mark as read → `{success:true}` |
//! | `POST /{version}/{phone_number_id}/media` | multipart `file`, `type`, `messaging_product` → `{id}` |
//! | `GET /{version}/{media_id}` | `{messaging_product, url, mime_type, sha256 (hex), file_size, id}` |
//! | `DELETE /{version}/{media_id}` | `{success:true}` |
//! | `GET /lookaside/{media_id}` | the media bytes (the `url` above; needs the Bearer token) |
//! | `GET|POST|DELETE /{version}/{waba_id}/message_templates` | list (`?name=`, `?limit=`, `?after=`), create → `PENDING`, delete (`?name=`, `?hsm_id=`) |
//! | `GET /{version}/{template_id}` | one template |
//! | `GET /{version}/{phone_number_id}` | `{verified_name, display_phone_number, id, quality_rating, code_verification_status, platform_type, throughput}` |
//! | `GET /{version}/{phone_number_id}/whatsapp_business_profile` | `{data:[{about, address, …, messaging_product}]}` |
//!
//! Auth: `Authorization: Bearer <token>`. A missing token, or one no registered number has,
//! is 401 code 190; a known token on a number (or WABA, or media) it does not own is 400 code
//! 100 (`GraphMethodException`, subcode 33), as Meta answers for invisible objects.
//!
//! Order on a send: version → auth → faults (latency, timeout → 504, 5xx → 500 code 2
//! `is_transient`, throughput → 130429, pair rate → 131056) → validation
//! ([`switchboard_core::message::parse_request`], errors in Meta's envelope) → template check
//! (132001 missing or not approved in that language, 132000 parameter count) → 200. Timeout
//! and 5xx draws depend only on `(seed, n)` where `n` counts Graph requests that reached the
//! fault stage, so equal seeds and equal request sequences give equal faults.
//!
//! # The simulated customer
//!
//! After an accepted send, in the background: `sent`, `delivered`, `read` statuses at the
//! configured offsets (a reaction gets `sent` only). A recipient whose WhatsApp id ends with
//! [`EmulatorConfig::undeliverable_suffix`] (default `"0000"`) or is listed in
//! [`EmulatorConfig::undeliverable_numbers`] gets `failed` with 131026. With
//! [`EmulatorConfig::enforce_window`] (default on), a non-template message to a customer who
//! has not written in the last 24 h gets `failed` with 131047; an injected inbound message
//! opens the window. [`EmulatorConfig::scripted_replies`] make the customer answer (after the
//! `read`) when a sent text contains a phrase.
//!
//! Webhooks are Meta's payloads (see [`switchboard_core::cloud_webhook`]), signed with the
//! number's app secret in `X-Hub-Signature-256`, POSTed to its `webhook_url`, in order per
//! customer, with up to [`EmulatorConfig::max_statuses_per_webhook`] statuses per POST, and
//! retried with exponential backoff per [`EmulatorConfig::webhook_retry`].
//!
//! # Templates
//!
//! Every WABA starts with Meta's sample `hello_world` (en_US, UTILITY, APPROVED). A created
//! template is `PENDING` for [`EmulatorConfig::review_delay_ms`], then `REJECTED` with reason
//! `INVALID_FORMAT` when its name contains `reject`, `REJECTED` with `ABUSIVE_CONTENT` when its
//! body contains one of [`EmulatorConfig::banned_template_words`], else `APPROVED`; a
//! `message_template_status_update` webhook goes to each distinct webhook URL of the WABA.
//!
//! # Control API (no Graph auth)
//!
//! | route | effect |
//! |---|---|
//! | `GET /emulator/requests` | [`Emulator::requests`] |
//! | `GET /emulator/messages` | [`Emulator::sent_messages`] |
//! | `GET /emulator/webhooks` | [`Emulator::webhook_deliveries`] |
//! | `GET|POST /emulator/faults` | read / replace the [`Faults`] (body: `Faults` JSON) |
//! | `GET|POST /emulator/phone_numbers` | list (secrets left out) / add a [`PhoneNumberConfig`] |
//! | `POST /emulator/customers/{phone}/messages` | customer `{phone}` writes; body `{"phone_number_id"?, "message": {…}}` or the message itself (`from` is set to `{phone}`; `phone_number_id` may be left out when one number is registered) → `{id}` |
//! | `POST /emulator/reset` | [`Emulator::reset`] |
//!
//! Requests under `/emulator/` are not recorded.

mod config;
mod control;
mod emulator;
mod error;
mod faults;
mod graph;
mod ids;
mod inbound;
mod media;
mod meta_send;
mod params;
mod recorder;
mod records;
mod serve;
mod simulate;
mod state;
mod telegram;
mod templates;
mod webhook;

pub use config::{
    BotConfig, EmulatorConfig, Faults, PageConfig, PagePlatform, PairRate, PhoneNumberConfig,
    RetryPolicy, ScriptedReply, StatusDelays,
};
pub use emulator::Emulator;
pub use error::EmulatorError;
pub use records::{RecordedRequest, SentMessage, WebhookDelivery};
pub use serve::serve;
