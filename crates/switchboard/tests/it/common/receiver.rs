//! A local webhook receiver: records every call it accepts and fails the first ones on
//! request, so tests can watch deliveries, retries and their recorded answers.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;

use super::eventually;

/// One webhook as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `webhook-id` header.
    pub id: String,
    /// The `webhook-timestamp` header (0 when missing).
    pub timestamp: i64,
    /// The `webhook-signature` header.
    pub signature: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// The body as JSON (`null` when it is not JSON).
    pub json: Value,
    /// When it arrived.
    pub arrived: std::time::Instant,
}

/// How a receiver answers.
#[derive(Debug, Clone)]
pub struct Answers {
    /// How many first calls fail with a 500.
    pub fail_first: usize,
    /// The body of a failing answer.
    pub failure_body: String,
    /// The status of an accepted call.
    pub success: StatusCode,
}

impl Answers {
    /// 500 with an empty body to the first `fail_first` calls, then 204.
    pub fn failing_first(fail_first: usize) -> Answers {
        Answers {
            fail_first,
            failure_body: String::new(),
            success: StatusCode::NO_CONTENT,
        }
    }
}

struct ReceiverState {
    answers: Answers,
    got: Mutex<Vec<Received>>,
    calls: Mutex<usize>,
}

/// A running receiver at `url` (`/hook` on a local port); stops when its last clone drops.
#[derive(Clone)]
pub struct Receiver {
    /// Where it listens.
    pub url: String,
    state: Arc<ReceiverState>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

async fn receive(
    State(s): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let call = {
        let mut calls = s.calls.lock().unwrap();
        *calls += 1;
        *calls
    };
    if call <= s.answers.fail_first {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            s.answers.failure_body.clone(),
        );
    }
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    s.got.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signature: header("webhook-signature"),
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        body: body.to_vec(),
        arrived: std::time::Instant::now(),
    });
    (s.answers.success, String::new())
}

impl Receiver {
    /// Starts on `listener`, answering as `answers` says.
    pub async fn start_on(listener: tokio::net::TcpListener, answers: Answers) -> Receiver {
        let state = Arc::new(ReceiverState {
            answers,
            got: Mutex::new(Vec::new()),
            calls: Mutex::new(0),
        });
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url,
            state,
            task: Arc::new(task),
        }
    }

    /// Starts on a free local port, answering as `answers` says.
    pub async fn start_answering(answers: Answers) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener, answers).await
    }

    /// Starts on a free local port; answers 500 to its first `fail_first` calls, then 204.
    pub async fn start(fail_first: usize) -> Receiver {
        Self::start_answering(Answers::failing_first(fail_first)).await
    }

    /// Every accepted call so far, in arrival order.
    pub fn got(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    /// Waits (at most 30 s) until `n` calls were accepted; returns them.
    pub async fn wait_for(&self, n: usize, what: &str) -> Vec<Received> {
        eventually(30, what, || async {
            let got = self.got();
            (got.len() >= n).then_some(got)
        })
        .await
    }

    /// The message ids of the events received, in arrival order.
    pub fn messages(&self) -> Vec<String> {
        self.got()
            .iter()
            .filter_map(|e| e.json["data"]["message"]["id"].as_str().map(str::to_string))
            .collect()
    }

    /// Waits (at most 30 s) for an event about message `id`.
    pub async fn wait_for_message(&self, id: &str) {
        eventually(30, "the event at the receiver", || async {
            self.messages().iter().any(|m| m == id).then_some(())
        })
        .await;
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if Arc::strong_count(&self.task) == 1 {
            self.task.abort();
        }
    }
}
