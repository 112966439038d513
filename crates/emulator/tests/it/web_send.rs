//! The fake WhatsApp Web phone: sends, receipts, read marks, and the server's faults.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::json;
use switchboard_web_driver::{
    Jid, MediaKind, MemoryKeys, OutboundContent, OutboundMedia, OutboundMessage, Quoted,
    ReceiptKind, SessionEvent, WebErrorKind,
};

use crate::web_harness::{bounded, open_with_capacity, web_config, Session, WebHarness};

const PHONE: &str = "2349040613521";
const CUSTOMER: &str = "15557654321";

fn text(body: &str) -> OutboundMessage {
    OutboundMessage {
        content: OutboundContent::Text {
            body: body.into(),
            preview_url: false,
        },
        quoted: None,
    }
}

fn voice_note() -> OutboundMessage {
    OutboundMessage {
        content: OutboundContent::Media(OutboundMedia {
            kind: MediaKind::Audio,
            data: Bytes::from_static(b"OggS voice"),
            mime_type: "audio/ogg; codecs=opus".into(),
            caption: None,
            filename: None,
            voice: true,
        }),
        quoted: Some(Quoted {
            message_id: "3EB0QUOTED".into(),
            sender: None,
            text: None,
        }),
    }
}

fn to(text: &str) -> Jid {
    Jid::parse(text).expect("jid")
}

/// The receipts of the next `n` events: (message id, kind).
async fn receipts(s: &mut Session, n: usize) -> Vec<(String, ReceiptKind)> {
    let mut out = Vec::new();
    for _ in 0..n {
        match s.next().await {
            SessionEvent::Receipt {
                ids, kind, chat, ..
            } => {
                assert!(!chat.is_group() || chat.user().starts_with("1203"));
                out.push((ids.join(","), kind));
            }
            other => panic!("expected a receipt, got {other:?}"),
        }
    }
    out
}

