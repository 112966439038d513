//! Account credits over real HTTP, on SQLite and PostgreSQL: the admin credits and debits,
//! an overdraft is refused with `insufficient_credits`, an account key reads only its own
//! balance and cannot change it.


use crate::common::*;
use reqwest::Method;
use serde_json::json;

async fn credits_are_managed_by_the_admin(server: &TestServer) {
    let (account, key) = create_account(server, "Acme").await;
    let (other, _) = create_account(server, "Beta").await;
    let path = format!("/v1/accounts/{account}/credits");

    let start = json(
        server
            .req(Method::GET, &path, Some(ADMIN_KEY))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(start["balance"], 0);
    assert_eq!(start["movements"], json!([]));

    let credited = json(
        server
            .req(Method::POST, &path, Some(ADMIN_KEY))
            .json(&json!({ "amount": 100, "note": "top-up" }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(credited["balance"], 100);
    assert_eq!(credited["movements"][0]["reason"], "admin_credit");
    assert_eq!(credited["movements"][0]["reference"], "top-up");

    let debited = json(
        server
            .req(Method::POST, &path, Some(ADMIN_KEY))
            .json(&json!({ "amount": -30 }))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(debited["balance"], 70);
    assert_eq!(debited["movements"][0]["balance_after"], 70);

    // An overdraft is refused and changes nothing.
    let refused = server
        .req(Method::POST, &path, Some(ADMIN_KEY))
        .json(&json!({ "amount": -71 }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 402);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "insufficient_credits");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("71") && message.contains("70"),
        "{message}"
    );

    // Zero is invalid; an unknown account is 404.
    assert_eq!(
        error_code(
            server
                .req(Method::POST, &path, Some(ADMIN_KEY))
                .json(&json!({ "amount": 0 }))
                .send()
                .await
                .unwrap(),
            400
        )
        .await,
        "invalid_parameter"
    );

    // The account key reads its own balance, not another's, and cannot change it.
    let own = json(
        server
            .req(Method::GET, &path, Some(&key))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(own["balance"], 70);
    assert_eq!(
        error_code(
            server
                .req(
                    Method::GET,
                    &format!("/v1/accounts/{other}/credits"),
                    Some(&key)
                )
                .send()
                .await
                .unwrap(),
            404
        )
        .await,
        "not_found"
    );
    assert_eq!(
        error_code(
            server
                .req(Method::POST, &path, Some(&key))
                .json(&json!({ "amount": 5 }))
                .send()
                .await
                .unwrap(),
            403
        )
        .await,
        "forbidden"
    );
}

on_both_backends!(credits_are_managed_by_the_admin => super::credits_are_managed_by_the_admin);
