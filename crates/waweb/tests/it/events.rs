//! Library events as session events.

use std::time::Duration;

use switchboard_waweb::events::{Action, Me, Translator};
use switchboard_web_driver::{Jid, ReceiptKind, SessionEvent};
use whatsapp_rust::wacore::types::events::{
    ClientOutdated, Connected, Event, LoggedOut, PairingQrCode, PairingQrCodesExhausted, Receipt,
    ServerAck, StreamReplaced,
};
use whatsapp_rust::wacore::types::message::MessageSource;
use whatsapp_rust::wacore::types::presence::ReceiptType;

fn qr(code: &str) -> Event {
    Event::PairingQrCode(
        PairingQrCode::builder()
            .code(code.to_string())
            .timeout(Duration::from_secs(20))
            .build(),
    )
}

fn nobody() -> Me {
    Me::default()
}

#[test]
fn qr_codes_stop_after_the_budget() {
    let mut t = Translator::new(2);
    for code in ["ref-1", "ref-2"] {
        match t.translate(&qr(code), nobody) {
            Action::Emit(SessionEvent::Qr { code: c, valid_ms }) => {
                assert_eq!((c.as_str(), valid_ms), (code, 20_000));
            }
            other => panic!("expected a QR, got {other:?}"),
        }
    }
    assert!(matches!(
        t.translate(&qr("ref-3"), nobody),
        Action::EmitAndDisconnect(SessionEvent::QrExhausted)
    ));
    assert!(
        matches!(t.translate(&qr("ref-4"), nobody), Action::Ignore),
        "exhaustion is reported once"
    );
    let lib_exhausted = Event::PairingQrCodesExhausted(
        PairingQrCodesExhausted::builder()
            .disconnected(true)
            .build(),
    );
    assert!(matches!(
        t.translate(&lib_exhausted, nobody),
        Action::Ignore
    ));
}

#[test]
fn the_library_running_out_of_refs_is_exhaustion_too() {
    let mut t = Translator::new(0);
    assert!(matches!(
        t.translate(&qr("r"), nobody),
        Action::Emit(SessionEvent::Qr { .. })
    ));
    let left_up = Event::PairingQrCodesExhausted(
        PairingQrCodesExhausted::builder()
            .disconnected(false)
            .build(),
    );
    assert!(matches!(
        t.translate(&left_up, nobody),
        Action::EmitAndDisconnect(SessionEvent::QrExhausted)
    ));
    let mut t = Translator::new(0);
    let closed = Event::PairingQrCodesExhausted(
        PairingQrCodesExhausted::builder()
            .disconnected(true)
            .build(),
    );
    assert!(matches!(
        t.translate(&closed, nobody),
        Action::Emit(SessionEvent::QrExhausted)
    ));
}

#[test]
fn connected_reports_who_we_are_once_paired() {
    let mut t = Translator::new(6);
    let connected = Event::Connected(Connected::builder().build());
    assert!(
        matches!(t.translate(&connected, nobody), Action::Ignore),
        "not paired yet: QR codes follow"
    );
    let me = || Me {
        jid: Some(Jid::parse("15551234567:8@s.whatsapp.net").unwrap()),
        push_name: Some("Shop".into()),
    };
    match t.translate(&connected, me) {
        Action::Emit(SessionEvent::Connected { jid, push_name }) => {
            assert_eq!(jid.to_string(), "15551234567:8@s.whatsapp.net");
            assert_eq!(push_name.as_deref(), Some("Shop"));
        }
        other => panic!("expected Connected, got {other:?}"),
    }
}

#[test]
fn terminal_events() {
    let mut t = Translator::new(6);
    assert!(matches!(
        t.translate(
            &Event::StreamReplaced(StreamReplaced::builder().build()),
            nobody
        ),
        Action::Emit(SessionEvent::Replaced)
    ));
    assert!(matches!(
        t.translate(
            &Event::ClientOutdated(ClientOutdated::builder().build()),
            nobody
        ),
        Action::Emit(SessionEvent::Outdated)
    ));
    let logged_out = Event::LoggedOut(
        LoggedOut::builder()
            .on_connect(true)
            .reason(whatsapp_rust::wacore::types::events::ConnectFailureReason::LoggedOut)
            .build(),
    );
    match t.translate(&logged_out, nobody) {
        Action::Emit(SessionEvent::LoggedOut { reason }) => assert_eq!(reason, "401"),
        other => panic!("expected LoggedOut, got {other:?}"),
    }
}

fn receipt(kind: ReceiptType) -> Event {
    let source = MessageSource {
        chat: "15551234567@s.whatsapp.net".parse().unwrap(),
        sender: "15551234567:3@s.whatsapp.net".parse().unwrap(),
        ..Default::default()
    };
    Event::Receipt(
        Receipt::builder()
            .source(source)
            .message_ids(vec!["3EB0A".to_string(), "3EB0B".to_string()])
            .timestamp(
                whatsapp_rust::wacore::chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            )
            .r#type(kind)
            .offline(false)
            .build(),
    )
}

#[test]
fn receipts_delivered_read_played_only() {
    let mut t = Translator::new(6);
    for (lib, ours) in [
        (ReceiptType::Delivered, ReceiptKind::Delivered),
        (ReceiptType::Read, ReceiptKind::Read),
        (ReceiptType::Played, ReceiptKind::Played),
    ] {
        match t.translate(&receipt(lib), nobody) {
            Action::Emit(SessionEvent::Receipt {
                chat,
                from,
                ids,
                kind,
                at_ms,
            }) => {
                assert_eq!(chat.to_string(), "15551234567@s.whatsapp.net");
                assert_eq!(
                    from.map(|j| j.to_string()).as_deref(),
                    Some("15551234567@s.whatsapp.net")
                );
                assert_eq!(ids, vec!["3EB0A", "3EB0B"]);
                assert_eq!(kind, ours);
                assert_eq!(at_ms, 1_700_000_000_000);
            }
            other => panic!("expected a receipt, got {other:?}"),
        }
    }
    for ignored in [
        ReceiptType::Retry,
        ReceiptType::ReadSelf,
        ReceiptType::Sender,
    ] {
        assert!(matches!(
            t.translate(&receipt(ignored), nobody),
            Action::Ignore
        ));
    }
}

#[test]
fn a_late_nack_is_a_failed_send() {
    let mut t = Translator::new(6);
    let nack = Event::ServerAck(
        ServerAck::builder()
            .id("3EB0SENT".to_string())
            .class("message".to_string())
            .error("479".to_string())
            .build(),
    );
    match t.translate(&nack, nobody) {
        Action::Emit(SessionEvent::SendFailed { id, code, detail }) => {
            assert_eq!(
                (id.as_str(), code, detail.as_str()),
                ("3EB0SENT", Some(479), "479")
            );
        }
        other => panic!("expected SendFailed, got {other:?}"),
    }
    let ack = Event::ServerAck(
        ServerAck::builder()
            .id("3EB0SENT".to_string())
            .class("message".to_string())
            .build(),
    );
    assert!(matches!(t.translate(&ack, nobody), Action::Ignore));
    let receipt_nack = Event::ServerAck(
        ServerAck::builder()
            .id("R1".to_string())
            .class("receipt".to_string())
            .error("500".to_string())
            .build(),
    );
    assert!(matches!(t.translate(&receipt_nack, nobody), Action::Ignore));
}
