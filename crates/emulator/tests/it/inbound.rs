//! Injected customer messages of every kind arrive in Meta's shape.

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use switchboard_core::cloud_webhook::ChangeValue;

use crate::common::*;

/// Injects `message` and returns the `value` of the webhook that carried it.
async fn inject_and_get(h: &Harness, message: Value) -> (String, Value) {
    let id = h
        .emu
        .inject_inbound(PHONE_ID, message)
        .await
        .expect("inject");
    let want = id.clone();
    let hooks = h
        .receiver
        .wait_until("inbound webhook", move |hooks| {
            hooks.iter().any(|h| {
                h.raw["entry"][0]["changes"][0]["value"]["messages"][0]["id"] == want.as_str()
            })
        })
        .await;
    let hook = hooks
        .into_iter()
        .find(|h| h.raw["entry"][0]["changes"][0]["value"]["messages"][0]["id"] == id.as_str())
        .expect("hook");
    assert!(hook.signature_ok);
    assert_eq!(hook.raw["object"], "whatsapp_business_account");
    assert_eq!(hook.raw["entry"][0]["id"], WABA_ID);
    assert_eq!(hook.raw["entry"][0]["changes"][0]["field"], "messages");
    let ChangeValue::Messages(v) = &hook.payload.entry[0].changes[0].value else {
        panic!("messages value");
    };
    let m = &v.messages.as_ref().expect("messages")[0];
    assert_eq!(m.id, id);
    assert!(m.content().is_some());
    (id, hook.raw["entry"][0]["changes"][0]["value"].clone())
}

