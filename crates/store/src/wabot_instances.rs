//! Instances of the WhatsApp Web bot platform dialect ([`WabotInstanceStore`]): a `web`
//! channel with the instance token (`access_token`) the dialect checks on each instance
//! request. The token is a secret: sealed at rest like channel credentials, and shown back
//! (the platform lists it with the instance).

use async_trait::async_trait;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::time::Millis;

use crate::columns::Columns;
use crate::StoreResult;

/// The most instances one listing returns.
pub const LIST_MAX: i64 = 1000;

/// A bot platform instance: a web channel and its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WabotInstance {
    /// The channel (the instance's `session_id`).
    pub channel_id: ChannelId,
    /// Its account.
    pub account_id: AccountId,
    /// The instance token, in clear once read (sealed in the table).
    pub access_token: String,
    /// When it was created.
    pub created_at: Millis,
}

/// Bot platform instances.
#[async_trait]
pub trait WabotInstanceStore {
    /// Stores a new instance (its channel must exist; one instance per channel).
    async fn create_wabot_instance(&self, instance: &WabotInstance) -> StoreResult<()>;
    /// The instance of `channel` in `account`, if there is one.
    async fn wabot_instance(
        &self,
        account: AccountId,
        channel: ChannelId,
    ) -> StoreResult<Option<WabotInstance>>;
    /// The account's instances by channel id (at most [`LIST_MAX`]).
    async fn list_wabot_instances(&self, account: AccountId) -> StoreResult<Vec<WabotInstance>>;
}

/// The columns, in order.
const COLS: &str = "channel_id, account_id, access_token, created_at";
/// Stores an instance (`$1`…`$4` in column order).
pub(crate) const INSERT: &str = "INSERT INTO wabot_instances (channel_id, account_id, access_token, created_at) VALUES ($1, $2, $3, $4)";

/// One instance (`$1` account, `$2` channel).
pub(crate) fn find_sql() -> String {
    format!("SELECT {COLS} FROM wabot_instances WHERE account_id = $1 AND channel_id = $2")
}

/// An account's instances (`$1` account, `$2` limit).
pub(crate) fn list_sql() -> String {
    format!("SELECT {COLS} FROM wabot_instances WHERE account_id = $1 ORDER BY channel_id LIMIT $2")
}

/// Every instance, for resealing.
pub(crate) fn all_sql() -> String {
    format!("SELECT {COLS} FROM wabot_instances")
}

/// Writes a resealed token (`$1` channel, `$2` token).
pub(crate) const RESEAL: &str =
    "UPDATE wabot_instances SET access_token = $2 WHERE channel_id = $1";

/// Decodes a row (both backends); the token as stored (sealed).
pub(crate) fn instance(r: &dyn Columns) -> StoreResult<WabotInstance> {
    Ok(WabotInstance {
        channel_id: r.parsed("channel_id", "channel id")?,
        account_id: r.parsed("account_id", "account id")?,
        access_token: r.text("access_token")?,
        created_at: r.int("created_at")?,
    })
}
