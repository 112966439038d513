//! Channels and their states ([`ChannelStore`]).

use async_trait::async_trait;
use switchboard_core::channel::{Channel, ChannelKind, ChannelState, ChannelStatus};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::time::Millis;

use crate::columns::Columns;
use crate::decode;
use crate::owned::Owned;
use crate::select::Select;
use crate::{Page, PageRequest, StoreError, StoreResult};

/// Channels.
#[async_trait]
pub trait ChannelStore {
    /// Stores a new channel with a `channel.status` event of its state, in one transaction.
    async fn create_channel(&self, channel: &Channel) -> StoreResult<()>;
    /// Reads a channel of the account.
    async fn get_channel(&self, account: AccountId, id: ChannelId) -> StoreResult<Option<Channel>>;
    /// Reads a channel whatever its account (inbound webhooks name only the channel).
    async fn find_channel(&self, id: ChannelId) -> StoreResult<Option<Channel>>;
    /// Lists the account's channels, oldest first; `only` limits the list to one channel.
    async fn list_channels(
        &self,
        account: AccountId,
        only: Option<ChannelId>,
        page: &PageRequest,
    ) -> StoreResult<Page<Channel>>;
    /// Lists every channel of every account (for start-up wiring such as the sandbox).
    async fn all_channels(&self) -> StoreResult<Vec<Channel>>;
    /// Every channel's id and kind, in id order (cheap: no settings read, no secret opened).
    async fn channel_kinds(&self) -> StoreResult<Vec<(ChannelId, ChannelKind)>>;
    /// Replaces a channel's name and settings; returns false if it does not exist. With
    /// `new_state`, the channel's state is replaced too and a `channel.status` event (from the
    /// stored status) appended in the same transaction; otherwise the stored state is kept.
    async fn update_channel(&self, channel: &Channel, new_state: bool) -> StoreResult<bool>;
    /// Deletes a channel of the account and the keys scoped to it, appending a
    /// `channel.status` event (`deleted`, from the stored status, at `at`) in the same
    /// transaction; false if it does not exist.
    async fn delete_channel(
        &self,
        account: AccountId,
        id: ChannelId,
        at: Millis,
    ) -> StoreResult<bool>;
    /// Moves a channel's state to `to` if its stored status is `from`, appending its
    /// `channel.status` event in the same transaction; false (nothing changed) otherwise.
    async fn set_channel_state(
        &self,
        id: ChannelId,
        from: ChannelStatus,
        to: &ChannelState,
    ) -> StoreResult<bool>;
}

/// Channels, as SQLite stores them.
pub(crate) const CHANNELS: Owned<Channel> =
    Owned::new("channels", decode::CHANNEL_COLS, decode::channel, |c| {
        c.id.to_string()
    })
    .with_secrets();

/// Channels, as PostgreSQL stores them (settings as JSONB).
pub(crate) const PG_CHANNELS: Owned<Channel> = Owned {
    cols: decode::PG_CHANNEL_COLS,
    ..CHANNELS
};

/// Every channel's id and kind.
pub(crate) const CHANNEL_KINDS: Select<(ChannelId, ChannelKind)> =
    Select::new("channels", "id, kind", channel_kind, "1 = 1 ORDER BY id");

fn channel_kind(r: &dyn Columns) -> StoreResult<(ChannelId, ChannelKind)> {
    let kind = r.text("kind")?;
    let kind = ChannelKind::parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("bad channel kind `{kind}`")))?;
    Ok((r.parsed("id", "channel id")?, kind))
}