#[tokio::test]
async fn every_kind_arrives_in_metas_shape() {
    let h = Harness::start(fast_config()).await;

    let (_, v) = inject_and_get(
        &h,
        json!({"from":"+1 650 555 1234","type":"text","text":{"body":"Does it come in blue?"},"profile":{"name":"Sheena"}}),
    )
    .await;
    assert_eq!(v["messaging_product"], "whatsapp");
    assert_eq!(
        v["metadata"],
        json!({"display_phone_number": DISPLAY, "phone_number_id": PHONE_ID})
    );
    assert_eq!(
        v["contacts"],
        json!([{"profile":{"name":"Sheena"},"wa_id":CUSTOMER}])
    );
    let m = &v["messages"][0];
    assert_eq!(m["from"], CUSTOMER);
    assert_eq!(m["type"], "text");
    assert_eq!(m["text"]["body"], "Does it come in blue?");
    assert!(m["timestamp"]
        .as_str()
        .expect("string timestamp")
        .parse::<i64>()
        .is_ok());
    assert!(m["id"].as_str().expect("id").starts_with("wamid."));
    assert!(m.get("profile").is_none());

    let (_, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"interactive","context":{"id":"wamid.ctx"},
               "interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Yes"}}}),
    )
    .await;
    assert_eq!(v["messages"][0]["interactive"]["button_reply"]["id"], "yes");
    assert_eq!(
        v["messages"][0]["context"],
        json!({"from": DISPLAY, "id": "wamid.ctx"})
    );

    let (_, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"interactive",
               "interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Row","description":"d"}}}),
    )
    .await;
    assert_eq!(
        v["messages"][0]["interactive"]["list_reply"]["title"],
        "Row"
    );

    let (_, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"button","button":{"payload":"STOP","text":"Stop promotions"},
               "context":{"from":"15550000000","id":"wamid.tpl"}}),
    )
    .await;
    assert_eq!(
        v["messages"][0]["button"],
        json!({"payload":"STOP","text":"Stop promotions"})
    );
    assert_eq!(v["messages"][0]["context"]["from"], "15550000000");

    let (_, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"location",
               "location":{"latitude":"37.44221496582","longitude":-122.16165924072,"name":"Philz","address":"101 Forest Ave"}}),
    )
    .await;
    assert!(v["messages"][0]["location"]["latitude"].is_number());
    assert!(v["messages"][0]["location"]["longitude"].is_number());
    assert_eq!(v["messages"][0]["location"]["name"], "Philz");

    let (_, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"reaction","reaction":{"message_id":"wamid.x","emoji":"👍"}}),
    )
    .await;
    assert_eq!(v["messages"][0]["reaction"]["emoji"], "👍");

    let (_, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"contacts","contacts":[{"name":{"formatted_name":"Lucía Gómez","first_name":"Lucía"},
               "phones":[{"phone":"+1 (983) 555-2319","wa_id":"19835552319","type":"MOBILE"}]}]}),
    )
    .await;
    assert_eq!(
        v["messages"][0]["contacts"][0]["phones"][0]["wa_id"],
        "19835552319"
    );

    let payload = b"\x89PNG fake image bytes".to_vec();
    let (_, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"image","image":{"caption":"Taj Mahal","mime_type":"image/png",
               "data": base64::engine::general_purpose::STANDARD.encode(&payload)}}),
    )
    .await;
    let image = &v["messages"][0]["image"];
    assert_eq!(image["caption"], "Taj Mahal");
    assert_eq!(image["mime_type"], "image/png");
    assert!(image.get("data").is_none());
    assert_eq!(
        image["sha256"],
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&payload))
    );
    let media_id = image["id"].as_str().expect("media id");
    let (status, info) = h.get(&format!("/v23.0/{media_id}")).await;
    assert_eq!(status, 200);
    let bytes = h
        .http
        .get(info["url"].as_str().expect("url"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(bytes.to_vec(), payload);

    for (kind, mime) in [
        ("video", "video/mp4"),
        ("audio", "audio/ogg"),
        ("document", "application/pdf"),
        ("sticker", "image/webp"),
    ] {
        let mut content = json!({});
        if kind == "document" {
            content["filename"] = json!("invoice.pdf");
        }
        if kind == "audio" {
            content["voice"] = json!(true);
        }
        let (_, v) = inject_and_get(&h, json!({"from":CUSTOMER,"type":kind, kind: content})).await;
        let media = &v["messages"][0][kind];
        assert_eq!(media["mime_type"], mime, "{kind}");
        assert!(media["sha256"].is_string());
        let id = media["id"].as_str().expect("id");
        assert_eq!(
            h.get(&format!("/v23.0/{id}")).await.0,
            200,
            "{kind} downloadable"
        );
        if kind == "document" {
            assert_eq!(media["filename"], "invoice.pdf");
        }
    }
}

#[tokio::test]
async fn given_id_and_timestamp_are_kept() {
    let h = Harness::start(fast_config()).await;
    let (id, v) = inject_and_get(
        &h,
        json!({"from":CUSTOMER,"type":"text","text":{"body":"dup"},"id":"wamid.fixed","timestamp":"1700000000"}),
    )
    .await;
    assert_eq!(id, "wamid.fixed");
    assert_eq!(v["messages"][0]["timestamp"], "1700000000");
}

#[tokio::test]
async fn bad_injections_are_errors() {
    let h = Harness::start(fast_config()).await;
    for bad in [
        json!("text"),
        json!({"type":"text","text":{"body":"no from"}}),
        json!({"from":"abc","type":"text","text":{"body":"x"}}),
        json!({"from":CUSTOMER,"text":{"body":"no type"}}),
        json!({"from":CUSTOMER,"type":"text"}),
        json!({"from":CUSTOMER,"type":"text","text":{"body":5}}),
        json!({"from":CUSTOMER,"type":"location","location":{"latitude":"north","longitude":1}}),
        json!({"from":CUSTOMER,"type":"contacts","contacts":[]}),
        json!({"from":CUSTOMER,"type":"image","image":{"data":"!!!"}}),
        json!({"from":CUSTOMER,"type":"image","image":{"id":"404"}}),
        json!({"from":CUSTOMER,"type":"interactive","interactive":{"type":"button_reply"}}),
        json!({"from":CUSTOMER,"type":"text","text":{"body":"x"},"context":{"from":"1"}}),
    ] {
        assert!(
            matches!(
                h.emu.inject_inbound(PHONE_ID, bad.clone()).await,
                Err(switchboard_emulator::EmulatorError::InvalidMessage(_))
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        h.emu
            .inject_inbound(
                "nope",
                json!({"from":CUSTOMER,"type":"text","text":{"body":"x"}})
            )
            .await,
        Err(switchboard_emulator::EmulatorError::UnknownPhoneNumber(_))
    ));
}

#[tokio::test]
async fn control_api_injects_in_both_body_forms() {
    let h = Harness::start(fast_config()).await;
    let path = format!("/emulator/customers/{CUSTOMER}/messages");
    for body in [
        json!({"phone_number_id": PHONE_ID, "message": {"type":"text","text":{"body":"wrapped"}}}),
        json!({"type":"text","text":{"body":"bare"}}),
    ] {
        let resp = h
            .http
            .post(h.url(&path))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 200);
        let v: Value = resp.json().await.expect("json");
        assert!(v["id"].as_str().expect("id").starts_with("wamid."));
    }
    h.receiver
        .wait_until("two inbound", |hooks| hooks.len() >= 2)
        .await;
    let bodies: Vec<Value> = h
        .receiver
        .hooks()
        .iter()
        .map(|h| h.raw["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"].clone())
        .collect();
    assert_eq!(bodies, [json!("wrapped"), json!("bare")]);
    let resp = h
        .http
        .post(h.url(&path))
        .json(&json!({"phone_number_id":"nope","message":{"type":"text","text":{"body":"x"}}}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 404);
    let resp = h
        .http
        .post(h.url(&path))
        .json(&json!({"type":"text"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 400);
}
