//! Inbound protobuf messages as boundary content.

use switchboard_waweb::convert::inbound::{content, decode_handle, quoted_id};
use switchboard_web_driver::{InboundContent, MediaKind};
use whatsapp_rust::waproto::buffa::MessageField;
use whatsapp_rust::waproto::whatsapp as wa;

fn ctx(id: &str) -> MessageField<wa::ContextInfo> {
    MessageField::some(wa::ContextInfo {
        stanza_id: Some(id.into()),
        ..Default::default()
    })
}

fn media_of(
    c: InboundContent,
) -> (
    switchboard_web_driver::InboundMedia,
    Option<String>,
    Option<String>,
) {
    match c {
        InboundContent::Media {
            media,
            caption,
            filename,
        } => (media, caption, filename),
        other => panic!("expected media, got {other:?}"),
    }
}

#[test]
fn text_and_extended_text() {
    let m = wa::Message {
        conversation: Some("hi".into()),
        ..Default::default()
    };
    assert_eq!(content(&m), InboundContent::Text { body: "hi".into() });
    assert_eq!(quoted_id(&m), None);

    let m = wa::Message {
        extended_text_message: MessageField::some(wa::message::ExtendedTextMessage {
            text: Some("a reply https://x.y".into()),
            context_info: ctx("3EB0Q"),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        content(&m),
        InboundContent::Text {
            body: "a reply https://x.y".into()
        }
    );
    assert_eq!(quoted_id(&m).as_deref(), Some("3EB0Q"));
}

#[test]
fn wrapped_messages_are_peeled() {
    let inner = wa::Message {
        conversation: Some("vanishing".into()),
        ..Default::default()
    };
    let m = wa::Message {
        ephemeral_message: MessageField::some(wa::message::FutureProofMessage {
            message: MessageField::some(inner),
        }),
        ..Default::default()
    };
    assert_eq!(
        content(&m),
        InboundContent::Text {
            body: "vanishing".into()
        }
    );
}

#[test]
fn image_with_caption_and_a_handle_that_decodes_back() {
    let img = wa::message::ImageMessage {
        url: Some("https://mmg/x".into()),
        direct_path: Some("/v/x".into()),
        media_key: Some(vec![5; 32]),
        file_sha256: Some(vec![6; 32]),
        file_enc_sha256: Some(vec![7; 32]),
        file_length: Some(2048),
        mimetype: Some("image/jpeg".into()),
        caption: Some("look".into()),
        context_info: ctx("Q1"),
        ..Default::default()
    };
    let m = wa::Message {
        image_message: MessageField::some(img),
        ..Default::default()
    };
    let (media, caption, filename) = media_of(content(&m));
    assert_eq!(media.kind, MediaKind::Image);
    assert_eq!(media.mime_type, "image/jpeg");
    assert_eq!(media.size, Some(2048));
    assert!(!media.voice);
    assert_eq!((caption.as_deref(), filename), (Some("look"), None));
    assert_eq!(quoted_id(&m).as_deref(), Some("Q1"));

    let back = decode_handle(&media.handle).expect("a handle decodes");
    let i = back.image_message.as_option().expect("the image");
    assert_eq!(i.direct_path.as_deref(), Some("/v/x"));
    assert_eq!(i.media_key.as_deref(), Some(&[5u8; 32][..]));
    assert_eq!(i.file_enc_sha256.as_deref(), Some(&[7u8; 32][..]));
    assert!(
        i.context_info.as_option().is_none(),
        "the handle drops the reply context"
    );
    assert!(
        decode_handle(b"\xff\xff\xff\xff\xff").is_none(),
        "garbage is no handle"
    );
}

#[test]
fn video_audio_voice_document_and_sticker() {
    let m = wa::Message {
        video_message: MessageField::some(wa::message::VideoMessage {
            mimetype: Some("video/mp4".into()),
            caption: Some("clip".into()),
            file_length: Some(9),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (media, caption, _) = media_of(content(&m));
    assert_eq!(
        (media.kind, media.mime_type.as_str()),
        (MediaKind::Video, "video/mp4")
    );
    assert_eq!(caption.as_deref(), Some("clip"));
    assert!(decode_handle(&media.handle)
        .expect("handle")
        .video_message
        .as_option()
        .is_some());

    for (ptt, voice) in [(Some(true), true), (Some(false), false), (None, false)] {
        let m = wa::Message {
            audio_message: MessageField::some(wa::message::AudioMessage {
                mimetype: Some("audio/ogg; codecs=opus".into()),
                ptt,
                context_info: ctx("QA"),
                ..Default::default()
            }),
            ..Default::default()
        };
        let (media, caption, _) = media_of(content(&m));
        assert_eq!(media.kind, MediaKind::Audio);
        assert_eq!(media.voice, voice);
        assert_eq!(caption, None);
        assert_eq!(quoted_id(&m).as_deref(), Some("QA"));
    }

    let doc = wa::message::DocumentMessage {
        mimetype: Some("application/pdf".into()),
        file_name: Some("report.pdf".into()),
        caption: Some("Q3".into()),
        file_length: Some(77),
        ..Default::default()
    };
    // A document with a caption arrives wrapped.
    let m = wa::Message {
        document_with_caption_message: MessageField::some(wa::message::FutureProofMessage {
            message: MessageField::some(wa::Message {
                document_message: MessageField::some(doc),
                ..Default::default()
            }),
        }),
        ..Default::default()
    };
    let (media, caption, filename) = media_of(content(&m));
    assert_eq!(media.kind, MediaKind::Document);
    assert_eq!(media.size, Some(77));
    assert_eq!(caption.as_deref(), Some("Q3"));
    assert_eq!(filename.as_deref(), Some("report.pdf"));
    assert!(decode_handle(&media.handle)
        .expect("handle")
        .document_message
        .as_option()
        .is_some());

    let m = wa::Message {
        sticker_message: MessageField::some(wa::message::StickerMessage {
            mimetype: Some("image/webp".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (media, _, _) = media_of(content(&m));
    assert_eq!(
        (media.kind, media.mime_type.as_str()),
        (MediaKind::Sticker, "image/webp")
    );
}

#[test]
fn location_contacts_reaction_and_unsupported() {
    let m = wa::Message {
        location_message: MessageField::some(wa::message::LocationMessage {
            degrees_latitude: Some(-1.5),
            degrees_longitude: Some(36.8),
            name: Some("Nairobi".into()),
            address: None,
            context_info: ctx("QL"),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        content(&m),
        InboundContent::Location {
            latitude: -1.5,
            longitude: 36.8,
            name: Some("Nairobi".into()),
            address: None
        }
    );
    assert_eq!(quoted_id(&m).as_deref(), Some("QL"));

    let card = |n: &str| wa::message::ContactMessage {
        display_name: Some(n.into()),
        vcard: Some(format!("FN:{n}")),
        ..Default::default()
    };
    let m = wa::Message {
        contact_message: MessageField::some(card("Ada")),
        ..Default::default()
    };
    match content(&m) {
        InboundContent::Contacts(cards) => {
            assert_eq!(cards.len(), 1);
            assert_eq!(
                (cards[0].display_name.as_str(), cards[0].vcard.as_str()),
                ("Ada", "FN:Ada")
            );
        }
        other => panic!("expected contacts, got {other:?}"),
    }
    let m = wa::Message {
        contacts_array_message: MessageField::some(wa::message::ContactsArrayMessage {
            display_name: Some("2 contacts".into()),
            contacts: vec![card("Ada"), card("Bo")],
            context_info: MessageField::none(),
        }),
        ..Default::default()
    };
    match content(&m) {
        InboundContent::Contacts(cards) => {
            assert_eq!(
                cards
                    .iter()
                    .map(|c| c.display_name.as_str())
                    .collect::<Vec<_>>(),
                ["Ada", "Bo"]
            );
        }
        other => panic!("expected contacts, got {other:?}"),
    }

    let m = wa::Message {
        reaction_message: MessageField::some(wa::message::ReactionMessage {
            key: MessageField::some(wa::MessageKey {
                id: Some("3EB0T".into()),
                ..Default::default()
            }),
            text: Some("❤️".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        content(&m),
        InboundContent::Reaction {
            message_id: "3EB0T".into(),
            emoji: "❤️".into()
        }
    );

    let m = wa::Message {
        poll_creation_message: MessageField::some(Default::default()),
        ..Default::default()
    };
    assert_eq!(
        content(&m),
        InboundContent::Unsupported {
            kind: "poll".into()
        }
    );
    assert_eq!(
        content(&wa::Message::default()),
        InboundContent::Unsupported {
            kind: "unknown".into()
        }
    );
}
