//! Reading a result row's columns by name, whatever the backend: the one interface every
//! record decoder in [`crate::decode`] reads through.

use std::str::FromStr;

use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::{Row, TypeInfo, ValueRef};

use crate::{StoreError, StoreResult};

/// A result row whose columns are read by name.
pub(crate) trait Columns {
    /// A text column.
    fn text(&self, name: &str) -> StoreResult<String>;
    /// A nullable text column.
    fn opt_text(&self, name: &str) -> StoreResult<Option<String>>;
    /// An integer column.
    fn int(&self, name: &str) -> StoreResult<i64>;
    /// A nullable integer column.
    fn opt_int(&self, name: &str) -> StoreResult<Option<i64>>;
    /// A boolean column.
    fn flag(&self, name: &str) -> StoreResult<bool>;
}

/// Parses a stored text value, reporting corrupt data instead of panicking.
pub(crate) fn parse<T: FromStr>(text: &str, what: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad {what} `{text}`")))
}

/// Decodes an optional JSON text value.
pub(crate) fn json_opt<T: DeserializeOwned>(text: Option<String>) -> StoreResult<Option<T>> {
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// The column text of an optional JSON value.
pub(crate) fn json_text(value: &Option<serde_json::Value>) -> Option<String> {
    value.as_ref().map(serde_json::Value::to_string)
}

impl dyn Columns + '_ {
    /// A text column parsed with [`FromStr`] (`what` names it in the corruption error).
    pub(crate) fn parsed<T: FromStr>(&self, name: &str, what: &str) -> StoreResult<T> {
        parse(&self.text(name)?, what)
    }

    /// A nullable text column parsed with [`FromStr`].
    pub(crate) fn opt_parsed<T: FromStr>(&self, name: &str, what: &str) -> StoreResult<Option<T>> {
        self.opt_text(name)?.map(|t| parse(&t, what)).transpose()
    }

    /// A JSON text column.
    pub(crate) fn json<T: DeserializeOwned>(&self, name: &str) -> StoreResult<T> {
        Ok(serde_json::from_str(&self.text(name)?)?)
    }

    /// A nullable JSON text column.
    pub(crate) fn opt_json<T: DeserializeOwned>(&self, name: &str) -> StoreResult<Option<T>> {
        json_opt(self.opt_text(name)?)
    }

    /// A non-negative count (a negative one reads as 0).
    pub(crate) fn count(&self, name: &str) -> StoreResult<u64> {
        Ok(u64::try_from(self.int(name)?).unwrap_or(0))
    }
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, name: &str) -> StoreResult<String> {
        Ok(self.get(name)?)
    }

    fn opt_text(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(self.get(name)?)
    }

    fn int(&self, name: &str) -> StoreResult<i64> {
        Ok(self.get(name)?)
    }

    fn opt_int(&self, name: &str) -> StoreResult<Option<i64>> {
        Ok(self.get(name)?)
    }

    fn flag(&self, name: &str) -> StoreResult<bool> {
        Ok(self.get(name)?)
    }
}

impl Columns for PgRow {
    fn text(&self, name: &str) -> StoreResult<String> {
        Ok(self.try_get(name)?)
    }

    fn opt_text(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(self.try_get(name)?)
    }

    fn int(&self, name: &str) -> StoreResult<i64> {
        Ok(if is_int4(self, name)? {
            i64::from(self.try_get::<i32, _>(name)?)
        } else {
            self.try_get(name)?
        })
    }

    fn opt_int(&self, name: &str) -> StoreResult<Option<i64>> {
        Ok(if is_int4(self, name)? {
            self.try_get::<Option<i32>, _>(name)?.map(i64::from)
        } else {
            self.try_get(name)?
        })
    }

    fn flag(&self, name: &str) -> StoreResult<bool> {
        Ok(self.try_get(name)?)
    }
}

/// Whether a PostgreSQL column is an `INTEGER` (e.g. `messages.attempts`), which decodes as
/// i32, rather than a `BIGINT`.
fn is_int4(row: &PgRow, name: &str) -> StoreResult<bool> {
    Ok(row.try_get_raw(name)?.type_info().name() == "INT4")
}

/// The columns of a row whose names start with `prefix` (e.g. a joined table's `e_…`).
pub(crate) struct Prefixed<'r> {
    /// The whole row.
    pub(crate) row: &'r dyn Columns,
    /// What each column's name starts with.
    pub(crate) prefix: &'static str,
}

impl Prefixed<'_> {
    fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

impl Columns for Prefixed<'_> {
    fn text(&self, name: &str) -> StoreResult<String> {
        self.row.text(&self.name(name))
    }

    fn opt_text(&self, name: &str) -> StoreResult<Option<String>> {
        self.row.opt_text(&self.name(name))
    }

    fn int(&self, name: &str) -> StoreResult<i64> {
        self.row.int(&self.name(name))
    }

    fn opt_int(&self, name: &str) -> StoreResult<Option<i64>> {
        self.row.opt_int(&self.name(name))
    }

    fn flag(&self, name: &str) -> StoreResult<bool> {
        self.row.flag(&self.name(name))
    }
}
