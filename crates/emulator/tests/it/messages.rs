//! Sends, statuses, the 24-hour window, undeliverable numbers, auth and validation errors.

use std::time::Duration;

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn send_answers_meta_shape_and_statuses_arrive_signed_in_order() {
    let h = Harness::start(fast_config()).await;
    h.customer_writes(CUSTOMER, "hi").await;
    let (status, body) = h.send_text("+1 650-555-1234", "Hello!").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["contacts"][0]["input"], "+1 650-555-1234");
    assert_eq!(body["contacts"][0]["wa_id"], CUSTOMER);
    let wamid = wamid_of(&body);
    assert!(wamid.starts_with("wamid."));

    let statuses = h.receiver.wait_statuses(&wamid, 3).await;
    let kinds: Vec<&str> = statuses.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(kinds, ["sent", "delivered", "read"]);
    for s in &statuses {
        assert_eq!(s.recipient_id, CUSTOMER);
        assert!(s.timestamp.parse::<i64>().is_ok());
    }
    let sent = &statuses[0];
    let conv = sent.conversation.as_ref().expect("conversation on sent");
    assert!(conv.expiration_timestamp.is_some());
    assert_eq!(
        conv.origin.as_ref().map(|o| o.kind.as_str()),
        Some("service")
    );
    assert_eq!(
        sent.pricing.as_ref().and_then(|p| p.category.as_deref()),
        Some("service")
    );
    for hook in h.receiver.hooks() {
        assert!(hook.signature_ok, "bad signature");
        assert_eq!(hook.content_type, "application/json");
        assert_eq!(hook.raw["object"], "whatsapp_business_account");
        assert_eq!(hook.raw["entry"][0]["id"], WABA_ID);
        let value = &hook.raw["entry"][0]["changes"][0]["value"];
        assert_eq!(hook.raw["entry"][0]["changes"][0]["field"], "messages");
        assert_eq!(value["messaging_product"], "whatsapp");
        assert_eq!(value["metadata"]["phone_number_id"], PHONE_ID);
        assert_eq!(value["metadata"]["display_phone_number"], DISPLAY);
    }
    let sent_messages = h.emu.sent_messages();
    assert_eq!(sent_messages.len(), 1);
    assert_eq!(sent_messages[0].wamid, wamid);
    assert_eq!(sent_messages[0].to, CUSTOMER);
    assert_eq!(sent_messages[0].body["to"], "+1 650-555-1234");
}

#[tokio::test]
async fn undeliverable_number_fails_with_131026() {
    let mut c = fast_config();
    c.undeliverable_numbers = vec!["447700900123".into()];
    let h = Harness::start(c).await;
    for to in ["16505550000", "447700900123"] {
        h.customer_writes(to, "hi").await;
        let (status, body) = h.send_text(to, "Hello").await;
        assert_eq!(status, 200);
        let wamid = wamid_of(&body);
        let statuses = h.receiver.wait_statuses(&wamid, 1).await;
        assert_eq!(statuses[0].status, "failed");
        let errors = statuses[0].errors.as_ref().expect("errors");
        assert_eq!(errors[0].code, 131026);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            h.receiver.statuses_of(&wamid).len(),
            1,
            "nothing after failed"
        );
    }
}

