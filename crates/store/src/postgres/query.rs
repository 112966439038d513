//! Decoding fetched PostgreSQL rows with a shared [`Decoder`]; the keyset page.

use sqlx::postgres::PgRow;
use sqlx::PgConnection;

use switchboard_core::id::AccountId;

use super::PgStore;
use crate::decode::Decoder;
use crate::owned::{Owned, OwnedRows};
use crate::select::{Arg, Select, Selects};
use crate::{Page, PageRequest, StoreResult};

/// Decodes every row.
pub(crate) fn decode_all<T>(rows: &[PgRow], decode: Decoder<T>) -> StoreResult<Vec<T>> {
    rows.iter().map(|row| decode(row)).collect()
}

/// Decodes a row if there is one.
pub(crate) fn decode_opt<T>(row: Option<PgRow>, decode: Decoder<T>) -> StoreResult<Option<T>> {
    row.map(|row| decode(&row)).transpose()
}

/// One keyset page from up to `page.fetch()` rows fetched after the page's cursor; `cursor`
/// names an item for the next page.
pub(crate) fn page_of<T>(
    rows: &[PgRow],
    page: &PageRequest,
    decode: Decoder<T>,
    cursor: impl Fn(&T) -> String,
) -> StoreResult<Page<T>> {
    Ok(Page::from_rows(decode_all(rows, decode)?, page, cursor))
}

/// The row `query` fetches on the connection `c` (inside its transaction), decoded, if there
/// is one.
pub(crate) async fn fetch_opt_on<T>(
    c: &mut PgConnection,
    query: PgQuery<'_>,
    decode: Decoder<T>,
) -> StoreResult<Option<T>> {
    decode_opt(query.fetch_optional(c).await?, decode)
}

/// A statement with its bound arguments.
pub(crate) type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

impl PgStore {
    /// The row `query` fetches from the pool, decoded, if there is one.
    pub(crate) async fn fetch_one<T>(
        &self,
        query: PgQuery<'_>,
        decode: Decoder<T>,
    ) -> StoreResult<Option<T>> {
        decode_opt(query.fetch_optional(&self.pool).await?, decode)
    }

    /// Every row `query` fetches from the pool, decoded.
    pub(crate) async fn fetch_all<T>(
        &self,
        query: PgQuery<'_>,
        decode: Decoder<T>,
    ) -> StoreResult<Vec<T>> {
        decode_all(&query.fetch_all(&self.pool).await?, decode)
    }

    /// One keyset page (see [`page_of`]) fetched from the pool.
    pub(crate) async fn fetch_page<T>(
        &self,
        query: PgQuery<'_>,
        page: &PageRequest,
        decode: Decoder<T>,
        cursor: impl Fn(&T) -> String,
    ) -> StoreResult<Page<T>> {
        page_of(&query.fetch_all(&self.pool).await?, page, decode, cursor)
    }

    /// The row of `owned` with `id` that `account` owns (see [`OwnedRows::owned`]).
    pub(crate) async fn fetch_owned<T: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        account: AccountId,
        id: impl ToString,
    ) -> StoreResult<Option<T>> {
        self.owned(owned, account, id.to_string()).await
    }

    /// How many rows `table` has.
    pub(crate) async fn count_rows(&self, table: &str) -> StoreResult<u64> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = sqlx::query_scalar(&sql).fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// `sql` with `args` bound in order.
fn bind_args(sql: &str, args: Vec<Arg>) -> PgQuery<'_> {
    args.into_iter()
        .fold(sqlx::query(sql), |query, arg| match arg {
            Arg::Text(text) => query.bind(text),
            Arg::Int(n) => query.bind(n),
        })
}

/// Shared statements, read from the pool.
impl Selects for PgStore {
    async fn select_all<T: Send + 'static>(
        &self,
        select: Select<T>,
        args: Vec<Arg>,
    ) -> StoreResult<Vec<T>> {
        let sql = select.sql();
        let rows = self.fetch_all(bind_args(&sql, args), select.decode).await?;
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
