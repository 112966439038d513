//! Tables whose rows belong to an account: how both backends read one row by id and page
//! through an account's rows in id order.

use std::future::Future;

use switchboard_core::id::AccountId;
use switchboard_core::record::StatusEntry;
use switchboard_core::subscription::Attempt;

use crate::decode::{self, Decoder};
use crate::{Page, PageRequest, StoreResult};

/// An account-owned table: its name, the columns its decoder reads, and the page cursor of a
/// row (its id).
pub(crate) struct Owned<T: 'static> {
    /// The table.
    pub table: &'static str,
    /// The columns [`Owned::decode`] reads.
    pub cols: &'static str,
    /// The row decoder.
    pub decode: Decoder<T>,
    /// A row's page cursor.
    pub cursor: fn(&T) -> String,
}

/// The history kept for each row of an owned table, in id order.
pub(crate) struct History<H: 'static> {
    /// The table.
    pub table: &'static str,
    /// The columns [`History::decode`] reads.
    pub cols: &'static str,
    /// The column naming the owned row.
    pub key: &'static str,
    /// The row decoder.
    pub decode: Decoder<H>,
}

impl<T> Owned<T> {
    /// A table read by `decode` from `cols`, paged by `cursor`.
    pub(crate) const fn new(
        table: &'static str,
        cols: &'static str,
        decode: Decoder<T>,
        cursor: fn(&T) -> String,
    ) -> Self {
        Owned {
            table,
            cols,
            decode,
            cursor,
        }
    }
}

/// A message's status history.
pub(crate) const MESSAGE_STATUSES: History<StatusEntry> = History {
    table: "message_statuses",
    cols: decode::STATUS_ENTRY_COLS,
    key: "message_id",
    decode: decode::status_entry,
};

/// A delivery's attempts.
pub(crate) const DELIVERY_ATTEMPTS: History<Attempt> = History {
    table: "delivery_attempts",
    cols: decode::ATTEMPT_COLS,
    key: "delivery_id",
    decode: decode::attempt,
};

/// Reading the rows of an [`Owned`] table, the same calls on both backends (each implements
/// it in its `query` module), so that the domain methods that only read one are written once
/// (see [`crate::owned_methods`]).
pub(crate) trait OwnedRows {
    /// The row of `owned` with `id` that `account` owns, decoded, if there is one.
    fn owned<T: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        account: AccountId,
        id: String,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send;

    /// One keyset page of the rows of `owned` that `account` owns, in id order.
    fn owned_page<T: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        account: AccountId,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<T>>> + Send;

    /// The row of `owned` with `id` that `account` owns, with its `history`.
    fn owned_with<T: Send + 'static, H: Send + 'static>(
        &self,
        owned: &'static Owned<T>,
        history: &'static History<H>,
        account: AccountId,
        id: String,
    ) -> impl Future<Output = StoreResult<Option<(T, Vec<H>)>>> + Send;
}
