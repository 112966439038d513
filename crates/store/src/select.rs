//! Statements both backends run as written: a [`Select`] names the columns its decoder reads,
//! the table and the condition, with PostgreSQL-style parameters (`$1`, `$2`, …) that the
//! SQLite backend runs as `?1`, `?2`, … (so a shared statement holds no other `$`); [`Arg`]
//! is a parameter value. A condition that may be left out is written
//! `(CAST($n AS TEXT) IS NULL OR …)`, which both engines accept and which gives PostgreSQL
//! the parameter's type.

use std::future::Future;

use switchboard_core::id::{Id, IdMarker};

use crate::decode::Decoder;
use crate::secrets::{self, Keyring, Opener};
use crate::{Page, PageRequest, StoreResult};

/// A query both backends run: `SELECT {cols} FROM {from} WHERE {filter}`.
pub(crate) struct Select<T: 'static> {
    /// The columns [`Select::decode`] reads.
    pub cols: &'static str,
    /// The table.
    pub from: &'static str,
    /// The condition (and order, limit), with `$n` parameters.
    pub filter: &'static str,
    /// The row decoder.
    pub decode: Decoder<T>,
    /// Opens a decoded row's secrets.
    pub open: Opener<T>,
}

impl<T> Clone for Select<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Select<T> {}

impl<T> Select<T> {
    /// The rows of `from` that `filter` selects, read by `decode` from `cols`.
    pub(crate) const fn new(
        from: &'static str,
        cols: &'static str,
        decode: Decoder<T>,
        filter: &'static str,
    ) -> Self {
        Select {
            cols,
            from,
            filter,
            decode,
            open: secrets::keep,
        }
    }

    /// The same rows under another condition.
    pub(crate) const fn with_filter(&self, filter: &'static str) -> Select<T> {
        Select { filter, ..*self }
    }

    /// Decoded rows with their secrets opened.
    pub(crate) fn opened(&self, rows: Vec<T>, keys: &Keyring) -> StoreResult<Vec<T>> {
        rows.into_iter().map(|row| (self.open)(row, keys)).collect()
    }

    /// The statement, with `$n` parameters.
    pub(crate) fn sql(&self) -> String {
        let Select {
            cols, from, filter, ..
        } = self;
        format!("SELECT {cols} FROM {from} WHERE {filter}")
    }
}

/// A parameter value of a [`Select`]: text or an integer, either of which may be NULL (a
/// filter left out).
pub(crate) enum Arg {
    /// Text (an id, a name), or NULL.
    Text(Option<String>),
    /// An integer (a time, a limit), or NULL.
    Int(Option<i64>),
}

impl<K: IdMarker> From<Id<K>> for Arg {
    fn from(id: Id<K>) -> Self {
        Arg::Text(Some(id.to_string()))
    }
}

impl<K: IdMarker> From<Option<Id<K>>> for Arg {
    fn from(id: Option<Id<K>>) -> Self {
        Arg::Text(id.map(|id| id.to_string()))
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(Some(text))
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(Some(text.to_string()))
    }
}

impl From<Option<String>> for Arg {
    fn from(text: Option<String>) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(Some(n))
    }
}

impl From<Option<i64>> for Arg {
    fn from(n: Option<i64>) -> Self {
        Arg::Int(n)
    }
}

impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Int(Some(i64::from(n)))
    }
}

/// Running a [`Select`], the same calls on both backends (each implements
/// [`Selects::select_all`] and [`Selects::select_page`] in its `query` module), so that what
/// only runs one is written once (see [`crate::owned::OwnedRows`] and
/// [`crate::shared_methods::select_method`]).
pub(crate) trait Selects: Sync {
    /// Every row `select` finds with `args`, decoded.
    fn select_all<T: Send + 'static>(
        &self,
        select: Select<T>,
        args: Vec<Arg>,
    ) -> impl Future<Output = StoreResult<Vec<T>>> + Send;

    /// One keyset page: `select` finds up to `page.fetch()` rows after the page's cursor (both
    /// among `args`), and `cursor` names an item for the next page.
    fn select_page<T: Send + 'static>(
        &self,
        select: Select<T>,
        args: Vec<Arg>,
        page: &PageRequest,
        cursor: fn(&T) -> String,
    ) -> impl Future<Output = StoreResult<Page<T>>> + Send;

    /// The first row `select` finds with `args` (a select by key finds one at most), decoded.
    fn select_one<T: Send + 'static>(
        &self,
        select: Select<T>,
        args: Vec<Arg>,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send {
        let rows = self.select_all(select, args);
        async move { Ok(rows.await?.into_iter().next()) }
    }
}
