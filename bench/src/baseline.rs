//! The no-op baseline: a minimal axum server on the same route as the send endpoint that
//! parses the same JSON body and answers a fixed Meta-shaped body. It runs as its own process
//! (`switchboard-bench baseline`) with tokio's default multi-threaded runtime, like the server.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;

const FIXED: &str = r#"{"messaging_product":"whatsapp","contacts":[{"input":"12025550001","wa_id":"12025550001"}],"messages":[{"id":"msg_01baseline000000000000000000","message_status":"accepted"}],"window_expires_at":null}"#;

async fn send(Path(_channel): Path<String>, body: Bytes) -> impl IntoResponse {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) if v.get("to").is_some() => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            FIXED,
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":{"message":"invalid body","code":100}}"#,
        ),
    }
}

/// Serves the baseline on `listen` until killed; logs `baseline listening address=…`.
pub async fn serve(listen: &str) -> anyhow::Result<()> {
    let app = Router::new().route("/v1/channels/{id}/messages", post(send));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("baseline listening address={}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