#[tokio::test]
async fn window_closed_fails_with_131047_until_the_customer_writes() {
    let h = Harness::start(fast_config()).await;
    let to = "16505557777";
    let (_, body) = h.send_text(to, "Hello").await;
    let statuses = h.receiver.wait_statuses(&wamid_of(&body), 1).await;
    assert_eq!(statuses[0].status, "failed");
    let err = &statuses[0].errors.as_ref().expect("errors")[0];
    assert_eq!(err.code, 131047);
    assert_eq!(err.title.as_deref(), Some("Re-engagement message"));

    // An old message (25 h ago) does not open it.
    let old = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs()
        - 25 * 3600)
        .to_string();
    h.emu
        .inject_inbound(
            PHONE_ID,
            json!({"from": to, "type": "text", "text": {"body": "old"}, "timestamp": old}),
        )
        .await
        .expect("inject");
    let (_, body) = h.send_text(to, "Hello again").await;
    let statuses = h.receiver.wait_statuses(&wamid_of(&body), 1).await;
    assert_eq!(statuses[0].errors.as_ref().expect("errors")[0].code, 131047);

    h.customer_writes(to, "hi").await;
    let (_, body) = h.send_text(to, "Welcome").await;
    let statuses = h.receiver.wait_statuses(&wamid_of(&body), 3).await;
    assert_eq!(statuses[0].status, "sent");

    // Templates need no window.
    let (status, body) = h
        .post(
            &format!("/v23.0/{PHONE_ID}/messages"),
            &json!({"messaging_product":"whatsapp","to":"16505558888","type":"template",
                    "template":{"name":"hello_world","language":{"code":"en_US"}}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let statuses = h.receiver.wait_statuses(&wamid_of(&body), 3).await;
    assert_eq!(statuses[0].status, "sent");
    assert_eq!(
        statuses[0]
            .pricing
            .as_ref()
            .and_then(|p| p.category.as_deref()),
        Some("utility")
    );
}

#[tokio::test]
async fn window_check_can_be_disabled() {
    let mut c = fast_config();
    c.enforce_window = false;
    let h = Harness::start(c).await;
    let (_, body) = h.send_text("16505559999", "Hello").await;
    let statuses = h.receiver.wait_statuses(&wamid_of(&body), 3).await;
    assert_eq!(statuses[0].status, "sent");
}

#[tokio::test]
async fn reaction_gets_only_sent() {
    let h = Harness::start(fast_config()).await;
    let inbound = h.customer_writes(CUSTOMER, "hi").await;
    let (status, body) = h
        .post(
            &format!("/v23.0/{PHONE_ID}/messages"),
            &json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"reaction",
                    "reaction":{"message_id":inbound,"emoji":"👍"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let wamid = wamid_of(&body);
    h.receiver.wait_statuses(&wamid, 1).await;
    tokio::time::sleep(Duration::from_millis(40)).await;
    let statuses = h.receiver.statuses_of(&wamid);
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].status, "sent");
}

#[tokio::test]
async fn auth_errors() {
    let h = Harness::start(fast_config()).await;
    let msg =
        json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"text","text":{"body":"x"}});
    let path = format!("/v23.0/{PHONE_ID}/messages");
    for token in [None, Some("wrong")] {
        let (status, body) = h.post_with(&path, &msg, token).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], 190);
        assert!(body["error"]["fbtrace_id"].is_string());
    }
    let (status, body) = h.post("/v23.0/999/messages", &msg).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);
    assert_eq!(body["error"]["type"], "GraphMethodException");
    let (status, body) = h.post(&format!("/latest/{PHONE_ID}/messages"), &msg).await;
    assert_eq!(status, 400);
    assert!(body["error"]["code"].is_number());
    assert!(h.emu.sent_messages().is_empty());
}

#[tokio::test]
async fn validation_errors_use_metas_envelope() {
    let h = Harness::start(fast_config()).await;
    let path = format!("/v23.0/{PHONE_ID}/messages");
    for bad in [
        json!({"messaging_product":"whatsapp","type":"text","text":{"body":"no recipient"}}),
        json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"text","text":{"body":"x".repeat(5000)}}),
        json!("not an object"),
    ] {
        let (status, body) = h.post(&path, &bad).await;
        assert_eq!(status, 400, "{bad}");
        assert!(body["error"]["code"].as_u64().is_some(), "{body}");
        assert_eq!(body["error"]["error_data"]["messaging_product"], "whatsapp");
    }
    let resp = h
        .http
        .post(h.url(&path))
        .bearer_auth(TOKEN)
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], 100);
}

#[tokio::test]
async fn template_errors_132001_and_132000() {
    let h = Harness::start(fast_config()).await;
    let path = format!("/v23.0/{PHONE_ID}/messages");
    let (status, body) = h
        .post(
            &path,
            &json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"template",
            "template":{"name":"no_such_template","language":{"code":"en_US"}}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 132001);
    let (status, body) = h
        .post(
            &path,
            &json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"template",
            "template":{"name":"hello_world","language":{"code":"pt_BR"}}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 132001);
    let (status, body) = h
        .post(
            &path,
            &json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"template",
            "template":{"name":"hello_world","language":{"code":"en_US"},
              "components":[{"type":"body","parameters":[{"type":"text","text":"extra"}]}]}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], 132000);
}

