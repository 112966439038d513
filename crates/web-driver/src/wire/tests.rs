//! Round trips of the wire frames and the exact shape of a few.

use bytes::Bytes;
use serde_json::json;

use super::*;
use crate::{
    ContactCard, InboundContent, InboundMedia, InboundMessage, KeyChange, KeyStoreError, MediaKind,
    OutboundContent, OutboundMedia, OutboundMessage, Quoted, ReceiptKind, SessionEvent, WebError,
    WebErrorKind,
};

fn jid(text: &str) -> Jid {
    Jid::parse(text).expect("jid")
}

fn client_round_trip(frame: ClientFrame) -> ClientFrame {
    let text = frame.to_json();
    let back: ClientFrame = serde_json::from_str(&text).expect("client frame parses");
    assert_eq!(back, frame, "{text}");
    back
}

fn server_round_trip(frame: ServerFrame) -> ServerFrame {
    let text = frame.to_json();
    let back: ServerFrame = serde_json::from_str(&text).expect("server frame parses");
    assert_eq!(back, frame, "{text}");
    back
}

#[test]
fn every_outbound_content_survives_the_wire() {
    let contents = vec![
        OutboundContent::Text {
            body: "hi".into(),
            preview_url: true,
        },
        OutboundContent::Media(OutboundMedia {
            kind: MediaKind::Audio,
            data: Bytes::from_static(&[0, 1, 2, 255]),
            mime_type: "audio/ogg".into(),
            caption: None,
            filename: Some("a.ogg".into()),
            voice: true,
        }),
        OutboundContent::Location {
            latitude: 6.5,
            longitude: -3.25,
            name: Some("Lagos".into()),
            address: None,
        },
        OutboundContent::Contacts(vec![ContactCard {
            display_name: "Ada".into(),
            vcard: "BEGIN:VCARD\nEND:VCARD".into(),
        }]),
        OutboundContent::Reaction {
            message_id: "3EB0".into(),
            from_me: false,
            emoji: "👍".into(),
        },
    ];
    for content in contents {
        let message = OutboundMessage {
            content,
            quoted: Some(Quoted {
                message_id: "Q1".into(),
                sender: Some(jid("15551234567@s.whatsapp.net")),
                text: Some("earlier".into()),
            }),
        };
        let frame = client_round_trip(ClientFrame::Send {
            id: 7,
            to: jid("15551234567@s.whatsapp.net"),
            message: message.clone().into(),
            message_id: "3EB0ABC".into(),
        });
        let ClientFrame::Send { message: wire, .. } = frame else {
            panic!("not a send");
        };
        assert_eq!(OutboundMessage::from(wire), message);
    }
}

#[test]
fn every_inbound_content_survives_the_wire() {
    let media = InboundMedia {
        kind: MediaKind::Document,
        mime_type: "application/pdf".into(),
        size: Some(3),
        voice: false,
        handle: Bytes::from_static(b"opaque handle"),
    };
    let contents = vec![
        InboundContent::Text { body: "yo".into() },
        InboundContent::Media {
            media: media.clone(),
            caption: Some("cap".into()),
            filename: Some("f.pdf".into()),
        },
        InboundContent::Location {
            latitude: 1.0,
            longitude: 2.0,
            name: None,
            address: Some("street".into()),
        },
        InboundContent::Contacts(vec![]),
        InboundContent::Reaction {
            message_id: "X".into(),
            emoji: String::new(),
        },
        InboundContent::Unsupported {
            kind: "poll".into(),
        },
    ];
    let messages: Vec<InboundMessage> = contents
        .into_iter()
        .map(|content| InboundMessage {
            id: "M1".into(),
            chat: jid("120363025246125888@g.us"),
            sender: jid("99887766@lid"),
            sender_phone: Some(jid("15551234567@s.whatsapp.net")),
            from_me: false,
            timestamp: 1_700_000_000,
            push_name: Some("Ada".into()),
            content,
            quoted_id: Some("Q".into()),
        })
        .collect();
    let frame = server_round_trip(ServerFrame::Inbound {
        batch: 3,
        messages: messages.iter().cloned().map(Into::into).collect(),
    });
    let ServerFrame::Inbound { messages: wire, .. } = frame else {
        panic!("not inbound");
    };
    let back: Vec<InboundMessage> = wire.into_iter().map(Into::into).collect();
    assert_eq!(back, messages);
    let download = client_round_trip(ClientFrame::Download {
        id: 1,
        media: media.clone().into(),
    });
    let ClientFrame::Download { media: wire, .. } = download else {
        panic!("not a download");
    };
    assert_eq!(InboundMedia::from(wire), media);
}

