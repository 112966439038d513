//! Marking an inbound message as read, as Meta does it: by our id or the upstream id.

use switchboard_connectors::ConnectorError;
use switchboard_core::channel::Channel;
use switchboard_core::id::MessageId;
use switchboard_core::record::MessageRecord;
use switchboard_core::status::Direction;
use switchboard_core::time::Millis;
use switchboard_store::{Store, StoreError};

use crate::upstream::Upstream;

/// Why marking as read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No inbound message of this channel has that id.
    #[error("no inbound message `{0}` on this channel")]
    UnknownMessage(String),
    /// The upstream refused or failed.
    #[error(transparent)]
    Upstream(ConnectorError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Marks inbound message `message_id` (our `msg_…` id or the upstream `wamid.…`) as read.
pub async fn mark_read(
    store: &dyn Store,
    upstream: &Upstream,
    channel: &Channel,
    message_id: &str,
    typing_indicator: bool,
    now: Millis,
) -> Result<MessageRecord, ReadError> {
    let unknown = || ReadError::UnknownMessage(message_id.to_string());
    let found = match message_id.parse::<MessageId>() {
        Ok(id) => store
            .get_message(channel.account_id, id)
            .await?
            .map(|(m, _)| m)
            .filter(|m| m.channel_id == channel.id),
        Err(_) => store.find_by_upstream(channel.id, message_id).await?,
    };
    let message = found
        .filter(|m| m.direction == Direction::Inbound)
        .ok_or_else(unknown)?;
    let upstream_id = message.upstream_id.clone().ok_or_else(unknown)?;
    upstream
        .connector(channel)
        .map_err(ReadError::Upstream)?
        .mark_read(&message.chat, &upstream_id, typing_indicator)
        .await
        .map_err(ReadError::Upstream)?;
    store
        .mark_inbound_read(channel.account_id, message.id, now)
        .await?
        .ok_or_else(unknown)
}
