//! The JSON sends: `message` (text, uploaded attachments, location, a saved contact),
//! `message/button`, `message/contact`, `message/list`, `message/MediaButton` and the
//! deprecated `sendText`, each translated by `switchboard_core::wabot` into Cloud API
//! messages and sent through the native send (stored durably, then dispatched on the
//! instance's session). WhatsApp Web carries no business buttons or lists: buttons go as
//! numbered text (URL and call buttons as `title: link` lines) and lists as the native text
//! fallback; the answer records what was asked (`buttonsMessage`, `listMessage`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Map, Value};
use switchboard_core::channel::Channel;
use switchboard_core::id::{ContactId, MediaId};
use switchboard_core::onemsg_send::file_message;
use switchboard_core::time::now_millis;
use switchboard_core::wabot::{
    c_us, chat_address, list_message, location_message, media_message_key, sent_message,
    text_message, text_of, ButtonData, Card,
};
use switchboard_service::send::{send_offering, SendError, SendParts};
use switchboard_store::contacts::ContactKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{answer, instance, key, request_fields, respond, WabotAnswer, WabotError};
use crate::access::CanSend;
use crate::auth::{KeyPrincipal, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// The send routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_message))
        .routes(routes!(send_button))
        .routes(routes!(send_contact))
        .routes(routes!(send_list))
        .routes(routes!(send_media_button))
        .routes(routes!(send_text))
        .routes(routes!(send_text_short))
}

type Body = Result<Bytes, BytesRejection>;

/// The answer's `message` of the sends.
pub(super) const SENT: &str = "Message sent successfully";

/// A message the native send accepted.
pub(super) struct Sent {
    /// Our id (`msg_…`).
    pub id: String,
    /// The recipient's address.
    pub address: String,
    /// When, in Unix seconds.
    pub at_secs: i64,
}

impl Sent {
    /// The session's message answered for it.
    pub fn answer(&self, message: Value) -> Value {
        sent_message(&self.address, &self.id, message, self.at_secs)
    }
}

fn send_error(e: SendError) -> ApiError {
    let refused = |code, message| ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message,
    };
    match e {
        SendError::Invalid(e) => {
            let details = if e.path.is_empty() || e.details.starts_with(&e.path) {
                e.details
            } else {
                format!("{}: {}", e.path, e.details)
            };
            ApiError::invalid(details)
        }
        SendError::WindowClosed { address, .. } => refused(
            "window_closed",
            format!("{address} has not written to you in the last 24 hours"),
        ),
        e @ SendError::Unsupported { .. } => refused("unsupported_message_kind", e.to_string()),
        e @ SendError::Schedule(_) => ApiError::invalid(e.to_string()),
        SendError::KeyReused => refused(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request".into(),
        ),
        SendError::Store(e) => ApiError::internal("storing a message", e),
    }
}

/// Sends the Cloud API `message` on the instance's channel.
pub(super) async fn deliver(
    state: &AppState,
    channel: &Channel,
    message: &Value,
) -> Result<Sent, ApiError> {
    deliver_offering(state, channel, message, None).await
}

/// [`deliver`] of a message offering numbered options (`offered`): a customer's answer by
/// number or title comes back as the button reply it stands for.
pub(super) async fn deliver_offering(
    state: &AppState,
    channel: &Channel,
    message: &Value,
    offered: Option<Value>,
) -> Result<Sent, ApiError> {
    let now = now_millis();
    let answer = send_offering(
        &SendParts::from(&state.gateway),
        channel,
        message,
        None,
        offered,
        now,
    )
    .await
    .map_err(send_error)?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Ok(Sent {
        id: text(&answer.body["messages"][0]["id"]),
        address: message["to"].as_str().unwrap_or_default().to_string(),
        at_secs: now / 1000,
    })
}

/// The checked instance of a send and its body fields.
async fn sending(
    state: &AppState,
    principal: Result<Principal, ApiError>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(KeyPrincipal, Channel, Map<String, Value>), ApiError> {
    let key = key::<CanSend>(principal)?;
    let (body, query) = request_fields(uri, headers, body)?;
    let (channel, _) = instance(state, &key, &body, &query).await?;
    Ok((key, channel, body))
}

/// The recipient of `field`.
pub(super) fn recipient(fields: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    chat_address(field, fields.get(field).unwrap_or(&Value::Null)).map_err(ApiError::invalid)
}

/// A contact of the account (`ct_…`) as a card.
async fn saved_card(state: &AppState, key: &KeyPrincipal, id: &str) -> Result<Card, ApiError> {
    let missing = || {
        ApiError::invalid(format!(
            "contactId: `{id}` is not a contact of your account; give a contact id (ct_…) from /v1/contacts"
        ))
    };
    let contact_id: ContactId = id.parse().map_err(|_| missing())?;
    let contact = state
        .store()
        .find_contact(key.account_id, &ContactKey::Id(contact_id))
        .await
        .map_err(|e| ApiError::internal("reading a contact", e))?
        .ok_or_else(missing)?;
    let name = contact
        .name
        .clone()
        .unwrap_or_else(|| contact.wa_id.clone());
    Ok(Card {
        full_name: name.clone(),
        display_name: name,
        organization: None,
        phone: contact.wa_id,
    })
}

/// Sends a text (`message`), uploaded files (`attachments`: media ids from `POST
/// /v1/media`, each sent as its kind), a `location` and a saved contact (`contactId`, a
/// contact id) to `chatId`, in that order; at least one of them. Everything is checked
/// before the first is sent.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message", tag = "compat-wabot",
    request_body(content = Object, description = "`session_id`, `access_token`, `chatId`, `message`, `attachments[]`, `location{name, lat, lng}`, `contactId`"),
    params(("session_id" = Option<String>, Query, description = "The instance (or in the body)"),
           ("access_token" = Option<String>, Query, description = "Its token (or in the body)")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "`data{message, attachment, contact{contactMessage}, image, buttons, location{locationMessage}}`; Switchboard adds `sent[]`, the session messages with their ids"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError), (status = 422, body = WabotError)))]
