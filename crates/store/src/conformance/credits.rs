//! Conformance tests for account credits, run on every backend.

use std::sync::Arc;

use super::{account, create_with_key};
use crate::credits::{CreditChange, CreditOutcome};
use crate::Store;

/// Credits and debits move the balance, are recorded in the ledger, and a debit larger than
/// the balance changes nothing and reports the shortfall.
pub async fn credits_are_ledgered_and_never_negative(store: Arc<dyn Store>) {
    let a = account("credits");
    create_with_key(&store, &a, &[]).await;
    let other = account("other");
    create_with_key(&store, &other, &[]).await;
    assert_eq!(store.credit_balance(a.id).await.unwrap(), 0);

    let change = |amount, reason| CreditChange {
        account_id: a.id,
        amount,
        reason,
        reference: Some("ref-1"),
    };
    let CreditOutcome::Applied(m) = store
        .change_credits(&change(100, "admin_credit"), 10)
        .await
        .unwrap()
    else {
        panic!("a credit must apply");
    };
    assert_eq!((m.amount, m.balance_after), (100, 100));
    let CreditOutcome::Applied(m) = store
        .change_credits(&change(-40, "admin_debit"), 11)
        .await
        .unwrap()
    else {
        panic!("a covered debit must apply");
    };
    assert_eq!(m.balance_after, 60);
    assert_eq!(
        store
            .change_credits(&change(-61, "admin_debit"), 12)
            .await
            .unwrap(),
        CreditOutcome::Insufficient {
            needed: 61,
            available: 60
        }
    );
    assert_eq!(store.credit_balance(a.id).await.unwrap(), 60);
    assert_eq!(store.credit_balance(other.id).await.unwrap(), 0);

    let ledger = store.credit_movements(a.id, 10).await.unwrap();
    assert_eq!(
        ledger
            .iter()
            .map(|m| (m.amount, m.balance_after, m.reason.as_str()))
            .collect::<Vec<_>>(),
        vec![(-40, 60, "admin_debit"), (100, 100, "admin_credit")]
    );
    assert!(ledger[0].seq > ledger[1].seq);
    assert_eq!(ledger[0].reference.as_deref(), Some("ref-1"));
    assert_eq!(store.credit_movements(a.id, 1).await.unwrap().len(), 1);
    assert!(store
        .credit_movements(other.id, 10)
        .await
        .unwrap()
        .is_empty());
}

/// Concurrent debits never overdraw: exactly as many succeed as the balance covers.
pub async fn concurrent_debits_never_overdraw(store: Arc<dyn Store>) {
    let a = account("race");
    create_with_key(&store, &a, &[]).await;
    let credit = CreditChange {
        account_id: a.id,
        amount: 5,
        reason: "admin_credit",
        reference: None,
    };
    store.change_credits(&credit, 1).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let store = store.clone();
        let id = a.id;
        tasks.push(tokio::spawn(async move {
            let debit = CreditChange {
                account_id: id,
                amount: -1,
                reason: "admin_debit",
                reference: None,
            };
            matches!(
                store.change_credits(&debit, 2).await.unwrap(),
                CreditOutcome::Applied(_)
            )
        }));
    }
    let mut applied = 0;
    for t in tasks {
        if t.await.unwrap() {
            applied += 1;
        }
    }
    assert_eq!(applied, 5);
    assert_eq!(store.credit_balance(a.id).await.unwrap(), 0);
    assert_eq!(store.credit_movements(a.id, 100).await.unwrap().len(), 6);
}
