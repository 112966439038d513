//! `template_def::media_rules`: MIME allow-lists and size limits per kind, MIME sniffing
//! from magic bytes, and classification of uploads (table-driven), plus properties: no
//! input makes them panic.

use proptest::prelude::*;
use switchboard_core::template_def::media_rules::{
    check, classify, is_animated_webp, kind_for_mime, normalize_mime, sniff, MediaKind,
    MediaRuleReason, KB, MB, MEDIA_UPLOAD_ERROR, SNIFF_LEN,
};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

fn padded(mut b: Vec<u8>) -> Vec<u8> {
    b.resize(b.len().max(64), 0);
    b
}

fn jpeg() -> Vec<u8> {
    padded(vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ])
}

fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    padded(b)
}

fn webp(animated: bool) -> Vec<u8> {
    let mut b = b"RIFF\x24\x00\x00\x00WEBP".to_vec();
    if animated {
        b.extend_from_slice(b"VP8X\x0A\x00\x00\x00");
        b.push(0x12);
    } else {
        b.extend_from_slice(b"VP8 \x18\x00\x00\x00");
        b.push(0x30);
    }
    padded(b)
}

fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0x18];
    b.extend_from_slice(b"ftyp");
    b.extend_from_slice(brand);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(b"isommp41");
    padded(b)
}

fn ogg(codec_head: &[u8]) -> Vec<u8> {
    let mut b = b"OggS".to_vec();
    b.resize(28, 0);
    b.extend_from_slice(codec_head);
    padded(b)
}

fn ole(stream: &str) -> Vec<u8> {
    let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    b.resize(1024, 0);
    b.extend(stream.encode_utf16().flat_map(u16::to_le_bytes));
    b.resize(2048, 0);
    b
}

