//! Outbound messages as protobuf fields.

use bytes::Bytes;
use switchboard_waweb::convert::outbound::{build, media_type, Uploaded};
use switchboard_web_driver::{
    ContactCard, Jid, MediaKind, OutboundContent, OutboundMedia, OutboundMessage, Quoted,
    WebErrorKind,
};
use whatsapp_rust::wacore::download::MediaType;

fn jid(s: &str) -> Jid {
    Jid::parse(s).unwrap()
}

fn msg(content: OutboundContent) -> OutboundMessage {
    OutboundMessage {
        content,
        quoted: None,
    }
}

fn uploaded() -> Uploaded {
    Uploaded {
        url: "https://mmg.whatsapp.net/x".into(),
        direct_path: "/v/t62/x".into(),
        media_key: vec![1; 32],
        file_sha256: vec![2; 32],
        file_enc_sha256: vec![3; 32],
        file_length: 1234,
        media_key_timestamp: 1_700_000_000,
        streaming_sidecar: Some(vec![9; 10]),
    }
}

fn media(kind: MediaKind, voice: bool) -> OutboundMessage {
    msg(OutboundContent::Media(OutboundMedia {
        kind,
        data: Bytes::from_static(b"bytes"),
        mime_type: "x/y".into(),
        caption: Some("cap".into()),
        filename: Some("f.pdf".into()),
        voice,
    }))
}

const CHAT: &str = "15551234567@s.whatsapp.net";

#[test]
fn plain_text_is_a_conversation() {
    let m = build(
        &msg(OutboundContent::Text {
            body: "hello https://example.com".into(),
            preview_url: false,
        }),
        &jid(CHAT),
        None,
        None,
        0,
    )
    .unwrap();
    assert_eq!(m.conversation.as_deref(), Some("hello https://example.com"));
    assert!(m.extended_text_message.as_option().is_none());
}

#[test]
fn text_with_a_preview_carries_its_link() {
    let m = build(
        &msg(OutboundContent::Text {
            body: "see https://example.com/a now".into(),
            preview_url: true,
        }),
        &jid(CHAT),
        None,
        None,
        0,
    )
    .unwrap();
    let ext = m.extended_text_message.as_option().expect("extended text");
    assert_eq!(ext.text.as_deref(), Some("see https://example.com/a now"));
    assert_eq!(ext.matched_text.as_deref(), Some("https://example.com/a"));
    assert!(m.conversation.is_none());

    // Nothing to preview: plain text.
    let m = build(
        &msg(OutboundContent::Text {
            body: "no link".into(),
            preview_url: true,
        }),
        &jid(CHAT),
        None,
        None,
        0,
    )
    .unwrap();
    assert_eq!(m.conversation.as_deref(), Some("no link"));
}

#[test]
fn a_reply_carries_the_quoted_id_in_its_context() {
    let mut reply = msg(OutboundContent::Text {
        body: "yes".into(),
        preview_url: false,
    });
    reply.quoted = Some(Quoted {
        message_id: "3EB0QUOTED".into(),
        sender: Some(jid("15550001111@s.whatsapp.net")),
        text: Some("are you there?".into()),
    });
    let m = build(&reply, &jid(CHAT), None, None, 0).unwrap();
    let ext = m.extended_text_message.as_option().expect("extended text");
    let ctx = ext.context_info.as_option().expect("context");
    assert_eq!(ctx.stanza_id.as_deref(), Some("3EB0QUOTED"));
    assert_eq!(
        ctx.participant.as_deref(),
        Some("15550001111@s.whatsapp.net")
    );
    assert_eq!(
        ctx.quoted_message
            .as_option()
            .and_then(|q| q.conversation.as_deref()),
        Some("are you there?")
    );

    // Quoting this session's own message in a group: the participant is this device's
    // user, and the group is named.
    reply.quoted = Some(Quoted {
        message_id: "3EB0MINE".into(),
        sender: None,
        text: None,
    });
    let me = jid("15559998888:8@s.whatsapp.net");
    let m = build(&reply, &jid("120363025246125888@g.us"), Some(&me), None, 0).unwrap();
    let ctx = m
        .extended_text_message
        .as_option()
        .and_then(|e| e.context_info.as_option())
        .expect("context");
    assert_eq!(
        ctx.participant.as_deref(),
        Some("15559998888@s.whatsapp.net")
    );
    assert_eq!(ctx.remote_jid.as_deref(), Some("120363025246125888@g.us"));

    // A quoted media message keeps its context on the media.
    let mut img = media(MediaKind::Image, false);
    img.quoted = Some(Quoted {
        message_id: "Q2".into(),
        sender: None,
        text: None,
    });
    let m = build(&img, &jid(CHAT), Some(&me), Some(&uploaded()), 0).unwrap();
    let ctx = m
        .image_message
        .as_option()
        .and_then(|i| i.context_info.as_option())
        .expect("context on the image");
    assert_eq!(ctx.stanza_id.as_deref(), Some("Q2"));
}

