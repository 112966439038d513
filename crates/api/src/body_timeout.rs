//! The slow-body guard: a request body that stalls longer than `body_timeout` between two
//! chunks ends the request with 408 `body_timeout` and closes the connection, whatever the
//! handler was doing with the body, so a client trickling a body cannot hold a request open.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::{stream, StreamExt};

use crate::error::ApiError;
use crate::state::AppState;

/// Why the body ended early (the error the handler's body reader sees).
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled for longer than the body timeout")]
struct BodyStalled;

/// Whether the request announces a body.
fn has_body(request: &Request) -> bool {
    let headers = request.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// Wraps the body of `request` so that a stall ends it, then answers 408 if it did.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !has_body(&request) {
        return next.run(request).await;
    }
    let limit = state.settings.body_timeout;
    let stalled = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let flag = stalled.clone();
    let chunks = stream::unfold(Some(body.into_data_stream()), move |chunks| {
        let flag = flag.clone();
        async move {
            let mut chunks = chunks?;
            match tokio::time::timeout(limit, chunks.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(chunks))),
                Ok(None) => None,
                Err(_) => {
                    flag.store(true, Ordering::SeqCst);
                    Some((Err(axum::Error::new(BodyStalled)), None))
                }
            }
        }
    });
    let response = next
        .run(Request::from_parts(parts, Body::from_stream(chunks)))
        .await;
    if !stalled.load(Ordering::SeqCst) {
        return response;
    }
    let mut response = ApiError::Refused {
        status: StatusCode::REQUEST_TIMEOUT,
        code: "body_timeout",
        message: format!(
            "the request body stalled for more than {} ms (http.body_timeout_ms): send it without pauses",
            limit.as_millis()
        ),
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
