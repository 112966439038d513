//! Middleware recording every request (except the `/emulator/` control API) with its answer's
//! status.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{OriginalUri, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::error::GraphError;
use crate::records::RecordedRequest;
use crate::state::{lock, now_millis, Inner};

/// Largest body buffered (the largest upload plus multipart overhead).
pub(crate) const MAX_BODY_BYTES: usize = (crate::media::MAX_UPLOAD_BYTES as usize) + 1024 * 1024;

/// The middleware.
pub(crate) async fn record(State(inner): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/emulator/") {
        return next.run(req).await;
    }
    let seq = inner.request_seq.fetch_add(1, Ordering::Relaxed);
    let time_ms = now_millis();
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map(|u| u.0.clone())
        .unwrap_or_else(|| req.uri().clone())
        .path_and_query()
        .map_or_else(|| "/".to_string(), |pq| redact(pq.as_str()));
    let method = req.method().to_string();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            let value = if k == header::AUTHORIZATION {
                "[redacted]".to_string()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (k.as_str().to_string(), value)
        })
        .collect();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (parts, body) = req.into_parts();
    let (response, body_json) = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            let body_json = describe(&bytes, &content_type);
            let req = Request::from_parts(parts, Body::from(bytes));
            (next.run(req).await, body_json)
        }
        Err(_) => {
            let e = GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                100,
                "Invalid parameter",
                format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
            );
            (e.into_response(), Value::Null)
        }
    };
    let entry = RecordedRequest {
        seq,
        method,
        path,
        headers,
        body: body_json,
        time_ms,
        status: response.status().as_u16(),
    };
    lock(&inner.records).requests.push(entry);
    response
}

/// The path and query with secrets replaced: a Telegram bot token (`/bot<token>/`) and an
/// `access_token` query value.
fn redact(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let path: Vec<String> = path
        .split('/')
        .map(|seg| match seg.strip_prefix("bot") {
            Some(token) if token.contains(':') => "bot[redacted]".to_string(),
            _ => seg.to_string(),
        })
        .collect();
    let mut out = path.join("/");
    if let Some(q) = query {
        let q: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("access_token", _)) => "access_token=[redacted]".to_string(),
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&q.join("&"));
    }
    out
}

fn describe(bytes: &[u8], content_type: &str) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if !content_type.starts_with("multipart/") {
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            return v;
        }
    }
    json!({"content_type": content_type, "size": bytes.len()})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            redact("/sandbox/telegram/bot123:ABC/sendMessage?x=1"),
            "/sandbox/telegram/bot[redacted]/sendMessage?x=1"
        );
        assert_eq!(
            redact("/telegram/file/bot123:ABC/photos/f.jpg"),
            "/telegram/file/bot[redacted]/photos/f.jpg"
        );
        assert_eq!(
            redact("/v25.0/me/messages?a=b&access_token=secret"),
            "/v25.0/me/messages?a=b&access_token=[redacted]"
        );
        assert_eq!(redact("/v23.0/106/messages"), "/v23.0/106/messages");
        assert_eq!(redact("/bottles/x"), "/bottles/x");
    }
}
