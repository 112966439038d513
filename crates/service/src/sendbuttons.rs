//! The Send Buttons service's `sendButtons`, translated onto the native send: `from` names
//! one of the account's WhatsApp channels, the header file is linked (or, with
//! `localStorage`, fetched into the media store through the private-network guard and our
//! copy sent), and the message goes through [`crate::send::send`] like any other (its
//! validation, window, outbox, statuses and events).

use serde_json::{json, Value};
use switchboard_core::channel::Channel;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::media::MediaSource;
use switchboard_core::sendbuttons::{minutes_left, HeaderMedia, Reason, Refusal, SendButtons};
use switchboard_core::template_def::media_rules::MediaKind;
use switchboard_core::time::{parse_rfc3339, Millis};

use crate::channels::by_number::whatsapp_channel;
use crate::media::fetch::fetch;
use crate::media::ingest::{ingest, IngestRequest};
use crate::media::{manage, Media, MediaError};
use crate::send::{send, SendError, SendParts};
use crate::webhooks::payload::display_number;

/// A request the native send accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The message id (`msg_…`), the answer's `unique`.
    pub unique: String,
    /// The channel's WhatsApp number, the answer's `from`.
    pub from: String,
    /// The recipient as WhatsApp reads it, the answer's `to`.
    pub to: String,
    /// Minutes left in the customer's 24-hour window.
    pub template_time_left: i64,
}

fn temporary(what: &str, e: impl std::fmt::Display) -> Refusal {
    tracing::warn!(error = %e, "sendButtons: {what} failed");
    Refusal::new(
        Reason::Temporary,
        format!("{what} failed on our side; try again"),
    )
}

/// The account's WhatsApp channel that `from` names (only `scope` for a key limited to one).
async fn channel_from(
    parts: &SendParts,
    account: AccountId,
    scope: Option<ChannelId>,
    from: &str,
) -> Result<Channel, Refusal> {
    whatsapp_channel(parts.store.as_ref(), account, scope, from)
        .await
        .map_err(|e| temporary("reading the channels", e))?
        .ok_or_else(|| Refusal::new(
            Reason::UnknownFrom,
            format!("from: `{from}` is not a WhatsApp number of your account; give one of your channels' numbers (display_phone_number) or a channel id (ch_…)"),
        ))
}

fn media_refusal(e: MediaError) -> Refusal {
    match e {
        MediaError::UrlRefused(m) | MediaError::Fetch(m) | MediaError::Source(m) => {
            Refusal::new(Reason::MediaUnreachable, format!("headerURL: {m}"))
        }
        MediaError::Rule(e) => Refusal::new(Reason::MediaRefused, format!("headerURL: {e}")),
        MediaError::Mismatch(m) | MediaError::Invalid(m) => {
            Refusal::new(Reason::MediaRefused, format!("headerURL: {m}"))
        }
        other => temporary("storing the header file", other),
    }
}

/// Fetches `url` into the media store as the header `kind`; returns our media id.
async fn store_header(
    parts: &SendParts,
    media: &Media,
    channel: &Channel,
    kind: HeaderMedia,
    url: &str,
) -> Result<String, Refusal> {
    let media_kind = match kind {
        HeaderMedia::Image => MediaKind::Image,
        HeaderMedia::Video => MediaKind::Video,
        HeaderMedia::Document => MediaKind::Document,
    };
    let fetched = fetch(
        &media.fetch_client,
        url,
        media.settings.allow_private_targets,
        media_kind.max_bytes(),
    )
    .await
    .map_err(media_refusal)?;
    let request = IngestRequest {
        account_id: channel.account_id,
        channel_id: Some(channel.id),
        kind: Some(media_kind),
        declared_mime: None,
        filename: fetched.filename,
        source: MediaSource::Upload,
        upstream_id: None,
    };
    let record = ingest(parts.store.as_ref(), media, request, fetched.stream)
        .await
        .map_err(media_refusal)?;
    if !kind.mimes().contains(&record.mime_type.as_str()) {
        manage::discard(parts.store.as_ref(), media, &record).await;
        return Err(Refusal::new(
            Reason::MediaRefused,
            format!(
                "headerURL: the file is {}; {}",
                record.mime_type,
                kind.rule()
            ),
        ));
    }
    Ok(record.id.to_string())
}

fn send_refusal(e: SendError) -> Refusal {
    match e {
        SendError::Invalid(e) if e.path == "to" => Refusal::new(
            Reason::InvalidNumber,
            format!("to: not a valid WhatsApp number ({}); give it international, without +", e.details),
        ),
        SendError::Invalid(e) => Refusal::new(Reason::InvalidParameter, e.details),
        SendError::WindowClosed { address, .. } => Refusal::new(
            Reason::WindowClosed,
            format!("{address} has not written to you in the last 24 hours: only a template message can reach them until they write again; use Send Template Message"),
        ),
        e @ SendError::Unsupported { .. } => Refusal::new(Reason::InvalidParameter, e.to_string()),
        e @ (SendError::Schedule(_) | SendError::KeyReused) => {
            Refusal::new(Reason::InvalidParameter, e.to_string())
        }
        SendError::Store(e) => temporary("storing the message", e),
    }
}

/// Sends `request` for `account` (a key limited to `scope` sees only that channel).
pub async fn send_buttons(
    parts: &SendParts,
    media: &Media,
    account: AccountId,
    scope: Option<ChannelId>,
    request: &SendButtons,
    now: Millis,
) -> Result<Sent, Refusal> {
    let channel = channel_from(parts, account, scope, &request.from).await?;
    // Checked before any file is fetched: a phone or e-mail button fails as it is.
    request.message(None)?;
    let header = match &request.header_media {
        None => None,
        Some((kind, url)) if request.local_storage && request.external.is_none() => {
            let id = store_header(parts, media, &channel, *kind, url).await?;
            Some(json!({ "id": id }))
        }
        Some((_, url)) => Some(json!({ "link": url })),
    };
    let message = request.message(header)?;
    let answer = send(parts, &channel, &message, None, now)
        .await
        .map_err(send_refusal)?;
    let body = &answer.body;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let expires = body["window_expires_at"].as_str().and_then(parse_rfc3339);
    Ok(Sent {
        unique: text(&body["messages"][0]["id"]),
        from: display_number(&channel),
        to: text(&body["contacts"][0]["wa_id"]),
        template_time_left: minutes_left(expires, now),
    })
}
