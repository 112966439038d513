//! SQLite: the event log (see [`EventStore`]): appending, listing by account, and the
//! type filter the fan-out and replays share.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_core::event::Event;
use switchboard_core::id::AccountId;

use super::query::{decode_rows, query_all};
use super::SqliteStore;
use crate::decode;
use crate::events::{EventFilter, EventStore};
use crate::{Page, PageRequest, StoreError, StoreResult};

/// Columns read by [`decode::event`]: an event's cursor is its sequence number.
pub(crate) const EVENT_COLS: &str =
    "seq, CAST(seq AS TEXT) AS cursor, id, account_id, channel_id, chat, type, data, created_at";

/// Appends an event; returns its sequence number.
pub(crate) fn append_event(c: &Connection, e: &Event) -> StoreResult<i64> {
    c.prepare_cached(
        "INSERT INTO events (id, account_id, channel_id, chat, type, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.id.to_string(),
        e.account_id.to_string(),
        e.channel_id.map(|c| c.to_string()),
        e.chat,
        e.kind,
        e.data.to_string(),
        e.created_at
    ])?;
    Ok(c.last_insert_rowid())
}

/// Where the event-log reader `name` (the fan-out, the bot, the broadcast tracker) stands.
pub(crate) fn read_position(c: &Connection, name: &str) -> StoreResult<Option<String>> {
    Ok(
        c.prepare_cached("SELECT cursor FROM fanout_position WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?,
    )
}

/// Moves the event-log reader `name` to `cursor`.
pub(crate) fn write_position(c: &Connection, name: &str, cursor: &str) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO fanout_position (name, cursor) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor",
    )?
    .execute(params![name, cursor])?;
    Ok(())
}

/// SQL condition and parameters for an event type filter.
pub(crate) fn type_condition(types: &[String], first_param: usize) -> (String, Vec<String>) {
    if types.is_empty() || types.iter().any(|t| t == "*") {
        return ("1 = 1".into(), Vec::new());
    }
    let mut parts = Vec::new();
    let mut values = Vec::new();
    for t in types {
        let n = first_param + values.len();
        match t.strip_suffix(".*") {
            Some(prefix) => {
                parts.push(format!("type LIKE ?{n} ESCAPE '\\'"));
                values.push(format!(
                    "{}.%",
                    prefix
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                ));
            }
            None => {
                parts.push(format!("type = ?{n}"));
                values.push(t.clone());
            }
        }
    }
    (format!("({})", parts.join(" OR ")), values)
}

/// The account's events after a cursor, in log order.
fn list_events(
    c: &Connection,
    account: AccountId,
    f: &EventFilter,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Event>> {
    let after = parse_cursor(after)?;
    let (types_sql, type_values) = type_condition(&f.types, 6);
    let sql = format!(
        "SELECT {EVENT_COLS} FROM events
         WHERE account_id = ?1 AND seq > ?2 AND (?3 IS NULL OR channel_id = ?3) AND (?4 IS NULL OR chat = ?4)
           AND {types_sql}
         ORDER BY seq LIMIT ?5"
    );
    let request = PageRequest::first(limit);
    let mut stmt = c.prepare_cached(&sql)?;
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = vec![
        Box::new(account.to_string()),
        Box::new(after),
        Box::new(f.channel_id.map(|x| x.to_string())),
        Box::new(f.chat.clone()),
        Box::new(request.fetch()),
    ];
    for v in type_values {
        values.push(Box::new(v));
    }
    let rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
    let events = decode_rows(rows, decode::event)?;
    Ok(Page::from_rows(events, &request, |e| e.cursor.clone()))
}

/// Every account's events after a cursor, in log order (the fan-out's read).
pub(crate) fn list_all_events(
    c: &Connection,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Event>> {
    let after = parse_cursor(after)?;
    let request = PageRequest::first(limit);
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    let rows = query_all(c, &sql, params![after, request.fetch()], decode::event)?;
    Ok(Page::from_rows(rows, &request, |e| e.cursor.clone()))
}

/// Parses an event cursor (a sequence number); none (or empty) starts at the beginning.
fn parse_cursor(after: Option<&str>) -> StoreResult<i64> {
    match after {
        None | Some("") => Ok(0),
        Some(text) => text
            .parse()
            .map_err(|_| StoreError::Config(format!("invalid event cursor `{text}`"))),
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn list_events(
        &self,
        account: AccountId,
        filter: &EventFilter,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Event>> {
        let (filter, after) = (filter.clone(), after.map(str::to_string));
        self.engine
            .read(move |c| list_events(c, account, &filter, after.as_deref(), limit))
            .await
    }
}
