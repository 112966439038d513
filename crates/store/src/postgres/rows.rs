//! Mapping PostgreSQL rows to domain records.

use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_core::account::Account;
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::key::ApiKey;
use switchboard_core::record::MessageRecord;
use switchboard_core::status::{Direction, MessageStatus};

use crate::{StoreError, StoreResult};

/// Columns read by [`account_from_row`].
pub(crate) const ACCOUNT_COLS: &str = "id, name, created_at";
/// Columns read by [`key_from_row`].
pub(crate) const KEY_COLS: &str =
    "id, account_id, name, permission, channel_id, secret_hash, created_at, revoked_at";
/// Columns read by [`channel_from_row`].
pub(crate) const CHANNEL_COLS: &str =
    "id, account_id, name, kind, settings::text AS settings, created_at, updated_at, timezone";

/// Columns read by [`message_from_row`].
pub(crate) const MESSAGE_COLS: &str = "id, account_id, channel_id, direction, chat, kind, body, status, upstream_id, context_id, error, attempts, created_at, updated_at";

pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad {what} `{text}`")))
}

pub(crate) fn account_from_row(row: &PgRow) -> StoreResult<Account> {
    let id: String = row.try_get("id")?;
    Ok(Account {
        id: parse(&id, "account id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn key_from_row(row: &PgRow) -> StoreResult<ApiKey> {
    let id: String = row.try_get("id")?;
    let account_id: String = row.try_get("account_id")?;
    let permission: String = row.try_get("permission")?;
    let channel_id: Option<String> = row.try_get("channel_id")?;
    Ok(ApiKey {
        id: parse(&id, "key id")?,
        account_id: parse(&account_id, "account id")?,
        name: row.try_get("name")?,
        permission: parse(&permission, "permission")?,
        channel_id: channel_id.map(|c| parse(&c, "channel id")).transpose()?,
        secret_hash: row.try_get("secret_hash")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub(crate) fn channel_from_row(row: &PgRow) -> StoreResult<Channel> {
    let id: String = row.try_get("id")?;
    let account_id: String = row.try_get("account_id")?;
    let kind: String = row.try_get("kind")?;
    let settings: String = row.try_get("settings")?;
    let (settings, state) = crate::channel_json::parse_settings(&settings)?;
    Ok(Channel {
        id: parse(&id, "channel id")?,
        account_id: parse(&account_id, "account id")?,
        name: row.try_get("name")?,
        kind: ChannelKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("bad channel kind `{kind}`")))?,
        settings,
        state,
        timezone: row.try_get("timezone")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn status(text: &str) -> StoreResult<MessageStatus> {
    MessageStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("bad status `{text}`")))
}

/// Decodes an optional JSON text column.
pub(crate) fn json_opt(text: Option<String>) -> StoreResult<Option<serde_json::Value>> {
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

pub(crate) fn message_from_row(row: &PgRow) -> StoreResult<MessageRecord> {
    let id: String = row.try_get("id")?;
    let account_id: String = row.try_get("account_id")?;
    let channel_id: String = row.try_get("channel_id")?;
    let direction: String = row.try_get("direction")?;
    let body: String = row.try_get("body")?;
    let attempts: i32 = row.try_get("attempts")?;
    Ok(MessageRecord {
        id: parse(&id, "message id")?,
        account_id: parse(&account_id, "account id")?,
        channel_id: parse(&channel_id, "channel id")?,
        direction: Direction::parse(&direction)
            .ok_or_else(|| StoreError::Corrupt(format!("bad direction `{direction}`")))?,
        chat: row.try_get("chat")?,
        kind: row.try_get("kind")?,
        body: serde_json::from_str(&body)?,
        status: status(row.try_get("status")?)?,
        upstream_id: row.try_get("upstream_id")?,
        context_id: row.try_get("context_id")?,
        error: json_opt(row.try_get("error")?)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
