//! The 1msg send methods under `/compat/1msg/{channel_id}/`: each body (JSON or
//! form-encoded; multipart for `sendFile` and `uploadMedia`) translated by
//! `switchboard_core::onemsg_send` into a Cloud API message and sent through the native send
//! (its validation, 24-hour window, `Idempotency-Key`, outbox, statuses and events). Every send
//! answers `{sent: true, id, message: "Sent to …@c.us", description}`; a refusal is
//! `{error, code, sent: false}`.

mod file;
mod reply;
mod schema;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use switchboard_core::onemsg_send::SendMethod;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{OneMsgChannel, OneMsgError, SentAnswer};
use crate::access::CanSend;
use crate::routes::media::UPLOAD_BODY_LIMIT;
use crate::state::AppState;
use reply::send_fields;
use schema::{
    OneMsgSendButtonsBody, OneMsgSendContactBody, OneMsgSendFileBody, OneMsgSendListBody,
    OneMsgSendLocationBody, OneMsgSendLocationRequestBody, OneMsgSendMessageBody,
    OneMsgSendProductBody, OneMsgSendReactionBody, OneMsgSendTemplateBody, OneMsgUploadAnswer,
    OneMsgUploadMediaBody,
};

/// The send routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(send_file))
        .routes(routes!(upload_media))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(send_message))
        .routes(routes!(send_location))
        .routes(routes!(send_contact))
        .routes(routes!(send_list))
        .routes(routes!(send_buttons))
        .routes(routes!(send_location_request))
        .routes(routes!(send_reaction))
        .routes(routes!(send_template))
        .routes(routes!(send_product))
}

type Channel = OneMsgChannel<CanSend>;
type Body = Result<Bytes, BytesRejection>;

/// Sends a text (`body`; `quotedMsgId` quotes a message). Only inside the customer's 24-hour
/// window (422 `window_closed` otherwise: use `sendTemplate`). Send an `Idempotency-Key`
/// header to make retries safe.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendMessage", tag = "compat-1msg",
    request_body(content((OneMsgSendMessageBody = "application/json"), (OneMsgSendMessageBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SentAnswer, description = "Stored durably and dispatched; statuses follow in the history and webhooks"),
        (status = 400, body = OneMsgError, description = "A missing or invalid field (`invalid_parameter`), or an unreadable body (`invalid_body`)"),
        (status = 403, body = OneMsgError, description = "The key cannot send"),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 422, body = OneMsgError, description = "`window_closed` (use sendTemplate), `unsupported_message_kind`, `idempotency_key_reused`"),
    ))]
async fn send_message(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::Message,
        &headers,
        body,
    )
    .await
}

/// Sends a file: `body` as an http(s) link (fetched) or a data URI
/// (`data:image/jpeg;base64,…`), or the multipart field `file`; with `filename` and `caption`.
/// Its bytes decide how it is sent: image (JPEG, PNG), video, audio, sticker (WebP) or
/// document (PDF, Office, text), within WhatsApp's limits per kind.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendFile", tag = "compat-1msg",
    request_body(content((OneMsgSendFileBody = "application/json"), (OneMsgSendFileBody = "application/x-www-form-urlencoded"), (OneMsgSendFileBody = "multipart/form-data"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SentAnswer, description = "Stored durably and dispatched"),
        (status = 400, body = OneMsgError, description = "A missing or invalid field, a link that cannot be fetched (`url_fetch_failed`, `url_not_allowed`), a file whose type contradicts its declaration"),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 413, body = OneMsgError, description = "Over WhatsApp's size limit for the kind (`media_too_large`)"),
        (status = 415, body = OneMsgError, description = "A type WhatsApp does not carry (`media_type_not_allowed`)"),
        (status = 422, body = OneMsgError, description = "`window_closed` (use sendTemplate)"),
    ))]
async fn send_file(State(state): State<AppState>, channel: Channel, request: Request) -> Response {
    file::send_file(&state, channel.channel(), request).await
}

