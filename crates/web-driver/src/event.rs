//! What a session reports.

use tokio::sync::oneshot;

use crate::{InboundMessage, Jid};

/// Something that happened to a session, in the order it happened.
#[derive(Debug)]
pub enum SessionEvent {
    /// A new QR code to show (the first, or the next after the previous one expired).
    Qr {
        /// The text to encode in the QR image.
        code: String,
        /// How long it is valid, in milliseconds.
        valid_ms: u64,
    },
    /// A pair code for the number it was asked for (also the answer of
    /// [`WebSession::request_pair_code`](crate::WebSession::request_pair_code)), or its refresh.
    PairCode {
        /// The 8-character code.
        code: String,
        /// How long it is valid, in milliseconds.
        valid_ms: u64,
    },
    /// Every QR code expired unscanned; the driver disconnected.
    QrExhausted,
    /// The phone paired the device: its identity. `Connected` follows.
    Paired {
        /// The device's JID, e.g. `2349040613521:8@s.whatsapp.net`.
        jid: Jid,
        /// Its LID, when WhatsApp gave one.
        lid: Option<Jid>,
        /// The account's profile name.
        push_name: Option<String>,
        /// The phone's platform, when known.
        platform: Option<String>,
    },
    /// Connected and logged in (after pairing, a resume or a reconnect).
    Connected {
        /// The device's JID.
        jid: Jid,
        /// The account's profile name, when known.
        push_name: Option<String>,
    },
    /// The connection dropped; the driver reconnects by itself unless a terminal event
    /// (`LoggedOut`, `Replaced`, `Banned`, `Outdated`) follows.
    Disconnected {
        /// Whether the server closed it cleanly.
        clean: bool,
        /// What the driver knows of why.
        detail: String,
    },
    /// The phone unlinked the device or WhatsApp ended the session: the keys are useless.
    LoggedOut {
        /// Why, in the upstream's words (`401`, `device_removed`, …).
        reason: String,
    },
    /// Another client took the session over (stream replaced, 409).
    Replaced,
    /// WhatsApp banned the number.
    Banned {
        /// The ban's code, when given.
        code: Option<i64>,
        /// How long it lasts in milliseconds, when temporary.
        expires_in_ms: Option<u64>,
    },
    /// WhatsApp refused the client's version.
    Outdated,
    /// Inbound messages. The driver acknowledges them upstream only after the receiver
    /// answered `Ok` on [`InboundBatch::stored`] (they are durable); on `Err`, or if the
    /// answer never comes, WhatsApp delivers them again later.
    Inbound(InboundBatch),
    /// Receipts for messages this session sent.
    Receipt {
        /// The chat they are in.
        chat: Jid,
        /// Who read / received (in a group: the member).
        from: Option<Jid>,
        /// The WhatsApp message ids.
        ids: Vec<String>,
        /// Which receipt.
        kind: ReceiptKind,
        /// When (milliseconds since the epoch).
        at_ms: i64,
    },
    /// The server refused a message this session sent, after the send returned (a late nack).
    SendFailed {
        /// The WhatsApp message id.
        id: String,
        /// The server's code.
        code: Option<i64>,
        /// What the server said.
        detail: String,
    },
}

/// A receipt's kind, as WhatsApp reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptKind {
    /// Delivered to the recipient's phone (two grey ticks).
    Delivered,
    /// Read (two blue ticks).
    Read,
    /// A voice note or video note was played.
    Played,
}

/// Inbound messages waiting to be stored.
#[derive(Debug)]
pub struct InboundBatch {
    /// The messages, in arrival order.
    pub messages: Vec<InboundMessage>,
    /// Answer `Ok(())` once every message is durable (or known already); `Err` with why
    /// otherwise.
    pub stored: oneshot::Sender<Result<(), String>>,
}
