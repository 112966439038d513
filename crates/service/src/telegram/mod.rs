//! Telegram inbound: each Bot API `Update` is translated into the Cloud webhook's canonical
//! value ([`translate`]) and recorded on the same path as WhatsApp's (events, history rows,
//! contacts, dedup by upstream id, media into the media store, the bot, webhooks); a callback
//! query is then answered with `answerCallbackQuery`.

pub mod polling;
pub mod translate;

use serde_json::Value;
use switchboard_core::channel::{Channel, ChannelSettings};
use switchboard_core::time::Millis;
use switchboard_store::StoreError;

use crate::inbound::InboundSummary;
use crate::media::inbound::{record_value_with_media, InboundParts};

/// Records one Telegram update for `channel`. Updates without a message, tap or reaction
/// (`my_chat_member`, edits, …) are counted as skipped.
pub async fn record_update(
    parts: &InboundParts,
    channel: &Channel,
    update: &Value,
    now: Millis,
) -> Result<InboundSummary, StoreError> {
    let Some(translated) = translate::update(parts.store.as_ref(), channel, update).await? else {
        return Ok(InboundSummary {
            skipped: 1,
            ..InboundSummary::default()
        });
    };
    let summary = record_value_with_media(parts, channel, translated.value, now).await?;
    if let Some(callback_id) = translated.callback_query_id {
        // Answered after the tap is stored, outside any transaction: a failure only leaves
        // the user's progress bar spinning until Telegram gives up.
        match parts.upstream.connector(channel) {
            Ok(c) => {
                if let Err(e) = c.answer_action(&callback_id).await {
                    tracing::warn!(channel_id = %channel.id, error = %e, "answerCallbackQuery failed");
                }
            }
            Err(e) => {
                tracing::warn!(channel_id = %channel.id, error = %e, "no connector to answer a callback query")
            }
        }
    }
    Ok(summary)
}

/// Points a telegram channel's updates at this server: `setWebhook` with `webhook_url` (the
/// public URL of `/webhooks/telegram/{channel_id}`) and the channel's secret for `inbound:
/// "webhook"`, `deleteWebhook` for polling. A refusal moves the channel to `error` with the
/// upstream's answer (as a failed send would) and is returned.
pub async fn connect_inbound(
    store: &dyn switchboard_store::Store,
    upstream: &crate::upstream::Upstream,
    channel: &Channel,
    webhook_url: &str,
) -> Result<(), switchboard_connectors::ConnectorError> {
    use switchboard_core::channel::TelegramInbound;
    let ChannelSettings::Telegram(s) = &channel.settings else {
        return Ok(());
    };
    let url = (s.inbound == TelegramInbound::Webhook).then_some(webhook_url);
    let result = match upstream.connector(channel) {
        Ok(c) => c.connect_inbound(url).await,
        Err(e) => Err(e),
    };
    if let Err(e) = &result {
        let error = crate::dispatch::error_json(e);
        if let Err(store_error) = crate::channels::record_upstream_outcome(
            store,
            channel.id,
            channel.state.status,
            Some(error),
        )
        .await
        {
            tracing::warn!(channel_id = %channel.id, error = %store_error, "recording the channel's status failed");
        }
    }
    result
}
