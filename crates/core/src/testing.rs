//! Message-test helpers shared by core's tests and the HTTP tests of other crates: sends built
//! from a kind and its content, accept/refuse assertions, and the table of limit violations.
//! Compiled only with the `testing` feature.

pub mod limit_cases;

use crate::message::{parse_request, CloudRequest, MessageError, OutboundMessage};
use serde_json::{json, Value};

/// A recipient every test uses.
pub const TO: &str = "+1 650-555-1234";

/// A send of `kind` with `content` to [`TO`].
pub fn msg(kind: &str, content: Value) -> Value {
    let mut v = json!({"messaging_product": "whatsapp", "to": TO, "type": kind});
    v[kind] = content;
    v
}

/// Parses `body`, which must be an accepted send.
#[track_caller]
pub fn accept(body: &Value) -> OutboundMessage {
    match parse_request(body) {
        Ok(CloudRequest::Send(m)) => m,
        Ok(other) => panic!("expected a send, got {other:?}"),
        Err(e) => panic!("refused: {e}\nbody: {body:#}"),
    }
}

/// Parses `body`, which must be refused; returns the error.
#[track_caller]
pub fn refuse(body: &Value) -> MessageError {
    match parse_request(body) {
        Ok(m) => panic!("accepted, expected a refusal: {m:?}\nbody: {body:#}"),
        Err(e) => e,
    }
}

/// Asserts that `body` is refused with `code` at `path`, and that the details name a path.
#[track_caller]
pub fn refused_with(body: &Value, code: u32, path: &str) -> MessageError {
    let e = refuse(body);
    assert_eq!(
        (e.code, e.path.as_str()),
        (code, path),
        "wrong refusal: {e}\nbody: {body:#}"
    );
    let head = path.split(['.', '[']).next().unwrap_or_default();
    assert!(
        path.is_empty() || e.details.contains(head),
        "details do not name the path {path}: {}",
        e.details
    );
    e
}

/// A string of `n` copies of `c`.
pub fn chars(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}
