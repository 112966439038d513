//! Request ids: every request gets a `req_…` id, answered in `x-request-id` and quoted by
//! error bodies and log lines.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use switchboard_core::id::RequestId;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, or an empty string outside one.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// Middleware: assigns the id, runs the request inside its scope, and sets the header.
pub async fn assign(request: Request, next: Next) -> Response {
    let id = RequestId::new().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = REQUEST_ID
        .scope(
            id.clone(),
            tracing::Instrument::instrument(next.run(request), span),
        )
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
