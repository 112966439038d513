//! The wire protocol of a session driven across a WebSocket: a Switchboard node (the client,
//! `RemoteWebDriver` in the connectors crate) drives a [`WebDriver`](crate::WebDriver) that runs
//! in another process (the server, the emulator's web bridge).
//!
//! One WebSocket carries one session; every frame is a JSON text frame, tagged by `type`.
//! Requests carry an `id` (chosen by the side that asks, one counter per side) and the answer
//! repeats it, so answers match their requests in any order. Bytes travel as standard base64.
//!
//! - client → server ([`ClientFrame`]): `start` (the first frame), `request_pair_code`,
//!   `send`, `download`, `mark_read`, `logout`, `stop`, each answered by an `answer`; the
//!   `keys.answer` to a key request; `inbound_stored` once an inbound batch is durable (or
//!   refused).
//! - server → client ([`ServerFrame`]): `answer`; `event` (every
//!   [`SessionEvent`](crate::SessionEvent) but `Inbound`); `inbound` (a batch, acknowledged by
//!   `inbound_stored` with the same `batch`); `keys.get`, `keys.list`, `keys.write`,
//!   `keys.is_empty` (the client performs them on its [`WebKeys`](crate::WebKeys) and answers
//!   `keys.answer`).

mod bytes64;
mod errors;
mod event;
mod message;

use serde::{Deserialize, Serialize};

use crate::Jid;

pub use bytes64::Base64Bytes;
pub use errors::{WireKeyChange, WireKeyError, WireWebError, WireWebErrorKind};
pub use event::{WireEvent, WireReceiptKind};
pub use message::{
    WireContactCard, WireInboundContent, WireInboundMedia, WireInboundMessage, WireMediaKind,
    WireOutboundContent, WireOutboundMedia, WireOutboundMessage, WireQuoted, WireSent,
};

/// The largest frame either side accepts (a 100 MB document in base64, with room).
pub const MAX_FRAME_BYTES: usize = 160 << 20;

/// The outcome of a request: `{"ok": value}` or `{"error": error}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome<T, E> {
    /// It succeeded with this value.
    Ok(T),
    /// It failed with this error.
    #[serde(rename = "error")]
    Err(E),
}

impl<T, E> From<Result<T, E>> for Outcome<T, E> {
    fn from(result: Result<T, E>) -> Self {
        match result {
            Ok(value) => Outcome::Ok(value),
            Err(error) => Outcome::Err(error),
        }
    }
}

impl<T, E> From<Outcome<T, E>> for Result<T, E> {
    fn from(outcome: Outcome<T, E>) -> Self {
        match outcome {
            Outcome::Ok(value) => Ok(value),
            Outcome::Err(error) => Err(error),
        }
    }
}

/// A frame from the client (the Switchboard node) to the server (the driver's side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Starts the session (the first frame); answered [`AnswerValue::Unit`] once the
    /// driver's `start` returned.
    Start {
        /// The request id.
        id: u64,
        /// The channel id (must equal the one in the connect URL).
        channel_id: String,
        /// [`SessionStart::max_qr_codes`](crate::SessionStart::max_qr_codes).
        max_qr_codes: u32,
    },
    /// [`WebSession::request_pair_code`](crate::WebSession::request_pair_code); answered
    /// [`AnswerValue::PairCode`].
    RequestPairCode {
        /// The request id.
        id: u64,
        /// The phone number.
        phone_number: String,
    },
    /// [`WebSession::send`](crate::WebSession::send); answered [`AnswerValue::Sent`].
    Send {
        /// The request id.
        id: u64,
        /// The recipient.
        to: Jid,
        /// The message.
        message: WireOutboundMessage,
        /// The WhatsApp message id to send it under.
        message_id: String,
    },
    /// [`WebSession::download`](crate::WebSession::download); answered [`AnswerValue::Media`].
    Download {
        /// The request id.
        id: u64,
        /// The media to download.
        media: WireInboundMedia,
    },
    /// [`WebSession::mark_read`](crate::WebSession::mark_read); answered [`AnswerValue::Unit`].
    MarkRead {
        /// The request id.
        id: u64,
        /// The chat.
        chat: Jid,
        /// The sender (in a group).
        sender: Option<Jid>,
        /// The message ids.
        ids: Vec<String>,
    },
    /// [`WebSession::logout`](crate::WebSession::logout); answered [`AnswerValue::Unit`].
    Logout {
        /// The request id.
        id: u64,
    },
    /// [`WebSession::stop`](crate::WebSession::stop); answered [`AnswerValue::Unit`], after
    /// which the client closes the socket.
    Stop {
        /// The request id.
        id: u64,
    },
    /// The answer to a server's key request.
    #[serde(rename = "keys.answer")]
    KeysAnswer {
        /// The id of the key request.
        id: u64,
        /// What the client's key store answered.
        result: Outcome<KeysValue, WireKeyError>,
    },
    /// The answer of [`InboundBatch::stored`](crate::InboundBatch::stored) for a batch.
    InboundStored {
        /// The batch number of the `inbound` frame.
        batch: u64,
        /// `Ok` once every message is durable, `Err` with why not.
        result: Outcome<(), String>,
    },
}

