//! The phone's side of a session: its state, and what the control routes make it do (scan a
//! QR code, enter a pair code, drop the connection, unlink the device, …).

use serde_json::{json, Value};
use switchboard_web_driver::{Jid, SessionEvent};

use super::control::WebControlError;
use super::pairing::{normalize_code, DeviceRecord, PairingKeys};
use super::session::FakeSession;

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneState {
    /// Started, about to pair or connect.
    Connecting,
    /// Showing QR codes (and maybe a pair code).
    Pairing,
    /// Connected and logged in.
    Connected,
    /// Disconnected, reconnecting by itself.
    Reconnecting,
    /// Every QR code expired; disconnected.
    QrExhausted,
    /// The device was unlinked.
    LoggedOut,
    /// Another client took over.
    Replaced,
    /// The number is banned.
    Banned,
    /// The client's version was refused.
    Outdated,
    /// Stopped by the caller.
    Stopped,
}

impl PhoneState {
    /// The name `GET …/state` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneState::Connecting => "connecting",
            PhoneState::Pairing => "pairing",
            PhoneState::Connected => "connected",
            PhoneState::Reconnecting => "reconnecting",
            PhoneState::QrExhausted => "qr_exhausted",
            PhoneState::LoggedOut => "logged_out",
            PhoneState::Replaced => "replaced",
            PhoneState::Banned => "banned",
            PhoneState::Outdated => "outdated",
            PhoneState::Stopped => "stopped",
        }
    }

    /// Paired and connected or reconnecting.
    pub fn is_online(self) -> bool {
        matches!(self, PhoneState::Connected | PhoneState::Reconnecting)
    }

    /// Not ended yet.
    pub fn is_alive(self) -> bool {
        matches!(
            self,
            PhoneState::Connecting
                | PhoneState::Pairing
                | PhoneState::Connected
                | PhoneState::Reconnecting
        )
    }
}

/// A pair code handed out.
#[derive(Debug, Clone)]
pub(crate) struct PairCodeState {
    pub code: String,
    pub phone: Jid,
    pub expires: tokio::time::Instant,
}

/// A session's mutable state.
pub(crate) struct Phone {
    pub state: PhoneState,
    /// Stopped (or logged out) by the caller: no event any more.
    pub stopped: bool,
    pub device: Option<DeviceRecord>,
    pub pairing_keys: Option<PairingKeys>,
    pub qr_number: u32,
    /// The live QR code.
    pub qr_code: Option<String>,
    pub pair_code: Option<PairCodeState>,
    /// Receipts that came while reconnecting, handed over at the next connect.
    pub held_receipts: Vec<SessionEvent>,
}

impl Phone {
    /// A session about to pair (no device) or to resume.
    pub fn new(device: Option<DeviceRecord>) -> Self {
        Self {
            state: PhoneState::Connecting,
            stopped: false,
            device,
            pairing_keys: None,
            qr_number: 0,
            qr_code: None,
            pair_code: None,
            held_receipts: Vec::new(),
        }
    }
}

/// A terminal fault of the server or the phone.
#[derive(Debug, Clone)]
pub(crate) enum Ending {
    /// The phone unlinked the device.
    Unlinked,
    /// Another client took over.
    Replaced,
    /// A ban.
    Banned {
        code: Option<i64>,
        expires_in_ms: Option<u64>,
    },
    /// The client's version is refused.
    Outdated,
}

impl FakeSession {
    /// The phone scans the live QR code.
    pub async fn scan(
        &self,
        number: &str,
        push_name: Option<String>,
    ) -> Result<Value, WebControlError> {
        let jid = Jid::from_phone(number)
            .map_err(|e| WebControlError::bad_request("invalid_phone_number", e.to_string()))?;
        let mut phone = self.phone().await;
        if phone.stopped || phone.state != PhoneState::Pairing || phone.qr_code.is_none() {
            return Err(WebControlError::conflict(
                "no_qr_code",
                format!(
                    "no QR code is live on channel {} (the session is {})",
                    self.channel_id,
                    phone.state.as_str()
                ),
            ));
        }
        self.pair(&mut phone, jid, push_name).await
    }

    /// The phone enters a pair code.
    pub async fn enter_code(
        &self,
        code: &str,
        push_name: Option<String>,
    ) -> Result<Value, WebControlError> {
        let mut phone = self.phone().await;
        if phone.stopped || phone.state != PhoneState::Pairing {
            return Err(WebControlError::conflict(
                "not_pairing",
                format!(
                    "channel {} is not pairing (the session is {})",
                    self.channel_id,
                    phone.state.as_str()
                ),
            ));
        }
        let Some(expected) = phone.pair_code.clone() else {
            return Err(WebControlError::conflict(
                "no_pair_code",
                "no pair code was requested on this session",
            ));
        };
        if expected.expires <= tokio::time::Instant::now() {
            return Err(WebControlError::bad_request(
                "pair_code_expired",
                "the pair code expired; request a new one",
            ));
        }
        if normalize_code(code) != expected.code {
            return Err(WebControlError::bad_request(
                "wrong_pair_code",
                "the pair code is wrong",
            ));
        }
        self.pair(&mut phone, expected.phone, push_name).await
    }

