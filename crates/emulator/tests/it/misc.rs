//! Records, phone number reads, mounting, `serve`, the control API, unknown paths.

use std::future::IntoFuture;

use axum::Router;
use serde_json::{json, Value};
use switchboard_emulator::{serve, Emulator, EmulatorConfig};

use crate::common::*;

#[tokio::test]
async fn requests_are_recorded_in_order_with_auth_redacted() {
    let h = Harness::start(fast_config()).await;
    h.customer_writes(CUSTOMER, "hi").await;
    let (_, sent) = h.send_text(CUSTOMER, "one").await;
    h.post_with(
        &format!("/v23.0/{PHONE_ID}/messages"),
        &json!({"to": CUSTOMER}),
        Some("bad"),
    )
    .await;
    h.get(&format!("/v23.0/{PHONE_ID}")).await;
    h.http
        .get(h.url("/emulator/requests"))
        .send()
        .await
        .expect("control");

    let recorded = h.emu.requests();
    assert_eq!(recorded.len(), 3, "control calls are not recorded");
    assert_eq!(recorded[0].method, "POST");
    assert_eq!(recorded[0].path, format!("/v23.0/{PHONE_ID}/messages"));
    assert_eq!(recorded[0].status, 200);
    assert_eq!(recorded[0].body["text"]["body"], "one");
    let auth = recorded[0]
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.as_str());
    assert_eq!(auth, Some("[redacted]"));
    assert!(!format!("{recorded:?}").contains(TOKEN));
    assert_eq!(recorded[1].status, 401);
    assert_eq!(recorded[2].method, "GET");
    assert_eq!(recorded[2].body, Value::Null);
    assert!(recorded.windows(2).all(|w| w[0].seq < w[1].seq));

    let over_http: Vec<Value> = h
        .http
        .get(h.url("/emulator/requests"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(over_http.len(), 3);
    let messages: Vec<Value> = h
        .http
        .get(h.url("/emulator/messages"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(messages.len(), 1);

    // Let the background statuses finish before clearing.
    h.receiver.wait_statuses(&wamid_of(&sent), 3).await;
    for _ in 0..3000 {
        if h.emu.webhook_deliveries().len() >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let resp = h
        .http
        .post(h.url("/emulator/reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(h.emu.requests().is_empty());
    assert!(h.emu.sent_messages().is_empty());
    assert!(h.emu.webhook_deliveries().is_empty());
}

#[tokio::test]
async fn phone_number_and_business_profile() {
    let h = Harness::start(fast_config()).await;
    let (status, body) = h.get(&format!("/v23.0/{PHONE_ID}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"verified_name":"Switchboard Test","display_phone_number":DISPLAY,"id":PHONE_ID,
               "quality_rating":"GREEN","code_verification_status":"VERIFIED",
               "platform_type":"CLOUD_API","throughput":{"level":"STANDARD"}})
    );
    let (status, body) = h
        .get(&format!("/v23.0/{PHONE_ID}/whatsapp_business_profile"))
        .await;
    assert_eq!(status, 200);
    let p = &body["data"][0];
    for key in [
        "about",
        "address",
        "description",
        "email",
        "profile_picture_url",
        "vertical",
    ] {
        assert!(p[key].is_string(), "{key}");
    }
    assert!(p["websites"].is_array());
    assert_eq!(p["messaging_product"], "whatsapp");
    let (status, body) = h.get("/v23.0/123456").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);
    let (status, body) = h.get(&format!("/v23.0/{PHONE_ID}/nonsense")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 2500);
    let (status, body) = h.get("/a/b/c/d/e").await;
    assert_eq!(status, 400);
    assert!(body["error"]["code"].is_number());
    let resp = h
        .http
        .put(h.url(&format!("/v23.0/{PHONE_ID}/messages")))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn mounts_under_a_prefix() {
    let receiver = Receiver::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/sandbox", listener.local_addr().expect("addr"));
    let emu = Emulator::new(EmulatorConfig {
        public_base_url: Some(base.clone()),
        enforce_window: false,
        ..fast_config()
    });
    emu.add_phone_number(phone(Some(receiver.url.clone())));
    let app = Router::new().nest("/sandbox", emu.router());
    tokio::spawn(axum::serve(listener, app).into_future());
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{base}/v23.0/{PHONE_ID}/messages"))
        .bearer_auth(TOKEN)
        .json(&json!({"messaging_product":"whatsapp","to":CUSTOMER,"type":"text","text":{"body":"hi"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.expect("json");
    receiver.wait_statuses(&wamid_of(&body), 3).await;
    assert_eq!(
        emu.requests()[0].path,
        format!("/sandbox/v23.0/{PHONE_ID}/messages")
    );

    let id = emu
        .inject_inbound(PHONE_ID, json!({"from":CUSTOMER,"type":"image","image":{}}))
        .await
        .expect("inject");
    assert!(id.starts_with("wamid."));
    let media_id = receiver
        .wait_until("image", |hooks| {
            hooks
                .iter()
                .any(|h| h.raw["entry"][0]["changes"][0]["value"]["messages"].is_array())
        })
        .await
        .iter()
        .find_map(|h| {
            h.raw["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"]
                .as_str()
                .map(str::to_string)
        })
        .expect("media id");
    let info: Value = http
        .get(format!("{base}/v23.0/{media_id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let url = info["url"].as_str().expect("url");
    assert!(url.starts_with(&format!("{base}/lookaside/")), "{url}");
    let bytes = http
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("dl")
        .bytes()
        .await
        .expect("bytes");
    assert!(!bytes.is_empty());
}

#[tokio::test]
async fn serve_runs_until_shutdown_and_control_api_adds_numbers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        fast_config(),
        vec![phone(None)],
        listener,
        async move {
            let _ = rx.await;
        },
    ));
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{base}/emulator/phone_numbers"))
        .json(
            &json!({"phone_number_id":"222","waba_id":"333","display_phone_number":"15550001111",
                      "access_token":"t2","app_secret":"s2","verified_name":"Two"}),
        )
        .send()
        .await
        .expect("add");
    assert_eq!(resp.status().as_u16(), 200);
    let resp = http
        .get(format!("{base}/v23.0/222"))
        .bearer_auth("t2")
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    let list: Value = http
        .get(format!("{base}/emulator/phone_numbers"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert!(!list.to_string().contains("t2"), "no secrets listed");
    // The other number's token cannot use this one.
    let resp = http
        .get(format!("{base}/v23.0/{PHONE_ID}"))
        .bearer_auth("t2")
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 400);
    // Two numbers: the control API needs phone_number_id.
    let resp = http
        .post(format!("{base}/emulator/customers/{CUSTOMER}/messages"))
        .json(&json!({"type":"text","text":{"body":"x"}}))
        .send()
        .await
        .expect("inject");
    assert_eq!(resp.status().as_u16(), 400);
    let bad = http
        .post(format!("{base}/emulator/phone_numbers"))
        .json(&json!({"phone_number_id":""}))
        .send()
        .await
        .expect("add");
    assert_eq!(bad.status().as_u16(), 400);
    tx.send(()).expect("shutdown");
    let result = tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("server stops");
    assert!(result.expect("join").is_ok());
}
