//! The durability hook's conversion of library messages and its answer protocol.

use std::sync::Arc;

use switchboard_waweb::hook::{convert, deliver};
use switchboard_web_driver::{InboundContent, Jid, SessionEvent};
use tokio::sync::mpsc;
use whatsapp_rust::wacore::store::traits::{LidPnMappingEntry, ProtocolStore};
use whatsapp_rust::wacore::types::events::InboundMessage as LibInbound;
use whatsapp_rust::wacore::types::message::{MessageInfo, MessageSource};
use whatsapp_rust::waproto::buffa::MessageField;
use whatsapp_rust::waproto::whatsapp as wa;

use crate::support::Fixture;

fn lib_message(chat: &str, sender: &str, alt: Option<&str>) -> LibInbound {
    let info = MessageInfo {
        source: MessageSource {
            chat: chat.parse().unwrap(),
            sender: sender.parse().unwrap(),
            sender_alt: alt.map(|a| a.parse().unwrap()),
            is_from_me: false,
            ..Default::default()
        },
        id: "3EB0IN".into(),
        push_name: "Ada".into(),
        timestamp: whatsapp_rust::wacore::chrono::DateTime::from_timestamp(1_700_000_123, 0)
            .unwrap(),
        ..Default::default()
    };
    let message = wa::Message {
        extended_text_message: MessageField::some(wa::message::ExtendedTextMessage {
            text: Some("hello".into()),
            context_info: MessageField::some(wa::ContextInfo {
                stanza_id: Some("3EB0Q".into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    LibInbound::builder()
        .message(Arc::new(message))
        .info(Arc::new(info))
        .build()
}

#[tokio::test]
async fn a_phone_sender_converts_whole() {
    let f = Fixture::new();
    let m = convert(
        &f.backend,
        &lib_message(
            "15551234567@s.whatsapp.net",
            "15551234567:2@s.whatsapp.net",
            None,
        ),
    )
    .await
    .expect("converted");
    assert_eq!(m.id, "3EB0IN");
    assert_eq!(m.chat.to_string(), "15551234567@s.whatsapp.net");
    assert_eq!(
        m.sender.to_string(),
        "15551234567@s.whatsapp.net",
        "device dropped"
    );
    assert_eq!(m.sender_phone, None);
    assert!(!m.from_me);
    assert_eq!(m.timestamp, 1_700_000_123);
    assert_eq!(m.push_name.as_deref(), Some("Ada"));
    assert_eq!(
        m.content,
        InboundContent::Text {
            body: "hello".into()
        }
    );
    assert_eq!(m.quoted_id.as_deref(), Some("3EB0Q"));
}

#[tokio::test]
async fn a_lid_sender_gets_its_phone_from_the_mapping_or_the_stanza() {
    let f = Fixture::new();
    let lid_msg = lib_message("120363025246125888@g.us", "100000012345678:3@lid", None);
    let m = convert(&f.backend, &lid_msg).await.expect("converted");
    assert_eq!(m.sender.to_string(), "100000012345678@lid");
    assert_eq!(m.sender_phone, None, "no mapping known yet");

    f.backend
        .put_lid_mapping(&LidPnMappingEntry {
            lid: "100000012345678".into(),
            phone_number: "559980000001".into(),
            created_at: 1,
            updated_at: 1,
            learning_source: "usync".into(),
        })
        .await
        .unwrap();
    let m = convert(&f.backend, &lid_msg).await.expect("converted");
    assert_eq!(
        m.sender_phone,
        Some(Jid::parse("559980000001@s.whatsapp.net").unwrap())
    );

    let with_alt = lib_message(
        "100000099999999@lid",
        "100000099999999@lid",
        Some("447700900123:5@s.whatsapp.net"),
    );
    let m = convert(&f.backend, &with_alt).await.expect("converted");
    assert_eq!(
        m.sender_phone,
        Some(Jid::parse("447700900123@s.whatsapp.net").unwrap())
    );
}

#[tokio::test]
async fn status_broadcasts_are_not_kept() {
    let f = Fixture::new();
    let status = lib_message("status@broadcast", "15551234567@s.whatsapp.net", None);
    assert!(convert(&f.backend, &status).await.is_none());
}

async fn answer_with(answer: Option<Result<(), String>>) -> Result<(), String> {
    let f = Fixture::new();
    let m = convert(
        &f.backend,
        &lib_message(
            "15551234567@s.whatsapp.net",
            "15551234567@s.whatsapp.net",
            None,
        ),
    )
    .await
    .unwrap();
    let (tx, mut rx) = mpsc::channel(4);
    let manager = tokio::spawn(async move {
        match rx.recv().await {
            Some(SessionEvent::Inbound(batch)) => {
                assert_eq!(batch.messages.len(), 1);
                if let Some(answer) = answer {
                    let _ = batch.stored.send(answer);
                }
            }
            other => panic!("expected an inbound batch, got {other:?}"),
        }
    });
    let result = deliver(&tx, vec![m]).await;
    manager.await.unwrap();
    result
}

#[tokio::test]
async fn the_hook_succeeds_only_on_an_ok_answer() {
    assert_eq!(answer_with(Some(Ok(()))).await, Ok(()));
    assert!(answer_with(Some(Err("disk full".into()))).await.is_err());
    assert!(
        answer_with(None).await.is_err(),
        "a batch dropped unanswered is not stored"
    );
    let (tx, _rx) = mpsc::channel(1);
    assert_eq!(deliver(&tx, vec![]).await, Ok(()), "nothing to store");
}
