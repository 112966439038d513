//! Media kinds, the MIME types and sizes WhatsApp accepts for each, and the type of a file
//! detected from its first bytes.
//!
//! | kind | MIME types | limit |
//! |---|---|---|
//! | image | image/jpeg, image/png | 5 MB |
//! | video | video/mp4, video/3gpp | 16 MB |
//! | audio | audio/aac, audio/amr, audio/mpeg, audio/mp4, audio/ogg (Opus only) | 16 MB |
//! | document | text/plain, application/pdf, Word, Excel and PowerPoint (97–2003 and OOXML) | 100 MB |
//! | sticker | image/webp | 100 KB static, 500 KB animated |
//!
//! Choices: MB and KB are binary (1 MB = 1,048,576 bytes), the lenient reading; a file's type
//! comes from its bytes ([`sniff`]), the declared type only settles what bytes cannot (an
//! Office file inside a generic ZIP or OLE container, or MP4 audio versus video); text is
//! `text/plain` only when the bytes are UTF-8 (or UTF-16 with a BOM) without control
//! characters and do not start like HTML, XML or SVG; a file whose type cannot be recognized
//! is refused. Every refusal carries Meta's code 131053 (media upload error) and a
//! [`MediaRuleReason`] the API can map to an HTTP status.

use std::fmt;

use crate::message::{MessageError, MetaErrorBody};

/// Meta's code for a media upload problem (also used when a send's media is refused).
pub const MEDIA_UPLOAD_ERROR: u32 = 131_053;
/// Meta's title for [`MEDIA_UPLOAD_ERROR`].
pub const MEDIA_UPLOAD_ERROR_TITLE: &str = "Media upload error";
/// How many leading bytes [`sniff`] and [`classify`] look at; give at least this many when
/// the file is that long.
pub const SNIFF_LEN: usize = 8192;
/// One kilobyte (binary).
pub const KB: u64 = 1024;
/// One megabyte (binary).
pub const MB: u64 = 1024 * 1024;
/// Largest image.
pub const IMAGE_MAX: u64 = 5 * MB;
/// Largest video.
pub const VIDEO_MAX: u64 = 16 * MB;
/// Largest audio file.
pub const AUDIO_MAX: u64 = 16 * MB;
/// Largest document.
pub const DOCUMENT_MAX: u64 = 100 * MB;
/// Largest static sticker.
pub const STICKER_STATIC_MAX: u64 = 100 * KB;
/// Largest animated sticker.
pub const STICKER_ANIMATED_MAX: u64 = 500 * KB;

const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png"];
const VIDEO_TYPES: &[&str] = &["video/mp4", "video/3gpp"];
const AUDIO_TYPES: &[&str] = &[
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
];
const DOC: &str = "application/msword";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLS: &str = "application/vnd.ms-excel";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPT: &str = "application/vnd.ms-powerpoint";
const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
const DOCUMENT_TYPES: &[&str] = &[
    "text/plain",
    "application/pdf",
    DOC,
    DOCX,
    XLS,
    XLSX,
    PPT,
    PPTX,
];
const STICKER_TYPES: &[&str] = &["image/webp"];
/// What [`sniff`] answers for a ZIP that is not recognizably an Office file.
const ZIP: &str = "application/zip";
/// What [`sniff`] answers for an OLE compound file (Office 97–2003) of unknown kind.
const OLE: &str = "application/x-ole-storage";

/// A kind of media message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `image`
    Image,
    /// `video`
    Video,
    /// `audio`
    Audio,
    /// `document`
    Document,
    /// `sticker`
    Sticker,
}

impl MediaKind {
    /// Every kind.
    pub const ALL: [MediaKind; 5] = [
        MediaKind::Image,
        MediaKind::Video,
        MediaKind::Audio,
        MediaKind::Document,
        MediaKind::Sticker,
    ];

    /// The message type name (`image`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }

