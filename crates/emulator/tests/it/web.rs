//! The fake WhatsApp Web phone: pairing (QR codes, pair codes), resuming, inbound messages
//! and media.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;
use switchboard_emulator::{Emulator, EmulatorConfig};
use switchboard_web_driver::{
    InboundContent, MediaKind, MemoryKeys, SessionEvent, WebDriver, WebErrorKind, WebKeys,
};

use crate::web_harness::{bounded, open, web_config, WebHarness};

const PHONE: &str = "2349040613521";

#[tokio::test]
async fn qr_codes_rotate_then_exhaust() {
    bounded(async {
        let mut config = web_config();
        config.web_qr_first_ms = 60;
        config.web_qr_next_ms = 20;
        let h = WebHarness::start(config).await;
        assert_eq!(h.driver.name(), "emulator");
        let keys = Arc::new(MemoryKeys::new());
        let mut s = h.open("ch_qr3", &keys, 3).await;
        let mut codes = Vec::new();
        for expected_ms in [60, 20, 20] {
            match s.next().await {
                SessionEvent::Qr { code, valid_ms } => {
                    assert_eq!(valid_ms, expected_ms);
                    codes.push(code);
                }
                other => panic!("expected a QR code, got {other:?}"),
            }
        }
        assert!(matches!(s.next().await, SessionEvent::QrExhausted));
        for code in &codes {
            let parts: Vec<&str> = code.split(',').collect();
            assert_eq!(parts.len(), 4, "{code}");
            assert!(parts[0].starts_with("2@"), "{code}");
            for part in &parts[1..] {
                assert_eq!(STANDARD.decode(part).expect("base64").len(), 32);
            }
        }
        // Fresh refs, the same device keys.
        assert_ne!(codes[0], codes[1]);
        assert_eq!(
            codes[0].split_once(',').map(|p| p.1),
            codes[2].split_once(',').map(|p| p.1)
        );
        let (_, state) = h.state("ch_qr3").await;
        assert_eq!(state["state"], "qr_exhausted");
        assert_eq!(state["qr_number"], 3);
        let (status, answer) = h
            .control("ch_qr3", "scan", json!({"phone_number": PHONE}))
            .await;
        assert_eq!(status, 409);
        assert_eq!(answer["error"]["code"], "no_qr_code");
        let err = s
            .session
            .request_pair_code(PHONE)
            .await
            .expect_err("not pairing");
        assert_eq!(err.kind, WebErrorKind::Rejected);
        assert!(keys.is_empty().await.expect("keys"));

        // WhatsApp's six refs at most, whatever the caller allows.
        let mut s = h.open("ch_qr6", &Arc::new(MemoryKeys::new()), 50).await;
        let mut shown = 0;
        loop {
            match s.next().await {
                SessionEvent::Qr { .. } => shown += 1,
                SessionEvent::QrExhausted => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(shown, 6);
    })
    .await;
}

#[tokio::test]
async fn a_scan_pairs_writes_the_keys_and_a_restart_resumes_without_qr() {
    bounded(async {
        let h = WebHarness::start(web_config()).await;
        let keys = Arc::new(MemoryKeys::new());
        let mut s = h.open("ch_scan", &keys, 6).await;
        assert!(matches!(s.next().await, SessionEvent::Qr { .. }));
        let (status, _) = h
            .control("ch_scan", "scan", json!({"phone_number": "12"}))
            .await;
        assert_eq!(status, 400);
        let (status, answer) = h
            .control(
                "ch_scan",
                "scan",
                json!({"phone_number": format!("+{PHONE}"), "push_name": "Ada"}),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        let jid = match s.next().await {
            SessionEvent::Paired {
                jid,
                lid,
                push_name,
                platform,
            } => {
                assert_eq!(jid.user(), PHONE);
                assert!(jid.device().is_some());
                assert!(lid.expect("a LID").is_lid());
                assert_eq!(push_name.as_deref(), Some("Ada"));
                assert_eq!(platform.as_deref(), Some("android"));
                jid
            }
            other => panic!("expected Paired, got {other:?}"),
        };
        assert_eq!(answer["jid"], jid.to_string());
        match s.next().await {
            SessionEvent::Connected { jid: j, push_name } => {
                assert_eq!(j, jid);
                assert_eq!(push_name.as_deref(), Some("Ada"));
            }
            other => panic!("expected Connected, got {other:?}"),
        }
        let device = keys
            .get("device", "")
            .await
            .expect("get")
            .expect("a device record");
        let text = String::from_utf8(device).expect("utf8");
        assert!(text.contains(PHONE), "{text}");
        assert!(!keys.list("identity", "").await.expect("list").is_empty());
        assert!(!keys.list("session", "").await.expect("list").is_empty());
        let (_, state) = h.state("ch_scan").await;
        assert_eq!(state["state"], "connected");
        // Control routes are not recorded as upstream requests.
        assert!(h.emulator.requests().is_empty());
        assert_eq!(state["jid"], jid.to_string());
        // A second scan has no QR code to scan.
        let (status, _) = h
            .control("ch_scan", "scan", json!({"phone_number": PHONE}))
            .await;
        assert_eq!(status, 409);

        // Stop: nothing more. Restart on the keys: connected at once, no QR code.
        s.session.stop().await;
        s.quiet_for(80).await;
        let (_, state) = h.state("ch_scan").await;
        assert_eq!(state["state"], "stopped");
        let mut again = h.open("ch_scan", &keys, 6).await;
        match again.next().await {
            SessionEvent::Connected { jid: j, .. } => assert_eq!(j, jid),
            other => panic!("expected Connected without a QR code, got {other:?}"),
        }
        again.quiet_for(80).await;
        let (_, state) = h.state("ch_scan").await;
        assert_eq!(state["sessions_started"], 2);

        // Unknown channels and actions.
        let (status, answer) = h
            .control("ch_nobody", "scan", json!({"phone_number": PHONE}))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (404, Some("no_session"))
        );
        let (status, _) = h.state("ch_nobody").await;
        assert_eq!(status, 404);
        let (status, answer) = h.control("ch_scan", "dance", json!({})).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (404, Some("unknown_action"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_pair_code_pairs_and_a_wrong_one_is_refused_without_refresh() {
    bounded(async {
        let h = WebHarness::start(web_config()).await;
        let keys = Arc::new(MemoryKeys::new());
        let mut s = h.open("ch_code", &keys, 6).await;
        assert!(matches!(s.next().await, SessionEvent::Qr { .. }));
        let (status, answer) = h
            .control("ch_code", "enter-code", json!({"code": "AAAAAAAA"}))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (409, Some("no_pair_code"))
        );
        let bad = s
            .session
            .request_pair_code("abc")
            .await
            .expect_err("bad number");
        assert_eq!(bad.kind, WebErrorKind::Rejected);
        let code = s
            .session
            .request_pair_code("15551234567")
            .await
            .expect("pair code");
        assert_eq!(code.len(), 8);
        assert!(
            code.chars()
                .all(|c| "123456789ABCDEFGHJKLMNPQRSTVWXYZ".contains(c)),
            "{code}"
        );
        match s.next().await {
            SessionEvent::PairCode { code: c, valid_ms } => {
                assert_eq!(c, code);
                assert_eq!(valid_ms, 5_000);
            }
            other => panic!("expected PairCode, got {other:?}"),
        }
        let wrong = if code.starts_with('A') {
            "BBBBBBBB"
        } else {
            "AAAAAAAA"
        };
        let (status, answer) = h
            .control("ch_code", "enter-code", json!({"code": wrong}))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some("wrong_pair_code"))
        );
        s.quiet_for(80).await;
        // Typed as the phone shows it: lower case, with a dash.
        let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
        let (status, answer) = h
            .control(
                "ch_code",
                "enter-code",
                json!({"code": typed, "push_name": "Bo"}),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        match s.next().await {
            SessionEvent::Paired { jid, .. } => assert_eq!(jid.user(), "15551234567"),
            other => panic!("expected Paired, got {other:?}"),
        }
        assert!(matches!(s.next().await, SessionEvent::Connected { .. }));
        assert!(!keys.is_empty().await.expect("keys"));
        let err = s
            .session
            .request_pair_code("15551234567")
            .await
            .expect_err("paired");
        assert_eq!(err.kind, WebErrorKind::Rejected);
    })
    .await;
}

#[tokio::test]
async fn an_outstanding_pair_code_holds_off_qr_exhaustion() {
    bounded(async {
        let mut config = web_config();
        config.web_qr_first_ms = 500;
        config.web_pair_code_ms = 1_500;
        let h = WebHarness::start(config).await;
        let mut s = h.open("ch_hold", &Arc::new(MemoryKeys::new()), 1).await;
        assert!(matches!(s.next().await, SessionEvent::Qr { .. }));
        let code = s.session.request_pair_code(PHONE).await.expect("pair code");
        assert!(matches!(s.next().await, SessionEvent::PairCode { .. }));
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        // The QR code is gone, the pair code still works.
        let (status, _) = h
            .control("ch_hold", "scan", json!({"phone_number": PHONE}))
            .await;
        assert_eq!(status, 409);
        let (status, answer) = h
            .control("ch_hold", "enter-code", json!({"code": code}))
            .await;
        assert_eq!(status, 200, "{answer}");
        assert!(matches!(s.next().await, SessionEvent::Paired { .. }));
        assert!(matches!(s.next().await, SessionEvent::Connected { .. }));
        // No `QrExhausted` when the pair code runs out: the session is paired.
        s.quiet_for(1_000).await;
    })
    .await;
}

#[tokio::test]
async fn pairing_material_follows_the_seed() {
    bounded(async {
        let first = |seed: u64| async move {
            let emulator = Emulator::new(EmulatorConfig {
                seed,
                ..web_config()
            });
            let mut s = open(
                &emulator.web_driver(),
                "ch_seed",
                &Arc::new(MemoryKeys::new()),
                6,
            )
            .await;
            let code = match s.next().await {
                SessionEvent::Qr { code, .. } => code,
                other => panic!("expected a QR code, got {other:?}"),
            };
            let pair = s.session.request_pair_code(PHONE).await.expect("pair code");
            s.session.stop().await;
            (code, pair)
        };
        assert_eq!(first(7).await, first(7).await);
        assert_ne!(first(7).await, first(8).await);
    })
    .await;
}

#[tokio::test]
async fn an_inbound_message_is_delivered_once_when_stored() {
    bounded(async {
        let h = Arc::new(WebHarness::start(web_config()).await);
        let (mut s, keys, _) = h.paired("ch_in", PHONE).await;
        let post = {
            let h = h.clone();
            tokio::spawn(async move {
                h.control(
                    "ch_in",
                    "inbound",
                    json!({"from": "15557654321", "body": "hello", "push_name": "Cy", "quoted_id": "3EB0AAAA"}),
                )
                .await
            })
        };
        let batch = match s.next().await {
            SessionEvent::Inbound(batch) => batch,
            other => panic!("expected Inbound, got {other:?}"),
        };
        assert_eq!(batch.messages.len(), 1);
        let m = &batch.messages[0];
        assert!(m.id.starts_with("3EB0") && m.id.len() == 20, "{}", m.id);
        assert!(m.id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_eq!(m.chat.to_string(), "15557654321@s.whatsapp.net");
        assert_eq!(m.sender, m.chat);
        assert_eq!(m.push_name.as_deref(), Some("Cy"));
        assert_eq!(m.quoted_id.as_deref(), Some("3EB0AAAA"));
        assert_eq!(m.content, InboundContent::Text { body: "hello".into() });
        let id = m.id.clone();
        batch.stored.send(Ok(())).expect("answer");
        let (status, answer) = post.await.expect("post");
        assert_eq!((status, answer["stored"].as_bool()), (200, Some(true)), "{answer}");
        assert_eq!(answer["id"], id);
        let (_, state) = h.state("ch_in").await;
        assert_eq!(state["pending_inbound"], 0);
        // Not delivered again at the next connect.
        s.session.stop().await;
        let mut again = h.open("ch_in", &keys, 6).await;
        assert!(matches!(again.next().await, SessionEvent::Connected { .. }));
        again.quiet_for(100).await;

        // Bad bodies.
        for bad in [
            json!({"body": "no sender"}),
            json!({"from": "120363025246125888@g.us", "body": "a group is no sender"}),
            json!({"from": PHONE, "type": "text"}),
            json!({"from": PHONE, "type": "location", "latitude": 95.0, "longitude": 0.0}),
            json!({"from": PHONE, "body": "x", "colour": "red"}),
        ] {
            let (status, answer) = h.control("ch_in", "inbound", bad.clone()).await;
            assert_eq!(status, 400, "{bad} → {answer}");
            assert_eq!(answer["error"]["code"], "invalid_message");
        }
    })
    .await;
}

#[tokio::test]
async fn an_inbound_message_not_stored_is_redelivered_at_the_next_connect() {
    bounded(async {
        let h = Arc::new(WebHarness::start(web_config()).await);
        let (mut s, _, _) = h.paired("ch_redo", PHONE).await;
        let post = {
            let h = h.clone();
            tokio::spawn(async move {
                h.control(
                    "ch_redo",
                    "inbound",
                    json!({
                        "from": "99887766@lid",
                        "sender_phone": "15557654321",
                        "group": "120363025246125888@g.us",
                        "id": "3EB0000000000000ABCD",
                        "type": "reaction",
                        "message_id": "SB-1",
                        "emoji": "👍"
                    }),
                )
                .await
            })
        };
        let batch = match s.next().await {
            SessionEvent::Inbound(batch) => batch,
            other => panic!("expected Inbound, got {other:?}"),
        };
        let m = &batch.messages[0];
        assert!(m.chat.is_group());
        assert!(m.sender.is_lid());
        assert_eq!(
            m.sender_phone.as_ref().map(|j| j.user()),
            Some("15557654321")
        );
        assert_eq!(
            m.content,
            InboundContent::Reaction {
                message_id: "SB-1".into(),
                emoji: "👍".into()
            }
        );
        batch
            .stored
            .send(Err("database down".into()))
            .expect("answer");
        let (status, answer) = post.await.expect("post");
        assert_eq!(status, 503, "{answer}");
        assert_eq!(answer["error"]["code"], "not_stored");
        let (_, state) = h.state("ch_redo").await;
        assert_eq!(state["pending_inbound"], 1);

        // The next connect delivers it again, after Connected.
        let (status, _) = h
            .control("ch_redo", "disconnect", json!({"clean": false}))
            .await;
        assert_eq!(status, 200);
        assert!(matches!(
            s.next().await,
            SessionEvent::Disconnected { clean: false, .. }
        ));
        assert!(matches!(s.next().await, SessionEvent::Connected { .. }));
        let batch = match s.next().await {
            SessionEvent::Inbound(batch) => batch,
            other => panic!("expected the redelivery, got {other:?}"),
        };
        assert_eq!(batch.messages.len(), 1);
        assert_eq!(batch.messages[0].id, "3EB0000000000000ABCD");
        batch.stored.send(Ok(())).expect("answer");
        for _ in 0..200 {
            if h.state("ch_redo").await.1["pending_inbound"] == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(h.state("ch_redo").await.1["pending_inbound"], 0);

        // Written while the session is stopped: queued, delivered at the next start.
        s.session.stop().await;
        let (status, answer) = h
            .control(
                "ch_redo",
                "inbound",
                json!({"from": "15557654321", "body": "later"}),
            )
            .await;
        assert_eq!(
            (status, answer["queued"].as_bool()),
            (202, Some(true)),
            "{answer}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_unanswered_inbound_batch_times_out_and_stays_pending() {
    bounded(async {
        let mut config = web_config();
        config.web_ack_timeout_ms = 100;
        let h = Arc::new(WebHarness::start(config).await);
        let (mut s, _, _) = h.paired("ch_slow", PHONE).await;
        let post = {
            let h = h.clone();
            tokio::spawn(async move {
                h.control(
                    "ch_slow",
                    "inbound",
                    json!({"from": "15557654321", "body": "hi"}),
                )
                .await
            })
        };
        let batch = match s.next().await {
            SessionEvent::Inbound(batch) => batch,
            other => panic!("expected Inbound, got {other:?}"),
        };
        let (status, _) = post.await.expect("post");
        assert_eq!(status, 503);
        drop(batch);
        assert_eq!(h.state("ch_slow").await.1["pending_inbound"], 1);
    })
    .await;
}

#[tokio::test]
async fn downloads_return_the_injected_media() {
    bounded(async {
        let h = Arc::new(WebHarness::start(web_config()).await);
        let (mut s, _, _) = h.paired("ch_media", PHONE).await;
        let bytes = b"\xff\xd8\xff\xe0 a small picture".to_vec();
        let media_of = |event: SessionEvent| match event {
            SessionEvent::Inbound(batch) => {
                let m = batch.messages[0].clone();
                batch.stored.send(Ok(())).expect("answer");
                m
            }
            other => panic!("expected Inbound, got {other:?}"),
        };
        let post = {
            let h = h.clone();
            let data = STANDARD.encode(&bytes);
            tokio::spawn(async move {
                h.control(
                    "ch_media",
                    "inbound",
                    json!({"from": "15557654321", "type": "image", "data_base64": data, "caption": "look"}),
                )
                .await
            })
        };
        let m = media_of(s.next().await);
        assert_eq!(post.await.expect("post").0, 200);
        let InboundContent::Media { media, caption, .. } = m.content else {
            panic!("expected media, got {:?}", m.content);
        };
        assert_eq!(caption.as_deref(), Some("look"));
        assert_eq!((media.kind, media.mime_type.as_str()), (MediaKind::Image, "image/jpeg"));
        assert_eq!(media.size, Some(bytes.len() as u64));
        let got = s.session.download(&media).await.expect("download");
        assert_eq!(got.as_ref(), bytes.as_slice());

        // Without data: generated bytes, still downloadable; a voice note.
        let post = {
            let h = h.clone();
            tokio::spawn(async move {
                h.control("ch_media", "inbound", json!({"from": "15557654321", "type": "voice"}))
                    .await
            })
        };
        let m = media_of(s.next().await);
        assert_eq!(post.await.expect("post").0, 200);
        let InboundContent::Media { media, .. } = m.content else {
            panic!("expected media");
        };
        assert!(media.voice);
        assert_eq!(media.mime_type, "audio/ogg; codecs=opus");
        let got = s.session.download(&media).await.expect("download");
        assert_eq!(Some(got.len() as u64), media.size);

        let mut unknown = media.clone();
        unknown.handle = bytes::Bytes::from_static(b"nothing");
        let err = s.session.download(&unknown).await.expect_err("unknown media");
        assert_eq!(err.kind, WebErrorKind::Rejected);
    })
    .await;
}
