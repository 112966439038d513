//! Account credits over real HTTP, on SQLite and PostgreSQL: the admin credits and debits,
//! an overdraft is refused with `insufficient_credits`, an account key reads only its own
//! balance and cannot change it.

use crate::common::*;
use serde_json::json;

async fn credits_are_managed_by_the_admin(server: &TestServer) {
    let (account, key) = create_account(server, "Acme").await;
    let (other, _) = create_account(server, "Beta").await;
    let path = format!("/v1/accounts/{account}/credits");

    let start = server.get(&path, ADMIN_KEY).await.status(200);
    assert_eq!(start["balance"], 0);
    assert_eq!(start["movements"], json!([]));

    let credited = server
        .post_json(
            &path,
            ADMIN_KEY,
            &json!({ "amount": 100, "note": "top-up" }),
        )
        .await
        .status(200);
    assert_eq!(credited["balance"], 100);
    assert_eq!(credited["movements"][0]["reason"], "admin_credit");
    assert_eq!(credited["movements"][0]["reference"], "top-up");

    let debited = server
        .post_json(&path, ADMIN_KEY, &json!({ "amount": -30 }))
        .await
        .status(200);
    assert_eq!(debited["balance"], 70);
    assert_eq!(debited["movements"][0]["balance_after"], 70);

    // An overdraft is refused and changes nothing.
    let refused = server
        .post_json(&path, ADMIN_KEY, &json!({ "amount": -71 }))
        .await;
    assert_eq!(refused.code, 402);
    let body: serde_json::Value = refused.json();
    assert_eq!(body["error"]["code"], "insufficient_credits");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("71") && message.contains("70"),
        "{message}"
    );

    // Zero is invalid; an unknown account is 404.
    assert_eq!(
        server
            .post_json(&path, ADMIN_KEY, &json!({ "amount": 0 }))
            .await
            .error(400),
        "invalid_parameter"
    );

    // The account key reads its own balance, not another's, and cannot change it.
    let own = server.get(&path, &key).await.status(200);
    assert_eq!(own["balance"], 70);
    assert_eq!(
        server
            .get(&format!("/v1/accounts/{other}/credits"), &key)
            .await
            .error(404),
        "not_found"
    );
    assert_eq!(
        server
            .post_json(&path, &key, &json!({ "amount": 5 }))
            .await
            .error(403),
        "forbidden"
    );
}

on_both_backends!(credits_are_managed_by_the_admin => super::credits_are_managed_by_the_admin);