    /// Parses a message type name, ignoring ASCII case.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    /// The MIME types WhatsApp accepts for this kind.
    pub fn mime_types(self) -> &'static [&'static str] {
        match self {
            MediaKind::Image => IMAGE_TYPES,
            MediaKind::Video => VIDEO_TYPES,
            MediaKind::Audio => AUDIO_TYPES,
            MediaKind::Document => DOCUMENT_TYPES,
            MediaKind::Sticker => STICKER_TYPES,
        }
    }

    /// The largest file of this kind (for stickers, the animated limit).
    pub fn max_bytes(self) -> u64 {
        match self {
            MediaKind::Image => IMAGE_MAX,
            MediaKind::Video => VIDEO_MAX,
            MediaKind::Audio => AUDIO_MAX,
            MediaKind::Document => DOCUMENT_MAX,
            MediaKind::Sticker => STICKER_ANIMATED_MAX,
        }
    }

    /// The rule in words, e.g. "image must be JPEG or PNG up to 5 MB".
    pub fn rule(self) -> &'static str {
        match self {
            MediaKind::Image => "image must be JPEG or PNG up to 5 MB",
            MediaKind::Video => "video must be MP4 or 3GPP up to 16 MB",
            MediaKind::Audio => "audio must be AAC, AMR, MP3, M4A or OGG (Opus) up to 16 MB",
            MediaKind::Document => {
                "document must be TXT, PDF, DOC(X), XLS(X) or PPT(X) up to 100 MB"
            }
            MediaKind::Sticker => "sticker must be WebP up to 100 KB (500 KB when animated)",
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a file was refused (for mapping to an HTTP status: `TooLarge` → 413, the others →
/// 400 or 415).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaRuleReason {
    /// The type is not one WhatsApp accepts for the kind (or at all).
    UnsupportedType,
    /// The file's type could not be recognized from its bytes.
    UnrecognizedType,
    /// The file is larger than the kind allows.
    TooLarge,
    /// The file is empty.
    Empty,
}

/// A file refused by the media rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("(#{code}) {message}")]
pub struct MediaRuleError {
    /// Meta's code: always [`MEDIA_UPLOAD_ERROR`] (131053).
    pub code: u32,
    /// Why, for mapping to an HTTP status.
    pub reason: MediaRuleReason,
    /// What is wrong and what is allowed, e.g. "image must be JPEG or PNG up to 5 MB; got
    /// image/gif".
    pub message: String,
}

impl MediaRuleError {
    fn new(reason: MediaRuleReason, message: impl Into<String>) -> Self {
        Self {
            code: MEDIA_UPLOAD_ERROR,
            reason,
            message: message.into(),
        }
    }

    /// Meta's error envelope for this error, traced by `trace_id`.
    pub fn to_meta(&self, trace_id: impl Into<String>) -> MetaErrorBody {
        MetaErrorBody::new(
            self.code,
            MEDIA_UPLOAD_ERROR_TITLE,
            self.message.clone(),
            trace_id,
        )
    }

    /// As a [`MessageError`] at `path` (e.g. `file`).
    pub fn at(&self, path: &str) -> MessageError {
        MessageError {
            code: self.code,
            message: MEDIA_UPLOAD_ERROR_TITLE.to_string(),
            details: format!("{path}: {}", self.message),
            path: path.to_string(),
        }
    }
}

/// A MIME type in canonical form: lower-case, without parameters (`; codecs=…`), with
/// common aliases mapped (`image/jpg` → `image/jpeg`, `audio/mp3` → `audio/mpeg`,
/// `audio/x-m4a` → `audio/mp4`, `audio/opus` → `audio/ogg`, …).
pub fn normalize_mime(mime: &str) -> String {
    let base = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let canonical = match base.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg",
        "image/x-png" => "image/png",
        "audio/mp3" | "audio/mpeg3" | "audio/x-mpeg" | "audio/x-mp3" => "audio/mpeg",
        "audio/x-m4a" | "audio/m4a" => "audio/mp4",
        "audio/x-aac" | "audio/aacp" => "audio/aac",
        "audio/opus" => "audio/ogg",
        "video/3gp" => "video/3gpp",
        "application/x-pdf" => "application/pdf",
        "text/txt" => "text/plain",
        _ => return base,
    };
    canonical.to_string()
}

/// The media kind a MIME type belongs to, for uploads without a declared kind
/// (`image/webp` is a sticker). `None` when WhatsApp accepts the type for no kind.
pub fn kind_for_mime(mime: &str) -> Option<MediaKind> {
    let m = normalize_mime(mime);
    MediaKind::ALL
        .into_iter()
        .find(|k| k.mime_types().contains(&m.as_str()))
}

