//! Library events as boundary [`SessionEvent`]s: a pure translation (the session's
//! forwarder applies what it returns), so its rules are testable without a connection.

use std::time::Duration;

use switchboard_web_driver::{Jid, ReceiptKind, SessionEvent};
use whatsapp_rust::wacore::types::events::Event;
use whatsapp_rust::wacore::types::presence::ReceiptType;

/// What the session does for one library event.
#[derive(Debug)]
pub enum Action {
    /// Report this event.
    Emit(SessionEvent),
    /// Report this event, then disconnect (the QR budget is spent).
    EmitAndDisconnect(SessionEvent),
    /// Nothing.
    Ignore,
}

/// Who this session is, for `Connected` and `Paired`.
#[derive(Debug, Clone, Default)]
pub struct Me {
    /// The device's phone-number JID.
    pub jid: Option<Jid>,
    /// The account's profile name.
    pub push_name: Option<String>,
}

/// The translation state of one session: how many QR codes it showed.
#[derive(Debug)]
pub struct Translator {
    max_qr_codes: u32,
    qr_shown: u32,
    exhausted: bool,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn jid(text: &str) -> Option<Jid> {
    Jid::parse(text).ok()
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// The receipt kinds Switchboard reports; the others (retries, self receipts, server
/// errors, …) are the library's business.
pub fn receipt_kind(kind: &ReceiptType) -> Option<ReceiptKind> {
    match kind {
        ReceiptType::Delivered => Some(ReceiptKind::Delivered),
        ReceiptType::Read => Some(ReceiptKind::Read),
        ReceiptType::Played => Some(ReceiptKind::Played),
        _ => None,
    }
}

impl Translator {
    /// A session that shows at most `max_qr_codes` QR codes (0: the library's limit).
    pub fn new(max_qr_codes: u32) -> Self {
        Self {
            max_qr_codes,
            qr_shown: 0,
            exhausted: false,
        }
    }

    fn exhausted(&mut self, disconnect: bool) -> Action {
        if self.exhausted {
            return Action::Ignore;
        }
        self.exhausted = true;
        if disconnect {
            Action::EmitAndDisconnect(SessionEvent::QrExhausted)
        } else {
            Action::Emit(SessionEvent::QrExhausted)
        }
    }

    /// What to do for `event`; `me` is read for `Connected` and `Paired` only.
    pub fn translate(&mut self, event: &Event, me: impl FnOnce() -> Me) -> Action {
        match event {
            Event::PairingQrCode(qr) => {
                if self.max_qr_codes > 0 && self.qr_shown >= self.max_qr_codes {
                    return self.exhausted(true);
                }
                self.qr_shown += 1;
                Action::Emit(SessionEvent::Qr {
                    code: qr.code.clone(),
                    valid_ms: millis(qr.timeout),
                })
            }
            Event::PairingQrCodesExhausted(e) => self.exhausted(!e.disconnected),
            Event::PairingCode(code) => Action::Emit(SessionEvent::PairCode {
                code: code.code.clone(),
                valid_ms: millis(code.timeout),
            }),
            Event::PairSuccess(p) => {
                let Some(device) = jid(&p.id.to_string()) else {
                    return Action::Ignore;
                };
                Action::Emit(SessionEvent::Paired {
                    jid: device,
                    lid: jid(&p.lid.to_string()),
                    push_name: me().push_name.or_else(|| non_empty(&p.business_name)),
                    platform: non_empty(&p.platform),
                })
            }
            Event::Connected(_) => {
                let me = me();
                match me.jid {
                    Some(jid) => Action::Emit(SessionEvent::Connected {
                        jid,
                        push_name: me.push_name,
                    }),
                    // Connected but not paired yet: the QR codes follow.
                    None => Action::Ignore,
                }
            }
            Event::Disconnected(d) => Action::Emit(SessionEvent::Disconnected {
                clean: d.reason.is_clean_shutdown(),
                detail: d.reason.to_string(),
            }),
            Event::LoggedOut(l) => Action::Emit(SessionEvent::LoggedOut {
                reason: l.reason.code().to_string(),
            }),
            Event::StreamReplaced(_) => Action::Emit(SessionEvent::Replaced),
            Event::TemporaryBan(b) => Action::Emit(SessionEvent::Banned {
                code: Some(i64::from(b.code.code())),
                expires_in_ms: u64::try_from(b.expire.num_milliseconds()).ok(),
            }),
            Event::ClientOutdated(_) => Action::Emit(SessionEvent::Outdated),
            Event::Receipt(r) => {
                let Some(kind) = receipt_kind(&r.r#type) else {
                    return Action::Ignore;
                };
                let Some(chat) = jid(&r.source.chat.to_non_ad().to_string()) else {
                    return Action::Ignore;
                };
                Action::Emit(SessionEvent::Receipt {
                    chat,
                    from: jid(&r.source.sender.to_non_ad().to_string()),
                    ids: r.message_ids.clone(),
                    kind,
                    at_ms: r.timestamp.timestamp_millis(),
                })
            }
            Event::ServerAck(ack) => {
                let Some(error) = ack.error.as_ref() else {
                    return Action::Ignore;
                };
                if ack.class.as_deref().is_some_and(|class| class != "message") {
                    return Action::Ignore;
                }
                Action::Emit(SessionEvent::SendFailed {
                    id: ack.id.clone(),
                    code: error.trim().parse::<i64>().ok(),
                    detail: error.clone(),
                })
            }
            _ => Action::Ignore,
        }
    }
}