    /// Pairs the device with the account `number`: writes the device record and keys, then
    /// reports `Paired` and `Connected`.
    async fn pair(
        &self,
        phone: &mut Phone,
        number: Jid,
        push_name: Option<String>,
    ) -> Result<Value, WebControlError> {
        let (device, changes) = self.shared.with_channel(&self.channel_id, |c| {
            let device = DeviceRecord::new(&mut c.rng, number.user(), push_name.clone());
            let changes = device.changes(&mut c.rng);
            (device, changes)
        });
        let unavailable =
            |e: String| WebControlError::new(503, "keys_failed", format!("key store: {e}"));
        let changes = changes.map_err(|e| unavailable(e.message))?;
        let jid = device.jid().map_err(|e| unavailable(e.message))?;
        self.keys
            .write(changes)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let lid = device.lid_jid();
        phone.device = Some(device.clone());
        phone.pairing_keys = None;
        let answer = json!({
            "jid": jid.to_string(),
            "lid": lid.as_ref().map(ToString::to_string),
            "push_name": push_name,
        });
        let paired = SessionEvent::Paired {
            jid,
            lid,
            push_name,
            platform: Some(device.platform.clone()),
        };
        self.emit(phone, paired);
        self.connected(phone).await;
        Ok(answer)
    }

    /// The server drops the connection.
    pub async fn drop_connection(&self, clean: bool) -> Result<Value, WebControlError> {
        let mut phone = self.phone().await;
        if phone.stopped || phone.state != PhoneState::Connected {
            return Err(WebControlError::conflict(
                "not_connected",
                format!(
                    "the session is not connected (it is {})",
                    phone.state.as_str()
                ),
            ));
        }
        let detail = if clean {
            "emulator: the server closed the stream"
        } else {
            "emulator: the connection was lost"
        };
        self.disconnected(&mut phone, clean, detail.to_string())
            .await;
        Ok(json!({"state": phone.state.as_str()}))
    }

    /// A terminal fault: the session ends with its event.
    pub async fn ending(&self, ending: Ending) -> Result<Value, WebControlError> {
        let mut phone = self.phone().await;
        let allowed = match ending {
            Ending::Unlinked => phone.state.is_online(),
            _ => phone.state.is_alive(),
        };
        if phone.stopped || !allowed {
            return Err(WebControlError::conflict(
                "session_not_running",
                format!(
                    "the session cannot be ended that way now (it is {})",
                    phone.state.as_str()
                ),
            ));
        }
        let (state, event) = match ending {
            Ending::Unlinked => {
                if let Some(jid) = phone.device.as_ref().and_then(|d| d.jid().ok()) {
                    self.shared.with_channel(&self.channel_id, |c| {
                        c.unlinked.insert(jid.to_string());
                    });
                }
                let reason = "device_removed".to_string();
                (PhoneState::LoggedOut, SessionEvent::LoggedOut { reason })
            }
            Ending::Replaced => (PhoneState::Replaced, SessionEvent::Replaced),
            Ending::Banned {
                code,
                expires_in_ms,
            } => (
                PhoneState::Banned,
                SessionEvent::Banned {
                    code,
                    expires_in_ms,
                },
            ),
            Ending::Outdated => (PhoneState::Outdated, SessionEvent::Outdated),
        };
        self.end(&mut phone, state);
        self.emit(&phone, event);
        Ok(json!({"state": state.as_str()}))
    }

    /// The session's part of `GET …/state`.
    pub async fn describe(&self) -> Value {
        let phone = self.phone().await;
        let device = phone.device.as_ref();
        json!({
            "state": phone.state.as_str(),
            "jid": device.and_then(|d| d.jid().ok()).map(|j| j.to_string()),
            "lid": device.and_then(DeviceRecord::lid_jid).map(|j| j.to_string()),
            "push_name": device.and_then(|d| d.push_name.clone()),
            "qr_number": phone.qr_number,
            "qr_code": phone.qr_code,
            "pair_code": phone.pair_code.as_ref().map(|p| p.code.clone()),
            "pair_code_phone": phone.pair_code.as_ref().map(|p| p.phone.user().to_string()),
        })
    }
}