fn size_text(bytes: u64) -> String {
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= KB {
        format!("{:.1} KB", bytes as f64 / KB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

fn check_type(kind: MediaKind, mime: &str, note: &str) -> Result<(), MediaRuleError> {
    if kind.mime_types().contains(&mime) {
        return Ok(());
    }
    let hint = match (kind, kind_for_mime(mime)) {
        (_, Some(other)) => format!("; send it as {} {other}", article(other)),
        _ => String::new(),
    };
    Err(MediaRuleError::new(
        MediaRuleReason::UnsupportedType,
        format!("{}; got {mime}{note}{hint}", kind.rule()),
    ))
}

fn article(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image | MediaKind::Audio => "an",
        _ => "a",
    }
}

fn check_size(kind: MediaKind, limit: u64, size: u64) -> Result<(), MediaRuleError> {
    if size == 0 {
        return Err(MediaRuleError::new(
            MediaRuleReason::Empty,
            format!("{}; the file is empty", kind.rule()),
        ));
    }
    if size > limit {
        return Err(MediaRuleError::new(
            MediaRuleReason::TooLarge,
            format!(
                "{}; got {} ({size} bytes, the limit is {limit})",
                kind.rule(),
                size_text(size)
            ),
        ));
    }
    Ok(())
}

/// Checks that `mime` is allowed for `kind` and `size` bytes within its limit. For
/// stickers this applies the animated limit (500 KB); [`classify`] tells static from
/// animated WebP and applies 100 KB to static ones.
pub fn check(kind: MediaKind, mime: &str, size: u64) -> Result<(), MediaRuleError> {
    let mime = normalize_mime(mime);
    check_type(kind, &mime, "")?;
    check_size(kind, kind.max_bytes(), size)
}

/// A file's media type once classified: its kind, MIME type and size limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// The media kind.
    pub kind: MediaKind,
    /// The MIME type (canonical).
    pub mime: String,
    /// Whether it is an animated WebP sticker.
    pub animated: bool,
    /// The largest size allowed, in bytes.
    pub max_bytes: u64,
}

impl MediaType {
    /// Checks the file's full size (call it as the upload streams, and at its end).
    pub fn check_size(&self, size: u64) -> Result<(), MediaRuleError> {
        let rule = check_size(self.kind, self.max_bytes, size);
        match (rule, self.kind) {
            (Err(e), MediaKind::Sticker) if e.reason == MediaRuleReason::TooLarge => {
                Err(MediaRuleError::new(
                    e.reason,
                    format!(
                        "a {} sticker must be at most {}; got {} ({size} bytes)",
                        if self.animated { "animated" } else { "static" },
                        size_text(self.max_bytes),
                        size_text(size)
                    ),
                ))
            }
            (other, _) => other,
        }
    }
}

/// Classifies a file from its first bytes (`prefix`, at least [`SNIFF_LEN`] of them when
/// the file is that long), its declared `kind` and declared MIME type (both optional).
/// The bytes decide the type; see the module docs for when the declared type is used.
pub fn classify(
    kind: Option<MediaKind>,
    declared: Option<&str>,
    prefix: &[u8],
) -> Result<MediaType, MediaRuleError> {
    let declared = declared.map(normalize_mime).filter(|d| !d.is_empty());
    let what = kind.map_or("the file", MediaKind::as_str);
    if prefix.is_empty() {
        return Err(MediaRuleError::new(
            MediaRuleReason::Empty,
            format!("{what} is empty"),
        ));
    }
    let Some(sniffed) = sniff(prefix) else {
        return Err(MediaRuleError::new(
            MediaRuleReason::UnrecognizedType,
            format!(
                "the type of {what} could not be recognized from its bytes{}; {}",
                declared
                    .as_deref()
                    .map(|d| format!(" (declared {d})"))
                    .unwrap_or_default(),
                kind.map_or("send JPEG, PNG, MP4, 3GPP, AAC, AMR, MP3, M4A, OGG (Opus), WebP, TXT, PDF or Office files", MediaKind::rule)
            ),
        ));
    };
    let declared_ref = declared.as_deref();
    let mime: String = match sniffed {
        ZIP if declared_ref.is_some_and(|d| [DOCX, XLSX, PPTX].contains(&d)) => {
            declared_ref.unwrap_or(ZIP).to_string()
        }
        OLE if declared_ref.is_some_and(|d| [DOC, XLS, PPT].contains(&d)) => {
            declared_ref.unwrap_or(OLE).to_string()
        }
        "video/mp4"
            if declared_ref == Some("audio/mp4")
                || (kind == Some(MediaKind::Audio) && declared_ref.is_none()) =>
        {
            "audio/mp4".to_string()
        }
        other => other.to_string(),
    };
    let note = match declared_ref {
        Some(d) if d != mime => format!(" (detected from the file's bytes; declared {d})"),
        _ => " (detected from the file's bytes)".to_string(),
    };
    let kind = match kind {
        Some(k) => {
            check_type(k, &mime, &note)?;
            k
        }
        None => kind_for_mime(&mime).ok_or_else(|| {
            MediaRuleError::new(
                MediaRuleReason::UnsupportedType,
                format!("WhatsApp does not accept {mime} files{note}; send JPEG or PNG images, MP4 or 3GPP videos, AAC, AMR, MP3, M4A or OGG (Opus) audio, WebP stickers, or TXT, PDF or Office documents"),
            )
        })?,
    };
    let animated = kind == MediaKind::Sticker && is_animated_webp(prefix);
    let max_bytes = match kind {
        MediaKind::Sticker if !animated => STICKER_STATIC_MAX,
        k => k.max_bytes(),
    };
    Ok(MediaType {
        kind,
        mime,
        animated,
        max_bytes,
    })
}

/// Whether `prefix` starts an animated WebP (a `VP8X` header with the animation flag).
pub fn is_animated_webp(prefix: &[u8]) -> bool {
    prefix.get(0..4) == Some(b"RIFF")
        && prefix.get(8..12) == Some(b"WEBP")
        && prefix.get(12..16) == Some(b"VP8X")
        && prefix.get(20).is_some_and(|flags| flags & 0x02 != 0)
}

/// The MIME type of a file from its first bytes (give [`SNIFF_LEN`] of them), or `None`
/// when no known format matches. Answers `application/zip` or `application/x-ole-storage`
/// for containers whose Office kind the prefix does not show, and `text/plain` only for
/// plain text (see the module docs).
pub fn sniff(prefix: &[u8]) -> Option<&'static str> {
    sniff_binary(prefix)
        .or_else(|| sniff_text(prefix))
        .or_else(|| infer::get(prefix).map(|t| t.mime_type()))
}