/// A frame from the server (the driver's side) to the client (the Switchboard node).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to the client's request `id`.
    Answer {
        /// The request id.
        id: u64,
        /// Its value, or the driver's error.
        result: Outcome<AnswerValue, WireWebError>,
    },
    /// A session event (never `Inbound`: see [`ServerFrame::Inbound`]).
    Event {
        /// The event.
        event: WireEvent,
    },
    /// Inbound messages; the client answers [`ClientFrame::InboundStored`] with `batch`.
    Inbound {
        /// The batch number (one counter per connection).
        batch: u64,
        /// The messages, in arrival order.
        messages: Vec<WireInboundMessage>,
    },
    /// [`WebKeys::get`](crate::WebKeys::get); answered [`KeysValue::Value`].
    #[serde(rename = "keys.get")]
    KeysGet {
        /// The request id.
        id: u64,
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
    },
    /// [`WebKeys::list`](crate::WebKeys::list); answered [`KeysValue::Entries`].
    #[serde(rename = "keys.list")]
    KeysList {
        /// The request id.
        id: u64,
        /// The namespace.
        namespace: String,
        /// The key prefix (`""`: all).
        prefix: String,
    },
    /// [`WebKeys::write`](crate::WebKeys::write); answered [`KeysValue::Written`].
    #[serde(rename = "keys.write")]
    KeysWrite {
        /// The request id.
        id: u64,
        /// The changes, applied in order, all or none.
        changes: Vec<WireKeyChange>,
    },
    /// [`WebKeys::is_empty`](crate::WebKeys::is_empty); answered [`KeysValue::Empty`].
    #[serde(rename = "keys.is_empty")]
    KeysIsEmpty {
        /// The request id.
        id: u64,
    },
}

/// The value of a successful session request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerValue {
    /// Done, nothing to return (`start`, `mark_read`, `logout`, `stop`).
    Unit,
    /// The pair code.
    PairCode(String),
    /// The server's acknowledgement of a send.
    Sent(WireSent),
    /// The downloaded media.
    Media(Base64Bytes),
}

/// The value of a successful key request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeysValue {
    /// The value of `keys.get` (`null`: absent).
    Value(Option<Base64Bytes>),
    /// The `(key, value)` pairs of `keys.list`, in key order.
    Entries(Vec<(String, Base64Bytes)>),
    /// `keys.write` applied the changes.
    Written,
    /// Whether the store is empty (`keys.is_empty`).
    Empty(bool),
}

impl ClientFrame {
    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// Reads a frame; the error says what is wrong and where, without quoting the frame.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| parse_error(&e))
    }
}

impl ServerFrame {
    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// Reads a frame; the error says what is wrong and where, without quoting the frame.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| parse_error(&e))
    }
}

/// A parse error without its text: serde's message may quote a value of the frame, and a
/// frame may carry key material.
fn parse_error(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "not a frame of the protocol",
        serde_json::error::Category::Eof => "truncated",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// Serializes a frame. The frames hold only strings, numbers, booleans and maps with string
/// keys, which always serialize; the fallback is never reached.
fn to_json<T: Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).unwrap_or_else(|e| {
        format!(
            r#"{{"type":"unserializable","detail":{:?}}}"#,
            e.to_string()
        )
    })
}

#[cfg(test)]
mod tests;
