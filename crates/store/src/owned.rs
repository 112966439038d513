//! Tables whose rows belong to an account: how both backends read one row by id and page
//! through an account's rows in id order.

use switchboard_core::record::StatusEntry;
use switchboard_core::subscription::Attempt;

use crate::decode::{self, Decoder};

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