fn sniff_binary(b: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| b.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some("image/png");
    }
    if starts(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        return Some("image/webp");
    }
    if let (Some(b"ftyp"), Some(brand)) = (b.get(4..8), b.get(8..12)) {
        return Some(ftyp(brand));
    }
    if b.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Some("application/pdf");
    }
    if starts(b"#!AMR-WB\n") {
        return Some("audio/amr-wb");
    }
    if starts(b"#!AMR\n") {
        return Some("audio/amr");
    }
    if starts(b"OggS") {
        return Some(ogg(b));
    }
    if starts(b"ID3") {
        return Some("audio/mpeg");
    }
    // ADTS AAC: 12-bit sync, layer 00.
    if let [0xFF, second, ..] = b {
        if second & 0xF6 == 0xF0 {
            return Some("audio/aac");
        }
    }
    // An MP3 frame: 11-bit sync, a valid version, Layer III, a valid bitrate. (Layer I
    // would also match a UTF-16 byte-order mark.)
    if let [0xFF, second, third, ..] = b {
        if second & 0xE0 == 0xE0
            && second & 0x06 == 0x02
            && second & 0x18 != 0x08
            && third & 0xF0 != 0xF0
        {
            return Some("audio/mpeg");
        }
    }
    if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(ole(b));
    }
    if starts(b"PK\x03\x04") {
        return Some(zip(b));
    }
    None
}

/// The MIME type of an ISO media file from its major brand.
fn ftyp(brand: &[u8]) -> &'static str {
    match brand {
        b"M4A " | b"M4B " | b"M4P " => "audio/mp4",
        b"qt  " => "video/quicktime",
        b"heic" | b"heix" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => "image/heic",
        b"avif" | b"avis" => "image/avif",
        b"crx " => "image/x-canon-cr3",
        [b'3', b'g', b'2', _] => "video/3gpp2",
        [b'3', b'g', _, _] => "video/3gpp",
        _ => "video/mp4",
    }
}

