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
    pub use switchboard_store::conformance::accounts::*;
    pub use switchboard_store::conformance::bot::*;
    pub use switchboard_store::conformance::broadcasts::*;
    pub use switchboard_store::conformance::console_sessions::*;
    pub use switchboard_store::conformance::contacts::*;
    pub use switchboard_store::conformance::conversations::*;
    pub use switchboard_store::conformance::credits::*;
    pub use switchboard_store::conformance::leases::*;
    pub use switchboard_store::conformance::media::*;
    pub use switchboard_store::conformance::messages::*;
    pub use switchboard_store::conformance::outbox_heads::*;
    pub use switchboard_store::conformance::polls::*;
    pub use switchboard_store::conformance::schedule::*;
    pub use switchboard_store::conformance::stats::*;
    pub use switchboard_store::conformance::templates::*;
    pub use switchboard_store::conformance::wabot_instances::*;
    pub use switchboard_store::conformance::web_sessions::*;
    pub use switchboard_store::conformance::webhooks::*;
}

conformance_tests!(
    conversations_are_listed_newest_first,
    conversations_are_scoped_and_counts_capped,
    wabot_instances_round_trip,
    console_sessions_expire_and_sign_out,
    sign_in_tokens_are_single_use,
    poll_leases_and_offsets,
    leases_are_exclusive_while_live,
    takeover_after_expiry_bumps_the_token,
    release_frees_only_ones_own,
    leases_are_taken_renewed_and_listed_in_batches,
    templates_upsert_with_status_events,
    templates_sync_status_and_delete,
    media_round_trip_and_scope,
    expired_media_is_listed,
    bot_settings_round_trip,
    bot_rules_crud_and_reorder,
    contacts_opt_out_and_tags,
    contacts_crud_and_scope,
    contacts_search_and_page,
    contacts_are_created_by_messages,
    contacts_import_batches_and_jobs,
    bot_decisions_are_unique_and_paged,
    credits_are_ledgered_and_never_negative,
    broadcasts_reserve_feed_and_track,
    broadcasts_pause_resume_cancel_and_audiences,
    concurrent_debits_never_overdraw,
    subscriptions_round_trip,
    fanout_position_moves_with_deliveries,
    deliveries_are_ordered_retried_and_recorded,
    claims_respect_each_subscriptions_slots,
    a_keys_next_delivery_waits_for_its_head,
    replays_create_deliveries,
    test_events_reach_their_subscription_only,
    the_delivery_log_is_newest_first,
    outbound_lifecycle,
    idempotency_keys,
    claims_keep_per_chat_order,
    a_chats_next_message_waits_for_the_previous,
    retries_are_claimed_at_their_time,
    claims_filter_by_channel,
    cascaded_deletes_drop_the_heads,
    retries_and_failures,
    statuses_are_monotonic,
    watermarks_find_what_they_cover,
    early_statuses_are_applied,
    inbound_messages_open_the_window,
    messages_are_listed_with_filters,
    events_are_listed_in_order,
    accounts_round_trip_and_page,
    account_creation_is_atomic,
    keys_are_scoped_and_revocable,
    key_last_use_is_recorded_forward_only,
    channels_are_scoped_to_their_account,
    channel_status_is_evented_with_each_change,
    channels_of_every_kind_round_trip,
    meta_is_write_once,
    concurrent_writes_all_land,
    scheduled_messages_wait_then_join_the_outbox,
    scheduled_messages_can_be_canceled_until_due,
    stats_count_the_message_table,
    web_sessions_round_trip_with_their_events,
    web_sessions_refuse_stale_fences,
    web_sessions_key_writes_are_all_or_none,
    web_sessions_list_keys_by_prefix_in_order,
    web_sessions_wipe_the_keys_of_one_channel,
    web_sessions_are_listed_by_state,
    web_sessions_go_with_their_channel,
);