/// Sends a location (`lat`, `lng`, `name`, `address`).
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendLocation", tag = "compat-1msg",
    request_body(content((OneMsgSendLocationBody = "application/json"), (OneMsgSendLocationBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_location(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::Location,
        &headers,
        body,
    )
    .await
}

/// Sends contact cards (`contacts`, as WhatsApp defines them).
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendContact", tag = "compat-1msg",
    request_body(content((OneMsgSendContactBody = "application/json"), (OneMsgSendContactBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_contact(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::Contact,
        &headers,
        body,
    )
    .await
}

/// Sends an interactive list: `body`, `action` (the button's label), `sections` of rows,
/// optional `header` and `footer`.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendList", tag = "compat-1msg",
    request_body(content((OneMsgSendListBody = "application/json"), (OneMsgSendListBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_list(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(&state, channel.channel(), SendMethod::List, &headers, body).await
}

/// Sends up to three reply buttons (`sections` of `{type: "reply", reply: {id, title}}`), with
/// `body`, optional `header` (text or media) and `footer`. Spaces around keys are ignored.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendButtons", tag = "compat-1msg",
    request_body(content((OneMsgSendButtonsBody = "application/json"), (OneMsgSendButtonsBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_buttons(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::Buttons,
        &headers,
        body,
    )
    .await
}

/// Sends a text with a "Send location" button (`body`).
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendLocationRequest", tag = "compat-1msg",
    request_body(content((OneMsgSendLocationRequestBody = "application/json"), (OneMsgSendLocationRequestBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_location_request(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::LocationRequest,
        &headers,
        body,
    )
    .await
}

/// Reacts to `quotedMsgId` with the emoji in `body` (an empty `body` removes the reaction).
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendReaction", tag = "compat-1msg",
    request_body(content((OneMsgSendReactionBody = "application/x-www-form-urlencoded"), (OneMsgSendReactionBody = "application/json"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_reaction(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::Reaction,
        &headers,
        body,
    )
    .await
}

/// Sends an approved template (`template`, `language`, `params` as the components' values,
/// including carousel `cards` and the catalog button); allowed outside the 24-hour window.
/// `namespace` is ignored. The values are checked against the template at once.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendTemplate", tag = "compat-1msg",
    request_body(content((OneMsgSendTemplateBody = "application/json"), (OneMsgSendTemplateBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError, description = "Unknown or unapproved template, or values that do not match it"), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_template(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::Template,
        &headers,
        body,
    )
    .await
}

/// Sends one product (`action.product_retailer_id`) or a product list (`action.sections`,
/// with `header` and `body`) of a catalog.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/sendProduct", tag = "compat-1msg",
    request_body(content((OneMsgSendProductBody = "application/json"), (OneMsgSendProductBody = "application/x-www-form-urlencoded"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first answer")),
    security(("bearer" = [])),
    responses((status = 200, body = SentAnswer), (status = 400, body = OneMsgError), (status = 404, body = OneMsgError), (status = 422, body = OneMsgError)))]
async fn send_product(
    State(state): State<AppState>,
    channel: Channel,
    headers: HeaderMap,
    body: Body,
) -> Response {
    send_fields(
        &state,
        channel.channel(),
        SendMethod::Product,
        &headers,
        body,
    )
    .await
}

/// Stores a file in the media store (`body` as an http(s) link or a data URI, or the
/// multipart field `file`); answers `{mediaId}` for `sendTemplate`'s media parameters
/// (`{"id": …}`) or the native API.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/uploadMedia", tag = "compat-1msg",
    request_body(content((OneMsgUploadMediaBody = "application/json"), (OneMsgUploadMediaBody = "application/x-www-form-urlencoded"), (OneMsgUploadMediaBody = "multipart/form-data"))),
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key with send permission")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OneMsgUploadAnswer, description = "Stored durably"),
        (status = 400, body = OneMsgError, description = "No file, a link that cannot be fetched, a bad data URI"),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 413, body = OneMsgError, description = "Over WhatsApp's size limit for the kind (`media_too_large`)"),
        (status = 415, body = OneMsgError, description = "A type WhatsApp does not carry"),
    ))]
async fn upload_media(
    State(state): State<AppState>,
    channel: Channel,
    request: Request,
) -> Response {
    file::upload_media(&state, channel.channel(), request).await
}