#[test]
fn events_map_both_ways_and_inbound_is_handed_back() {
    let events = vec![
        SessionEvent::Qr {
            code: "2@abc".into(),
            valid_ms: 60_000,
        },
        SessionEvent::Paired {
            jid: jid("15551234567:8@s.whatsapp.net"),
            lid: None,
            push_name: Some("Ada".into()),
            platform: Some("android".into()),
        },
        SessionEvent::Receipt {
            chat: jid("15551234567@s.whatsapp.net"),
            from: None,
            ids: vec!["A".into(), "B".into()],
            kind: ReceiptKind::Played,
            at_ms: 5,
        },
        SessionEvent::Banned {
            code: Some(403),
            expires_in_ms: None,
        },
        SessionEvent::Disconnected {
            clean: false,
            detail: "eof".into(),
        },
    ];
    for event in events {
        let before = format!("{event:?}");
        let wire = WireEvent::from_event(event).expect("not inbound");
        let frame = server_round_trip(ServerFrame::Event { event: wire });
        let ServerFrame::Event { event: wire } = frame else {
            panic!("not an event");
        };
        assert_eq!(format!("{:?}", SessionEvent::from(wire)), before);
    }
    let (stored, _rx) = tokio::sync::oneshot::channel();
    let inbound = SessionEvent::Inbound(crate::InboundBatch {
        messages: vec![],
        stored,
    });
    assert!(WireEvent::from_event(inbound).is_err());
}

#[test]
fn frames_have_the_documented_shape() {
    let answer = ServerFrame::Answer {
        id: 4,
        result: Outcome::Err(
            WebError::new(WebErrorKind::BadRecipient, "not on WhatsApp")
                .with_code(404)
                .into(),
        ),
    };
    assert_eq!(
        serde_json::to_value(&answer).expect("json"),
        json!({"type": "answer", "id": 4, "result": {"error": {
            "kind": "bad_recipient", "code": 404, "message": "not on WhatsApp"}}})
    );
    let write = ServerFrame::KeysWrite {
        id: 9,
        changes: vec![KeyChange::Put {
            namespace: "device".into(),
            key: "".into(),
            value: b"key".to_vec(),
        }
        .into()],
    };
    assert_eq!(
        serde_json::to_value(&write).expect("json"),
        json!({"type": "keys.write", "id": 9, "changes": [
            {"op": "put", "namespace": "device", "key": "", "value": "a2V5"}]})
    );
    let fenced = ClientFrame::KeysAnswer {
        id: 9,
        result: Outcome::Err(KeyStoreError::Fenced("lease 3 lost".into()).into()),
    };
    assert_eq!(
        serde_json::to_value(&fenced).expect("json"),
        json!({"type": "keys.answer", "id": 9, "result": {"error": {
            "kind": "fenced", "message": "lease 3 lost"}}})
    );
    let start: ClientFrame = serde_json::from_value(
        json!({"type": "start", "id": 0, "channel_id": "ch_1", "max_qr_codes": 5}),
    )
    .expect("start parses");
    assert_eq!(
        start,
        ClientFrame::Start {
            id: 0,
            channel_id: "ch_1".into(),
            max_qr_codes: 5
        }
    );
    for frame in [
        ClientFrame::InboundStored {
            batch: 1,
            result: Outcome::Ok(()),
        },
        ClientFrame::InboundStored {
            batch: 2,
            result: Outcome::Err("disk full".into()),
        },
        ClientFrame::KeysAnswer {
            id: 1,
            result: Outcome::Ok(KeysValue::Entries(vec![("a".into(), b"x".to_vec().into())])),
        },
        ClientFrame::KeysAnswer {
            id: 2,
            result: Outcome::Ok(KeysValue::Value(None)),
        },
        ClientFrame::MarkRead {
            id: 3,
            chat: jid("120363025246125888@g.us"),
            sender: Some(jid("15551234567@s.whatsapp.net")),
            ids: vec!["A".into()],
        },
    ] {
        client_round_trip(frame);
    }
    server_round_trip(ServerFrame::Answer {
        id: 5,
        result: Outcome::Ok(AnswerValue::Media(Bytes::from_static(b"\x00media").into())),
    });
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    for text in [
        r#"{"type":"send","id":1}"#,
        r#"{"type":"nope","id":1}"#,
        r#"{"type":"keys.answer","id":1,"result":{"ok":{"value":"***"}}}"#,
        r#"{"type":"send","id":1,"to":"abc","message_id":"x","message":{"content":{"type":"text","body":"","preview_url":false},"quoted":null}}"#,
        "not json",
    ] {
        let error = ClientFrame::parse(text).expect_err(text);
        assert!(!error.contains("***") && !error.contains("abc"), "{error}");
    }
    assert_eq!(
        ServerFrame::parse("{\"type\":\"answer\"").expect_err("truncated"),
        "truncated (line 1, column 16)"
    );
    let key_error: KeyStoreError =
        WireKeyError::from(KeyStoreError::Unavailable("x".into())).into();
    assert_eq!(key_error, KeyStoreError::Unavailable("x".into()));
}
