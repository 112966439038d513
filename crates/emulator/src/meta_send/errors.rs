//! The Send API's Graph errors, `{"error":{message, type, code, error_subcode?, fbtrace_id}}`,
//! with the codes of Meta's Messenger and Instagram tables.

use axum::http::StatusCode;
use serde_json::json;

use crate::config::PagePlatform;
use crate::error::GraphError;
use crate::ids::trace_id;

/// A Send API error: `(#code) message`, HTTP 400.
pub(crate) fn send_error(code: u32, subcode: Option<u32>, message: &str) -> GraphError {
    let mut error = json!({
        "message": format!("(#{code}) {message}"),
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": trace_id(),
    });
    if let Some(s) = subcode {
        error["error_subcode"] = json!(s);
    }
    GraphError {
        status: StatusCode::BAD_REQUEST,
        body: json!({ "error": error }),
    }
}

/// Code 100, invalid parameter.
pub(crate) fn invalid(message: impl AsRef<str>) -> GraphError {
    send_error(100, None, message.as_ref())
}

/// Outside the 24-hour window (and no applicable tag): 10/2018278 (Messenger) or 10/2534022
/// (Instagram).
pub(crate) fn outside_window(platform: PagePlatform) -> GraphError {
    match platform {
        PagePlatform::Messenger => send_error(
            10,
            Some(2018278),
            "This message is sent outside of allowed window.",
        ),
        PagePlatform::Instagram => send_error(
            10,
            Some(2534022),
            "This message is sent outside of allowed window. You can only send messages to a user within 24 hours of receiving the customer's message.",
        ),
    }
}

/// The recipient is not a user of the page: 100/2018001 (Messenger) or 100/2534014
/// (Instagram).
pub(crate) fn no_such_user(platform: PagePlatform) -> GraphError {
    match platform {
        PagePlatform::Messenger => send_error(100, Some(2018001), "No matching user found"),
        PagePlatform::Instagram => send_error(100, Some(2534014), "No matching user found"),
    }
}

/// The user blocked the page: 551/1545041.
pub(crate) fn unavailable_user() -> GraphError {
    send_error(551, Some(1545041), "This person isn't available right now.")
}

/// Throttled: 613 (Messenger), 613/2534040 (Instagram).
pub(crate) fn throttled(platform: PagePlatform) -> GraphError {
    let subcode = (platform == PagePlatform::Instagram).then_some(2534040);
    send_error(
        613,
        subcode,
        "Calls to this api have exceeded the rate limit.",
    )
}
