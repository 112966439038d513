//! The synchronous check of a template send: the template must exist on the channel in that
//! language, be sendable (APPROVED or a sendable quality status), and get the right number
//! and kinds of parameters per component. Answers Meta's 132000 / 132001 / 132005 / 132012 /
//! 132015 / 132016 at once.
//!
//! A template unknown locally (that name in that language) makes the channel sync once
//! (at most once per `miss_sync_interval_ms`), so templates that exist upstream but were
//! never synced work. When that sync cannot reach the upstream, the send is accepted
//! unchecked and the upstream checks it (fail open: an outage of the template list must
//! not stop sending).

use switchboard_core::channel::Channel;
use switchboard_core::message::Template;
use switchboard_core::template_def::{
    check_send_among, Category, TemplateSendError, TEMPLATE_NOT_FOUND,
};

use super::cache::{ChannelTemplates, MissSync};
use super::sync::sync_channel;
use super::TemplateParts;
use switchboard_store::StoreError;

/// Why a template send was refused.
#[derive(Debug, thiserror::Error)]
pub enum TemplateCheckError {
    /// Meta's template error.
    #[error(transparent)]
    Refused(TemplateSendError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check(list: &ChannelTemplates, send: &Template) -> Result<Category, TemplateSendError> {
    let candidates: Vec<_> = list.iter().map(|(d, s)| (d, *s)).collect();
    check_send_among(&candidates, send).map(|d| d.category())
}

fn known(list: &ChannelTemplates, send: &Template) -> bool {
    list.iter()
        .any(|(d, _)| d.name == send.name && d.language == send.language.code)
}

/// Checks `send` on `channel`; returns the template's category, or `None` when it could
/// not be checked (the upstream was unreachable for the sync of an unknown template).
pub async fn check_template_send(
    parts: &TemplateParts,
    channel: &Channel,
    send: &Template,
) -> Result<Option<Category>, TemplateCheckError> {
    let list = parts
        .templates
        .get(parts.store.as_ref(), channel.id)
        .await?;
    match check(&list, send) {
        Ok(category) => return Ok(Some(category)),
        Err(e) if e.code == TEMPLATE_NOT_FOUND && !known(&list, send) => {}
        Err(e) => return Err(TemplateCheckError::Refused(e)),
    }
    let outcome = parts
        .templates
        .sync_on_miss(channel.id, || async {
            match sync_channel(parts, channel).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(channel_id = %channel.id, error = %e, "template sync for a send failed; the upstream will check the template");
                    false
                }
            }
        })
        .await;
    if outcome == MissSync::Failed {
        return Ok(None);
    }
    let list = parts
        .templates
        .get(parts.store.as_ref(), channel.id)
        .await?;
    check(&list, send)
        .map(Some)
        .map_err(TemplateCheckError::Refused)
}
