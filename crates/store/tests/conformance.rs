//! Runs the conformance suite against SQLite and PostgreSQL.

use switchboard_store::testing;

macro_rules! conformance_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let db = testing::sqlite().await;
                    suite::$name(db.store.clone()).await;
                    db.store.close().await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = testing::postgres_db().await else { return };
                    let store = db.open().await.expect("open PostgreSQL store");
                    suite::$name(store.clone()).await;
                    store.close().await;
                    db.cleanup().await;
                }
            )*
        }
    };
}

mod suite {
    pub use switchboard_store::conformance::*;
    pub use switchboard_store::conformance_credits::*;
    pub use switchboard_store::conformance_messages::*;
    pub use switchboard_store::conformance_webhooks::*;
}

conformance_tests!(
    credits_are_ledgered_and_never_negative,
    concurrent_debits_never_overdraw,
    subscriptions_round_trip,
    fanout_position_moves_with_deliveries,
    deliveries_are_ordered_retried_and_recorded,
    replays_create_deliveries,
    outbound_lifecycle,
    idempotency_keys,
    claims_keep_per_chat_order,
    retries_and_failures,
    statuses_are_monotonic,
    early_statuses_are_applied,
    inbound_messages_open_the_window,
    messages_are_listed_with_filters,
    events_are_listed_in_order,
    accounts_round_trip_and_page,
    account_creation_is_atomic,
    keys_are_scoped_and_revocable,
    channels_are_scoped_to_their_account,
    meta_is_write_once,
    concurrent_writes_all_land,
);
