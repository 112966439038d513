//! The fake WhatsApp Web phone: a [`switchboard_web_driver::WebDriver`] that pairs by QR code
//! or pair code, connects, receives injected messages, records sends and answers with
//! receipts, and fails on demand — offline, deterministic under the emulator's seed, with
//! every wait configurable. Control routes (`/emulator/web/{channel_id}/{action}`) play the phone and
//! WhatsApp's server.

mod channel;
mod control;
mod driver;
mod inbound;
mod pairing;
mod phone;
mod send;
mod session;

pub(crate) use control::router;
pub use control::WebControlError;
pub use driver::FakeWebDriver;

use crate::config::EmulatorConfig;

/// The settings the fake phone reads from the emulator's configuration.
#[derive(Debug, Clone)]
pub(crate) struct WebSettings {
    pub seed: u64,
    pub qr_first_ms: u64,
    pub qr_next_ms: u64,
    pub pair_code_ms: u64,
    pub reconnect_ms: u64,
    pub ack_timeout_ms: u64,
    pub groups: Vec<String>,
    pub undeliverable_suffix: Option<String>,
    pub undeliverable_numbers: Vec<String>,
    pub delivered_ms: u64,
    pub read_ms: u64,
    pub read_receipts: bool,
}

impl WebSettings {
    /// The fake phone's part of `config`.
    pub fn from_config(config: &EmulatorConfig) -> Self {
        Self {
            seed: config.seed,
            qr_first_ms: config.web_qr_first_ms,
            qr_next_ms: config.web_qr_next_ms,
            pair_code_ms: config.web_pair_code_ms,
            reconnect_ms: config.web_reconnect_ms,
            ack_timeout_ms: config.web_ack_timeout_ms,
            groups: config.web_groups.clone(),
            undeliverable_suffix: config.undeliverable_suffix.clone(),
            undeliverable_numbers: config.undeliverable_numbers.clone(),
            delivered_ms: config.status_delays.delivered_ms,
            read_ms: config.status_delays.read_ms,
            read_receipts: config.read_receipts,
        }
    }

    /// Whether the phone number `number` (digits) is not on WhatsApp.
    pub fn undeliverable(&self, number: &str) -> bool {
        let suffix_hit = self
            .undeliverable_suffix
            .as_deref()
            .is_some_and(|s| !s.is_empty() && number.ends_with(s));
        suffix_hit || self.undeliverable_numbers.iter().any(|n| n == number)
    }

    /// Whether the phone is in the group with id `group` (the user part of its JID).
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.is_empty()
            || self
                .groups
                .iter()
                .any(|g| g.strip_suffix("@g.us").unwrap_or(g) == group)
    }
}
