//! The emulator that plays the upstream platforms: a WhatsApp Cloud API (Graph API) look-alike
//! that accepts sends, media, template management and phone-number reads with Meta's shapes,
//! limits and error codes; a Telegram Bot API; and the Messenger/Instagram Send API. It plays
//! the other side too — signed status and inbound webhooks, simulated customers and users who
//! read, reply, tap buttons and block, numbers that are not on WhatsApp, rate limits, 5xx and
//! timeouts on demand.
//!
//! Build an [`Emulator`], register numbers with [`Emulator::add_phone_number`], bots with
//! [`Emulator::add_bot`] and pages with [`Emulator::add_page`] (or list them in
//! [`EmulatorConfig::bots`] and [`EmulatorConfig::pages`]), and mount [`Emulator::router`] (for
//! instance under `/sandbox`), or run [`serve`]. Everything below is relative to that mount.
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
//! | `POST /{version}/{phone_number_id}/whatsapp_business_profile` | `{messaging_product:"whatsapp", about?, address?, …}` checked against Meta's limits → `{success:true}` |
//! | `GET|POST /{version}/{phone_number_id}/whatsapp_commerce_settings` | `{data:[{id, is_cart_enabled, is_catalog_visible}]}`; POST `?is_cart_enabled=&is_catalog_visible=` → `{success:true}` |
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
//! | `GET|POST /emulator/telegram/bots` | list (tokens left out) / add a [`BotConfig`] → `{success, id}` |
//! | `POST /emulator/telegram/bots/{bot_id}/users/{user_id}/messages` | the user writes: `{"text"}`, a media kind (`photo`, `document`, `voice`, `video`, `audio`, `sticker`: `{"data"?, "mime_type"?, "file_name"?}`, `caption`?), `location` or `contact`; optional `first_name`, `username`, `reply_to_message_id` → `{update_id, chat, message_id}` |
//! | `POST /emulator/telegram/bots/{bot_id}/users/{user_id}/callback_queries` | the user taps the inline button `{message_id, data}` → `{update_id, chat, callback_query_id}` |
//! | `POST /emulator/telegram/bots/{bot_id}/users/{user_id}/reactions` | `{message_id, emoji}` (`emoji: null` removes) |
//! | `POST /emulator/telegram/bots/{bot_id}/users/{user_id}/block` / `unblock` | the user blocks / unblocks the bot |
//! | `GET|POST /emulator/pages` | list (secrets left out) / add a [`PageConfig`] |
//! | `POST /emulator/pages/{page_id}/users/{user_id}/messages` | the user writes: `{"text"?, "attachments"?, "quick_reply"?: {"payload"}, "reply_to"?: {"mid"}, "timestamp"? (unix ms)}` → `{mid}` |
//! | `POST /emulator/pages/{page_id}/users/{user_id}/postbacks` | the user taps a postback button `{title?, payload}` → `{mid}` |
//! | `POST /emulator/pages/{page_id}/users/{user_id}/reactions` | `{mid, reaction?, emoji?, action?}` |
//! | `POST /emulator/pages/{page_id}/users/{user_id}/block` / `unblock` | the user blocks / unblocks the page |
//!
//! A control call about an unknown bot or page is 404; a malformed one is 400. Requests under
//! `/emulator/` are not recorded; recorded paths show `bot[redacted]` and
//! `access_token=[redacted]` instead of secrets.
//!
//! # Telegram Bot API (under `/telegram`, so a client's API base is `{mount}/telegram`)
//!
//! | route | answer |
//! |---|---|
//! | `GET|POST /telegram/bot{token}/{method}` | `{"ok":true,"result",…}` or `{"ok":false,"error_code","description","parameters"?}`, HTTP status = `error_code` |
//! | `GET /telegram/file/bot{token}/{file_path}` | the file's bytes (`file_path` from `getFile`) |
//!
//! Parameters come from the query string and a JSON, `application/x-www-form-urlencoded` or
//! `multipart/form-data` body; in the form encodings object parameters (`reply_markup`,
//! `reply_parameters`, `reaction`, `allowed_updates`) are JSON strings. Method names are
//! case-insensitive. Order: token (404 `Not Found` without `bot`; 401 `Unauthorized: invalid
//! token specified` for a token starting with `0`, longer than 80 or without `:`; 401
//! `Unauthorized` for an unknown one) → method (404 `Not Found: method not found`) → faults →
//! body (413 `Request Entity Too Large` over 50 MB) → rate limit on `send*` → the method.
//!
//! Methods: `getMe`; `sendMessage` (text 1–4096 characters: `message text is empty`, `message
//! is too long`; over 32768 bytes: `text is too long`); `sendPhoto`, `sendVideo`, `sendAudio`, `sendDocument`, `sendSticker`,
//! `sendVoice` (a multipart upload, `attach://<part>`, an HTTP URL — not fetched;
//! `sendDocument` takes only `.pdf`/`.zip` URLs, else `wrong type of the web page content` — or
//! a file_id of the same bot and type: `wrong file identifier/HTTP URL specified`, `type of file
//! mismatch`, `there is no photo in the request`; caption ≤ 1024: `message caption is too
//! long`); `sendLocation`; `sendContact`; `sendChatAction`; `setMessageReaction` (at most one
//! emoji of the fixed list: `REACTIONS_TOO_MANY`, `REACTION_INVALID`); `answerCallbackQuery`
//! (once per query: `query is too old and response timeout expired or query ID is invalid`);
//! `setWebhook` (`secret_token` of `[A-Za-z0-9_-]{1,256}`, `drop_pending_updates`,
//! `max_connections`, `allowed_updates`; plain `http://` accepted for local receivers);
//! `deleteWebhook`; `getWebhookInfo` (with `last_error_date` and `last_error_message`, e.g.
//! `Connection refused`, `Wrong response from the webhook: 500 Internal Server Error`); `getUpdates`; `getFile` (`invalid file_id`, `file is too
//! big` over 20 MB). Every send checks `chat_id` (`chat_id is empty`; `chat not found` unless
//! the user has written to the bot; 403 `Forbidden: bot was blocked by the user`),
//! `reply_markup` (`callback_data` 1–64 bytes else `BUTTON_DATA_INVALID`; `reply markup is too
//! long` over 10 KB) and `reply_parameters`/`reply_to_message_id` (`message to be replied not
//! found` unless `allow_sending_without_reply`), and returns the `Message`. With `parse_mode`
//! (`HTML`, `MarkdownV2`, `Markdown`) the text and caption limits count the parsed text, and
//! bad markup is `can't parse entities: …` (`Unsupported start tag "div" at byte offset 0`,
//! `Character '.' is reserved and must be escaped with the preceding '\'`, `Can't find end of
//! the entity starting at byte offset N`, …); file_ids are opaque
//! and per bot. Errors read `Bad Request: …` with the exact strings above.
//!
//! Updates (`message`, `callback_query`, `message_reaction`, `my_chat_member`) get increasing
//! `update_id`s. With a webhook set, each is POSTed alone with
//! `X-Telegram-Bot-Api-Secret-Token` (when set), in order per chat, retried per
//! [`EmulatorConfig::webhook_retry`]; updates waiting when a webhook is set go to it unless
//! dropped. Without one they wait for `getUpdates` (`offset` confirms below it, a negative one
//! keeps the last `-offset`; `limit` clamped to 1–100, `timeout` to 0–50 s; 409 while a
//! webhook is set; a newer call ends a waiting one with 409 `terminated by other getUpdates
//! request`). Without `allowed_updates`, `message_reaction` (and `chat_member`) updates are
//! not delivered, as on Telegram. Telegram has no delivery or read receipts, so none are sent.
//! A sent text matching a [`ScriptedReply`] gets the reply's text (`text.body` or `text`) back
//! as the user's message.
//!
//! Not emulated: `sendMediaGroup`, `copyMessage`, `forwardMessage`, `editMessage*`,
//! `deleteMessage`, `sendPoll`, `sendVideoNote`, inline mode, payments, groups, supergroups and
//! channels (every chat is a private chat; `@username` is `chat not found`), `entities` (they
//! are accepted unchecked), the full entity grammar (the parse-mode check is light), the
//! 3-second minimum wait of
//! repeated `getUpdates`, the 24-hour update expiry, `Retry-After`/410 answers of the webhook
//! receiver and Bot API calls in its 2xx answers, `max_connections` concurrency,
//! `getChat`, `setMyCommands`, `logOut`, `close`, 401 for
//! revoked tokens and `migrate_to_chat_id`.
//!
//! # Messenger and Instagram Send API
//!
//! | route | answer |
//! |---|---|
//! | `POST /{version}/me/messages` | the page of the token |
//! | `POST /{version}/{page_id}/messages` | that page (or Instagram account), when `page_id` is registered as a page and not as a phone number |
//! | `POST /{version}/{page_id or me}/message_attachments` | `message.attachment` (`image`, `video`, `audio`, `file`) by `url` or `filedata` upload → `{attachment_id}`, usable by that page only |
//!
//! Routing: `/{version}/{id}/messages` serves the Cloud API when `id` is a registered phone
//! number id (a phone number wins a clash), the Send API when `id` is `me` or a registered
//! page id; both are numeric, so the registration decides. Auth: `access_token` query
//! parameter or `Authorization: Bearer`; an unknown token is 401 code 190, a page the token
//! does not own is 400 code 100 subcode 33. The body is JSON, a form with JSON-string fields,
//! or multipart (`recipient`, `message` as JSON strings, the file in `filedata`).
//!
//! Order: version → auth → faults → rate limit (613; Instagram 613/2534040) → checks (code
//! 100): `recipient.id`; `message` or `sender_action` (`typing_on`, `typing_off`,
//! `mark_seen`, `react` with `payload{message_id, reaction}`, `unreact`), not both
//! (100/2018014); `messaging_type` `RESPONSE`/`UPDATE`/`MESSAGE_TAG` (missing is accepted);
//! `MESSAGE_TAG` needs a `tag`: `HUMAN_AGENT` (7-day window), `CUSTOMER_FEEDBACK` (Messenger
//! only); `CONFIRMED_EVENT_UPDATE`, `ACCOUNT_UPDATE`, `POST_PURCHASE_UPDATE` are deprecated
//! (100); text < 2000 characters (Messenger) or ≤ 1000 bytes (Instagram); text or
//! `attachment` (`image`, `video`, `audio`, `file` with `url`, `attachment_id` or an uploaded
//! `filedata`; `template` `button` with text ≤ 640 and 1–3 buttons, `generic` with 1–10
//! elements, title ≤ 80, subtitle ≤ 80, ≤ 3 buttons; Instagram also `like_heart`,
//! `MEDIA_SHARE` and `attachments` of up to 10); ≤ 13 `quick_replies` (title ≤ 20 on
//! Messenger, any length on Instagram, which truncates; payload ≤ 1000); button title ≤ 20, postback payload ≤ 1000; `metadata` < 1000 → recipient: with
//! [`EmulatorConfig::enforce_window`], a user who never wrote is 100/2018001 (Instagram
//! 100/2534014) and one whose last message or postback is over 24 h old is 10/2018278
//! (Instagram 10/2534022); a user who blocked the page is 551/1545041 → 200
//! `{recipient_id, message_id: "m_…"}` (sender actions: `{recipient_id}`). Errors are
//! `{"error":{"message":"(#code) …","type":"OAuthException","code","error_subcode"?,"fbtrace_id"}}`
//! with HTTP 400; injected faults answer as the Cloud API does (500 code 2, 504).
//!
//! Webhooks go to the page's `webhook_url` as `{"object":"page"|"instagram","entry":[{"id",
//! "time","messaging":[event]}]}`, signed `X-Hub-Signature-256: sha256=HMAC-SHA256(app_secret,
//! body)`, in order per user, retried like the others. After an accepted message: an echo
//! (`message.is_echo`, `app_id`, `metadata`) when [`PageConfig::echoes`], then for Messenger a
//! `delivery` (`mids`, `watermark`) and a `read` (`watermark`), for Instagram only a `read`
//! (`mid`), at [`EmulatorConfig::status_delays`], reads only with
//! [`EmulatorConfig::read_receipts`]; a matching [`ScriptedReply`] answers. Users write
//! (`message`, with `quick_reply.payload` for a tapped quick reply), tap postbacks
//! (`postback{mid,title,payload}`), react (`reaction{mid,action,reaction,emoji}`) and block.
//!
//! An `attachment_id` the page did not save is 100/2018074; a send with `is_reusable: true`
//! answers an `attachment_id` too.
//!
//! Not emulated: attachment expiry (90 days), `reply_to` and reaction targets (any `mid` is
//! accepted), `user_ref`,
//! `comment_id` and other recipient forms, `notification_type`, media URL fetching and size
//! limits, the other templates (media, receipt, product, feedback, image grid), ice breakers
//! and the messenger profile, handover and `standby`, the 4/2 codes, policy codes (613/2018338,
//! 10/1893063), Instagram Login's `graph.instagram.com` host (the same paths work here), and
//! the webhook verification GET (that is the receiver's side).
//!
//! # The fake WhatsApp Web phone
//!
//! [`Emulator::web_driver`] is a [`FakeWebDriver`], a
//! [`switchboard_web_driver::WebDriver`] (`name()` `"emulator"`) whose sessions play a phone
//! and WhatsApp's server, offline and deterministic under [`EmulatorConfig::seed`] (one seeded
//! random source per channel: QR refs, pair codes, device numbers, LIDs, message ids,
//! generated media). A `start` with an empty key store pairs: `Qr` codes
//! (`2@<ref>,<noise pub>,<identity pub>,<adv secret>`, base64) valid
//! [`EmulatorConfig::web_qr_first_ms`] then [`EmulatorConfig::web_qr_next_ms`] each, at most
//! `max_qr_codes` clamped to 1–6, then `QrExhausted` (held off while a pair code is valid).
//! `request_pair_code` answers 8 characters of `123456789ABCDEFGHJKLMNPQRSTVWXYZ`, also sent as
//! `PairCode` (valid [`EmulatorConfig::web_pair_code_ms`]), only while pairing (else
//! `Rejected`). Pairing writes the device record (namespace `device`, key `""`, JSON with the
//! phone number and device number) and a few `identity`/`session`/`prekey` keys, then emits
//! `Paired{jid: "<phone>:<n>@s.whatsapp.net", lid: "<n>@lid", platform: "android"}` and
//! `Connected`. A `start` with the keys emits `Connected` at once; keys without the fake's
//! device record, or of a device the phone unlinked, get `LoggedOut{reason: "401"}`. A
//! second `start` of a channel whose session is connected makes the first one `Replaced`.
//!
//! `send` needs a connection (`NotConnected`), refuses a number matching
//! [`EmulatorConfig::undeliverable_suffix`] or [`EmulatorConfig::undeliverable_numbers`] and
//! a group not in [`EmulatorConfig::web_groups`] (empty: every `@g.us` group) with
//! `BadRecipient`, an empty text or file with `Rejected`; it records the message once per id
//! (a repeated id answers the first `Sent` again, as WhatsApp de-duplicates) and, except for
//! reactions, emits receipts at [`EmulatorConfig::status_delays`]: `Delivered`, then `Read`
//! (with [`EmulatorConfig::read_receipts`]) and `Played` for a voice note; in a group the
//! receipt names a member. Receipts due while reconnecting follow the next `Connected`.
//! `mark_read` records the ids; `download` returns the bytes of an injected media;
//! `logout` emits nothing and forgets the device (a start on its keys is logged out); `stop`
//! ends every background task, and no event follows it.
//!
//! Inbound messages are kept per channel until the receiver answers `Ok` on the batch's
//! `stored` (within [`EmulatorConfig::web_ack_timeout_ms`]); whatever is not acknowledged is
//! delivered again, as one batch, right after the next `Connected`.
//!
//! | route | effect |
//! |---|---|
//! | `GET /emulator/web/{channel_id}/state` | `{channel_id, state (connecting, pairing, connected, reconnecting, qr_exhausted, logged_out, replaced, banned, outdated, stopped), jid, lid, push_name, qr_number, qr_code, pair_code, pair_code_phone, pending_inbound, sent[{id, to, kind, text, quoted_id, media_size, at_ms}], read[ids], fail_reconnects, sessions_started}`; 404 for a channel never seen |
//! | `POST /emulator/web/{channel_id}/scan` | `{phone_number, push_name?}`: the phone scans the live QR code → `{jid, lid, push_name}`; 409 `no_qr_code` when none is live |
//! | `POST /emulator/web/{channel_id}/enter-code` | `{code, push_name?}` (dashes and case ignored): pairs the number the code was asked for; 400 `wrong_pair_code` / `pair_code_expired` (no event), 409 `no_pair_code` / `not_pairing` |
//! | `POST /emulator/web/{channel_id}/inbound` | a contact writes: `{from (phone or LID JID), group? (<id>@g.us: the chat, `from` the member), id? (default `3EB0` + 16 hex), type? (text, image, video, audio, voice, document, sticker, location, contacts, reaction; another name is delivered as unsupported), body, data_base64? (default 1 KiB of seeded bytes), mime_type, caption, filename, latitude, longitude, name, address, contacts[{display_name, vcard}] or vcard + display_name, message_id + emoji (reaction), quoted_id, push_name, sender_phone (of a LID), timestamp}` → 200 `{id, stored: true}` once stored; 503 `not_stored` on `Err` or timeout; 202 `{id, stored: false, queued: true}` when not connected (delivered at the next connect) |
//! | `POST /emulator/web/{channel_id}/disconnect` | `{clean?}`: `Disconnected`, then after [`EmulatorConfig::web_reconnect_ms`] `Connected` (409 `not_connected` unless connected) |
//! | `POST /emulator/web/{channel_id}/fail-reconnects` | `{count}`: the next `count` reconnect attempts fail, each with `Disconnected{clean: false}` |
//! | `POST /emulator/web/{channel_id}/logout` | the phone unlinks the device: `LoggedOut{reason: "device_removed"}` |
//! | `POST /emulator/web/{channel_id}/replace` / `outdated` | `Replaced` / `Outdated` |
//! | `POST /emulator/web/{channel_id}/ban` | `{expires_in_ms?, code?}`: `Banned` |
//!
//! Errors are `{"error": {"code", "message"}}`: 400 malformed, 404 `no_session` (no live
//! session for the channel) or `unknown_action`, 409 wrong state. The same actions run
//! in-process through [`FakeWebDriver::control`] and [`FakeWebDriver::state`]. These routes
//! are not recorded. The ending actions (`logout`, `replace`, `ban`, `outdated`) end the
//! session; a new `start` begins again.
//!
//! # WhatsApp Web bridge (a router of its own: [`web_bridge_router`])
//!
//! [`web_bridge_router`] serves any [`WebDriver`](switchboard_web_driver::WebDriver) (the
//! fake phone) to Switchboard nodes in other processes; their `RemoteWebDriver` (crate
//! `switchboard-connectors`) is the client. The protocol is
//! [`switchboard_web_driver::wire`]: JSON text frames, one WebSocket per session.
//!
//! | route | answer |
//! |---|---|
//! | `GET /emulator/web/{channel_id}/connect` | WebSocket upgrade (anything else: 4xx `{"error":{"message"}}`). The first frame is `start {id, channel_id, max_qr_codes}` (`channel_id` must be the URL's); the driver's session is then served: `request_pair_code`, `send`, `download`, `mark_read`, `logout`, `stop` → `answer {id, result}`; its events go out as `event` and `inbound {batch, messages}` (acknowledged by `inbound_stored`); its key store is the client's (`keys.get`, `keys.list`, `keys.write`, `keys.is_empty` → `keys.answer`). A frame that is not the protocol's closes the socket with 1002; a closed socket stops the session. |
//! | `GET /emulator/web/{channel_id}/connections` | [`ConnectionCounts`] `{live, max_concurrent, total}` of the channel's sockets since the router was built (zeros for an unknown channel) |

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
mod web;
mod web_bridge;
mod webhook;

pub use config::{
    BotConfig, EmulatorConfig, Faults, PageConfig, PagePlatform, PairRate, PhoneNumberConfig,
    RetryPolicy, ScriptedReply, StatusDelays,
};
pub use emulator::Emulator;
pub use error::EmulatorError;
pub use records::{RecordedRequest, SentMessage, WebhookDelivery};
pub use serve::serve;
pub use web::{FakeWebDriver, WebControlError};
pub use web_bridge::{web_bridge_router, ConnectionCounts};
