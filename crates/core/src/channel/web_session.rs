//! A WhatsApp Web channel's session: its lifecycle state, why it failed, who it is paired as
//! and the pairing code currently shown. Stored per channel; every change is a
//! `channel.status` event written with it.
//!
//! ```text
//! stopped ──start──▶ starting ──(no keys)──▶ scan_qr ──paired──▶ working
//!    ▲                   │  └──(keys)──────────────────────────────▲  │
//!    └──────stop─────────┴────────────── failed(reason) ◀──────────┴──┘
//! ```

use serde::{Deserialize, Serialize};

use crate::id::ChannelId;
use crate::time::Millis;

/// Where a session is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Not running (never started, stopped, or logged out).
    #[default]
    Stopped,
    /// Connecting (with stored keys, or to get a first QR code).
    Starting,
    /// Waiting to be paired: a QR code (and a pair code, when asked for) is live.
    ScanQr,
    /// Paired and connected: it sends and receives.
    Working,
    /// Stopped by something it cannot recover from alone; `reason` says what.
    Failed,
}

impl SessionState {
    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Stopped => "stopped",
            SessionState::Starting => "starting",
            SessionState::ScanQr => "scan_qr",
            SessionState::Working => "working",
            SessionState::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "stopped" => SessionState::Stopped,
            "starting" => SessionState::Starting,
            "scan_qr" => SessionState::ScanQr,
            "working" => SessionState::Working,
            "failed" => SessionState::Failed,
            _ => return None,
        })
    }

    /// Whether a node should (re)start the session when it takes the channel over or
    /// starts up: it was running (working, or on its way there) when its last owner left.
    pub fn resumes(self) -> bool {
        matches!(self, SessionState::Starting | SessionState::Working)
    }
}

/// Why a session is `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    /// Every QR code of the pairing expired unscanned (or the configured number was shown).
    QrTimeout,
    /// The phone unlinked the device, or WhatsApp ended the session (401/403/406): its keys
    /// are wiped and it needs pairing again.
    LoggedOut,
    /// WhatsApp banned the number (temporarily or for good).
    Banned,
    /// Another client took the session over (stream replaced, 409).
    Replaced,
    /// WhatsApp refused the client's version (405).
    OutdatedClient,
    /// The connection dropped and reconnecting failed too many times in a row.
    RestartLimit,
    /// The session could not be started (the driver or its keys failed).
    StartFailed,
}

impl FailReason {
    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::QrTimeout => "qr_timeout",
            FailReason::LoggedOut => "logged_out",
            FailReason::Banned => "banned",
            FailReason::Replaced => "replaced",
            FailReason::OutdatedClient => "outdated_client",
            FailReason::RestartLimit => "restart_limit",
            FailReason::StartFailed => "start_failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "qr_timeout" => FailReason::QrTimeout,
            "logged_out" => FailReason::LoggedOut,
            "banned" => FailReason::Banned,
            "replaced" => FailReason::Replaced,
            "outdated_client" => FailReason::OutdatedClient,
            "restart_limit" => FailReason::RestartLimit,
            "start_failed" => FailReason::StartFailed,
            _ => return None,
        })
    }
}

/// Who a paired session is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PairedAs {
    /// The device's JID, e.g. `2349040613521:8@s.whatsapp.net`.
    pub jid: String,
    /// Its LID (`…@lid`), when WhatsApp gave one.
    #[serde(default)]
    pub lid: Option<String>,
    /// The profile name on the phone.
    #[serde(default)]
    pub push_name: Option<String>,
    /// The phone's platform (`android`, `iphone`, `smba`, …), when known.
    #[serde(default)]
    pub platform: Option<String>,
}

impl PairedAs {
    /// The phone number of the paired account: the JID's user part without the device.
    pub fn phone_number(&self) -> &str {
        let user = self.jid.split('@').next().unwrap_or("");
        user.split(':').next().unwrap_or("")
    }
}

/// The pairing code a `scan_qr` session shows now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrCode {
    /// The text to encode in the QR image.
    pub code: String,
    /// When it stops being valid (milliseconds since the epoch).
    pub expires_at: Millis,
    /// Which code of the pairing it is (1-based).
    pub number: u32,
    /// How many codes the pairing shows before it fails with `qr_timeout`.
    pub of: u32,
}

/// A phone-number pair code a `scan_qr` session shows now (8 characters, typed on the
/// phone under "Link with phone number").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCode {
    /// The code, e.g. `ABCD1234` (shown as `ABCD-1234`).
    pub code: String,
    /// The number it was asked for (digits).
    pub phone_number: String,
    /// When it stops being valid (milliseconds since the epoch).
    pub expires_at: Millis,
}

/// A WhatsApp Web channel's session as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSession {
    /// The channel.
    pub channel_id: ChannelId,
    /// Its state.
    pub state: SessionState,
    /// For `failed`: why.
    pub reason: Option<FailReason>,
    /// A human-readable detail of the last change (the upstream's words, a ban's end, …).
    pub detail: Option<String>,
    /// Who it is paired as (kept while stopped; cleared by a logout).
    pub paired_as: Option<PairedAs>,
    /// The live QR code while `scan_qr`.
    pub qr: Option<QrCode>,
    /// The live pair code while `scan_qr`, when one was asked for.
    pub pair_code: Option<PairCode>,
    /// Reconnects in a row since it last worked (reset when it connects).
    pub restarts: u32,
    /// When it last changed.
    pub updated_at: Millis,
}

impl WebSession {
    /// A session that never ran.
    pub fn stopped(channel_id: ChannelId, at: Millis) -> Self {
        Self {
            channel_id,
            state: SessionState::Stopped,
            reason: None,
            detail: None,
            paired_as: None,
            qr: None,
            pair_code: None,
            restarts: 0,
            updated_at: at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [
            SessionState::Stopped,
            SessionState::Starting,
            SessionState::ScanQr,
            SessionState::Working,
            SessionState::Failed,
        ] {
            assert_eq!(SessionState::parse(s.as_str()), Some(s));
        }
        for r in [
            FailReason::QrTimeout,
            FailReason::LoggedOut,
            FailReason::Banned,
            FailReason::Replaced,
            FailReason::OutdatedClient,
            FailReason::RestartLimit,
            FailReason::StartFailed,
        ] {
            assert_eq!(FailReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(SessionState::parse("open"), None);
    }

    #[test]
    fn the_phone_number_is_the_jid_user_without_its_device() {
        let me = PairedAs {
            jid: "2349040613521:8@s.whatsapp.net".into(),
            ..Default::default()
        };
        assert_eq!(me.phone_number(), "2349040613521");
    }

    #[test]
    fn only_running_sessions_resume() {
        assert!(SessionState::Working.resumes());
        assert!(!SessionState::Stopped.resumes());
        assert!(!SessionState::Failed.resumes());
        assert!(!SessionState::ScanQr.resumes());
    }
}