#[tokio::test]
async fn sends_are_recorded_once_and_answered_with_receipts_in_order() {
    bounded(async {
        let mut config = web_config();
        config.web_groups = vec!["120363025246125888".into()];
        let h = WebHarness::start(config).await;
        let (mut s, _, _) = h.paired("ch_send", PHONE).await;
        let sent = s
            .session
            .send(&to(CUSTOMER), text("hello"), "SB0001")
            .await
            .expect("send");
        assert_eq!(sent.message_id, "SB0001");
        assert_eq!(
            receipts(&mut s, 2).await,
            vec![
                ("SB0001".into(), ReceiptKind::Delivered),
                ("SB0001".into(), ReceiptKind::Read)
            ]
        );
        // The same id again: de-duplicated, answered alike, no new receipts.
        let again = s
            .session
            .send(&to(CUSTOMER), text("hello"), "SB0001")
            .await
            .expect("resend");
        assert_eq!(again, sent);
        s.quiet_for(60).await;

        s.session
            .send(
                &to(&format!("{CUSTOMER}:3@s.whatsapp.net")),
                voice_note(),
                "SB0002",
            )
            .await
            .expect("voice");
        assert_eq!(
            receipts(&mut s, 3).await,
            vec![
                ("SB0002".into(), ReceiptKind::Delivered),
                ("SB0002".into(), ReceiptKind::Read),
                ("SB0002".into(), ReceiptKind::Played)
            ]
        );
        let reaction = OutboundMessage {
            content: OutboundContent::Reaction {
                message_id: "3EB0FROMTHEM".into(),
                from_me: false,
                emoji: "❤️".into(),
            },
            quoted: None,
        };
        s.session
            .send(&to(CUSTOMER), reaction, "SB0003")
            .await
            .expect("reaction");
        s.quiet_for(60).await;

        // Group sends: a group the phone is in, and one it is not in.
        s.session
            .send(&to("120363025246125888@g.us"), text("hi all"), "SB0004")
            .await
            .expect("group");
        match s.next().await {
            SessionEvent::Receipt {
                chat, from, kind, ..
            } => {
                assert!(chat.is_group());
                assert!(from.is_some(), "a group receipt names the member");
                assert_eq!(kind, ReceiptKind::Delivered);
            }
            other => panic!("expected a receipt, got {other:?}"),
        }
        assert!(matches!(
            s.next().await,
            SessionEvent::Receipt {
                kind: ReceiptKind::Read,
                ..
            }
        ));
        let err = s
            .session
            .send(&to("120363999999999999@g.us"), text("hi"), "SB0005")
            .await
            .expect_err("not in that group");
        assert_eq!(err.kind, WebErrorKind::BadRecipient);
        let err = s
            .session
            .send(&to("15551230000"), text("hi"), "SB0006")
            .await
            .expect_err("not on WhatsApp");
        assert_eq!(err.kind, WebErrorKind::BadRecipient);
        let err = s
            .session
            .send(&to(CUSTOMER), text("  "), "SB0007")
            .await
            .expect_err("empty");
        assert_eq!(err.kind, WebErrorKind::Rejected);

        s.session
            .mark_read(&to(CUSTOMER), None, &["3EB0AAA".into(), "3EB0BBB".into()])
            .await
            .expect("mark read");
        let (_, state) = h.state("ch_send").await;
        let sent = state["sent"].as_array().expect("sent");
        let summary: Vec<(String, String)> = sent
            .iter()
            .map(|m| {
                (
                    m["id"].as_str().unwrap().into(),
                    m["kind"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("SB0001".to_string(), "text".to_string()),
                ("SB0002".into(), "voice".into()),
                ("SB0003".into(), "reaction".into()),
                ("SB0004".into(), "text".into()),
            ]
        );
        assert_eq!(sent[0]["to"], format!("{CUSTOMER}@s.whatsapp.net"));
        assert_eq!(sent[1]["to"], format!("{CUSTOMER}@s.whatsapp.net"));
        assert_eq!(sent[1]["quoted_id"], "3EB0QUOTED");
        assert_eq!(sent[1]["media_size"], 10);
        assert_eq!(sent[2]["quoted_id"], "3EB0FROMTHEM");
        assert_eq!(state["read"], json!(["3EB0AAA", "3EB0BBB"]));

        // Not connected: refused, nothing recorded.
        s.session.stop().await;
        let err = s
            .session
            .send(&to(CUSTOMER), text("late"), "SB0008")
            .await
            .expect_err("stopped");
        assert_eq!(err.kind, WebErrorKind::NotConnected);
        s.quiet_for(60).await;
    })
    .await;
}

#[tokio::test]
async fn a_disconnect_reconnects_after_the_failed_attempts() {
    bounded(async {
        let mut config = web_config();
        // Long enough to try a send and a second disconnect while reconnecting.
        config.web_reconnect_ms = 300;
        let h = WebHarness::start(config).await;
        let (mut s, _, jid) = h.paired("ch_flap", PHONE).await;
        let (status, _) = h
            .control("ch_flap", "fail-reconnects", json!({"count": 2}))
            .await;
        assert_eq!(status, 200);
        let (status, answer) = h
            .control("ch_flap", "disconnect", json!({"clean": true}))
            .await;
        assert_eq!(status, 200, "{answer}");
        assert!(matches!(
            s.next().await,
            SessionEvent::Disconnected { clean: true, .. }
        ));
        // While reconnecting: not connected, and no second disconnect.
        let err = s
            .session
            .send(&to(CUSTOMER), text("now?"), "SB0100")
            .await
            .expect_err("reconnecting");
        assert_eq!(err.kind, WebErrorKind::NotConnected);
        let (status, answer) = h.control("ch_flap", "disconnect", json!({})).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (409, Some("not_connected"))
        );
        for _ in 0..2 {
            assert!(matches!(
                s.next().await,
                SessionEvent::Disconnected { clean: false, .. }
            ));
        }
        match s.next().await {
            SessionEvent::Connected { jid: j, .. } => assert_eq!(j.to_string(), jid),
            other => panic!("expected Connected, got {other:?}"),
        }
        let (_, state) = h.state("ch_flap").await;
        assert_eq!(
            (state["state"].as_str(), state["fail_reconnects"].as_u64()),
            (Some("connected"), Some(0))
        );
        s.session
            .send(&to(CUSTOMER), text("back"), "SB0101")
            .await
            .expect("send after the reconnect");
    })
    .await;
}

#[tokio::test]
async fn receipts_that_come_while_reconnecting_follow_the_reconnect() {
    bounded(async {
        let mut config = web_config();
        // The receipts fall due while the session reconnects.
        config.status_delays.delivered_ms = 300;
        config.status_delays.read_ms = 350;
        config.web_reconnect_ms = 800;
        let h = WebHarness::start(config).await;
        let (mut s, _, _) = h.paired("ch_held", PHONE).await;
        s.session
            .send(&to(CUSTOMER), text("hello"), "SB0200")
            .await
            .expect("send");
        let (status, _) = h.control("ch_held", "disconnect", json!({})).await;
        assert_eq!(status, 200);
        assert!(matches!(s.next().await, SessionEvent::Disconnected { .. }));
        assert!(matches!(s.next().await, SessionEvent::Connected { .. }));
        assert_eq!(
            receipts(&mut s, 2).await,
            vec![
                ("SB0200".into(), ReceiptKind::Delivered),
                ("SB0200".into(), ReceiptKind::Read)
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn the_server_and_the_phone_end_sessions() {
    bounded(async {
        let h = WebHarness::start(web_config()).await;

        // The phone unlinks the device: a restart on the old keys is logged out too.
        let (mut s, keys, _) = h.paired("ch_unlink", PHONE).await;
        let (status, _) = h.control("ch_unlink", "logout", json!({})).await;
        assert_eq!(status, 200);
        match s.next().await {
            SessionEvent::LoggedOut { reason } => assert_eq!(reason, "device_removed"),
            other => panic!("expected LoggedOut, got {other:?}"),
        }
        assert_eq!(h.state("ch_unlink").await.1["state"], "logged_out");
        let (status, _) = h.control("ch_unlink", "disconnect", json!({})).await;
        assert_eq!(status, 409);
        let mut again = h.open("ch_unlink", &keys, 6).await;
        match again.next().await {
            SessionEvent::LoggedOut { reason } => assert_eq!(reason, "401"),
            other => panic!("expected LoggedOut, got {other:?}"),
        }
        // With the keys wiped: a QR code again.
        let mut fresh = h.open("ch_unlink", &Arc::new(MemoryKeys::new()), 6).await;
        assert!(matches!(fresh.next().await, SessionEvent::Qr { .. }));

        let (mut s, _, _) = h.paired("ch_replace", PHONE).await;
        assert_eq!(h.control("ch_replace", "replace", json!({})).await.0, 200);
        assert!(matches!(s.next().await, SessionEvent::Replaced));

        let (mut s, _, _) = h.paired("ch_ban", PHONE).await;
        let (status, _) = h
            .control(
                "ch_ban",
                "ban",
                json!({"expires_in_ms": 60_000, "code": 101}),
            )
            .await;
        assert_eq!(status, 200);
        match s.next().await {
            SessionEvent::Banned {
                code,
                expires_in_ms,
            } => {
                assert_eq!((code, expires_in_ms), (Some(101), Some(60_000)));
            }
            other => panic!("expected Banned, got {other:?}"),
        }
        assert_eq!(h.state("ch_ban").await.1["state"], "banned");

        let (mut s, _, _) = h.paired("ch_old", PHONE).await;
        assert_eq!(h.control("ch_old", "outdated", json!({})).await.0, 200);
        assert!(matches!(s.next().await, SessionEvent::Outdated));
        s.quiet_for(60).await;
        let (status, answer) = h.control("ch_old", "ban", json!({"forever": true})).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some("invalid_body"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_caller_logout_is_silent_and_forgets_the_pairing() {
    bounded(async {
        let h = WebHarness::start(web_config()).await;
        let (mut s, keys, _) = h.paired("ch_bye", PHONE).await;
        s.session
            .send(&to(CUSTOMER), text("bye"), "SB0300")
            .await
            .expect("send");
        s.session.logout().await.expect("logout");
        s.quiet_for(80).await;
        assert_eq!(h.state("ch_bye").await.1["state"], "stopped");
        // The caller forgot to wipe the keys: the server no longer knows the device.
        let mut again = h.open("ch_bye", &keys, 6).await;
        assert!(matches!(again.next().await, SessionEvent::LoggedOut { .. }));
    })
    .await;
}

#[tokio::test]
async fn a_second_start_of_a_connected_channel_replaces_the_first() {
    bounded(async {
        let h = WebHarness::start(web_config()).await;
        let (mut first, keys, _) = h.paired("ch_twice", PHONE).await;
        let mut second = h.open("ch_twice", &keys, 6).await;
        assert!(matches!(first.next().await, SessionEvent::Replaced));
        assert!(matches!(
            second.next().await,
            SessionEvent::Connected { .. }
        ));
        let err = first
            .session
            .send(&to(CUSTOMER), text("old"), "SB0400")
            .await
            .expect_err("replaced");
        assert_eq!(err.kind, WebErrorKind::NotConnected);
    })
    .await;
}

#[tokio::test]
async fn a_receiver_that_does_not_drain_blocks_neither_calls_nor_stop() {
    bounded(async {
        let h = WebHarness::start(web_config()).await;
        let keys = Arc::new(MemoryKeys::new());
        let mut s = open_with_capacity(&h.driver, "ch_full", &keys, 6, 1).await;
        assert!(matches!(s.next().await, SessionEvent::Qr { .. }));
        let (status, _) = h
            .control("ch_full", "scan", json!({"phone_number": PHONE}))
            .await;
        assert_eq!(status, 200);
        assert!(matches!(s.next().await, SessionEvent::Paired { .. }));
        assert!(matches!(s.next().await, SessionEvent::Connected { .. }));
        // Receipts pile up behind a full channel nobody drains.
        for i in 0..5 {
            s.session
                .send(&to(CUSTOMER), text("hi"), &format!("SB05{i:02}"))
                .await
                .expect("send");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let quick = std::time::Duration::from_secs(2);
        tokio::time::timeout(quick, s.session.send(&to(CUSTOMER), text("more"), "SB0599"))
            .await
            .expect("a send does not wait for the receiver")
            .expect("send");
        let (status, _) = tokio::time::timeout(quick, h.state("ch_full"))
            .await
            .expect("the state does not wait for the receiver");
        assert_eq!(status, 200);
        tokio::time::timeout(quick, s.session.stop())
            .await
            .expect("stop does not wait for the receiver");
        // What was in the channel before the stop, then nothing.
        while s.events.try_recv().is_ok() {}
        s.quiet_for(100).await;
    })
    .await;
}
