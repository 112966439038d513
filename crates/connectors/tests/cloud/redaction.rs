//! The access token never appears in an error's Display or Debug, nor in a log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::json;
use switchboard_connectors::ConnectorError;
use switchboard_emulator::Faults;
use tracing::Instrument;

use crate::common::*;

/// Log output captured in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn auth(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// An upstream that echoes the Authorization header back in its errors.
async fn echo_json(headers: HeaderMap) -> impl IntoResponse {
    let a = auth(&headers);
    (
        StatusCode::BAD_REQUEST,
        Json(
            json!({"error":{"message":format!("bad credentials: {a}"),"code":190,
                             "error_data":{"details":format!("token was {a}")}}}),
        ),
    )
}

async fn echo_text(headers: HeaderMap) -> impl IntoResponse {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("proxy saw {}", auth(&headers)),
    )
}

/// The log capture: a global subscriber installed once for the whole test binary. A
/// thread-local one (`set_default`) races with tests on other threads registering the same
/// callsites, which can cache them as uninteresting before it is installed; with one global
/// subscriber every callsite's interest is computed against it.
fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test of this binary installs a global subscriber");
        logs
    })
}

/// The span this test's work runs in: its log lines carry the span's name.
const CASE: &str = "redaction_case";

#[tokio::test]
async fn token_never_in_errors_or_logs() {
    let logs = captured_logs();
    run_redaction_case()
        .instrument(tracing::info_span!(CASE))
        .await;
    let logs = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf8");
    let ours: Vec<&str> = logs.lines().filter(|l| l.contains(CASE)).collect();
    assert!(
        ours.iter().any(|l| l.contains("graph api call failed")),
        "{logs}"
    );
    assert!(
        ours.iter()
            .any(|l| l.contains("graph api call") && !l.contains("failed")),
        "{logs}"
    );
    assert!(!logs.contains(TOKEN), "token leaked in logs: {logs}");
}

async fn run_redaction_case() {
    let e = Emu::start().await;
    let base = serve(
        Router::new()
            .route("/v23.0/json/messages", post(echo_json))
            .route("/v23.0/text/messages", post(echo_text))
            .route("/v23.0/{id}", get(echo_text)),
    )
    .await;
    // A patient connector for the answers (a process's first request, traced at TRACE level,
    // can take a while in a debug build) and an impatient one for the timeout.
    let conn = connector_with(|c| c.request_timeout = Duration::from_secs(10));
    let impatient = connector_with(|c| c.request_timeout = Duration::from_millis(200));
    let mut errors: Vec<ConnectorError> = Vec::new();

    // Successes log too.
    conn.send(&e.target, &text("hello")).await.expect("send");
    let mut t = target(&base);
    for id in ["json", "text"] {
        t.phone_number_id = id.into();
        errors.push(conn.send(&t, &text("x")).await.expect_err("echo"));
    }
    errors.push(conn.media_info(&t, "5").await.expect_err("echo"));
    errors.push(
        conn.upload_media(&t, Bytes::from_static(b"x"), "image/png", "a.png")
            .await
            .expect_err("404"),
    );
    // The emulator's own errors, a timeout, a dead port.
    let mut wrong = e.target.clone();
    wrong.access_token = format!("{TOKEN}-expired");
    errors.push(conn.send(&wrong, &text("x")).await.expect_err("bad token"));
    e.emu.set_faults(Faults {
        timeout_rate: 1.0,
        timeout_ms: 1000,
        ..Faults::default()
    });
    errors.push(
        impatient
            .send(&e.target, &text("x"))
            .await
            .expect_err("timeout"),
    );
    errors.push(
        conn.send(&target("http://127.0.0.1:1"), &text("x"))
            .await
            .expect_err("refused"),
    );

    assert!(errors[0].message.contains("[redacted]"), "{:?}", errors[0]);
    assert!(errors[1].message.contains("[redacted]"), "{:?}", errors[1]);
    for err in &errors {
        for s in [format!("{err}"), format!("{err:?}")] {
            assert!(!s.contains(TOKEN), "token leaked: {s}");
        }
    }
    assert!(!format!("{:?}", e.target).contains(TOKEN));
}