async fn send_message(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let (key, channel, fields) = sending(&state, principal, &uri, &headers, body).await?;
            let to = recipient(&fields, "chatId")?;
            let text = text_of(&fields, "message");
            let ids: Vec<String> = match fields.get("attachments") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(list)) => list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            ApiError::invalid(format!("attachments[{i}]: must be a media id (med_…)"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(ApiError::invalid("attachments: must be a list of media ids")),
            };
            let mut attachments = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                let missing = || {
                    ApiError::invalid(format!(
                        "attachments[{i}]: `{id}` is not a file of your account; upload it with POST /v1/media and give its id"
                    ))
                };
                let media_id: MediaId = id.parse().map_err(|_| missing())?;
                let media = state
                    .store()
                    .get_media(key.account_id, media_id)
                    .await
                    .map_err(|e| ApiError::internal("reading a file", e))?
                    .ok_or_else(missing)?;
                let message = file_message(
                    media.kind.as_str(),
                    &media.id.to_string(),
                    media.filename.as_deref(),
                    None,
                    &to,
                    None,
                )
                .map_err(|e| ApiError::invalid(e.to_string()))?;
                attachments.push((media, message));
            }
            let location = match fields.get("location") {
                None | Some(Value::Null) => None,
                Some(l) => Some(location_message(&to, l).map_err(ApiError::invalid)?),
            };
            let card = match text_of(&fields, "contactId") {
                None => None,
                Some(id) => Some(saved_card(&state, &key, &id).await?),
            };
            if text.is_none() && attachments.is_empty() && location.is_none() && card.is_none() {
                return Err(ApiError::invalid(
                    "message: give a message text, attachments, a location or a contactId",
                ));
            }
            let mut sent = Vec::new();
            let mut data = json!({"message": {}, "attachment": ids, "contact": {}, "image": {},
                "buttons": {}, "location": {}});
            if let Some(text) = &text {
                let s = deliver(&state, &channel, &text_message(&to, text)).await?;
                data["message"] = s.answer(json!({"conversation": text}));
                sent.push(data["message"].clone());
            }
            for (media, message) in &attachments {
                let s = deliver(&state, &channel, message).await?;
                let m = json!({ media_message_key(media.kind.as_str()): {
                    "mimetype": media.mime_type, "fileLength": media.size.to_string(),
                    "fileName": media.filename, "mediaId": media.id.to_string()}});
                if media.kind.as_str() == "image" {
                    data["image"] = m.clone();
                }
                sent.push(s.answer(m));
            }
            if let Some(card) = &card {
                let s = deliver(&state, &channel, &card.message(&to)).await?;
                data["contact"] = card.session_message();
                sent.push(s.answer(card.session_message()));
            }
            if let Some((message, session)) = location {
                let s = deliver(&state, &channel, &message).await?;
                data["location"] = session.clone();
                sent.push(s.answer(session));
            }
            data["sent"] = Value::Array(sent);
            Ok(answer(SENT, data))
        }
        .await,
    )
}

/// Sends a message with reply, URL and call buttons (`btndata{text, buttons[{type, title,
/// payload}], footerText}`, up to three). A WhatsApp Web session carries no business
/// buttons: it goes as text, reply buttons as numbered options, URL and call buttons as
/// `title: link` lines; the answer's `buttonsMessage` records the buttons.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/button", tag = "compat-wabot",
    request_body(content = Object, description = "`chatId`, `btndata{text, buttons[{type: replyButton|urlButton|callButton, title, payload}], footerText}`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message: `key{remoteJid, fromMe, id}`, `status: PENDING`, `message{buttonsMessage}`, `messageTimestamp`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn send_button(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let (_, channel, fields) = sending(&state, principal, &uri, &headers, body).await?;
            let to = recipient(&fields, "chatId")?;
            let data = ButtonData::read(fields.get("btndata").unwrap_or(&Value::Null), false)
                .map_err(ApiError::invalid)?;
            let s = deliver_offering(
                &state,
                &channel,
                &text_message(&to, &data.as_text()),
                data.choices(),
            )
            .await?;
            Ok(answer(SENT, s.answer(data.session_message())))
        }
        .await,
    )
}

