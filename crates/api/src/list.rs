//! The page envelope of every list answer: `{"data": [...], "next": "cursor" | null}`.

use serde::Serialize;
use switchboard_store::Page;
use utoipa::ToSchema;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    /// The items, in the list's order.
    pub data: Vec<T>,
    /// Cursor of the next page, or null on the last page.
    pub next: Option<String>,
}

impl<T> List<T> {
    /// A page of `data`, continued from `next`.
    pub fn new(data: Vec<T>, next: Option<String>) -> Self {
        Self { data, next }
    }

    /// The store's page with each item turned into its view.
    pub fn map<U>(page: Page<U>, view: impl FnMut(U) -> T) -> Self {
        Self {
            data: page.items.into_iter().map(view).collect(),
            next: page.next,
        }
    }
}

impl<T, U: Into<T>> From<Page<U>> for List<T> {
    fn from(page: Page<U>) -> Self {
        List::map(page, Into::into)
    }
}
