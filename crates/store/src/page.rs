//! Cursor paging over time-sortable ids.

/// Default number of items per page.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page a caller may ask for.
pub const MAX_LIMIT: u32 = 500;

/// Which page to read: items after a cursor (exclusive), at most `limit` of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Cursor returned as `next` by the previous page (the last item's id).
    pub after: Option<String>,
    /// Page size; clamped to 1..=[`MAX_LIMIT`], default [`DEFAULT_LIMIT`].
    pub limit: Option<u32>,
}

impl PageRequest {
    /// The effective page size.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// How many rows to fetch: one more than the page, to know whether another page exists.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit()) + 1
    }

    /// The first `limit` items (event pages carry their own cursors).
    pub(crate) fn first(limit: u32) -> Self {
        PageRequest {
            after: None,
            limit: Some(limit),
        }
    }

    /// The cursor to read after, empty for the first page (ids sort after it).
    pub(crate) fn after_key(&self) -> String {
        self.after.clone().unwrap_or_default()
    }
}

/// One page of results and the cursor of the next page, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, oldest first.
    pub items: Vec<T>,
    /// Pass as `after` to read the next page; `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows, using `cursor` to name the last item.
    pub fn from_rows(
        mut rows: Vec<T>,
        request: &PageRequest,
        cursor: impl Fn(&T) -> String,
    ) -> Self {
        let limit = request.limit() as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&cursor)
        } else {
            None
        };
        Page { items: rows, next }
    }
}
