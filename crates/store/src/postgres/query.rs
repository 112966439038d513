//! Decoding fetched PostgreSQL rows with a shared [`Decoder`]; the keyset page.

use sqlx::postgres::PgRow;

use crate::decode::Decoder;
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
