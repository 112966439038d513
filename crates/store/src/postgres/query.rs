//! Decoding fetched PostgreSQL rows with a shared [`Decoder`]; the keyset page.

use sqlx::postgres::PgRow;
use sqlx::PgConnection;

use switchboard_core::id::AccountId;

use super::PgStore;
use crate::decode::Decoder;
use crate::owned::{History, Owned, OwnedRows};
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

/// Owned tables read from the pool.
impl OwnedRows for PgStore {
    async fn owned<T: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        account: AccountId,
        id: String,
    ) -> StoreResult<Option<T>> {
        let Owned { table, cols, .. } = owned;
        let sql = format!("SELECT {cols} FROM {table} WHERE account_id = $1 AND id = $2");
        let query = sqlx::query(&sql).bind(account.to_string()).bind(id);
        self.fetch_one(query, owned.decode).await
    }

    async fn owned_page<T: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<T>> {
        let Owned { table, cols, .. } = owned;
        let sql = format!(
            "SELECT {cols} FROM {table} WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        let query = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(page.after_key())
            .bind(page.fetch());
        self.fetch_page(query, page, owned.decode, owned.cursor)
            .await
    }

    async fn owned_with<T: Send + 'static, H: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        history: &'static History<H>,
        account: AccountId,
        id: String,
    ) -> StoreResult<Option<(T, Vec<H>)>> {
        let Some(row) = self.owned(owned, account, id.clone()).await? else {
            return Ok(None);
        };
        let History {
            table, cols, key, ..
        } = history;
        let sql = format!("SELECT {cols} FROM {table} WHERE {key} = $1 ORDER BY id");
        let query = sqlx::query(&sql).bind(&id);
        Ok(Some((row, self.fetch_all(query, history.decode).await?)))
    }
}
