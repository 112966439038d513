//! Domain-trait methods written once for both backends: the ones that only read an
//! [`Owned`](crate::owned::Owned) table (through [`OwnedRows`]), run a shared
//! [`Select`](crate::select::Select), or call a function written over
//! [`Selects`](crate::select::Selects). Each macro expands, inside a backend's
//! `#[async_trait]` impl, to the method `async_trait` expects (a boxed future).
//!
//! `async_trait` leaves macro calls in an impl alone, so these spell out its expansion of an
//! `async fn`: one lifetime per reference, each outliving `'async_trait`, and a `Send` future.
//!
//! [`OwnedRows`]: crate::owned::OwnedRows

use std::future::Future;
use std::pin::Pin;

use crate::StoreResult;

/// The future an `async_trait` method returns.
pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'a>>;

/// `get_owned!(get_media(MediaId) -> MediaRecord, MEDIA);`: the method reading the row of
/// an owned table with an id that the account owns.
macro_rules! get_owned {
    ($method:ident($id:ty) -> $row:ty, $table:expr) => {
        fn $method<'life0, 'async_trait>(
            &'life0 self,
            account: switchboard_core::id::AccountId,
            id: $id,
        ) -> $crate::shared_methods::Boxed<'async_trait, Option<$row>>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            let id = id.to_string();
            Box::pin($crate::owned::OwnedRows::owned(self, &$table, account, id))
        }
    };
}
pub(crate) use get_owned;

/// `get_owned_with!(get_message(MessageId) -> MessageRecord, StatusEntry, MESSAGES,
/// MESSAGE_STATUSES);`: the method reading the row of an owned table with an id that the
/// account owns, with its history.
macro_rules! get_owned_with {
    ($method:ident($id:ty) -> $row:ty, $entry:ty, $table:expr, $history:expr) => {
        fn $method<'life0, 'async_trait>(
            &'life0 self,
            account: switchboard_core::id::AccountId,
            id: $id,
        ) -> $crate::shared_methods::Boxed<'async_trait, Option<($row, Vec<$entry>)>>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            let (id, history) = (id.to_string(), $history);
            Box::pin($crate::owned::OwnedRows::owned_with(
                self, &$table, history, account, id,
            ))
        }
    };
}
pub(crate) use get_owned_with;

/// `list_owned!(list_keys -> ApiKey, KEYS);`: the method reading one keyset page of the
/// rows of an owned table that the account owns, in id order.
macro_rules! list_owned {
    ($method:ident -> $row:ty, $table:expr) => {
        fn $method<'life0, 'life1, 'async_trait>(
            &'life0 self,
            account: switchboard_core::id::AccountId,
            page: &'life1 $crate::PageRequest,
        ) -> $crate::shared_methods::Boxed<'async_trait, $crate::Page<$row>>
        where
            'life0: 'async_trait,
            'life1: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin($crate::owned::OwnedRows::owned_page(
                self, &$table, account, page,
            ))
        }
    };
}
pub(crate) use list_owned;

/// `select_method!(find_key(id: KeyId) -> Option<ApiKey> = select_one(KEY_BY_ID, [id]));`:
/// the method running a shared [`Select`](crate::select::Select) (`select_one` or
/// `select_all` of [`Selects`](crate::select::Selects)) with the listed arguments, each
/// turned into an [`Arg`](crate::select::Arg).
macro_rules! select_method {
    (
        $method:ident($($param:ident: $ty:ty),*) -> $out:ty =
            $run:ident($select:expr, [$($arg:expr),*])
    ) => {
        fn $method<'life0, 'async_trait>(
            &'life0 self,
            $($param: $ty),*
        ) -> $crate::shared_methods::Boxed<'async_trait, $out>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            let args = vec![$($crate::select::Arg::from($arg)),*];
            Box::pin($crate::select::Selects::$run(self, $select, args))
        }
    };
}
pub(crate) use select_method;

/// `shared_method!(bucket_counts(channel: ChannelId, …) -> DailyCounts = stats::bucket_counts);`:
/// the method calling a function written once over [`Selects`](crate::select::Selects) with
/// the backend and the method's parameters.
macro_rules! shared_method {
    ($method:ident($($param:ident: $ty:ty),*) -> $out:ty = $run:path) => {
        fn $method<'life0, 'async_trait>(
            &'life0 self,
            $($param: $ty),*
        ) -> $crate::shared_methods::Boxed<'async_trait, $out>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin($run(self, $($param),*))
        }
    };
}
pub(crate) use shared_method;
