//! Domain-trait methods written once for both backends: the ones that only read an
//! [`Owned`](crate::owned::Owned) table (through [`OwnedRows`]), run a shared
//! [`Select`](crate::select::Select), or call a function written over
//! [`Selects`](crate::select::Selects). Each macro expands, inside a backend's
//! `#[async_trait]` impl, to the method `async_trait` expects (a boxed future).
//!
//! `async_trait` leaves macro calls in an impl alone, so [`boxed_method`] spells out its
//! expansion of an `async fn`: one lifetime per reference, each outliving `'async_trait`,
//! and a `Send` future.
//!
//! [`OwnedRows`]: crate::owned::OwnedRows

use std::future::Future;
use std::pin::Pin;

use crate::StoreResult;

/// The future an `async_trait` method returns.
pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'a>>;

/// `boxed_method!(self name['life1](a: A, b: &'life1 B) -> Out, body)`: the method `async_trait`
/// expects for `async fn name(&self, a: A, b: &B) -> StoreResult<Out>`, returning `body` (a
/// future) boxed. The bracket names the lifetime of each reference parameter; `self` is passed
/// in so that the caller's `body` may use it.
macro_rules! boxed_method {
    (
        $this:tt $method:ident[$($life:lifetime),*]($($param:ident: $ty:ty),*) -> $out:ty,
        $body:expr
    ) => {
        fn $method<'life0, $($life,)* 'async_trait>(
            &'life0 $this,
            $($param: $ty),*
        ) -> $crate::shared_methods::Boxed<'async_trait, $out>
        where
            'life0: 'async_trait,
            $($life: 'async_trait,)*
            Self: 'async_trait,
        {
            Box::pin($body)
        }
    };
}
pub(crate) use boxed_method;

/// `get_owned!(get_media(MediaId) -> MediaRecord, MEDIA);`: the method reading the row of
/// an owned table with an id that the account owns.
macro_rules! get_owned {
    ($method:ident($id:ty) -> $row:ty, $table:expr) => {
        $crate::shared_methods::boxed_method!(
            self $method[](account: switchboard_core::id::AccountId, id: $id) -> Option<$row>,
            $crate::owned::OwnedRows::owned(self, &$table, account, id.to_string())
        );
    };
}
pub(crate) use get_owned;

/// `get_owned_with!(get_message(MessageId) -> MessageRecord, StatusEntry, MESSAGES,
/// MESSAGE_STATUSES);`: the method reading the row of an owned table with an id that the
/// account owns, with its history.
macro_rules! get_owned_with {
    ($method:ident($id:ty) -> $row:ty, $entry:ty, $table:expr, $history:expr) => {
        $crate::shared_methods::boxed_method!(
            self $method[](account: switchboard_core::id::AccountId, id: $id)
                -> Option<($row, Vec<$entry>)>,
            $crate::owned::OwnedRows::owned_with(self, &$table, $history, account, id.to_string())
        );
    };
}
pub(crate) use get_owned_with;

/// `list_owned!(list_keys -> ApiKey, KEYS);`: the method reading one keyset page of the
/// rows of an owned table that the account owns, in id order.
macro_rules! list_owned {
    ($method:ident -> $row:ty, $table:expr) => {
        $crate::shared_methods::boxed_method!(
            self $method['life1](
                account: switchboard_core::id::AccountId,
                page: &'life1 $crate::PageRequest
            ) -> $crate::Page<$row>,
            $crate::owned::OwnedRows::owned_page(self, &$table, account, page)
        );
    };
}
pub(crate) use list_owned;

/// `select_method!(find_key(id: KeyId) -> Option<ApiKey> = select_one(KEY_BY_ID, [id]));`:
/// the method running a shared [`Select`](crate::select::Select) (`select_one`, `select_all`
/// or `select_page` of [`Selects`](crate::select::Selects), the page and cursor after the
/// list) with the listed arguments, each turned into an [`Arg`](crate::select::Arg). Reference
/// parameters name their lifetimes in brackets after the method name, as in
/// [`boxed_method`].
macro_rules! select_method {
    (
        $method:ident$([$($life:lifetime),*])?($($param:ident: $ty:ty),*) -> $out:ty =
            $run:ident($select:expr, [$($arg:expr),*] $(, $more:expr)*)
    ) => {
        $crate::shared_methods::boxed_method!(
            self $method[$($($life),*)?]($($param: $ty),*) -> $out,
            $crate::select::Selects::$run(
                self,
                $select,
                vec![$($crate::select::Arg::from($arg)),*],
                $($more),*
            )
        );
    };
}
pub(crate) use select_method;

/// `shared_method!(bucket_counts(channel: ChannelId, …) -> DailyCounts = stats::bucket_counts);`:
/// the method calling a function written once over [`Selects`](crate::select::Selects) with
/// the backend and the method's parameters (reference parameters name their lifetimes in
/// brackets, as in [`boxed_method`]).
macro_rules! shared_method {
    ($method:ident$([$($life:lifetime),*])?($($param:ident: $ty:ty),*) -> $out:ty = $run:path) => {
        $crate::shared_methods::boxed_method!(
            self $method[$($($life),*)?]($($param: $ty),*) -> $out,
            $run(self, $($param),*)
        );
    };
}
pub(crate) use shared_method;
