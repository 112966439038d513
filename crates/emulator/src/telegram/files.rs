//! Files: media parameters (upload, `attach://`, HTTP URL, file_id), `getFile`, and
//! `GET /telegram/file/bot{token}/{file_path}`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Value};

use super::state::TgFile;
use super::{authenticate, with_bot, Bot, TgError};
use crate::params::{Params, Upload};
use crate::state::{lock, Inner};

/// Largest upload (the Bot API's 50 MB).
pub(crate) const MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;
/// Largest file `getFile` serves (20 MB).
const MAX_DOWNLOAD_BYTES: usize = 20 * 1024 * 1024;

static FILE_COUNTER: AtomicU64 = AtomicU64::new(1);

fn defaults(kind: &str) -> (&'static str, &'static str, &'static str) {
    match kind {
        "photo" => ("photos", "jpg", "image/jpeg"),
        "video" => ("videos", "mp4", "video/mp4"),
        "audio" => ("music", "mp3", "audio/mpeg"),
        "voice" => ("voice", "oga", "audio/ogg"),
        "sticker" => ("stickers", "webp", "image/webp"),
        _ => ("documents", "pdf", "application/pdf"),
    }
}

/// Stores `bytes` as a new file of `kind` for `bot` and returns its Message object.
pub(crate) fn store(
    bot: &mut Bot,
    kind: &str,
    bytes: Bytes,
    mime: Option<String>,
    file_name: Option<String>,
) -> Value {
    let n = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
    let file_id = URL_SAFE_NO_PAD.encode(format!("SBTG{}:{kind}:{n}", bot.id));
    let unique_id = URL_SAFE_NO_PAD.encode(format!("U{n}"));
    let (dir, ext, default_mime) = defaults(kind);
    let mime = mime
        .filter(|m| !m.is_empty())
        .unwrap_or(default_mime.to_string());
    let path = format!("{dir}/file_{n}.{ext}");
    let size = bytes.len();
    let mut object = json!({"file_id": file_id, "file_unique_id": unique_id, "file_size": size});
    match kind {
        "photo" => {
            object["width"] = json!(800);
            object["height"] = json!(600);
        }
        "video" => {
            object["width"] = json!(1280);
            object["height"] = json!(720);
            object["duration"] = json!(0);
            object["mime_type"] = json!(mime);
        }
        "audio" | "voice" => {
            object["duration"] = json!(0);
            object["mime_type"] = json!(mime);
        }
        "sticker" => {
            object["type"] = json!("regular");
            object["width"] = json!(512);
            object["height"] = json!(512);
            object["is_animated"] = json!(false);
            object["is_video"] = json!(false);
        }
        _ => {
            object["mime_type"] = json!(mime);
            object["file_name"] = json!(file_name.unwrap_or_else(|| format!("file_{n}.{ext}")));
        }
    }
    if bot.files.len() < bot.cap {
        bot.paths.insert(path.clone(), file_id.clone());
        bot.files.insert(
            file_id,
            TgFile {
                kind: kind.to_string(),
                unique_id,
                path,
                mime,
                bytes,
                object: object.clone(),
            },
        );
    }
    object
}

fn upload(bot: &mut Bot, kind: &str, u: &Upload) -> Result<Value, TgError> {
    if u.bytes.len() as u64 > MAX_UPLOAD_BYTES {
        return Err(TgError::too_large());
    }
    Ok(store(
        bot,
        kind,
        u.bytes.clone(),
        u.content_type.clone(),
        u.file_name.clone(),
    ))
}

/// The media parameter `kind` of a send, as an object for the Message: a multipart upload, an
/// `attach://<part>` reference, an HTTP URL (not fetched; `sendDocument` takes only .pdf and
/// .zip URLs) or a file_id of this bot of the same type.
pub(crate) fn media_input(bot: &mut Bot, p: &Params, kind: &str) -> Result<Value, TgError> {
    if let Some(u) = p.files.get(kind) {
        return upload(bot, kind, u);
    }
    let value = p
        .str(kind)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| TgError::bad(format!("there is no {kind} in the request")))?;
    if let Some(part) = value.strip_prefix("attach://") {
        let u = p
            .files
            .get(part)
            .ok_or_else(|| TgError::bad("wrong file identifier/HTTP URL specified"))?;
        return upload(bot, kind, u);
    }
    if value.starts_with("http://") || value.starts_with("https://") {
        let lower = value.to_ascii_lowercase();
        let path = lower.split(['?', '#']).next().unwrap_or("");
        if kind == "document" && !(path.ends_with(".pdf") || path.ends_with(".zip")) {
            return Err(TgError::bad("wrong type of the web page content"));
        }
        let name = path.rsplit('/').next().map(str::to_string);
        let bytes = Bytes::from(format!("emulated {kind} from {value}"));
        return Ok(store(bot, kind, bytes, None, name));
    }
    let file = bot
        .files
        .get(&value)
        .ok_or_else(|| TgError::bad("wrong file identifier/HTTP URL specified"))?;
    if file.kind != kind {
        return Err(TgError::bad("type of file mismatch"));
    }
    Ok(file.object.clone())
}

/// `getFile`: `File{file_id, file_unique_id, file_size, file_path}`.
pub(crate) fn get_file(inner: &Inner, bot_id: i64, p: &Params) -> Result<Value, TgError> {
    with_bot(inner, bot_id, |bot| {
        let id = p.str("file_id").unwrap_or_default();
        let f = bot
            .files
            .get(&id)
            .ok_or_else(|| TgError::bad("invalid file_id"))?;
        if f.bytes.len() > MAX_DOWNLOAD_BYTES {
            return Err(TgError::bad("file is too big"));
        }
        Ok(json!({
            "file_id": id,
            "file_unique_id": f.unique_id,
            "file_size": f.bytes.len(),
            "file_path": f.path,
        }))
    })
}

/// `GET /telegram/file/bot{token}/{file_path}`: the bytes.
pub(crate) async fn download(
    State(inner): State<Arc<Inner>>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    let bot_id = match authenticate(&inner, &bot) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let file = {
        let bots = lock(&inner.telegram);
        bots.by_id.get(&bot_id).and_then(|b| {
            let id = b.paths.get(&path)?;
            b.files.get(id).map(|f| (f.mime.clone(), f.bytes.clone()))
        })
    };
    match file {
        Some((mime, bytes)) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, mime)
            .header(header::CONTENT_LENGTH, bytes.len())
            .body(Body::from(bytes))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        None => TgError::not_found().into_response(),
    }
}