#[test]
fn each_media_kind_fills_its_message() {
    let up = uploaded();
    let chat = jid(CHAT);

    let m = build(&media(MediaKind::Image, false), &chat, None, Some(&up), 0).unwrap();
    let i = m.image_message.as_option().expect("image");
    assert_eq!(i.url.as_deref(), Some("https://mmg.whatsapp.net/x"));
    assert_eq!(i.direct_path.as_deref(), Some("/v/t62/x"));
    assert_eq!(i.media_key.as_deref(), Some(&[1u8; 32][..]));
    assert_eq!(i.file_sha256.as_deref(), Some(&[2u8; 32][..]));
    assert_eq!(i.file_enc_sha256.as_deref(), Some(&[3u8; 32][..]));
    assert_eq!(i.file_length, Some(1234));
    assert_eq!(i.media_key_timestamp, Some(1_700_000_000));
    assert_eq!(i.mimetype.as_deref(), Some("x/y"));
    assert_eq!(i.caption.as_deref(), Some("cap"));

    let m = build(&media(MediaKind::Video, false), &chat, None, Some(&up), 0).unwrap();
    let v = m.video_message.as_option().expect("video");
    assert_eq!(v.caption.as_deref(), Some("cap"));
    assert_eq!(v.streaming_sidecar.as_deref(), Some(&[9u8; 10][..]));
    assert_eq!(v.file_length, Some(1234));

    let m = build(&media(MediaKind::Audio, true), &chat, None, Some(&up), 0).unwrap();
    let a = m.audio_message.as_option().expect("audio");
    assert_eq!(a.ptt, Some(true), "a voice note is push-to-talk");
    let m = build(&media(MediaKind::Audio, false), &chat, None, Some(&up), 0).unwrap();
    assert_eq!(m.audio_message.as_option().expect("audio").ptt, Some(false));

    let m = build(
        &media(MediaKind::Document, false),
        &chat,
        None,
        Some(&up),
        0,
    )
    .unwrap();
    let d = m.document_message.as_option().expect("document");
    assert_eq!(d.file_name.as_deref(), Some("f.pdf"));
    assert_eq!(d.caption.as_deref(), Some("cap"));
    assert_eq!(d.media_key.as_deref(), Some(&[1u8; 32][..]));

    let m = build(&media(MediaKind::Sticker, false), &chat, None, Some(&up), 0).unwrap();
    let s = m.sticker_message.as_option().expect("sticker");
    assert_eq!(s.mimetype.as_deref(), Some("x/y"));
    assert_eq!(s.direct_path.as_deref(), Some("/v/t62/x"));

    assert!(matches!(media_type(MediaKind::Image), MediaType::Image));
    assert!(matches!(media_type(MediaKind::Video), MediaType::Video));
    assert!(matches!(media_type(MediaKind::Audio), MediaType::Audio));
    assert!(matches!(
        media_type(MediaKind::Document),
        MediaType::Document
    ));
    assert!(matches!(media_type(MediaKind::Sticker), MediaType::Sticker));
}

#[test]
fn media_without_an_upload_is_refused() {
    let err = build(&media(MediaKind::Image, false), &jid(CHAT), None, None, 0).unwrap_err();
    assert_eq!(err.kind, WebErrorKind::Rejected);
}

#[test]
fn location_contacts_and_reaction() {
    let chat = jid(CHAT);
    let m = build(
        &msg(OutboundContent::Location {
            latitude: 6.45,
            longitude: 3.39,
            name: Some("Lagos".into()),
            address: Some("Marina".into()),
        }),
        &chat,
        None,
        None,
        0,
    )
    .unwrap();
    let l = m.location_message.as_option().expect("location");
    assert_eq!(
        (l.degrees_latitude, l.degrees_longitude),
        (Some(6.45), Some(3.39))
    );
    assert_eq!(
        (l.name.as_deref(), l.address.as_deref()),
        (Some("Lagos"), Some("Marina"))
    );

    let card = |n: &str| ContactCard {
        display_name: n.into(),
        vcard: format!("BEGIN:VCARD\nVERSION:3.0\nFN:{n}\nEND:VCARD"),
    };
    let m = build(
        &msg(OutboundContent::Contacts(vec![card("Ada")])),
        &chat,
        None,
        None,
        0,
    )
    .unwrap();
    let c = m.contact_message.as_option().expect("one contact");
    assert_eq!(c.display_name.as_deref(), Some("Ada"));
    assert!(c.vcard.as_deref().unwrap().contains("FN:Ada"));
    assert!(m.contacts_array_message.as_option().is_none());

    let m = build(
        &msg(OutboundContent::Contacts(vec![card("Ada"), card("Bo")])),
        &chat,
        None,
        None,
        0,
    )
    .unwrap();
    let arr = m
        .contacts_array_message
        .as_option()
        .expect("contacts array");
    assert_eq!(arr.contacts.len(), 2);
    assert_eq!(arr.contacts[1].display_name.as_deref(), Some("Bo"));
    assert!(m.contact_message.as_option().is_none());

    let err = build(
        &msg(OutboundContent::Contacts(vec![])),
        &chat,
        None,
        None,
        0,
    )
    .unwrap_err();
    assert_eq!(err.kind, WebErrorKind::Rejected);

    let m = build(
        &msg(OutboundContent::Reaction {
            message_id: "3EB0TARGET".into(),
            from_me: false,
            emoji: "👍".into(),
        }),
        &chat,
        None,
        None,
        1_700_000_000_123,
    )
    .unwrap();
    let r = m.reaction_message.as_option().expect("reaction");
    assert_eq!(r.text.as_deref(), Some("👍"));
    assert_eq!(r.sender_timestamp_ms, Some(1_700_000_000_123));
    let key = r.key.as_option().expect("key");
    assert_eq!(key.id.as_deref(), Some("3EB0TARGET"));
    assert_eq!(key.from_me, Some(false));
    assert_eq!(key.remote_jid.as_deref(), Some(CHAT));
}
