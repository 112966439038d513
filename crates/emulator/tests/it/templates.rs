//! Template management and the simulated review.

use serde_json::json;
use switchboard_core::cloud_webhook::ChangeValue;

use crate::common::*;

fn template_events(h: &Harness) -> Vec<(String, String, String, Option<String>)> {
    let mut out = Vec::new();
    for hook in h.receiver.hooks() {
        for e in &hook.payload.entry {
            for c in &e.changes {
                if let ChangeValue::TemplateStatus(t) = &c.value {
                    assert_eq!(c.field, "message_template_status_update");
                    assert_eq!(e.id, WABA_ID);
                    out.push((
                        t.message_template_name.clone(),
                        t.event.clone(),
                        t.message_template_id.clone(),
                        t.reason.clone(),
                    ));
                }
            }
        }
    }
    out
}

fn templates_path() -> String {
    format!("/v23.0/{WABA_ID}/message_templates")
}

#[tokio::test]
async fn hello_world_is_there() {
    let h = Harness::start(fast_config()).await;
    let (status, body) = h
        .get(&format!("{}?name=hello_world", templates_path()))
        .await;
    assert_eq!(status, 200, "{body}");
    let t = &body["data"][0];
    assert_eq!(t["name"], "hello_world");
    assert_eq!(t["language"], "en_US");
    assert_eq!(t["status"], "APPROVED");
    assert_eq!(t["category"], "UTILITY");
    assert!(body["paging"]["cursors"]["before"].is_string());
    assert!(body["paging"]["cursors"]["after"].is_string());
    let id = t["id"].as_str().expect("id");
    let (status, one) = h.get(&format!("/v23.0/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "hello_world");
}

#[tokio::test]
async fn create_pending_then_approved_with_webhook_then_send_and_delete() {
    let h = Harness::start(fast_config()).await;
    let (status, body) = h
        .post(
            &templates_path(),
            &json!({"name":"order_update","category":"UTILITY","language":"en_US",
                    "components":[{"type":"BODY","text":"Hi {{1}}, order {{2}} shipped.",
                                   "example":{"body_text":[["Ana","42"]]}}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "PENDING");
    assert_eq!(body["category"], "UTILITY");
    let id = body["id"].as_str().expect("id").to_string();
    let (_, list) = h
        .get(&format!("{}?name=order_update", templates_path()))
        .await;
    assert_eq!(list["data"][0]["status"], "PENDING");

    // Not sendable while pending.
    let send = json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"template",
        "template":{"name":"order_update","language":{"code":"en_US"},
          "components":[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"42"}]}]}});
    let path = format!("/v23.0/{PHONE_ID}/messages");
    assert_eq!(h.post(&path, &send).await.1["error"]["code"], 132001);

    h.receiver
        .wait_until("template approval", |_| !template_events(&h).is_empty())
        .await;
    let events = template_events(&h);
    assert_eq!(
        events,
        vec![(
            "order_update".into(),
            "APPROVED".into(),
            id.clone(),
            Some("NONE".into())
        )]
    );
    let hook = &h.receiver.hooks()[0];
    assert!(hook.signature_ok);
    assert!(hook.raw["entry"][0]["changes"][0]["value"]["message_template_id"].is_number());
    let (_, list) = h
        .get(&format!("{}?name=order_update", templates_path()))
        .await;
    assert_eq!(list["data"][0]["status"], "APPROVED");

    let (status, body) = h.post(&path, &send).await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = h
        .post(
            &templates_path(),
            &json!({"name":"order_update","category":"UTILITY","language":"en_US","components":[]}),
        )
        .await;
    assert_eq!(status, 400, "duplicate: {body}");

    let (status, body) = h
        .delete(&format!("{}?name=order_update", templates_path()))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"success": true}));
    let (_, list) = h
        .get(&format!("{}?name=order_update", templates_path()))
        .await;
    assert_eq!(list["data"], json!([]));
    let (status, _) = h
        .delete(&format!("{}?name=order_update", templates_path()))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn rejections() {
    let mut c = fast_config();
    c.banned_template_words = vec!["casino".into()];
    let h = Harness::start(c).await;
    for (name, body) in [
        ("please_reject_me", "Hello"),
        ("promo", "Visit our CASINO today"),
    ] {
        let (status, resp) = h
            .post(
                &templates_path(),
                &json!({"name":name,"category":"MARKETING","language":"en_US",
                        "components":[{"type":"BODY","text":body}]}),
            )
            .await;
        assert_eq!(status, 200, "{resp}");
    }
    h.receiver
        .wait_until("two reviews", |_| template_events(&h).len() >= 2)
        .await;
    let mut events = template_events(&h);
    events.sort();
    assert_eq!(events[0].0, "please_reject_me");
    assert_eq!(events[0].1, "REJECTED");
    assert_eq!(events[0].3.as_deref(), Some("INVALID_FORMAT"));
    assert_eq!(events[1].0, "promo");
    assert_eq!(events[1].1, "REJECTED");
    assert_eq!(events[1].3.as_deref(), Some("ABUSIVE_CONTENT"));
    let (_, list) = h.get(&templates_path()).await;
    let statuses: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|t| t["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["APPROVED", "REJECTED", "REJECTED"]);
}

#[tokio::test]
async fn bad_template_requests() {
    let h = Harness::start(fast_config()).await;
    for bad in [
        json!({"name":"Bad Name","category":"UTILITY","language":"en_US","components":[]}),
        json!({"name":"ok","category":"NOPE","language":"en_US","components":[]}),
        json!({"name":"ok","category":"UTILITY","components":[]}),
    ] {
        let (status, body) = h.post(&templates_path(), &bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], 100);
    }
    let (status, _) = h.get("/v23.0/999999/message_templates").await;
    assert_eq!(status, 400, "a WABA the token cannot see");
    let (status, _) = h.delete(&templates_path()).await;
    assert_eq!(status, 400, "delete without name");
}

#[tokio::test]
async fn paging() {
    let h = Harness::start(fast_config()).await;
    for i in 0..3 {
        h.post(
            &templates_path(),
            &json!({"name":format!("t{i}"),"category":"UTILITY","language":"en_US","components":[]}),
        )
        .await;
    }
    let (_, page1) = h.get(&format!("{}?limit=2", templates_path())).await;
    assert_eq!(page1["data"].as_array().map(Vec::len), Some(2));
    let after = page1["paging"]["cursors"]["after"].as_str().expect("after");
    let (_, page2) = h
        .get(&format!("{}?limit=2&after={after}", templates_path()))
        .await;
    let names: Vec<&str> = page2["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|t| t["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["t1", "t2"]);
}
