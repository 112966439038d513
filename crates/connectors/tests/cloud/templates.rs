//! Template list (across pages), create, delete.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_connectors::ErrorClass;

use crate::common::*;

fn names(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect()
}

fn template(name: &str) -> Value {
    json!({"name": name, "category": "UTILITY", "language": "en_US",
           "components": [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} shipped.",
                           "example": {"body_text": [["Ann", "42"]]}}]})
}

#[tokio::test]
async fn list_create_delete() {
    let e = Emu::start().await;
    let all = e.conn.list_templates(&e.target, None).await.expect("list");
    assert!(names(&all).contains(&"hello_world".to_string()), "{all:?}");
    let hello = e
        .conn
        .list_templates(&e.target, Some("hello_world"))
        .await
        .expect("by name");
    assert_eq!(names(&hello), ["hello_world"]);
    assert_eq!(hello[0]["status"], "APPROVED");
    assert_eq!(hello[0]["language"], "en_US");

    let created = e
        .conn
        .create_template(&e.target, &template("order_update"))
        .await
        .expect("create");
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["category"], "UTILITY");
    assert!(created["id"].is_string(), "{created}");
    let sent = e
        .emu
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("create request");
    assert_eq!(sent.body, template("order_update"), "sent unchanged");

    let err = e
        .conn
        .create_template(&e.target, &template("order_update"))
        .await
        .expect_err("duplicate");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(100)));

    let found = e
        .conn
        .list_templates(&e.target, Some("order_update"))
        .await
        .expect("list");
    assert_eq!(names(&found), ["order_update"]);

    e.conn
        .delete_template(&e.target, "order_update")
        .await
        .expect("delete");
    let delete = e
        .emu
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("delete request");
    assert_eq!(
        delete.path,
        format!("/v23.0/{WABA_ID}/message_templates?name=order_update")
    );
    assert!(e
        .conn
        .list_templates(&e.target, Some("order_update"))
        .await
        .expect("list")
        .is_empty());
    let err = e
        .conn
        .delete_template(&e.target, "order_update")
        .await
        .expect_err("gone");
    assert_eq!((err.class, err.code), (ErrorClass::Permanent, Some(100)));
}

#[tokio::test]
async fn list_follows_pages_within_the_bound() {
    let e = Emu::start().await;
    for i in 0..30 {
        e.conn
            .create_template(&e.target, &template(&format!("t_{i:02}")))
            .await
            .expect("create");
    }
    e.emu.reset();
    let all = e.conn.list_templates(&e.target, None).await.expect("list");
    let mut got = names(&all);
    assert_eq!(got.len(), 31, "{got:?}");
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 31, "no page read twice");
    let gets = e
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 2, "25 per page: two pages");

    let one_page = connector_with(|c| c.max_template_pages = 1);
    let err = one_page
        .list_templates(&e.target, None)
        .await
        .expect_err("too many pages");
    assert_eq!(err.class, ErrorClass::Permanent);
    assert!(err.message.contains("max_template_pages"), "{err:?}");
}

/// Page 1 names a `next` on another origin; the foreign host must never be called.
async fn paged(
    State((foreign, hits)): State<(String, Arc<AtomicUsize>)>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    hits.fetch_add(1, Ordering::SeqCst);
    match q.get("after").map(String::as_str) {
        None => Json(json!({"data":[{"name":"a"}],
            "paging":{"cursors":{"before":"x","after":"p2"},
                      "next": format!("{foreign}/v23.0/{WABA_ID}/message_templates?after=p2")}})),
        Some("p2") => {
            Json(json!({"data":[{"name":"b"}],"paging":{"cursors":{"before":"p2","after":"p3"}}}))
        }
        Some(_) => Json(json!({"data":[]})),
    }
}

#[tokio::test]
async fn foreign_next_links_are_not_followed_with_the_token() {
    let foreign_hits = Arc::new(AtomicUsize::new(0));
    let counter = foreign_hits.clone();
    let foreign = serve(Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Json(json!({"data":[{"name":"stolen"}]}))
        }
    }))
    .await;
    let hits = Arc::new(AtomicUsize::new(0));
    let base = serve(
        Router::new()
            .route(&format!("/v23.0/{WABA_ID}/message_templates"), get(paged))
            .with_state((foreign, hits.clone())),
    )
    .await;
    let all = connector()
        .list_templates(&target(&base), None)
        .await
        .expect("list");
    assert_eq!(names(&all), ["a", "b"]);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(foreign_hits.load(Ordering::SeqCst), 0);
}
