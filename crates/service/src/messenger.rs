//! Messenger and Instagram inbound: a verified webhook body is translated into the Cloud
//! webhook's canonical value
//! ([`switchboard_connectors::messenger::translate`]) and recorded on the same path as
//! WhatsApp's (events, history rows, contacts, dedup by upstream id, media into the media
//! store, the bot, webhooks); Messenger's delivery and read watermarks then move every earlier
//! outbound message of the user's chat.
//!
//! A watermark covers the messages of the chat accepted at or before it that have been sent
//! (our accept time comes before the upstream's send time, so nothing the user has seen is
//! missed); a message still queued when the user read the chat and sent in the instant before
//! the watermark arrives would be counted too.

use serde_json::Value;
use switchboard_connectors::messenger::{self, Watermark};
use switchboard_core::channel::capability::Receipt;
use switchboard_core::channel::{Channel, ChannelSettings};
use switchboard_core::cloud_webhook::{ChangeValue, WebhookPayload};
use switchboard_core::record::StatusReport;
use switchboard_core::status::MessageStatus;
use switchboard_core::time::Millis;
use switchboard_store::messages::StatusOutcome;
use switchboard_store::StoreError;

use crate::inbound::InboundSummary;
use crate::media::inbound::{record_value_with_media, InboundParts};

/// Messages moved per store read while applying a watermark.
const WATERMARK_PAGE: u32 = 500;
/// Store reads per watermark, so one webhook's work is bounded (20 × 500 messages).
const WATERMARK_PAGES: usize = 20;

/// The webhook credentials of a Messenger or Instagram channel.
#[derive(Debug, Clone, Copy)]
pub struct PageWebhook<'a> {
    /// The business's id in webhooks (`entry.id`): the Page id or the IG account id.
    pub account_id: &'a str,
    /// The app secret that signs the bodies.
    pub app_secret: &'a str,
    /// The verification handshake's token.
    pub verify_token: &'a str,
}

/// The webhook credentials of `channel`, if it is a Messenger or Instagram channel.
pub fn page_webhook(channel: &Channel) -> Option<PageWebhook<'_>> {
    match &channel.settings {
        ChannelSettings::Messenger(s) => Some(PageWebhook {
            account_id: &s.page_id,
            app_secret: &s.app_secret,
            verify_token: &s.verify_token,
        }),
        ChannelSettings::Instagram(s) => Some(PageWebhook {
            account_id: &s.ig_account_id,
            app_secret: &s.app_secret,
            verify_token: &s.verify_token,
        }),
        _ => None,
    }
}

/// Why a webhook body was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum PageInboundError {
    /// The body is not a Messenger or Instagram webhook.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records one verified Messenger or Instagram webhook body for `channel`. Entries for
/// another Page or account are skipped.
pub async fn record_webhook(
    parts: &InboundParts,
    channel: &Channel,
    body: &Value,
    now: Millis,
) -> Result<InboundSummary, PageInboundError> {
    let Some(hook) = page_webhook(channel) else {
        return Ok(InboundSummary::default());
    };
    let translated =
        messenger::translate(body).map_err(|e| PageInboundError::Invalid(e.to_string()))?;
    let payload: WebhookPayload = serde_json::from_value(translated.payload)
        .map_err(|e| PageInboundError::Invalid(format!("untranslatable webhook: {e}")))?;
    let mut summary = InboundSummary {
        skipped: translated.skipped,
        ..InboundSummary::default()
    };
    for entry in payload.entry {
        for change in entry.changes {
            match change.value {
                ChangeValue::Messages(value)
                    if value.metadata.phone_number_id == hook.account_id =>
                {
                    let got = record_value_with_media(parts, channel, *value, now).await?;
                    summary.messages += got.messages;
                    summary.duplicates += got.duplicates;
                    summary.statuses += got.statuses;
                    summary.pending_statuses += got.pending_statuses;
                }
                _ => {
                    tracing::warn!(channel_id = %channel.id, entry = %entry.id, "webhook entry for another account ignored");
                    summary.skipped += 1;
                }
            }
        }
    }
    for mark in translated
        .watermarks
        .iter()
        .filter(|m| m.account_id == hook.account_id)
    {
        summary.statuses += apply_watermark(parts, channel, mark, now).await?;
    }
    Ok(summary)
}

/// Moves every sent message of the watermark's chat it covers to its receipt; returns how
/// many moved.
async fn apply_watermark(
    parts: &InboundParts,
    channel: &Channel,
    mark: &Watermark,
    now: Millis,
) -> Result<usize, StoreError> {
    let status = match mark.receipt {
        Receipt::Sent => return Ok(0),
        Receipt::Delivered => MessageStatus::Delivered,
        Receipt::Read => MessageStatus::Read,
    };
    let mut moved = 0;
    for _ in 0..WATERMARK_PAGES {
        let covered = parts
            .store
            .below_watermark(
                channel.id,
                &mark.user,
                status,
                mark.watermark_ms,
                WATERMARK_PAGE,
            )
            .await?;
        let full = covered.len() == WATERMARK_PAGE as usize;
        for message in covered {
            let Some(upstream_id) = message.upstream_id else {
                continue;
            };
            let report = StatusReport {
                channel_id: channel.id,
                upstream_id,
                status,
                at: mark.watermark_ms,
                error: None,
                upstream: None,
            };
            if let StatusOutcome::Applied(_) = parts.store.apply_status(&report, now).await? {
                moved += 1;
            }
        }
        if !full {
            return Ok(moved);
        }
    }
    tracing::warn!(channel_id = %channel.id, "watermark covers more messages than one webhook applies; the next receipt moves the rest");
    Ok(moved)
}