/// Sends a contact card (`vcard{fullName, displayName, organization, phoneNumber}`).
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/contact", tag = "compat-wabot",
    request_body(content = Object, description = "`chatId`, `vcard{fullName, displayName, organization, phoneNumber}`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message with `message{contactMessage{displayName, vcard}}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn send_contact(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let (_, channel, fields) = sending(&state, principal, &uri, &headers, body).await?;
            let to = recipient(&fields, "chatId")?;
            let card = Card::read(fields.get("vcard").unwrap_or(&Value::Null))
                .map_err(ApiError::invalid)?;
            let s = deliver(&state, &channel, &card.message(&to)).await?;
            Ok(answer(SENT, s.answer(card.session_message())))
        }
        .await,
    )
}

/// Sends a list (`msgdata{buttonText, text, title, description, sections[{title,
/// rows[{title, description, rowId}]}], listType}`); on a WhatsApp Web session it goes as
/// text with the rows numbered (the native `"fallback": "text"`).
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/list", tag = "compat-wabot",
    request_body(content = Object, description = "`chatId`, `msgdata{buttonText, text, title, description, sections, listType}`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message with `message{listMessage}`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn send_list(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let (_, channel, fields) = sending(&state, principal, &uri, &headers, body).await?;
            let to = recipient(&fields, "chatId")?;
            let (message, session) =
                list_message(&to, fields.get("msgdata").unwrap_or(&Value::Null))
                    .map_err(ApiError::invalid)?;
            let s = deliver(&state, &channel, &message).await?;
            Ok(answer(SENT, s.answer(session)))
        }
        .await,
    )
}

/// Sends a file from a link (`btndata.image`, of `mediaType` image, video or document) with
/// the buttons as its caption (numbered, as `message/button`).
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/MediaButton", tag = "compat-wabot",
    request_body(content = Object, description = "`chatId`, `btndata{text, buttons, footerText, image (a link), mediaType, mimeType}`"),
    params(("session_id" = String, Query, description = "The instance"),
           ("access_token" = String, Query, description = "Its token")),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "The session's message with `message{<kind>Message, buttonsMessage}`"),
        (status = 400, body = WabotError, description = "Also a link that cannot be fetched"), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn send_media_button(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        async {
            let (_, channel, fields) = sending(&state, principal, &uri, &headers, body).await?;
            let to = recipient(&fields, "chatId")?;
            let data = ButtonData::read(fields.get("btndata").unwrap_or(&Value::Null), true)
                .map_err(ApiError::invalid)?;
            let link = data.media_url.clone().unwrap_or_default();
            let kind = data.media_type.clone().unwrap_or_else(|| "image".into());
            let (sent, media) = super::media::send_link(
                &state,
                &channel,
                &to,
                &link,
                &kind,
                super::media::FileText {
                    caption: Some(&data.as_text()),
                    filename: None,
                    offered: data.choices(),
                },
            )
            .await?;
            let mut message = super::media::media_message(&media, Some(&data.as_text()));
            message["buttonsMessage"] = data.session_message()["buttonsMessage"].clone();
            Ok(answer(SENT, sent.answer(message)))
        }
        .await,
    )
}

async fn text_only(
    state: &AppState,
    principal: Result<Principal, ApiError>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (_, channel, fields) = sending(state, principal, uri, headers, body).await?;
    let to = recipient(&fields, "to")?;
    let text = text_of(&fields, "message")
        .ok_or_else(|| ApiError::invalid("message: is required; give the text"))?;
    let s = deliver(state, &channel, &text_message(&to, &text)).await?;
    Ok(answer(
        SENT,
        Value::String(format!("true_{}_{}", c_us(&to), s.id)),
    ))
}

/// Deprecated: sends a text (`to`, `message`); answers `"true_<number>@c.us_<id>"`.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/message/sendText", tag = "compat-wabot",
    request_body(content = Object, description = "`session_id`, `access_token`, `to`, `message`"),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "`data`: `true_<number>@c.us_<message id>`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn send_text(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(text_only(&state, principal, &uri, &headers, body).await)
}

/// Deprecated: `message/sendText` at the address the platform's sample calls.
#[utoipa::path(post, path = "/compat/wabot/whatsapp/sendText", tag = "compat-wabot",
    request_body(content = Object, description = "`session_id`, `access_token`, `to`, `message`"),
    security(("bearer" = [])),
    responses((status = 200, body = WabotAnswer, description = "`data`: `true_<number>@c.us_<message id>`"),
        (status = 400, body = WabotError), (status = 401, body = WabotError), (status = 404, body = WabotError)))]
async fn send_text_short(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(text_only(&state, principal, &uri, &headers, body).await)
}
