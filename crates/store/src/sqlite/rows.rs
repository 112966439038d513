//! Mapping SQLite rows to domain records.

use rusqlite::Row;
use switchboard_core::account::Account;
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::key::ApiKey;

use crate::{StoreError, StoreResult};

/// Columns read by [`account_from_row`].
pub(crate) const ACCOUNT_COLS: &str = "id, name, created_at";
/// Columns read by [`key_from_row`].
pub(crate) const KEY_COLS: &str =
    "id, account_id, name, permission, channel_id, secret_hash, created_at, revoked_at";
/// Columns read by [`channel_from_row`].
pub(crate) const CHANNEL_COLS: &str =
    "id, account_id, name, kind, settings, created_at, updated_at, timezone";

/// Parses a stored text value, reporting corrupt data instead of panicking.
pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad {what} `{text}`")))
}

type RowResult<T> = rusqlite::Result<StoreResult<T>>;

pub(crate) fn account_from_row(row: &Row<'_>) -> RowResult<Account> {
    let id: String = row.get(0)?;
    let name: String = row.get(1)?;
    let created_at: i64 = row.get(2)?;
    Ok((|| {
        Ok(Account {
            id: parse(&id, "account id")?,
            name,
            created_at,
        })
    })())
}

pub(crate) fn key_from_row(row: &Row<'_>) -> RowResult<ApiKey> {
    let id: String = row.get(0)?;
    let account_id: String = row.get(1)?;
    let name: String = row.get(2)?;
    let permission: String = row.get(3)?;
    let channel_id: Option<String> = row.get(4)?;
    let secret_hash: String = row.get(5)?;
    let created_at: i64 = row.get(6)?;
    let revoked_at: Option<i64> = row.get(7)?;
    Ok((|| {
        Ok(ApiKey {
            id: parse(&id, "key id")?,
            account_id: parse(&account_id, "account id")?,
            name,
            permission: parse(&permission, "permission")?,
            channel_id: channel_id.map(|c| parse(&c, "channel id")).transpose()?,
            secret_hash,
            created_at,
            revoked_at,
        })
    })())
}

pub(crate) fn channel_from_row(row: &Row<'_>) -> RowResult<Channel> {
    let id: String = row.get(0)?;
    let account_id: String = row.get(1)?;
    let name: String = row.get(2)?;
    let kind: String = row.get(3)?;
    let settings: String = row.get(4)?;
    let created_at: i64 = row.get(5)?;
    let updated_at: i64 = row.get(6)?;
    let timezone: String = row.get(7)?;
    Ok((|| {
        let (settings, state) = crate::channel_json::parse_settings(&settings)?;
        Ok(Channel {
            id: parse(&id, "channel id")?,
            account_id: parse(&account_id, "account id")?,
            name,
            kind: ChannelKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("bad channel kind `{kind}`")))?,
            settings,
            state,
            timezone,
            created_at,
            updated_at,
        })
    })())
}