/// OGG: `audio/ogg` only for Opus, which WhatsApp accepts; other codecs name themselves.
fn ogg(b: &[u8]) -> &'static str {
    let head = b.get(28..36).unwrap_or(&[]);
    if head.starts_with(b"OpusHead") {
        "audio/ogg"
    } else if head.starts_with(b"\x01vorbis") {
        "audio/vorbis"
    } else if head.starts_with(b"\x80theora") {
        "video/ogg"
    } else {
        "application/ogg"
    }
}

fn utf16le(name: &str) -> Vec<u8> {
    name.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// An OLE compound file: Word, Excel or PowerPoint when a stream name shows in the prefix.
fn ole(b: &[u8]) -> &'static str {
    if contains(b, &utf16le("WordDocument")) {
        DOC
    } else if contains(b, &utf16le("Workbook")) || contains(b, &utf16le("Book")) {
        XLS
    } else if contains(b, &utf16le("PowerPoint Document")) {
        PPT
    } else {
        OLE
    }
}

/// A ZIP: an Office Open XML file when an entry name in the prefix shows which.
fn zip(b: &[u8]) -> &'static str {
    let field = |at: usize, offset: usize, len: usize| -> Option<usize> {
        let start = at.checked_add(offset)?;
        let bytes = b.get(start..start.checked_add(len)?)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0usize, |acc, x| (acc << 8) | usize::from(*x)),
        )
    };
    let mut at = 0usize;
    for _ in 0..64 {
        if !b
            .get(at..)
            .is_some_and(|rest| rest.starts_with(b"PK\x03\x04"))
        {
            break;
        }
        let (Some(flags), Some(compressed), Some(name_len), Some(extra_len)) = (
            field(at, 6, 2),
            field(at, 18, 4),
            field(at, 26, 2),
            field(at, 28, 2),
        ) else {
            break;
        };
        let name = at
            .checked_add(30)
            .and_then(|start| b.get(start..start.checked_add(name_len)?));
        let Some(name) = name else { break };
        if name.starts_with(b"word/") {
            return DOCX;
        }
        if name.starts_with(b"xl/") {
            return XLSX;
        }
        if name.starts_with(b"ppt/") {
            return PPTX;
        }
        if flags & 0x08 != 0 {
            break;
        }
        let next = [30, name_len, extra_len, compressed]
            .into_iter()
            .try_fold(at, usize::checked_add);
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    if contains(b, b"word/document.xml") {
        DOCX
    } else if contains(b, b"xl/workbook.xml") {
        XLSX
    } else if contains(b, b"ppt/presentation.xml") {
        PPTX
    } else {
        ZIP
    }
}

/// Plain text (or HTML, XML, SVG, which WhatsApp refuses as documents).
fn sniff_text(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]) {
        return Some("text/plain");
    }
    let b = b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b);
    let text = match std::str::from_utf8(b) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(b.get(..e.valid_up_to())?).ok()?,
        Err(_) => return None,
    };
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C'))
    {
        return None;
    }
    let head: String = text
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    let markup = |tags: &[&str]| tags.iter().any(|t| head.starts_with(t));
    if markup(&["<?xml"]) {
        return Some(if contains(text.as_bytes(), b"<svg") {
            "image/svg+xml"
        } else {
            "text/xml"
        });
    }
    if markup(&["<svg"]) {
        return Some("image/svg+xml");
    }
    if markup(&[
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<script",
        "<iframe",
        "<div",
        "<table",
        "<!--",
    ]) {
        return Some("text/html");
    }
    Some("text/plain")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_mimes() {
        assert_eq!(kind_for_mime("image/webp"), Some(MediaKind::Sticker));
        assert_eq!(kind_for_mime("IMAGE/JPG"), Some(MediaKind::Image));
        assert_eq!(
            kind_for_mime("audio/ogg; codecs=opus"),
            Some(MediaKind::Audio)
        );
        assert_eq!(kind_for_mime("image/gif"), None);
        assert_eq!(MediaKind::from_name("Sticker"), Some(MediaKind::Sticker));
        assert_eq!(normalize_mime(" Audio/MP3 "), "audio/mpeg");
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(1536), "1.5 KB");
    }

    #[test]
    fn zip_walk_never_panics_on_junk() {
        let mut b = b"PK\x03\x04".to_vec();
        b.extend([0xFF; 40]);
        assert_eq!(zip(&b), ZIP);
        assert_eq!(zip(b"PK\x03\x04"), ZIP);
    }
}