/// A ZIP local file entry (stored) named `name` holding `data`; `descriptor` sets the
/// data-descriptor flag (sizes unknown in the header).
fn zip_entry(name: &str, data: &[u8], descriptor: bool) -> Vec<u8> {
    let mut b = b"PK\x03\x04".to_vec();
    b.extend_from_slice(&20u16.to_le_bytes());
    b.extend_from_slice(&(if descriptor { 0x08u16 } else { 0 }).to_le_bytes());
    b.extend_from_slice(&[0; 2 + 2 + 2 + 4]);
    let size = if descriptor { 0 } else { data.len() as u32 };
    b.extend_from_slice(&size.to_le_bytes());
    b.extend_from_slice(&size.to_le_bytes());
    b.extend_from_slice(&(name.len() as u16).to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(name.as_bytes());
    b.extend_from_slice(data);
    b
}

fn ooxml(part: &str) -> Vec<u8> {
    let mut b = zip_entry("[Content_Types].xml", &[0x5A; 300], false);
    b.extend(zip_entry("_rels/.rels", &[0x11; 200], false));
    b.extend(zip_entry(part, &[0x22; 100], false));
    b
}

/// Sniffing: (label, bytes, expected MIME).
fn sniff_cases() -> Vec<(&'static str, Vec<u8>, Option<&'static str>)> {
    vec![
        ("jpeg", jpeg(), Some("image/jpeg")),
        ("png", png(), Some("image/png")),
        ("static webp", webp(false), Some("image/webp")),
        ("animated webp", webp(true), Some("image/webp")),
        (
            "gif",
            padded(b"GIF89a\x01\x00\x01\x00".to_vec()),
            Some("image/gif"),
        ),
        ("mp4 isom", ftyp(b"isom"), Some("video/mp4")),
        ("mp4 mp42", ftyp(b"mp42"), Some("video/mp4")),
        ("3gp", ftyp(b"3gp5"), Some("video/3gpp")),
        ("3g2", ftyp(b"3g2a"), Some("video/3gpp2")),
        ("m4a", ftyp(b"M4A "), Some("audio/mp4")),
        ("quicktime", ftyp(b"qt  "), Some("video/quicktime")),
        ("heic", ftyp(b"heic"), Some("image/heic")),
        ("ogg opus", ogg(b"OpusHead"), Some("audio/ogg")),
        ("ogg vorbis", ogg(b"\x01vorbis"), Some("audio/vorbis")),
        ("ogg other", ogg(b"Speex   "), Some("application/ogg")),
        ("amr", padded(b"#!AMR\n".to_vec()), Some("audio/amr")),
        (
            "amr-wb",
            padded(b"#!AMR-WB\n".to_vec()),
            Some("audio/amr-wb"),
        ),
        (
            "mp3 id3",
            padded(b"ID3\x03\x00\x00\x00".to_vec()),
            Some("audio/mpeg"),
        ),
        (
            "mp3 frame mpeg1",
            padded(vec![0xFF, 0xFB, 0x90, 0x64]),
            Some("audio/mpeg"),
        ),
        (
            "mp3 frame mpeg2",
            padded(vec![0xFF, 0xF3, 0x90, 0x64]),
            Some("audio/mpeg"),
        ),
        (
            "aac adts",
            padded(vec![0xFF, 0xF1, 0x50, 0x80]),
            Some("audio/aac"),
        ),
        (
            "aac adts crc",
            padded(vec![0xFF, 0xF9, 0x50, 0x80]),
            Some("audio/aac"),
        ),
        (
            "pdf",
            padded(b"%PDF-1.7\n%\xE2\xE3".to_vec()),
            Some("application/pdf"),
        ),
        (
            "pdf after junk",
            padded(b"\r\n\r\n%PDF-1.4".to_vec()),
            Some("application/pdf"),
        ),
        ("doc", ole("WordDocument"), Some("application/msword")),
        ("xls", ole("Workbook"), Some("application/vnd.ms-excel")),
        (
            "ppt",
            ole("PowerPoint Document"),
            Some("application/vnd.ms-powerpoint"),
        ),
        (
            "other ole",
            ole("Contents"),
            Some("application/x-ole-storage"),
        ),
        ("docx", ooxml("word/document.xml"), Some(DOCX)),
        ("xlsx", ooxml("xl/workbook.xml"), Some(XLSX)),
        ("pptx", ooxml("ppt/presentation.xml"), Some(PPTX)),
        (
            "plain zip",
            ooxml("notes/readme.txt"),
            Some("application/zip"),
        ),
        (
            "docx with data descriptors",
            {
                let mut b = zip_entry("[Content_Types].xml", b"", true);
                b.extend_from_slice(&[0x33; 40]);
                b.extend(zip_entry("word/document.xml", b"", true));
                b
            },
            Some(DOCX),
        ),
        (
            "text",
            b"Hello, world\r\nSecond line\tend\n".to_vec(),
            Some("text/plain"),
        ),
        (
            "text with bom",
            b"\xEF\xBB\xBFcaf\xC3\xA9 au lait".to_vec(),
            Some("text/plain"),
        ),
        (
            "text cut inside a character",
            b"caf\xC3".to_vec(),
            Some("text/plain"),
        ),
        (
            "utf-16 text",
            vec![0xFF, 0xFE, b'h', 0, b'i', 0],
            Some("text/plain"),
        ),
        (
            "csv",
            b"name,phone\nAnn,+1650\n".to_vec(),
            Some("text/plain"),
        ),
        (
            "text starting like a bmp",
            b"BMW sells cars".to_vec(),
            Some("text/plain"),
        ),
        (
            "html",
            b"  <!DOCTYPE html><html><body>x</body></html>".to_vec(),
            Some("text/html"),
        ),
        ("html div", b"<div>hi</div>".to_vec(), Some("text/html")),
        (
            "svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".to_vec(),
            Some("image/svg+xml"),
        ),
        (
            "xml svg",
            b"<?xml version=\"1.0\"?>\n<svg></svg>".to_vec(),
            Some("image/svg+xml"),
        ),
        (
            "xml",
            b"<?xml version=\"1.0\"?><root/>".to_vec(),
            Some("text/xml"),
        ),
        (
            "binary junk",
            vec![0x13, 0x37, 0x00, 0x42, 0x99, 0x01, 0x7F, 0x00, 0x13, 0x37],
            None,
        ),
        ("text with NUL", b"abc\0def".to_vec(), None),
        ("empty", Vec::new(), None),
    ]
}

#[test]
fn sniffs_mime_types_from_magic_bytes() {
    let mut failures = Vec::new();
    for (label, bytes, expected) in sniff_cases() {
        let got = sniff(&bytes);
        if got != expected {
            failures.push(format!("{label}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn webp_animation_flag() {
    assert!(is_animated_webp(&webp(true)));
    assert!(!is_animated_webp(&webp(false)));
    let mut alpha_only = webp(true);
    alpha_only[20] = 0x10;
    assert!(!is_animated_webp(&alpha_only));
    assert!(!is_animated_webp(b"RIFF"));
}

/// Checks: (kind, MIME, size, expected refusal reason and a fragment of the message).
/// A check case: kind, MIME, size, expected refusal reason and message fragment.
type CheckCase = (
    MediaKind,
    &'static str,
    u64,
    Option<(MediaRuleReason, &'static str)>,
);

fn check_cases() -> Vec<CheckCase> {
    use MediaKind::*;
    use MediaRuleReason::*;
    vec![
        (Image, "image/jpeg", 5 * MB, None),
        (Image, "image/png", 1, None),
        (Image, "IMAGE/JPG", 10, None),
        (
            Image,
            "image/jpeg",
            5 * MB + 1,
            Some((
                TooLarge,
                "image must be JPEG or PNG up to 5 MB; got 5.0 MB (5242881 bytes",
            )),
        ),
        (Image, "image/png", 0, Some((Empty, "the file is empty"))),
        (
            Image,
            "image/gif",
            10,
            Some((
                UnsupportedType,
                "image must be JPEG or PNG up to 5 MB; got image/gif",
            )),
        ),
        (
            Image,
            "image/webp",
            10,
            Some((UnsupportedType, "got image/webp; send it as a sticker")),
        ),
        (Video, "video/mp4", 16 * MB, None),
        (Video, "video/3gpp", 1, None),
        (Video, "video/3gp", 1, None),
        (
            Video,
            "video/mp4",
            16 * MB + 1,
            Some((TooLarge, "video must be MP4 or 3GPP up to 16 MB")),
        ),
        (
            Video,
            "video/quicktime",
            1,
            Some((UnsupportedType, "got video/quicktime")),
        ),
        (Audio, "audio/aac", 16 * MB, None),
        (Audio, "audio/amr", 1, None),
        (Audio, "audio/mpeg", 1, None),
        (Audio, "audio/mp3", 1, None),
        (Audio, "audio/mp4", 1, None),
        (Audio, "audio/x-m4a", 1, None),
        (Audio, "audio/ogg; codecs=opus", 1, None),
        (Audio, "audio/opus", 1, None),
        (
            Audio,
            "audio/wav",
            1,
            Some((UnsupportedType, "got audio/wav")),
        ),
        (
            Audio,
            "audio/aac",
            16 * MB + 1,
            Some((TooLarge, "up to 16 MB")),
        ),
        (Document, "application/pdf", 100 * MB, None),
        (Document, "text/plain", 1, None),
        (Document, "application/msword", 1, None),
        (Document, DOCX, 1, None),
        (Document, "application/vnd.ms-excel", 1, None),
        (Document, XLSX, 1, None),
        (Document, "application/vnd.ms-powerpoint", 1, None),
        (Document, PPTX, 1, None),
        (
            Document,
            "application/pdf",
            100 * MB + 1,
            Some((TooLarge, "up to 100 MB")),
        ),
        (
            Document,
            "text/html",
            1,
            Some((UnsupportedType, "got text/html")),
        ),
        (
            Document,
            "application/zip",
            1,
            Some((UnsupportedType, "got application/zip")),
        ),
        (
            Document,
            "image/png",
            1,
            Some((UnsupportedType, "send it as an image")),
        ),
        (Sticker, "image/webp", 500 * KB, None),
        (
            Sticker,
            "image/webp",
            500 * KB + 1,
            Some((
                TooLarge,
                "sticker must be WebP up to 100 KB (500 KB when animated)",
            )),
        ),
        (
            Sticker,
            "image/png",
            1,
            Some((UnsupportedType, "send it as an image")),
        ),
    ]
}

#[test]
fn kinds_accept_their_types_and_sizes() {
    let mut failures = Vec::new();
    for (kind, mime, size, expected) in check_cases() {
        let got = check(kind, mime, size);
        match (&got, expected) {
            (Ok(()), None) => {}
            (Err(e), Some((reason, fragment)))
                if e.reason == reason
                    && e.message.contains(fragment)
                    && e.code == MEDIA_UPLOAD_ERROR => {}
            _ => failures.push(format!(
                "{kind} {mime} {size}: got {got:?}, expected {expected:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_documented_message() {
    let e = check(MediaKind::Image, "image/gif", 10).expect_err("gif");
    assert_eq!(
        e.message,
        "image must be JPEG or PNG up to 5 MB; got image/gif"
    );
    let meta = serde_json::to_value(e.to_meta("t")).expect("serializes");
    assert_eq!(meta["error"]["code"], 131_053);
    assert_eq!(meta["error"]["message"], "(#131053) Media upload error");
    let m = e.at("file");
    assert_eq!((m.code, m.path.as_str()), (131_053, "file"));
    assert!(m.details.starts_with("file: image must be"));
}

#[test]
fn kind_for_mime_of_uploads_without_a_kind() {
    let cases = [
        ("image/jpeg", Some(MediaKind::Image)),
        ("image/png", Some(MediaKind::Image)),
        ("image/webp", Some(MediaKind::Sticker)),
        ("video/mp4", Some(MediaKind::Video)),
        ("video/3gpp", Some(MediaKind::Video)),
        ("audio/ogg", Some(MediaKind::Audio)),
        ("audio/mpeg", Some(MediaKind::Audio)),
        ("application/pdf", Some(MediaKind::Document)),
        (DOCX, Some(MediaKind::Document)),
        ("text/plain; charset=utf-8", Some(MediaKind::Document)),
        ("image/gif", None),
        ("application/octet-stream", None),
        ("", None),
    ];
    for (mime, kind) in cases {
        assert_eq!(kind_for_mime(mime), kind, "{mime}");
    }
    assert_eq!(normalize_mime("Image/JPG ; q=1"), "image/jpeg");
    assert_eq!(MediaKind::from_name("DOCUMENT"), Some(MediaKind::Document));
    assert_eq!(MediaKind::from_name("gif"), None);
    assert_eq!(MediaKind::Sticker.max_bytes(), 500 * KB);
    assert!(MediaKind::ALL.iter().all(|k| !k.mime_types().is_empty()));
}

#[test]
fn classifies_uploads() {
    use MediaKind::*;
    let ok = |kind: Option<MediaKind>, declared: Option<&str>, bytes: &[u8]| {
        classify(kind, declared, bytes).unwrap_or_else(|e| panic!("refused: {e}"))
    };
    let t = ok(None, None, &jpeg());
    assert_eq!(
        (t.kind, t.mime.as_str(), t.max_bytes),
        (Image, "image/jpeg", 5 * MB)
    );
    let t = ok(Some(Image), Some("image/png"), &jpeg());
    assert_eq!(t.mime, "image/jpeg", "the bytes win over the declared type");

    let t = ok(None, Some(DOCX), &ooxml("notes/readme.txt"));
    assert_eq!((t.kind, t.mime.as_str()), (Document, DOCX));
    let t = ok(None, None, &ooxml("xl/workbook.xml"));
    assert_eq!(t.mime, XLSX);
    let t = ok(
        Some(Document),
        Some("application/vnd.ms-excel"),
        &ole("Contents"),
    );
    assert_eq!(t.mime, "application/vnd.ms-excel");
    let t = ok(None, None, &ole("WordDocument"));
    assert_eq!(t.mime, "application/msword");
    let t = ok(None, Some("application/json"), b"{\"a\": 1}\n");
    assert_eq!((t.kind, t.mime.as_str()), (Document, "text/plain"));

    let t = ok(None, None, &webp(true));
    assert_eq!((t.kind, t.animated, t.max_bytes), (Sticker, true, 500 * KB));
    assert!(t.check_size(400 * KB).is_ok());
    let t = ok(None, None, &webp(false));
    assert_eq!(
        (t.kind, t.animated, t.max_bytes),
        (Sticker, false, 100 * KB)
    );
    let e = t.check_size(200 * KB).expect_err("too large");
    assert_eq!(e.reason, MediaRuleReason::TooLarge);
    assert_eq!(
        e.message,
        "a static sticker must be at most 100.0 KB; got 200.0 KB (204800 bytes)"
    );

    assert_eq!(ok(Some(Audio), None, &ftyp(b"isom")).mime, "audio/mp4");
    let t = ok(None, Some("audio/mp4"), &ftyp(b"mp42"));
    assert_eq!((t.kind, t.mime.as_str()), (Audio, "audio/mp4"));
    assert_eq!(ok(None, None, &ftyp(b"isom")).kind, Video);
    assert_eq!(ok(None, None, &ftyp(b"3gp4")).mime, "video/3gpp");
    assert_eq!(ok(None, None, &ogg(b"OpusHead")).kind, Audio);

    let t = ok(Some(Image), None, &png());
    let e = t.check_size(6 * MB).expect_err("too large");
    assert_eq!(e.reason, MediaRuleReason::TooLarge);
    assert!(e
        .message
        .starts_with("image must be JPEG or PNG up to 5 MB; got 6.0 MB"));
    assert_eq!(
        t.check_size(0).map_err(|e| e.reason),
        Err(MediaRuleReason::Empty)
    );
}

/// A refused upload: declared kind and MIME, bytes, expected reason and message fragment.
type RefusalCase = (
    Option<MediaKind>,
    Option<&'static str>,
    Vec<u8>,
    MediaRuleReason,
    &'static str,
);

#[test]
fn refuses_uploads() {
    use MediaKind::*;
    use MediaRuleReason::*;
    let gif = padded(b"GIF89a\x01\x00\x01\x00".to_vec());
    let cases: Vec<RefusalCase> = vec![
        (Some(Image), Some("image/jpeg"), gif.clone(), UnsupportedType,
            "image must be JPEG or PNG up to 5 MB; got image/gif (detected from the file's bytes; declared image/jpeg)"),
        (None, None, gif, UnsupportedType, "WhatsApp does not accept image/gif files"),
        (None, None, ooxml("notes/readme.txt"), UnsupportedType, "application/zip"),
        (None, Some("application/pdf"), ole("Contents"), UnsupportedType, "application/x-ole-storage"),
        (Some(Audio), None, ogg(b"\x01vorbis"), UnsupportedType, "got audio/vorbis"),
        (Some(Audio), None, padded(b"#!AMR-WB\n".to_vec()), UnsupportedType, "got audio/amr-wb"),
        (Some(Document), Some("text/plain"), b"<html><script>x</script></html>".to_vec(), UnsupportedType, "got text/html"),
        (Some(Image), None, b"<svg onload=alert(1)>".to_vec(), UnsupportedType, "got image/svg+xml"),
        (Some(Sticker), None, png(), UnsupportedType, "send it as an image"),
        (Some(Video), None, ftyp(b"qt  "), UnsupportedType, "got video/quicktime"),
        (None, Some("application/pdf"), vec![0x13, 0x37, 0x00, 0x42, 0x99], UnrecognizedType, "(declared application/pdf)"),
        (Some(Image), None, Vec::new(), Empty, "image is empty"),
    ];
    for (kind, declared, bytes, reason, fragment) in cases {
        match classify(kind, declared, &bytes) {
            Ok(t) => panic!("{kind:?} {declared:?}: accepted as {t:?}"),
            Err(e) => {
                assert_eq!(e.reason, reason, "{kind:?} {declared:?}: {}", e.message);
                assert!(
                    e.message.contains(fragment),
                    "{kind:?} {declared:?}: {}",
                    e.message
                );
                assert_eq!(e.code, MEDIA_UPLOAD_ERROR);
            }
        }
    }
}

fn arb_prefix() -> impl Strategy<Value = Vec<u8>> {
    let heads: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"PK\x03\x04".to_vec(),
        vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
        b"RIFF\x00\x00\x00\x00WEBPVP8X".to_vec(),
        b"\x00\x00\x00\x18ftyp".to_vec(),
        b"OggS".to_vec(),
        b"%PDF-".to_vec(),
        vec![0xFF],
        vec![0xEF, 0xBB, 0xBF],
        b"<?xml".to_vec(),
    ];
    (
        prop::sample::select(heads),
        prop::collection::vec(any::<u8>(), 0..400),
    )
        .prop_map(|(mut head, tail)| {
            head.extend(tail);
            head
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn sniffing_and_classifying_never_panic(
        bytes in arb_prefix(),
        kind in proptest::option::of(0usize..5),
        declared in proptest::option::of("[a-z/.;= -]{0,40}"),
    ) {
        let kind = kind.map(|i| MediaKind::ALL[i]);
        let sniffed = sniff(&bytes);
        match classify(kind, declared.as_deref(), &bytes) {
            Ok(t) => {
                prop_assert!(t.kind.mime_types().contains(&t.mime.as_str()), "{:?}", t);
                prop_assert!(sniffed.is_some());
                prop_assert!(t.max_bytes <= t.kind.max_bytes());
                prop_assert!(t.check_size(t.max_bytes).is_ok());
                prop_assert!(t.check_size(t.max_bytes + 1).is_err());
            }
            Err(e) => prop_assert_eq!(e.code, MEDIA_UPLOAD_ERROR),
        }
        let long: Vec<u8> = bytes.iter().copied().cycle().take(SNIFF_LEN + 7).collect();
        let _ = sniff(&long);
    }

    #[test]
    fn check_never_panics_and_honours_limits(
        kind in 0usize..5,
        mime in "[a-zA-Z/.;= -]{0,40}",
        size in any::<u64>(),
    ) {
        let kind = MediaKind::ALL[kind];
        match check(kind, &mime, size) {
            Ok(()) => {
                prop_assert!(size > 0 && size <= kind.max_bytes());
                prop_assert_eq!(kind_for_mime(&mime), Some(kind));
            }
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
        for allowed in kind.mime_types() {
            prop_assert_eq!(check(kind, allowed, size).is_ok(), size > 0 && size <= kind.max_bytes());
        }
    }
}
