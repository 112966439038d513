//! Running a SQLite query and decoding its rows with a shared [`Decoder`], on the caller's
//! connection or on the reader pool; the keyset page.

use rusqlite::{params_from_iter, Connection, Params, Rows};
use switchboard_core::id::AccountId;

use super::SqliteStore;
use crate::decode::Decoder;
use crate::owned::{Owned, OwnedRows};
use crate::select::{Arg, Select, Selects};
use crate::{Page, PageRequest, StoreResult};

/// Decodes every row.
pub(crate) fn decode_rows<T>(mut rows: Rows<'_>, decode: Decoder<T>) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(row)?);
    }
    Ok(out)
}

/// The first row of a (cached) statement, decoded; `None` when there is none.
pub(crate) fn query_one<T>(
    c: &Connection,
    sql: &str,
    params: impl Params,
    decode: Decoder<T>,
) -> StoreResult<Option<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    rows.next()?.map(|row| decode(row)).transpose()
}

/// Every row of a (cached) statement, decoded.
pub(crate) fn query_all<T>(
    c: &Connection,
    sql: &str,
    params: impl Params,
    decode: Decoder<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query(params)?;
    decode_rows(rows, decode)
}

/// Owned statement parameters, moved to the connection that runs the statement.
pub(crate) type Args = Vec<rusqlite::types::Value>;

/// Owned statement parameters: `args![a, b]` is `vec![Value::from(a), Value::from(b)]`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        vec![$(rusqlite::types::Value::from($value)),*]
    };
}
pub(crate) use args;

impl SqliteStore {
    /// The first row of `sql` with `args`, decoded, read on a reader connection.
    pub(crate) async fn read_one<T: Send + 'static>(
        &self,
        sql: String,
        args: Args,
        decode: Decoder<T>,
    ) -> StoreResult<Option<T>> {
        self.engine
            .read(move |c| query_one(c, &sql, params_from_iter(args), decode))
            .await
    }

    /// Every row of `sql` with `args`, decoded, read on a reader connection.
    pub(crate) async fn read_all<T: Send + 'static>(
        &self,
        sql: String,
        args: Args,
        decode: Decoder<T>,
    ) -> StoreResult<Vec<T>> {
        self.engine
            .read(move |c| query_all(c, &sql, params_from_iter(args), decode))
            .await
    }

    /// One keyset page, read on a reader connection: `sql` fetches up to `page.fetch()` rows
    /// after the page's cursor, and `cursor` names an item for the next page.
    pub(crate) async fn read_page<T: Send + 'static>(
        &self,
        sql: String,
        args: Args,
        page: &PageRequest,
        decode: Decoder<T>,
        cursor: fn(&T) -> String,
    ) -> StoreResult<Page<T>> {
        let rows = self.read_all(sql, args, decode).await?;
        Ok(Page::from_rows(rows, page, cursor))
    }

    /// The row of `owned` with `id` that `account` owns (see [`OwnedRows::owned`]).
    pub(crate) async fn read_owned<T: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        account: AccountId,
        id: impl ToString,
    ) -> StoreResult<Option<T>> {
        self.owned(owned, account, id.to_string()).await
    }

    /// How many rows `table` has, counted on a reader connection.
    pub(crate) async fn count_rows(&self, table: &str) -> StoreResult<u64> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        self.engine
            .read(move |c| {
                let n: i64 = c.query_row(&sql, [], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
    }
}

/// The values of `args`, as SQLite parameters.
fn sqlite_args(args: Vec<Arg>) -> Args {
    let value = |arg| match arg {
        Arg::Text(text) => rusqlite::types::Value::from(text),
        Arg::Int(n) => rusqlite::types::Value::from(n),
    };
    args.into_iter().map(value).collect()
}

/// Shared statements, their `$n` parameters run as `?n`, read on a reader connection.
impl Selects for SqliteStore {
    async fn select_all<T: Send + 'static>(
        &self,
        select: Select<T>,
        args: Vec<Arg>,
    ) -> StoreResult<Vec<T>> {
        let sql = select.sql().replace('$', "?");
        let rows = self.read_all(sql, sqlite_args(args), select.decode).await?;
        select.opened(rows, &self.keys)
    }

    async fn select_page<T: Send + 'static>(
        &self,
        select: Select<T>,
        args: Vec<Arg>,
        page: &PageRequest,
        cursor: fn(&T) -> String,
    ) -> StoreResult<Page<T>> {
        let rows = self.select_all(select, args).await?;
        Ok(Page::from_rows(rows, page, cursor))
    }
}
