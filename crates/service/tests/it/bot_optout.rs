//! The marketing opt-out check the send path runs, on SQLite and PostgreSQL: a marketing
//! template to an opted-out contact is refused with Meta's error 131050; other categories,
//! other contacts and opted-in contacts pass.

use std::sync::Arc;

use switchboard_core::id::AccountId;
use switchboard_core::key::Permission;
use switchboard_core::recipient::WaId;
use switchboard_service::bot::optout::OPTED_OUT_OF_MARKETING;
use switchboard_service::bot::{check_marketing_allowed, is_opted_out, MarketingRefused};
use switchboard_store::conformance::{account, key};
use switchboard_store::{testing, Store};

fn wa(digits: &str) -> WaId {
    digits.parse().unwrap()
}

async fn check(store: Arc<dyn Store>) {
    let a = account("optout");
    store
        .create_account(&a, &key(a.id, Permission::Manage), &[])
        .await
        .unwrap();
    let acc: AccountId = a.id;
    let s = store.as_ref();
    assert!(!is_opted_out(s, acc, &wa("15550009999")).await.unwrap());
    check_marketing_allowed(s, acc, &wa("15550009999"), "MARKETING")
        .await
        .expect("unknown contacts may receive marketing");

    store
        .set_contact_opt_out(acc, "15550009999", true, 1_700_000_000_000)
        .await
        .unwrap();
    assert!(is_opted_out(s, acc, &wa("15550009999")).await.unwrap());
    let refused = check_marketing_allowed(s, acc, &wa("15550009999"), "marketing")
        .await
        .expect_err("an opted-out contact gets no marketing");
    assert!(matches!(
        refused,
        MarketingRefused::OptedOut {
            since: 1_700_000_000_000,
            ..
        }
    ));
    assert_eq!(refused.skip_reason(), "opted_out");
    let meta = refused.to_meta_error().expect("a Meta error");
    assert_eq!(meta.code, OPTED_OUT_OF_MARKETING);
    assert_eq!(meta.path, "to");
    assert!(
        meta.details.contains("stop receiving marketing messages"),
        "{}",
        meta.details
    );
    assert!(meta.details.contains("START"), "{}", meta.details);

    for category in ["UTILITY", "AUTHENTICATION"] {
        check_marketing_allowed(s, acc, &wa("15550009999"), category)
            .await
            .expect("only marketing is refused");
    }
    check_marketing_allowed(s, acc, &wa("15550008888"), "MARKETING")
        .await
        .expect("other contacts pass");
    // Opt-out is per account.
    let other = account("other");
    store
        .create_account(&other, &key(other.id, Permission::Manage), &[])
        .await
        .unwrap();
    check_marketing_allowed(s, other.id, &wa("15550009999"), "MARKETING")
        .await
        .expect("another account's contact passes");

    store
        .set_contact_opt_out(acc, "15550009999", false, 1_700_000_100_000)
        .await
        .unwrap();
    check_marketing_allowed(s, acc, &wa("15550009999"), "MARKETING")
        .await
        .expect("opted back in");
}

#[tokio::test]
async fn marketing_check_sqlite() {
    let db = testing::sqlite().await;
    check(db.store.clone()).await;
    db.store.close().await;
}

#[tokio::test]
async fn marketing_check_postgres() {
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let store = db.open().await.expect("open PostgreSQL store");
    check(store.clone()).await;
    store.close().await;
    db.cleanup().await;
}
