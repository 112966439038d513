//! The wire mirror of [`SessionEvent`] (all but `Inbound`, which travels as its own frame).

use serde::{Deserialize, Serialize};

use crate::{InboundBatch, Jid, ReceiptKind, SessionEvent};

/// [`ReceiptKind`] on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireReceiptKind {
    /// [`ReceiptKind::Delivered`].
    Delivered,
    /// [`ReceiptKind::Read`].
    Read,
    /// [`ReceiptKind::Played`].
    Played,
}

/// A [`SessionEvent`] other than `Inbound`, tagged by `kind`; the fields are the event's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(missing_docs)] // the fields mirror SessionEvent's, documented there
pub enum WireEvent {
    /// [`SessionEvent::Qr`].
    Qr { code: String, valid_ms: u64 },
    /// [`SessionEvent::PairCode`].
    PairCode { code: String, valid_ms: u64 },
    /// [`SessionEvent::QrExhausted`].
    QrExhausted,
    /// [`SessionEvent::Paired`].
    Paired {
        jid: Jid,
        lid: Option<Jid>,
        push_name: Option<String>,
        platform: Option<String>,
    },
    /// [`SessionEvent::Connected`].
    Connected { jid: Jid, push_name: Option<String> },
    /// [`SessionEvent::Disconnected`].
    Disconnected { clean: bool, detail: String },
    /// [`SessionEvent::LoggedOut`].
    LoggedOut { reason: String },
    /// [`SessionEvent::Replaced`].
    Replaced,
    /// [`SessionEvent::Banned`].
    Banned {
        code: Option<i64>,
        expires_in_ms: Option<u64>,
    },
    /// [`SessionEvent::Outdated`].
    Outdated,
    /// [`SessionEvent::Receipt`].
    Receipt {
        chat: Jid,
        from: Option<Jid>,
        ids: Vec<String>,
        receipt: WireReceiptKind,
        at_ms: i64,
    },
    /// [`SessionEvent::SendFailed`].
    SendFailed {
        id: String,
        code: Option<i64>,
        detail: String,
    },
}

impl WireEvent {
    /// The wire form of `event`. An `Inbound` batch has none (it travels as an `inbound` frame
    /// and is acknowledged by `inbound_stored`): it is handed back as the `Err`.
    pub fn from_event(event: SessionEvent) -> Result<Self, InboundBatch> {
        Ok(match event {
            SessionEvent::Inbound(batch) => return Err(batch),
            SessionEvent::Qr { code, valid_ms } => Self::Qr { code, valid_ms },
            SessionEvent::PairCode { code, valid_ms } => Self::PairCode { code, valid_ms },
            SessionEvent::QrExhausted => Self::QrExhausted,
            SessionEvent::Paired {
                jid,
                lid,
                push_name,
                platform,
            } => Self::Paired {
                jid,
                lid,
                push_name,
                platform,
            },
            SessionEvent::Connected { jid, push_name } => Self::Connected { jid, push_name },
            SessionEvent::Disconnected { clean, detail } => Self::Disconnected { clean, detail },
            SessionEvent::LoggedOut { reason } => Self::LoggedOut { reason },
            SessionEvent::Replaced => Self::Replaced,
            SessionEvent::Banned {
                code,
                expires_in_ms,
            } => Self::Banned {
                code,
                expires_in_ms,
            },
            SessionEvent::Outdated => Self::Outdated,
            SessionEvent::Receipt {
                chat,
                from,
                ids,
                kind,
                at_ms,
            } => Self::Receipt {
                chat,
                from,
                ids,
                receipt: match kind {
                    ReceiptKind::Delivered => WireReceiptKind::Delivered,
                    ReceiptKind::Read => WireReceiptKind::Read,
                    ReceiptKind::Played => WireReceiptKind::Played,
                },
                at_ms,
            },
            SessionEvent::SendFailed { id, code, detail } => Self::SendFailed { id, code, detail },
        })
    }
}

impl From<WireEvent> for SessionEvent {
    fn from(event: WireEvent) -> Self {
        match event {
            WireEvent::Qr { code, valid_ms } => Self::Qr { code, valid_ms },
            WireEvent::PairCode { code, valid_ms } => Self::PairCode { code, valid_ms },
            WireEvent::QrExhausted => Self::QrExhausted,
            WireEvent::Paired {
                jid,
                lid,
                push_name,
                platform,
            } => Self::Paired {
                jid,
                lid,
                push_name,
                platform,
            },
            WireEvent::Connected { jid, push_name } => Self::Connected { jid, push_name },
            WireEvent::Disconnected { clean, detail } => Self::Disconnected { clean, detail },
            WireEvent::LoggedOut { reason } => Self::LoggedOut { reason },
            WireEvent::Replaced => Self::Replaced,
            WireEvent::Banned {
                code,
                expires_in_ms,
            } => Self::Banned {
                code,
                expires_in_ms,
            },
            WireEvent::Outdated => Self::Outdated,
            WireEvent::Receipt {
                chat,
                from,
                ids,
                receipt,
                at_ms,
            } => Self::Receipt {
                chat,
                from,
                ids,
                kind: match receipt {
                    WireReceiptKind::Delivered => ReceiptKind::Delivered,
                    WireReceiptKind::Read => ReceiptKind::Read,
                    WireReceiptKind::Played => ReceiptKind::Played,
                },
                at_ms,
            },
            WireEvent::SendFailed { id, code, detail } => Self::SendFailed { id, code, detail },
        }
    }
}
