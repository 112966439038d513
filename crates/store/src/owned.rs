//! Tables whose rows belong to an account: how both backends read one row by id and page
//! through an account's rows in id order (one row with its history), over [`Selects`].

use std::future::Future;

use switchboard_core::id::AccountId;
use switchboard_core::record::StatusEntry;
use switchboard_core::subscription::Attempt;

use crate::decode::{self, Decoder};
use crate::secrets::{self, Opener, Secrets};
use crate::select::{Arg, Select, Selects};
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
    /// Opens a decoded row's secrets.
    pub open: Opener<T>,
}

impl<T> Owned<T> {
    /// The rows of this table (of every account) that `filter` selects.
    pub(crate) const fn select(&self, filter: &'static str) -> Select<T> {
        Select {
            open: self.open,
            ..Select::new(self.table, self.cols, self.decode, filter)
        }
    }

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
            open: secrets::keep,
        }
    }

    /// This table, its rows' secret fields opened after each read.
    pub(crate) const fn with_secrets(self) -> Self
    where
        T: Secrets,
    {
        Owned {
            open: secrets::opened,
            ..self
        }
    }
}

/// A message's status history (message id), oldest first.
pub(crate) const MESSAGE_STATUSES: Select<StatusEntry> = Select::new(
    "message_statuses",
    decode::STATUS_ENTRY_COLS,
    decode::status_entry,
    "message_id = $1 ORDER BY id",
);

/// A delivery's attempts (delivery id), oldest first.
pub(crate) const DELIVERY_ATTEMPTS: Select<Attempt> = Select::new(
    "delivery_attempts",
    decode::ATTEMPT_COLS,
    decode::attempt,
    "delivery_id = $1 ORDER BY id",
);

/// Reading the rows of an [`Owned`] table, written once over [`Selects`] for both backends,
/// so that the domain methods that only read one are written once too (see
/// [`crate::shared_methods`]).
pub(crate) trait OwnedRows: Selects {
    /// The row of `owned` with `id` that `account` owns, decoded, if there is one.
    fn owned<T: Send + 'static>(
        &self,
        owned: &Owned<T>,
        account: AccountId,
        id: String,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send {
        let select = owned.select("account_id = $1 AND id = $2");
        self.select_one(select, vec![Arg::from(account), Arg::from(id)])
    }

    /// One keyset page of the rows of `owned` that `account` owns, in id order.
    fn owned_page<T: Send + 'static>(
        &self,
        owned: &Owned<T>,
        account: AccountId,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<T>>> + Send {
        let select = owned.select("account_id = $1 AND id > $2 ORDER BY id LIMIT $3");
        let args = vec![
            Arg::from(account),
            Arg::from(page.after_key()),
            Arg::from(page.fetch()),
        ];
        self.select_page(select, args, page, owned.cursor)
    }

    /// The row of `owned` with `id` that `account` owns, with its `history` (selected by the
    /// row's id).
    fn owned_with<T: Send + 'static, H: Send + 'static>(
        &self,
        owned: &Owned<T>,
        history: Select<H>,
        account: AccountId,
        id: String,
    ) -> impl Future<Output = StoreResult<Option<(T, Vec<H>)>>> + Send {
        async move {
            let Some(row) = self.owned(owned, account, id.clone()).await? else {
                return Ok(None);
            };
            let entries = self.select_all(history, vec![Arg::from(id)]).await?;
            Ok(Some((row, entries)))
        }
    }
}

impl<S: Selects> OwnedRows for S {}