#[tokio::test]
async fn mark_as_read_needs_a_known_inbound_id() {
    let h = Harness::start(fast_config()).await;
    let inbound = h.customer_writes(CUSTOMER, "hi").await;
    let path = format!("/v23.0/{PHONE_ID}/messages");
    let (status, body) = h
        .post(
            &path,
            &json!({"messaging_product":"whatsapp","status":"read","message_id":inbound}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"success": true}));
    let (status, body) = h
        .post(
            &path,
            &json!({"messaging_product":"whatsapp","status":"read","message_id":inbound,
                             "typing_indicator":{"type":"text"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = h
        .post(
            &path,
            &json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.unknown"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);
}

#[tokio::test]
async fn scripted_reply_follows_the_read() {
    let mut c = fast_config();
    c.scripted_replies = vec![switchboard_emulator::ScriptedReply {
        when_text_contains: "price".into(),
        reply: json!({"type":"text","text":{"body":"Too expensive!"},"profile":{"name":"Bob"}}),
    }];
    let h = Harness::start(c).await;
    h.customer_writes(CUSTOMER, "hi").await;
    let (_, body) = h.send_text(CUSTOMER, "Our PRICE is 10").await;
    let wamid = wamid_of(&body);
    let hooks = h
        .receiver
        .wait_until("scripted reply", |hooks| {
            hooks.iter().any(|h| {
                h.raw["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
                    == "Too expensive!"
            })
        })
        .await;
    // The reply comes after the read of the message that triggered it.
    let read_at = hooks
        .iter()
        .position(|h| {
            h.raw["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] == wamid.as_str()
                && h.raw["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == "read"
        })
        .expect("read");
    let reply_at = hooks
        .iter()
        .position(|h| {
            h.raw["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
                == "Too expensive!"
        })
        .expect("reply");
    assert!(reply_at > read_at);
    let value = &hooks[reply_at].raw["entry"][0]["changes"][0]["value"];
    assert_eq!(value["contacts"][0]["profile"]["name"], "Bob");
    assert_eq!(value["messages"][0]["from"], CUSTOMER);
}

#[tokio::test]
async fn statuses_batch_and_keep_per_message_order() {
    let mut c = fast_config();
    c.max_statuses_per_webhook = 10;
    c.webhook_lanes = 1;
    c.enforce_window = false;
    let h = Harness::start(c).await;
    h.receiver.delay(30);
    let mut wamids = Vec::new();
    for i in 0..5 {
        let (_, body) = h.send_text(&format!("1650555200{i}"), "batch").await;
        wamids.push(wamid_of(&body));
    }
    for w in &wamids {
        let kinds: Vec<String> = h
            .receiver
            .wait_statuses(w, 3)
            .await
            .into_iter()
            .map(|s| s.status)
            .collect();
        assert_eq!(kinds, ["sent", "delivered", "read"]);
    }
    let hooks = h.receiver.hooks();
    assert!(hooks.len() < 15, "{} POSTs for 15 statuses", hooks.len());
    assert!(hooks.iter().all(|h| h.signature_ok));
}

#[tokio::test]
async fn failed_webhooks_are_retried_in_order() {
    let h = Harness::start(fast_config()).await;
    h.receiver.fail_first(2);
    let inbound = h.customer_writes(CUSTOMER, "first").await;
    let (_, body) = h.send_text(CUSTOMER, "Hello").await;
    let wamid = wamid_of(&body);
    let statuses = h.receiver.wait_statuses(&wamid, 3).await;
    assert_eq!(statuses[0].status, "sent");
    let hooks = h.receiver.hooks();
    assert_eq!(
        hooks[0].raw["entry"][0]["changes"][0]["value"]["messages"][0]["id"],
        inbound.as_str(),
        "the inbound message, retried, still comes first"
    );
    let deliveries = h.emu.webhook_deliveries();
    assert!(!deliveries[0].ok && !deliveries[1].ok && deliveries[2].ok);
    assert_eq!(deliveries[2].attempt, 3);
}
